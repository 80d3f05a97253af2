"""The values read from configuration files, and how several files combine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, TypeVar

from indexclient.errors import ConfigProblem
from indexclient.settings.values import (
    Authenticate,
    CacheControl,
    IndexFormat,
    IndexSpec,
    Origin,
    Value,
)
from indexclient.tls.hosts import parse_insecure_host

T = TypeVar("T")

Scope = Literal["project", "user", "system", "explicit"]

#: The keys read from a file (at its top level; the ``[pip]`` ones, with
#: ``python-version``, ``python-platform`` and ``only-binary`` read there only, are
#: listed in the module docstring, and what is done with every other key of uv's in
#: ``_keys``).
READ_KEYS: Final = (
    "system-certs",
    "native-tls",
    "allow-insecure-host",
    "index-url",
    "extra-index-url",
    "index",
    "find-links",
    "no-index",
    "index-strategy",
    "keyring-provider",
    "no-cache",
    "no-sources",
    "no-sources-package",
    "concurrent-downloads",
    "offline",
    "prerelease",
    "exclude-newer",
    "no-binary",
    "no-binary-package",
)

#: The keys :func:`set_value` can write.
SETTABLE_KEYS: Final = (
    "system-certs",
    "allow-insecure-host",
    "index-url",
    "extra-index-url",
    "concurrent-downloads",
    "offline",
)

#: uv's last-resort system configuration file on Linux and macOS.
ETC_UV_TOML: Final = "/etc/uv/uv.toml"

UV_TOML: Final = "uv.toml"
PYPROJECT: Final = "pyproject.toml"


def file_origin(key: str, path: str) -> Origin:
    """The origin of a value read from ``key`` (as written, ``tool.uv.offline``) of ``path``."""
    return Origin("file", key, path)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One ``[[index]]`` table: uv's keys, with uv's defaults (see
    :class:`~indexclient.settings.IndexSpec` for their meanings)."""

    __module__ = "indexclient"

    url: str
    name: str | None = None
    default: bool = False
    explicit: bool = False
    format: IndexFormat = "simple"
    authenticate: Authenticate = "auto"
    ignore_error_codes: tuple[int, ...] | None = None
    cache_control: CacheControl | None = None

    def spec(self, origin: Origin) -> IndexSpec:
        """The index this table configures, coming from ``origin``."""
        return IndexSpec(
            self.url,
            origin,
            self.name,
            self.default,
            self.explicit,
            self.format,
            self.authenticate,
            self.ignore_error_codes,
            self.cache_control,
        )


