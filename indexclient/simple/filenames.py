"""What a distribution's filename says: kind, project name, version, build tag, tags.

The rules and error messages are :mod:`packaging.utils`'s. Parsing is not free (a
wheel name builds a :class:`~packaging.version.Version` and a set of
:class:`~packaging.tags.Tag`), so the page parsers never call it:
:class:`~indexclient.simple.models.DistributionFile` calls :func:`parse_filename` the
first time one of its filename properties is read.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from packaging.tags import Tag, parse_tag
from packaging.utils import (
    BuildTag,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

__all__ = ["FileKind", "FilenameInfo", "parse_filename"]

#: ``"wheel"`` and ``"sdist"`` for filenames that parse as such; ``"unknown"`` for
#: everything else (eggs, installers, legacy ``.tar.bz2`` sdists, malformed names).
FileKind = Literal["wheel", "sdist", "unknown"]

# The binary distribution format spec and the sdist spec (".tar.gz" and ".zip" only:
# PEP 625) are what packaging implements; other archive suffixes are "unknown".
_SDIST_SUFFIXES = (".tar.gz", ".zip")


@dataclass(frozen=True, slots=True)
class FilenameInfo:
    """The parts of a distribution filename.

    ``kind`` is ``"unknown"`` whenever the name could not be parsed; then ``error``
    says why and ``name``/``version`` are ``None``. An sdist has no build tag and no
    tags.
    """

    __module__ = "indexclient"

    kind: FileKind
    name: NormalizedName | None = None
    version: Version | None = None
    build_tag: BuildTag = ()
    tags: frozenset[Tag] = frozenset()
    error: str | None = None


def parse_filename(filename: str) -> FilenameInfo:
    """Parse a wheel or sdist filename; never raises.

    Anything that is not a valid wheel or ``.tar.gz``/``.zip`` sdist name gives
    ``FilenameInfo(kind="unknown", error=...)``.
    """
    # The shortcuts answer only for names every supported packaging release accepts,
    # with packaging's own values; anything else, errors included, is left to
    # packaging so that its verdict and message are the ones kept.
    info: FilenameInfo | None = None
    if filename.endswith(".whl"):
        info = _common_wheel(filename)
    elif filename.endswith(_SDIST_SUFFIXES):
        info = _common_sdist(filename)
    return info if info is not None else _parse_with_packaging(filename)


def _parse_with_packaging(filename: str) -> FilenameInfo:
    """:func:`parse_filename` by packaging's functions alone (tests compare the two)."""
    lower = filename.lower()
    try:
        if lower.endswith(".whl"):
            name, version, build, tags = parse_wheel_filename(filename)
            return FilenameInfo("wheel", name, version, build, tags)
        if lower.endswith(_SDIST_SUFFIXES):
            name, version = parse_sdist_filename(filename)
            return FilenameInfo("sdist", name, version)
    except ValueError as exc:
        # InvalidWheelFilename, InvalidSdistFilename and InvalidVersion are all
        # ValueErrors; older packaging releases let the latter escape directly.
        return FilenameInfo("unknown", error=str(exc) or type(exc).__name__)
    if not filename:
        return FilenameInfo("unknown", error="empty filename")
    return FilenameInfo(
        "unknown", error=f"not a wheel or a .tar.gz/.zip sdist filename: {filename!r}"
    )


def version_text(filename: str) -> str | None:
    """The part of ``filename`` :func:`parse_filename` reads the version from, found
    without parsing anything; ``None`` when the name is neither a wheel's nor an sdist's.

    Whenever :func:`parse_filename` gives a version, it is ``Version`` of this text
    (packaging's rules: a wheel's second dash-separated field, an sdist's text after
    its last dash). The converse does not hold: a text is also given for names whose
    other parts then fail to parse. Choosing a version groups a page's files by it,
    so that only the files of the versions looked at are parsed.
    """
    if filename.endswith(".whl"):
        parts = filename.split("-", 2)
        dashes = filename.count("-")
        return parts[1] if dashes == 4 or dashes == 5 else None  # noqa: PLR1714
    if filename.endswith(".tar.gz"):
        stem = filename[:-7]
    elif filename.endswith(".zip"):
        stem = filename[:-4]
    else:
        return None
    _, dash, text = stem.rpartition("-")
    return text if dash else None


def version_texts(filenames: Sequence[str]) -> list[str]:
    """:func:`version_text` of each of ``filenames``, ``""`` where it is None (no
    version is spelled ""). The same rules in one loop, without a call per name: a page
    has thousands of files (a property test checks the two agree)."""
    wheels = _wheel_version_texts(filenames)
    if wheels is not None:
        return wheels
    texts: list[str] = []
    append = texts.append
    for name in filenames:
        if name.endswith(".whl"):
            dashes = name.count("-")
            append(name.split("-", 2)[1] if dashes == 4 or dashes == 5 else "")  # noqa: PLR1714
        elif name.endswith(".tar.gz"):
            append(name[:-7].rpartition("-")[2] if "-" in name[:-7] else "")
        elif name.endswith(".zip"):
            append(name[:-4].rpartition("-")[2] if "-" in name[:-4] else "")
        else:
            append("")
    return texts


