"""A project's requirements and their pins, read as ``uv pip compile pyproject.toml``
reads them.

``[project].dependencies`` (and, for each extra asked for, its
``[project.optional-dependencies]``), with the file's ``[tool.uv.sources]``: a source
``pkg = { index = "name" }`` pins every requirement on ``pkg`` to that index, which
alone is asked about it (an explicit index is asked about nothing else). A source may
be a list of such tables, each with a ``marker`` (evaluated for the running
interpreter), an ``extra`` (it pins the requirements of that extra only) or a
``group`` (it pins a dependency group's, which indexclient does not read). The index
a pin names is looked up as uv looks it up: among the indexes given on the command
line or in the environment first, then the file's own ``[[tool.uv.index]]`` tables;
an index defined only in a ``uv.toml`` cannot be pinned to (uv's rule, and its hint).
The file's other indexes are not searched for anything else: they serve its pins.

A source indexclient cannot serve (``git``, ``path``, ``url``, ``workspace``) is a
configuration error naming the project and the kind, when it applies to a requirement
read; so are dependencies the project declares ``dynamic`` (they need a build).
Requirements on the command line and in requirements files are never pinned (uv pip's
rule), unless their project is also pinned here: pins hold per project for a whole run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name

from indexclient.errors import ConfigurationError
from indexclient.select import parsed_requirement, requirement_problem
from indexclient.settings import IndexSpec, Settings
from indexclient.settings.files import load_toml, read_index_tables
from indexclient.settings.files._checks import Invalid, describe
from indexclient.settings.values import Problems

__all__ = ["ProjectRequirements", "is_pyproject", "read_pyproject"]

#: The kinds of ``[tool.uv.sources]`` entries that are not an index.
_OTHER_SOURCES = ("git", "path", "url", "workspace")
#: What an index source may hold besides ``index``.
_INDEX_SOURCE_KEYS = frozenset({"index", "marker", "extra", "group"})


def is_pyproject(path: str) -> bool:
    """Whether a ``-r`` file is a project's pyproject.toml (by name, as uv decides)."""
    return Path(path).name == "pyproject.toml"


@dataclass(frozen=True, slots=True)
class ProjectRequirements:
    """What a pyproject.toml asks for: ``requirements`` (PEP 508 strings, dependencies
    first, then each extra's), ``pins`` (normalised project name to the index it must
    come from; pass to :meth:`IndexClient.metadata_for`) and the file's own
    ``indexes`` (``[[tool.uv.index]]``)."""

    __module__ = "indexclient"

    path: str
    requirements: tuple[str, ...]
    pins: Mapping[str, IndexSpec]
    indexes: tuple[IndexSpec, ...]


def read_pyproject(
    path: str,
    *,
    extras: Sequence[str] = (),
    all_extras: bool = False,
    settings: Settings | None = None,
) -> ProjectRequirements:
    """Read ``path`` as ``uv pip compile`` reads a pyproject.toml (see the module
    docstring): its dependencies, the optional dependencies of ``extras`` (or all of
    them), and their pins, looked up in ``settings`` (flags and environment first) and
    the file's own indexes. ``settings.no_sources`` (uv's ``no-sources``) drops every
    pin, ``settings.no_sources_package`` those of the projects it names.

    Raises ConfigurationError listing every problem (an unknown extra, a pin to an
    undeclared index, a source that is not an index...), each naming the file.
    """
    problems = Problems()
    try:
        document = load_toml(Path(path))
    except Invalid as exc:
        raise ConfigurationError.single(f"-r {path}", f"cannot read the project: {exc}") from None
    project = document.get("project")
    if not isinstance(project, dict):
        raise ConfigurationError.single(
            f"-r {path}", "no [project] table: indexclient reads [project].dependencies"
        )
    tool = document.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    uv = uv if isinstance(uv, dict) else {}
    own_indexes, index_problems = read_index_tables(uv, "tool.uv.", path)
    problems.extend(index_problems.problems, warnings=index_problems.warnings)

    given = _requirements(project, path, extras, all_extras, problems)
    sources = uv.get("sources", {})
    if not isinstance(sources, dict):
        problems.add(f"tool.uv.sources in {path}", f"expected a table, got {describe(sources)}")
        sources = {}
    skipped = _without_sources(settings)
    pins: dict[str, IndexSpec] = {}
    for text, extra in given:
        if requirement_problem(text) is not None:
            continue  # reported by _requirements
        name = canonicalize_name(parsed_requirement(text).name)
        entry = _source_of(sources, name)
        if entry is None or skipped is True or (skipped is not False and name in skipped):
            continue
        index_name = _pinned_index(entry, name, extra, path, problems)
        if index_name is None:
            continue
        spec = _lookup(index_name, settings, own_indexes)
        if spec is None:
            problems.add(
                f"tool.uv.sources.{name} in {path}",
                f"the project {name!r} is pinned to index {index_name!r}, which is not declared",
            )
            problems.hints.append(_undeclared_hint(index_name, settings))
            continue
        earlier = pins.setdefault(name, spec)
        if earlier != spec:
            problems.add(
                f"tool.uv.sources.{name} in {path}",
                f"{name!r} is pinned to two indexes ({earlier.name!r} and {spec.name!r}) "
                "for the requirements read",
            )
    problems.raise_if_any(stacklevel=2)
    return ProjectRequirements(path, tuple(t for t, _ in given), pins, own_indexes)


