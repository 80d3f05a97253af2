"""An index served over HTTP(S): the simple repository API (PEP 503 HTML, PEP 691 JSON).

Project ``name`` is at ``<index>/<name>/``; its page is asked for with the Accept
header of :data:`~indexclient.simple.ACCEPT` and may come from the HTTP cache. A fresh
cached page is taken as found from its entry's head alone, its body read only if the
memo cannot answer from its digest (see :class:`Remote`); a fresh cached 404 or 410 is
"not on this index", with no request either (docs/security.md, "The cache").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence

from indexclient.errors import ConfigurationError, ProjectNotFound, ResponseError
from indexclient.indexes.base import Found, as_spec, missing_statuses
from indexclient.select import project_name
from indexclient.settings import IndexSpec
from indexclient.simple import ACCEPT, IndexPage, ProjectPage, parse_index_page, parse_project_page
from indexclient.transport.cache import CacheEntry
from indexclient.transport.http import DEFAULT_MAX_BODY, HttpClient, Response
from indexclient.urls import redact_url, split_credentials

__all__ = ["PAGE_REQUEST", "Pages", "Remote", "SimpleApiIndex"]

#: The headers of every page request: the cache keys entries on them too.
PAGE_REQUEST = {"Accept": ACCEPT}


class Pages:
    """How every HTTP index gets its pages: through the client's HttpClient (``http``,
    set while the client is open), at most ``limit`` requests at once, each page at
    most ``max_page_size`` bytes once decoded, through the cache when there is one."""

    __slots__ = ("_http", "limit", "max_page_size")

    def __init__(self, limit: asyncio.Semaphore, max_page_size: int = DEFAULT_MAX_BODY) -> None:
        self.limit = limit
        self.max_page_size = max_page_size
        self._http: HttpClient | None = None

    @property
    def http(self) -> HttpClient:
        """The HTTP client (only while the IndexClient is open)."""
        if self._http is None:
            raise RuntimeError("IndexClient is not open; use `async with IndexClient(...)`")
        return self._http

    @http.setter
    def http(self, http: HttpClient | None) -> None:
        self._http = http

    async def get(
        self,
        url: str,
        headers: Mapping[str, str] = PAGE_REQUEST,
        *,
        cache_control: str | None = None,
    ) -> Response:
        """The page at ``url`` (a project page unless ``headers`` say otherwise), kept by
        the cache as ``cache_control`` says when given (an index's ``cache-control``)."""
        async with self.limit:
            return await self.http.get(
                url,
                headers=headers,
                max_size=self.max_page_size,
                cacheable=True,
                cache_control=cache_control,
            )

    def read_ahead(self, urls: Sequence[str], headers: Mapping[str, str] = PAGE_REQUEST) -> None:
        """Read the cache's heads for ``urls`` in a batch, for :meth:`fresh_head` to
        find in this event loop iteration (it answers the same either way)."""
        http = self._http
        cache = None if http is None else http.cache
        if cache is not None:
            # The URLs the cache is asked for, without credentials (HttpClient.fresh_head).
            cache.read_ahead([split_credentials(url)[0] for url in urls], headers)

    def fresh_head(self, url: str, headers: Mapping[str, str] = PAGE_REQUEST) -> CacheEntry | None:
        """The cache's entry for ``url`` when it may answer now, without its body; None
        too while the client is not open (then :meth:`get` says so)."""
        http = self._http
        return None if http is None else http.fresh_head(url, headers)


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def page_error(pages: Pages, response: Response, url: str, what: str) -> ResponseError:
    """The error of a page answered with a status that does not mean "not here": for
    401, 403 and 407 an AuthenticationError naming the credential sources tried (the
    transport's, which knows them), else a ResponseError."""
    error = pages.http.status_error(url, response.status, f"cannot fetch {what}")
    if 400 <= response.status < 500 and response.status not in (401, 403, 407):
        error.hint = (
            f"if this index answers {response.status} for a project it does not have, "
            f"add ignore-error-codes = [{response.status}] to its [[index]] table, and "
            "the next index is asked"
        )
    return error


def api_cache_control(spec: IndexSpec) -> str | None:
    """The Cache-Control an index's ``cache-control.api`` sets for its pages, or None."""
    control = spec.cache_control
    return None if control is None else control.api


def _check_page(pages: Pages, response: Response, url: str, name: str) -> None:
    if response.status != 200:
        raise page_error(pages, response, url, f"the page of {name!r}")


class SimpleApiIndex:
    """An index at an ``http://`` or ``https://`` URL, asked through ``pages``.

    A page answered with one of ``missing`` (by default :func:`missing_statuses` of the
    spec) is "not on this index"; any other status but 200 is an error.
    """

    def __init__(
        self, spec: IndexSpec | str, pages: Pages, missing: frozenset[int] | None = None
    ) -> None:
        self.spec = as_spec(spec)
        self.pages = pages
        self.missing = missing_statuses(self.spec) if missing is None else missing
        self.cache_control = api_cache_control(self.spec)

    def project_url(self, name: str) -> str:
        """The URL of project ``name``'s page: always ``<index>/<name>/``, since a valid
        normalised name is letters, digits and '-' only (docs/security.md, "Names").
        Checked here, where the URL is built, whatever the caller checked before."""
        return f"{_with_slash(self.spec.url)}{project_name(name)}/"

    def read_ahead(self, names: Sequence[str]) -> None:
        """Read the cached heads of the pages of ``names`` in a batch, for
        :meth:`project_now` to find in this event loop iteration (invalid names are
        left to it, which refuses them)."""
        urls = []
        for name in names:
            with contextlib.suppress(ConfigurationError):
                urls.append(self.project_url(name))
        self.pages.read_ahead(urls)

    def project_now(self, name: str) -> Found | None:
        """``name``'s page when the cache may give it now. A fresh page is taken as
        found without reading its body: the memo may answer from its digest alone,
        and :meth:`Remote.page` reads it when needed. A cached answer of another status
        gives None too: :meth:`project` decides it from the same entry."""
        url = self.project_url(name)
        head = self.pages.fresh_head(url)
        if head is None or head.status != 200:
            # A remembered "not here" (or any other status) is decided by project(),
            # through the same rule as a fresh answer.
            return None
        return Remote(
            self.pages, name, url, head=head, missing=self.missing, control=self.cache_control
        )

    async def project(self, name: str) -> Found | None:
        """``name``'s page, from the cache or the server; None for a status of
        ``missing`` (404, and the index's ignore-error-codes: "not on this index")."""
        url = self.project_url(name)
        head = self.pages.fresh_head(url)
        if head is not None:
            # A fresh (or, offline, any) cached answer, read without its body: a status of
            # ``missing`` means not on this index, without a request or the network stack.
            if head.status in self.missing:
                return None
            if head.status == 200:
                return Remote(
                    self.pages,
                    name,
                    url,
                    head=head,
                    missing=self.missing,
                    control=self.cache_control,
                )
        response = await self.pages.get(url, cache_control=self.cache_control)
        if response.status in self.missing:
            return None
        _check_page(self.pages, response, url, name)
        return Remote(
            self.pages,
            name,
            url,
            response=response,
            missing=self.missing,
            control=self.cache_control,
        )

    async def index_page(self) -> IndexPage:
        """The root page of the index."""
        url = _with_slash(self.spec.url)
        response = await self.pages.get(url, cache_control=self.cache_control)
        if response.status != 200:
            raise page_error(self.pages, response, url, "the index page")
        return parse_index_page(response.body, response.content_type, response.url)


class Remote:
    """A project's page from a server: a response, or a fresh cache entry's head whose
    body is read on demand."""

    __slots__ = ("_control", "_missing", "_name", "_page", "_pages", "_url", "head", "response")

    def __init__(
        self,
        pages: Pages,
        name: str,
        url: str,
        *,
        head: CacheEntry | None = None,
        response: Response | None = None,
        missing: frozenset[int] = frozenset({404}),
        control: str | None = None,
    ) -> None:
        self._pages, self._name, self._url = pages, name, url
        self.head, self.response = head, response
        self._missing, self._control = missing, control
        self._page: ProjectPage | None = None

    @property
    def url(self) -> str:
        """The page's final URL (after redirects)."""
        if self.head is not None:
            return self.head.url
        return self.response.url if self.response else ""

    @property
    def content_type(self) -> str | None:
        """The page's Content-Type."""
        if self.head is not None:
            return self.head.headers.get("content-type")
        return self.response.content_type if self.response else None

    @property
    def digest(self) -> str:
        """The sha256 of the page's body when it went through the cache, else empty."""
        if self.head is not None:
            return self.head.digest
        return self.response.digest if self.response else ""

    async def page(self) -> ProjectPage:
        """The parsed page (read and parsed on first call)."""
        if self._page is None:
            response = self.response
            if response is None:
                # The cache said fresh a moment ago; should the entry have gone bad
                # since, this asks the server, which may now answer anything.
                response = await self._pages.get(self._url, cache_control=self._control)
                if response.status in self._missing:
                    raise ProjectNotFound(self._name, [redact_url(self._url)])
                _check_page(self._pages, response, self._url, self._name)
                self.response, self.head = response, None
            self._page = parse_project_page(response.body, response.content_type, response.url)
        return self._page
