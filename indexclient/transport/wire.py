"""The aiohttp side of :class:`~indexclient.transport.http.HttpClient`.

Everything that needs aiohttp, yarl and the TLS connector lives here, imported by the
HttpClient on its first request that the cache cannot answer: a run served from the
cache never pays for importing the network stack (about half of a command's start-up).
"""

from __future__ import annotations

import asyncio
import logging
import math
import urllib.request
from collections.abc import AsyncIterator, Callable, Mapping

import aiohttp
from aiohttp.helpers import ProxyInfo, proxies_from_env
from yarl import URL

from indexclient.errors import IndexClientError, RedirectError
from indexclient.tls.trust import Trust
from indexclient.transport.auth import LATE_STATUSES, AuthAttempt, Credentials, origin_of, with_sent
from indexclient.transport.connector import TrustConnector
from indexclient.transport.decode import ACCEPT_ENCODING, BodyDecoder
from indexclient.transport.errors import (
    client_certificate_refusal,
    proxy_refusal,
    translate_error,
)
from indexclient.transport.profile import Hop, mode_of
from indexclient.transport.refusal import missing_credentials
from indexclient.urls import redact_url

__all__ = ["Stream", "Wire"]

logger = logging.getLogger("indexclient.http")

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The headers set here, by their lower-case names, as this module spells them.
_CANONICAL = {"accept-encoding": "Accept-Encoding", "authorization": "Authorization"}
_CHUNK = 64 * 1024
# A server's Location is shown in an error up to this many characters.
_MAX_SHOWN_LOCATION = 200
# A timer may fire this early by the loop's clock: a timeout this close to the deadline
# is the deadline's.
_DEADLINE_SLACK = 0.001


#: How a transport failure becomes an indexclient error: (exception, URL, deadline).
Translate = Callable[[BaseException, URL, "float | None"], IndexClientError]


class Stream:
    """An open response whose decoded body is read chunk by chunk, by ``end`` (the
    request's deadline in the loop's time, None for none). ``translate`` turns what
    aiohttp raises into an indexclient error."""

    __module__ = "indexclient"

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        translate: Translate,
        max_size: int | None,
        end: float | None = None,
    ):
        self.response = response
        self.url = str(response.url)
        self.status = response.status
        self.headers = response.headers
        self._translate = translate
        self._end = end
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
            raise self._translate(exc, URL(self.url), self._end) from exc

    async def read(self) -> bytes:
        """The whole decoded body."""
        return b"".join([piece async for piece in self.chunks()])


