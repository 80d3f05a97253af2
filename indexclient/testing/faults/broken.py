"""Replies that misbehave: resets, a byte at a time, stalls, short bodies, gzip bombs and
bodies without end."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from indexclient.testing.faults.connection import Connection, Fault, _head, _message, _with_length
from indexclient.testing.faults.replies import ok
from indexclient.testing.servers.loopback import SeenRequest


@dataclass(frozen=True)
class _ResetBeforeHeaders:
    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        conn.reset()


def reset_before_headers() -> Fault:
    """Read the request, then drop the connection without a byte of answer (see
    :meth:`Connection.reset`: an RST on plain TCP, an abort on TLS)."""
    return _ResetBeforeHeaders()


@dataclass(frozen=True)
class _ResetMidHeaders:
    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        message = _message(200, [("Content-Type", "text/plain")], b"never sent")
        head_size = message.index(b"\r\n\r\n")
        await conn.send(message[: head_size // 2])
        conn.reset()


def reset_mid_headers() -> Fault:
    """Send the first half of the status line and headers, then drop the connection."""
    return _ResetMidHeaders()


@dataclass(frozen=True)
class _ResetMidBody:
    body: bytes
    sent: int

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        head = _head(
            200, _with_length([("Content-Type", "application/octet-stream")], len(self.body))
        )
        await conn.send(head + self.body[: self.sent])
        conn.reset()


def reset_mid_body(body: bytes, sent: int | None = None) -> Fault:
    """Announce all of ``body`` (``Content-Length``), send its first ``sent`` bytes (half by
    default), then drop the connection."""
    return _ResetMidBody(body, len(body) // 2 if sent is None else sent)


@dataclass(frozen=True)
class _ByteByByte:
    message: bytes
    delay: float

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        for index in range(len(self.message)):
            await conn.send(self.message[index : index + 1])
            await asyncio.sleep(self.delay)


def byte_by_byte(
    body: bytes,
    *,
    delay: float = 0.001,
    headers: Mapping[str, str] | None = None,
    content_type: str = "text/plain",
) -> Fault:
    """A valid 200 response (like :func:`ok`), status line and headers included, written one
    byte at a time with ``delay`` seconds between bytes."""
    reply = ok(body, headers=headers, content_type=content_type)
    return _ByteByByte(_message(reply.code, reply.headers, reply.body), delay)


@dataclass(frozen=True)
class _Stall:
    after_headers: bool
    seconds: float

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        if self.after_headers:
            await conn.send(
                _head(200, [("Content-Type", "text/plain"), ("Content-Length", "1024")])
            )
        await asyncio.sleep(self.seconds)
        conn.reset()


def stall(*, after_headers: bool = True, seconds: float = 3600.0) -> Fault:
    """Go silent for ``seconds``, then drop the connection.

    With ``after_headers`` the silence follows a 200 head announcing 1024 bytes of body;
    without, it follows the request. Server shutdown cancels the wait.
    """
    return _Stall(after_headers, seconds)


@dataclass(frozen=True)
class _WrongContentLength:
    body: bytes
    claimed: int

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        headers = [
            ("Content-Type", "application/octet-stream"),
            ("Content-Length", str(self.claimed)),
        ]
        await conn.send(_head(200, headers) + self.body)
        await conn.close()


def wrong_content_length(body: bytes, claimed: int | None = None) -> Fault:
    """Announce ``claimed`` bytes (``len(body) + 100`` by default), send ``body``, then close
    the connection gracefully: a body cut short, as the client sees it."""
    return _WrongContentLength(body, len(body) + 100 if claimed is None else claimed)


@dataclass(frozen=True)
class _GzipBomb:
    decoded_size: int
    chunk: int

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
        ]
        await conn.send(_head(200, headers))
        zeros = bytes(self.chunk)
        compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        remaining = self.decoded_size
        while remaining > 0:
            step = min(remaining, self.chunk)
            remaining -= step
            piece = compressor.compress(zeros[:step] if step < self.chunk else zeros)
            piece += compressor.flush(zlib.Z_SYNC_FLUSH)
            if piece:  # an empty chunk would end the body
                await conn.send(b"%x\r\n%b\r\n" % (len(piece), piece))
            # drain() only waits once the socket buffer is full; yield anyway, or a fast
            # client would wait behind many megabytes of compression.
            await asyncio.sleep(0)
        tail = compressor.flush()
        await conn.send(b"%x\r\n%b\r\n0\r\n\r\n" % (len(tail), tail))


def gzip_bomb(decoded_size: int = 1024**3, *, chunk: int = 1024 * 1024) -> Fault:
    """A 200 ``Content-Encoding: gzip`` body of ``decoded_size`` zero bytes, compressed as it
    is sent (chunked transfer encoding) ``chunk`` zeros at a time: the server never holds
    more than ``chunk`` decoded bytes, and stops when the client goes away."""
    return _GzipBomb(decoded_size, chunk)


@dataclass(frozen=True)
class _Endless:
    chunk: int
    chunked: bool
    content_type: str

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        headers = [("Content-Type", self.content_type)]
        if self.chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            headers.append(("Connection", "close"))  # the body ends when the connection does
        await conn.send(_head(200, headers))
        data = bytes(self.chunk)
        piece = b"%x\r\n%b\r\n" % (len(data), data) if self.chunked else data
        while True:  # until the client goes away (send raises) or the server stops
            await conn.send(piece)
            await asyncio.sleep(0)  # let the client read: drain() waits only when full


def endless_body(
    *, chunk: int = 64 * 1024, chunked: bool = True, content_type: str = "application/octet-stream"
) -> Fault:
    """A 200 whose body never ends: zeros ``chunk`` bytes at a time, with chunked transfer
    encoding (or, with ``chunked=False``, no length at all: a body delimited by the
    connection's end, which never comes). Stops when the client goes away."""
    return _Endless(chunk, chunked, content_type)
