"""Fetching a distribution's core metadata: the IO around :mod:`indexclient.simple.metadata`.

In order of preference (the cheapest first):

1. the PEP 658/714 ``.metadata`` file, when the page advertises it, checked against the
   advertised digest (a mismatch is an error, never accepted);
2. HTTP range requests into a wheel: the tail (end of central directory and central
   directory), then only the ``METADATA`` entry; a wheel of hundreds of MB costs a few KB;
3. when the server ignores ranges, the whole wheel, streamed (and remembered per host,
   so its other wheels skip straight to this);
4. for an sdist, its ``PKG-INFO`` (trusted from Metadata-Version 2.2 on; the result
   says which fields are dynamic).

Nothing the server says is taken on trust (docs/security.md, "Limits"): range reading
has a budget of requests per file and each reply must be the bytes asked for (its
Content-Range checked) and make real progress; a server failing either is treated as
one without ranges. A whole file is read up to the size the index gives (PEP 700) and
``max_archive_size``. A local file must be a regular file.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from indexclient.errors import ConfigurationError, NotFoundError, ResponseError
from indexclient.memo import Memo, metadata_key, sha256_of
from indexclient.simple import DistributionFile
from indexclient.simple.metadata import (
    DEFAULT_MAX_METADATA_SIZE,
    SUPPORTED_DIGESTS,
    CoreMetadata,
    DigestMismatchError,
    MetadataError,
    parse_metadata,
    verify_digest,
)
from indexclient.transport.http import HttpClient, Response
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.simple.metadata import ByteRange

__all__ = ["MAX_RANGE_REQUESTS", "MIN_RANGE_PROGRESS", "FileMetadata", "MetadataFetcher"]

#: Largest wheel or sdist read whole to get at its metadata.
DEFAULT_MAX_ARCHIVE_SIZE = 1024 * 1024 * 1024
#: Range requests for one file: a wheel's metadata takes 2 to 4 (the tail, perhaps more
#: of the central directory, the entry); a server that needs more is misbehaving.
MAX_RANGE_REQUESTS = 8
#: A range reply must carry the bytes asked for, or at least this many: a server
#: answering a byte at a time would otherwise be asked again and again.
MIN_RANGE_PROGRESS = 16 * 1024


@dataclass(frozen=True, slots=True)
class FileMetadata:
    """A file's core metadata and how it was obtained.

    ``source`` is ``pep658``, ``range``, ``wheel`` (whole wheel read) or ``sdist``.
    ``reliable`` is False for an sdist whose PKG-INFO predates Metadata-Version 2.2;
    ``dynamic`` lists the fields a build may still change (PEP 643).
    """

    file: DistributionFile
    metadata: CoreMetadata
    source: str
    reliable: bool = True

    @property
    def dynamic(self) -> tuple[str, ...]:
        """The PEP 643 Dynamic fields, lower-cased."""
        return self.metadata.dynamic


def _content_range(value: str | None) -> tuple[int, int, int] | None:
    """``bytes FIRST-LAST/TOTAL`` as numbers (RFC 9110 14.4); None for anything else,
    an unknown total (``*``) included: a range needs a known file size here."""
    if not value:
        return None
    unit, _, spec = value.strip().partition(" ")
    span, _, total = spec.partition("/")
    first, _, last = span.partition("-")
    numbers = (first.strip(), last.strip(), total.strip())
    if unit.lower() != "bytes" or not all(n.isascii() and n.isdigit() for n in numbers):
        return None
    a, b, size = (int(n) for n in numbers)
    return (a, b, size) if a <= b < size else None


class MetadataFetcher:
    """Gets core metadata through one HttpClient, remembering hosts without ranges.

    With a ``memo``, metadata files parsed once are remembered by their sha256.
    """

    def __init__(
        self,
        http: HttpClient,
        *,
        memo: Memo | None = None,
        max_metadata_size: int = DEFAULT_MAX_METADATA_SIZE,
        max_archive_size: int = DEFAULT_MAX_ARCHIVE_SIZE,
    ) -> None:
        self.http = http
        self.memo = memo
        self.max_metadata_size = max_metadata_size
        self.max_archive_size = max_archive_size
        #: Hosts (host:port) that answered a range request with the whole file.
        self.no_ranges: set[str] = set()

    async def fetch(self, file: DistributionFile) -> FileMetadata:
        """The core metadata of ``file`` by the cheapest path that works."""
        if not (file.is_wheel or file.is_sdist):
            raise MetadataError(redact_url(file.url), "not a wheel or an sdist")
        if file.url.startswith("file:"):
            from indexclient.indexes.local import path_from_file_url  # file:// indexes only

            path = path_from_file_url(file.url)
            if file.is_wheel:
                found = await self._via_ranges(file, _LocalRanges(path))
                if found is not None:
                    return found
            data = await asyncio.to_thread(_read_local, path, self.max_archive_size)
            return self._from_archive(file, data)
        if file.core_metadata is not None:
            found = await self._pep658(file)
            if found is not None:
                return found
        if file.is_wheel:
            host = self._host(file.url)
            if host not in self.no_ranges:
                found = await self._via_ranges(file, _HttpRanges(self.http, file.url))
                if found is not None:
                    return found
                self.no_ranges.add(host)
        return self._from_archive(file, await self._whole(file))

    @staticmethod
    def _host(url: str) -> str:
        from yarl import URL  # only on the network path, which has imported it already

        parsed = URL(url)
        return f"{parsed.host}:{parsed.port}"

    async def _pep658(self, file: DistributionFile) -> FileMetadata | None:
        url = file.core_metadata_url
        if url is None or file.core_metadata is None:
            return None
        shown = redact_url(url)
        remembered = self._remembered(sha256_of(file.core_metadata), shown)
        if remembered is not None:
            try:
                verify_digest(remembered.raw, file.core_metadata, shown)
            except DigestMismatchError:
                pass  # a damaged memo: fetch the file
            else:
                return FileMetadata(file, remembered, "pep658")
        response = await self.http.get(url, max_size=self.max_metadata_size, cacheable=True)
        if response.status in (404, 410):
            return None  # advertised but absent: fall back to the file itself
        if response.status != 200:
            raise ResponseError(shown, response.status, "cannot fetch the metadata file")
        if file.core_metadata:
            verify_digest(response.body, file.core_metadata, shown)
        return FileMetadata(file, self._parse_remembering(response, shown), "pep658")

    def _remembered(self, sha256: str | None, shown: str) -> CoreMetadata | None:
        """The parse of the metadata file whose sha256 the page gave, from the cache's
        memo. Bytes named by their digest cannot go stale, so this needs no request (and
        no freshness check): a warm run reads one small file per metadata file."""
        memo = self.memo
        if memo is None or not sha256 or self.http.refresh:
            return None
        return CoreMetadata.from_memo(shown, memo.get("metadata", metadata_key(sha256)))

    def _parse_remembering(self, response: Response, shown: str) -> CoreMetadata:
        """Parse a metadata file (or take the parse remembered for the same bytes), and
        remember it under the body's sha256 for the next run."""
        memo = self.memo
        if memo is None or not response.digest:
            return parse_metadata(response.body, shown)
        key = metadata_key(response.digest)
        remembered = CoreMetadata.from_memo(shown, memo.get("metadata", key))
        if remembered is not None and remembered.raw == response.body:
            return remembered
        parsed = parse_metadata(response.body, shown)
        memo.put("metadata", key, parsed.to_memo())
        return parsed

    async def _via_ranges(self, file: DistributionFile, source: _Ranges) -> FileMetadata | None:
        """Metadata read piecewise; None when the source cannot serve ranges."""
        # The ZIP reader loads on demand: most metadata comes from .metadata files.
        from indexclient.simple.metadata import (
            TAIL_SIZE,
            NeedBytes,
            extract_entry,
            find_metadata_entry,
            locate_central_directory,
            parse_central_directory,
        )

        shown = redact_url(file.url)
        first = await source.tail(TAIL_SIZE)
        if first is None:
            return None
        tail, size = first
        plan = locate_central_directory(tail, size, url=shown)
        while isinstance(plan, NeedBytes):
            more = await source.read(plan.range)
            if more is None:
                return None
            tail = more + tail
            plan = locate_central_directory(tail, size, url=shown)
        entries = parse_central_directory(plan.central_directory(tail), url=shown, location=plan)
        entry = find_metadata_entry(
            entries, file.filename, url=shown, max_size=self.max_metadata_size
        )
        span = entry.local_span()
        tail_start = size - len(tail)
        if span.start >= tail_start:
            # Small wheels: the entry is already in the tail.
            local = tail[span.start - tail_start : span.end - tail_start]
        else:
            fetched = await source.read(span)
            if fetched is None:
                return None
            local = fetched
        while (missing := entry.missing_bytes(local)) is not None:
            more = await source.read(missing)
            if not more:
                raise MetadataError(shown, "the server sent less than the range asked for")
            local += more
        raw = extract_entry(entry, local, url=shown, max_size=self.max_metadata_size)
        return FileMetadata(file, parse_metadata(raw, shown), "range")

    async def _whole(self, file: DistributionFile) -> bytes:
        """The whole file, streamed with a size cap and checked against its hashes."""
        cap = self.max_archive_size if file.size is None else min(file.size, self.max_archive_size)
        async with self.http.stream(file.url, max_size=cap) as stream:
            if stream.status in (404, 410):
                raise NotFoundError(redact_url(file.url), stream.status, "the file is gone")
            if stream.status != 200:
                raise ResponseError(redact_url(file.url), stream.status, "cannot fetch the file")
            data = await stream.read()
            if file.size is not None and len(data) != file.size:
                raise ResponseError(
                    redact_url(file.url),
                    stream.status,
                    f"the server sent {len(data)} bytes but the index says the file has "
                    f"{file.size}",
                )
        if any(name.lower() in SUPPORTED_DIGESTS for name in file.hashes):
            verify_digest(data, file.hashes, redact_url(file.url))
        return data

    def _from_archive(self, file: DistributionFile, data: bytes) -> FileMetadata:
        from indexclient.simple.metadata import metadata_from_sdist, metadata_from_wheel

        shown = redact_url(file.url)
        if file.is_wheel:
            raw = metadata_from_wheel(
                data, file.filename, url=shown, max_size=self.max_metadata_size
            )
            return FileMetadata(file, parse_metadata(raw, shown), "wheel")
        if file.is_sdist:
            sdist = metadata_from_sdist(
                data, file.filename, url=shown, max_size=self.max_metadata_size
            )
            return FileMetadata(file, sdist.core, "sdist", reliable=sdist.is_reliable)
        raise MetadataError(shown, "not a wheel or an sdist")


