"""The aiohttp connector that chooses each connection's SSL context from the host.

aiohttp decides a connection's context in exactly one place,
``TCPConnector._get_ssl_context(req)``, called with the request of the hop being
connected: the request itself for a direct connection, each new request when redirects
are followed, and the original request (the target, not the proxy) when an HTTPS
connection is tunnelled through an HTTP proxy. Overriding it there makes
allow-insecure-host hold per connection, for every redirect hop in both directions and
behind proxies. ``tests/test_aiohttp_contract.py`` pins this behaviour of aiohttp, so a
release that moves it fails a test instead of silently verifying the wrong host.
"""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
from aiohttp import ClientRequest

from indexclient.tls.trust import Trust

__all__ = ["TrustConnector"]


class TrustConnector(aiohttp.TCPConnector):
    """A TCPConnector whose SSL context comes from a :class:`~indexclient.tls.Trust`.

    The ``ssl`` argument of individual requests is ignored: trust is the connector's
    decision alone, so a stray ``ssl=False`` cannot switch verification off.
    """

    __module__ = "indexclient"

    def __init__(self, trust: Trust, **kwargs: Any) -> None:
        if "ssl" in kwargs:
            raise TypeError("TrustConnector takes its TLS settings from trust, not ssl=")
        super().__init__(**kwargs)
        self.trust = trust

    def _get_ssl_context(self, req: ClientRequest) -> ssl.SSLContext | None:
        if not req.is_ssl():
            return None
        url = req.url
        return self.trust.context_for(url.scheme, url.host or "", url.port)
