"""Reading one member of a ZIP archive from byte ranges of it, without IO.

The caller fetches ranges; these functions say which ones and decode them:

1. The last :data:`TAIL_SIZE` bytes go to :func:`locate_central_directory`. It
   answers :class:`NeedBytes` when the bytes before the tail are needed too (the end
   record is behind a long comment, the ZIP64 end record is elsewhere, or the central
   directory starts before the tail); the caller fetches ``need.range``, which always
   ends where the tail starts, prepends it and calls again. Otherwise it answers a
   :class:`CentralDirectoryLocation`.
2. :meth:`CentralDirectoryLocation.central_directory` slices the directory out of the
   tail and :func:`parse_central_directory` turns it into :class:`ZipEntry` values.
3. For the chosen entry, :meth:`ZipEntry.local_span` is one range covering its local
   header and data, assuming the local extra field is at most
   :data:`LOCAL_HEADER_MARGIN` bytes; :meth:`ZipEntry.missing_bytes` tells whether
   the bytes fetched fall short (a longer local extra field) and which range follows.
4. :func:`extract_entry` checks the local header against the central directory and
   decompresses (stored or deflate) incrementally, with a cap, checking size and CRC.

Only single-disk archives are read. The end record must end the file exactly (its
comment reaching the last byte), so a fake end record inside a comment, or trailing
garbage, is not mistaken for the real one.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from indexclient.errors import MetadataError, MetadataTooLargeError
from indexclient.simple._coremeta import DEFAULT_MAX_METADATA_SIZE

__all__ = [
    "DEFAULT_MAX_METADATA_SIZE",
    "EOCD_SEARCH_SIZE",
    "LOCAL_HEADER_MARGIN",
    "MAX_CENTRAL_DIRECTORY_SIZE",
    "TAIL_SIZE",
    "ByteRange",
    "CentralDirectoryLocation",
    "NeedBytes",
    "ZipEntry",
    "extract_entry",
    "locate_central_directory",
    "parse_central_directory",
]

#: Bytes to fetch first from a wheel's end (``Range: bytes=-65536``). The end record
#: is 22 bytes and wheels carry no archive comment, so this buys the whole central
#: directory too for wheels up to several hundred files (about 100 bytes an entry):
#: one round trip for most wheels, two for the largest. A tail larger than the
#: file is harmless (the server sends the whole file).
TAIL_SIZE = 64 * 1024
#: Longest possible distance of the end record (plus ZIP64 locator) from the file's
#: end: a 22-byte record, a 65,535-byte comment, and the 20-byte locator before it.
EOCD_SEARCH_SIZE = 22 + 0xFFFF + 20
#: Room left for the local header's extra field, which need not equal the central
#: directory's (ZIP64 sizes, timestamps, alignment padding: tens of bytes in practice).
LOCAL_HEADER_MARGIN = 1024
#: Central directories larger than this are refused (about 300,000 entries).
MAX_CENTRAL_DIRECTORY_SIZE = 32 * 1024 * 1024

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record, 22 bytes
_EOCD_SIG = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sLQL")  # ZIP64 end of central directory locator, 20 bytes
_LOCATOR_SIG = b"PK\x06\x07"
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # ZIP64 end of central directory record, 56 bytes
_EOCD64_SIG = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # central directory file header, 46 bytes
_CENTRAL_SIG = b"PK\x01\x02"
_DIGITAL_SIGNATURE_SIG = b"PK\x05\x05"
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # local file header, 30 bytes
_LOCAL_SIG = b"PK\x03\x04"
_ZIP64_EXTRA_ID = 0x0001

_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
STORED = 0
DEFLATED = 8
_INFLATE_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes ``start`` (inclusive) to ``end`` (exclusive) of a file."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid byte range {self.start}..{self.end}")

    @property
    def length(self) -> int:
        """Number of bytes in the range."""
        return self.end - self.start

    @property
    def header(self) -> str:
        """The HTTP ``Range`` header value, e.g. ``bytes=100-199`` (end inclusive)."""
        return f"bytes={self.start}-{self.end - 1}"


@dataclass(frozen=True, slots=True)
class NeedBytes:
    """More of the file is needed: fetch ``range`` and put it before the bytes held.

    ``range.end`` is always the offset where the bytes already held begin.
    """

    range: ByteRange
    reason: str


@dataclass(frozen=True, slots=True)
class CentralDirectoryLocation:
    """Where the central directory is, from the (ZIP64) end of central directory record."""

    file_size: int
    offset: int
    size: int
    entry_count: int
    zip64: bool
    comment: bytes

    @property
    def range(self) -> ByteRange:
        """The central directory's bytes in the file."""
        return ByteRange(self.offset, self.offset + self.size)

    def central_directory(self, tail: bytes) -> bytes:
        """Slice the central directory out of ``tail``, the file's last bytes."""
        start = self.offset - (self.file_size - len(tail))
        if start < 0:
            raise ValueError("the tail does not contain the whole central directory")
        return bytes(tail[start : start + self.size])


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One central directory entry. ``name`` is decoded (UTF-8 if flagged, else cp437)."""

    name: str
    compressed_size: int
    uncompressed_size: int
    method: int
    local_header_offset: int
    crc32: int
    flags: int

    @property
    def name_bytes(self) -> bytes:
        """The name as stored in the archive."""
        return self.name.encode("utf-8" if self.flags & _FLAG_UTF8 else "cp437")

    @property
    def is_dir(self) -> bool:
        """Whether the entry is a directory (its name ends with ``/``)."""
        return self.name.endswith("/")

    def local_span(self, margin: int = LOCAL_HEADER_MARGIN) -> ByteRange:
        """One range for the local header and data, if the local extra is <= ``margin``.

        The local header's name and extra field lengths are only known once it is
        read; :meth:`missing_bytes` checks the guess.
        """
        start = self.local_header_offset
        return ByteRange(
            start, start + _LOCAL.size + len(self.name_bytes) + margin + self.compressed_size
        )

    def missing_bytes(self, local: bytes) -> ByteRange | None:
        """What must follow ``local`` (bytes from the local header on), or ``None``.

        Call again after appending the range; a shorter response than asked means the
        file is truncated, which :func:`extract_entry` reports.
        """
        have = len(local)
        if have < _LOCAL.size:
            end = self.local_span().end
        else:
            name_len, extra_len = struct.unpack_from("<2H", local, 26)
            end = self.local_header_offset + _LOCAL.size + name_len + extra_len
            end += self.compressed_size
        start = self.local_header_offset + have
        return ByteRange(start, end) if end > start else None


def locate_central_directory(
    tail: bytes,
    file_size: int,
    *,
    url: str,
    max_size: int = MAX_CENTRAL_DIRECTORY_SIZE,
) -> CentralDirectoryLocation | NeedBytes:
    """Find the central directory from ``tail``, the last ``len(tail)`` bytes of the file.

    Returns :class:`NeedBytes` when bytes before the tail are needed first, else the
    location. Raises :class:`MetadataError` when the bytes are not a readable
    single-disk ZIP archive, and :class:`MetadataTooLargeError` for a central
    directory larger than ``max_size``.
    """
    have = len(tail)
    if file_size < have:
        raise MetadataError(url, f"got {have} bytes of a {file_size}-byte file")
    if file_size < _EOCD.size:
        raise MetadataError(url, f"a {file_size}-byte file is too small to be a ZIP archive")
    tail_start = file_size - have
    pos = _find_eocd(tail)
    if pos is None:
        window = min(file_size, EOCD_SEARCH_SIZE)
        if have < window:
            return NeedBytes(
                ByteRange(file_size - window, tail_start), "end record not in the tail"
            )
        raise MetadataError(url, "no ZIP end of central directory record (not a ZIP file?)")

    _, disk, cd_disk, _, count, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, pos)
    comment = bytes(tail[pos + _EOCD.size :])
    eocd_at = tail_start + pos
    saturated = count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF
    locator_at = pos - _LOCATOR.size
    if locator_at < 0 and saturated and eocd_at >= _LOCATOR.size:
        # Whether a ZIP64 locator precedes the record cannot be told yet.
        return NeedBytes(ByteRange(eocd_at - _LOCATOR.size, tail_start), "ZIP64 locator")
    zip64 = locator_at >= 0 and tail[locator_at : locator_at + 4] == _LOCATOR_SIG
    end_limit = eocd_at
    if zip64:
        _, zip64_disk, record_at, disks = _LOCATOR.unpack_from(tail, locator_at)
        if zip64_disk != 0 or disks > 1:
            raise MetadataError(url, "multi-disk ZIP archives are not supported")
        if record_at + _EOCD64.size > tail_start + locator_at:
            raise MetadataError(url, "ZIP64 locator points past itself")
        if tail_start + locator_at - record_at > max_size:
            raise MetadataTooLargeError(
                url, "ZIP64 end record distance", tail_start + locator_at - record_at, max_size
            )
        if record_at < tail_start:
            return NeedBytes(ByteRange(record_at, tail_start), "ZIP64 end record")
        rel = record_at - tail_start
        sig, _, _, _, disk, cd_disk, _, count, cd_size, cd_offset = _EOCD64.unpack_from(tail, rel)
        if sig != _EOCD64_SIG:
            raise MetadataError(url, "no ZIP64 end record where the locator points")
        end_limit = record_at
    if disk != 0 or cd_disk != 0:
        raise MetadataError(url, "multi-disk ZIP archives are not supported")
    if cd_offset + cd_size > end_limit:
        raise MetadataError(
            url,
            f"central directory ({cd_size} bytes at {cd_offset}) runs past the end record "
            f"at {end_limit}",
        )
    if cd_size > max_size:
        raise MetadataTooLargeError(url, "the ZIP central directory", cd_size, max_size)
    if cd_offset < tail_start:
        return NeedBytes(ByteRange(cd_offset, tail_start), "central directory")
    return CentralDirectoryLocation(file_size, cd_offset, cd_size, count, zip64, comment)


def _find_eocd(tail: bytes) -> int | None:
    """The end record's position in ``tail``: the last one whose comment ends the file."""
    have = len(tail)
    lowest = max(0, have - _EOCD.size - 0xFFFF)
    pos = tail.rfind(_EOCD_SIG, lowest)
    while pos >= 0:
        if pos + _EOCD.size <= have:
            (comment_len,) = struct.unpack_from("<H", tail, pos + 20)
            if pos + _EOCD.size + comment_len == have:
                return pos
        pos = tail.rfind(_EOCD_SIG, lowest, pos + 3)
    return None


