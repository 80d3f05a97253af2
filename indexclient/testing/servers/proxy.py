"""A CONNECT proxy on loopback that only tunnels to loopback: :func:`connect_proxy`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from indexclient.testing.servers.loopback import (
    SeenRequest,
    _bind_host,
    _url_host,
    is_loopback,
    read_request_head,
)

_MAX_HEAD = 64 * 1024
_CONNECT_TIMEOUT = 5.0
_PIPE_CHUNK = 64 * 1024


def _split_target(target: str) -> tuple[str, int] | None:
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    if host.startswith("["):
        if not host.endswith("]"):
            return None
        host = host[1:-1]
    elif ":" in host:
        return None  # an unbracketed IPv6 literal is ambiguous
    return host, int(port)


async def _reply(writer: asyncio.StreamWriter, status: int, reason: str, extra: str = "") -> None:
    writer.write(f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: 0\r\n\r\n".encode())
    await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(_PIPE_CHUNK):
            writer.write(data)
            await writer.drain()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, ssl.SSLError):
        await writer.wait_closed()


@dataclass(eq=False)
class ConnectProxy:
    """A running CONNECT proxy, as yielded by :func:`connect_proxy`."""

    host: str
    port: int
    connects: list[str] = field(default_factory=list)
    """Every ``host:port`` CONNECT target asked for, in order, refused ones included."""
    requests: list[SeenRequest] = field(default_factory=list)
    """Every request head received (``path`` is the request target), e.g. to check headers."""
    _expected_auth: str | None = field(default=None, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    @property
    def url(self) -> str:
        """The proxy URL, e.g. ``http://127.0.0.1:3128`` (no trailing slash)."""
        return f"http://{_url_host(self.host)}:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except ConnectionError:
            pass  # the client went away; nothing to report
        except asyncio.CancelledError:
            # Only connect_proxy's shutdown cancels these tasks. Ending normally matters on
            # Python 3.11, whose start_server done-callback calls task.exception() on a
            # cancelled task and logs the resulting CancelledError as an error.
            pass
        finally:
            await _close(writer)
            self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request_head(reader)
        if request is None:
            return
        method, target, headers = request
        self.requests.append(request)
        connect = method.upper() == "CONNECT"
        if connect:
            self.connects.append(target)
        # Credentials are asked for before anything else, as a real proxy does: a plain
        # request (``GET http://host/path``) gets the same 407 as a CONNECT.
        expected = self._expected_auth
        if expected is not None and headers.get("Proxy-Authorization") != expected:
            challenge = 'Proxy-Authenticate: Basic realm="indexclient-test"\r\n'
            await _reply(writer, 407, "Proxy Authentication Required", challenge)
            return
        if not connect:
            await _reply(writer, 405, "Method Not Allowed", "Allow: CONNECT\r\n")
            return
        split = _split_target(target)
        if split is None:
            await _reply(writer, 400, "Bad Request")
            return
        host, port = split
        # Decided on the literal alone: resolving a name could itself leave the machine.
        if not is_loopback(host):
            await _reply(writer, 403, "Forbidden")
            return
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(
                asyncio.open_connection(_bind_host(host), port), _CONNECT_TIMEOUT
            )
        except (OSError, asyncio.TimeoutError):
            await _reply(writer, 502, "Bad Gateway")
            return
        try:
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await _tunnel(reader, writer, upstream_reader, upstream_writer)
        finally:
            await _close(upstream_writer)


async def _tunnel(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    pumps = {
        asyncio.create_task(_pipe(client_reader, upstream_writer)),
        asyncio.create_task(_pipe(upstream_reader, client_writer)),
    }
    try:
        # Either side closing ends the tunnel.
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)


@contextlib.asynccontextmanager
async def connect_proxy(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    auth: tuple[str, str] | None = None,
) -> AsyncIterator[ConnectProxy]:
    """Run a minimal HTTP forward proxy that only supports ``CONNECT`` tunnels.

    Targets must be loopback literals or ``localhost`` (tunnelled to 127.0.0.1); anything else
    is answered 403 without any lookup or connection. Other methods get 405, an unreachable
    target 502. With ``auth=(user, password)`` a matching ``Proxy-Authorization: Basic``
    header is required of every request, plain ones (``GET http://...``) included: without
    it the answer is 407 with a ``Proxy-Authenticate`` challenge. Leaving the ``async with``
    closes the listening socket and every tunnel, and waits for all their tasks.
    """
    bind = _bind_host(host)
    expected_auth = None
    if auth is not None:
        expected_auth = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    proxy = ConnectProxy(host=host, port=0, _expected_auth=expected_auth)
    server = await asyncio.start_server(proxy._handle, bind, port, limit=_MAX_HEAD)
    try:
        proxy.port = server.sockets[0].getsockname()[1]
        yield proxy
    finally:
        server.close()
        # A connection accepted just before close() has a task that has not run (and so not
        # registered itself) yet: yield once so it does, then cancel until none are left.
        await asyncio.sleep(0)
        while proxy._tasks:
            tasks = list(proxy._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            proxy._tasks.difference_update(tasks)
        await server.wait_closed()
