"""What a reply works with: the :class:`Connection` it writes to, the :class:`Fault` protocol it
follows, and the bytes of an HTTP/1.1 response head."""

from __future__ import annotations

import asyncio
import contextlib
import http
import socket
import struct
from collections.abc import Iterable
from typing import Protocol

from indexclient.testing.servers.loopback import SeenRequest

# A graceful close waits this long for the peer to acknowledge (TLS close_notify) before
# the socket is dropped anyway.
_CLOSE_TIMEOUT = 1.0

_Headers = Iterable[tuple[str, str]]


class Connection:
    """One accepted connection, as a reply sees it: send bytes, then close or reset it."""

    def __init__(self, writer: asyncio.StreamWriter, *, tls: bool) -> None:
        self._writer = writer
        self.tls = tls
        """Whether the connection is TLS (the server was given an SSL context)."""

    @property
    def closing(self) -> bool:
        """Whether the connection was closed or reset (by a reply or by the client)."""
        return self._writer.transport.is_closing()

    async def send(self, data: bytes) -> None:
        """Write ``data`` and wait until the transport accepts more.

        Raises :class:`ConnectionResetError` once the connection is gone, which ends the
        connection quietly; a reply need not catch it.
        """
        if self.closing:
            raise ConnectionResetError("the connection is closed")
        self._writer.write(data)
        await self._writer.drain()

    async def close(self) -> None:
        """Close gracefully: flush what was sent, then FIN (after ``close_notify`` on TLS)."""
        self._writer.close()
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            await asyncio.wait_for(self._writer.wait_closed(), _CLOSE_TIMEOUT)
        self._writer.transport.abort()

    def reset(self) -> None:
        """Drop the connection at once, discarding anything not yet sent.

        On plain TCP this sends a real RST (``SO_LINGER`` 0). On TLS the transport is
        aborted without ``close_notify``, so the client sees the connection end abruptly.
        """
        sock = self._writer.get_extra_info("socket")
        if not self.tls and sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._writer.transport.abort()


class Fault(Protocol):
    """A scripted reply: anything with an async ``respond``, well-behaved or not."""

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        """Answer ``request`` on ``conn``. Leave ``conn`` open to serve the next request
        on it (keep-alive), or close or reset it."""


def _head(code: int, headers: _Headers) -> bytes:
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {code} {phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _with_length(headers: _Headers, length: int) -> list[tuple[str, str]]:
    """``headers`` plus a Content-Length of ``length`` unless they already have one."""
    pairs = list(headers)
    if not any(name.lower() == "content-length" for name, _ in pairs):
        pairs.append(("Content-Length", str(length)))
    return pairs


def _message(code: int, headers: _Headers, body: bytes) -> bytes:
    return _head(code, _with_length(headers, len(body))) + body
