"""Local HTTP(S) servers and a CONNECT proxy for tests and the demo, all bound to loopback.

Every server here refuses to listen on anything but a loopback address, and the proxy refuses
to tunnel anywhere else, so nothing a test does can leave the machine.

::

    async with serve_https(server_context(leaf)) as server:
        server.redirect("/old/", server.url + "new/")
        ...  # talk to server.url, then inspect server.requests
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import ssl
import threading
from asyncio import sslproto
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from aiohttp import web
from multidict import CIMultiDict

__all__ = [
    "SENDS_TLS_ALERTS",
    "ConnectProxy",
    "Handler",
    "LocalServer",
    "Routes",
    "SeenRequest",
    "connect_proxy",
    "default_handler",
    "is_loopback",
    "redirect",
    "serve_http",
    "serve_https",
    "serve_in_thread",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
"""An aiohttp request handler."""

Routes = Callable[[web.Application], None]
"""A callback that registers routes on the application before the server starts."""

# Handlers still running at shutdown (a test that timed out mid-request) get this long before
# aiohttp cancels them; aiohttp's own default of 60 s would stall the test-suite.
_SHUTDOWN_TIMEOUT = 0.25

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class SeenRequest(NamedTuple):
    """One request as the server (or proxy) received it."""

    method: str
    path: str
    """The request target exactly as sent: percent-encoding and query string preserved."""
    headers: CIMultiDict[str]
    """A copy of the request headers; lookups are case-insensitive."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or an IPv4/IPv6 loopback literal (all of 127/8)."""
    host = host.removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind_host(host: str) -> str:
    if not is_loopback(host):
        raise ValueError(f"test servers only listen on loopback, not {host!r}")
    host = host.removeprefix("[").removesuffix("]")
    # "localhost" may resolve to both ::1 and 127.0.0.1, and port 0 would then give each its
    # own port; bind the IPv4 one only.
    return "127.0.0.1" if host.lower() == "localhost" else host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def default_handler(request: web.Request) -> web.StreamResponse:
    """Answer any request with 200 ``text/plain`` ``ok <path>``."""
    return web.Response(text=f"ok {request.path}")


