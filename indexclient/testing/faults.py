"""A loopback HTTP(S) server that misbehaves on purpose, at the byte level.

Each path is given a *script*: a sequence of replies used one per request, the last one
repeating. Replies range from well-behaved (:func:`ok`, :func:`status`, :func:`redirect`,
:func:`ranged`) to broken (:func:`reset_before_headers`, :func:`reset_mid_headers`,
:func:`reset_mid_body`, :func:`byte_by_byte`, :func:`stall`, :func:`wrong_content_length`,
:func:`gzip_bomb`)::

    async with fault_server(server_context(leaf)) as server:
        server.script("/simple/", [status(503, retry_after="0"), ok(b"<html></html>")])
        ...  # fetch server.url + "simple/"
        assert server.hits("/simple/") == 2

The server is plain :mod:`asyncio` (sockets and streams), not an aiohttp application, so
it can cut a status line in half or close a TLS connection mid-body. It speaks just enough
HTTP/1.1: it reads a request head (and discards a ``Content-Length`` body), answers, and
keeps the connection open for the next request unless the reply closed it. A path nobody scripted
is answered 404. Leaving the ``async with`` stops listening, cancels every connection
(a :func:`stall` included) and closes every socket.

Some misbehaviour needs no fault of its own: a wrong ``Content-Type`` or a body that is
not UTF-8 is ``ok(b"\\xff\\xfe", content_type="text/html")``. For anything else, a reply is any
object with the :class:`Fault` method ``respond``: write one using :class:`Connection` to
send bytes, close or reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import socket
import ssl
import struct
import zlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from multidict import CIMultiDict

from indexclient.testing.servers import SeenRequest, _bind_host, _url_host

__all__ = [
    "Connection",
    "Fault",
    "FaultServer",
    "Reply",
    "byte_by_byte",
    "fault_server",
    "gzip_bomb",
    "ok",
    "ranged",
    "redirect",
    "reset_before_headers",
    "reset_mid_body",
    "reset_mid_headers",
    "stall",
    "status",
    "wrong_content_length",
]

_MAX_HEAD = 64 * 1024
# A graceful close waits this long for the peer to acknowledge (TLS close_notify) before
# the socket is dropped anyway.
_CLOSE_TIMEOUT = 1.0

_Headers = Iterable[tuple[str, str]]


# --- the connection a reply writes to ---------------------------------------------------------


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


# --- well-behaved replies ---------------------------------------------------------------------


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
        headers.append(("Content-Range", f"bytes {first}-{last}/{len(self.body)}"))
        await conn.send(_message(206, headers, self.body[first : last + 1]))


def ranged(body: bytes, *, content_type: str = "application/octet-stream") -> Fault:
    """A file that honours a single ``Range: bytes=...`` (206 with ``Content-Range``, 416
    when unsatisfiable) and answers 200 with all of ``body`` without one."""
    return _Ranged(body, content_type)


# --- faults -----------------------------------------------------------------------------------


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


# --- the server -------------------------------------------------------------------------------


_NOT_SCRIPTED = status(404, b"not scripted", headers={"Content-Type": "text/plain"})


async def _read_request(reader: asyncio.StreamReader) -> SeenRequest | None:
    """The next request head (its body, if any, is read and dropped); None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split()
    if len(parts) != 3:
        return None
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.add(name.strip(), value.strip())
    length = headers.get("Content-Length", "0")
    if length.isdigit() and int(length):
        try:
            await reader.readexactly(int(length))
        except asyncio.IncompleteReadError:
            return None
    return SeenRequest(parts[0], parts[1], headers)


