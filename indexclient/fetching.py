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

The bytes come from the file's source (:func:`indexclient.indexes.open_file`): a server,
whose range replies are checked and budgeted (docs/security.md, "Limits"), or a local
file, which must be a regular file. A whole file is read up to the size the index gives
(PEP 700) and ``max_archive_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName
from packaging.version import Version

from indexclient.errors import DigestMismatchError, MetadataError
from indexclient.indexes import open_file
from indexclient.indexes.files import MAX_RANGE_REQUESTS, MIN_RANGE_PROGRESS, Ranges
from indexclient.memo import Memo, MetadataSource, metadata_key, sha256_of
from indexclient.settings import IndexSpec
from indexclient.simple import DistributionFile

# Its archive readers (the ZIP structures, zipfile, tarfile) load at their first use, as
# module attributes: most metadata comes from .metadata files or the memo.
from indexclient.simple import metadata as archives
from indexclient.simple.metadata import (
    DEFAULT_MAX_METADATA_SIZE,
    CoreMetadata,
    parse_metadata,
    verify_digest,
)
from indexclient.transport.http import HttpClient, Response
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.reqfile import Hashes

__all__ = [
    "MAX_RANGE_REQUESTS",
    "MIN_RANGE_PROGRESS",
    "FileMetadata",
    "MetadataFetcher",
    "MetadataResult",
]

#: Largest wheel or sdist read whole to get at its metadata.
DEFAULT_MAX_ARCHIVE_SIZE = 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileMetadata:
    """A file's core metadata and how it was obtained.

    ``source`` is ``pep658``, ``range``, ``wheel`` (whole wheel read) or ``sdist``.
    ``reliable`` is False for an sdist whose PKG-INFO predates Metadata-Version 2.2;
    ``dynamic`` lists the fields a build may still change (PEP 643).
    """

    __module__ = "indexclient"

    file: DistributionFile
    metadata: CoreMetadata
    source: MetadataSource
    reliable: bool = True

    @property
    def dynamic(self) -> tuple[str, ...]:
        """The PEP 643 Dynamic fields, lower-cased."""
        return self.metadata.dynamic


@dataclass(frozen=True, slots=True)
class MetadataResult:
    """Core metadata for one requirement: the version and file chosen, and the metadata.

    ``metadata.to_json()`` gives the PEP 566 JSON form; ``source`` says how it was
    obtained (``pep658``, ``range``, ``wheel`` or ``sdist``); ``index`` is the index
    (or find-links location) the file came from: its ``url`` (redact it with
    :func:`indexclient.urls.redact_url` to show it) and ``name``.
    """

    __module__ = "indexclient"

    requirement: str
    name: NormalizedName
    version: Version
    file: DistributionFile
    metadata: CoreMetadata
    source: MetadataSource
    index: IndexSpec | None = None


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

    async def fetch(self, file: DistributionFile, *, hashes: Hashes | None = None) -> FileMetadata:
        """The core metadata of ``file`` by the cheapest path that works.

        ``hashes``: pip's hash-checking mode (a requirement's ``--hash``). A file read
        whole must match one of them. When the index does not vouch for one of them
        (no advertised digest among them), only the whole file, checked, is read: a
        metadata file or ranges would come from a file nothing vouches for."""
        if not (file.is_wheel or file.is_sdist):
            raise MetadataError(redact_url(file.url), "not a wheel or an sdist")
        source = open_file(file.url, self.http)
        vouched = not hashes or hashes.allows_any(file.hashes)
        if vouched and source.fetches_metadata_files and file.core_metadata is not None:
            found = await self._pep658(file)
            if found is not None:
                return found
        if vouched and file.is_wheel:
            key = source.range_key
            if key is None or key not in self.no_ranges:
                found = await self._via_ranges(file, source.ranges())
                if found is not None:
                    return found
                if key is not None:
                    self.no_ranges.add(key)
        data = await source.whole(file, self.max_archive_size)
        if hashes:
            hashes.check(data, redact_url(file.url))
        return self._from_archive(file, data)

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
            raise self.http.status_error(url, response.status, "cannot fetch the metadata file")
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

    async def _via_ranges(self, file: DistributionFile, source: Ranges) -> FileMetadata | None:
        """Metadata read piecewise; None when the source cannot serve ranges."""
        shown = redact_url(file.url)
        first = await source.tail(archives.TAIL_SIZE)
        if first is None:
            return None
        tail, size = first
        plan = archives.locate_central_directory(tail, size, url=shown)
        while isinstance(plan, archives.NeedBytes):
            more = await source.read(plan.range)
            if more is None:
                return None
            tail = more + tail
            plan = archives.locate_central_directory(tail, size, url=shown)
        entries = archives.parse_central_directory(
            plan.central_directory(tail), url=shown, location=plan
        )
        entry = archives.find_metadata_entry(
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
        raw = archives.extract_entry(entry, local, url=shown, max_size=self.max_metadata_size)
        return FileMetadata(file, parse_metadata(raw, shown), "range")

    def _from_archive(self, file: DistributionFile, data: bytes) -> FileMetadata:
        shown = redact_url(file.url)
        if file.is_wheel:
            raw = archives.metadata_from_wheel(
                data, file.filename, url=shown, max_size=self.max_metadata_size
            )
            return FileMetadata(file, parse_metadata(raw, shown), "wheel")
        if file.is_sdist:
            sdist = archives.metadata_from_sdist(
                data, file.filename, url=shown, max_size=self.max_metadata_size
            )
            return FileMetadata(file, sdist.core, "sdist", reliable=sdist.is_reliable)
        raise MetadataError(shown, "not a wheel or an sdist")
