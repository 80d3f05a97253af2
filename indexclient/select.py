"""Choosing files from a project page for a requirement (no IO).

The rules installers use: the newest version the specifier admits (pre-releases only
when the specifier asks for them or nothing else matches, as packaging decides); yanked
files skipped unless the requirement pins that exact version with ``==`` (PEP 592);
files whose Requires-Python excludes the target interpreter skipped; within the chosen
version, compatible wheels first (in the interpreter's tag preference order), then
sdists, then wheels for other platforms.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from packaging.tags import Tag, sys_tags
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from indexclient.errors import ConfigurationError
from indexclient.settings.values import IndexSpec
from indexclient.simple.models import DistributionFile, ProjectPage

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

__all__ = ["Selection", "project_name", "select_files"]

# A PEP 508 name alone: a valid requirement with no version, extras, URL or marker.
_PLAIN_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE | re.ASCII)


def is_plain_name(text: str) -> bool:
    """Whether ``text`` is a project name alone, which needs no requirement parser:
    a run answered from the cache then never imports packaging's (nor its markers).

    ASCII only and matched whole (some packaging releases matched with ``$`` and not in
    ASCII mode, letting a trailing newline and non-ASCII letters through): this is also
    the check of :func:`project_name`.
    """
    return _PLAIN_NAME.fullmatch(text) is not None


def project_name(name: str) -> NormalizedName:
    """``name`` normalised (PEP 503), once it is known to be a valid name (PEP 508).

    Names become URL paths and file names: an invalid one (``../admin``, ``a/b``,
    ``x?y``, ``%2e%2e``, empty) is a :class:`~indexclient.errors.ConfigurationError`
    before anything is asked of an index (docs/security.md, "Names").
    """
    if not is_plain_name(name):
        raise ConfigurationError.single(
            f"project name {name!r}",
            "not a valid project name (PEP 508: ASCII letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit)",
        )
    return canonicalize_name(name)


@dataclass(frozen=True, slots=True)
class Selection:
    """The version chosen for a requirement and its files, best first, and the index
    (or find-links location) the best file came from: ``index.url`` (which may hold
    credentials: show it through :func:`indexclient.urls.redact_url`) and
    ``index.name``. ``index`` is None only for a selection made from a page alone
    (:func:`select_files`)."""

    __module__ = "indexclient"

    name: NormalizedName
    version: Version
    files: tuple[DistributionFile, ...]
    index: IndexSpec | None = None

    @property
    def best(self) -> DistributionFile:
        """The preferred file (a compatible wheel when there is one)."""
        return self.files[0]


def _pinned_versions(specifier: SpecifierSet) -> set[Version]:
    """Versions a requirement pins exactly with ``==`` (no wildcard), which may be yanked."""
    pinned = set()
    for spec in specifier:
        if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
            try:
                pinned.add(Version(spec.version))
            except ValueError:
                continue
    return pinned


def _requirements() -> ModuleType:
    """:mod:`indexclient.requirements`, loaded the first time a requirement is more than
    a name or a Requires-Python must be read (the seam: see that module)."""
    from indexclient import requirements

    return requirements


def parsed_requirement(text: str) -> Requirement:
    """``Requirement(text)``, parsed once per process (callers share the object, so they
    must not change it). Raises packaging's InvalidRequirement."""
    parsed: Requirement = _requirements().parse(text)
    return parsed


def requirement_problem(text: str) -> str | None:
    """Why ``text`` is not a PEP 508 requirement, or None when it is one."""
    if is_plain_name(text):
        return None
    found: str | None = _requirements().problem(text)
    return found


def _requires_python(text: str) -> SpecifierSet | None:
    specifier: SpecifierSet | None = _requirements().requires_python(text)
    return specifier


def _python_admitted(requires_python: str, python: Version) -> bool:
    specifier = _requires_python(requires_python)
    # An unparsable Requires-Python is ignored, as pip and uv do, not fatal.
    return specifier is None or specifier.contains(python, prereleases=True)


@functools.cache
def _running_python() -> Version:
    return Version(".".join(map(str, sys.version_info[:3])))


def select_files(
    page: ProjectPage,
    requirement: Requirement | str,
    *,
    python_version: Version | str | None = None,
    tags: Sequence[Tag] | None = None,
) -> Selection | None:
    """The newest acceptable version of ``requirement`` on ``page`` and its files.

    ``python_version`` and ``tags`` describe the target interpreter (the running one by
    default). Returns None when no file is acceptable.
    """
    req = parsed_requirement(requirement) if isinstance(requirement, str) else requirement
    if python_version is None:
        python = _running_python()
    else:
        python = python_version if isinstance(python_version, Version) else Version(python_version)
    tag_rank = _rank(tuple(tags)) if tags is not None else _interpreter_rank()
    pinned = _pinned_versions(req.specifier)

    # Most files of a page repeat one Requires-Python. The verdicts are kept for this
    # call only: a cache across calls would be keyed by Version equality, which
    # "===" specifiers do not respect ("3.11" == "3.11.0" as Versions, not for "===").
    python_verdicts: dict[str, bool] = {}
    by_version: dict[Version, list[DistributionFile]] = {}
    for file in page.files:
        info = file.filename_info
        version = info.version
        if version is None or info.kind == "unknown":
            continue
        if file.yanked is not None and version not in pinned:
            continue
        requires_python = file.requires_python
        if requires_python:
            admitted = python_verdicts.get(requires_python)
            if admitted is None:
                admitted = _python_admitted(requires_python, python)
                python_verdicts[requires_python] = admitted
            if not admitted:
                continue
        files = by_version.get(version)
        if files is None:
            by_version[version] = [file]
        else:
            files.append(file)

    # Only the winning version's files are ordered, so only theirs need tags.
    best = max(req.specifier.filter(by_version), default=None)
    if best is None:
        return None
    files = by_version[best]
    if len(files) > 1:
        files.sort(key=lambda f: _preference(f, tag_rank))
    return Selection(canonicalize_name(req.name), best, tuple(files))


@functools.cache
def _interpreter_rank() -> dict[Tag, int]:
    # sys_tags() yields some 900 tags; building the ranking once per process matters
    # when a thousand requirements are chosen at once.
    return _rank(tuple(sys_tags()))


def _rank(tags: tuple[Tag, ...]) -> dict[Tag, int]:
    return {tag: rank for rank, tag in enumerate(tags)}


def _preference(file: DistributionFile, tag_rank: dict[Tag, int]) -> tuple[int, int, str]:
    if file.is_wheel:
        best = min((rank for t in file.tags if (rank := tag_rank.get(t)) is not None), default=None)
        if best is not None:
            return (0, best, file.filename)
        return (2, 0, file.filename)
    return (1, 0, file.filename)
