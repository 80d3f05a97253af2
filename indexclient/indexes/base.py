"""The Index protocol: what the facade asks an index, whatever kind of index it is.

The facade asks its indexes in order (first index wins) and needs three answers of
each: a project's page (:meth:`Index.project`), the same when it can be had without
awaiting anything (:meth:`Index.project_now`, the memo's fast path), and the list of
projects (:meth:`Index.index_page`). A kind is a way of answering those: the HTTP
simple API, a PEP 503 tree on disk, a flat directory of distributions, an in-memory
index for tests, a remote flat page of links (find-links). Each index carries its
:class:`~indexclient.settings.IndexSpec` (URL, name, whether it is the default, its
options and origin). Which statuses mean "not on this index" is decided here once
(:func:`missing_statuses`), for every kind.

A found page is a :class:`Found`: read, but parsed only when :meth:`Found.page` is
awaited, so the memo can answer from the body's digest without parsing it.
"""

from __future__ import annotations

from typing import Final, Protocol

from indexclient.settings import IndexSpec, Origin
from indexclient.settings.values import IndexStrategy
from indexclient.simple import IndexPage, ProjectPage

__all__ = ["AUTH_STATUSES", "Found", "Index", "Parsed", "as_spec", "missing_statuses"]

#: What an index answers for a project it does not have, as uv takes it by default.
NOT_FOUND: Final = 404
#: Statuses of authentication that uv's unsafe strategies take as "not on this index":
#: 401, 403, 407 and 511.
AUTH_STATUSES: Final = frozenset({401, 403, 407, 511})


def missing_statuses(spec: IndexSpec, strategy: IndexStrategy = "first-index") -> frozenset[int]:
    """The statuses of a project page that mean "not on this index, ask the next",
    decided here once for every kind of index (uv's rules): 404, and the index's
    ``ignore-error-codes``; with an ``unsafe-*`` strategy, the authentication statuses
    too (:data:`AUTH_STATUSES`). Any other status stops the search with an error.

    uv also takes a 403 as "not here" from one public host by default; indexclient has
    no host-specific rule: ``ignore-error-codes = [403]`` says so for any index. And
    where uv's unsafe strategies use only the authentication statuses, indexclient adds
    them to the index's own ``ignore-error-codes``, so that a status the user listed
    never stops a search.
    """
    codes = {NOT_FOUND, *(spec.ignore_error_codes or ())}
    if strategy != "first-index":
        codes |= AUTH_STATUSES
    return frozenset(codes)


class Found(Protocol):
    """A project's page as an index found it; parsed on first need."""

    @property
    def url(self) -> str:
        """The page's final URL (after redirects)."""
        ...

    @property
    def content_type(self) -> str | None:
        """The page's Content-Type, when it has one."""
        ...

    @property
    def digest(self) -> str:
        """The sha256 of the page's body when it went through the HTTP cache, else
        empty: only a page with a digest has answers remembered for it."""
        ...

    async def page(self) -> ProjectPage:
        """The parsed page (read again if need be, and parsed, on the first call)."""
        ...


class Index(Protocol):
    """One index of the client's, asked in the client's order.

    A name given to an index is a valid project name (the facade checks it first, so
    an invalid name is an error before any index is asked); each kind checks it again
    where it builds a URL or a path from it.
    """

    @property
    def spec(self) -> IndexSpec:
        """What the index is: its URL, name, whether it is the default, and origin."""
        ...

    async def project(self, name: str) -> Found | None:
        """Project ``name``'s page, or None when this index does not have it."""
        ...

    def project_now(self, name: str) -> Found | None:
        """Project ``name``'s page when it can be had without awaiting (the HTTP index:
        a fresh entry of the cache, its body not read); None whenever finding out
        needs IO, or when the index cannot tell at once."""
        ...

    async def index_page(self) -> IndexPage:
        """The projects of this index."""
        ...


class Parsed:
    """A :class:`Found` whose page is already parsed (a local or in-memory page).

    It has no digest: no answer is remembered for it (reading it again is cheap)."""

    __slots__ = ("_page",)

    def __init__(self, page: ProjectPage) -> None:
        self._page = page

    @property
    def url(self) -> str:
        """The page's URL."""
        return self._page.url

    @property
    def content_type(self) -> str | None:
        """None: the page was not served."""
        return None

    @property
    def digest(self) -> str:
        """Empty: see the class docstring."""
        return ""

    async def page(self) -> ProjectPage:
        """The page."""
        return self._page


def as_spec(index: IndexSpec | str) -> IndexSpec:
    """``index`` as a spec: a URL alone is an index given through the API."""
    if isinstance(index, IndexSpec):
        return index
    return IndexSpec(index, Origin("api", "index"))


# Their public names (a protocol's body may hold only its members).
Found.__module__ = Index.__module__ = "indexclient"
