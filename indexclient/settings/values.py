"""Reading setting values: from the environment, from configuration files, from arguments.

Each reader returns a :class:`Value` that remembers its :class:`Origin`, or records a
:class:`~indexclient.errors.ConfigProblem` and returns None, so that
:class:`~indexclient.settings.Settings` can report every problem at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from indexclient.errors import ConfigProblem
from indexclient.tls.hosts import InsecureHost, InsecureHosts, parse_insecure_host
from indexclient.urls import redact_url

__all__ = ["IndexSpec", "Origin", "Value", "normalise_index_url", "parse_bool"]

T = TypeVar("T")

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


def explicit(value: T | Value[T] | None, name: str) -> Value[T] | None:
    if value is None or isinstance(value, Value):
        return value
    return Value(value, Origin("api", name))


def setting_label(origin: Origin, variable: str) -> str:
    return variable if origin.kind == "env" else origin.name


def parse_hosts(
    entries: Sequence[tuple[str, Origin]], problems: list[ConfigProblem]
) -> InsecureHosts:
    parsed: list[InsecureHost] = []
    for raw, origin in entries:
        try:
            parsed.append(parse_insecure_host(raw, str(origin)))
        except ValueError as exc:
            problems.append(ConfigProblem(str(origin), str(exc)))
    return InsecureHosts(parsed)


def normalise_index_url(raw: str) -> str:
    """An index URL as given, or a local path turned into a file:// URL.

    http, https and file URLs are accepted; anything else with a scheme is not. A path
    (absolute or relative) names a local index or a directory of distributions. Raises
    ValueError with the reason (which does not show the URL) for anything unusable.
    """
    from urllib.parse import urlsplit

    from indexclient.urls import index_url_problem

    text = raw.strip()
    if not text:
        raise ValueError("the URL is empty")
    try:
        scheme = urlsplit(text).scheme
    except ValueError:
        scheme = "?"
    if len(scheme) == 1 and "://" not in text:
        scheme = ""  # a Windows drive letter: a path
    if scheme:
        problem = index_url_problem(text)
        if problem is not None:
            raise ValueError(problem)
        return text
    from pathlib import Path

    return Path(text).expanduser().resolve().as_uri()


def index_spec(
    raw: str, origin: Origin, problems: list[ConfigProblem], *, default: bool
) -> IndexSpec | None:
    name = None
    # UV_INDEX entries may be "name=url"; an "=" after "://" belongs to the URL.
    head, sep, tail = raw.partition("=")
    if sep and "://" not in head and "/" not in head:
        name, raw = head, tail
    try:
        url = normalise_index_url(raw)
    except ValueError as exc:
        problems.append(ConfigProblem(str(origin), f"{redact_url(raw)!r}: {exc}"))
        return None
    return IndexSpec(url, origin, name, default)


def index_argument(
    value: str | Value[str] | None, name: str, problems: list[ConfigProblem]
) -> IndexSpec | None:
    given = explicit(value, name)
    if given is None or not given.value:
        return None
    return index_spec(given.value, given.origin, problems, default=name == "index_url")


def file_default_index(files: object, problems: list[ConfigProblem]) -> IndexSpec | None:
    from indexclient.settings.files import FileValues

    if not isinstance(files, FileValues):
        return None
    if files.index_url is not None:
        return index_spec(files.index_url.value, files.index_url.origin, problems, default=True)
    for entry in files.indexes:
        if entry.value.default:
            spec = index_spec(entry.value.url, entry.origin, problems, default=True)
            return IndexSpec(spec.url, spec.origin, entry.value.name, True) if spec else None
    return None


def file_extra_indexes(files: object, problems: list[ConfigProblem]) -> tuple[IndexSpec, ...]:
    from indexclient.settings.files import FileValues

    if not isinstance(files, FileValues):
        return ()
    specs = []
    # [[index]] entries come before extra-index-url, as uv gives `index` priority.
    for entry in files.indexes:
        if not entry.value.default:
            spec = index_spec(entry.value.url, entry.origin, problems, default=False)
            if spec:
                specs.append(IndexSpec(spec.url, spec.origin, entry.value.name))
    for value in files.extra_index_url:
        spec = index_spec(value.value, value.origin, problems, default=False)
        if spec:
            specs.append(spec)
    return tuple(specs)
