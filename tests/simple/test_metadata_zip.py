"""Core metadata from wheels: the range-request path (simulated) and whole downloads.

Every wheel is built in memory at test time with :mod:`zipfile`; the range path is
driven exactly as the IO layer will drive it, slicing the requested ranges from the
wheel's bytes, and its result is compared with :mod:`zipfile`'s own.
"""

from __future__ import annotations

import dataclasses
import io
import struct
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest

from indexclient.errors import IndexClientError, MetadataError, MetadataTooLargeError
from indexclient.simple import metadata as md
from indexclient.simple.metadata import (
    TAIL_SIZE,
    ByteRange,
    CentralDirectoryLocation,
    NeedBytes,
    ZipEntry,
    extract_entry,
    find_metadata_entry,
    locate_central_directory,
    metadata_from_wheel,
    parse_central_directory,
)

URL = "https://files.example/packages/foo_bar-1.0-py3-none-any.whl"
WHEEL = "foo_bar-1.0-py3-none-any.whl"
DIST_INFO = "foo_bar-1.0.dist-info"
METADATA = (
    b"Metadata-Version: 2.4\nName: foo-bar\nVersion: 1.0\nSummary: A test\n"
    b"Requires-Dist: requests>=2\nRequires-Python: >=3.10\n\nThe long description.\n"
)
MiB = 1024 * 1024


def build_wheel(
    *,
    dist_info: str = DIST_INFO,
    metadata: bytes = METADATA,
    compression: int = zipfile.ZIP_DEFLATED,
    metadata_compression: int | None = None,
    comment: bytes = b"",
    force_zip64: bool = False,
    extra_files: Iterable[tuple[str, bytes]] = (),
    metadata_extra: bytes = b"",
    with_metadata: bool = True,
) -> bytes:
    """A small but real wheel: a package, METADATA, WHEEL and RECORD."""
    files: list[tuple[str, bytes]] = [
        ("foo_bar/__init__.py", b"__version__ = '1.0'\n" * 20),
        ("foo_bar/data.bin", bytes(range(256)) * 8),
        *extra_files,
    ]
    if with_metadata:
        files.append((f"{dist_info}/METADATA", metadata))
    files.append(
        (f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n")
    )
    record = "".join(f"{name},,\n" for name, _ in files) + f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression, allowZip64=True) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
            info.compress_type = compression
            if name.endswith("/METADATA"):
                if metadata_compression is not None:
                    info.compress_type = metadata_compression
                info.extra = metadata_extra
            with archive.open(info, "w", force_zip64=force_zip64) as stream:
                stream.write(data)
        archive.comment = comment
    return buf.getvalue()


def zipfile_metadata(data: bytes, path: str = f"{DIST_INFO}/METADATA") -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(path)


class RangeServer:
    """Serves byte ranges of ``data`` and logs them, like a server honouring Range."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.requests: list[ByteRange] = []

    def get(self, wanted: ByteRange) -> bytes:
        self.requests.append(wanted)
        chunk = self.data[wanted.start : wanted.end]
        if not chunk:  # a real server answers 416
            raise AssertionError(f"unsatisfiable range {wanted}")
        return chunk

    def tail(self, size: int) -> bytes:
        start = max(0, len(self.data) - size)
        return self.get(ByteRange(start, len(self.data)))


def central_directory(
    server: RangeServer, tail_size: int = TAIL_SIZE
) -> tuple[CentralDirectoryLocation, bytes]:
    size = len(server.data)
    tail = server.tail(tail_size)
    plan = locate_central_directory(tail, size, url=URL)
    for _ in range(5):
        if not isinstance(plan, NeedBytes):
            break
        assert plan.range.end == size - len(tail)
        tail = server.get(plan.range) + tail
        plan = locate_central_directory(tail, size, url=URL)
    assert isinstance(plan, CentralDirectoryLocation)
    return plan, plan.central_directory(tail)


def fetch_metadata(
    data: bytes,
    *,
    filename: str = WHEEL,
    tail_size: int = TAIL_SIZE,
    max_size: int = md.DEFAULT_MAX_METADATA_SIZE,
    margin: int = md.LOCAL_HEADER_MARGIN,
) -> tuple[bytes, RangeServer]:
    """The IO layer's range path, against an in-memory "server"."""
    server = RangeServer(data)
    location, cd = central_directory(server, tail_size)
    entries = parse_central_directory(cd, url=URL, location=location)
    entry = find_metadata_entry(entries, filename, url=URL, max_size=max_size)
    local = server.get(entry.local_span(margin))
    while (more := entry.missing_bytes(local)) is not None:
        assert more.start == entry.local_header_offset + len(local)
        local += server.get(more)
    return extract_entry(entry, local, url=URL, max_size=max_size), server


