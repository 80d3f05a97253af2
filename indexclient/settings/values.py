"""Setting values and their rules: the leaf every other part of the settings imports.

A :class:`Value` remembers its :class:`Origin` (flag, environment variable, file and key,
argument, default), so that diagnostics can say where a setting came from. The rules a
value follows wherever it comes from are written here once: uv's boolean words, what an
index URL may be (and ``name=URL``), allow-insecure-host entries, the defaults. Readers
record what is wrong in a :class:`Problems` collector and go on, so that every problem
is reported at once.

This module imports only :mod:`indexclient.errors`, :mod:`indexclient.urls`,
:mod:`indexclient.tls.hosts` and the standard library: nothing imports back.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Generic, Literal, TypeVar
from urllib.parse import urlsplit

from indexclient.errors import ConfigProblem, ConfigurationError, ConfigurationWarning
from indexclient.tls.hosts import InsecureHost, InsecureHosts, parse_insecure_host
from indexclient.urls import index_url_problem, redact_url

__all__ = [
    "AUTHENTICATE_POLICIES",
    "BOOL_WORDS",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_DEADLINE",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "INDEX_FORMATS",
    "INDEX_STRATEGIES",
    "KEYRING_PROVIDERS",
    "Authenticate",
    "CacheControl",
    "IndexFormat",
    "IndexSpec",
    "IndexStrategy",
    "KeyringProvider",
    "Origin",
    "OriginKind",
    "Problems",
    "Value",
    "index_name_problem",
    "index_spec",
    "normalise_index_url",
    "parse_bool",
    "parse_hosts",
]

T = TypeVar("T")

#: Seconds to wait for a connection or for the next bytes of a response.
DEFAULT_TIMEOUT: Final = 30.0
#: Attempts after the first, for a failure worth retrying.
DEFAULT_RETRIES: Final = 3
#: The overall deadline of one request, in seconds (docs/security.md, "Limits"): an hour
#: brings a 1 GB wheel over a 2.5 Mbit/s link; a server trickling bytes just fast enough
#: to beat the stall timeout is stopped there.
DEFAULT_DEADLINE: Final = 3600.0
#: Requests in flight at once.
DEFAULT_CONCURRENCY: Final = 50

#: uv's boolean words, compared case-insensitively (``UV_OFFLINE=yes``, ``config set
#: offline on``).
TRUE_WORDS: Final = ("y", "yes", "t", "true", "on", "1")
FALSE_WORDS: Final = ("n", "no", "f", "false", "off", "0")
#: The words as a message lists them.
BOOL_WORDS: Final = f"{' '.join(TRUE_WORDS)} / {' '.join(FALSE_WORDS)}"

OriginKind = Literal["flag", "env", "file", "api", "default"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value came from: ``flag``, ``env``, ``file``, ``api`` or ``default``.

    ``name`` is the flag, the variable, the key (``tool.uv.offline``) or the argument;
    ``path`` is the file of a ``file`` origin, and ``section`` its INI section for a
    pip configuration file (``index-url in /etc/pip.conf [global]``).
    """

    __module__ = "indexclient"

    kind: OriginKind
    name: str = ""
    path: str | None = None
    section: str | None = None

    def __str__(self) -> str:
        if self.kind == "env":
            return f"{self.name} (environment)"
        if self.kind == "file":
            where = f" [{self.section}]" if self.section is not None else ""
            return f"{self.name} in {self.path}{where}"
        if self.kind == "api":
            return f"{self.name}= (argument)"
        if self.kind == "default":
            return "default"
        return self.name


@dataclass(frozen=True, slots=True)
class Value(Generic[T]):
    """A setting's value and its origin."""

    __module__ = "indexclient"

    value: T
    origin: Origin


