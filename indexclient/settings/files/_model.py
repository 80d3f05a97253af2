"""The values read from configuration files, and how several files combine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, TypeVar

from indexclient.errors import ConfigProblem
from indexclient.settings.values import IndexSpec, Origin, Problems, Value, index_spec
from indexclient.tls.hosts import parse_insecure_host

T = TypeVar("T")

Scope = Literal["project", "user", "system", "explicit"]

#: The keys read from a file (at its top level; the ``[pip]`` ones are listed in the
#: module docstring).
READ_KEYS: Final = (
    "system-certs",
    "native-tls",
    "allow-insecure-host",
    "index-url",
    "extra-index-url",
    "index",
    "concurrent-downloads",
    "offline",
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
    """One ``[[index]]`` table."""

    __module__ = "indexclient"

    url: str
    name: str | None = None
    default: bool = False


@dataclass(frozen=True, slots=True)
class FileValues:
    """The settings one file defines (or several files, once :func:`merged`).

    A single value is ``None`` when not set; a list is empty when not set. Every value
    and every list entry carries its :class:`~indexclient.settings.Origin`
    (``Origin("file", key, path)``, the key written as in the file, e.g.
    ``tool.uv.allow-insecure-host`` or ``pip.index-url``).
    """

    __module__ = "indexclient"

    system_certs: Value[bool] | None = None
    allow_insecure_host: tuple[Value[str], ...] = ()
    index_url: Value[str] | None = None
    extra_index_url: tuple[Value[str], ...] = ()
    indexes: tuple[Value[IndexEntry], ...] = ()
    concurrent_downloads: Value[int] | None = None
    offline: Value[bool] | None = None

    def default_index(self, problems: Problems) -> IndexSpec | None:
        """The default index: ``index-url``, else the ``[[index]]`` with ``default = true``."""
        if self.index_url is not None:
            return index_spec(self.index_url.value, self.index_url.origin, problems, default=True)
        for entry in self.indexes:
            if entry.value.default:
                spec = index_spec(entry.value.url, entry.origin, problems, default=True)
                return IndexSpec(spec.url, spec.origin, entry.value.name, True) if spec else None
        return None

    def extra_indexes(self, problems: Problems) -> tuple[IndexSpec, ...]:
        """The other indexes: ``[[index]]`` entries first (uv gives ``index`` priority),
        then ``extra-index-url``."""
        specs = []
        for entry in self.indexes:
            if not entry.value.default:
                spec = index_spec(entry.value.url, entry.origin, problems, default=False)
                if spec:
                    specs.append(IndexSpec(spec.url, spec.origin, entry.value.name))
        for value in self.extra_index_url:
            spec = index_spec(value.value, value.origin, problems, default=False)
            if spec:
                specs.append(spec)
        return tuple(specs)


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
    """

    __module__ = "indexclient"

    files: tuple[ConfigFile, ...] = ()
    problems: tuple[ConfigProblem, ...] = ()
    warnings: tuple[str, ...] = ()

    def merged(self) -> FileValues:
        """:func:`merged` of :attr:`files`."""
        return merged(self.files)


def merged(files: Iterable[ConfigFile]) -> FileValues:
    """Combine files given in precedence order (highest first), as uv does.

    Single values: the first file that defines one wins. ``allow-insecure-host``: the
    union of every file's entries (an entry equal to an earlier one, by scheme, host and
    port, is dropped; each kept entry keeps its origin). ``extra-index-url`` (exact
    duplicates dropped) and ``[[index]]``: concatenated, the first file's entries first.
    """
    system_certs: Value[bool] | None = None
    index_url: Value[str] | None = None
    concurrent_downloads: Value[int] | None = None
    offline: Value[bool] | None = None
    hosts: dict[object, Value[str]] = {}
    extra: dict[str, Value[str]] = {}
    indexes: list[Value[IndexEntry]] = []
    for found in files:
        values = found.values
        system_certs = _first(system_certs, values.system_certs)
        index_url = _first(index_url, values.index_url)
        concurrent_downloads = _first(concurrent_downloads, values.concurrent_downloads)
        offline = _first(offline, values.offline)
        for host in values.allow_insecure_host:
            hosts.setdefault(host_key(host.value), host)
        for url in values.extra_index_url:
            extra.setdefault(url.value, url)
        indexes += values.indexes
    return FileValues(
        system_certs=system_certs,
        allow_insecure_host=tuple(hosts.values()),
        index_url=index_url,
        extra_index_url=tuple(extra.values()),
        indexes=tuple(indexes),
        concurrent_downloads=concurrent_downloads,
        offline=offline,
    )


def _first(current: Value[T] | None, candidate: Value[T] | None) -> Value[T] | None:
    return current if current is not None else candidate


def host_key(entry: str) -> object:
    """What makes two valid allow-insecure-host entries the same."""
    return parse_insecure_host(entry, "").key
