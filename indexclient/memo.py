"""Answers computed from cached pages, kept in the cache so a repeat run skips the work.

A warm run of ``indexclient metadata`` reads every page and metadata file from the
cache; parsing them and choosing versions again would then be most of its time. The
memo stores the answer (a :class:`~indexclient.select.Selection`) under a key naming
everything it depends on: the page's final URL, content type and body digest, the
requirement, and the interpreter and code that chose. Anything else changes the key,
so a memo is never stale, only unused.

:class:`Memo` keeps the answers beside the HTTP cache's entries, in the cache's
database (:func:`~indexclient.transport.cache.open_store`): one row per kind and key,
holding the key and the value as JSON, each written in one transaction.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from packaging import __version__ as packaging_version
from packaging.version import InvalidVersion, Version

from indexclient._version import __version__
from indexclient.errors import DigestMismatchError
from indexclient.select import Selection
from indexclient.simple.metadata import CoreMetadata, canonical_name, verify_digest
from indexclient.simple.models import (
    FAST_FIELDS,
    DistributionFile,
    FrozenDict,
    new_distribution_file,
)
from indexclient.target import Target
from indexclient.transport.cache import open_store, row_id, stored_json
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.transport.store import Store

__all__ = [
    "CODE_VERSION",
    "Memo",
    "MetadataSource",
    "RememberedSelection",
    "interpreter_fingerprint",
    "metadata_key",
    "selection_from_json",
    "selection_key",
    "selection_to_json",
    "sha256_of",
]

#: The code that computes remembered answers: another release may answer differently.
CODE_VERSION = f"indexclient {__version__} packaging {packaging_version}"
# 2: pages are checked for links they may not have (docs/security.md, "Links"); a
# selection remembered by an earlier version may hold one, so none is read back.
_MAGIC = b"indexclient-memo-2\n"


class Memo:
    """Remembered answers under ``directory`` (the HTTP cache's directory), by kind.

    A value is JSON, stored with its key: it is only ever returned for its own key, and
    a row that is absent, damaged or of another format is no answer (it is computed
    again and rewritten). A memo that cannot be written is only a slower client.
    """

    __slots__ = ("_root", "_store")

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self._root = os.fspath(directory)
        self._store: Store | None = None  # opened on first use

    def _db(self) -> Store:
        store = self._store
        if store is None:
            store = self._store = open_store(self._root)
        return store

    def get(self, kind: str, key: str) -> object | None:
        """The JSON value stored for ``key`` under ``kind``, or None (absent, corrupt).

        ``key`` must name everything the value was computed from (the body's digest,
        the question asked, the versions of the code that answered it)."""
        data = self._db().value(row_id(f"{kind}\n{key}"))
        return None if data is None else _decode(data, key)

    def read_ahead(self, kind: str, keys: Sequence[str]) -> None:
        """Read the values of ``keys`` under ``kind`` now, in a batch, for :meth:`get`
        to give in this event loop iteration (the same values either way; see
        :meth:`~indexclient.transport.store.Store.read_ahead_values`)."""
        if keys:
            self._db().read_ahead_values([row_id(f"{kind}\n{key}") for key in keys])

    def put(self, kind: str, key: str, value: object) -> None:
        """Store a JSON-serialisable ``value`` for ``key`` under ``kind``."""
        data = json.dumps({"key": key, "value": value}, separators=(",", ":"))
        self._db().put_value(row_id(f"{kind}\n{key}"), _MAGIC + data.encode())


def _decode(data: bytes, key: str) -> object | None:
    """The value stored as ``data`` for ``key``; None when it is not one."""
    if not data.startswith(_MAGIC):
        return None
    try:
        stored = stored_json(data[len(_MAGIC) :])
    except ValueError:  # truncated or corrupt: computed again and rewritten
        return None
    # The key is stored too: a value is only ever returned for its own question.
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("value")


@functools.cache
def interpreter_fingerprint() -> str:
    """What file selection depends on besides the page and the requirement: this
    interpreter's version and platform (its wheel tags and Python version), the C
    library's version (manylinux tags), the macOS version (macosx tags), and the
    versions of the code that chooses. "selection-2" changes with the memo's format or
    the rules of choosing (2: uv's rules and targets, :mod:`indexclient.target`)."""
    system = ""
    if sys.platform == "darwin":
        system = platform.mac_ver()[0]
    elif hasattr(os, "confstr"):
        with contextlib.suppress(OSError, ValueError):
            system = os.confstr("CS_GNU_LIBC_VERSION") or ""
    return " ".join(
        (
            "selection-2",
            CODE_VERSION,
            sys.implementation.cache_tag or sys.implementation.name,
            sys.version.split()[0],
            sysconfig.get_platform(),
            system,
        )
    )


def metadata_key(sha256: str) -> str:
    """The memo key of the parse of the metadata bytes with this sha256 (hex)."""
    return f"metadata-1 {CODE_VERSION}\nsha256:{sha256}"


def selection_key(
    url: str,
    content_type: str | None,
    digest: str,
    requirement: str,
    target: Target | None = None,
) -> str:
    """The memo key of choosing ``requirement`` from the page at ``url`` for ``target``
    (the running interpreter when None): a warm run for another target never gets this
    one's answer."""
    fingerprint = "current" if target is None or target.is_default else target.fingerprint()
    return "\n".join(
        (interpreter_fingerprint(), fingerprint, url, content_type or "", digest, requirement)
    )


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
        return Selection(canonical_name(data["name"]), Version(data["version"]), files)
    except (KeyError, TypeError, ValueError, InvalidVersion):
        return None


#: How a file's core metadata was obtained: its PEP 658 file, range requests into the
#: wheel, the whole wheel, or the sdist's PKG-INFO.
MetadataSource: TypeAlias = Literal["pep658", "range", "wheel", "sdist"]

# Metadata read from the distribution itself: determined by the file's bytes, named by
# the sha256 the page gives for the file.
_FROM_THE_FILE = frozenset({"range", "wheel", "sdist"})


class RememberedSelection:
    """A selection's entry in the memo, to which ``metadata_for`` adds the chosen
    file's parsed metadata: a repeat run then reads one memo file per requirement."""

    __slots__ = ("key", "memo", "stored", "value")

    def __init__(self, memo: Memo, key: str, value: dict[str, Any], *, stored: bool = True) -> None:
        self.memo = memo
        self.key = key
        self.value = value
        #: Whether ``value`` is in the memo as it stands (see :meth:`store`).
        self.stored = stored

    def store(self) -> None:
        """Write the entry, if it has not been written as it stands: a new selection
        is written once, with its metadata when ``metadata_for`` adds some, instead of
        once for the choice and again for the metadata."""
        if not self.stored:
            self.memo.put("selection", self.key, self.value)
            self.stored = True

    def metadata(self, file: DistributionFile) -> tuple[CoreMetadata, MetadataSource] | None:
        """The metadata remembered for ``file`` and how it was read, when the bytes it
        came from are still the ones the page names by sha256; else None."""
        stored = self.value.get("metadata")
        if not isinstance(stored, dict) or stored.get("file") != file.url:
            return None
        source = stored.get("source")
        if source == "pep658":
            url = file.core_metadata_url
            if url is None or sha256_of(file.core_metadata) is None:
                return None
            shown = redact_url(url)
            core = CoreMetadata.from_memo(shown, stored.get("core"))
            if core is None:
                return None
            try:
                verify_digest(core.raw, file.core_metadata or {}, shown)
            except DigestMismatchError:
                return None
            return core, source
        digest = sha256_of(file.hashes)
        if source in _FROM_THE_FILE and digest is not None and stored.get("sha256") == digest:
            core = CoreMetadata.from_memo(redact_url(file.url), stored.get("core"))
            return None if core is None else (core, source)
        return None

    def add_metadata(
        self, file: DistributionFile, core: CoreMetadata, source: MetadataSource
    ) -> None:
        """Remember ``core``, read by ``source``, as the metadata of ``file``: only when
        the bytes it came from are named by a sha256 on the page (a PEP 658 file's, or
        the distribution's for metadata read from the wheel or sdist), since bytes
        cannot change under the same digest."""
        entry: dict[str, Any] = {"file": file.url, "source": source, "core": core.to_memo()}
        if source == "pep658":
            if sha256_of(file.core_metadata) is None:
                return
        elif source in _FROM_THE_FILE:
            entry["sha256"] = sha256_of(file.hashes)
            if entry["sha256"] is None:
                return
        else:
            return
        self.value["metadata"] = entry
        self.stored = False
        self.store()


def sha256_of(hashes: Mapping[str, str] | None) -> str | None:
    """The sha256 among ``hashes`` (names compared lower-cased), lower-cased."""
    for name, value in (hashes or {}).items():
        if name.lower() == "sha256":
            return value.strip().lower()
    return None