#: uv's ``format`` of an index: the simple API, or a flat page (or directory) of links.
IndexFormat = Literal["simple", "flat"]
INDEX_FORMATS: Final = ("simple", "flat")
#: uv's ``authenticate`` of an index.
Authenticate = Literal["auto", "always", "never"]
AUTHENTICATE_POLICIES: Final = ("auto", "always", "never")
#: uv's ``index-strategy``: which indexes a project's versions come from.
IndexStrategy = Literal["first-index", "unsafe-first-match", "unsafe-best-match"]
INDEX_STRATEGIES: Final = ("first-index", "unsafe-first-match", "unsafe-best-match")
#: uv's ``keyring-provider``.
KeyringProvider = Literal["disabled", "subprocess"]
KEYRING_PROVIDERS: Final = ("disabled", "subprocess")

_INDEX_NAME = re.compile(r"[A-Za-z0-9._-]+")


def index_name_problem(name: str) -> str | None:
    """Why ``name`` is not an index name (uv's rule: ASCII letters, digits, ``-``,
    ``_`` and ``.``), or None when it is one."""
    if _INDEX_NAME.fullmatch(name):
        return None
    return f"{name!r} is not a valid index name (use letters, digits, '-', '_' and '.')"


@dataclass(frozen=True, slots=True)
class CacheControl:
    """uv's ``cache-control`` table of an index: the Cache-Control header to assume for
    its pages (``api``) and its files (``files``) instead of the server's."""

    __module__ = "indexclient"

    api: str | None = None
    files: str | None = None


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """One index as configured: its URL, its options, and where it came from.

    The options are uv's keys of an ``[[index]]`` table, with uv's meanings and
    defaults: ``name`` (what ``[tool.uv.sources]`` pins and ``--index NAME`` refer to),
    ``default`` (the index searched last, in place of a built-in one), ``explicit``
    (searched only for the projects pinned to it), ``format`` (``"simple"``: the simple
    repository API; ``"flat"``: one page, or directory, of links to distributions),
    ``authenticate`` (``"auto"``, ``"always"``, ``"never"``), ``ignore_error_codes``
    (statuses that mean "not on this index" besides 404; None when not set) and
    ``cache_control``. ``find_links`` marks an entry of ``--find-links``: a flat
    location searched alongside the indexes rather than one of them.

    Every option comes from the same place as the index (an ``[[index]]`` table holds
    them all; an index given on the command line or in the environment has none), so
    ``origin`` is the origin of each.
    """

    __module__ = "indexclient"

    url: str
    origin: Origin
    name: str | None = None
    default: bool = False
    explicit: bool = False
    format: IndexFormat = "simple"
    authenticate: Authenticate = "auto"
    ignore_error_codes: tuple[int, ...] | None = None
    cache_control: CacheControl | None = None
    find_links: bool = False

    def options(self) -> dict[str, object]:
        """The options set to something other than their default, by uv's key names
        (``explicit``, ``format``, ``authenticate``, ``ignore-error-codes``,
        ``cache-control``), in that order."""
        found: dict[str, object] = {}
        if self.explicit:
            found["explicit"] = True
        if self.format != "simple" and not self.find_links:
            found["format"] = self.format
        if self.authenticate != "auto":
            found["authenticate"] = self.authenticate
        if self.ignore_error_codes is not None:
            found["ignore-error-codes"] = list(self.ignore_error_codes)
        control = self.cache_control
        if control is not None:
            found["cache-control"] = {
                key: value
                for key, value in (("api", control.api), ("files", control.files))
                if value is not None
            }
        return found

    def __repr__(self) -> str:
        # The URL may carry credentials (user:token@host): never show the password.
        options = "".join(f", {key}={value!r}" for key, value in self.options().items())
        kind = ", find_links=True" if self.find_links else ""
        return (
            f"IndexSpec(url={redact_url(self.url)!r}, origin={self.origin!s}, "
            f"name={self.name!r}, default={self.default}{options}{kind})"
        )


