"""An index held in memory: the facade's logic tested without sockets.

::

    index = MemoryIndex({"demo": [DistributionFile("demo-1.0.tar.gz", url)]})
    async with IndexClient(indexes=[index]) as client:
        selection = await client.choose("demo>=1")
    assert index.asked == ["demo"]

A project is given as a parsed :class:`~indexclient.simple.ProjectPage`, as the bytes
of a page (parsed on first need, as if served from ``<url><name>/`` with
``content_type``, by the same parser as pages from a server), or as its files. Files
are whatever their URLs say: a ``file://`` URL is read from disk, an ``https://`` one
from a server, when the facade reads metadata or downloads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.utils import canonicalize_name

from indexclient.indexes.base import Found, Parsed
from indexclient.select import project_name
from indexclient.settings import IndexSpec, Origin
from indexclient.simple import (
    DistributionFile,
    IndexPage,
    Meta,
    ProjectLink,
    ProjectPage,
    parse_project_page,
)

__all__ = ["MemoryIndex", "MemoryProject"]

#: What a project may be given as.
MemoryProject = ProjectPage | bytes | Sequence[DistributionFile]


class _Body:
    """A page given as bytes: parsed on the first :meth:`page`, like a served page."""

    __slots__ = ("_body", "_page", "content_type", "url")

    def __init__(self, body: bytes, content_type: str | None, url: str) -> None:
        self._body, self.content_type, self.url = body, content_type, url
        self._page: ProjectPage | None = None

    @property
    def digest(self) -> str:
        """Empty: nothing is remembered for a page that was not served."""
        return ""

    async def page(self) -> ProjectPage:
        """The parsed page."""
        if self._page is None:
            self._page = parse_project_page(self._body, self.content_type, self.url)
        return self._page


class MemoryIndex:
    """An index whose projects are given (names are normalised, PEP 503).

    ``name``, ``default`` and ``explicit`` are an index's options; with ``find_links``
    it stands for a find-links location (searched alongside the indexes). ``asked``
    lists the names asked of it, as asked, in order, found or not (an invalid name is
    then refused, as every kind refuses one).
    """

    __module__ = "indexclient"

    def __init__(
        self,
        projects: Mapping[str, MemoryProject],
        *,
        url: str = "memory://index/",
        name: str | None = None,
        default: bool = False,
        explicit: bool = False,
        find_links: bool = False,
        content_type: str | None = "text/html",
    ) -> None:
        self.spec = IndexSpec(
            url,
            Origin("api", "indexes"),
            name,
            default,
            explicit,
            "flat" if find_links else "simple",
            find_links=find_links,
        )
        self.url = url if url.endswith("/") else url + "/"
        self.content_type = content_type
        #: The projects by normalised name (changes show in later answers).
        self.projects: dict[str, MemoryProject] = {
            canonicalize_name(key): value for key, value in projects.items()
        }
        self.asked: list[str] = []

    def _found(self, name: str) -> Found | None:
        self.asked.append(name)
        normalized = project_name(name)
        project = self.projects.get(normalized)
        page_url = f"{self.url}{normalized}/"
        if project is None:
            return None
        if isinstance(project, bytes):
            return _Body(project, self.content_type, page_url)
        if isinstance(project, ProjectPage):
            return Parsed(project)
        return Parsed(ProjectPage(page_url, normalized, Meta(), tuple(project)))

    async def project(self, name: str) -> Found | None:
        """Project ``name``'s page, or None when it was not given."""
        return self._found(name)

    def project_now(self, name: str) -> Found | None:
        """None: the facade's fast path is for pages with a digest (from the cache)."""
        return None

    async def index_page(self) -> IndexPage:
        """The projects given, by name."""
        links = tuple(
            ProjectLink(canonicalize_name(name), name, f"{self.url}{name}/")
            for name in sorted(self.projects)
        )
        return IndexPage(self.url, Meta(), links)
