"""Property tests: whatever the bytes, the metadata readers return or raise MetadataError."""

from __future__ import annotations

import contextlib
import io
import tarfile
import zipfile

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from packaging.metadata import RawMetadata

from indexclient.errors import MetadataError
from indexclient.simple.metadata import (
    ByteRange,
    CentralDirectoryLocation,
    NeedBytes,
    ZipEntry,
    extract_entry,
    find_metadata_entry,
    locate_central_directory,
    metadata_from_sdist,
    metadata_from_wheel,
    parse_central_directory,
    parse_metadata,
)

URL = "https://files.example/packages/foo_bar-1.0-py3-none-any.whl"
WHEEL = "foo_bar-1.0-py3-none-any.whl"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METADATA = b"Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.0\nRequires-Dist: x\n\nbody\n"
FIELD_NAMES = list(RawMetadata.__annotations__)


def wheel(files: list[tuple[str, bytes, bool]], metadata: bytes = METADATA) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data, deflate in files:
            kind = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=kind)
        archive.writestr("foo_bar-1.0.dist-info/METADATA", metadata, zipfile.ZIP_DEFLATED)
        archive.writestr("foo_bar-1.0.dist-info/RECORD", b"", zipfile.ZIP_STORED)
    return buf.getvalue()


def range_path(data: bytes, tail_size: int, margin: int = 1024) -> bytes:
    """The IO layer's loop over ``data``; a short read ends it as a server error would."""
    size = len(data)
    tail = data[max(0, size - tail_size) :]
    plan = locate_central_directory(tail, size, url=URL)
    rounds = 0
    while isinstance(plan, NeedBytes):
        rounds += 1
        assert rounds <= 4, plan  # end record window, locator, ZIP64 record, directory
        assert plan.range.end == size - len(tail)
        assert plan.range.length > 0
        tail = data[plan.range.start : plan.range.end] + tail
        plan = locate_central_directory(tail, size, url=URL)
    entries = parse_central_directory(plan.central_directory(tail), url=URL, location=plan)
    entry = find_metadata_entry(entries, WHEEL, url=URL)
    span = entry.local_span(margin)
    local = data[span.start : span.end]
    for _ in range(3):
        more = entry.missing_bytes(local)
        if more is None or more.start >= size:
            break
        local += data[more.start : more.end]
    return extract_entry(entry, local, url=URL)


def touch_everything(raw: bytes) -> None:
    try:
        core = parse_metadata(raw, URL)
    except MetadataError:
        return
    core.to_json()
    _ = (core.name, core.version, core.requires_dist, core.requires_python, core.dynamic)
    _ = (core.canonical_name, core.provides_extra, core.metadata_version, core.valid)
    if core.metadata is not None:  # a returned Metadata never raises on access
        for name in FIELD_NAMES:
            getattr(core.metadata, name)


files_strategy = st.lists(
    st.tuples(
        st.text(
            st.characters(codec="utf-8", exclude_characters="\x00/"), min_size=1, max_size=20
        ).map(lambda s: f"foo_bar/{s}"),
        st.binary(max_size=3000),
        st.booleans(),
    ),
    max_size=30,
    unique_by=lambda item: item[0],
)


@FUZZ
@given(files=files_strategy, tail_size=st.integers(22, 70_000), margin=st.integers(0, 64))
def test_range_path_agrees_with_zipfile(
    files: list[tuple[str, bytes, bool]], tail_size: int, margin: int
) -> None:
    data = wheel(files)
    assert range_path(data, tail_size, margin) == METADATA
    assert metadata_from_wheel(data, WHEEL, url=URL) == METADATA


@FUZZ
@given(data=st.binary(max_size=2000), extra=st.integers(0, 100_000))
@example(data=b"PK\x05\x06" + bytes(18), extra=0)
@example(data=b"PK\x06\x07" + bytes(16) + b"PK\x05\x06" + b"\xff" * 16 + b"\x00\x00", extra=0)
def test_locate_central_directory_arbitrary_bytes(data: bytes, extra: int) -> None:
    try:
        plan = locate_central_directory(data, len(data) + extra, url=URL)
    except MetadataError:
        return
    if isinstance(plan, NeedBytes):
        assert plan.range.end == extra
    else:
        assert isinstance(plan, CentralDirectoryLocation)
        assert len(plan.central_directory(data)) == plan.size


@FUZZ
@given(data=st.binary(max_size=2000))
@example(data=b"PK\x01\x02" + bytes(42))
def test_parse_central_directory_arbitrary_bytes(data: bytes) -> None:
    with contextlib.suppress(MetadataError):
        parse_central_directory(data, url=URL)


