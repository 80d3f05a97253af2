"""aiohttp HTTP(S) servers on loopback: :func:`serve_https`, :func:`serve_http` and the
:class:`LocalServer` they yield."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from multidict import CIMultiDict

from indexclient.testing.servers.alerts import SENDS_TLS_ALERTS, _TLSSite
from indexclient.testing.servers.loopback import SeenRequest, _bind_host, _url_host

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
"""An aiohttp request handler."""

Routes = Callable[[web.Application], None]
"""A callback that registers routes on the application before the server starts."""

# Handlers still running at shutdown (a test that timed out mid-request) get this long before
# aiohttp cancels them; aiohttp's own default of 60 s would stall the test-suite.
_SHUTDOWN_TIMEOUT = 0.25

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


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
