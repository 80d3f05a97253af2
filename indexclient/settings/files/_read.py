"""Reading one configuration file: TOML, the keys indexclient reads, their checks."""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexclient.errors import ConfigProblem
from indexclient.settings.files._model import (
    _INDEX_NAME_RE,
    _PYPROJECT,
    ConfigFile,
    FileValues,
    IndexEntry,
    Scope,
    T,
    _origin,
    _value,
)
from indexclient.settings.files._toml_scan import ShapeError, check_shape
from indexclient.tls.hosts import parse_insecure_host
from indexclient.urls import index_url_problem, redact_text, redact_url
from indexclient.userfiles import MAX_CONFIG_FILE, UnreadableFile, read_user_file

if TYPE_CHECKING:
    from indexclient.settings import Origin, Value


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
        # A URL's userinfo is hidden before shortening, which could cut the "@" off.
        shown = _shown(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
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


def _url_error(text: str) -> str | None:
    """Why ``text`` is not an http, https or file URL, or None when it is one."""
    return index_url_problem(text)


def _check_url(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a URL string, got {_describe(value)}")
    problem = _url_error(value)
    if problem is not None:
        raise _Invalid(f"{problem} ({redact_url(value)!r})")
    return value


def _check_insecure_host(value: str) -> str:
    try:
        parse_insecure_host(value, "")
    except ValueError as exc:  # the message hides any userinfo of the entry
        raise _Invalid(str(exc)) from None
    return value


def _shown(text: str) -> str:
    """A string from a file, safe to show: the userinfo of every URL in it hidden, and
    that of a host written ``user:token@host`` without a scheme."""
    if "@" in text and "://" not in text:
        return redact_url(f"https://{text}").removeprefix("https://")
    return redact_text(text)


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
            hint = f' (write {key} = ["{_shown(raw)}"])' if isinstance(raw, str) else ""
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


def _read_text(path: Path) -> str:
    """The text of the configuration file at ``path``; raises _Invalid with the reason.

    The file must be a regular file of at most ``MAX_CONFIG_FILE`` bytes: a FIFO, a
    device or a directory is refused before it is opened for reading, so nothing blocks
    or fills the memory (docs/security.md, "Files you name").
    """
    try:
        data = read_user_file(path, limit=MAX_CONFIG_FILE)
    except UnreadableFile as exc:
        raise _Invalid(exc.reason) from None
    except ValueError as exc:  # a path holding a NUL byte, from a mapping passed in
        raise _Invalid(f"the path is not usable: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _Invalid(f"the file is not UTF-8 text: {exc.reason} (line {line})") from None


def _parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; raises _Invalid with the reason (the parser's message with line).

    The shape is checked first: tomllib spends quadratic time and memory on a key of
    many dotted parts and recurses once per nesting level (see ``_toml_scan``).
    """
    # The parser loads when a configuration file exists: most runs find none.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

    try:
        check_shape(text)
        document: dict[str, Any] = tomllib.loads(text)
    except ShapeError as exc:
        raise _Invalid(f"invalid TOML: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _Invalid(f"invalid TOML: {exc}") from None
    except RecursionError:  # the shape check makes this unlikely; never a traceback
        raise _Invalid("invalid TOML: values nested too deeply") from None
    return document


def _load_toml(path: Path) -> dict[str, Any]:
    """Read and parse a TOML file; raises _Invalid with the reason."""
    return _parse_toml(_read_text(path))


def _tool_uv(document: Mapping[str, Any]) -> object:
    """``document["tool"]["uv"]``; None when there is no ``tool`` table or it has no ``uv``."""
    tool = document.get("tool")
    return tool.get("uv") if isinstance(tool, dict) else None


def read_file(
    path: str | os.PathLike[str], scope: Scope, *, named_by: str | None = None
) -> ConfigFile:
    """Read and validate one file.

    A ``pyproject.toml`` (except with scope ``explicit``, read as a ``uv.toml`` like uv's
    ``--config-file``) is read from its ``[tool.uv]`` table. Never raises for a bad file:
    its problems are in the result. A file that cannot be read or parsed at all is one
    problem, whose origin is ``named_by`` when given (how the file was named, e.g.
    ``--config-file /p/x.toml``), else the path.
    """
    text_path = os.fspath(path)
    problems: list[ConfigProblem] = []
    warnings: list[str] = []
    reader = _Reader(text_path, problems, warnings)
    try:
        document = _load_toml(Path(text_path))
    except _Invalid as exc:
        problem = ConfigProblem(named_by or text_path, str(exc))
        return ConfigFile(text_path, scope, problems=(problem,))
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
