"""Settings, each value remembering where it came from.

Layers, first that defines a value wins (docs/trust.md, "Trust sources"):
explicit arguments (the command line, or a library caller) > environment > uv's
configuration files > pip's variables > pip's configuration files > default (README,
"pip's settings"). Lists follow uv's rules: a flag replaces its variable, and the
files' entries (uv's, then pip's) come after. allow-insecure-host entries are not
layered but unioned from every source, pip's trusted-host included.

Every problem found is collected and raised together in one ConfigurationError.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from indexclient.errors import ConfigurationError
from indexclient.settings.environment import (
    env_bool,
    env_dirs,
    env_index,
    env_index_list,
    env_index_strategy,
    env_int,
    env_keyring_provider,
    env_path,
    env_seconds,
    env_system_certs,
    warn_not_uv,
)
from indexclient.settings.files import FileValues, discover
from indexclient.settings.pip import pip_layer, with_pip_files
from indexclient.settings.values import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DEADLINE,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    INDEX_STRATEGIES,
    IndexSpec,
    IndexStrategy,
    Origin,
    Problems,
    Value,
    index_name_problem,
    index_spec,
    parse_bool,
    parse_hosts,
)
from indexclient.target import (
    Target,
    binary_rule,
    check_platform,
    check_prerelease,
    check_python_version,
    parse_exclude_newer,
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
_FIRST_INDEX: Value[IndexStrategy] = Value("first-index", Origin("default"))

_NO_INDEX_HINT = (
    "indexclient has no built-in index: pass index_url= (--default-index or --index on "
    "the command line, or --find-links), set UV_DEFAULT_INDEX (or UV_INDEX, UV_INDEX_URL, "
    "PIP_INDEX_URL), or add an [[index]] to uv.toml."
)


def _explicit(value: T | Value[T] | None, name: str) -> Value[T] | None:
    """An argument as a Value: a plain one comes from the API, argument ``name``."""
    if value is None or isinstance(value, Value):
        return value
    return Value(value, Origin("api", name))


def _index_argument(
    value: str | Value[str] | None,
    name: str,
    problems: Problems,
    *,
    default: bool,
    named: Sequence[IndexSpec] = (),
) -> IndexSpec | None:
    given = _explicit(value, name)
    if given is None or not given.value.strip():
        return None
    return _index_entry(given.value, given.origin, problems, default=default, named=named)


def _index_entry(
    raw: str,
    origin: Origin,
    problems: Problems,
    *,
    default: bool,
    named: Sequence[IndexSpec] = (),
) -> IndexSpec | None:
    """An index given as ``--index``, ``--default-index`` or in ``UV_INDEX``: ``URL``,
    ``name=URL``, a path, or (as in uv) the name of an index a configuration file
    defines, when no file or directory of that name exists. The named index is then
    searched like one given on the command line: not explicit, and the default with
    ``--default-index``."""
    text = raw.strip()
    if named and index_name_problem(text) is None and not os.path.lexists(text):
        for spec in named:
            if spec.name == text:
                return dataclasses.replace(spec, origin=origin, default=default, explicit=False)
    return index_spec(text, origin, problems, default=default)


def _index_list(
    given: Sequence[str | Value[str]],
    name: str,
    problems: Problems,
    *,
    find_links: bool = False,
    named: Sequence[IndexSpec] = (),
) -> tuple[IndexSpec, ...] | None:
    """Indexes (or find-links locations) given as arguments; None when none is given,
    so that the environment variable standing for the same flag is read instead."""
    specs: list[IndexSpec] = []
    for item in given:
        value = _explicit(item, name)
        assert value is not None
        # uv splits --find-links on commas (-f a,b), and takes blank entries as none.
        raws = value.value.split(",") if find_links else [value.value]
        for raw in (r for r in raws if r.strip()):
            if find_links:
                spec = index_spec(
                    raw.strip(), value.origin, problems, default=False, find_links=True
                )
            else:
                spec = _index_entry(raw, value.origin, problems, default=False, named=named)
            if spec is not None:
                specs.append(spec)
    return tuple(specs) if given else None


def _first_by_url(specs: Sequence[IndexSpec]) -> tuple[IndexSpec, ...]:
    """``specs`` with each URL kept at its first place only (uv asks an index once)."""
    seen: set[str] = set()
    kept = []
    for spec in specs:
        if spec.url not in seen:
            seen.add(spec.url)
            kept.append(spec)
    return tuple(kept)


def _env_default_index(
    env: Mapping[str, str], problems: Problems, named: Sequence[IndexSpec]
) -> IndexSpec | None:
    raw = env.get("UV_DEFAULT_INDEX", "").strip()
    if not raw:
        return None
    origin = Origin("env", "UV_DEFAULT_INDEX")
    return _index_entry(raw, origin, problems, default=True, named=named)


def _env_indexes(
    env: Mapping[str, str], problems: Problems, named: Sequence[IndexSpec]
) -> tuple[IndexSpec, ...]:
    """UV_INDEX: blank-separated entries, each ``URL``, ``name=URL`` or an index name."""
    origin = Origin("env", "UV_INDEX")
    specs = [
        _index_entry(raw, origin, problems, default=False, named=named)
        for raw in env.get("UV_INDEX", "").split()
    ]
    return tuple(spec for spec in specs if spec)


def _first_by_name(specs: Sequence[IndexSpec]) -> list[IndexSpec]:
    """``specs`` with each name kept at its first definition only, as in uv (an index
    on the command line replaces the configuration file's index of the same name)."""
    seen: set[str] = set()
    kept = []
    for spec in specs:
        if spec.name is not None:
            if spec.name in seen:
                continue
            seen.add(spec.name)
        kept.append(spec)
    return kept


def _setting_label(origin: Origin) -> str:
    """How a message names the setting of a file path: the variable (``SSL_CLIENT_CERT``,
    ``PIP_CLIENT_CERT``), the flag or the argument, or a pip file's key and where it is."""
    return str(origin) if origin.kind == "file" else origin.name


class _Indexes(NamedTuple):
    default: IndexSpec | None
    others: tuple[IndexSpec, ...]
    find_links: tuple[IndexSpec, ...]
    no_index: Value[bool]
    strategy: Value[IndexStrategy]


def _index_settings(
    env: Mapping[str, str],
    problems: Problems,
    from_files: FileValues | None,
    pip: FileValues,
    *,
    default_index: str | Value[str] | None,
    indexes: Sequence[str | Value[str]],
    extra_index_urls: Sequence[str | Value[str]],
    index_url: str | Value[str] | None,
    find_links: Sequence[str | Value[str]],
    index_strategy: str | Value[str] | None,
    no_index: bool | Value[bool] | None,
) -> _Indexes:
    """The index settings, from the arguments, the environment, the files and pip's
    settings (see :meth:`Settings.load` for the rules)."""
    file_indexes = from_files.index_specs() if from_files else ()
    named = [spec for spec in file_indexes if spec.name]
    # uv's order (its IndexLocations): --default-index, --index, --extra-index-url,
    # --index-url, then the files' [[index]], extra-index-url and index-url; pip's
    # extra-index-url and index-url below all of them (uv reads none of pip's settings,
    # so a uv setting always wins). A flag replaces the variable standing for it; the
    # first definition of a name wins.
    configured = [
        _index_argument(default_index, "default_index", problems, default=True, named=named)
        or _env_default_index(env, problems, named),
        *(
            _index_list(indexes, "indexes", problems, named=named)
            or _env_indexes(env, problems, named)
        ),
        *(
            _index_list(extra_index_urls, "extra_index_url", problems)
            or env_index_list(env, "UV_EXTRA_INDEX_URL", problems)
            or ()
        ),
        _index_argument(index_url, "index_url", problems, default=True)
        or env_index(env, "UV_INDEX_URL", problems, default=True),
        *file_indexes,
        *pip.index_specs(),
    ]
    kept = _first_by_name([spec for spec in configured if spec is not None])
    the_default = next((spec for spec in kept if spec.default), None)
    links = (
        _index_list(find_links, "find_links", problems, find_links=True)
        or env_index_list(env, "UV_FIND_LINKS", problems)
        or ()
    ) + ((from_files.find_links_specs() if from_files else ()) + pip.find_links_specs())
    strategy = _explicit(index_strategy, "index_strategy")
    if strategy is not None and strategy.value not in INDEX_STRATEGIES:
        problems.add(strategy.origin, f"expected one of {', '.join(INDEX_STRATEGIES)}")
        strategy = None
    strategy = (
        strategy
        or env_index_strategy(env, problems)
        or (from_files.index_strategy if from_files else None)
    )
    flag = _explicit(no_index, "no_index")
    if flag is not None and not flag.value:
        flag = None  # a flag only ever says yes (uv's --no-index)
    return _Indexes(
        the_default,
        # The other defaults are replaced by the first, not searched (uv).
        tuple(spec for spec in kept if not spec.default),
        _first_by_url(links),
        flag or (from_files.no_index if from_files else None) or pip.no_index or _FALSE_BY_DEFAULT,
        strategy or _FIRST_INDEX,  # type: ignore[arg-type]
    )


def _checked(
    value: Value[str] | None, check: Callable[[str, str], object], problems: Problems
) -> Value[str] | None:
    """``value`` when ``check`` (one of :mod:`indexclient.target`'s) accepts it, else
    None with a problem naming where it came from (a file's value was checked when the
    file was read)."""
    if value is None or value.origin.kind == "file":
        return value
    origin = value.origin
    if origin.kind == "env":
        where = f"{origin.name}={value.value!r} (environment)"
    elif origin.kind == "api":
        where = f"{origin.name}={value.value!r} (argument)"
    else:
        where = f"{origin.name} {value.value!r}"
    try:
        check(value.value, where)
    except ConfigurationError as exc:
        problems.add(where, exc.problems[0].message)
        return None
    return value


def _env_text(env: Mapping[str, str], name: str) -> Value[str] | None:
    raw = env.get(name, "").strip()
    return Value(raw, Origin("env", name)) if raw else None


def _exclude_newer(text: str, where: str) -> object:
    return None if text.strip() == "false" else parse_exclude_newer(text, where)


class _Target(NamedTuple):
    python_version: Value[str] | None
    python_platform: Value[str] | None
    only_binary: tuple[Value[str], ...]
    no_binary: tuple[Value[str], ...]
    prerelease: Value[str] | None
    exclude_newer: Value[str] | None


def _target_settings(
    env: Mapping[str, str],
    problems: Problems,
    from_files: FileValues | None,
    *,
    python_version: str | Value[str] | None,
    python_platform: str | Value[str] | None,
    only_binary: Sequence[str | Value[str]],
    no_binary: Sequence[str | Value[str]],
    prerelease: str | Value[str] | None,
    exclude_newer: str | Value[str] | None,
) -> _Target:
    """The target's settings, as ``uv pip compile`` combines them: a flag over its
    variable (``UV_PRERELEASE``, ``UV_EXCLUDE_NEWER``; uv has none for the others) over
    the files. The binary lists are uv's: the flags' entries, then the files' ``[pip]``
    entries (a ``:none:`` clears what comes before it), joined by the top level's
    ``no-binary``/``no-binary-package`` (``true`` is ``:all:``; ``false`` adds nothing)."""
    files = from_files or FileValues()

    def listed(given: Sequence[str | Value[str]], name: str) -> tuple[Value[str], ...]:
        found = []
        for item in given:
            value = _explicit(item, name)
            assert value is not None
            where = str(value.origin) if value.origin.kind != "flag" else value.origin.name
            try:
                binary_rule([value.value], where)
            except ConfigurationError as exc:
                problems.extend(exc.problems)
                continue
            found.append(value)
        return tuple(found)

    top_no_binary: tuple[Value[str], ...] = ()
    if files.no_binary_all is not None:
        if files.no_binary_all.value:
            top_no_binary = (Value(":all:", files.no_binary_all.origin),)
    else:
        top_no_binary = files.no_binary_package
    return _Target(
        _checked(_explicit(python_version, "python_version"), check_python_version, problems)
        or files.python_version,
        _checked(_explicit(python_platform, "python_platform"), check_platform, problems)
        or files.python_platform,
        listed(only_binary, "only_binary") + files.only_binary,
        listed(no_binary, "no_binary") + files.no_binary + top_no_binary,
        _checked(
            _explicit(prerelease, "prerelease") or _env_text(env, "UV_PRERELEASE"),
            check_prerelease,
            problems,
        )
        or files.prerelease,
        _checked(
            _explicit(exclude_newer, "exclude_newer") or _env_text(env, "UV_EXCLUDE_NEWER"),
            _exclude_newer,
            problems,
        )
        or files.exclude_newer,
    )


@dataclass(frozen=True)
class Settings:
    """The settings in effect, each with its origin. Build with :meth:`load` (or
    :meth:`discover`, which adds uv's and pip's configuration files); turn into a Trust
    with :meth:`trust`.

    Indexes, as uv configures them: ``index_url`` is the default index (searched last)
    and ``extra_indexes`` every other one in uv's order, explicit ones included
    (:meth:`indexes` gives the search order, :meth:`named_index` an index by name);
    ``find_links`` are flat locations searched alongside them; ``no_index`` leaves only
    those; ``index_strategy`` says which indexes a project's versions come from.

    The target files are chosen for (:meth:`target`), as ``uv pip compile`` takes it:
    ``python_version``, ``python_platform``, ``only_binary`` and ``no_binary`` (the
    entries, ``:all:``, ``:none:`` or names, in the order they apply), ``prerelease``
    and ``exclude_newer`` (as written; ``"false"`` turns it off), each None (or empty)
    when not set.
    """

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
    find_links: tuple[IndexSpec, ...] = ()
    no_index: Value[bool] = _FALSE_BY_DEFAULT
    index_strategy: Value[IndexStrategy] = _FIRST_INDEX
    keyring_provider: Value[str] | None = None
    no_progress: Value[bool] = _FALSE_BY_DEFAULT
    no_sources: Value[bool] = _FALSE_BY_DEFAULT
    no_sources_package: tuple[Value[str], ...] = ()
    pip_config_files: tuple[str, ...] = ()
    python_version: Value[str] | None = None
    python_platform: Value[str] | None = None
    only_binary: tuple[Value[str], ...] = ()
    no_binary: tuple[Value[str], ...] = ()
    prerelease: Value[str] | None = None
    exclude_newer: Value[str] | None = None

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
        default_index: str | Value[str] | None = None,
        indexes: Sequence[str | Value[str]] = (),
        find_links: Sequence[str | Value[str]] = (),
        no_index: bool | Value[bool] | None = None,
        index_strategy: str | Value[str] | None = None,
        concurrency: int | Value[int] | None = None,
        timeout: float | Value[float] | None = None,
        deadline: float | Value[float] | None = None,
        retries: int | Value[int] | None = None,
        offline: bool | Value[bool] | None = None,
        cache_dir: str | Value[str] | None = None,
        no_cache: bool | Value[bool] | None = None,
        no_progress: bool | Value[bool] | None = None,
        refresh: bool = False,
        python_version: str | Value[str] | None = None,
        python_platform: str | Value[str] | None = None,
        only_binary: Sequence[str | Value[str]] = (),
        no_binary: Sequence[str | Value[str]] = (),
        prerelease: str | Value[str] | None = None,
        exclude_newer: str | Value[str] | None = None,
        files: Discovery | None = None,
    ) -> Settings:
        """Read the environment (``os.environ`` by default) under explicit arguments.

        Explicit arguments win over the environment, which wins over configuration
        ``files`` (see :meth:`discover`), which win over pip's settings (its ``PIP_*``
        variables, then what pip's files say: ``files.pip``), which win over defaults.
        Plain values are recorded as coming from the API; pass a :class:`Value` to give
        another origin (the command line does). Raises ConfigurationError listing every
        problem; a pip setting that cannot be used is a warning (README, "pip's
        settings").

        The index arguments are uv's flags: ``default_index`` (``--default-index``),
        ``indexes`` (``--index``, each ``URL``, ``name=URL`` or a configured index's
        name), ``extra_index_urls`` (``--extra-index-url``), ``index_url``
        (``-i``/``--index-url``, a default index), ``find_links`` (``-f``), ``no_index``
        and ``index_strategy`` (``first-index``, ``unsafe-first-match``,
        ``unsafe-best-match``). Each replaces the environment variable standing for the
        same flag (``--index`` replaces ``UV_INDEX``), and the indexes of configuration
        files come after all of them, pip's extra indexes last. The default index is the
        first one given of: ``default_index``/``UV_DEFAULT_INDEX``,
        ``index_url``/``UV_INDEX_URL``, a file's ``[[index]]`` with ``default = true``, a
        file's ``index-url``, pip's ``index-url`` (``PIP_INDEX_URL``, then pip's files).

        The target's arguments are uv pip compile's flags: ``python_version``,
        ``python_platform``, ``only_binary`` and ``no_binary`` (entries, each may be
        comma-separated), ``prerelease`` (over ``UV_PRERELEASE``) and ``exclude_newer``
        (over ``UV_EXCLUDE_NEWER``; ``"false"`` turns it off), over the files' keys
        (see :meth:`target`). A wrong value is a problem naming where it came from.

        pip's ``cert`` is the trust source only when nothing of uv's chooses one (no
        ``ssl_cert_file``, ``ssl_cert_dir``, ``SSL_CERT_FILE``, ``SSL_CERT_DIR``, nor a
        ``system_certs`` from any source, true or false); pip's ``client-cert`` only
        without ``client_cert`` and ``SSL_CLIENT_CERT``; pip's ``trusted-host`` entries
        join the allow-insecure-host ones.
        """
        env = os.environ if environ is None else environ
        problems = Problems()
        if files:
            problems.extend(files.problems, warnings=files.warnings)
        from_files = files.merged() if files else None
        pip = pip_layer(env, problems, files.pip if files else None)

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
        if not (cert_file or cert_dir or system):
            # pip's CA bundle, only when no uv-level setting chooses the roots
            # (docs/trust.md, "Trust sources").
            cert_file = pip.cert
        client = (
            _explicit(client_cert, "client_cert")
            or env_path(env, "SSL_CLIENT_CERT")
            or pip.client_cert
        )
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
        entries += [(v.value, v.origin) for v in pip.allow_insecure_host]
        hosts = parse_hosts(entries, problems)

        warn_not_uv(env, problems)
        found = _index_settings(
            env,
            problems,
            from_files,
            pip,
            default_index=default_index,
            indexes=indexes,
            extra_index_urls=extra_index_urls,
            index_url=index_url,
            find_links=find_links,
            index_strategy=index_strategy,
            no_index=no_index,
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
        uncached = (
            _explicit(no_cache, "no_cache")
            or env_bool(env, "UV_NO_CACHE", problems)
            or (from_files.no_cache if from_files else None)
        )
        keyring = env_keyring_provider(env, problems) or (
            from_files.keyring_provider if from_files else None
        )
        quiet_progress = _explicit(no_progress, "no_progress") or env_bool(
            env, "UV_NO_PROGRESS", problems
        )
        target = _target_settings(
            env,
            problems,
            from_files,
            python_version=python_version,
            python_platform=python_platform,
            only_binary=only_binary,
            no_binary=no_binary,
            prerelease=prerelease,
            exclude_newer=exclude_newer,
        )

        problems.raise_if_any(stacklevel=2)
        return cls(
            system_certs=system or _FALSE_BY_DEFAULT,
            ssl_cert_file=cert_file,
            ssl_cert_dir=cert_dir,
            client_cert=client,
            client_key=key,
            insecure_hosts=hosts,
            index_url=found.default,
            extra_indexes=found.others,
            concurrency=workers or _DEFAULT_CONCURRENCY,
            timeout=wait or _DEFAULT_TIMEOUT,
            deadline=overall or _DEFAULT_DEADLINE,
            retries=attempts or _DEFAULT_RETRIES,
            offline=offline_mode or _FALSE_BY_DEFAULT,
            cache_dir=_explicit(cache_dir, "cache_dir") or env_path(env, "INDEXCLIENT_CACHE_DIR"),
            no_cache=uncached or _FALSE_BY_DEFAULT,
            refresh=refresh,
            config_files=tuple(f.path for f in files.files) if files else (),
            find_links=found.find_links,
            no_index=found.no_index,
            index_strategy=found.strategy,
            keyring_provider=keyring,
            no_progress=quiet_progress or _FALSE_BY_DEFAULT,
            no_sources=(from_files.no_sources if from_files else None) or _FALSE_BY_DEFAULT,
            no_sources_package=from_files.no_sources_package if from_files else (),
            pip_config_files=files.pip_files if files else (),
            **target._asdict(),
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
        default_index: str | Value[str] | None = None,
        indexes: Sequence[str | Value[str]] = (),
        find_links: Sequence[str | Value[str]] = (),
        no_index: bool | Value[bool] | None = None,
        index_strategy: str | Value[str] | None = None,
        concurrency: int | Value[int] | None = None,
        timeout: float | Value[float] | None = None,
        deadline: float | Value[float] | None = None,
        retries: int | Value[int] | None = None,
        offline: bool | Value[bool] | None = None,
        cache_dir: str | Value[str] | None = None,
        no_cache: bool | Value[bool] | None = None,
        no_progress: bool | Value[bool] | None = None,
        refresh: bool = False,
        python_version: str | Value[str] | None = None,
        python_platform: str | Value[str] | None = None,
        only_binary: Sequence[str | Value[str]] = (),
        no_binary: Sequence[str | Value[str]] = (),
        prerelease: str | Value[str] | None = None,
        exclude_newer: str | Value[str] | None = None,
    ) -> Settings:
        """:meth:`load` with uv's configuration files: ``uv.toml`` or ``[tool.uv]`` in
        ``cwd`` or a parent, then the user's and the system's files (``config_file``
        replaces them all; ``no_config`` or ``UV_NO_CONFIG`` skips discovery). Problems
        in files are reported together with every other problem. The other keywords are
        :meth:`load`'s.

        pip's configuration files are read too, below every uv setting, in pip's order
        (:mod:`indexclient.pipconf`); ``no_config`` or ``UV_NO_CONFIG`` skips them as
        well, and so does ``PIP_CONFIG_FILE=/dev/null`` (README, "pip's settings").
        """
        env = os.environ if environ is None else environ
        found = discover(cwd or os.getcwd(), env, config_file=config_file, no_config=no_config)
        if not (no_config or parse_bool(env.get("UV_NO_CONFIG", "")) is True):
            found = with_pip_files(found, env)
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
            default_index=default_index,
            indexes=indexes,
            find_links=find_links,
            no_index=no_index,
            index_strategy=index_strategy,
            concurrency=concurrency,
            timeout=timeout,
            deadline=deadline,
            retries=retries,
            offline=offline,
            cache_dir=cache_dir,
            no_cache=no_cache,
            no_progress=no_progress,
            refresh=refresh,
            python_version=python_version,
            python_platform=python_platform,
            only_binary=only_binary,
            no_binary=no_binary,
            prerelease=prerelease,
            exclude_newer=exclude_newer,
            files=found,
        )

    def target(self) -> Target:
        """The :class:`~indexclient.Target` these settings describe: the running
        interpreter with uv's defaults (:meth:`Target.current`) when none of the
        target's settings is given. A relative ``exclude_newer`` (``3 days``) is
        counted back from now, at each call."""
        exclude = self.exclude_newer.value if self.exclude_newer else None
        target = Target.for_(
            python_version=self.python_version.value if self.python_version else None,
            python_platform=self.python_platform.value if self.python_platform else None,
            only_binary=[v.value for v in self.only_binary],
            no_binary=[v.value for v in self.no_binary],
            prerelease=self.prerelease.value if self.prerelease else None,
            exclude_newer=None if exclude is None or exclude.strip() == "false" else exclude,
        )
        return Target.current() if target.is_default else target

    def indexes(self) -> tuple[IndexSpec, ...]:
        """The indexes to search, in uv's order: every index that is neither the default
        nor explicit, as configured (``--index`` before ``--extra-index-url`` before the
        files' ``[[index]]`` and ``extra-index-url``), then the default index; an index
        whose URL comes again is asked once. None with ``no_index``: only the
        find-links locations are searched then. Raises ConfigurationError when there is
        neither an index nor a find-links location.
        """
        searched: tuple[IndexSpec, ...] = ()
        if not self.no_index.value:
            candidates = [s for s in self.extra_indexes if not s.explicit]
            if self.index_url is not None:
                candidates.append(self.index_url)
            searched = _first_by_url(candidates)
        if not searched and not self.find_links:
            if self.no_index.value:
                raise ConfigurationError.single(
                    str(self.no_index.origin),
                    "no index is searched and no find-links location is given",
                    "pass --find-links DIR_OR_URL, or drop --no-index (no-index = true)",
                )
            if self.extra_indexes:
                raise ConfigurationError.single(
                    "index",
                    "every configured index is explicit (asked only about the projects "
                    "pinned to it), and there is no default index",
                    _NO_INDEX_HINT,
                )
            raise ConfigurationError.single("index", "no index URL is configured", _NO_INDEX_HINT)
        return searched

    def configured_indexes(self) -> tuple[IndexSpec, ...]:
        """Every configured index, explicit ones included, the default last (none with
        ``no_index``): those ``[tool.uv.sources]`` pins may name."""
        if self.no_index.value:
            return ()
        return self.extra_indexes + ((self.index_url,) if self.index_url else ())

    def named_index(self, name: str) -> IndexSpec | None:
        """The configured index called ``name`` (explicit or not), or None."""
        return next((s for s in self.configured_indexes() if s.name == name), None)

    def trust_source(self) -> TrustSource:
        """The one trust source these settings select (custom > platform > bundled).

        ``ssl_cert_file`` may be pip's ``cert`` (its origin says so): :meth:`load` puts
        it there only when no uv setting chooses the roots."""
        if self.ssl_cert_file or self.ssl_cert_dir:
            origin = (self.ssl_cert_file or self.ssl_cert_dir or self.system_certs).origin
            setting = "SSL_CERT_FILE"
            if self.ssl_cert_file and self.ssl_cert_file.origin.kind in ("env", "file"):
                setting = self.ssl_cert_file.origin.name  # PIP_CERT, or pip's cert key
            return CustomRoots(
                self.ssl_cert_file.value if self.ssl_cert_file else None,
                self.ssl_cert_dir.value if self.ssl_cert_dir else (),
                origin="environment" if origin.kind == "env" else str(origin),
                file_setting=setting,
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
                    origin=_setting_label(self.client_cert.origin),
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
