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
from typing import TYPE_CHECKING, Generic, TypeVar

from indexclient.errors import ConfigProblem, ConfigurationError, ConfigurationWarning
from indexclient.tls.hosts import InsecureHost, InsecureHosts, parse_insecure_host, split_env_value
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.config_files import Discovery
    from indexclient.tls.contexts import ContextCache
    from indexclient.tls.sources import TrustSource
    from indexclient.tls.trust import Trust

__all__ = ["ENV_VARS", "IndexSpec", "Origin", "Settings", "Value", "parse_bool"]

T = TypeVar("T")

#: Every environment variable indexclient reads (tests clear them all).
ENV_VARS = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SSL_CLIENT_CERT",
    "UV_SYSTEM_CERTS",
    "UV_NATIVE_TLS",
    "UV_INSECURE_HOST",
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_INDEX",
    "PIP_INDEX_URL",
    "UV_CONCURRENT_DOWNLOADS",
    "UV_NO_CONFIG",
    "UV_CONFIG_FILE",
    "UV_HTTP_TIMEOUT",
    "UV_HTTP_RETRIES",
    "UV_OFFLINE",
    "NETRC",
    "INDEXCLIENT_CACHE_DIR",
)

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3

DEFAULT_CONCURRENCY = 50

_NO_INDEX_HINT = (
    "indexclient has no built-in index: pass index_url= (--index-url on the command "
    "line), set UV_DEFAULT_INDEX (or UV_INDEX_URL / PIP_INDEX_URL), or add index-url to "
    "uv.toml."
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


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """One index: its URL, optional name, whether it is the default, and its origin."""

    url: str
    origin: Origin
    name: str | None = None
    default: bool = False

    def __repr__(self) -> str:
        # The URL may carry credentials (user:token@host): never show the password.
        from indexclient.urls import redact_url

        return (
            f"IndexSpec(url={redact_url(self.url)!r}, origin={self.origin!s}, "
            f"name={self.name!r}, default={self.default})"
        )


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
    index_url: IndexSpec | None = None
    extra_indexes: tuple[IndexSpec, ...] = ()
    concurrency: Value[int] = Value(DEFAULT_CONCURRENCY, Origin("default"))
    timeout: Value[float] = Value(DEFAULT_TIMEOUT, Origin("default"))
    retries: Value[int] = Value(DEFAULT_RETRIES, Origin("default"))
    offline: Value[bool] = Value(False, Origin("default"))
    cache_dir: Value[str] | None = None
    no_cache: Value[bool] = Value(False, Origin("default"))
    refresh: bool = False
    config_files: tuple[str, ...] = ()

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
        index_url: str | Value[str] | None = None,
        extra_index_urls: Sequence[str | Value[str]] = (),
        concurrency: int | Value[int] | None = None,
        timeout: float | Value[float] | None = None,
        retries: int | Value[int] | None = None,
        offline: bool | Value[bool] | None = None,
        cache_dir: str | Value[str] | None = None,
        no_cache: bool | Value[bool] | None = None,
        refresh: bool = False,
        files: Discovery | None = None,
    ) -> Settings:
        """Read the environment (``os.environ`` by default) under explicit arguments.

        Explicit arguments win over the environment, which wins over configuration
        ``files`` (see :meth:`discover`), which win over defaults. Plain values are
        recorded as coming from the API; pass a :class:`Value` to give another origin
        (the command line does). Raises ConfigurationError listing every problem.
        """
        env = os.environ if environ is None else environ
        problems: list[ConfigProblem] = list(files.problems) if files else []
        for message in files.warnings if files else ():
            warnings.warn(message, ConfigurationWarning, stacklevel=2)
        from_files = files.merged() if files else None

        system = (
            _explicit(system_certs, "system_certs")
            or _env_system_certs(env, problems)
            or (from_files.system_certs if from_files else None)
        )
        # An empty path counts as unset, from the API as from the environment (SPEC-TLS 1).
        file_arg = _explicit(ssl_cert_file, "ssl_cert_file")
        cert_file = (file_arg if file_arg and file_arg.value else None) or _env_path(
            env, "SSL_CERT_FILE"
        )
        dirs_arg = (
            ssl_cert_dir
            if ssl_cert_dir is None or isinstance(ssl_cert_dir, Value)
            else Value(tuple(d for d in ssl_cert_dir if d), Origin("api", "ssl_cert_dir"))
        )
        cert_dir = (dirs_arg if dirs_arg and dirs_arg.value else None) or _env_dirs(env)
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
        if from_files:
            entries += [(v.value, v.origin) for v in from_files.allow_insecure_host]
        hosts = _parse_hosts(entries, problems)

        default_index = (
            _index_argument(index_url, "index_url", problems)
            or _env_default_index(env, problems)
            or _file_default_index(from_files, problems)
        )
        extras = [_index_argument(u, "extra_index_url", problems) for u in extra_index_urls]
        extra_indexes = (
            tuple(e for e in extras if e)
            + _env_extra_indexes(env, problems)
            + _file_extra_indexes(from_files, problems)
        )
        workers = (
            _explicit(concurrency, "concurrency")
            or _env_int(env, "UV_CONCURRENT_DOWNLOADS", problems)
            or (from_files.concurrent_downloads if from_files else None)
        )
        attempts = _explicit(retries, "retries") or _env_int(env, "UV_HTTP_RETRIES", problems)
        if workers is not None and workers.value < 1:
            problems.append(ConfigProblem(str(workers.origin), "must be a positive integer"))
        if attempts is not None and attempts.value < 0:
            problems.append(ConfigProblem(str(attempts.origin), "must be zero or more"))
        wait = _explicit(timeout, "timeout") or _env_seconds(env, "UV_HTTP_TIMEOUT", problems)
        offline_mode = (
            _explicit(offline, "offline")
            or _env_bool(env, "UV_OFFLINE", problems)
            or (from_files.offline if from_files else None)
        )

        if problems:
            raise ConfigurationError(problems)
        return cls(
            system_certs=system or Value(False, Origin("default")),
            ssl_cert_file=cert_file,
            ssl_cert_dir=cert_dir,
            client_cert=client,
            client_key=key,
            insecure_hosts=hosts,
            index_url=default_index,
            extra_indexes=extra_indexes,
            concurrency=workers or Value(DEFAULT_CONCURRENCY, Origin("default")),
            timeout=wait or Value(DEFAULT_TIMEOUT, Origin("default")),
            retries=attempts or Value(DEFAULT_RETRIES, Origin("default")),
            offline=offline_mode or Value(False, Origin("default")),
            cache_dir=_explicit(cache_dir, "cache_dir") or _env_path(env, "INDEXCLIENT_CACHE_DIR"),
            no_cache=_explicit(no_cache, "no_cache") or Value(False, Origin("default")),
            refresh=refresh,
            config_files=tuple(f.path for f in files.files) if files else (),
        )

    @classmethod
    def discover(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        cwd: str | None = None,
        config_file: str | None = None,
        no_config: bool = False,
        **arguments: object,
    ) -> Settings:
        """:meth:`load` with uv's configuration files: ``uv.toml`` or ``[tool.uv]`` in
        ``cwd`` or a parent, then the user's and the system's files (``config_file``
        replaces them all; ``no_config`` or ``UV_NO_CONFIG`` skips discovery). Problems
        in files are reported together with every other problem.
        """
        from indexclient.config_files import discover

        env = os.environ if environ is None else environ
        found = discover(cwd or os.getcwd(), env, config_file=config_file, no_config=no_config)
        return cls.load(env, files=found, **arguments)  # type: ignore[arg-type]

    def indexes(self) -> tuple[IndexSpec, ...]:
        """The indexes to search, in order: extra indexes first, the default index last
        (uv's order; with its first-index-wins rule the first index that knows a
        project is the only one used for it). Raises ConfigurationError when none is set.
        """
        indexes = self.extra_indexes + ((self.index_url,) if self.index_url else ())
        if not indexes:
            raise ConfigurationError.single("index", "no index URL is configured", _NO_INDEX_HINT)
        return indexes

    def trust_source(self) -> TrustSource:
        """The one trust source these settings select (custom > platform > bundled)."""
        # Imported here: cryptography and truststore are only needed to build trust.
        from indexclient.tls.sources import BundledRoots, CustomRoots, PlatformRoots

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
        from indexclient.tls.contexts import default_cache
        from indexclient.tls.identity import ClientIdentity
        from indexclient.tls.trust import Trust

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