@dataclass(frozen=True, slots=True)
class FileValues:
    """The settings one file defines (or several files, once :func:`merged`).

    A single value is ``None`` when not set; a list is empty when not set. Every value
    and every list entry carries its :class:`~indexclient.settings.Origin`
    (``Origin("file", key, path)``, the key written as in the file, e.g.
    ``tool.uv.allow-insecure-host`` or ``pip.index-url``).

    ``cert`` and ``client_cert`` are pip's keys (uv has none such): only the values of
    pip's configuration (:attr:`Discovery.pip`) set them.

    The target's keys (:class:`~indexclient.Target`): ``python_version``,
    ``python_platform``, ``only_binary`` and ``no_binary`` (lists of ``:all:``,
    ``:none:`` or names) are ``[pip]``'s; ``prerelease`` and ``exclude_newer`` (the text
    as written, ``"false"`` for ``false``) the top level's, else ``[pip]``'s;
    ``no_binary_all`` and ``no_binary_package`` the top level's ``no-binary`` (a bool)
    and ``no-binary-package``.
    """

    __module__ = "indexclient"

    system_certs: Value[bool] | None = None
    allow_insecure_host: tuple[Value[str], ...] = ()
    index_url: Value[str] | None = None
    extra_index_url: tuple[Value[str], ...] = ()
    indexes: tuple[Value[IndexEntry], ...] = ()
    concurrent_downloads: Value[int] | None = None
    offline: Value[bool] | None = None
    find_links: tuple[Value[str], ...] = ()
    no_index: Value[bool] | None = None
    index_strategy: Value[str] | None = None
    keyring_provider: Value[str] | None = None
    no_cache: Value[bool] | None = None
    no_sources: Value[bool] | None = None
    no_sources_package: tuple[Value[str], ...] = ()
    cert: Value[str] | None = None
    client_cert: Value[str] | None = None
    python_version: Value[str] | None = None
    python_platform: Value[str] | None = None
    prerelease: Value[str] | None = None
    exclude_newer: Value[str] | None = None
    only_binary: tuple[Value[str], ...] = ()
    no_binary: tuple[Value[str], ...] = ()
    no_binary_all: Value[bool] | None = None
    no_binary_package: tuple[Value[str], ...] = ()

    def index_specs(self) -> tuple[IndexSpec, ...]:
        """Every index the files configure, in uv's order: the ``[[index]]`` tables, then
        ``extra-index-url``, then ``index-url`` (a default). The default index is the
        first one marked default, so an ``[[index]]`` with ``default = true`` wins over
        ``index-url``, as in uv."""
        specs = [entry.value.spec(entry.origin) for entry in self.indexes]
        specs += [IndexSpec(v.value, v.origin) for v in self.extra_index_url]
        if self.index_url is not None:
            specs.append(IndexSpec(self.index_url.value, self.index_url.origin, default=True))
        return tuple(specs)

    def find_links_specs(self) -> tuple[IndexSpec, ...]:
        """The ``find-links`` locations, as flat indexes searched alongside the others."""
        return tuple(
            IndexSpec(v.value, v.origin, format="flat", find_links=True) for v in self.find_links
        )


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """One configuration file as read: its values, its problems and its warnings.

    ``values`` holds only what is valid; each invalid key is left out and reported in
    ``problems``. A file that cannot be read or parsed has empty ``values`` and one problem.
    """

    __module__ = "indexclient"

    path: str
    scope: Scope
    values: FileValues = field(default_factory=FileValues)
    problems: tuple[ConfigProblem, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_pyproject(self) -> bool:
        """Whether the settings are read from ``[tool.uv]`` of a ``pyproject.toml``."""
        return self.scope != "explicit" and Path(self.path).name == PYPROJECT


@dataclass(frozen=True, slots=True)
class Discovery:
    """What :func:`discover` found.

    ``files`` are in precedence order, highest first. ``problems`` holds every problem:
    the environment's (``UV_NO_CONFIG``) and then each file's, in file order; raise
    ``ConfigurationError(discovery.problems)`` when it is not empty. ``warnings`` likewise
    holds every file's warnings.

    ``pip`` holds what pip's configuration files say, combined by pip's rules, and
    ``pip_files`` the files it was read from (README, "pip's settings"):
    :meth:`Settings.discover <indexclient.Settings.discover>` fills them, below every
    uv setting; :func:`discover` leaves them empty.
    """

    __module__ = "indexclient"

    files: tuple[ConfigFile, ...] = ()
    problems: tuple[ConfigProblem, ...] = ()
    warnings: tuple[str, ...] = ()
    pip: FileValues = field(default_factory=FileValues)
    pip_files: tuple[str, ...] = ()

    def merged(self) -> FileValues:
        """:func:`merged` of :attr:`files`."""
        return merged(self.files)


def merged(files: Iterable[ConfigFile]) -> FileValues:
    """Combine files given in precedence order (highest first), as uv does.

    Single values: the first file that defines one wins. ``allow-insecure-host``: the
    union of every file's entries (an entry equal to an earlier one, by scheme, host and
    port, is dropped; each kept entry keeps its origin). ``extra-index-url``,
    ``find-links`` (exact duplicates dropped), ``no-sources-package``, ``[[index]]``,
    ``only-binary``, ``no-binary`` and ``no-binary-package``: concatenated, the first
    file's entries first (uv's rule for lists).
    """
    singles: dict[str, Value[object] | None] = dict.fromkeys(_SINGLES)
    hosts: dict[object, Value[str]] = {}
    extra: dict[str, Value[str]] = {}
    links: dict[str, Value[str]] = {}
    indexes: list[Value[IndexEntry]] = []
    no_sources_package: list[Value[str]] = []
    only_binary: list[Value[str]] = []
    no_binary: list[Value[str]] = []
    no_binary_package: list[Value[str]] = []
    for found in files:
        values = found.values
        for key in _SINGLES:
            singles[key] = _first(singles[key], getattr(values, key))
        for host in values.allow_insecure_host:
            hosts.setdefault(host_key(host.value), host)
        for url in values.extra_index_url:
            extra.setdefault(url.value, url)
        for url in values.find_links:
            links.setdefault(url.value, url)
        indexes += values.indexes
        no_sources_package += values.no_sources_package
        only_binary += values.only_binary
        no_binary += values.no_binary
        no_binary_package += values.no_binary_package
    return FileValues(
        allow_insecure_host=tuple(hosts.values()),
        extra_index_url=tuple(extra.values()),
        indexes=tuple(indexes),
        find_links=tuple(links.values()),
        no_sources_package=tuple(no_sources_package),
        only_binary=tuple(only_binary),
        no_binary=tuple(no_binary),
        no_binary_package=tuple(no_binary_package),
        **singles,  # type: ignore[arg-type]
    )


#: The single values of FileValues: the first file defining one wins.
_SINGLES: Final = (
    "system_certs",
    "index_url",
    "concurrent_downloads",
    "offline",
    "no_index",
    "index_strategy",
    "keyring_provider",
    "no_cache",
    "no_sources",
    "cert",
    "client_cert",
    "python_version",
    "python_platform",
    "prerelease",
    "exclude_newer",
    "no_binary_all",
)


def _first(current: Value[T] | None, candidate: Value[T] | None) -> Value[T] | None:
    return current if current is not None else candidate


def host_key(entry: str) -> object:
    """What makes two valid allow-insecure-host entries the same."""
    return parse_insecure_host(entry, "").key
