"""HTTP over the trust-aware connector: one session, redirects followed hop by hop.

Redirects are followed here rather than by aiohttp so that each hop is judged on its
own (SPEC-TLS section 3): an https URL redirecting to http is refused, and the
Authorization header never travels to another origin. The connector still chooses
each hop's SSL context from the host being connected to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from indexclient.errors import RedirectError
from indexclient.tls.trust import Trust
from indexclient.transport.connector import TrustConnector
from indexclient.transport.errors import translate_error

__all__ = ["HttpClient", "Response", "redact_url"]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_REDIRECTS = 10


def redact_url(url: str | URL) -> str:
    """The URL without its password, for messages and logs."""
    parsed = URL(url) if isinstance(url, str) else url
    if parsed.password is not None:
        parsed = parsed.with_password("****")
    return str(parsed)


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


class HttpClient:
    """An aiohttp session whose every TLS connection is decided by ``trust``.

    Use as an async context manager. Proxies come from the environment (``HTTPS_PROXY``,
    ``HTTP_PROXY``, ``NO_PROXY``) unless ``trust_env=False``.
    """

    def __init__(
        self,
        trust: Trust,
        *,
        trust_env: bool = True,
        limit: int = 50,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        self.trust = trust
        self.max_redirects = max_redirects
        self._trust_env = trust_env
        self._limit = limit
        self._timeout = timeout or aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=30)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HttpClient:
        # Contexts are built before the first request: bad roots or a bad client
        # certificate fail here, at start, not on the first connection.
        self.trust.prepare()
        connector = TrustConnector(self.trust, limit=self._limit)
        self._session = aiohttp.ClientSession(
            connector=connector, trust_env=self._trust_env, timeout=self._timeout
        )
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

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET ``url`` following redirects; the whole body is read."""
        current = URL(url)
        sent: CIMultiDict[str] = CIMultiDict(headers or {})
        for _hop in range(self.max_redirects + 1):
            try:
                async with self.session.get(current, headers=sent, allow_redirects=False) as resp:
                    location = resp.headers.get("Location")
                    if resp.status in _REDIRECT_STATUSES and location:
                        target = current.join(URL(location))
                        self._check_redirect(current, target)
                        if target.origin() != current.origin():
                            sent.popall("Authorization", None)
                        current = target
                        continue
                    body = await resp.read()
                    return Response(str(resp.url), resp.status, resp.headers, body)
            except RedirectError:
                raise
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                raise translate_error(
                    exc, redact_url(current), current.host or "", self.trust
                ) from exc
        raise RedirectError(redact_url(url), f"more than {self.max_redirects} redirects", hint=None)

    @staticmethod
    def _check_redirect(current: URL, target: URL) -> None:
        if target.scheme not in ("http", "https"):
            raise RedirectError(
                redact_url(current), f"refused a redirect to an unsupported URL {target}"
            )
        if current.scheme == "https" and target.scheme == "http":
            raise RedirectError(
                redact_url(current),
                f"refused a redirect from https to plain http ({redact_url(target)})",
                hint="The index must serve every page over https once it starts with https.",
            )