def parse_central_directory(
    data: bytes,
    *,
    url: str,
    location: CentralDirectoryLocation | None = None,
) -> list[ZipEntry]:
    """Parse a central directory's bytes (ZIP64 extra fields included).

    With ``location``, every local header must start before the central directory.
    """
    entries: list[ZipEntry] = []
    pos = 0
    end = len(data)
    while pos < end:
        sig = data[pos : pos + 4]
        if sig == _DIGITAL_SIGNATURE_SIG:
            break
        if sig != _CENTRAL_SIG:
            raise MetadataError(url, f"bad ZIP central directory entry at offset {pos}")
        if pos + _CENTRAL.size > end:
            raise MetadataError(url, "ZIP central directory is truncated")
        fields = _CENTRAL.unpack_from(data, pos)
        flags, method, crc = fields[5], fields[6], fields[9]
        csize, usize, name_len, extra_len, comment_len = fields[10:15]
        offset = fields[18]
        name_at = pos + _CENTRAL.size
        extra_at = name_at + name_len
        pos = extra_at + extra_len + comment_len
        if pos > end:
            raise MetadataError(url, "ZIP central directory is truncated")
        raw_name = data[name_at:extra_at]
        try:
            name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437")
        except UnicodeDecodeError:
            raise MetadataError(url, f"ZIP entry name {raw_name!r} is not UTF-8") from None
        if 0xFFFFFFFF in (csize, usize, offset):
            extra = data[extra_at : extra_at + extra_len]
            usize, csize, offset = _apply_zip64(extra, (usize, csize, offset), name, url)
        if location is not None and offset >= location.offset:
            raise MetadataError(url, f"ZIP entry {name!r} points past the file data")
        entries.append(ZipEntry(name, csize, usize, method, offset, crc, flags))
    return entries


