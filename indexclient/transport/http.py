"""HTTP over the trust-aware connector: redirects, retries, limits and credentials.

Redirects are followed here rather than by aiohttp so that each hop is judged on its
own (SPEC-TLS section 3): https to http is refused, and credentials never travel to
another origin. The connector still chooses each hop's SSL context from its host.

Retries: connection failures, resets, timeouts, cut-short bodies and HTTP 408, 429 and
5xx are retried (3 times by default, ``UV_HTTP_RETRIES``) with exponential backoff and
full jitter, honouring Retry-After. Certificate and TLS errors, redirect refusals and
other 4xx answers are never retried: they will not change by themselves.

Bodies are decoded here (gzip, deflate) with a cap on the decoded size, so a gzip bomb
ends in :class:`~indexclient.errors.ResponseTooLargeError` with memory bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import time
import urllib.request
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from types import TracebackType

import aiohttp
from aiohttp.helpers import ProxyInfo, proxies_from_env
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from indexclient.cache import CacheEntry, HttpCache
from indexclient.errors import (
    ConnectError,
    IndexClientError,
    OfflineError,
    RedirectError,
    TimeoutError,
)
from indexclient.tls.trust import Trust
from indexclient.transport.auth import Credentials
from indexclient.transport.connector import TrustConnector
from indexclient.transport.decode import ACCEPT_ENCODING, BodyDecoder
from indexclient.transport.errors import client_certificate_refusal, translate_error
from indexclient.urls import redact_url

__all__ = ["HttpClient", "Response", "RetryPolicy", "Stream", "redact_url"]

logger = logging.getLogger("indexclient.http")

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_MAX_REDIRECTS = 10
#: Decoded-size cap for pages when the caller gives none: the largest real project
#: pages are tens of MB of JSON.
DEFAULT_MAX_BODY = 256 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry. Delays are in seconds."""

    retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 10.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait before retry ``attempt`` (0-based): Retry-After when the server gave
        one (capped), else exponential backoff with full jitter."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_retry_after))
        ceiling = min(self.backoff_cap, self.backoff_base * (2**attempt))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True, slots=True)
class Response:
    """A complete response: the final URL after redirects, status, headers and body."""

    url: str
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def content_type(self) -> str | None:
        """The Content-Type header as sent, or None."""
        return self.headers.get("Content-Type")


class Stream:
    """An open response whose decoded body is read chunk by chunk."""

    def __init__(self, response: aiohttp.ClientResponse, client: HttpClient, max_size: int | None):
        self.response = response
        self.url = str(response.url)
        self.status = response.status
        self.headers = response.headers
        self._client = client
        self._decoder = BodyDecoder(
            response.headers.get("Content-Encoding"), self.url, max_size, self.status
        )

    @property
    def content_length(self) -> int | None:
        """The announced size of the (encoded) body, if any."""
        return self.response.content_length

    async def chunks(self) -> AsyncIterator[bytes]:
        """The decoded body. Transport failures come out as indexclient errors."""
        try:
            async for chunk in self.response.content.iter_chunked(_CHUNK):
                for piece in self._decoder.feed(chunk):
                    yield piece
            for piece in self._decoder.finish():
                yield piece
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise self._client.translate(exc, URL(self.url)) from exc

    async def read(self) -> bytes:
        """The whole decoded body."""
        return b"".join([piece async for piece in self.chunks()])


