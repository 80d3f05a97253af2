"""Settings, each value remembering where it came from.

Layers, first that defines a value wins (SPEC-TLS section 1):
explicit arguments (the command line, or a library caller) > environment > default.
Configuration files slot in between the environment and the default.
allow-insecure-host entries are not layered but unioned from every source.

Every problem found is collected and raised together in one ConfigurationError.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from indexclient.errors import ConfigProblem, ConfigurationError, ConfigurationWarning
from indexclient.tls.contexts import ContextCache, default_cache
from indexclient.tls.hosts import InsecureHost, InsecureHosts, parse_insecure_host, split_env_value
from indexclient.tls.identity import ClientIdentity
from indexclient.tls.sources import BundledRoots, CustomRoots, PlatformRoots, TrustSource
from indexclient.tls.trust import Trust

__all__ = ["ENV_VARS", "Origin", "Settings", "Value", "parse_bool"]

T = TypeVar("T")

#: Every environment variable indexclient reads (tests clear them all).
ENV_VARS = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SSL_CLIENT_CERT",
    "UV_SYSTEM_CERTS",
    "UV_NATIVE_TLS",
    "UV_INSECURE_HOST",
)

_TRUE = frozenset({"y", "yes", "t", "true", "on", "1"})
_FALSE = frozenset({"n", "no", "f", "false", "off", "0"})


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value came from: ``flag``, ``env``, ``file``, ``api`` or ``default``."""

    kind: str
    name: str = ""
    path: str | None = None

    def __str__(self) -> str:
        if self.kind == "env":
            return f"{self.name} (environment)"
        if self.kind == "file":
            return f"{self.name} in {self.path}"
        if self.kind == "api":
            return f"{self.name}= (argument)"
        if self.kind == "default":
            return "default"
        return self.name


@dataclass(frozen=True, slots=True)
class Value(Generic[T]):
    """A setting's value and its origin."""

    value: T
    origin: Origin