def _wheel_version_texts(filenames: Sequence[str]) -> list[str] | None:
    """:func:`version_texts` when every name is a wheel's with the same number of
    dashes, 4 or 5 (many pages: one kind of file, all with or all without a build
    tag), else None. No Python step per name: the names are joined by newlines and
    split at dashes; when each newline falls in every so many-th field, each name has
    that many dashes, and every name's second field is taken by one slice."""
    count = len(filenames)
    if not count:
        return None
    joined = "\n".join(filenames)
    each = filenames[0].count("-")
    if (
        each not in (4, 5)
        or joined.count("\n") != count - 1  # no name holds a newline
        or joined.count(".whl\n") != count - 1
        or not joined.endswith(".whl")
    ):
        return None
    fields = joined.split("-")
    if len(fields) != each * count + 1:
        return None
    # The fields holding the count - 1 newlines between names, if the names have
    # `each` dashes apiece: with one newline in each, every name has.
    between = fields[each : each * (count - 1) + 1 : each]
    if not all(map(operator.contains, between, itertools.repeat("\n"))):
        return None
    return fields[1::each]


# Wheel project names every packaging release since 24 accepts ("__" is rejected
# separately). ASCII only, to stay clear of where releases differ: empty names,
# a trailing newline.
_WHEEL_NAME = re.compile(r"[A-Za-z0-9._]+", re.ASCII)
# A build tag both the older pattern, r"(\d+)(.*)", and the newer, r"(\d+)(.*)\Z"
# with re.ASCII, split the same way.
_BUILD_TAG = re.compile(r"([0-9]+)([A-Za-z0-9._]*)", re.ASCII)


def _common_wheel(filename: str) -> FilenameInfo | None:
    """``parse_wheel_filename``'s answer for a name it accepts, else ``None``."""
    stem = filename[:-4]
    dashes = stem.count("-")
    build: BuildTag
    if dashes == 4:
        name_part, version_part, tag_text = stem.split("-", 2)
        build = ()
    elif dashes == 5:
        name_part, version_part, build_part, tag_text = stem.split("-", 3)
        match = _BUILD_TAG.fullmatch(build_part)
        if match is None:
            return None
        try:
            build = (int(match[1]), match[2])
        except ValueError:  # more digits than int() converts
            return None
    else:
        return None
    if "__" in name_part or _WHEEL_NAME.fullmatch(name_part) is None:
        return None
    tags = _wheel_tags(tag_text)
    if tags is None:
        return None
    try:
        version = _version(version_part)
    except ValueError:
        return None
    return _new_info("wheel", _canonical_name(name_part), version, build, tags)


def _common_sdist(filename: str) -> FilenameInfo | None:
    """``parse_sdist_filename``'s answer for a name it accepts, else ``None``."""
    stem = filename[:-7] if filename.endswith(".tar.gz") else filename[:-4]
    name_part, _, version_part = stem.rpartition("-")
    if not name_part:
        return None
    try:
        version = _version(version_part)
    except ValueError:
        return None
    return _new_info("sdist", _canonical_name(name_part), version, (), _NO_TAGS)


@functools.lru_cache(maxsize=1024)
def _wheel_tags(text: str) -> frozenset[Tag] | None:
    # A page's wheels repeat a handful of tag strings, and building the Tag set was
    # most of the cost of parsing a wheel name. Tags and frozensets are immutable, so
    # files may share one. None: packaging rejects the tags (parse_wheel_filename
    # calls parse_tag exactly so).
    try:
        return parse_tag(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def _version(text: str) -> Version:
    # Every file of a release spells its version the same way; Version is immutable
    # and caches its hash, so sharing one also makes grouping files by version cheaper.
    return Version(text)


def version_of(text: str) -> Version:
    """``Version(text)``, shared with :func:`parse_filename` (which then finds it
    built). Raises :class:`packaging.version.InvalidVersion` as Version does."""
    return _version(text)


# Every file of a page spells its project's name the same way.
_canonical_name = functools.lru_cache(maxsize=1024)(canonicalize_name)


# A frozen dataclass's __init__ sets each field through object.__setattr__; setting the
# slots through their descriptors takes half the time, which shows on pages of
# thousands of files (the same device as models.new_distribution_file).
# tests/simple/test_simple_filenames.py checks that this covers exactly the dataclass's fields.
_INFO_FIELDS = ("kind", "name", "version", "build_tag", "tags", "error")
_set_kind, _set_name, _set_version, _set_build_tag, _set_tags, _set_error = (
    getattr(FilenameInfo, name).__set__ for name in _INFO_FIELDS
)
_NO_TAGS: frozenset[Tag] = frozenset()


def _new_info(
    kind: FileKind,
    name: NormalizedName,
    version: Version,
    build: BuildTag,
    tags: frozenset[Tag],
) -> FilenameInfo:
    """``FilenameInfo(kind, name, version, build, tags)`` for a parsed name."""
    info = object.__new__(FilenameInfo)
    _set_kind(info, kind)
    _set_name(info, name)
    _set_version(info, version)
    _set_build_tag(info, build)
    _set_tags(info, tags)
    _set_error(info, None)
    return info
