"""Well-behaved replies: :func:`ok`, :func:`status`, :func:`redirect` and :func:`ranged`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from indexclient.testing.faults.connection import Connection, Fault, _message
from indexclient.testing.servers.loopback import SeenRequest


@dataclass(frozen=True)
class Reply:
    """A complete, valid response; the connection stays open. ``Content-Length`` is added
    unless ``headers`` has one (HEAD requests get the head only)."""

    code: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        message = _message(self.code, self.headers, self.body)
        if request.method == "HEAD":
            message = message[: len(message) - len(self.body)]
        await conn.send(message)


def _pairs(
    headers: Mapping[str, str] | None, *extra: tuple[str, str]
) -> tuple[tuple[str, str], ...]:
    return (*extra, *(headers or {}).items())


def ok(
    body: bytes = b"ok",
    *,
    headers: Mapping[str, str] | None = None,
    content_type: str = "text/plain",
) -> Reply:
    """200 with ``body``; ``headers`` are added after ``Content-Type``."""
    return Reply(200, body, _pairs(headers, ("Content-Type", content_type)))


def status(
    code: int,
    body: bytes = b"",
    *,
    retry_after: str | int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """``code`` with ``body`` and, if given, a ``Retry-After`` header (seconds or a date)."""
    extra = () if retry_after is None else (("Retry-After", str(retry_after)),)
    return Reply(code, body, _pairs(headers, *extra))


def redirect(location: str, code: int = 302) -> Reply:
    """A ``code`` redirect to ``location`` (sent exactly as given)."""
    return Reply(code, b"", (("Location", location),))


@dataclass(frozen=True)
class _Ranged:
    body: bytes
    content_type: str
    max_reply: int | None = None

    def _span(self, header: str) -> tuple[int, int] | None:
        """The inclusive byte span a single ``bytes=`` range asks for, or None."""
        unit, _, spec = header.partition("=")
        start, dash, end = spec.strip().partition("-")
        size = len(self.body)
        if unit.strip().lower() != "bytes" or not dash or "," in spec:
            return None
        try:
            if not start:  # bytes=-N: the last N bytes
                first, last = max(0, size - int(end)), size - 1
            else:
                first = int(start)
                last = min(int(end), size - 1) if end else size - 1
        except ValueError:
            return None
        return (first, last) if 0 <= first <= last else None

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        headers = [("Content-Type", self.content_type), ("Accept-Ranges", "bytes")]
        asked = request.headers.get("Range")
        if asked is None:
            await conn.send(_message(200, headers, self.body))
            return
        span = self._span(asked)
        if span is None:
            headers.append(("Content-Range", f"bytes */{len(self.body)}"))
            await conn.send(_message(416, headers, b""))
            return
        first, last = span
        if self.max_reply is not None:
            last = min(last, first + self.max_reply - 1)  # honest about the short reply
        headers.append(("Content-Range", f"bytes {first}-{last}/{len(self.body)}"))
        await conn.send(_message(206, headers, self.body[first : last + 1]))


def ranged(
    body: bytes, *, content_type: str = "application/octet-stream", max_reply: int | None = None
) -> Fault:
    """A file that honours a single ``Range: bytes=...`` (206 with ``Content-Range``, 416
    when unsatisfiable) and answers 200 with all of ``body`` without one.

    With ``max_reply``, a 206 carries at most that many bytes of the span asked for (its
    ``Content-Range`` says so): a server that makes a client ask again and again."""
    return _Ranged(body, content_type, max_reply)
