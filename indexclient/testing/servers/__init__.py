"""Local HTTP(S) servers and a CONNECT proxy for tests and the demo, all bound to loopback.

Every server here refuses to listen on anything but a loopback address, and the proxy refuses
to tunnel anywhere else, so nothing a test does can leave the machine.

::

    async with serve_https(server_context(leaf)) as server:
        server.redirect("/old/", server.url + "new/")
        ...  # talk to server.url, then inspect server.requests
"""

from indexclient.testing.servers.alerts import SENDS_TLS_ALERTS
from indexclient.testing.servers.local import (
    Handler,
    LocalServer,
    Routes,
    default_handler,
    redirect,
    serve_http,
    serve_https,
)
from indexclient.testing.servers.loopback import SeenRequest, is_loopback

# Private helpers, still importable from here as they were before this became a package.
from indexclient.testing.servers.loopback import _bind_host as _bind_host
from indexclient.testing.servers.loopback import _url_host as _url_host
from indexclient.testing.servers.proxy import ConnectProxy, connect_proxy
from indexclient.testing.servers.threaded import serve_in_thread

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
