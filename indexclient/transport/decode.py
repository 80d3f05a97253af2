"""Content-Encoding decoding with a cap on the decoded size, memory bounded.

aiohttp's own decompression would inflate a whole network chunk at once (a 64 KiB gzip
chunk of zeros becomes 64 MiB); here every step inflates at most ``_STEP`` bytes, so a
gzip bomb stops at the cap having used little memory.
"""

from __future__ import annotations

import zlib

from indexclient.errors import ResponseError, ResponseTooLargeError
from indexclient.urls import redact_url

__all__ = ["ACCEPT_ENCODING", "BodyDecoder"]

ACCEPT_ENCODING = "gzip, deflate"
_STEP = 256 * 1024


class BodyDecoder:
    """Decodes a response body chunk by chunk; raises when it grows past ``max_size``."""

    def __init__(
        self, content_encoding: str | None, url: str, max_size: int | None, status: int = 200
    ) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise ResponseError(
                redact_url(url), status, f"unsupported Content-Encoding {encoding!r}"
            )
        self._status = status
        self._encoding = encoding
        self._url = url
        self._max = max_size
        self.size = 0
        self._inflater = self._new_inflater()
        self._deflate_checked = False
        self._fed = False

    def _new_inflater(self) -> zlib._Decompress | None:
        if self._encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._encoding == "deflate":
            return zlib.decompressobj()
        return None

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self._max is not None and self.size > self._max:
            raise ResponseTooLargeError(redact_url(self._url), self._status, self._max)
        return data

    def feed(self, chunk: bytes) -> list[bytes]:
        """Decoded pieces of ``chunk`` (each at most 256 KiB)."""
        inflater = self._inflater
        if inflater is None:
            return [self._count(chunk)] if chunk else []
        pieces = []
        data = chunk
        self._fed = self._fed or bool(chunk)
        while data:
            try:
                out = inflater.decompress(data, _STEP)
            except zlib.error as exc:
                if self._encoding == "deflate" and not self._deflate_checked:
                    # "deflate" is often sent raw, without the zlib wrapper.
                    inflater = self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._deflate_checked = True
                    continue
                raise ResponseError(
                    redact_url(self._url),
                    self._status,
                    f"the {self._encoding} body is corrupt: {exc}",
                ) from exc
            self._deflate_checked = True
            if out:
                pieces.append(self._count(out))
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:
                # Concatenated gzip members (RFC 1952 2.2) decode one after another.
                data = inflater.unused_data
                inflater = self._inflater = self._new_inflater()
                assert inflater is not None
        return pieces

    def finish(self) -> list[bytes]:
        """Whatever the decompressor still holds at the end of the body."""
        if self._inflater is None:
            return []
        rest = self._inflater.flush()
        if self._fed and not self._inflater.eof:
            # zlib reports no error for a stream that simply stops: a body cut short at a
            # matching Content-Length would otherwise decode to a silent prefix.
            raise ResponseError(
                redact_url(self._url),
                self._status,
                f"the {self._encoding} body ends before its stream does",
            )
        return [self._count(rest)] if rest else []
