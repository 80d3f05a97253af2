"""The fault server itself: :func:`fault_server` and the :class:`FaultServer` it yields."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from indexclient.testing.faults.connection import Connection, Fault
from indexclient.testing.faults.replies import status
from indexclient.testing.servers.loopback import (
    SeenRequest,
    _bind_host,
    _url_host,
    read_request_head,
)

_MAX_HEAD = 64 * 1024

_NOT_SCRIPTED = status(404, b"not scripted", headers={"Content-Type": "text/plain"})


async def _read_request(reader: asyncio.StreamReader) -> SeenRequest | None:
    """The next request head (its body, if any, is read and dropped); None at EOF."""
    request = await read_request_head(reader)
    if request is None:
        return None
    length = request.headers.get("Content-Length", "0")
    if length.isdigit() and int(length):
        try:
            await reader.readexactly(int(length))
        except asyncio.IncompleteReadError:
            return None
    return request


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
