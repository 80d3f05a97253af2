"""Sans-IO core metadata: everything between fetched bytes and a parsed ``METADATA``.

A distribution's core metadata is obtained, in order of preference, from:

1. the PEP 658/714 ``.metadata`` file, checked with :func:`verify_digest`;
2. HTTP range requests into a wheel (below);
3. the whole wheel, with :func:`metadata_from_wheel`, when the server ignores ranges;
4. for an sdist, its ``PKG-INFO`` with :func:`metadata_from_sdist`, trusted when
   ``Metadata-Version`` is 2.2 or later (PEP 643) and ``Requires-Dist`` is not
   ``Dynamic``.

Every path ends in :func:`parse_metadata`. The range path, for the IO layer::

    tail = await range_get(url, f"bytes=-{TAIL_SIZE}")        # file_size: Content-Range
    plan = locate_central_directory(tail, file_size, url=url)
    while isinstance(plan, NeedBytes):                         # rare: ZIP64, big directory
        tail = await range_get(url, plan.range.header) + tail  # range ends where tail starts
        plan = locate_central_directory(tail, file_size, url=url)
    entries = parse_central_directory(plan.central_directory(tail), url=url, location=plan)
    entry = find_metadata_entry(entries, filename, url=url, max_size=limit)
    local = await range_get(url, entry.local_span().header)   # header + name + 1 KiB + data
    while (more := entry.missing_bytes(local)) is not None:    # rare: a longer local extra
        local += await range_get(url, more.header)             # (stop on a short response)
    raw = extract_entry(entry, local, url=url, max_size=limit)
    core = parse_metadata(raw, url)

When the tail already holds the local header (small wheels), the IO layer may slice
``local`` from it instead. Every error raised on purpose is a :class:`MetadataError`
(or subclass) naming the URL; the standard library's zip, tar, zlib, struct and
decoding errors never escape.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from indexclient.errors import DigestMismatchError, UnsupportedDigestError
from indexclient.simple._coremeta import (
    DEFAULT_MAX_METADATA_SIZE,
    NORMALIZED_NAME,
    CoreMetadata,
    canonical_name,
    newest_known_version,
    parse_metadata,
)

if TYPE_CHECKING:
    from indexclient.simple._dists import (
        MAX_SDIST_SCAN,
        SdistMetadata,
        find_metadata_entry,
        metadata_from_sdist,
        metadata_from_wheel,
    )
    from indexclient.simple._zip import (
        EOCD_SEARCH_SIZE,
        LOCAL_HEADER_MARGIN,
        MAX_CENTRAL_DIRECTORY_SIZE,
        TAIL_SIZE,
        ByteRange,
        CentralDirectoryLocation,
        NeedBytes,
        ZipEntry,
        extract_entry,
        locate_central_directory,
        parse_central_directory,
    )

__all__ = [
    "DEFAULT_MAX_METADATA_SIZE",
    "EOCD_SEARCH_SIZE",
    "LOCAL_HEADER_MARGIN",
    "MAX_CENTRAL_DIRECTORY_SIZE",
    "MAX_SDIST_SCAN",
    "NORMALIZED_NAME",
    "SUPPORTED_DIGESTS",
    "TAIL_SIZE",
    "ByteRange",
    "CentralDirectoryLocation",
    "CoreMetadata",
    "NeedBytes",
    "SdistMetadata",
    "ZipEntry",
    "canonical_name",
    "extract_entry",
    "find_metadata_entry",
    "locate_central_directory",
    "metadata_from_sdist",
    "metadata_from_wheel",
    "newest_known_version",
    "parse_central_directory",
    "parse_metadata",
    "verify_digest",
]

#: Hash names checked by :func:`verify_digest`: :data:`hashlib.algorithms_guaranteed`
#: (the same on every machine, unlike ``algorithms_available``) minus the SHAKE
#: variable-length digests, which a bare hex digest cannot describe.
SUPPORTED_DIGESTS = frozenset(
    name for name in hashlib.algorithms_guaranteed if not name.startswith("shake_")
)


def verify_digest(data: bytes, hashes: Mapping[str, str], url: str) -> tuple[str, ...]:
    """Check ``data`` against every advertised hash this module supports.

    Returns the algorithms checked, ``sha256`` first when present. Names are
    compared lower-cased, digests case-insensitively. Raises
    :class:`DigestMismatchError` for the first mismatch (``sha256`` is checked
    first) and :class:`UnsupportedDigestError` when no advertised algorithm is
    supported, including when ``hashes`` is empty.
    """
    if len(hashes) == 1 and "sha256" in hashes:
        # What an index gives (PEP 658: one sha256), checked without sorting anything:
        # the same check, the same error.
        expected = hashes["sha256"]
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected.strip().lower():
            raise DigestMismatchError(url, "sha256", expected, actual)
        return ("sha256",)
    known = sorted(
        (
            (name.lower(), value)
            for name, value in hashes.items()
            if name.lower() in SUPPORTED_DIGESTS
        ),
        key=lambda item: (item[0] != "sha256", item[0]),
    )
    if not known:
        raise UnsupportedDigestError(url, tuple(sorted(hashes)))
    for name, expected in known:
        actual = hashlib.new(name, data).hexdigest()
        if actual != expected.strip().lower():
            raise DigestMismatchError(url, name, expected, actual)
    return tuple(name for name, _ in known)


if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        # Reading archives (zipfile, tarfile, the ZIP structures of the range path)
        # loads on first use: a run whose metadata comes from .metadata files or the
        # cache never opens an archive. Every other public name is defined above.
        if name in __all__:
            for module in ("indexclient.simple._zip", "indexclient.simple._dists"):
                value = getattr(importlib.import_module(module), name, _MISSING)
                if value is not _MISSING:
                    globals()[name] = value
                    return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    _MISSING = object()
