"""Where a distribution's bytes come from: a server (:class:`HttpFile`), or a file on
this machine (:class:`~indexclient.indexes.localfs.LocalFile`).

A :class:`FileSource` reads one file three ways: by ranges (a wheel's metadata without
the rest of it), whole (to read the metadata inside), and as a body to stream into a
download. :func:`~indexclient.indexes.open_file` picks the source from the file's URL;
the callers (:mod:`indexclient.fetching`, :mod:`indexclient.download`) keep the
policy of what they ask and check.

Nothing a server says is taken on trust (docs/security.md, "Limits"): range reading has
a budget of requests per file, each reply must be the bytes asked for (its
Content-Range checked) and make real progress, else the server is treated as one
without ranges.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

from indexclient.errors import NotFoundError, ResponseError
from indexclient.simple import DistributionFile
from indexclient.simple.metadata import SUPPORTED_DIGESTS, verify_digest
from indexclient.transport.auth import origin_of
from indexclient.transport.http import HttpClient
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.simple.metadata import ByteRange

__all__ = [
    "MAX_RANGE_REQUESTS",
    "MIN_RANGE_PROGRESS",
    "Body",
    "FileSource",
    "HttpFile",
    "Ranges",
]

#: Range requests for one file: a wheel's metadata takes 2 to 4 (the tail, perhaps more
#: of the central directory, the entry); a server that needs more is misbehaving.
MAX_RANGE_REQUESTS = 8
#: A range reply must carry the bytes asked for, or at least this many: a server
#: answering a byte at a time would otherwise be asked again and again.
MIN_RANGE_PROGRESS = 16 * 1024


class Ranges(Protocol):
    """Piecewise reads of one file."""

    async def tail(self, length: int) -> tuple[bytes, int] | None:
        """The last ``length`` bytes (or the whole file if shorter) and the file size."""

    async def read(self, span: ByteRange) -> bytes | None:
        """The bytes of ``span``; None when they cannot be had piecewise."""


class Body:
    """A file's bytes as they arrive: the status (200 for a local file), the size the
    source announces when it bounds the bytes to come (None when nothing does), and the
    bytes, decoded."""

    # A plain class: a dataclass costs more to define than a warm run spends here.
    __slots__ = ("announced", "chunks", "status")

    def __init__(self, status: int, announced: int | None, chunks: AsyncIterator[bytes]) -> None:
        self.status, self.announced, self.chunks = status, announced, chunks


class FileSource(Protocol):
    """One distribution file's bytes, however they are had."""

    #: Whether the PEP 658 metadata file beside it is fetched first.
    fetches_metadata_files: bool

    @property
    def range_key(self) -> str | None:
        """What shares this file's support of ranges (a server: ``host:port``), or None
        when it never lacks them."""
        ...

    def ranges(self) -> Ranges:
        """A reader of ranges of the file (each with its own request budget)."""
        ...

    async def whole(self, file: DistributionFile, limit: int) -> bytes:
        """The whole file ``file``, at most ``limit`` bytes."""
        ...

    def body(self, *, until: float) -> contextlib.AbstractAsyncContextManager[Body]:
        """The file, opened to be streamed by ``until`` (the loop's time)."""
        ...


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


class HttpFile:
    """A file on a server, read through the client's HttpClient."""

    fetches_metadata_files = True

    def __init__(self, url: str, http: HttpClient) -> None:
        self.url = url
        self.http = http

    @property
    def range_key(self) -> str:
        """The server (its origin): a server that ignores ranges ignores them for every
        file."""
        scheme, host, port = origin_of(self.url)
        return f"{scheme}://{host}:{port}"

    def ranges(self) -> Ranges:
        """Range requests, within this file's budget."""
        return _HttpRanges(self.http, self.url)

    async def whole(self, file: DistributionFile, limit: int) -> bytes:
        """The whole file, streamed with a size cap (the index's size when it gives one)
        and checked against the size and the hashes the index gives."""
        cap = limit if file.size is None else min(file.size, limit)
        shown = redact_url(self.url)
        async with self.http.stream(self.url, max_size=cap) as stream:
            if stream.status in (404, 410):
                raise NotFoundError(shown, stream.status, "the file is gone")
            if stream.status != 200:
                raise self.http.status_error(self.url, stream.status, "cannot fetch the file")
            data = await stream.read()
            if file.size is not None and len(data) != file.size:
                raise ResponseError(
                    shown,
                    stream.status,
                    f"the server sent {len(data)} bytes but the index says the file has "
                    f"{file.size}",
                )
        if any(name.lower() in SUPPORTED_DIGESTS for name in file.hashes):
            verify_digest(data, file.hashes, shown)
        return data

    @contextlib.asynccontextmanager
    async def body(self, *, until: float) -> AsyncIterator[Body]:
        """The response's body; its Content-Length bounds it only when not encoded
        (Content-Length counts encoded bytes)."""
        async with self.http.stream(self.url, until=until) as stream:
            if stream.status in (401, 403, 407):
                # A refusal says which credentials were tried (transport.refusal).
                raise self.http.status_error(self.url, stream.status, "the download failed")
            encoded = stream.headers.get("Content-Encoding", "identity").lower() != "identity"
            yield Body(stream.status, None if encoded else stream.content_length, stream.chunks())


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
