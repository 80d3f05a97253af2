"""An index at a ``file://`` URL (or a path): a PEP 503 tree or a flat directory.

The URL does not say which; the directory does, and it is asked once, when the index
is first used (:meth:`LocalIndex.kind`): a directory holding an index page
(``index.html``, ``index.json``) or a directory per project is a
:class:`~indexclient.indexes.tree.LocalTree`, anything else a
:class:`~indexclient.indexes.flat.FlatDirectory`.

Either kind keeps every rule of :mod:`~indexclient.indexes.localfs` (docs/security.md,
"Local indexes"): nothing outside its root is named, pages are read as files a person
named are, directory entries that are not regular files are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

from packaging.utils import NormalizedName

from indexclient.indexes.flat import FlatDirectory
from indexclient.indexes.localfs import (
    PAGE_NAMES,
    LocalDirectory,
    Root,
    path_from_file_url,
)
from indexclient.indexes.tree import LocalTree
from indexclient.select import is_plain_name
from indexclient.simple import IndexPage, ProjectPage

__all__ = ["FlatDirectory", "LocalIndex", "LocalTree", "path_from_file_url"]


def holds_tree(root: Path) -> bool:
    """Whether the directory ``root`` is a PEP 503 tree: it has an index page, or a
    directory named like a project. Its entries are looked at, never opened."""
    if any(os.path.lexists(root / name) for name in PAGE_NAMES):
        return True
    with os.scandir(root) as entries:
        return any(entry.is_dir() and is_plain_name(entry.name) for entry in entries)


class LocalIndex(LocalDirectory):
    """A tree or a flat directory at a ``file://`` URL, whichever the directory is."""

    _kind: LocalDirectory | None = None

    def kind(self) -> LocalDirectory:
        """The kind of this index, decided from the directory on first use and kept
        (call with the root known to be a directory; it reads the directory)."""
        kind = self._kind
        if kind is None:
            chosen = LocalTree if holds_tree(self.root) else FlatDirectory
            kind = self._kind = chosen(self.spec, max_page_size=self.max_page_size)
        return kind

    def _index_page(self, root: Root) -> IndexPage:
        return self.kind()._index_page(root)

    def _project_page(self, root: Root, name: NormalizedName, page_url: str) -> ProjectPage | None:
        return self.kind()._project_page(root, name, page_url)
