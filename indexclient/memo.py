"""Answers computed from cached pages, kept in the cache so a repeat run skips the work.

A warm run of ``indexclient metadata`` reads every page and metadata file from the
cache; parsing them and choosing versions again would then be most of its time. The
memo stores the answer (a :class:`~indexclient.select.Selection`) under a key naming
everything it depends on: the page's final URL, content type and body digest, the
requirement, and the interpreter and code that chose. Anything else changes the key,
so a memo is never stale, only unused.
"""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
from datetime import datetime
from typing import Any

from packaging import __version__ as packaging_version
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from indexclient import __version__
from indexclient.select import Selection
from indexclient.simple.models import (
    FAST_FIELDS,
    DistributionFile,
    FrozenDict,
    new_distribution_file,
)

__all__ = [
    "CODE_VERSION",
    "interpreter_fingerprint",
    "selection_from_json",
    "selection_key",
    "selection_to_json",
]

#: The code that computes remembered answers: another release may answer differently.
CODE_VERSION = f"indexclient {__version__} packaging {packaging_version}"


@functools.cache
def interpreter_fingerprint() -> str:
    """What file selection depends on besides the page and the requirement: this
    interpreter's version and platform (its wheel tags and Python version), the C
    library's version (manylinux tags), and the versions of the code that chooses."""
    libc = ""
    if hasattr(os, "confstr"):
        try:
            libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (OSError, ValueError):
            libc = ""
    return " ".join(
        (
            "selection-1",
            CODE_VERSION,
            sys.implementation.cache_tag or sys.implementation.name,
            sys.version.split()[0],
            sysconfig.get_platform(),
            libc,
        )
    )


def selection_key(url: str, content_type: str | None, digest: str, requirement: str) -> str:
    """The memo key of choosing ``requirement`` from the page at ``url``."""
    return "\n".join((interpreter_fingerprint(), url, content_type or "", digest, requirement))


# Every field of a file but its parsed-filename cache, in new_distribution_file's order:
# a file is stored as the list of these values.
_STORED_FIELDS = FAST_FIELDS[:-1]


def _file_to_json(file: DistributionFile) -> list[Any]:
    values: list[Any] = []
    for name in _STORED_FIELDS:
        value = getattr(file, name)
        if isinstance(value, FrozenDict):
            value = dict(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        values.append(value)
    return values


def _file_from_json(values: object) -> DistributionFile:
    if not isinstance(values, list) or len(values) != len(_STORED_FIELDS):
        raise ValueError("not a stored file")
    filename, url, hashes, requires_python, yanked, core, gpg_sig, size, upload, provenance = values
    return new_distribution_file(
        str(filename),
        str(url),
        FrozenDict(hashes),
        requires_python,
        yanked,
        None if core is None else FrozenDict(core),
        gpg_sig,
        size,
        None if upload is None else datetime.fromisoformat(upload),
        provenance,
    )


def selection_to_json(selection: Selection) -> dict[str, Any]:
    """``selection`` as JSON-serialisable data."""
    return {
        "name": selection.name,
        "version": str(selection.version),
        "files": [_file_to_json(f) for f in selection.files],
    }


def selection_from_json(data: object) -> Selection | None:
    """The Selection stored by :func:`selection_to_json`, or None if ``data`` is not one
    (a memo written by another release, or damaged)."""
    if not isinstance(data, dict):
        return None
    try:
        files = tuple(_file_from_json(f) for f in data["files"])
        if not files:
            return None
        return Selection(canonicalize_name(data["name"]), Version(data["version"]), files)
    except (KeyError, TypeError, ValueError, InvalidVersion):
        return None