def _apply_zip64(
    extra: bytes, sizes: tuple[int, int, int], name: str, url: str
) -> tuple[int, int, int]:
    """Replace saturated (uncompressed, compressed, offset) values from the ZIP64 extra."""
    pos = 0
    while pos + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if kind != _ZIP64_EXTRA_ID:
            continue
        values = list(sizes)
        at = 0
        for i, value in enumerate(values):
            if value == 0xFFFFFFFF:
                if at + 8 > len(body):
                    break
                (values[i],) = struct.unpack_from("<Q", body, at)
                at += 8
        else:
            return values[0], values[1], values[2]
        break
    raise MetadataError(url, f"ZIP entry {name!r} lacks its ZIP64 extra field")


def extract_entry(
    entry: ZipEntry,
    local: bytes,
    *,
    url: str,
    max_size: int = DEFAULT_MAX_METADATA_SIZE,
) -> bytes:
    """Decompress ``entry`` from ``local``, the file's bytes from its local header on.

    Checks the local header against the central directory entry, the sizes and the
    CRC-32. At most ``min(uncompressed_size, max_size) + 1`` bytes are ever
    decompressed, so a zip bomb costs bounded time and memory; a declared size over
    ``max_size`` raises :class:`MetadataTooLargeError` before any work.
    """
    if entry.flags & _FLAG_ENCRYPTED:
        raise MetadataError(url, f"ZIP entry {entry.name!r} is encrypted")
    if entry.method not in (STORED, DEFLATED):
        raise MetadataError(
            url, f"ZIP entry {entry.name!r} uses unsupported compression method {entry.method}"
        )
    if entry.uncompressed_size > max_size:
        raise MetadataTooLargeError(url, repr(entry.name), entry.uncompressed_size, max_size)
    if len(local) < _LOCAL.size or local[:4] != _LOCAL_SIG:
        raise MetadataError(
            url, f"no ZIP local header for {entry.name!r} at offset {entry.local_header_offset}"
        )
    fields = _LOCAL.unpack_from(local)
    method, name_len, extra_len = fields[4], fields[10], fields[11]
    start = _LOCAL.size + name_len + extra_len
    end = start + entry.compressed_size
    if len(local) < end:
        raise MetadataError(
            url, f"ZIP entry {entry.name!r} is truncated: {len(local)} of {end} bytes"
        )
    if local[_LOCAL.size : _LOCAL.size + name_len] != entry.name_bytes:
        raise MetadataError(
            url, f"ZIP local header name differs from the central directory's {entry.name!r}"
        )
    if method != entry.method:
        raise MetadataError(url, f"ZIP local header method differs for {entry.name!r}")
    data = memoryview(local)[start:end]
    if entry.method == STORED:
        if entry.compressed_size != entry.uncompressed_size:
            raise MetadataError(url, f"stored ZIP entry {entry.name!r} has mismatched sizes")
        out = bytes(data)
    else:
        out = _inflate(data, entry, url)
    if zlib.crc32(out) != entry.crc32:
        raise MetadataError(url, f"CRC-32 mismatch in ZIP entry {entry.name!r}")
    return out


def _inflate(data: memoryview, entry: ZipEntry, url: str) -> bytes:
    """Raw-deflate ``data``, refusing to produce more than the declared size."""
    expected = entry.uncompressed_size
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    pos = 0
    pending: bytes | memoryview = b""
    try:
        while not decompressor.eof:
            if not pending:
                if pos >= len(data):
                    break
                pending = data[pos : pos + _INFLATE_CHUNK]
                pos += len(pending)
            # max_length >= 1 always: out never exceeds expected inside the loop.
            out += decompressor.decompress(pending, expected + 1 - len(out))
            pending = decompressor.unconsumed_tail
            if len(out) > expected:
                raise MetadataError(
                    url, f"ZIP entry {entry.name!r} inflates past its declared {expected} bytes"
                )
    except zlib.error as exc:
        raise MetadataError(url, f"corrupt deflate data in {entry.name!r}: {exc}") from None
    if not decompressor.eof:
        raise MetadataError(url, f"deflate data of {entry.name!r} is truncated")
    if len(out) != expected:
        raise MetadataError(
            url, f"ZIP entry {entry.name!r} is {len(out)} bytes, not the declared {expected}"
        )
    return bytes(out)