def _redirect_handler(location: str, status: int) -> Handler:
    if status not in _REDIRECT_STATUSES:
        raise ValueError(f"{status} is not a redirect status")

    async def handle(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": location})

    return handle


@dataclass(eq=False)
class LocalServer:
    """A running local server, as yielded by :func:`serve_https` and :func:`serve_http`."""

    app: web.Application
    """The application; its router is frozen once the server has started."""
    scheme: str
    """``https`` or ``http``."""
    host: str
    """The address the server is bound to (``localhost`` is reported as given)."""
    port: int
    requests: list[SeenRequest] = field(default_factory=list)
    """Every request received, in order, including ones answered by redirects."""
    _dynamic: dict[str, Handler] = field(default_factory=dict, repr=False)

    @property
    def url(self) -> str:
        """The base URL with a trailing slash, e.g. ``https://127.0.0.1:8443/``."""
        return f"{self.scheme}://{_url_host(self.host)}:{self.port}/"

    def add_route(self, path: str, handler: Handler) -> None:
        """Serve ``path`` (exact match, any method) with ``handler``; works while running.

        Routes added this way take precedence over routes registered on :attr:`app`, which
        lets a test point a path at a URL it only learns once servers are listening.
        """
        self._dynamic[path] = handler

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Answer ``path`` with a ``status`` redirect to ``location``; works while running."""
        self.add_route(path, _redirect_handler(location, status))


def redirect(
    target: web.Application | LocalServer, path: str, location: str, status: int = 302
) -> None:
    """Make ``path`` answer with a ``status`` redirect to ``location``.

    ``target`` is either an application that has not started yet (from a ``routes`` callback)
    or a running :class:`LocalServer`.
    """
    if isinstance(target, LocalServer):
        target.redirect(path, location, status)
    else:
        target.router.add_route("*", path, _redirect_handler(location, status))


class _AlertingSSLProtocol(sslproto.SSLProtocol):
    """asyncio's server-side TLS protocol, but one that sends the handshake failure alert.

    asyncio (3.11+) aborts the connection on a failed handshake without writing out the alert
    OpenSSL queued, so a client sees a bare reset instead of e.g. "protocol version" or
    "certificate required". Real servers send the alert, and the client's error reporting is
    tested against it, so flush it first.
    """

    def _on_handshake_complete(self, handshake_exc: BaseException | None) -> None:
        outgoing = getattr(self, "_outgoing", None)
        transport = self._transport
        if (
            handshake_exc is not None
            and isinstance(outgoing, ssl.MemoryBIO)
            and isinstance(transport, asyncio.WriteTransport)
        ):
            alert = outgoing.read()
            if alert:
                transport.write(alert)
        super()._on_handshake_complete(handshake_exc)


SENDS_TLS_ALERTS: bool = hasattr(sslproto.SSLProtocol, "_do_handshake")
"""Whether :func:`serve_https` sends TLS alerts when a handshake fails.

True from Python 3.11, whose rewritten asyncio TLS layer the fix relies on; before that a
failed handshake reaches the client as a bare connection reset or EOF."""


class _TLSSite(web.TCPSite):
    """A TCPSite whose connections use :class:`_AlertingSSLProtocol`."""

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with the runner
        loop = asyncio.get_running_loop()
        handler_factory = self._runner.server
        context = self._ssl_context
        assert handler_factory is not None
        assert context is not None

        def protocol() -> asyncio.BaseProtocol:
            # What loop.create_server(ssl=...) does internally, with the subclass swapped in;
            # no waiter is needed on the server side.
            return _AlertingSSLProtocol(
                loop,
                handler_factory(),
                context,
                None,  # type: ignore[arg-type]
                server_side=True,
            )

        self._server = await loop.create_server(
            protocol, self._host, self._port, backlog=self._backlog
        )
        # TCPSite.port reports this once started (attribute absent from older aiohttp).
        self._bound_port = self._server.sockets[0].getsockname()[1]


@contextlib.asynccontextmanager
async def _serve(
    ssl_context: ssl.SSLContext | None,
    handler: Handler | None,
    routes: Routes | None,
    host: str,
    port: int,
) -> AsyncIterator[LocalServer]:
    bind = _bind_host(host)
    app = web.Application()
    # The LocalServer is created before the port is known; the middleware closes over it.
    server = LocalServer(app=app, scheme="https" if ssl_context else "http", host=host, port=0)

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        server.requests.append(
            SeenRequest(request.method, request.raw_path, CIMultiDict(request.headers))
        )
        dynamic = server._dynamic.get(request.path)
        return await (dynamic or handler)(request)

    app.middlewares.append(record)
    if routes is not None:
        routes(app)
    # Registered last so the caller's routes win (aiohttp matches in registration order).
    app.router.add_route("*", "/{tail:.*}", handler or default_handler)

    runner = web.AppRunner(
        app, access_log=None, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_TIMEOUT
    )
    await runner.setup()
    try:
        site = (
            _TLSSite(runner, bind, port, ssl_context=ssl_context)
            if ssl_context is not None and SENDS_TLS_ALERTS
            else web.TCPSite(runner, bind, port, ssl_context=ssl_context)
        )
        await site.start()
        server.port = runner.addresses[0][1]
        yield server
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def serve_https(
    ssl_context: ssl.SSLContext,
    handler: Handler | None = None,
    *,
    routes: Routes | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> AsyncIterator[LocalServer]:
    """Run an aiohttp HTTPS server on loopback for the duration of the ``async with``.

    ``ssl_context`` is usually :func:`indexclient.testing.pki.server_context`. Requests go to
    routes added while running (:meth:`LocalServer.add_route`, :meth:`LocalServer.redirect`)
    first, then to routes registered by ``routes(app)`` before start, then to ``handler``
    (default: 200 ``text/plain`` ``ok <path>``) for any other path. ``host`` may be any
    loopback address (``127.0.0.2``, ``::1``, ...; ``localhost`` binds 127.0.0.1);
    ``port=0`` picks a free port, see :attr:`LocalServer.url`. A failed handshake sends the
    TLS alert OpenSSL chose, as a real server would (see :data:`SENDS_TLS_ALERTS`).
    """
    async with _serve(ssl_context, handler, routes, host, port) as server:
        yield server


@contextlib.asynccontextmanager
async def serve_http(
    handler: Handler | None = None,
    *,
    routes: Routes | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> AsyncIterator[LocalServer]:
    """Like :func:`serve_https` but plain HTTP."""
    async with _serve(None, handler, routes, host, port) as server:
        yield server


# --- CONNECT proxy -------------------------------------------------------------------------

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


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, str, CIMultiDict[str]] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
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
    return parts[0], parts[1], headers


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
        head = await _read_head(reader)
        if head is None:
            return
        method, target, headers = head
        self.requests.append(SeenRequest(method, target, headers))
        if method.upper() != "CONNECT":
            await _reply(writer, 405, "Method Not Allowed", "Allow: CONNECT\r\n")
            return
        self.connects.append(target)
        expected = self._expected_auth
        if expected is not None and headers.get("Proxy-Authorization") != expected:
            challenge = 'Proxy-Authenticate: Basic realm="indexclient-test"\r\n'
            await _reply(writer, 407, "Proxy Authentication Required", challenge)
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
    header is required (407 otherwise). Leaving the ``async with`` closes the listening socket
    and every tunnel, and waits for all their tasks.
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


@contextlib.contextmanager
def serve_in_thread(
    ssl_context: ssl.SSLContext | None,
    handler: Handler | None = None,
    *,
    routes: Routes | None = None,
    host: str = "127.0.0.1",
) -> Iterator[LocalServer]:
    """:func:`serve_https` (or plain HTTP with ``ssl_context=None``) on an event loop in a
    background thread, for synchronous tests and tools run as subprocesses."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    found: list[LocalServer] = []
    failure: list[BaseException] = []
    stop = asyncio.Event()

    async def serve() -> None:
        try:
            async with _serve(ssl_context, handler, routes, host, 0) as server:
                found.append(server)
                started.set()
                await stop.wait()
        except BaseException as exc:  # reported to the caller's thread below
            failure.append(exc)
        finally:
            started.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    started.wait(30)
    try:
        if not found:
            raise RuntimeError(f"the local server did not start: {failure[:1]}")
        yield found[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