@FUZZ
@given(data=st.binary(max_size=3000))
def test_metadata_from_wheel_arbitrary_bytes(data: bytes) -> None:
    with contextlib.suppress(MetadataError):
        metadata_from_wheel(data, WHEEL, url=URL)


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=4),
    cut=st.integers(0, 50),
    tail_size=st.sampled_from([22, 100, 65536]),
)
def test_damaged_wheels(flips: list[tuple[int, int]], cut: int, tail_size: int) -> None:
    data = bytearray(wheel([("foo_bar/a.py", b"x = 1\n" * 50, True)]))
    for at, xor in flips:
        data[at % len(data)] ^= xor
    damaged = bytes(data[: len(data) - cut])
    with contextlib.suppress(MetadataError):
        range_path(damaged, tail_size)
    with contextlib.suppress(MetadataError):
        metadata_from_wheel(damaged, WHEEL, url=URL)


@FUZZ
@given(
    entry=st.builds(
        ZipEntry,
        name=st.text(max_size=10),
        compressed_size=st.integers(0, 300),
        uncompressed_size=st.integers(0, 300),
        method=st.sampled_from([0, 8, 12]),
        local_header_offset=st.integers(0, 10),
        crc32=st.integers(0, 2**32 - 1),
        flags=st.sampled_from([0, 1, 0x800]),
    ),
    local=st.binary(max_size=400),
)
def test_extract_entry_arbitrary_bytes(entry: ZipEntry, local: bytes) -> None:
    try:
        entry.name_bytes  # noqa: B018
    except UnicodeEncodeError:
        assume(False)
    more = entry.missing_bytes(local)
    assert more is None or isinstance(more, ByteRange)
    with contextlib.suppress(MetadataError):
        extract_entry(entry, b"PK\x03\x04" + local, url=URL, max_size=200)


@FUZZ
@given(data=st.binary(max_size=2000))
@example(data=b"Name: a\nVersion: 1\nMetadata-Version: 2.1\n")
@example(
    data=b"Name: a\nVersion: 1\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nhi\n--x--\n"
)
def test_parse_metadata_arbitrary_bytes(data: bytes) -> None:
    touch_everything(data)


header_names = st.sampled_from(
    [
        "Metadata-Version",
        "Name",
        "Version",
        "Requires-Dist",
        "Requires-Python",
        "Provides-Extra",
        "Dynamic",
        "Keywords",
        "Project-URL",
        "License-File",
        "License-Expression",
        "Description",
        "Description-Content-Type",
        "Summary",
        "Import-Name",
        "Classifier",
        "Content-Type",
        "Content-Transfer-Encoding",
        "X-Custom",
    ]
)
header_values = st.one_of(
    st.sampled_from(["2.1", "2.2", "2.4", "2.99", "3.0", "a", "1.0", ">=3", "name; extra == 'x'"]),
    st.text(max_size=30),
)


@FUZZ
@given(
    headers=st.lists(st.tuples(header_names, header_values), max_size=12),
    body=st.text(max_size=50),
    latin=st.booleans(),
)
def test_parse_metadata_header_soup(headers: list[tuple[str, str]], body: str, latin: bool) -> None:
    lines = ["Name: foo", "Version: 1.0", *(f"{k}: {v}" for k, v in headers)]
    text = "\n".join(lines) + "\n\n" + body
    touch_everything(
        text.encode("latin-1", "replace") if latin else text.encode("utf-8", "surrogatepass")
    )


def sdist_tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, data in [
            ("foo_bar-1.0/setup.py", b"x" * 500),
            ("foo_bar-1.0/PKG-INFO", METADATA),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


SDIST = sdist_tar()


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.lists(st.tuples(st.integers(0, len(SDIST) - 1), st.integers(1, 255)), min_size=1).map(
            lambda flips: bytes(b ^ dict(flips).get(i, 0) for i, b in enumerate(SDIST))
        ),
    ),
    filename=st.sampled_from(["foo_bar-1.0.tar.gz", "foo_bar-1.0.zip"]),
)
# gzip headers cut short: CPython's tarfile raised TypeError and AttributeError for these.
@example(data=b"\x1f\x8b\x08", filename="foo_bar-1.0.tar.gz")
@example(
    data=b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\x00\x00\x01\x02\x01",
    filename="foo_bar-1.0.tar.gz",
)
def test_metadata_from_sdist_arbitrary_bytes(data: bytes, filename: str) -> None:
    with contextlib.suppress(MetadataError):
        metadata_from_sdist(data, filename, url=URL)
