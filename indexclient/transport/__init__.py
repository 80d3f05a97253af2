"""aiohttp transport: the trust-aware connector, HTTP with checked redirects, errors.

Names load on first use: the HTTP client answers from its cache without importing
aiohttp, which is imported only for the first request that goes to the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexclient._lazy import lazy_attributes

if TYPE_CHECKING:
    from indexclient.transport.auth import AuthAttempt, BasicAuth, Credentials
    from indexclient.transport.cache import CacheEntry, FetchProfile, HttpCache
    from indexclient.transport.connector import TrustConnector
    from indexclient.transport.http import HttpClient, Response, RetryPolicy
    from indexclient.transport.wire import Stream

__all__ = [
    "AuthAttempt",
    "BasicAuth",
    "CacheEntry",
    "Credentials",
    "FetchProfile",
    "HttpCache",
    "HttpClient",
    "Response",
    "RetryPolicy",
    "Stream",
    "TrustConnector",
]

_LAZY = {
    "AuthAttempt": "indexclient.transport.auth",
    "BasicAuth": "indexclient.transport.auth",
    "CacheEntry": "indexclient.transport.cache",
    "Credentials": "indexclient.transport.auth",
    "HttpCache": "indexclient.transport.cache",
    "FetchProfile": "indexclient.transport.cache",
    "Stream": "indexclient.transport.wire",
    "HttpClient": "indexclient.transport.http",
    "Response": "indexclient.transport.http",
    "RetryPolicy": "indexclient.transport.http",
    "TrustConnector": "indexclient.transport.connector",
}

if not TYPE_CHECKING:
    # Hidden from type checkers, which see the real names through the imports above.
    __getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