class _Ranges(Protocol):
    async def tail(self, length: int) -> tuple[bytes, int] | None:
        """The last ``length`` bytes (or the whole file if shorter) and the file size."""

    async def read(self, span: ByteRange) -> bytes | None:
        """The bytes of ``span``; None when they cannot be had piecewise."""


class _HttpRanges:
    """Ranges over HTTP; None as soon as the server answers without a usable 206.

    Usable means: within the budget of :data:`MAX_RANGE_REQUESTS`, a Content-Range for
    exactly the bytes asked for (the tail ends at the file's end; every reply names the
    same file size), and progress of at least the bytes asked or
    :data:`MIN_RANGE_PROGRESS`.
    """

    def __init__(self, http: HttpClient, url: str) -> None:
        self.http = http
        self.url = url
        self.requests = 0
        self.size: int | None = None

    async def _get(self, header: str, length: int) -> tuple[bytes, int, int] | None:
        """The body of a 206 for ``header``, its first offset and the file's size."""
        if self.requests >= MAX_RANGE_REQUESTS:
            return None
        self.requests += 1
        response = await self.http.range_get(self.url, header, max_size=length)
        if response is None or response.status != 206:
            return None
        span = _content_range(response.headers.get("Content-Range"))
        if span is None:
            return None
        first, last, size = span
        if len(response.body) != last - first + 1 or self.size not in (None, size):
            return None
        return response.body, first, size

    async def tail(self, length: int) -> tuple[bytes, int] | None:
        got = await self._get(f"bytes=-{length}", length)
        if got is None:
            return None
        body, first, size = got
        if first + len(body) != size or len(body) < min(length, size):
            return None
        self.size = size
        return body, size

    async def read(self, span: ByteRange) -> bytes | None:
        got = await self._get(span.header, span.length)
        if got is None:
            return None
        body, first, _ = got
        if first != span.start or len(body) < min(span.length, MIN_RANGE_PROGRESS):
            return None
        return body


def _local_error(path: Path, reason: str) -> ConfigurationError:
    return ConfigurationError.single(f"local file {path}", reason)


def _read_local(path: Path, limit: int) -> bytes:
    """A local distribution, whole: a regular file of at most ``limit`` bytes."""
    from indexclient.userfiles import UnreadableFile, read_user_file

    try:
        return read_user_file(path, limit=limit)
    except UnreadableFile as exc:
        raise _local_error(path, exc.reason) from None


class _LocalRanges:
    """Ranges of a local file, read with seeks in a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self, start: int | None, length: int) -> tuple[bytes, int]:
        from indexclient.userfiles import UnreadableFile, open_regular_file

        try:
            handle = open_regular_file(self.path)
        except UnreadableFile as exc:
            raise _local_error(self.path, exc.reason) from None
        with handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - length) if start is None else start)
            return handle.read(length), size

    async def tail(self, length: int) -> tuple[bytes, int] | None:
        return await asyncio.to_thread(self._read, None, length)

    async def read(self, span: ByteRange) -> bytes | None:
        data, _ = await asyncio.to_thread(self._read, span.start, span.length)
        return data
