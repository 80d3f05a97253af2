"""Indexes: one kind per way of answering "which files does project X have?".

* :mod:`~indexclient.indexes.base`: the :class:`Index` protocol the facade asks, and
  :class:`Found`, a page as found (parsed on first need);
* :mod:`~indexclient.indexes.simple_api`: the simple repository API over HTTP(S);
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
from indexclient.indexes.base import Found, Index, Parsed
from indexclient.indexes.files import FileSource, HttpFile
from indexclient.indexes.simple_api import Pages, SimpleApiIndex
from indexclient.settings import IndexSpec
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


def open_index(spec: IndexSpec, pages: Pages) -> Index:
    """The index ``spec`` names, of the kind its URL says; remote ones ask ``pages``.

    A local URL is a tree or a flat directory, which the directory itself says
    (:class:`LocalIndex` asks it on first use). A remote flat page (find-links) will be
    chosen here too, from the spec.
    """
    if is_local(spec.url):
        # Loaded here, the one seam for local indexes: a warm run against a server
        # spends nothing on them.
        from indexclient.indexes.local import LocalIndex

        return LocalIndex(spec, max_page_size=pages.max_page_size)
    return SimpleApiIndex(spec, pages)


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