def normalise_index_url(raw: str) -> str | None:
    """An index URL as given, or a local path turned into a file:// URL; None if unusable.

    http, https and file URLs are accepted; anything else with a scheme is not. A path
    (absolute or relative) names a local index or a directory of distributions.
    """
    from urllib.parse import urlsplit

    text = raw.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        return text if parts.hostname else None
    if parts.scheme == "file":
        return text
    if parts.scheme and len(parts.scheme) > 1:
        return None  # another scheme (a one-letter one is a Windows drive)
    from pathlib import Path

    return Path(text).expanduser().resolve().as_uri()


def _index_spec(
    raw: str, origin: Origin, problems: list[ConfigProblem], *, default: bool
) -> IndexSpec | None:
    name = None
    # UV_INDEX entries may be "name=url"; an "=" after "://" belongs to the URL.
    head, sep, tail = raw.partition("=")
    if sep and "://" not in head and "/" not in head:
        name, raw = head, tail
    url = normalise_index_url(raw)
    if url is None:
        problems.append(
            ConfigProblem(
                str(origin), f"{redact_url(raw)!r} is not an http(s) or file URL or a path"
            )
        )
        return None
    return IndexSpec(url, origin, name, default)


def _index_argument(
    value: str | Value[str] | None, name: str, problems: list[ConfigProblem]
) -> IndexSpec | None:
    given = _explicit(value, name)
    if given is None or not given.value:
        return None
    return _index_spec(given.value, given.origin, problems, default=name == "index_url")


