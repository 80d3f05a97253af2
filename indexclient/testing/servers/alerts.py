"""Server-side TLS for aiohttp sites that sends the alert of a failed handshake."""

from __future__ import annotations

import asyncio
import ssl
from asyncio import sslproto

from aiohttp import web


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
