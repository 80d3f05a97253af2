"""A remote flat page: one HTML page of links to distributions, as ``--find-links URL``
(or an ``[[index]]`` with ``format = "flat"``) names one.

The page is asked for once per client, with ``Accept: text/html`` as uv asks for it, and
read as HTML whatever its Content-Type says (uv does the same); it goes through the HTTP
cache like any page. Its links are the files of every project at once: a project's
files are the links whose file names parse as that project's wheels or sdists (links
that are not distributions are left out). The page keeps every rule of a page from a
server (docs/security.md, "Links"): it may link http and https URLs only.

Any status but 200 is an error (uv stops there too): a find-links location that cannot
be read is a mistake to report, not a project to look for elsewhere.
"""

from __future__ import annotations

import asyncio

from packaging.utils import NormalizedName, canonicalize_name

from indexclient.indexes.base import Found, Parsed, as_spec
from indexclient.indexes.simple_api import Pages, api_cache_control, page_error
from indexclient.select import project_name
from indexclient.settings import IndexSpec
from indexclient.simple import IndexPage, ProjectLink, ProjectPage, parse_project_page

__all__ = ["FLAT_PAGE_REQUEST", "FlatPage"]

#: The headers of a flat page's request (uv's): the cache keys its entry on them.
FLAT_PAGE_REQUEST = {"Accept": "text/html"}


class FlatPage:
    """A page of links at an ``http://`` or ``https://`` URL, read through ``pages``."""

    def __init__(self, spec: IndexSpec | str, pages: Pages) -> None:
        self.spec = as_spec(spec)
        self.pages = pages
        self._page: ProjectPage | None = None
        self._lock = asyncio.Lock()

    async def links(self) -> ProjectPage:
        """Every link of the page (read once; concurrent callers wait for one read)."""
        async with self._lock:
            if self._page is None:
                url = self.spec.url
                control = api_cache_control(self.spec)
                response = await self.pages.get(url, FLAT_PAGE_REQUEST, cache_control=control)
                if response.status != 200:
                    raise page_error(self.pages, response, url, "the find-links page")
                self._page = parse_project_page(response.body, "text/html", response.url)
            return self._page

    async def project(self, name: str) -> Found | None:
        """The links to project ``name``'s distributions, or None when there is none."""
        normalized = project_name(name)
        page = await self.links()
        files = tuple(f for f in page.files if f.filename_info.name == normalized)
        if not files:
            return None
        return Parsed(ProjectPage(page.url, normalized, page.meta, files))

    def project_now(self, name: str) -> Found | None:
        """None: the page is read once, then answered from memory."""
        return None

    async def index_page(self) -> IndexPage:
        """The projects that have a distribution on the page."""
        page = await self.links()
        names: dict[NormalizedName, str] = {}
        for file in page.files:
            found = file.filename_info.name
            if found is not None:
                names.setdefault(canonicalize_name(found), found)
        links = tuple(ProjectLink(n, raw, page.url) for n, raw in sorted(names.items()))
        return IndexPage(page.url, page.meta, links)