@dataclass(eq=False)
class FaultServer:
    """A running fault server, as yielded by :func:`fault_server`."""

    scheme: str
    """``https`` or ``http``."""
    host: str
    port: int = 0
    connections: int = 0
    """TCP connections accepted so far (TLS ones counted before their handshake)."""
    requests: list[SeenRequest] = field(default_factory=list)
    """Every request received, in order (``path`` is the request target as sent)."""
    _ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    _scripts: dict[str, list[Fault]] = field(default_factory=dict, repr=False)
    _served: dict[str, int] = field(default_factory=dict, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)
    _unclaimed: set[socket.socket] = field(default_factory=set, repr=False)
    _transports: list[asyncio.Transport] = field(default_factory=list, repr=False)
    _errors: list[Exception] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        """The base URL with a trailing slash, e.g. ``https://127.0.0.1:8443/``."""
        return f"{self.scheme}://{_url_host(self.host)}:{self.port}/"

    @property
    def active(self) -> int:
        """Connections still being served (a stalled one included)."""
        return len(self._tasks)

    def script(self, path: str, replies: Fault | Sequence[Fault]) -> None:
        """Answer requests for ``path`` (the query string is ignored) with ``replies``, one
        per request in order; the last one answers every request after that. Replaces any
        earlier script for ``path``."""
        if not path.startswith("/"):
            raise ValueError(f"a path starts with '/': {path!r}")
        sequence = [replies] if not isinstance(replies, Sequence) else list(replies)
        if not sequence:
            raise ValueError("a script needs at least one reply")
        self._scripts[path] = sequence
        self._served[path] = 0

    def hits(self, path: str) -> int:
        """How many requests for ``path`` (query string ignored) arrived."""
        return sum(1 for r in self.requests if r.path.partition("?")[0] == path)

    def _next(self, target: str) -> Fault:
        path = target.partition("?")[0]
        sequence = self._scripts.get(path)
        if sequence is None:
            return _NOT_SCRIPTED
        index = self._served[path]
        self._served[path] = index + 1
        return sequence[min(index, len(sequence) - 1)]

    async def _accept(self, listener: socket.socket) -> None:
        # Accepting here rather than through loop.create_server puts every connection,
        # TLS handshake included, in a task of ours: shutdown can cancel each one.
        loop = asyncio.get_running_loop()
        while True:
            sock, _ = await loop.sock_accept(listener)
            self.connections += 1
            self._unclaimed.add(sock)
            task = loop.create_task(self._serve(sock))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        self._unclaimed.discard(sock)
        reader = asyncio.StreamReader(limit=_MAX_HEAD)
        protocol = asyncio.StreamReaderProtocol(reader)
        transport: asyncio.Transport | None = None
        try:
            # Once called, asyncio owns the socket: it closes it if the handshake fails.
            made, _ = await loop.connect_accepted_socket(
                lambda: protocol, sock, ssl=self._ssl_context
            )
            assert isinstance(made, asyncio.Transport)
            transport = made
            self._transports.append(transport)
            writer = asyncio.StreamWriter(transport, protocol, reader, loop)
            conn = Connection(writer, tls=self._ssl_context is not None)
            while not conn.closing:
                request = await _read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                await self._next(request.path).respond(request, conn)
        except (OSError, EOFError):
            pass  # the client went away, or its TLS handshake failed
        except Exception as exc:  # a broken reply: fault_server raises it on exit
            self._errors.append(exc)
        finally:
            if transport is not None:
                transport.abort()


@contextlib.asynccontextmanager
async def fault_server(
    ssl_context: ssl.SSLContext | None = None, *, host: str = "127.0.0.1"
) -> AsyncIterator[FaultServer]:
    """Run a :class:`FaultServer` on loopback (``https`` when given an ``ssl_context``, e.g.
    from :func:`indexclient.testing.pki.server_context`) for the ``async with``.

    On exit the listening socket is closed, every connection task is cancelled and
    awaited (TLS handshakes and :func:`stall` included), and every socket is closed, so no
    task or transport outlives the block. An exception raised by a reply's ``respond``
    (other than the connection failing) is raised again there, so a broken custom
    :class:`Fault` cannot pass for a misbehaving server.
    """
    bind = _bind_host(host)
    loop = asyncio.get_running_loop()
    server = FaultServer(
        scheme="https" if ssl_context else "http", host=host, _ssl_context=ssl_context
    )
    listener = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET)
    try:
        listener.bind((bind, 0))
        listener.listen(128)
        listener.setblocking(False)
        server.port = listener.getsockname()[1]
        accepting = loop.create_task(server._accept(listener))
        try:
            yield server
        finally:
            accepting.cancel()
            await asyncio.gather(accepting, return_exceptions=True)
            while server._tasks:
                tasks = list(server._tasks)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                server._tasks.difference_update(tasks)
            for sock in server._unclaimed:  # accepted, but its task never started
                sock.close()
            for transport in server._transports:
                transport.abort()
            # Aborted transports close their sockets in connection_lost, a loop turn later.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
    finally:
        listener.close()
    if server._errors:
        raise server._errors[0]
