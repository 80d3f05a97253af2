"""uv-compatible configuration files: discover, read, validate and write them.

Which files are read (:func:`discover`), highest precedence first:

1. **project**: the nearest ``uv.toml``, or ``pyproject.toml`` with a ``[tool.uv]`` table,
   in ``cwd`` or one of its parents. In one directory ``uv.toml`` wins (a ``[tool.uv]``
   table beside it is ignored, with a warning, as uv does). A ``pyproject.toml`` without
   ``[tool.uv]`` does not count: the search goes on upward. The search stops at the first
   directory that has either. (uv starts a workspace member's search at the workspace
   root; indexclient has no notion of workspaces and starts at ``cwd``.)
2. **user**: ``$XDG_CONFIG_HOME/uv/uv.toml`` (an absolute ``XDG_CONFIG_HOME`` only), else
   ``$HOME/.config/uv/uv.toml``; ``%APPDATA%\\uv\\uv.toml`` on Windows. Only the ``HOME``
   of ``environ`` is used: without it (and without ``XDG_CONFIG_HOME``) there is no user
   file.
3. **system**: the first existing ``DIR/uv/uv.toml`` for ``DIR`` in the colon-separated
   ``XDG_CONFIG_DIRS`` (``/etc/xdg`` when unset or empty; the list ends at its first
   empty entry), else ``/etc/uv/uv.toml``; ``%SYSTEMDRIVE%\\ProgramData\\uv\\uv.toml`` on
   Windows.

``--config-file PATH`` (``config_file=``, or ``UV_CONFIG_FILE`` when the argument is not
given) is used **in place of every discovered file: project, user and system alike**.
This is what uv does (its documentation: "this file will be used in place of any
discovered configuration files (e.g., user-level configuration will be ignored)"), so
a ``--config-file`` means the same thing to uv and to indexclient. The file is read as a
``uv.toml`` whatever its name (a ``pyproject.toml`` gets a warning, as in uv). A relative
path is taken relative to ``cwd``. A missing explicit file is a problem.

``--no-config`` (``no_config=True``) or a true ``UV_NO_CONFIG`` disables discovery: no
project, user or system file is read. An explicit ``--config-file`` still applies (uv
checks it first). ``no_config=False`` means "the flag was not given", so ``UV_NO_CONFIG``
is then consulted; a value that is not one of uv's boolean words is a problem (reported
with the files' problems, which are still read so that every problem shows at once).

Keys read, at the top level of ``uv.toml`` or under ``[tool.uv]`` of ``pyproject.toml``:
``system-certs`` (bool), ``native-tls`` (bool, deprecated alias of ``system-certs``: a
warning; ``system-certs`` wins when a file has both), ``allow-insecure-host`` (list of
strings, each checked with :func:`~indexclient.tls.hosts.parse_insecure_host`),
``index-url`` (URL string), ``extra-index-url`` (list of URL strings), ``[[index]]``
tables (``url`` required, ``name`` and ``default`` optional; at most one
``default = true`` per file), ``concurrent-downloads`` (positive integer) and ``offline``
(bool). URLs must be ``http``, ``https`` (with a host) or ``file`` URLs. Every other key is
ignored silently.

The ``[pip]`` sub-table (``[tool.uv.pip]``): ``index-url``, ``extra-index-url``,
``allow-insecure-host``, ``system-certs`` and ``native-tls`` are read there too, as a
fallback: for a single value the top level wins over ``[pip]``; the lists
(``allow-insecure-host``, ``extra-index-url``) are concatenated, top level first. (``uv
pip`` commands prefer the ``[pip]`` value while uv's other commands ignore ``[pip]``;
indexclient is not the pip interface, so the general top-level setting comes first.)

Every problem of every file (wrong types and values, unparsable TOML, unreadable files)
is collected and returned in :attr:`Discovery.problems`; the caller raises one
:class:`~indexclient.errors.ConfigurationError`. Each problem names the file and the key,
e.g. ``allow-insecure-host in /p/uv.toml: expected a list of strings, got an integer``.

:func:`merged` combines files as uv does: for a single value the first file (in
precedence order) that defines it wins; ``allow-insecure-host`` is the union of all
files, each entry keeping its origin; ``extra-index-url`` and ``[[index]]`` lists are
concatenated, the project's entries first.

Writing (:func:`set_value`, for ``config set KEY VALUE``): the value is validated first
(nothing is written when it is invalid), then the whole file is rewritten with
``tomli_w`` atomically (a temporary file in the same directory, then :func:`os.replace`).
Every other key and table is kept, but **comments and formatting are not** (``tomli_w``
cannot keep them). For ``pyproject.toml`` the key goes under ``[tool.uv]``. Setting a list
key (``allow-insecure-host``, ``extra-index-url``) *appends* the given entries (comma- or
whitespace-separated) to the list already in the file, skipping entries already there.

Nothing here touches the network or process-wide state: ``cwd`` and ``environ`` are
always passed in.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar
from urllib.parse import urlsplit

import tomli_w

from indexclient.errors import ConfigProblem, ConfigurationError
from indexclient.tls.hosts import parse_insecure_host

if TYPE_CHECKING:
    from indexclient.config import Origin, Value

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = [
    "READ_KEYS",
    "SETTABLE_KEYS",
    "ConfigFile",
    "Discovery",
    "FileValues",
    "IndexEntry",
    "Scope",
    "discover",
    "merged",
    "project_config_path",
    "read_file",
    "set_value",
    "user_config_path",
]

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

_UV_TOML = "uv.toml"
_PYPROJECT = "pyproject.toml"
_URL_SCHEMES = ("http", "https", "file")
_INDEX_NAME_RE = re.compile(r"[A-Za-z0-9._-]+")
_BOOL_WORDS = "y yes t true on 1 / n no f false off 0"


# indexclient.config is imported when first needed, not at import time, so that it can
# import this module at its top (Settings reads the files) whichever is imported first.


def _origin(name: str, path: str) -> Origin:
    from indexclient.config import Origin

    return Origin("file", name, path)


def _value(value: T, origin: Origin) -> Value[T]:
    from indexclient.config import Value

    return Value(value, origin)


def _parse_bool(text: str) -> bool | None:
    from indexclient.config import parse_bool

    return parse_bool(text)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One ``[[index]]`` table."""

    url: str
    name: str | None = None
    default: bool = False


