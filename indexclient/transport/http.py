"""HTTP over the trust-aware connector: redirects, retries, limits and credentials.

Redirects are followed here rather than by aiohttp so that each hop is judged on its
own (docs/trust.md, "allow-insecure-host"): https to http is refused, and credentials
never travel to another origin. The connector still chooses each hop's SSL context from its host.

Retries: connection failures, resets, timeouts, cut-short bodies and HTTP 408, 429 and
5xx are retried (3 times by default, ``UV_HTTP_RETRIES``) with exponential backoff and
full jitter, honouring Retry-After. Certificate and TLS errors, redirect refusals and
other 4xx answers are never retried: they will not change by themselves.

Bodies are decoded here (gzip, deflate) with a cap on the decoded size, so a gzip bomb
ends in :class:`~indexclient.errors.ResponseTooLargeError` with memory bounded.

Besides the stall timeout (``read_timeout``: the longest wait for the next bytes), each
request has an overall ``deadline`` (an hour by default, ``INDEXCLIENT_HTTP_DEADLINE``):
it starts when the request does and covers every redirect hop, retry, backoff sleep and
the body, read whole or through :meth:`HttpClient.stream`. When it passes the request
ends in :class:`~indexclient.errors.DeadlineError`, which is never retried, and no retry
is started that could not end in time (docs/security.md, "Limits").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from multidict import CIMultiDict, CIMultiDictProxy

from indexclient._lazy import lazy_attributes
from indexclient.errors import (
    ConnectError,
    DeadlineError,
    IndexClientError,
    OfflineError,
    RequestTimeoutError,
    ResponseError,
)
from indexclient.settings.values import DEFAULT_DEADLINE
from indexclient.tls.trust import Trust
from indexclient.transport.auth import Credentials
from indexclient.transport.cache import CacheEntry, HttpCache, http_date
from indexclient.transport.profile import compare, expected_profile, fetch_profile
from indexclient.transport.refusal import AUTH_REFUSALS, refused
from indexclient.urls import redact_url

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL

    from indexclient.transport.profile import Hop, Mismatch
    from indexclient.transport.wire import Stream, Wire

__all__ = ["HttpClient", "Response", "RetryPolicy", "Stream"]

logger = logging.getLogger("indexclient.http")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_MAX_REDIRECTS = 10
#: Decoded-size cap for pages when the caller gives none: the largest real project
#: pages are tens of MB of JSON.
DEFAULT_MAX_BODY = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry. Delays are in seconds."""

    __module__ = "indexclient"

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
    if value.isascii() and value.isdigit():  # isdigit alone accepts "\u00b2", float() not
        return float(value)
    when = http_date(value)
    return None if when is None else max(0.0, when - (time.time() if now is None else now))


@dataclass(frozen=True, slots=True)
class Response:
    """A complete response: the final URL after redirects, status, headers and body.

    ``digest`` is the body's sha256 (hex) when the response went through the cache
    (served from it or stored in it), else empty.
    """

    __module__ = "indexclient"

    url: str
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    digest: str = ""

    @property
    def content_type(self) -> str | None:
        """The Content-Type header as sent, or None."""
        return self.headers.get("Content-Type")