@contextmanager
def memory_peak() -> Iterator[list[int]]:
    result: list[int] = []
    tracemalloc.start()
    try:
        yield result
    finally:
        result.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def patch_central_entry(data: bytes, name: str, **fields: int) -> bytes:
    """Rewrite fixed fields of ``name``'s central directory entry (and nothing else)."""
    offsets = {"flags": (8, "<H"), "crc": (16, "<L"), "csize": (20, "<L"), "usize": (24, "<L")}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        start = archive.start_dir
    at = data.index(b"PK\x01\x02", start)
    out = bytearray(data)
    while at >= 0:
        (name_len,) = struct.unpack_from("<H", out, at + 28)
        if out[at + 46 : at + 46 + name_len] == name.encode():
            for key, value in fields.items():
                offset, fmt = offsets[key]
                struct.pack_into(fmt, out, at + offset, value)
            return bytes(out)
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(name)


# --- the range path, compared with zipfile ---------------------------------------


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("tail_size", [22, 23, 100, 1000, TAIL_SIZE])
def test_range_path_matches_zipfile(compression: int, tail_size: int) -> None:
    data = build_wheel(compression=compression)
    raw, server = fetch_metadata(data, tail_size=tail_size)
    assert raw == METADATA == zipfile_metadata(data)
    assert raw == metadata_from_wheel(data, WHEEL, url=URL)
    if tail_size == TAIL_SIZE:  # a small wheel: the tail is the whole file
        assert len(server.requests) == 2


def test_entries_match_zipfile_infolist() -> None:
    data = build_wheel(extra_files=[("foo_bar/ünïcode.py", b"x = 1\n")])
    server = RangeServer(data)
    location, cd = central_directory(server)
    entries = parse_central_directory(cd, url=URL, location=location)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    assert [
        (e.name, e.compressed_size, e.uncompressed_size, e.method, e.local_header_offset, e.crc32)
        for e in entries
    ] == [
        (i.filename, i.compress_size, i.file_size, i.compress_type, i.header_offset, i.CRC)
        for i in infos
    ]
    assert location.entry_count == len(infos)
    assert location.range == ByteRange(location.offset, location.offset + location.size)
    assert not location.zip64
    assert "foo_bar/ünïcode.py" in [e.name for e in entries]


def test_mixed_stored_and_deflated_metadata() -> None:
    data = build_wheel(compression=zipfile.ZIP_DEFLATED, metadata_compression=zipfile.ZIP_STORED)
    assert fetch_metadata(data)[0] == METADATA
    data = build_wheel(compression=zipfile.ZIP_STORED, metadata_compression=zipfile.ZIP_DEFLATED)
    assert fetch_metadata(data)[0] == METADATA


def test_large_wheel_needs_a_second_range_for_the_central_directory() -> None:
    files = [(f"foo_bar/module_with_a_long_name_{i:05d}.py", b"x = %d\n" % i) for i in range(1500)]
    data = build_wheel(extra_files=files)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        start_dir = archive.start_dir
    assert len(data) - start_dir > TAIL_SIZE  # the directory starts before the tail
    raw, server = fetch_metadata(data)
    assert raw == zipfile_metadata(data)
    tail, cd_rest, local = server.requests
    assert tail == ByteRange(len(data) - TAIL_SIZE, len(data))
    assert cd_rest == ByteRange(start_dir, tail.start)
    assert local.length < 2000  # only the METADATA entry is fetched


def test_force_zip64_local_headers() -> None:
    data = build_wheel(force_zip64=True)
    assert fetch_metadata(data)[0] == METADATA == zipfile_metadata(data)
    # The 20-byte ZIP64 local extra is not in the central directory: with no
    # margin, the first range falls short and a second one completes it.
    raw, server = fetch_metadata(data, margin=0)
    assert raw == METADATA
    assert len(server.requests) == 3
    assert server.requests[-1].length == 20


