"""Finding the metadata file inside wheels and sdists (all in memory, no IO)."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from indexclient.errors import MetadataError, MetadataTooLargeError
from indexclient.simple._coremeta import CoreMetadata, parse_metadata
from indexclient.simple._zip import DEFAULT_MAX_METADATA_SIZE, ZipEntry

__all__ = [
    "MAX_SDIST_SCAN",
    "SdistMetadata",
    "find_metadata_entry",
    "metadata_from_sdist",
    "metadata_from_wheel",
]

#: How far into an sdist's uncompressed tar stream ``PKG-INFO`` is looked for. A
#: .tar.gz cannot be read out of order, so a small file of zeros could otherwise
#: cost minutes of decompression.
MAX_SDIST_SCAN = 2 * 1024 * 1024 * 1024
_DIST_INFO = ".dist-info"
# What the standard library's archive readers raise on damaged input.
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    KeyError,
    IndexError,
    OverflowError,
)


def _deflate_bound(size: int) -> int:
    """zlib's compressBound: the most deflate can expand ``size`` bytes, plus slack."""
    return size + (size >> 12) + (size >> 14) + (size >> 25) + 64


def _matches(stem: str, name: NormalizedName, version: Version) -> bool:
    """Whether ``{name}-{version}`` (in any spelling) names this project and version."""
    project, sep, version_text = stem.rpartition("-")
    if not sep or canonicalize_name(project) != name:
        return False
    try:
        return Version(version_text) == version
    except InvalidVersion:
        return False


def find_metadata_entry(
    entries: Iterable[ZipEntry],
    wheel_filename: str,
    *,
    url: str,
    max_size: int = DEFAULT_MAX_METADATA_SIZE,
) -> ZipEntry:
    """The wheel's ``{name}-{version}.dist-info/METADATA`` entry.

    The archive must have exactly one top-level ``.dist-info`` directory, and its
    name must match the wheel filename's project (compared PEP 503-normalised) and
    version (compared as PEP 440 versions), so ``Foo_Bar-1.0.dist-info`` matches
    ``foo_bar-1.0-py3-none-any.whl``. Sizes are checked against ``max_size`` here, so
    an oversized entry is refused before its bytes are fetched.
    """
    try:
        name, version, _, _ = parse_wheel_filename(wheel_filename)
    except (InvalidWheelFilename, InvalidVersion) as exc:
        raise MetadataError(url, f"invalid wheel filename: {exc}") from None
    found: dict[str, list[ZipEntry]] = {}
    for entry in entries:
        top, sep, _ = entry.name.partition("/")
        if sep and top.endswith(_DIST_INFO):
            found.setdefault(top, []).append(entry)
    if len(found) != 1:
        listed = ", ".join(sorted(found)) or "none"
        raise MetadataError(
            url, f"a wheel must have exactly one top-level .dist-info directory; found {listed}"
        )
    ((directory, members),) = found.items()
    if not _matches(directory[: -len(_DIST_INFO)], name, version):
        raise MetadataError(url, f"{directory} does not match the wheel name {wheel_filename}")
    path = f"{directory}/METADATA"
    candidates = [entry for entry in members if entry.name == path]
    if not candidates:
        raise MetadataError(url, f"the wheel has no {path}")
    if len(candidates) > 1:
        raise MetadataError(url, f"the wheel has {len(candidates)} entries named {path}")
    (entry,) = candidates
    if entry.uncompressed_size > max_size:
        raise MetadataTooLargeError(url, path, entry.uncompressed_size, max_size)
    if entry.compressed_size > _deflate_bound(max_size):
        raise MetadataTooLargeError(url, f"compressed {path}", entry.compressed_size, max_size)
    return entry


def _read_capped(stream: IO[bytes], max_size: int, url: str, what: str) -> bytes:
    data = stream.read(max_size + 1)
    if len(data) > max_size:
        raise MetadataTooLargeError(url, what, None, max_size)
    return data


