"""What a distribution's filename says: kind, project name, version, build tag, tags.

Parsing is delegated to :mod:`packaging.utils`. It is not free (a wheel name builds a
:class:`~packaging.version.Version` and a set of :class:`~packaging.tags.Tag`), so the
page parsers never call it: :class:`~indexclient.simple.models.DistributionFile` calls
:func:`parse_filename` the first time one of its filename properties is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from packaging.tags import Tag
from packaging.utils import (
    BuildTag,
    NormalizedName,
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