def _zip64_wheel(monkeypatch: pytest.MonkeyPatch, *, saturate: bool) -> bytes:
    # Tiny limits make zipfile write ZIP64 end records and ZIP64 central directory
    # extras (sizes and offsets as 0xFFFFFFFF) for a small file.
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP64_LIMIT", 16)
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
        data = build_wheel(force_zip64=True)
    assert b"PK\x06\x06" in data
    assert b"PK\x06\x07" in data
    if saturate:  # as a real >4 GiB archive would: every EOCD field saturated
        out = bytearray(data)
        struct.pack_into("<4H2L", out, len(out) - 18, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        data = bytes(out)
    return data


@pytest.mark.parametrize("saturate", [False, True])
@pytest.mark.parametrize("tail_size", [22, 30, 60, 100, TAIL_SIZE])
def test_zip64_end_records(monkeypatch: pytest.MonkeyPatch, saturate: bool, tail_size: int) -> None:
    data = _zip64_wheel(monkeypatch, saturate=saturate)
    expected = zipfile_metadata(data)
    raw, _server = fetch_metadata(data, tail_size=tail_size)
    assert raw == expected == METADATA
    location, cd = central_directory(RangeServer(data), tail_size)
    assert location.zip64
    entries = parse_central_directory(cd, url=URL, location=location)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert [(e.name, e.uncompressed_size, e.local_header_offset) for e in entries] == [
            (i.filename, i.file_size, i.header_offset) for i in archive.infolist()
        ]
    assert metadata_from_wheel(data, WHEEL, url=URL) == METADATA


def test_zip64_locator_outside_the_tail_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip64_wheel(monkeypatch, saturate=True)
    plan = locate_central_directory(data[-22:], len(data), url=URL)
    assert isinstance(plan, NeedBytes)
    assert plan.range == ByteRange(len(data) - 42, len(data) - 22)
    assert plan.range.header == f"bytes={len(data) - 42}-{len(data) - 23}"


@pytest.mark.parametrize("comment_size", [1, 1000, 0xFFFF])
def test_archive_comment(comment_size: int) -> None:
    data = build_wheel(comment=b"c" * comment_size)
    raw, server = fetch_metadata(data)
    assert raw == METADATA
    location, _ = central_directory(RangeServer(data))
    assert location.comment == b"c" * comment_size
    if comment_size == 0xFFFF:  # the end record is further than TAIL_SIZE from the end
        assert server.requests[1] == ByteRange(
            len(data) - md.EOCD_SEARCH_SIZE, len(data) - TAIL_SIZE
        )


def test_fake_end_record_in_the_comment_is_skipped() -> None:
    fake = b"PK\x05\x06" + b"\x00" * 16 + b"\x05\x00" + b"junk"
    data = build_wheel(comment=fake + b"tail")
    assert fetch_metadata(data)[0] == METADATA


def test_long_local_extra_field_takes_a_second_range() -> None:
    extra = struct.pack("<2H", 0xCAFE, 1996) + b"\xab" * 1996
    data = build_wheel(metadata_extra=extra)
    raw, server = fetch_metadata(data)
    assert raw == METADATA == zipfile_metadata(data)
    local, more = server.requests[-2:]
    assert more.start == local.end


def test_local_bytes_shorter_than_a_header() -> None:
    data = build_wheel()
    server = RangeServer(data)
    _location, cd = central_directory(server)
    entry = find_metadata_entry(parse_central_directory(cd, url=URL), WHEEL, url=URL)
    local = data[entry.local_header_offset : entry.local_header_offset + 10]
    more = entry.missing_bytes(local)
    assert more is not None
    assert more.start == entry.local_header_offset + 10
    local += server.get(more)
    while (more := entry.missing_bytes(local)) is not None:
        local += server.get(more)
    assert extract_entry(entry, local, url=URL) == METADATA


# --- corrupt archives ------------------------------------------------------------


def test_not_a_zip() -> None:
    with pytest.raises(MetadataError, match="no ZIP end of central directory"):
        locate_central_directory(b"\x00" * 5000, 5000, url=URL)
    with pytest.raises(MetadataError, match="too small"):
        locate_central_directory(b"PK", 2, url=URL)


def test_tail_longer_than_file() -> None:
    with pytest.raises(MetadataError, match="got 100 bytes of a 50-byte file"):
        locate_central_directory(b"\x00" * 100, 50, url=URL)


def test_truncated_wheel() -> None:
    data = build_wheel()[:-7]
    with pytest.raises(MetadataError, match=r"files\.example.*end of central directory"):
        fetch_metadata(data)
    with pytest.raises(MetadataError, match="cannot read the wheel"):
        metadata_from_wheel(data, WHEEL, url=URL)


def test_far_end_record_of_a_big_file_is_asked_for_then_refused() -> None:
    plan = locate_central_directory(b"\x00" * 100, 10 * MiB, url=URL)
    assert isinstance(plan, NeedBytes)
    assert plan.range == ByteRange(10 * MiB - md.EOCD_SEARCH_SIZE, 10 * MiB - 100)
    with pytest.raises(MetadataError):
        locate_central_directory(b"\x00" * md.EOCD_SEARCH_SIZE, 10 * MiB, url=URL)


def _with_eocd(data: bytes, **changes: int) -> bytes:
    out = bytearray(data)
    at = len(out) - 22
    names = ["disk", "cd_disk", "disk_entries", "entries", "cd_size", "cd_offset"]
    values = dict(zip(names, struct.unpack_from("<4H2L", out, at + 4), strict=True))
    values.update(changes)
    struct.pack_into("<4H2L", out, at + 4, *(values[n] for n in names))
    return bytes(out)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cd_offset": 10_000_000}, "runs past the end record"),
        ({"cd_size": 10_000_000}, "runs past the end record"),
        ({"disk": 1}, "multi-disk"),
        ({"cd_disk": 3}, "multi-disk"),
        ({"cd_offset": 1}, "bad ZIP central directory entry"),
    ],
)
def test_corrupt_end_record(changes: dict[str, int], message: str) -> None:
    data = _with_eocd(build_wheel(), **changes)
    with pytest.raises(MetadataError, match=message):
        fetch_metadata(data)