class Problems:
    """Every problem found while reading settings, the warnings and the hints.

    Readers :meth:`add` a problem and go on; :meth:`raise_if_any` then issues the warnings
    and raises one :class:`~indexclient.errors.ConfigurationError` listing every problem,
    not the first one only.
    """

    __module__ = "indexclient"

    __slots__ = ("hints", "problems", "warnings")

    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []
        self.warnings: list[str] = []
        self.hints: list[str] = []

    def add(self, origin: Origin | str, message: str) -> None:
        """A problem of the setting from ``origin`` (an Origin, or how a person names it)."""
        self.problems.append(ConfigProblem(str(origin), message))

    def warn(self, message: str) -> None:
        """Something to warn about that does not stop the settings being used."""
        self.warnings.append(message)

    def extend(
        self,
        problems: Iterable[ConfigProblem],
        *,
        warnings: Iterable[str] = (),
        hint: str | None = None,
    ) -> None:
        """Problems (and warnings, a hint) found elsewhere, e.g. a ConfigurationError's."""
        self.problems += problems
        self.warnings += warnings
        if hint:
            self.hints.append(hint)

    def raise_if_any(self, *, stacklevel: int = 2) -> None:
        """Issue the warnings (a ConfigurationWarning each, ``stacklevel`` counted as for
        :func:`warnings.warn` from the caller), then raise ConfigurationError if any
        problem was found."""
        for message in self.warnings:
            warnings.warn(message, ConfigurationWarning, stacklevel=stacklevel + 1)
        self.warnings.clear()
        if self.problems:
            raise ConfigurationError(self.problems, hint=" ".join(self.hints) or None)


def parse_bool(text: str) -> bool | None:
    """uv's boolean words, case-insensitive; None for anything else (empty included)."""
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def normalise_index_url(raw: str, *, paths: bool = True) -> str:
    """An index URL, checked; with ``paths``, a local path turned into a file:// URL.

    http, https and file URLs are accepted (:func:`indexclient.urls.index_url_problem`);
    anything else with a scheme is not. With ``paths`` (arguments and environment
    variables), blanks around the text are dropped and a path (absolute or relative, ``~``
    expanded) names a local index or a directory of distributions. Without (a URL in a
    configuration file) the text must be a URL as it stands. Raises ValueError with the
    reason (which does not show the URL) for anything unusable.
    """
    if not paths:
        problem = index_url_problem(raw)
        if problem is not None:
            raise ValueError(problem)
        return raw
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
    return Path(text).expanduser().resolve().as_uri()


def index_spec(
    raw: str, origin: Origin, problems: Problems, *, default: bool, find_links: bool = False
) -> IndexSpec | None:
    """The index ``raw`` names (``URL``, a path, or ``name=URL`` as in ``UV_INDEX``), or
    None with a problem recorded. An entry of ``--find-links`` has no name (a ``=`` is
    part of its URL or path) and the flat format."""
    name = None
    # UV_INDEX entries may be "name=url"; an "=" after "://" belongs to the URL (uv: the
    # part before the first "=" is a name when it holds no ":").
    head, sep, tail = raw.partition("=")
    if sep and not find_links and ":" not in head and "/" not in head:
        problem = index_name_problem(head.strip())
        if problem is not None:
            problems.add(origin, problem)
            return None
        name, raw = head.strip(), tail
    try:
        url = normalise_index_url(raw)
    except ValueError as exc:
        problems.add(origin, f"{redact_url(raw)!r}: {exc}")
        return None
    if find_links:
        return IndexSpec(url, origin, format="flat", find_links=True)
    return IndexSpec(url, origin, name, default)


def parse_hosts(entries: Sequence[tuple[str, Origin]], problems: Problems) -> InsecureHosts:
    """The allow-insecure-host entries that parse; a problem recorded for each other one."""
    parsed: list[InsecureHost] = []
    for raw, origin in entries:
        try:
            parsed.append(parse_insecure_host(raw, str(origin)))
        except ValueError as exc:
            problems.add(origin, str(exc))
    return InsecureHosts(parsed)