@dataclass(frozen=True, slots=True)
class FileValues:
    """The settings one file defines (or several files, once :func:`merged`).

    A single value is ``None`` when not set; a list is empty when not set. Every value
    and every list entry carries its :class:`~indexclient.config.Origin`
    (``Origin("file", key, path)``, the key written as in the file, e.g.
    ``tool.uv.allow-insecure-host`` or ``pip.index-url``).
    """

    system_certs: Value[bool] | None = None
    allow_insecure_host: tuple[Value[str], ...] = ()
    index_url: Value[str] | None = None
    extra_index_url: tuple[Value[str], ...] = ()
    indexes: tuple[Value[IndexEntry], ...] = ()
    concurrent_downloads: Value[int] | None = None
    offline: Value[bool] | None = None


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """One configuration file as read: its values, its problems and its warnings.

    ``values`` holds only what is valid; each invalid key is left out and reported in
    ``problems``. A file that cannot be read or parsed has empty ``values`` and one problem.
    """

    path: str
    scope: Scope
    values: FileValues = field(default_factory=FileValues)
    problems: tuple[ConfigProblem, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_pyproject(self) -> bool:
        """Whether the settings are read from ``[tool.uv]`` of a ``pyproject.toml``."""
        return self.scope != "explicit" and Path(self.path).name == _PYPROJECT


@dataclass(frozen=True, slots=True)
class Discovery:
    """What :func:`discover` found.

    ``files`` are in precedence order, highest first. ``problems`` holds every problem:
    the environment's (``UV_NO_CONFIG``) and then each file's, in file order; raise
    ``ConfigurationError(discovery.problems)`` when it is not empty. ``warnings`` likewise
    holds every file's warnings.
    """

    files: tuple[ConfigFile, ...] = ()
    problems: tuple[ConfigProblem, ...] = ()
    warnings: tuple[str, ...] = ()

    def merged(self) -> FileValues:
        """:func:`merged` of :attr:`files`."""
        return merged(self.files)


# --------------------------------------------------------------------------- validation


class _Invalid(Exception):
    """Internal: why a value is invalid (the message, without the key or the file)."""


def _describe(value: object) -> str:
    """A TOML value's type in words, with the value itself when it is short and scalar."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a float ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.datetime):
        return "a date-time"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, datetime.time):
        return "a time"
    return f"a {type(value).__name__}"  # pragma: no cover - TOML has no other types


def _check_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid(f"expected a boolean (true or false), got {_describe(value)}")


def _check_positive_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value > 0:
            return value
        raise _Invalid(f"expected a positive integer, got {value}")
    raise _Invalid(f"expected a positive integer, got {_describe(value)}")


def _redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _url_error(text: str) -> str | None:
    """Why ``text`` is not an http, https or file URL, or None when it is one."""
    if not text.strip():
        return "the URL is empty"
    if any(c.isspace() for c in text):
        return "the URL contains whitespace"
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        return f"cannot parse the URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in _URL_SCHEMES:
        found = f"scheme {parts.scheme!r}" if scheme else "no scheme"
        return f"expected an http, https or file URL, got {found}"
    if scheme != "file" and not host:
        return f"the {scheme} URL has no host"
    if scheme == "file" and not parts.path:
        return "the file URL has no path"
    return None


def _check_url(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a URL string, got {_describe(value)}")
    problem = _url_error(value)
    if problem is not None:
        raise _Invalid(f"{problem} ({_redact(value)!r})")
    return value


def _check_insecure_host(value: str) -> str:
    try:
        parse_insecure_host(value, "")
    except ValueError as exc:
        raise _Invalid(str(exc)) from None
    return value


def _host_key(entry: str) -> object:
    """What makes two valid allow-insecure-host entries the same."""
    return parse_insecure_host(entry, "").key


# --------------------------------------------------------------------------- reading


@dataclass
class _Reader:
    """Reads the keys of one table of one file, collecting problems."""

    path: str
    problems: list[ConfigProblem]
    warnings: list[str]

    def origin(self, key: str) -> Origin:
        return _origin(key, self.path)

    def problem(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(str(self.origin(key)), message))

    def scalar(
        self, table: Mapping[str, Any], key: str, prefix: str, check: Callable[[object], T]
    ) -> Value[T] | None:
        if key not in table:
            return None
        name = prefix + key
        try:
            return _value(check(table[key]), self.origin(name))
        except _Invalid as exc:
            self.problem(name, str(exc))
            return None

    def strings(
        self,
        table: Mapping[str, Any],
        key: str,
        prefix: str,
        check: Callable[[str], str],
        what: str,
    ) -> tuple[Value[str], ...]:
        if key not in table:
            return ()
        name = prefix + key
        raw = table[key]
        if not isinstance(raw, list):
            hint = f' (write {key} = ["{raw}"])' if isinstance(raw, str) else ""
            self.problem(name, f"expected a list of {what}, got {_describe(raw)}{hint}")
            return ()
        origin = self.origin(name)
        found: list[Value[str]] = []
        for position, item in enumerate(raw, start=1):
            if not isinstance(item, str):
                self.problem(
                    name, f"expected a list of {what}, got {_describe(item)} as item {position}"
                )
                continue
            try:
                found.append(_value(check(item), origin))
            except _Invalid as exc:
                self.problem(name, str(exc))
        return tuple(found)

    def system_certs(self, table: Mapping[str, Any], prefix: str) -> Value[bool] | None:
        current = self.scalar(table, "system-certs", prefix, _check_bool)
        legacy = self.scalar(table, "native-tls", prefix, _check_bool)
        if "native-tls" in table:
            self.warnings.append(
                f"{self.origin(prefix + 'native-tls')} is deprecated; "
                f"use {prefix}system-certs instead"
            )
        # system-certs wins over its deprecated alias when a table has both.
        return current if "system-certs" in table else legacy

    def indexes(self, table: Mapping[str, Any], prefix: str) -> tuple[Value[IndexEntry], ...]:
        if "index" not in table:
            return ()
        raw = table["index"]
        name = f"{prefix}index"
        if not isinstance(raw, list):
            self.problem(name, f"expected an array of tables ([[{name}]]), got {_describe(raw)}")
            return ()
        found: list[Value[IndexEntry]] = []
        defaults: list[int] = []
        for number, item in enumerate(raw, start=1):
            label = f"[[{name}]] #{number}"
            if not isinstance(item, dict):
                self.problem(label, f"expected a table, got {_describe(item)}")
                continue
            entry = self._index_entry(item, label)
            if entry is not None:
                found.append(_value(entry, self.origin(label)))
                if entry.default:
                    defaults.append(number)
        if len(defaults) > 1:
            numbers = ", ".join(f"#{n}" for n in defaults)
            self.problem(
                f"[[{name}]]",
                f"more than one index has default = true ({numbers}); at most one may",
            )
        return tuple(found)

    def _index_entry(self, item: Mapping[str, Any], label: str) -> IndexEntry | None:
        errors: list[str] = []
        url: str | None = None
        if "url" not in item:
            errors.append("missing the required key url")
        else:
            try:
                url = _check_url(item["url"])
            except _Invalid as exc:
                errors.append(f"url: {exc}")
        name: str | None = None
        if "name" in item:
            raw_name = item["name"]
            if not isinstance(raw_name, str):
                errors.append(f"name: expected a string, got {_describe(raw_name)}")
            elif not _INDEX_NAME_RE.fullmatch(raw_name):
                errors.append(
                    f"name: {raw_name!r} is not a valid index name (use letters, digits, "
                    "'-', '_' and '.')"
                )
            else:
                name = raw_name
        default = False
        if "default" in item:
            try:
                default = _check_bool(item["default"])
            except _Invalid as exc:
                errors.append(f"default: {exc}")
        for message in errors:
            self.problem(label, message)
        if errors or url is None:
            return None
        return IndexEntry(url, name, default)


def _values_of(table: Mapping[str, Any], prefix: str, reader: _Reader) -> FileValues:
    """Read the supported keys of a uv.toml-shaped table (and its ``pip`` sub-table)."""
    pip: Mapping[str, Any] = {}
    pip_prefix = f"{prefix}pip."
    if "pip" in table:
        if isinstance(table["pip"], dict):
            pip = table["pip"]
        else:
            reader.problem(f"{prefix}pip", f"expected a table, got {_describe(table['pip'])}")

    def single(key: str, check: Callable[[object], T]) -> Value[T] | None:
        return reader.scalar(table, key, prefix, check)

    top_certs = reader.system_certs(table, prefix)
    pip_certs = reader.system_certs(pip, pip_prefix)
    top_url = single("index-url", _check_url)
    pip_url = reader.scalar(pip, "index-url", pip_prefix, _check_url)

    def both(key: str, check: Callable[[str], str], what: str) -> tuple[Value[str], ...]:
        return reader.strings(table, key, prefix, check, what) + reader.strings(
            pip, key, pip_prefix, check, what
        )

    return FileValues(
        system_certs=top_certs if top_certs is not None else pip_certs,
        allow_insecure_host=both("allow-insecure-host", _check_insecure_host, "strings"),
        index_url=top_url if top_url is not None else pip_url,
        extra_index_url=both("extra-index-url", _check_url, "URL strings"),
        indexes=reader.indexes(table, prefix),
        concurrent_downloads=single("concurrent-downloads", _check_positive_int),
        offline=single("offline", _check_bool),
    )


def _load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; raises _Invalid with the reason (the parser's message with line)."""
    try:
        with path.open("rb") as handle:
            document: dict[str, Any] = tomllib.load(handle)
    except FileNotFoundError:
        raise _Invalid("the file does not exist") from None
    except IsADirectoryError:
        raise _Invalid("it is a directory, not a file") from None
    except OSError as exc:
        raise _Invalid(f"cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise _Invalid(f"the file is not UTF-8 text: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _Invalid(f"invalid TOML: {exc}") from None
    return document


def _tool_uv(document: Mapping[str, Any]) -> object:
    """``document["tool"]["uv"]``; None when there is no ``tool`` table or it has no ``uv``."""
    tool = document.get("tool")
    return tool.get("uv") if isinstance(tool, dict) else None


def read_file(path: str | os.PathLike[str], scope: Scope) -> ConfigFile:
    """Read and validate one file.

    A ``pyproject.toml`` (except with scope ``explicit``, read as a ``uv.toml`` like uv's
    ``--config-file``) is read from its ``[tool.uv]`` table. Never raises for a bad file:
    its problems are in the result.
    """
    text_path = os.fspath(path)
    problems: list[ConfigProblem] = []
    warnings: list[str] = []
    reader = _Reader(text_path, problems, warnings)
    try:
        document = _load_toml(Path(text_path))
    except _Invalid as exc:
        return ConfigFile(text_path, scope, problems=(ConfigProblem(text_path, str(exc)),))
    pyproject = Path(text_path).name == _PYPROJECT
    if pyproject and scope == "explicit":
        warnings.append(
            f"{text_path}: --config-file expects a uv.toml file, not a pyproject.toml; "
            "it is read as a uv.toml (its [tool.uv] table is not used)"
        )
    if pyproject and scope != "explicit":
        tool = document.get("tool", {})
        table = tool.get("uv", {}) if isinstance(tool, dict) else {}
        if not isinstance(tool, dict):
            reader.problem("tool", f"expected a table, got {_describe(tool)}")
        elif not isinstance(table, dict):
            reader.problem("tool.uv", f"expected a table, got {_describe(table)}")
            table = {}
        values = _values_of(table, "tool.uv.", reader)
    else:
        values = _values_of(document, "", reader)
    return ConfigFile(text_path, scope, values, tuple(problems), tuple(warnings))


# --------------------------------------------------------------------------- locations


def _find_project_file(start: Path) -> Path | None:
    """The nearest uv.toml, or pyproject.toml with [tool.uv], from ``start`` upward.

    A pyproject.toml that cannot be read or parsed is returned too (its problem is then
    reported when it is read): uv stops there with an error as well.
    """
    for directory in (start, *start.parents):
        uv_toml = directory / _UV_TOML
        if uv_toml.is_file():
            return uv_toml
        pyproject = directory / _PYPROJECT
        if pyproject.is_file():
            try:
                document = _load_toml(pyproject)
            except _Invalid:
                return pyproject
            tool = document.get("tool", {})
            # A `tool` that is not a table is a problem to report, not a reason to skip.
            if not isinstance(tool, dict) or "uv" in tool:
                return pyproject
    return None


def _absolute(path: str | os.PathLike[str], cwd: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else cwd / candidate


def _user_config_file(environ: Mapping[str, str], *, windows: bool) -> Path | None:
    """Where the user's uv.toml is (whether it exists or not), or None if unknown."""
    if windows:
        appdata = environ.get("APPDATA", "")
        return Path(appdata, "uv", _UV_TOML) if appdata else None
    xdg = environ.get("XDG_CONFIG_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg, "uv", _UV_TOML)
    home = environ.get("HOME", "")
    return Path(home, ".config", "uv", _UV_TOML) if home else None


def _system_config_file(
    environ: Mapping[str, str], fallback: str | os.PathLike[str] | None, *, windows: bool
) -> Path | None:
    """The system uv.toml in effect (an existing file), or None."""
    if windows:
        drive = environ.get("SYSTEMDRIVE", "")
        candidate = Path(drive + "\\", "ProgramData", "uv", _UV_TOML) if drive else None
        return candidate if candidate is not None and candidate.is_file() else None
    dirs = environ.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
    for directory in dirs.split(":"):
        if not directory:
            break
        candidate = Path(directory, "uv", _UV_TOML)
        if candidate.is_file():
            return candidate
    if fallback is not None and Path(fallback).is_file():
        return Path(fallback)
    return None


def user_config_path(environ: Mapping[str, str]) -> Path:
    """The user configuration file (``config set --user``), existing or not.

    Raises ConfigurationError when neither ``XDG_CONFIG_HOME`` (absolute) nor ``HOME``
    (``APPDATA`` on Windows) is set.
    """
    path = _user_config_file(environ, windows=os.name == "nt")
    if path is None:
        variables = "APPDATA" if os.name == "nt" else "XDG_CONFIG_HOME or HOME"
        raise ConfigurationError.single(
            "user configuration", f"cannot locate the user configuration: set {variables}"
        )
    return path


def project_config_path(cwd: str | os.PathLike[str]) -> Path:
    """The project configuration file (``config set --project``).

    The file :func:`discover` would read (the nearest ``uv.toml``, or ``pyproject.toml``
    with ``[tool.uv]``, from ``cwd`` upward), else ``cwd/uv.toml``.
    """
    start = Path(cwd).absolute()
    return _find_project_file(start) or start / _UV_TOML


# --------------------------------------------------------------------------- discovery


def discover(
    cwd: str | os.PathLike[str],
    environ: Mapping[str, str],
    *,
    config_file: str | os.PathLike[str] | None = None,
    no_config: bool = False,
    system_fallback: str | os.PathLike[str] | None = ETC_UV_TOML,
) -> Discovery:
    """Find and read the configuration files in effect (see the module docstring).

    ``config_file`` is ``--config-file`` (``UV_CONFIG_FILE`` when None); ``no_config``
    is ``--no-config`` (``UV_NO_CONFIG`` is read when False). ``system_fallback`` is the
    last system location tried (``/etc/uv/uv.toml``; None to skip it, e.g. in tests).
    Never raises for a bad file or variable: every problem is in the result.
    """
    start = Path(cwd).absolute()
    windows = os.name == "nt"
    problems: list[ConfigProblem] = []

    explicit = config_file if config_file is not None else environ.get("UV_CONFIG_FILE") or None
    disabled = no_config
    if not disabled and "UV_NO_CONFIG" in environ:
        raw = environ["UV_NO_CONFIG"]
        parsed = _parse_bool(raw)
        if parsed is None:
            problems.append(
                ConfigProblem(
                    f"UV_NO_CONFIG={raw!r} (environment)",
                    f"not a boolean: use one of {_BOOL_WORDS}",
                )
            )
        disabled = bool(parsed)

    files: list[ConfigFile] = []
    if explicit is not None:
        files.append(read_file(_absolute(explicit, start), "explicit"))
    elif not disabled:
        seen: set[str] = set()
        candidates: list[tuple[Path | None, Scope]] = [
            (_find_project_file(start), "project"),
            (_user_config_file(environ, windows=windows), "user"),
            (_system_config_file(environ, system_fallback, windows=windows), "system"),
        ]
        for path, scope in candidates:
            if path is None or not path.is_file():
                continue
            real = os.path.realpath(path)
            if real in seen:  # e.g. the project directory is ~/.config/uv
                continue
            seen.add(real)
            read = read_file(path, scope)
            if scope == "project" and path.name == _UV_TOML:
                read = _warn_if_shadowed_pyproject(read, path)
            files.append(read)

    for found in files:
        problems += found.problems
    return Discovery(
        files=tuple(files),
        problems=tuple(problems),
        warnings=tuple(w for found in files for w in found.warnings),
    )


def _warn_if_shadowed_pyproject(read: ConfigFile, uv_toml: Path) -> ConfigFile:
    """uv's warning when a [tool.uv] table sits beside the uv.toml that wins over it."""
    pyproject = uv_toml.with_name(_PYPROJECT)
    if not pyproject.is_file():
        return read
    try:
        document = _load_toml(pyproject)
    except _Invalid:
        return read
    if _tool_uv(document) is None:
        return read
    warning = (
        f"{uv_toml}: found both this uv.toml and a [tool.uv] table in {pyproject}; "
        "the [tool.uv] table is ignored in favour of the uv.toml"
    )
    return ConfigFile(read.path, read.scope, read.values, read.problems, (*read.warnings, warning))


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
            hosts.setdefault(_host_key(host.value), host)
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


# --------------------------------------------------------------------------- writing


def _split_list(raw: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", raw) if item]


def _parse_raw(key: str, raw: str) -> object:
    """The TOML value ``raw`` (a command-line string) means for ``key``; raises _Invalid."""
    if key in ("system-certs", "offline"):
        parsed = _parse_bool(raw)
        if parsed is None:
            raise _Invalid(f"{raw!r} is not a boolean: use one of {_BOOL_WORDS}")
        return parsed
    if key == "concurrent-downloads":
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise _Invalid(f"expected a positive integer, got {raw!r}")
        return _check_positive_int(int(text))
    if key == "index-url":
        return _check_url(raw.strip())
    items = _split_list(raw)
    if not items:
        raise _Invalid("no entry given")
    check = _check_insecure_host if key == "allow-insecure-host" else _check_url
    return [check(item) for item in items]


def set_value(path: str | os.PathLike[str], key: str, raw_value: str) -> None:
    """Set ``key`` to ``raw_value`` in the uv.toml (or pyproject.toml) at ``path``.

    ``raw_value`` is parsed per key: booleans with uv's words, ``concurrent-downloads``
    as a positive integer, URLs as http/https/file URLs, and the list keys as comma- or
    whitespace-separated entries *appended* to the file's list (entries already there are
    skipped). A ``pyproject.toml`` gets the key under ``[tool.uv]``. The file (and its
    directory) is created when missing; a symlink is written through.

    Raises ConfigurationError, leaving the file untouched, for an unknown key, an invalid
    value, an existing file that is not valid TOML or whose table or list cannot take
    the value, or a failed write (permissions, full disk). Comments and formatting of the
    file are not kept (see the module docstring).
    """
    target = Path(os.path.realpath(path))
    pyproject = target.name == _PYPROJECT
    prefix = "tool.uv." if pyproject else ""
    origin = str(_origin(prefix + key, str(target)))
    if key not in SETTABLE_KEYS:
        hint = "; native-tls is deprecated: set system-certs" if key == "native-tls" else ""
        raise ConfigurationError.single(
            origin, f"unknown key {key!r}{hint}; supported keys: {', '.join(SETTABLE_KEYS)}"
        )
    try:
        value = _parse_raw(key, raw_value)
    except _Invalid as exc:
        raise ConfigurationError.single(origin, str(exc)) from None

    document: dict[str, Any] = {}
    if target.exists():
        try:
            document = _load_toml(target)
        except _Invalid as exc:
            raise ConfigurationError.single(
                str(target), f"{exc}; the file was not changed"
            ) from None
    table = document
    if pyproject:
        table = _subtable(document, ("tool", "uv"), target)

    if isinstance(value, list):
        existing = table.get(key, [])
        if not isinstance(existing, list) or not all(isinstance(e, str) for e in existing):
            raise ConfigurationError.single(
                origin,
                f"cannot append: the file's value is {_describe(existing)}, not a list of "
                "strings; fix it by hand first",
            )
        same: Callable[[str], object] = _same_host if key == "allow-insecure-host" else str
        known = {same(entry) for entry in existing}
        additions = []
        for item in value:
            if same(item) not in known:
                known.add(same(item))
                additions.append(item)
        table[key] = [*existing, *additions]
    else:
        table[key] = value
    try:
        _atomic_write(target, tomli_w.dumps(document).encode("utf-8"))
    except OSError as exc:
        raise ConfigurationError.single(
            str(target), f"cannot write the file: {exc.strerror or exc}; it was not changed"
        ) from exc


def _same_host(entry: str) -> object:
    """The dedup key of an allow-insecure-host entry; an invalid one compares as written."""
    try:
        return _host_key(entry)
    except ValueError:
        return entry


def _subtable(document: dict[str, Any], keys: tuple[str, ...], path: Path) -> dict[str, Any]:
    table = document
    walked: list[str] = []
    for key in keys:
        walked.append(key)
        child = table.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigurationError.single(
                str(_origin(".".join(walked), str(path))),
                f"expected a table, got {_describe(child)}; the file was not changed",
            )
        table = child
    return table


def _atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data``: a temporary file in its directory, then os.replace.

    An existing file's permission bits are kept; a new file gets the usual 0o666 less the
    umask. The temporary file is removed on any failure.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if mode is not None:
                os.chmod(temporary, mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