def test_central_directory_size_limit() -> None:
    data = build_wheel()
    with pytest.raises(MetadataTooLargeError) as info:
        locate_central_directory(data, len(data), url=URL, max_size=100)
    assert info.value.limit == 100
    assert info.value.size is not None
    assert info.value.size > 100


def test_truncated_central_directory() -> None:
    data = build_wheel()
    location = locate_central_directory(data, len(data), url=URL)
    assert isinstance(location, CentralDirectoryLocation)
    cd = location.central_directory(data)
    for cut in (10, 50, len(cd) - 1):
        with pytest.raises(MetadataError, match=r"truncated|bad ZIP central"):
            parse_central_directory(cd[:cut], url=URL)
    with pytest.raises(MetadataError, match="bad ZIP central directory entry"):
        parse_central_directory(cd + b"garbage", url=URL)
    # A digital signature record ends the directory.
    assert len(parse_central_directory(cd + b"PK\x05\x05\x00\x00", url=URL)) == 5


def test_entry_offset_past_the_directory() -> None:
    data = build_wheel()
    location = locate_central_directory(data, len(data), url=URL)
    assert isinstance(location, CentralDirectoryLocation)
    early = dataclasses.replace(location, offset=10)
    with pytest.raises(MetadataError, match="points past the file data"):
        parse_central_directory(location.central_directory(data), url=URL, location=early)


def test_missing_zip64_extra() -> None:
    entry = b"PK\x01\x02" + struct.pack(
        "<4B4HL2L5H2L", 20, 3, 20, 0, 0, 8, 0, 0, 0, 0xFFFFFFFF, 10, 1, 0, 0, 0, 0, 0, 0
    )
    with pytest.raises(MetadataError, match="lacks its ZIP64 extra field"):
        parse_central_directory(entry + b"a", url=URL)


def test_non_utf8_flagged_name() -> None:
    entry = b"PK\x01\x02" + struct.pack(
        "<4B4HL2L5H2L", 20, 3, 20, 0, 0x800, 8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
    )
    with pytest.raises(MetadataError, match="not UTF-8"):
        parse_central_directory(entry + b"\xff", url=URL)


def _metadata_entry_and_local(data: bytes) -> tuple[ZipEntry, bytes]:
    location = locate_central_directory(data, len(data), url=URL)
    assert isinstance(location, CentralDirectoryLocation)
    entries = parse_central_directory(location.central_directory(data), url=URL)
    entry = find_metadata_entry(entries, WHEEL, url=URL)
    return entry, data[entry.local_header_offset : entry.local_span().end]


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_crc_mismatch(compression: int) -> None:
    data = build_wheel(compression=compression)
    entry, local = _metadata_entry_and_local(data)
    with pytest.raises(MetadataError, match="CRC-32 mismatch"):
        extract_entry(dataclasses.replace(entry, crc32=entry.crc32 ^ 1), local, url=URL)
    if compression == zipfile.ZIP_STORED:  # flip one byte of the stored METADATA
        at = data.index(METADATA)
        bad = data[:at] + b"X" + data[at + 1 :]
        with pytest.raises(MetadataError, match="CRC-32 mismatch"):
            fetch_metadata(bad)
        with pytest.raises(MetadataError, match="CRC"):
            metadata_from_wheel(bad, WHEEL, url=URL)