def parse_bool(text: str) -> bool | None:
    """uv's boolean words, case-insensitive; None for anything else (empty included)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _explicit(value: T | Value[T] | None, name: str) -> Value[T] | None:
    if value is None or isinstance(value, Value):
        return value
    return Value(value, Origin("api", name))


@dataclass(frozen=True)
class Settings:
    """The trust settings in effect. Build with :meth:`load`; turn into a Trust with
    :meth:`trust`."""

    system_certs: Value[bool]
    ssl_cert_file: Value[str] | None
    ssl_cert_dir: Value[tuple[str, ...]] | None
    client_cert: Value[str] | None
    client_key: Value[str] | None
    insecure_hosts: InsecureHosts

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        system_certs: bool | Value[bool] | None = None,
        allow_insecure_host: Sequence[str | Value[str]] = (),
        ssl_cert_file: str | Value[str] | None = None,
        ssl_cert_dir: Sequence[str] | Value[tuple[str, ...]] | None = None,
        client_cert: str | Value[str] | None = None,
        client_key: str | Value[str] | None = None,
    ) -> Settings:
        """Read the environment (``os.environ`` by default) under explicit arguments.

        Explicit arguments win over the environment. Plain values are recorded as
        coming from the API; pass a :class:`Value` to give another origin (the command
        line does). Raises ConfigurationError listing every problem.
        """
        env = os.environ if environ is None else environ
        problems: list[ConfigProblem] = []

        system = _explicit(system_certs, "system_certs") or _env_system_certs(env, problems)
        cert_file = _explicit(ssl_cert_file, "ssl_cert_file") or _env_path(env, "SSL_CERT_FILE")
        dirs_arg = (
            ssl_cert_dir
            if ssl_cert_dir is None or isinstance(ssl_cert_dir, Value)
            else Value(tuple(ssl_cert_dir), Origin("api", "ssl_cert_dir"))
        )
        cert_dir = dirs_arg or _env_dirs(env)
        client = _explicit(client_cert, "client_cert") or _env_path(env, "SSL_CLIENT_CERT")
        key = _explicit(client_key, "client_key")
        if key is not None and client is None:
            problems.append(ConfigProblem(str(key.origin), "a client key needs a client_cert"))

        entries: list[tuple[str, Origin]] = []
        for item in allow_insecure_host:
            value = _explicit(item, "allow_insecure_host")
            assert value is not None
            entries.append((value.value, value.origin))
        env_origin = Origin("env", "UV_INSECURE_HOST")
        entries += [(e, env_origin) for e in split_env_value(env.get("UV_INSECURE_HOST", ""))]
        hosts = _parse_hosts(entries, problems)

        if problems:
            raise ConfigurationError(problems)
        return cls(
            system_certs=system or Value(False, Origin("default")),
            ssl_cert_file=cert_file,
            ssl_cert_dir=cert_dir,
            client_cert=client,
            client_key=key,
            insecure_hosts=hosts,
        )

    def trust_source(self) -> TrustSource:
        """The one trust source these settings select (custom > platform > bundled)."""
        if self.ssl_cert_file or self.ssl_cert_dir:
            origin = (self.ssl_cert_file or self.ssl_cert_dir or self.system_certs).origin
            return CustomRoots(
                self.ssl_cert_file.value if self.ssl_cert_file else None,
                self.ssl_cert_dir.value if self.ssl_cert_dir else (),
                origin="environment" if origin.kind == "env" else str(origin),
            )
        if self.system_certs.value:
            return PlatformRoots(str(self.system_certs.origin))
        return BundledRoots()

    def trust(self, cache: ContextCache | None = None) -> Trust:
        """Build the Trust, loading roots and the client certificate now.

        Raises ConfigurationError listing every problem of the roots and the identity.
        """
        problems: list[ConfigProblem] = []
        hints: list[str] = []
        identity = None
        if self.client_cert is not None:
            try:
                identity = ClientIdentity.load(
                    self.client_cert.value,
                    self.client_key.value if self.client_key else None,
                    origin=_setting_label(self.client_cert.origin, "SSL_CLIENT_CERT"),
                )
            except ConfigurationError as exc:
                problems += exc.problems
                hints += [exc.hint] if exc.hint else []
        trust = Trust(self.trust_source(), identity, self.insecure_hosts, cache or default_cache())
        try:
            trust.prepare()
        except ConfigurationError as exc:
            problems += exc.problems
            hints += [exc.hint] if exc.hint else []
        if problems:
            raise ConfigurationError(problems, hint=" ".join(hints) or None)
        return trust


def _setting_label(origin: Origin, variable: str) -> str:
    return variable if origin.kind == "env" else origin.name


def _env_system_certs(env: Mapping[str, str], problems: list[ConfigProblem]) -> Value[bool] | None:
    for name, deprecated in (("UV_SYSTEM_CERTS", False), ("UV_NATIVE_TLS", True)):
        raw = env.get(name)
        if raw is None:
            continue
        parsed = parse_bool(raw)
        if parsed is None:
            problems.append(
                ConfigProblem(
                    f"{name}={raw!r} (environment)",
                    "not a boolean: use one of y yes t true on 1 / n no f false off 0",
                )
            )
            return None
        if deprecated:
            warnings.warn(
                "UV_NATIVE_TLS is deprecated; use UV_SYSTEM_CERTS",
                ConfigurationWarning,
                stacklevel=4,
            )
        return Value(parsed, Origin("env", name))
    return None


def _env_path(env: Mapping[str, str], name: str) -> Value[str] | None:
    # An empty value counts as unset (SPEC-TLS section 1).
    raw = env.get(name, "")
    return Value(raw, Origin("env", name)) if raw else None


def _env_dirs(env: Mapping[str, str]) -> Value[tuple[str, ...]] | None:
    dirs = tuple(d for d in env.get("SSL_CERT_DIR", "").split(os.pathsep) if d)
    return Value(dirs, Origin("env", "SSL_CERT_DIR")) if dirs else None


def _parse_hosts(
    entries: Sequence[tuple[str, Origin]], problems: list[ConfigProblem]
) -> InsecureHosts:
    parsed: list[InsecureHost] = []
    for raw, origin in entries:
        try:
            parsed.append(parse_insecure_host(raw, str(origin)))
        except ValueError as exc:
            problems.append(ConfigProblem(str(origin), str(exc)))
    return InsecureHosts(parsed)
