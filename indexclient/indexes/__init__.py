"""Indexes: one kind per way of answering "which files does project X have?".

* :mod:`~indexclient.indexes.base`: the :class:`Index` protocol the facade asks, and
  :class:`Found`, a page as found (parsed on first need);
* :mod:`~indexclient.indexes.simple_api`: the simple repository API over HTTP(S);
* :mod:`~indexclient.indexes.flat_page`: a remote page of links (``--find-links URL``);
* :mod:`~indexclient.indexes.tree`, :mod:`~indexclient.indexes.flat`: a PEP 503 tree
  on disk, a flat directory of distributions; :mod:`~indexclient.indexes.local` picks
  one for a ``file://`` URL, with the rules every local index keeps in
  :mod:`~indexclient.indexes.localfs`;
* :mod:`~indexclient.indexes.memory`: an index held in memory, for tests;
* :mod:`~indexclient.indexes.files`: where a distribution's own bytes come from.

Whether a URL names something on this machine is decided here, once for an index
(:func:`open_index`, where the client builds its indexes) and once for a file
(:func:`open_file`): every other module is given an object of the right kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexclient._lazy import lazy_attributes
from indexclient.indexes.base import Found, Index, Parsed, missing_statuses
from indexclient.indexes.files import FileSource, HttpFile
from indexclient.indexes.flat_page import FlatPage
from indexclient.indexes.simple_api import Pages, SimpleApiIndex
from indexclient.settings import IndexSpec
from indexclient.settings.values import IndexStrategy
from indexclient.transport.http import HttpClient

if TYPE_CHECKING:
    from indexclient.indexes.flat import FlatDirectory
    from indexclient.indexes.local import LocalIndex
    from indexclient.indexes.localfs import LocalFile
    from indexclient.indexes.memory import MemoryIndex
    from indexclient.indexes.tree import LocalTree

__all__ = [
    "FileSource",
    "FlatDirectory",
    "FlatPage",
    "Found",
    "HttpFile",
    "Index",
    "LocalFile",
    "LocalIndex",
    "LocalTree",
    "MemoryIndex",
    "Pages",
    "Parsed",
    "SimpleApiIndex",
    "is_local",
    "missing_statuses",
    "open_file",
    "open_index",
]

# The kinds a run against a server never uses load when first named (see open_index).
_LAZY = {
    "FlatDirectory": "indexclient.indexes.flat",
    "LocalFile": "indexclient.indexes.localfs",
    "LocalIndex": "indexclient.indexes.local",
    "LocalTree": "indexclient.indexes.tree",
    "MemoryIndex": "indexclient.indexes.memory",
}

if not TYPE_CHECKING:
    # Hidden from type checkers, which see the real names through the imports above.
    __getattr__ = lazy_attributes(__name__, _LAZY, globals())


def is_local(url: str) -> bool:
    """Whether ``url`` names something on this machine: a ``file:`` URL (the scheme
    compared without case, RFC 3986 3.1). Settings turn a path into such a URL."""
    return url[:5].lower() == "file:"


def open_index(spec: IndexSpec, pages: Pages, strategy: IndexStrategy = "first-index") -> Index:
    """The index ``spec`` names, of the kind its URL and format say; remote ones ask
    ``pages``.

    A local URL with the flat format (``--find-links DIR``) is a flat directory; any
    other local URL is a tree or a flat directory, which the directory itself says
    (:class:`LocalIndex` asks it on first use). A remote URL with the flat format is a
    page of links (:class:`FlatPage`), any other the simple API, for which the
    ``strategy`` says which statuses mean "not here" (:func:`missing_statuses`).
    """
    if is_local(spec.url):
        # Loaded here, the one seam for local indexes: a warm run against a server
        # spends nothing on them.
        if spec.format == "flat":
            from indexclient.indexes.flat import FlatDirectory

            return FlatDirectory(spec, max_page_size=pages.max_page_size)
        from indexclient.indexes.local import LocalIndex

        return LocalIndex(spec, max_page_size=pages.max_page_size)
    if spec.format == "flat":
        return FlatPage(spec, pages)
    return SimpleApiIndex(spec, pages, missing_statuses(spec, strategy))


def open_file(url: str, http: HttpClient) -> FileSource:
    """The source of the distribution at ``url``: a local file or one on a server.

    A ``file:`` URL only ever comes from a local index's page (a page from a server may
    link http and https only, docs/security.md "Links"), or from the caller.
    """
    if is_local(url):
        from indexclient.indexes.localfs import LocalFile  # as in open_index

        return LocalFile(url)
    return HttpFile(url, http)


def __dir__() -> list[str]:
    return sorted(__all__)
