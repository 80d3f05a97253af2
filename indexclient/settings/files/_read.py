"""Reading one configuration file: the keys indexclient reads, each checked (``_checks``)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from indexclient.errors import ConfigProblem, ConfigurationError
from indexclient.settings.files._checks import (
    Invalid,
    check_bool,
    check_choice,
    check_find_links,
    check_header_value,
    check_insecure_host,
    check_positive_int,
    check_status_codes,
    check_url,
    describe,
    shown,
)
from indexclient.settings.files._keys import (
    INDEX_KEYS,
    TABLE_PIP_KEYS,
    TOP_LEVEL_KEYS,
    KeyRule,
    unsupported_value,
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
from indexclient.settings.values import (
    AUTHENTICATE_POLICIES,
    INDEX_FORMATS,
    INDEX_STRATEGIES,
    KEYRING_PROVIDERS,
    Authenticate,
    CacheControl,
    IndexFormat,
    IndexSpec,
    Origin,
    Problems,
    Value,
    index_name_problem,
)
from indexclient.target import (
    check_platform,
    check_prerelease,
    check_python_version,
    parse_exclude_newer,
)

T = TypeVar("T")


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

        def option(key: str, check: Callable[[object], T], default: T) -> T:
            if key not in item:
                return default
            try:
                return check(item[key])
            except Invalid as exc:
                errors.append(f"{key}: {exc}")
                return default

        url: str | None = None
        if "url" not in item:
            errors.append("missing the required key url")
        else:
            url = option("url", check_url, None)
        name = option("name", _check_index_name, None)
        default = option("default", check_bool, False)
        explicit = option("explicit", check_bool, False)
        index_format: IndexFormat = option(
            "format",
            lambda v: check_choice(v, INDEX_FORMATS),  # type: ignore[arg-type,return-value]
            "simple",
        )
        authenticate: Authenticate = option(
            "authenticate",
            lambda v: check_choice(v, AUTHENTICATE_POLICIES),  # type: ignore[arg-type,return-value]
            "auto",
        )
        codes = option("ignore-error-codes", check_status_codes, None)
        control = option("cache-control", _check_cache_control, None)
        for key in item:
            rule = INDEX_KEYS.get(key)
            if rule is not None and unsupported_value(rule, item[key]):
                errors.append(f"{key} is not supported: {rule.why}")
        for message in errors:
            self.problem(label, message)
        if errors or url is None:
            return None
        return IndexEntry(url, name, default, explicit, index_format, authenticate, codes, control)

    def find_links(self, table: Mapping[str, Any], prefix: str) -> tuple[Value[str], ...]:
        # A path is relative to the directory of the file naming it, as in uv.
        base = Path(self.path).parent
        return self.strings(
            table, "find-links", prefix, lambda v: check_find_links(v, base), "strings"
        )

    def refused(self, table: Mapping[str, Any], prefix: str, rules: Mapping[str, KeyRule]) -> None:
        """A problem for each key uv reads that asks for what indexclient does not do,
        and a warning for each it reads and indexclient does not (``_keys``)."""
        for key, value in table.items():
            rule = rules.get(key)
            if rule is None:
                continue
            if rule.handling == "warn":
                self.problems.warn(f"{self.origin(prefix + key)} is not read: {rule.why}")
            elif unsupported_value(rule, value):
                self.problem(prefix + key, f"not supported by indexclient: {rule.why}")


def _check_index_name(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {describe(value)}")
    problem = index_name_problem(value)
    if problem is not None:
        raise Invalid(problem)
    return value


def _check_cache_control(value: object) -> CacheControl:
    """uv's ``cache-control = { api = "...", files = "..." }``."""
    if not isinstance(value, dict):
        raise Invalid(f"expected a table with api and files, got {describe(value)}")
    unknown = sorted(set(value) - {"api", "files"})
    if unknown:
        raise Invalid(f"unknown key {unknown[0]!r} (expected api and files)")
    api = check_header_value(value["api"]) if "api" in value else None
    files = check_header_value(value["files"]) if "files" in value else None
    return CacheControl(api, files)