def test_local_header_checks() -> None:
    data = build_wheel()
    entry, local = _metadata_entry_and_local(data)
    cases = [
        (dataclasses.replace(entry, name=f"{DIST_INFO}/METADATB"), local, "name differs"),
        (dataclasses.replace(entry, method=0), local, "method differs|mismatched sizes"),
        (entry, local[:40], "truncated"),
        (entry, b"PK\x03\x03" + local[4:], "no ZIP local header"),
        (entry, local[:20], "no ZIP local header"),
        (dataclasses.replace(entry, flags=1), local, "encrypted"),
        (dataclasses.replace(entry, method=12), local, "unsupported compression method 12"),
        (
            dataclasses.replace(entry, uncompressed_size=entry.uncompressed_size + 1),
            local,
            "not the declared",
        ),
    ]
    for bad_entry, bad_local, message in cases:
        with pytest.raises(MetadataError, match=message):
            extract_entry(bad_entry, bad_local, url=URL)


def test_corrupt_deflate_stream() -> None:
    data = build_wheel()
    entry, local = _metadata_entry_and_local(data)
    start = 30 + len(entry.name_bytes)
    garbage = (
        local[:start] + b"\xff" * entry.compressed_size + local[start + entry.compressed_size :]
    )
    with pytest.raises(MetadataError, match="corrupt deflate data"):
        extract_entry(entry, garbage, url=URL)
    cut = dataclasses.replace(entry, compressed_size=entry.compressed_size // 2)
    with pytest.raises(MetadataError, match="truncated"):
        extract_entry(cut, local, url=URL)


def test_bzip2_wheel_is_refused_by_ranges_but_read_whole() -> None:
    data = build_wheel(compression=zipfile.ZIP_BZIP2)
    with pytest.raises(MetadataError, match="unsupported compression method 12"):
        fetch_metadata(data)
    assert metadata_from_wheel(data, WHEEL, url=URL) == METADATA


# --- choosing the METADATA entry -------------------------------------------------


@pytest.mark.parametrize(
    "dist_info", ["Foo_Bar-1.0.dist-info", "foo.bar-1.0.dist-info", "FOO_BAR-1.0.0.dist-info"]
)
def test_non_normalised_dist_info_is_accepted(dist_info: str) -> None:
    data = build_wheel(dist_info=dist_info)
    assert fetch_metadata(data)[0] == METADATA
    assert metadata_from_wheel(data, WHEEL, url=URL) == METADATA


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            [("other-2.0.dist-info/METADATA", b"x")],
            "exactly one.*found foo_bar-1.0.dist-info, other-2.0",
        ),
        ([("foo_bar-1.0.dist-info2/x", b"x")], None),  # not a .dist-info directory
        ([("foo_bar/vendored-1.0.dist-info/METADATA", b"x")], None),  # not top level
    ],
)
def test_dist_info_selection(extra: list[tuple[str, bytes]], message: str | None) -> None:
    data = build_wheel(extra_files=extra)
    if message is None:
        assert fetch_metadata(data)[0] == METADATA
        return
    with pytest.raises(MetadataError, match=message):
        fetch_metadata(data)
    with pytest.raises(MetadataError, match=message):
        metadata_from_wheel(data, WHEEL, url=URL)


