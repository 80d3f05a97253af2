"""Reading one configuration file: the keys indexclient reads, each checked (``_checks``)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from indexclient.errors import ConfigProblem
from indexclient.settings.files._checks import (
    Invalid,
    check_bool,
    check_insecure_host,
    check_positive_int,
    check_url,
    describe,
    shown,
)
from indexclient.settings.files._model import (
    PYPROJECT,
    ConfigFile,
    FileValues,
    IndexEntry,
    Scope,
    file_origin,
)
from indexclient.settings.files._toml import load_toml
from indexclient.settings.values import Origin, Problems, Value

T = TypeVar("T")

_INDEX_NAME_RE = re.compile(r"[A-Za-z0-9._-]+")


# --------------------------------------------------------------------------- reading


@dataclass
class _Reader:
    """Reads the keys of one table of one file, collecting problems."""

    path: str
    problems: Problems

    def origin(self, key: str) -> Origin:
        return file_origin(key, self.path)

    def problem(self, key: str, message: str) -> None:
        self.problems.add(self.origin(key), message)

    def scalar(
        self, table: Mapping[str, Any], key: str, prefix: str, check: Callable[[object], T]
    ) -> Value[T] | None:
        if key not in table:
            return None
        name = prefix + key
        try:
            return Value(check(table[key]), self.origin(name))
        except Invalid as exc:
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
            hint = f' (write {key} = ["{shown(raw)}"])' if isinstance(raw, str) else ""
            self.problem(name, f"expected a list of {what}, got {describe(raw)}{hint}")
            return ()
        origin = self.origin(name)
        found: list[Value[str]] = []
        for position, item in enumerate(raw, start=1):
            if not isinstance(item, str):
                self.problem(
                    name, f"expected a list of {what}, got {describe(item)} as item {position}"
                )
                continue
            try:
                found.append(Value(check(item), origin))
            except Invalid as exc:
                self.problem(name, str(exc))
        return tuple(found)

    def system_certs(self, table: Mapping[str, Any], prefix: str) -> Value[bool] | None:
        current = self.scalar(table, "system-certs", prefix, check_bool)
        legacy = self.scalar(table, "native-tls", prefix, check_bool)
        if "native-tls" in table:
            self.problems.warn(
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
            self.problem(name, f"expected an array of tables ([[{name}]]), got {describe(raw)}")
            return ()
        found: list[Value[IndexEntry]] = []
        defaults: list[int] = []
        for number, item in enumerate(raw, start=1):
            label = f"[[{name}]] #{number}"
            if not isinstance(item, dict):
                self.problem(label, f"expected a table, got {describe(item)}")
                continue
            entry = self._index_entry(item, label)
            if entry is not None:
                found.append(Value(entry, self.origin(label)))
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
                url = check_url(item["url"])
            except Invalid as exc:
                errors.append(f"url: {exc}")
        name: str | None = None
        if "name" in item:
            raw_name = item["name"]
            if not isinstance(raw_name, str):
                errors.append(f"name: expected a string, got {describe(raw_name)}")
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
                default = check_bool(item["default"])
            except Invalid as exc:
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
            reader.problem(f"{prefix}pip", f"expected a table, got {describe(table['pip'])}")

    def single(key: str, check: Callable[[object], T]) -> Value[T] | None:
        return reader.scalar(table, key, prefix, check)

    top_certs = reader.system_certs(table, prefix)
    pip_certs = reader.system_certs(pip, pip_prefix)
    top_url = single("index-url", check_url)
    pip_url = reader.scalar(pip, "index-url", pip_prefix, check_url)

    def both(key: str, check: Callable[[str], str], what: str) -> tuple[Value[str], ...]:
        return reader.strings(table, key, prefix, check, what) + reader.strings(
            pip, key, pip_prefix, check, what
        )

    return FileValues(
        system_certs=top_certs if top_certs is not None else pip_certs,
        allow_insecure_host=both("allow-insecure-host", check_insecure_host, "strings"),
        index_url=top_url if top_url is not None else pip_url,
        extra_index_url=both("extra-index-url", check_url, "URL strings"),
        indexes=reader.indexes(table, prefix),
        concurrent_downloads=single("concurrent-downloads", check_positive_int),
        offline=single("offline", check_bool),
    )


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
    problems = Problems()
    reader = _Reader(text_path, problems)
    try:
        document = load_toml(Path(text_path))
    except Invalid as exc:
        problem = ConfigProblem(named_by or text_path, str(exc))
        return ConfigFile(text_path, scope, problems=(problem,))
    pyproject = Path(text_path).name == PYPROJECT
    if pyproject and scope == "explicit":
        problems.warn(
            f"{text_path}: --config-file expects a uv.toml file, not a pyproject.toml; "
            "it is read as a uv.toml (its [tool.uv] table is not used)"
        )
    if pyproject and scope != "explicit":
        tool = document.get("tool", {})
        table = tool.get("uv", {}) if isinstance(tool, dict) else {}
        if not isinstance(tool, dict):
            reader.problem("tool", f"expected a table, got {describe(tool)}")
        elif not isinstance(table, dict):
            reader.problem("tool.uv", f"expected a table, got {describe(table)}")
            table = {}
        values = _values_of(table, "tool.uv.", reader)
    else:
        values = _values_of(document, "", reader)
    return ConfigFile(text_path, scope, values, tuple(problems.problems), tuple(problems.warnings))