def _requirements(
    project: Mapping[str, Any],
    path: str,
    extras: Sequence[str],
    all_extras: bool,
    problems: Problems,
) -> list[tuple[str, str | None]]:
    """The requirement strings read, each with the extra it came from (None for the
    dependencies); every problem recorded."""
    where = f"project.dependencies in {path}"
    dynamic = project.get("dynamic", [])
    if isinstance(dynamic, list) and "dependencies" in dynamic:
        problems.add(
            where, "the dependencies are dynamic: they need a build, which indexclient does not do"
        )
    found: list[tuple[str, str | None]] = [
        (text, None) for text in _strings(project.get("dependencies", []), where, problems)
    ]
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        problems.add(
            f"project.optional-dependencies in {path}",
            f"expected a table, got {describe(optional)}",
        )
        optional = {}
    by_extra = {canonicalize_name(str(k)): (str(k), v) for k, v in optional.items()}
    wanted = list(by_extra) if all_extras else [canonicalize_name(e) for e in extras]
    for extra in wanted:
        if extra not in by_extra:
            known = ", ".join(sorted(by_extra)) or "none"
            problems.add(f"--extra {extra}", f"{path} has no such extra (its extras: {known})")
            continue
        key, value = by_extra[extra]
        texts = _strings(value, f"project.optional-dependencies.{key} in {path}", problems)
        found += [(text, extra) for text in texts]
    for text, _ in found:
        reason = requirement_problem(text)
        if reason is not None:
            problems.add(f"requirement {text!r} ({path})", f"not a PEP 508 requirement: {reason}")
    return found


def _strings(value: object, where: str, problems: Problems) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(where, f"expected a list of requirement strings, got {describe(value)}")
        return []
    return [v.strip() for v in value]


def _source_of(sources: Mapping[str, Any], name: NormalizedName) -> object:
    for key, entry in sources.items():
        if canonicalize_name(str(key)) == name:
            return entry
    return None


def _pinned_index(
    entry: object, name: NormalizedName, extra: str | None, path: str, problems: Problems
) -> str | None:
    """The index ``entry`` pins a requirement of ``extra`` to, or None."""
    where = f"tool.uv.sources.{name} in {path}"
    tables = entry if isinstance(entry, list) else [entry]
    for table in tables:
        if not isinstance(table, dict):
            problems.add(where, f"expected a table, got {describe(table)}")
            return None
        kind = next((k for k in _OTHER_SOURCES if k in table), None)
        if kind is not None:
            problems.add(
                where,
                f"a {kind} source cannot be served by an index client: indexclient "
                'reads indexes only (pins with index = "name")',
            )
            return None
        if "index" not in table or not isinstance(table["index"], str):
            problems.add(where, 'expected a source with index = "name"')
            return None
        unknown = sorted(set(table) - _INDEX_SOURCE_KEYS)
        if unknown:
            problems.add(where, f"unknown key {unknown[0]!r} in an index source")
            return None
        if "group" in table:
            continue  # a dependency group's pin: indexclient reads no groups
        if "extra" in table and canonicalize_name(str(table["extra"])) != extra:
            continue
        if "marker" in table and not _marker_holds(table["marker"], where, problems):
            continue
        return str(table["index"])
    return None


def _marker_holds(marker: object, where: str, problems: Problems) -> bool:
    """Whether a source's ``marker`` holds for the running interpreter."""
    if not isinstance(marker, str):
        problems.add(where, f"marker: expected a string, got {describe(marker)}")
        return False
    # Parsed as a requirement's marker: the requirement parser is the one seam that
    # loads packaging's markers (CONTRIBUTING.md, "Imports").
    text = f"x ; {marker}"
    reason = requirement_problem(text)
    if reason is not None:
        problems.add(where, f"marker: {reason}")
        return False
    parsed = parsed_requirement(text).marker
    return parsed is None or parsed.evaluate({"extra": ""})


def _without_sources(settings: Settings | None) -> bool | set[NormalizedName]:
    """True when no pin applies (uv's ``no-sources``), else the projects without (a
    set, never False)."""
    if settings is None:
        return set()
    if settings.no_sources.value:
        return True
    return {canonicalize_name(v.value) for v in settings.no_sources_package}


def _lookup(name: str, settings: Settings | None, own: Sequence[IndexSpec]) -> IndexSpec | None:
    """uv's lookup of a pinned index: the indexes given on the command line or in the
    environment (not explicit), then the project's own."""
    if settings is not None and not settings.no_index.value:
        for spec in settings.configured_indexes():
            given = spec.origin.kind in ("flag", "env", "api")
            if given and not spec.explicit and spec.name == name:
                return spec
    return next((spec for spec in own if spec.name == name), None)


def _undeclared_hint(name: str, settings: Settings | None) -> str:
    elsewhere = settings.named_index(name) if settings is not None else None
    if elsewhere is not None and elsewhere.origin.kind == "file":
        return (
            f"index {name!r} is defined in {elsewhere.origin.path}, but indexes referenced "
            "from [tool.uv.sources] must be defined in the project's pyproject.toml (as in uv)"
        )
    return f'add [[tool.uv.index]] with name = "{name}" to the pyproject.toml'