def metadata_from_wheel(
    data: bytes,
    filename: str,
    *,
    url: str,
    max_size: int = DEFAULT_MAX_METADATA_SIZE,
) -> bytes:
    """The ``METADATA`` bytes of a whole wheel held in memory.

    Uses :mod:`zipfile` (more tolerant of odd archives than the range reader, and
    supporting bzip2/LZMA), with the same entry selection and size cap. Reading
    stops after ``max_size + 1`` decompressed bytes; the CRC-32 is checked.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            entries = [
                ZipEntry(
                    info.filename,
                    info.compress_size,
                    info.file_size,
                    info.compress_type,
                    info.header_offset,
                    info.CRC,
                    info.flag_bits,
                )
                for info in infos
            ]
            entry = find_metadata_entry(entries, filename, url=url, max_size=max_size)
            info = next(i for i, e in zip(infos, entries, strict=True) if e is entry)
            with archive.open(info) as stream:
                return _read_capped(stream, max_size, url, entry.name)
    except _ARCHIVE_ERRORS as exc:
        raise MetadataError(url, f"cannot read the wheel: {exc or type(exc).__name__}") from None


@dataclass(frozen=True, slots=True)
class SdistMetadata:
    """An sdist's ``PKG-INFO``: where it was, what it says, and whether to trust it.

    ``is_reliable`` is PEP 643's rule: from ``Metadata-Version`` 2.2 on, fields not
    listed in ``Dynamic`` are what any wheel built from the sdist will have.
    Earlier files are returned too, flagged unreliable; the caller decides.
    """

    path: str
    core: CoreMetadata
    is_reliable: bool

    @property
    def raw(self) -> bytes:
        """The ``PKG-INFO`` bytes."""
        return self.core.raw

    @property
    def dynamic(self) -> tuple[str, ...]:
        """The ``Dynamic`` fields, lower-cased (empty before Metadata-Version 2.2)."""
        return self.core.dynamic

    @property
    def dependencies_dynamic(self) -> bool:
        """Whether the dependencies cannot be taken from ``PKG-INFO`` as they are.

        True when the file is unreliable (before 2.2) or lists ``Requires-Dist``
        in ``Dynamic``.
        """
        return not self.is_reliable or "requires-dist" in self.dynamic


def metadata_from_sdist(
    data: bytes,
    filename: str,
    *,
    url: str,
    max_size: int = DEFAULT_MAX_METADATA_SIZE,
) -> SdistMetadata:
    """Read ``{name}-{version}/PKG-INFO`` from a ``.tar.gz`` or ``.zip`` sdist.

    Only a top-level directory matching the filename (normalised as for wheels)
    counts. The tar is read as a stream; no other member is extracted; a
    ``PKG-INFO`` that is not a regular file, or larger than ``max_size``, is refused.
    """
    try:
        name, version = parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidVersion) as exc:
        raise MetadataError(url, f"invalid sdist filename: {exc}") from None
    try:
        if filename.lower().endswith(".zip"):
            path, raw = _pkg_info_from_zip(data, name, version, url, max_size)
        else:
            path, raw = _pkg_info_from_tar(data, name, version, url, max_size)
    except _ARCHIVE_ERRORS as exc:
        raise MetadataError(url, f"cannot read the sdist: {exc or type(exc).__name__}") from None
    core = parse_metadata(raw, url)
    try:
        reliable = Version(core.metadata_version or "0") >= Version("2.2")
    except InvalidVersion:
        reliable = False
    return SdistMetadata(path, core, reliable)


def _pkg_info_dir(path: str, name: NormalizedName, version: Version) -> bool | None:
    """True for the wanted PKG-INFO, False for another top-level one, else None."""
    parts = path.removeprefix("./").split("/")
    if len(parts) != 2 or parts[1] != "PKG-INFO":
        return None
    return _matches(parts[0], name, version)


def _not_found(url: str, name: str, version: Version, others: list[str]) -> MetadataError:
    also = f" (found {', '.join(others)})" if others else ""
    return MetadataError(url, f"the sdist has no {name}-{version}/PKG-INFO{also}")


def _pkg_info_from_tar(
    data: bytes, name: NormalizedName, version: Version, url: str, max_size: int
) -> tuple[str, bytes]:
    others: list[str] = []
    try:
        opened = tarfile.open(fileobj=io.BytesIO(data), mode="r|gz")  # noqa: SIM115 - closed below
    except (TypeError, AttributeError) as exc:
        # CPython's stream reader (3.10-3.13) fails so on a gzip header cut short:
        # ord() of an empty read, or a zlib error it meant to translate and could not.
        raise tarfile.ReadError("the gzip header is cut short or corrupt") from exc
    with opened as archive:
        for member in archive:
            if member.offset_data > MAX_SDIST_SCAN:
                raise MetadataTooLargeError(url, "the sdist's tar stream", None, MAX_SDIST_SCAN)
            wanted = _pkg_info_dir(member.name, name, version)
            if wanted is None:
                continue
            if not wanted:
                others.append(member.name)
                continue
            if not member.isreg():
                raise MetadataError(url, f"{member.name} is not a regular file")
            if member.size > max_size:
                raise MetadataTooLargeError(url, member.name, member.size, max_size)
            stream = archive.extractfile(member)
            if stream is None:  # pragma: no cover - isreg() members always have one
                raise MetadataError(url, f"cannot read {member.name}")
            return member.name, _read_capped(stream, max_size, url, member.name)
    raise _not_found(url, name, version, others)


def _pkg_info_from_zip(
    data: bytes, name: NormalizedName, version: Version, url: str, max_size: int
) -> tuple[str, bytes]:
    others: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        matches = []
        for info in archive.infolist():
            wanted = _pkg_info_dir(info.filename, name, version)
            if wanted:
                matches.append(info)
            elif wanted is not None:
                others.append(info.filename)
        if not matches:
            raise _not_found(url, name, version, others)
        if len(matches) > 1:
            raise MetadataError(url, f"the sdist has {len(matches)} {matches[0].filename} entries")
        (info,) = matches
        if info.file_size > max_size:
            raise MetadataTooLargeError(url, info.filename, info.file_size, max_size)
        with archive.open(info) as stream:
            return info.filename, _read_capped(stream, max_size, url, info.filename)