def _values_of(table: Mapping[str, Any], prefix: str, reader: _Reader) -> FileValues:
    """Read the supported keys of a uv.toml-shaped table (and its ``pip`` sub-table);
    refuse the keys uv reads that ask for what indexclient does not do."""
    pip: Mapping[str, Any] = {}
    pip_prefix = f"{prefix}pip."
    if "pip" in table:
        if isinstance(table["pip"], dict):
            pip = table["pip"]
        else:
            reader.problem(f"{prefix}pip", f"expected a table, got {describe(table['pip'])}")
    reader.refused(table, prefix, TOP_LEVEL_KEYS)
    reader.refused(pip, pip_prefix, TABLE_PIP_KEYS)

    def single(key: str, check: Callable[[object], T]) -> Value[T] | None:
        # [pip] wins over the top level, as in uv pip (see the package's docstring).
        mine = reader.scalar(pip, key, pip_prefix, check)
        return mine if mine is not None else reader.scalar(table, key, prefix, check)

    def choice(choices: tuple[str, ...]) -> Callable[[object], str]:
        return lambda value: check_choice(value, choices)

    top_certs = reader.system_certs(table, prefix)
    pip_certs = reader.system_certs(pip, pip_prefix)

    def both(key: str, check: Callable[[str], str], what: str) -> tuple[Value[str], ...]:
        return reader.strings(pip, key, pip_prefix, check, what) + reader.strings(
            table, key, prefix, check, what
        )

    return FileValues(
        system_certs=pip_certs if pip_certs is not None else top_certs,
        allow_insecure_host=both("allow-insecure-host", check_insecure_host, "strings"),
        index_url=single("index-url", check_url),
        extra_index_url=both("extra-index-url", check_url, "URL strings"),
        indexes=reader.indexes(pip, pip_prefix) + reader.indexes(table, prefix),
        concurrent_downloads=reader.scalar(
            table, "concurrent-downloads", prefix, check_positive_int
        ),
        offline=reader.scalar(table, "offline", prefix, check_bool),
        find_links=reader.find_links(pip, pip_prefix) + reader.find_links(table, prefix),
        no_index=single("no-index", check_bool),
        index_strategy=single("index-strategy", choice(INDEX_STRATEGIES)),
        keyring_provider=single("keyring-provider", choice(KEYRING_PROVIDERS)),
        no_cache=reader.scalar(table, "no-cache", prefix, check_bool),
        no_sources=single("no-sources", check_bool),
        no_sources_package=both("no-sources-package", _check_package_name, "strings"),
        # The target's keys (uv pip compile's): python-version, python-platform and
        # only-binary are [pip]'s only; no-binary is a bool at the top level and a list
        # in [pip]; prerelease and exclude-newer are read from both ([pip] first).
        python_version=reader.scalar(
            pip, "python-version", pip_prefix, _target_check(check_python_version)
        ),
        python_platform=reader.scalar(
            pip, "python-platform", pip_prefix, _target_check(check_platform)
        ),
        prerelease=single("prerelease", _target_check(check_prerelease)),
        exclude_newer=single("exclude-newer", _check_exclude_newer),
        only_binary=reader.strings(pip, "only-binary", pip_prefix, _check_specifier, "strings"),
        no_binary=reader.strings(pip, "no-binary", pip_prefix, _check_specifier, "strings"),
        no_binary_all=reader.scalar(table, "no-binary", prefix, check_bool),
        no_binary_package=reader.strings(
            table, "no-binary-package", prefix, _check_package_name, "strings"
        ),
    )


def _target_check(check: Callable[[str], object]) -> Callable[[object], str]:
    """A check of one of the target's values with the function :class:`Target` uses
    (:mod:`indexclient.target`); the value is kept as written."""

    def checked(value: object) -> str:
        if not isinstance(value, str):
            raise Invalid(f"expected a string, got {describe(value)}")
        try:
            check(value)
        except ConfigurationError as exc:
            raise Invalid(exc.problems[0].message) from None
        return value

    return checked


def _check_exclude_newer(value: object) -> str:
    """uv's ``exclude-newer``: a date, a timestamp or a duration, or ``false`` (off)."""
    if value is False:
        return "false"
    if value is True:
        raise Invalid("expected false to turn exclude-newer off, got true")
    return _target_check(parse_exclude_newer)(value)


def _check_specifier(value: str) -> str:
    """An entry of ``only-binary``/``no-binary`` (uv's ``PackageNameSpecifier``)."""
    if value in (":all:", ":none:"):
        return value
    if not _PACKAGE_NAME.fullmatch(value):
        raise Invalid(f"{shown(value)!r} is not :all:, :none: or a project name (PEP 508)")
    return value


_PACKAGE_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE | re.ASCII)


def _check_package_name(value: str) -> str:
    if not _PACKAGE_NAME.fullmatch(value):
        raise Invalid(f"{shown(value)!r} is not a valid project name (PEP 508)")
    return value


def read_index_tables(
    table: Mapping[str, Any], prefix: str, path: str
) -> tuple[tuple[IndexSpec, ...], Problems]:
    """The ``[[index]]`` tables of ``table`` (a file's ``[tool.uv]``, written ``prefix``
    in messages) as index specs, and the problems found: for a pyproject.toml whose
    pins are read although it is not the configuration in effect."""
    problems = Problems()
    reader = _Reader(path, problems)
    entries = reader.indexes(table, prefix)
    return tuple(e.value.spec(e.origin) for e in entries), problems


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