class HttpClient:
    """An aiohttp session whose every TLS connection is decided by ``trust``.

    Use as an async context manager. Proxies come from the environment (``HTTPS_PROXY``,
    ``HTTP_PROXY``, ``NO_PROXY``) unless ``trust_env=False``. ``read_timeout`` is the
    longest wait for the next bytes (headers or body) before the request fails;
    ``deadline`` the longest a whole request may take, retries and body included.
    """

    __module__ = "indexclient"

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
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        if not deadline > 0:
            raise ValueError(f"deadline must be a positive number of seconds, not {deadline!r}")
        self.trust = trust
        self.deadline = deadline
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        self.max_redirects = max_redirects
        self.retry = retry or RetryPolicy()
        self.credentials = credentials or Credentials()
        self._trust_env = trust_env
        self._limit = limit
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._wire: Wire | None = None
        self._entered = False

    async def __aenter__(self) -> HttpClient:
        # Contexts are built before the first request: bad roots or a bad client
        # certificate fail here, at start, not on the first connection. The session
        # itself waits for the first request the cache cannot answer (see _network()).
        self.trust.prepare()
        self._entered = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session and its connections, and stop any keyring lookup."""
        self._entered = False
        await self.credentials.aclose()
        if self._wire is not None:
            wire, self._wire = self._wire, None
            await wire.close()

    def _network(self) -> Wire:
        """The network side, made on first use: importing aiohttp and opening a session
        cost more than a whole run served from the cache."""
        wire = self._wire
        if wire is None:
            if not self._entered:
                raise RuntimeError("HttpClient is not open; use `async with HttpClient(...)`")
            from indexclient.transport.wire import Wire

            wire = self._wire = Wire(
                self.trust,
                self.credentials,
                trust_env=self._trust_env,
                limit=self._limit,
                max_redirects=self.max_redirects,
                read_timeout=self._read_timeout,
                connect_timeout=self._connect_timeout,
                deadline=self.deadline,
            )
        return wire

    @property
    def session(self) -> aiohttp.ClientSession:
        """The underlying session (only while open)."""
        return self._network().session

    def status_error(self, url: str, status: int, what: str) -> ResponseError:
        """The error of a request for ``url`` answered ``status`` (not one the caller
        takes): for 401, 403 and 407 an :class:`~indexclient.errors.AuthenticationError`
        naming the credential sources tried and how to give some; else a ResponseError.
        ``what`` says what was asked for; ``url`` is shown redacted."""
        if status in AUTH_REFUSALS:
            return refused(url, status, what, self.credentials)
        return ResponseError(redact_url(url), status, what)

    def translate(self, exc: BaseException, url: URL) -> IndexClientError:
        """An aiohttp/ssl exception raised for ``url`` as an indexclient error."""
        return self._network().translate(exc, url)

    async def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_size: int | None = DEFAULT_MAX_BODY,
        cacheable: bool = False,
        cache_control: str | None = None,
    ) -> Response:
        """GET ``url`` following redirects; the whole decoded body.

        Retries cover the body too: a reset or a cut-short body starts the request again.
        With ``cacheable=True`` and a cache configured, a fresh cached answer is used,
        a stale one revalidated; offline, only the cache answers. ``cache_control``
        (an index's ``cache-control``, as in uv) is stored in place of the server's
        Cache-Control header, so it decides whether and how long the answer is kept.
        """
        if cacheable and self.cache is not None:
            return await self._cached_get(url, headers or {}, max_size, cache_control)
        if self.offline:
            raise OfflineError(redact_url(url), "offline mode: cannot fetch this")
        response, _ = await self._get(url, headers, max_size, self.deadline_end())
        return response

    def deadline_end(self) -> float:
        """When a request starting now must be done by, in the event loop's time: pass
        it as ``until=`` to :meth:`stream` so that a caller's own retries share one
        deadline."""
        return asyncio.get_running_loop().time() + self.deadline

    def fresh_head(self, url: str, headers: Mapping[str, str]) -> CacheEntry | None:
        """The cached answer to GET ``url`` when the cache may give it without asking the
        server (fresh, or offline, and fetched the way this request would be made), read
        without its body (see HttpCache.head); else None. ``get(url, headers,
        cacheable=True)`` then returns the same answer whole."""
        if self.cache is None:
            return None
        key_url = self.credentials.strip(url)
        entry = self.cache.head(key_url, headers)
        if entry is None or not self._in_time(entry):
            return None
        return entry if self._mismatch(entry, key_url, headers) is None else None

    def _in_time(self, entry: CacheEntry) -> bool:
        """Whether ``entry`` may answer without asking the server as far as its age goes:
        offline, any entry; else a fresh one, unless told to refresh."""
        return self.offline or (not self.refresh and entry.is_fresh())

    def _mismatch(
        self, entry: CacheEntry, key_url: str, headers: Mapping[str, str]
    ) -> Mismatch | None:
        """Why ``entry`` may not answer a request for ``key_url`` made now: it was
        fetched over other TLS, or with other credentials (docs/security.md, "The
        cache"); None when it may."""
        assert self.cache is not None
        recorded = entry.profile
        expected = None
        if recorded is not None:
            expected = expected_profile(
                recorded,
                key_url,
                headers,
                trust=self.trust,
                credentials=self.credentials,
                cache=self.cache,
            )
        return compare(recorded, expected)

    async def _cached_get(
        self,
        url: str,
        headers: Mapping[str, str],
        max_size: int | None,
        cache_control: str | None = None,
    ) -> Response:
        assert self.cache is not None
        key_url = self.credentials.strip(url)
        entry = self.cache.get(key_url, headers)
        mismatch = None if entry is None else self._mismatch(entry, key_url, headers)
        if entry is not None and mismatch is None and self._in_time(entry):
            return _from_entry(entry)
        if self.offline:
            if entry is not None and mismatch is not None:
                raise OfflineError(
                    redact_url(url),
                    f"offline mode: {mismatch.reason}; it cannot be used offline",
                    hint="Run once online with these settings to refresh the cache, or "
                    "drop --offline.",
                )
            raise OfflineError(
                redact_url(url),
                "offline mode, and this is not in the cache",
                hint="Run once online to fill the cache, or drop --offline.",
            )
        if mismatch is not None and logger.isEnabledFor(logging.DEBUG):
            logger.debug("not answering %s from the cache: %s", redact_url(url), mismatch.reason)
        # Asked again, the new way: conditionally when the server's 304 can vouch for
        # the stored body, which then answers (and records the new way).
        ask = entry is not None and (mismatch is None or mismatch.conditional)
        conditional = {**headers, **(entry.validators() if entry and ask else {})}
        response, hops = await self._get(url, conditional, max_size, self.deadline_end())
        profile = fetch_profile(hops, self.cache)
        answered = _overridden(response.headers, cache_control)
        if response.status == 304 and entry is not None and ask:
            refreshed = self.cache.refresh(key_url, headers, entry, answered, profile)
            return _from_entry(refreshed)
        stored = self.cache.put(
            key_url,
            headers,
            final_url=response.url,
            status=response.status,
            headers=answered,
            body=response.body,
            profile=profile,
        )
        if stored is None:
            return response
        return Response(
            response.url, response.status, response.headers, response.body, stored.digest
        )

    async def _get(
        self, url: str, headers: Mapping[str, str] | None, max_size: int | None, end: float
    ) -> tuple[Response, list[Hop]]:
        """The whole response, and how each hop of the request that gave it was made."""
        clean = self.credentials.strip(url)
        wire = self._network()
        attempt = 0
        while True:
            response, attempt, hops = await self._start(clean, headers, attempt, end)
            try:
                body = await wire.read_body(response, max_size, end)
            except (ConnectError, RequestTimeoutError) as exc:
                delay = self._delay_after(exc, attempt, end)
            else:
                wire.check_refusal(response, body)
                final = str(response.url)
                return Response(final, response.status, response.headers, body), hops
            finally:
                response.release()
            attempt += 1
            await asyncio.sleep(delay)

    @contextlib.asynccontextmanager
    async def stream(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_size: int | None = None,
        until: float | None = None,
    ) -> AsyncIterator[Stream]:
        """Open ``url`` (redirects followed, retried until a response starts); the body
        is the caller's to read, and a failure while reading it is the caller's too.

        The deadline covers reading the body. It starts now, unless ``until`` (from
        :meth:`deadline_end`) says when an earlier attempt's deadline ends: a caller that
        retries a whole stream passes the same ``until`` each time, so its retries do not
        restart the deadline either.
        """
        if self.offline:
            raise OfflineError(redact_url(url), "offline mode: cannot fetch this")
        end = self.deadline_end() if until is None else until
        response, _, _ = await self._start(self.credentials.strip(url), headers, 0, end)
        try:
            yield self._network().stream(response, max_size, end)
        finally:
            response.release()

    async def _start(
        self, url: str, headers: Mapping[str, str] | None, attempt: int, end: float
    ) -> tuple[aiohttp.ClientResponse, int, list[Hop]]:
        """Open ``url``, retrying failures and retryable statuses from ``attempt`` on,
        all by ``end`` (the deadline, in the loop's time).

        Returns the open response (the caller releases it), the attempt that produced
        it (so a caller retrying the body spends the same budget) and its hops.
        """
        wire = self._network()
        while True:
            try:
                response, hops = await wire.request(url, headers, end)
            except (ConnectError, RequestTimeoutError) as exc:
                delay = self._delay_after(exc, attempt, end)
            else:
                if response.status not in RETRY_STATUSES or attempt >= self.retry.retries:
                    return response, attempt, hops
                after = parse_retry_after(response.headers.get("Retry-After"))
                delay = self.retry.delay(attempt, after)
                if not _time_left_after(delay, end):
                    # As if retries were spent: the answer as it stands.
                    return response, attempt, hops
                logger.debug(
                    "HTTP %d from %s; retry %d in %.2fs",
                    response.status,
                    redact_url(str(response.url)),
                    attempt + 1,
                    delay,
                )
                response.release()
            attempt += 1
            await asyncio.sleep(delay)

    def _delay_after(self, exc: IndexClientError, attempt: int, end: float) -> float:
        """The wait before retrying after ``exc``; re-raises it when retries are spent,
        when the deadline would pass before the retry could start, and for the deadline's
        own error."""
        if isinstance(exc, DeadlineError) or attempt >= self.retry.retries:
            raise exc
        delay = self.retry.delay(attempt)
        if not _time_left_after(delay, end):
            raise exc
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


def _time_left_after(delay: float, end: float) -> bool:
    """Whether a retry started after ``delay`` seconds would start before ``end``."""
    return asyncio.get_running_loop().time() + delay < end


def _overridden(headers: Mapping[str, str], cache_control: str | None) -> Mapping[str, str]:
    """``headers`` with ``cache_control`` in place of the server's Cache-Control."""
    if cache_control is None:
        return headers
    kept = {k: v for k, v in headers.items() if k.lower() != "cache-control"}
    kept["Cache-Control"] = cache_control
    return kept


def _from_entry(entry: CacheEntry) -> Response:
    return Response(
        entry.url,
        entry.status,
        CIMultiDictProxy(CIMultiDict(entry.headers)),
        entry.body,
        entry.digest,
    )


if not TYPE_CHECKING:
    # Stream needs aiohttp; it is importable from here as before, loaded on first use.
    __getattr__ = lazy_attributes(__name__, {"Stream": "indexclient.transport.wire"}, globals())