class Wire:
    """One aiohttp session over a :class:`TrustConnector`, with checked redirects."""

    def __init__(
        self,
        trust: Trust,
        credentials: Credentials,
        *,
        trust_env: bool,
        limit: int,
        max_redirects: int,
        read_timeout: float,
        connect_timeout: float,
        deadline: float,
    ) -> None:
        self.trust = trust
        self.credentials = credentials
        self.max_redirects = max_redirects
        self.deadline = deadline
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        # The proxy settings are read once per session: aiohttp's get_env_proxy_for_url
        # reads them (scanning the whole environment twice, looking for a netrc file)
        # on every call: a quarter of the time of a request to a nearby index.
        self._proxies: dict[str, ProxyInfo] = proxies_from_env() if trust_env else {}
        self.session = aiohttp.ClientSession(
            connector=TrustConnector(trust, limit=limit),
            # Proxies are looked up per request in open(): aiohttp's trust_env would also
            # read netrc, which Credentials handles, and refuse a request having both.
            trust_env=False,
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=connect_timeout, sock_read=read_timeout
            ),
            auto_decompress=False,
        )
        # aiohttp re-sends an idempotent request once, by itself, when a connection dies
        # before the response head; with indexclient's own retries that doubled every
        # attempt. The private switch is pinned by tests/test_aiohttp_contract.py.
        self.session._retry_connection = False

    async def close(self) -> None:
        """Close the session and its connections."""
        await self.session.close()

    def translate(self, exc: BaseException, url: URL, end: float | None = None) -> IndexClientError:
        """An aiohttp/ssl exception raised for ``url`` as an indexclient error; a timeout
        once ``end`` (the request's deadline, in the loop's time) has come is the
        deadline's."""
        passed = (
            end is not None
            and isinstance(exc, asyncio.TimeoutError)
            and asyncio.get_running_loop().time() >= end - _DEADLINE_SLACK
        )
        return translate_error(
            exc,
            redact_url(str(url)),
            url.host or "",
            self.trust,
            deadline=self.deadline if passed else None,
        )

    def _timeout(self, url: URL, end: float) -> aiohttp.ClientTimeout:
        """This hop's timeouts: the stall timeouts, and what is left of the deadline as
        aiohttp's ``total``, which covers the hop's connection, head and body."""
        left = end - asyncio.get_running_loop().time()
        if left <= 0:
            raise translate_error(
                asyncio.TimeoutError(), redact_url(str(url)), "", self.trust, deadline=self.deadline
            )
        return aiohttp.ClientTimeout(
            total=None if math.isinf(left) else left,
            sock_connect=self._connect_timeout,
            sock_read=self._read_timeout,
        )

    async def request(
        self, url: str, headers: Mapping[str, str] | None, end: float = math.inf
    ) -> tuple[aiohttp.ClientResponse, list[Hop]]:
        """The final response after following redirects, errors translated, by ``end``
        (the request's deadline, in the loop's time), and how each hop was made (for
        the cache: see :mod:`indexclient.transport.profile`); the caller releases it."""
        current = URL(url, encoded=False)
        sent: dict[str, str] = {"Accept-Encoding": ACCEPT_ENCODING}
        if headers:
            # aiohttp takes a plain dict; the two headers set here are matched
            # case-insensitively so a caller's spelling replaces them.
            for name, value in headers.items():
                sent[_CANONICAL.get(name.lower(), name)] = value
        given_auth = sent.pop("Authorization", None)
        first = origin_of(str(current))
        hops: list[Hop] = []
        for _hop in range(self.max_redirects + 1):
            # A caller's Authorization goes to the first origin only; elsewhere, and
            # when none was given, the credentials found for the hop's own URL
            # (docs/security.md, "Secrets").
            here = origin_of(str(current))
            attempt = self.credentials.attempt(str(current), first, given_auth)
            if attempt.looks_first:
                # authenticate = "always": looked for before the request, or no request.
                attempt = await self._before(attempt, current, end)
            # Recorded as the connector decides it, from the same URL (connector.py).
            mode = mode_of(self.trust, current.scheme, current.host or "", current.port)
            response = await self._send(current, sent, attempt, end)
            if response.status in LATE_STATUSES and attempt.may_look_late:
                # uv's way: netrc and a keyring are asked only once the server has
                # refused a request made without a password; it is then made again.
                found = await self.credentials.late(attempt, end)
                if found is not None and found.header != attempt.header:
                    response.release()
                    attempt = with_sent(attempt, found)
                    response = await self._send(current, sent, attempt, end)
                    if response.status < 400:
                        self.credentials.prove(here, found)
            hops.append(Hop(here, mode, attempt.recorded))
            if response.status in _REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if location:
                    response.release()
                    target = _redirect_target(current, location)
                    _check_redirect(current, target)
                    current = target
                    continue
            return response, hops
        raise RedirectError(redact_url(url), f"more than {self.max_redirects} redirects")

    async def _send(
        self, url: URL, headers: dict[str, str], attempt: AuthAttempt, end: float
    ) -> aiohttp.ClientResponse:
        """One GET of ``url`` with ``attempt``'s credentials, through the proxy for it;
        errors translated."""
        proxy, proxy_headers = self._proxy_for(url)
        auth = attempt.header
        if auth:
            headers["Authorization"] = auth
        else:
            headers.pop("Authorization", None)
        try:
            response = await self.session.get(
                url,
                headers=headers,
                allow_redirects=False,
                proxy=proxy,
                proxy_headers=proxy_headers,
                timeout=self._timeout(url, end),
            )
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise self.translate(exc, url, end) from exc
        if logger.isEnabledFor(logging.DEBUG):  # redacting costs more than the log call
            logger.debug("GET %s -> %d", redact_url(str(url)), response.status)
        if response.status == 407 and proxy is not None:
            # A plain request went through the proxy, which wants credentials: its
            # answer, not the server's (an https one comes as an exception instead).
            response.release()
            raise proxy_refusal(redact_url(str(url)), str(proxy), 407)
        return response

    async def _before(self, attempt: AuthAttempt, url: URL, end: float) -> AuthAttempt:
        """``attempt`` with the credentials an index with ``authenticate = "always"``
        needs before its request; a ConfigurationError naming the index and the
        sources tried when there are none (uv fails there too, without a request)."""
        found = await self.credentials.late(attempt, end)
        if found is None and attempt.sent is None:
            raise missing_credentials(self.credentials, str(url), attempt)
        if found is None or not found.complete:
            raise missing_credentials(self.credentials, str(url), attempt, incomplete=True)
        return with_sent(attempt, found)

    def stream(
        self, response: aiohttp.ClientResponse, max_size: int | None, end: float | None
    ) -> Stream:
        """``response``'s body to read chunk by chunk, failures translated, by ``end``."""
        return Stream(response, self.translate, max_size, end)

    def check_refusal(self, response: aiohttp.ClientResponse, body: bytes) -> None:
        """Raise when a complete response means "client certificate required" (a 400
        page that says so; see client_certificate_refusal)."""
        if response.status == 400:
            refused = client_certificate_refusal(
                redact_url(str(response.url)), response.status, body, self.trust
            )
            if refused is not None:
                raise refused

    async def read_body(
        self, response: aiohttp.ClientResponse, max_size: int | None, end: float | None = None
    ) -> bytes:
        """The whole decoded body of ``response``. Transport failures come out as
        indexclient errors; a body over ``max_size`` once decoded is refused."""
        encoding = response.headers.get("Content-Encoding")
        length = response.content_length
        if (
            (not encoding or encoding.lower() == "identity")
            and length is not None
            and (max_size is None or length <= max_size)
        ):
            # Nothing to decode and the size is known and allowed: aiohttp reads the
            # body in one go (a body cut short raises, as it does when streamed).
            try:
                return await response.read()
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                raise self.translate(exc, response.url, end) from exc
        return await Stream(response, self.translate, max_size, end).read()

    def _proxy_for(self, url: URL) -> tuple[URL | None, dict[str, str] | None]:
        """The proxy for ``url`` and the headers for it (credentials from the proxy URL),
        decided as aiohttp's get_env_proxy_for_url does, from the proxies read when the
        session opened (NO_PROXY is looked up only when there is a proxy for the scheme)."""
        info = self._proxies.get(url.scheme)
        if info is None or (url.host is not None and urllib.request.proxy_bypass(url.host)):
            return None, None
        if info.proxy_auth is None:
            return info.proxy, None
        # Sent to the proxy only, never to the server behind it.
        return info.proxy, {"Proxy-Authorization": info.proxy_auth.encode()}


def _redirect_target(current: URL, location: str) -> URL:
    """Where a redirect from ``current`` to ``location`` goes; credentials in a Location
    are not adopted (each hop gets its own). A Location that is not a URL is refused."""
    try:
        target = current.join(URL(location))
        target.port  # noqa: B018 - raises ValueError for a port out of range
        return target.with_user(None)
    except (ValueError, TypeError):
        # A scheme-relative Location ("//user:pass@host/") is redacted as a URL too.
        relative = location.startswith("//")
        shown = redact_url("x:" + location)[2:] if relative else redact_url(location)
        if len(shown) > _MAX_SHOWN_LOCATION:
            shown = shown[:_MAX_SHOWN_LOCATION] + "..."
        raise RedirectError(
            redact_url(str(current)), f"refused a redirect to a malformed URL {shown!r}"
        ) from None


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