def _env_default_index(env: Mapping[str, str], problems: list[ConfigProblem]) -> IndexSpec | None:
    # UV_DEFAULT_INDEX, then its deprecated predecessor UV_INDEX_URL, then pip's variable.
    for variable in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"):
        raw = env.get(variable, "").strip()
        if raw:
            return _index_spec(raw, Origin("env", variable), problems, default=True)
    return None


def _env_extra_indexes(
    env: Mapping[str, str], problems: list[ConfigProblem]
) -> tuple[IndexSpec, ...]:
    origin = Origin("env", "UV_INDEX")
    specs = [
        _index_spec(raw, origin, problems, default=False) for raw in env.get("UV_INDEX", "").split()
    ]
    return tuple(s for s in specs if s)


def _env_int(env: Mapping[str, str], name: str, problems: list[ConfigProblem]) -> Value[int] | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return Value(int(raw.strip()), Origin("env", name))
    except ValueError:
        problems.append(ConfigProblem(f"{name}={raw!r} (environment)", "not an integer"))
        return None


def _env_bool(
    env: Mapping[str, str], name: str, problems: list[ConfigProblem]
) -> Value[bool] | None:
    raw = env.get(name)
    if raw is None:
        return None
    parsed = parse_bool(raw)
    if parsed is None:
        problems.append(
            ConfigProblem(
                f"{name}={raw!r} (environment)",
                "not a boolean: use one of y yes t true on 1 / n no f false off 0",
            )
        )
        return None
    return Value(parsed, Origin("env", name))


def _env_seconds(
    env: Mapping[str, str], name: str, problems: list[ConfigProblem]
) -> Value[float] | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        problems.append(
            ConfigProblem(f"{name}={raw!r} (environment)", "not a positive number of seconds")
        )
        return None
    return Value(seconds, Origin("env", name))


def _file_default_index(files: object, problems: list[ConfigProblem]) -> IndexSpec | None:
    from indexclient.config_files import FileValues

    if not isinstance(files, FileValues):
        return None
    if files.index_url is not None:
        return _index_spec(files.index_url.value, files.index_url.origin, problems, default=True)
    for entry in files.indexes:
        if entry.value.default:
            spec = _index_spec(entry.value.url, entry.origin, problems, default=True)
            return IndexSpec(spec.url, spec.origin, entry.value.name, True) if spec else None
    return None


def _file_extra_indexes(files: object, problems: list[ConfigProblem]) -> tuple[IndexSpec, ...]:
    from indexclient.config_files import FileValues

    if not isinstance(files, FileValues):
        return ()
    specs = []
    # [[index]] entries come before extra-index-url, as uv gives `index` priority.
    for entry in files.indexes:
        if not entry.value.default:
            spec = _index_spec(entry.value.url, entry.origin, problems, default=False)
            if spec:
                specs.append(IndexSpec(spec.url, spec.origin, entry.value.name))
    for value in files.extra_index_url:
        spec = _index_spec(value.value, value.origin, problems, default=False)
        if spec:
            specs.append(spec)
    return tuple(specs)