class HttpClient:
    """An aiohttp session whose every TLS connection is decided by ``trust``.

    Use as an async context manager. Proxies come from the environment (``HTTPS_PROXY``,
    ``HTTP_PROXY``, ``NO_PROXY``) unless ``trust_env=False``. ``read_timeout`` is the
    longest wait for the next bytes (headers or body) before the request fails.
    """

    def __init__(
        self,
        trust: Trust,
        *,
        trust_env: bool = True,
        limit: int = 50,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        retry: RetryPolicy | None = None,
        read_timeout: float = 30.0,
        connect_timeout: float = 30.0,
        credentials: Credentials | None = None,
        cache: HttpCache | None = None,
        offline: bool = False,
        refresh: bool = False,
    ) -> None:
        self.trust = trust
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        self.max_redirects = max_redirects
        self.retry = retry or RetryPolicy()
        self.credentials = credentials or Credentials()
        self._trust_env = trust_env
        self._limit = limit
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, ProxyInfo] = {}

    async def __aenter__(self) -> HttpClient:
        # Contexts are built before the first request: bad roots or a bad client
        # certificate fail here, at start, not on the first connection.
        self.trust.prepare()
        # The proxy settings are read once per session: aiohttp's get_env_proxy_for_url
        # reads them (scanning the whole environment twice, looking for a netrc file)
        # on every call: a quarter of the time of a request to a nearby index.
        self._proxies = proxies_from_env() if self._trust_env else {}
        connector = TrustConnector(self.trust, limit=self._limit)
        self._session = aiohttp.ClientSession(
            connector=connector,
            # Proxies are looked up per request in _open: aiohttp's trust_env would also
            # read netrc, which Credentials handles, and refuse a request having both.
            trust_env=False,
            timeout=self._timeout,
            auto_decompress=False,
        )
        # aiohttp re-sends an idempotent request once, by itself, when a connection dies
        # before the response head; with indexclient's own retries that doubled every
        # attempt. The private switch is pinned by tests/test_aiohttp_contract.py.
        self._session._retry_connection = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The underlying session (only while open)."""
        if self._session is None:
            raise RuntimeError("HttpClient is not open; use `async with HttpClient(...)`")
        return self._session

    def translate(self, exc: BaseException, url: URL) -> IndexClientError:
        """An aiohttp/ssl exception raised for ``url`` as an indexclient error."""
        return translate_error(exc, redact_url(str(url)), url.host or "", self.trust)

    async def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_size: int | None = DEFAULT_MAX_BODY,
        cacheable: bool = False,
    ) -> Response:
        """GET ``url`` following redirects; the whole decoded body.

        Retries cover the body too: a reset or a cut-short body starts the request again.
        With ``cacheable=True`` and a cache configured, a fresh cached answer is used,
        a stale one revalidated; offline, only the cache answers.
        """
        if cacheable and self.cache is not None:
            return await self._cached_get(url, headers or {}, max_size)
        if self.offline:
            raise OfflineError(redact_url(url), "offline mode: cannot fetch this")
        return await self._get(url, headers, max_size)

    async def _cached_get(
        self, url: str, headers: Mapping[str, str], max_size: int | None
    ) -> Response:
        assert self.cache is not None
        key_url = self.credentials.strip(url)
        entry = self.cache.get(key_url, headers)
        if entry is not None and (self.offline or (not self.refresh and entry.is_fresh())):
            return _from_entry(entry)
        if self.offline:
            raise OfflineError(
                redact_url(url),
                "offline mode, and this is not in the cache",
                hint="Run once online to fill the cache, or drop --offline.",
            )
        conditional = {**headers, **(entry.validators() if entry else {})}
        response = await self._get(url, conditional, max_size)
        if response.status == 304 and entry is not None:
            return _from_entry(self.cache.refresh(key_url, headers, entry, response.headers))
        self.cache.put(
            key_url,
            headers,
            final_url=response.url,
            status=response.status,
            headers=response.headers,
            body=response.body,
        )
        return response

    async def _get(
        self, url: str, headers: Mapping[str, str] | None, max_size: int | None
    ) -> Response:
        clean = self.credentials.strip(url)
        attempt = 0
        while True:
            stack, response, attempt = await self._start(clean, headers, attempt)
            async with stack:
                stream = Stream(response, self, max_size)
                try:
                    body = await stream.read()
                except (ConnectError, TimeoutError) as exc:
                    delay = self._delay_after(exc, attempt)
                else:
                    refused = client_certificate_refusal(
                        redact_url(stream.url), stream.status, body, self.trust
                    )
                    if refused is not None:
                        raise refused
                    return Response(stream.url, stream.status, stream.headers, body)
            attempt += 1
            await asyncio.sleep(delay)

    @contextlib.asynccontextmanager
    async def stream(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_size: int | None = None,
    ) -> AsyncIterator[Stream]:
        """Open ``url`` (redirects followed, retried until a response starts); the body
        is the caller's to read, and a failure while reading it is the caller's too."""
        if self.offline:
            raise OfflineError(redact_url(url), "offline mode: cannot fetch this")
        stack, response, _ = await self._start(self.credentials.strip(url), headers, 0)
        async with stack:
            yield Stream(response, self, max_size)

    async def _start(
        self, url: str, headers: Mapping[str, str] | None, attempt: int
    ) -> tuple[contextlib.AsyncExitStack, aiohttp.ClientResponse, int]:
        """Open ``url``, retrying failures and retryable statuses from ``attempt`` on.

        Returns the stack holding the open response, the response, and the attempt
        that produced it (so a caller retrying the body spends the same budget).
        """
        while True:
            stack = contextlib.AsyncExitStack()
            try:
                response = await stack.enter_async_context(self._open(url, headers))
            except (ConnectError, TimeoutError) as exc:
                await stack.aclose()
                delay = self._delay_after(exc, attempt)
            else:
                if response.status not in RETRY_STATUSES or attempt >= self.retry.retries:
                    return stack, response, attempt
                after = parse_retry_after(response.headers.get("Retry-After"))
                delay = self.retry.delay(attempt, after)
                logger.debug(
                    "HTTP %d from %s; retry %d in %.2fs",
                    response.status,
                    redact_url(str(response.url)),
                    attempt + 1,
                    delay,
                )
                await stack.aclose()
            attempt += 1
            await asyncio.sleep(delay)

    def _delay_after(self, exc: IndexClientError, attempt: int) -> float:
        """The wait before retrying after ``exc``; re-raises it when retries are spent."""
        if attempt >= self.retry.retries:
            raise exc
        delay = self.retry.delay(attempt)
        logger.debug("%s; retry %d in %.2fs", exc, attempt + 1, delay)
        return delay

    async def range_get(
        self, url: str, byte_range: str, *, max_size: int | None = None
    ) -> Response | None:
        """GET a byte range (``byte_range`` like ``bytes=-65536``); None when the server
        answered with the whole file instead (it ignores ranges), unread."""
        headers = {"Range": byte_range, "Accept-Encoding": "identity"}
        async with self.stream(url, headers, max_size=max_size) as stream:
            if stream.status != 206:
                if stream.status == 200:
                    return None
                return Response(stream.url, stream.status, stream.headers, b"")
            return Response(stream.url, stream.status, stream.headers, await stream.read())

    @contextlib.asynccontextmanager
    async def _open(
        self, url: str, headers: Mapping[str, str] | None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """The final response after following redirects; errors translated."""
        start = current = URL(url, encoded=False)
        given: CIMultiDict[str] = CIMultiDict(headers or {})
        given.setdefault("Accept-Encoding", ACCEPT_ENCODING)
        for _hop in range(self.max_redirects + 1):
            sent = given.copy()
            if current.origin() != start.origin():
                sent.popall("Authorization", None)
            if "Authorization" not in sent and (auth := self.credentials.header_for(current)):
                sent["Authorization"] = auth
            proxy, proxy_auth = self._proxy_for(current)
            try:
                response = await self.session.get(
                    current,
                    headers=sent,
                    allow_redirects=False,
                    proxy=proxy,
                    proxy_auth=proxy_auth,
                )
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                raise self.translate(exc, current) from exc
            if logger.isEnabledFor(logging.DEBUG):  # redacting costs more than the log call
                logger.debug("GET %s -> %d", redact_url(str(current)), response.status)
            location = response.headers.get("Location")
            if response.status in _REDIRECT_STATUSES and location:
                response.release()
                # Credentials in a Location are not adopted: each hop gets its own.
                target = current.join(URL(location)).with_user(None)
                self._check_redirect(current, target)
                current = target
                continue
            try:
                yield response
            finally:
                response.release()
            return
        raise RedirectError(redact_url(url), f"more than {self.max_redirects} redirects")

    def _proxy_for(self, url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The proxy for ``url``, decided as aiohttp's get_env_proxy_for_url does, from
        the proxies read when the session opened (NO_PROXY is looked up only when there
        is a proxy for the scheme)."""
        info = self._proxies.get(url.scheme)
        if info is None or (url.host is not None and urllib.request.proxy_bypass(url.host)):
            return None, None
        return info.proxy, info.proxy_auth

    @staticmethod
    def _check_redirect(current: URL, target: URL) -> None:
        if target.scheme not in ("http", "https"):
            raise RedirectError(
                redact_url(str(current)),
                f"refused a redirect to an unsupported URL {redact_url(str(target))}",
            )
        if current.scheme == "https" and target.scheme == "http":
            raise RedirectError(
                redact_url(str(current)),
                f"refused a redirect from https to plain http ({redact_url(str(target))})",
                hint="The index must serve every page over https once it starts with https.",
            )


def _from_entry(entry: CacheEntry) -> Response:
    return Response(
        entry.url, entry.status, CIMultiDictProxy(CIMultiDict(entry.headers)), entry.body
    )
