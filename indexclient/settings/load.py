"""Settings, each value remembering where it came from.

Layers, first that defines a value wins (docs/trust.md, "Trust sources"):
explicit arguments (the command line, or a library caller) > environment > default.
Configuration files slot in between the environment and the default.
allow-insecure-host entries are not layered but unioned from every source.

Every problem found is collected and raised together in one ConfigurationError.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from indexclient.errors import ConfigurationError
from indexclient.settings.environment import (
    env_bool,
    env_default_index,
    env_dirs,
    env_extra_indexes,
    env_int,
    env_path,
    env_seconds,
    env_system_certs,
)
from indexclient.settings.files import discover
from indexclient.settings.values import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DEADLINE,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    IndexSpec,
    Origin,
    Problems,
    Value,
    index_spec,
    parse_hosts,
)
from indexclient.tls.contexts import default_cache
from indexclient.tls.hosts import InsecureHosts, split_env_value
from indexclient.tls.sources import BundledRoots, CustomRoots, PlatformRoots
from indexclient.tls.trust import Trust

if TYPE_CHECKING:
    from indexclient.settings.files import Discovery
    from indexclient.tls.contexts import ContextCache
    from indexclient.tls.sources import TrustSource
    from indexclient.tls.trust import Trust

__all__ = ["Settings"]

T = TypeVar("T")

# Defaults as values (Values are frozen, so one object can serve every Settings).
_DEFAULT_CONCURRENCY = Value(DEFAULT_CONCURRENCY, Origin("default"))
_DEFAULT_TIMEOUT = Value(DEFAULT_TIMEOUT, Origin("default"))
_DEFAULT_DEADLINE = Value(DEFAULT_DEADLINE, Origin("default"))
_DEFAULT_RETRIES = Value(DEFAULT_RETRIES, Origin("default"))
_FALSE_BY_DEFAULT = Value(False, Origin("default"))

_NO_INDEX_HINT = (
    "indexclient has no built-in index: pass index_url= (--index-url on the command "
    "line), set UV_DEFAULT_INDEX (or UV_INDEX_URL / PIP_INDEX_URL), or add index-url to "
    "uv.toml."
)


def _explicit(value: T | Value[T] | None, name: str) -> Value[T] | None:
    """An argument as a Value: a plain one comes from the API, argument ``name``."""
    if value is None or isinstance(value, Value):
        return value
    return Value(value, Origin("api", name))


def _index_argument(
    value: str | Value[str] | None, name: str, problems: Problems
) -> IndexSpec | None:
    given = _explicit(value, name)
    if given is None or not given.value:
        return None
    return index_spec(given.value, given.origin, problems, default=name == "index_url")


def _setting_label(origin: Origin, variable: str) -> str:
    return variable if origin.kind == "env" else origin.name


@dataclass(frozen=True)
class Settings:
    """The trust settings in effect. Build with :meth:`load`; turn into a Trust with
    :meth:`trust`."""

    __module__ = "indexclient"

    system_certs: Value[bool]
    ssl_cert_file: Value[str] | None
    ssl_cert_dir: Value[tuple[str, ...]] | None
    client_cert: Value[str] | None
    client_key: Value[str] | None
    insecure_hosts: InsecureHosts
    index_url: IndexSpec | None = None
    extra_indexes: tuple[IndexSpec, ...] = ()
    concurrency: Value[int] = _DEFAULT_CONCURRENCY
    timeout: Value[float] = _DEFAULT_TIMEOUT
    deadline: Value[float] = _DEFAULT_DEADLINE
    retries: Value[int] = _DEFAULT_RETRIES
    offline: Value[bool] = _FALSE_BY_DEFAULT
    cache_dir: Value[str] | None = None
    no_cache: Value[bool] = _FALSE_BY_DEFAULT
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
        deadline: float | Value[float] | None = None,
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
        problems = Problems()
        if files:
            problems.extend(files.problems, warnings=files.warnings)
        from_files = files.merged() if files else None

        system = (
            _explicit(system_certs, "system_certs")
            or env_system_certs(env, problems)
            or (from_files.system_certs if from_files else None)
        )
        # An empty path counts as unset, from the API as from the environment
        # (docs/trust.md, "Trust sources").
        file_arg = _explicit(ssl_cert_file, "ssl_cert_file")
        cert_file = (file_arg if file_arg and file_arg.value else None) or env_path(
            env, "SSL_CERT_FILE"
        )
        dirs_arg = (
            ssl_cert_dir
            if ssl_cert_dir is None or isinstance(ssl_cert_dir, Value)
            else Value(tuple(d for d in ssl_cert_dir if d), Origin("api", "ssl_cert_dir"))
        )
        cert_dir = (dirs_arg if dirs_arg and dirs_arg.value else None) or env_dirs(env)
        client = _explicit(client_cert, "client_cert") or env_path(env, "SSL_CLIENT_CERT")
        key = _explicit(client_key, "client_key")
        if key is not None and client is None:
            problems.add(key.origin, "a client key needs a client_cert")

        entries: list[tuple[str, Origin]] = []
        for item in allow_insecure_host:
            value = _explicit(item, "allow_insecure_host")
            assert value is not None
            entries.append((value.value, value.origin))
        env_origin = Origin("env", "UV_INSECURE_HOST")
        entries += [(e, env_origin) for e in split_env_value(env.get("UV_INSECURE_HOST", ""))]
        if from_files:
            entries += [(v.value, v.origin) for v in from_files.allow_insecure_host]
        hosts = parse_hosts(entries, problems)

        default_index = (
            _index_argument(index_url, "index_url", problems)
            or env_default_index(env, problems)
            or (from_files.default_index(problems) if from_files else None)
        )
        extras = [_index_argument(u, "extra_index_url", problems) for u in extra_index_urls]
        extra_indexes = (
            tuple(e for e in extras if e)
            + env_extra_indexes(env, problems)
            + (from_files.extra_indexes(problems) if from_files else ())
        )
        workers = (
            _explicit(concurrency, "concurrency")
            or env_int(env, "UV_CONCURRENT_DOWNLOADS", problems)
            or (from_files.concurrent_downloads if from_files else None)
        )
        attempts = _explicit(retries, "retries") or env_int(env, "UV_HTTP_RETRIES", problems)
        if workers is not None and workers.value < 1:
            problems.add(workers.origin, "must be a positive integer")
        if attempts is not None and attempts.value < 0:
            problems.add(attempts.origin, "must be zero or more")
        wait = _explicit(timeout, "timeout") or env_seconds(env, "UV_HTTP_TIMEOUT", problems)
        overall = _explicit(deadline, "deadline")
        if overall is not None and not overall.value > 0:  # NaN included
            problems.add(overall.origin, "must be a positive number of seconds")
        elif overall is None:
            overall = env_seconds(env, "INDEXCLIENT_HTTP_DEADLINE", problems)
        offline_mode = (
            _explicit(offline, "offline")
            or env_bool(env, "UV_OFFLINE", problems)
            or (from_files.offline if from_files else None)
        )

        problems.raise_if_any(stacklevel=2)
        return cls(
            system_certs=system or _FALSE_BY_DEFAULT,
            ssl_cert_file=cert_file,
            ssl_cert_dir=cert_dir,
            client_cert=client,
            client_key=key,
            insecure_hosts=hosts,
            index_url=default_index,
            extra_indexes=extra_indexes,
            concurrency=workers or _DEFAULT_CONCURRENCY,
            timeout=wait or _DEFAULT_TIMEOUT,
            deadline=overall or _DEFAULT_DEADLINE,
            retries=attempts or _DEFAULT_RETRIES,
            offline=offline_mode or _FALSE_BY_DEFAULT,
            cache_dir=_explicit(cache_dir, "cache_dir") or env_path(env, "INDEXCLIENT_CACHE_DIR"),
            no_cache=_explicit(no_cache, "no_cache") or _FALSE_BY_DEFAULT,
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
        deadline: float | Value[float] | None = None,
        retries: int | Value[int] | None = None,
        offline: bool | Value[bool] | None = None,
        cache_dir: str | Value[str] | None = None,
        no_cache: bool | Value[bool] | None = None,
        refresh: bool = False,
    ) -> Settings:
        """:meth:`load` with uv's configuration files: ``uv.toml`` or ``[tool.uv]`` in
        ``cwd`` or a parent, then the user's and the system's files (``config_file``
        replaces them all; ``no_config`` or ``UV_NO_CONFIG`` skips discovery). Problems
        in files are reported together with every other problem. The other keywords are
        :meth:`load`'s.
        """
        env = os.environ if environ is None else environ
        found = discover(cwd or os.getcwd(), env, config_file=config_file, no_config=no_config)
        return cls.load(
            env,
            system_certs=system_certs,
            allow_insecure_host=allow_insecure_host,
            ssl_cert_file=ssl_cert_file,
            ssl_cert_dir=ssl_cert_dir,
            client_cert=client_cert,
            client_key=client_key,
            index_url=index_url,
            extra_index_urls=extra_index_urls,
            concurrency=concurrency,
            timeout=timeout,
            deadline=deadline,
            retries=retries,
            offline=offline,
            cache_dir=cache_dir,
            no_cache=no_cache,
            refresh=refresh,
            files=found,
        )

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
        problems = Problems()
        identity = None
        if self.client_cert is not None:
            from indexclient.tls.identity import ClientIdentity  # with SSL_CLIENT_CERT only

            try:
                identity = ClientIdentity.load(
                    self.client_cert.value,
                    self.client_key.value if self.client_key else None,
                    origin=_setting_label(self.client_cert.origin, "SSL_CLIENT_CERT"),
                )
            except ConfigurationError as exc:
                problems.extend(exc.problems, hint=exc.hint)
        trust = Trust(self.trust_source(), identity, self.insecure_hosts, cache or default_cache())
        try:
            trust.prepare()
        except ConfigurationError as exc:
            problems.extend(exc.problems, hint=exc.hint)
        problems.raise_if_any()
        return trust