@pytest.mark.parametrize(
    ("dist_info", "message"),
    [
        ("bar-1.0.dist-info", "does not match the wheel name"),
        ("foo_bar-1.1.dist-info", "does not match the wheel name"),
        ("foo_bar.dist-info", "does not match the wheel name"),
        ("foo_bar-notaversion.dist-info", "does not match the wheel name"),
    ],
)
def test_mismatched_dist_info(dist_info: str, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        fetch_metadata(build_wheel(dist_info=dist_info))


def test_no_dist_info_or_no_metadata() -> None:
    entries = [ZipEntry("foo_bar/__init__.py", 1, 1, 0, 0, 0, 0)]
    with pytest.raises(MetadataError, match="found none"):
        find_metadata_entry(entries, WHEEL, url=URL)
    with pytest.raises(MetadataError, match=r"no foo_bar-1\.0\.dist-info/METADATA"):
        fetch_metadata(build_wheel(with_metadata=False))


def test_duplicate_metadata_entries() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        data = build_wheel(extra_files=[(f"{DIST_INFO}/METADATA", b"other")])
    with pytest.raises(MetadataError, match="2 entries named"):
        fetch_metadata(data)
    with pytest.raises(MetadataError, match="2 entries named"):
        metadata_from_wheel(data, WHEEL, url=URL)


def test_invalid_wheel_filename() -> None:
    with pytest.raises(MetadataError, match="invalid wheel filename"):
        find_metadata_entry([], "foo.whl", url=URL)
    with pytest.raises(MetadataError, match="invalid wheel filename"):
        metadata_from_wheel(build_wheel(), "foo-1.0.tar.gz", url=URL)


def test_oversized_entry_is_refused_before_fetching() -> None:
    entries = [ZipEntry(f"{DIST_INFO}/METADATA", 10, 5 * MiB, 8, 0, 0, 0)]
    with pytest.raises(MetadataTooLargeError) as info:
        find_metadata_entry(entries, WHEEL, url=URL, max_size=MiB)
    assert (info.value.size, info.value.limit) == (5 * MiB, MiB)
    lying = [ZipEntry(f"{DIST_INFO}/METADATA", 5 * MiB, 10, 8, 0, 0, 0)]
    with pytest.raises(MetadataTooLargeError, match="compressed"):
        find_metadata_entry(lying, WHEEL, url=URL, max_size=MiB)


# --- zip bombs -------------------------------------------------------------------


def _bomb(size: int = 100 * MiB) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{DIST_INFO}/WHEEL", b"Wheel-Version: 1.0\n")
        with archive.open(f"{DIST_INFO}/METADATA", "w", force_zip64=False) as stream:
            chunk = bytes(MiB)
            for _ in range(size // MiB):
                stream.write(chunk)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = _bomb()
    assert len(data) < 200_000  # 100 MiB of zeros, about 100 KB compressed
    return data


def test_honest_zip_bomb_is_refused_from_its_declared_size(bomb: bytes) -> None:
    with pytest.raises(MetadataTooLargeError) as info:
        fetch_metadata(bomb, max_size=MiB)
    assert info.value.size == 100 * MiB
    with pytest.raises(MetadataTooLargeError):
        metadata_from_wheel(bomb, WHEEL, url=URL, max_size=MiB)
    entry, local = _metadata_entry_and_local_unchecked(bomb)
    with pytest.raises(MetadataTooLargeError):
        extract_entry(entry, local, url=URL, max_size=MiB)


def _metadata_entry_and_local_unchecked(data: bytes) -> tuple[ZipEntry, bytes]:
    location = locate_central_directory(data, len(data), url=URL)
    assert isinstance(location, CentralDirectoryLocation)
    entries = parse_central_directory(location.central_directory(data), url=URL)
    (entry,) = (e for e in entries if e.name.endswith("/METADATA"))
    return entry, data[entry.local_header_offset :]


@pytest.mark.parametrize("declared", [1000, MiB])
def test_lying_zip_bomb_stops_early_with_bounded_memory(bomb: bytes, declared: int) -> None:
    lying = patch_central_entry(bomb, f"{DIST_INFO}/METADATA", usize=declared)
    entry, local = _metadata_entry_and_local_unchecked(lying)
    assert entry.uncompressed_size == declared
    started = time.perf_counter()
    with memory_peak() as peak, pytest.raises(MetadataError, match="inflates past"):
        extract_entry(entry, local, url=URL, max_size=MiB)
    assert time.perf_counter() - started < 1.0
    assert peak[0] < 5 * MiB
    # zipfile reads at most the declared size, then fails the CRC check.
    started = time.perf_counter()
    with memory_peak() as peak, pytest.raises(MetadataError, match="CRC"):
        metadata_from_wheel(lying, WHEEL, url=URL, max_size=MiB)
    assert time.perf_counter() - started < 1.0
    assert peak[0] < 5 * MiB


def test_errors_belong_to_the_package() -> None:
    assert issubclass(MetadataError, IndexClientError)
    assert issubclass(MetadataTooLargeError, MetadataError)
    error = MetadataError(URL, "something broke")
    assert str(error) == f"core metadata of {URL}: something broke"
    assert (error.url, error.problem) == (URL, "something broke")


def test_byte_range() -> None:
    r = ByteRange(10, 20)
    assert (r.length, r.header) == (10, "bytes=10-19")
    with pytest.raises(ValueError):
        ByteRange(5, 4)
    with pytest.raises(ValueError):
        ByteRange(-1, 4)
