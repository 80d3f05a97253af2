"""A static simple index on disk (PEP 503): a directory per project under one root.

``root/index.html`` and ``root/<project>/index.html`` (or ``index.json``) are parsed
like pages from a server; a project directory without a page is listed (its
distributions, as in a flat directory), and a project without a directory is looked for
among the distributions loose in the root. See
:class:`~indexclient.indexes.localfs.LocalDirectory` for what every local index checks.
"""

from __future__ import annotations

from packaging.utils import NormalizedName

from indexclient.indexes.localfs import LocalDirectory, Root, files_page, listing, read_page
from indexclient.simple import IndexPage, ProjectPage, parse_index_page, parse_project_page

__all__ = ["LocalTree"]


class LocalTree(LocalDirectory):
    """A PEP 503 tree at a ``file://`` URL."""

    def _index_page(self, root: Root) -> IndexPage:
        content = read_page(root, self.root, self.url, self.max_page_size)
        if content is not None:
            return parse_index_page(content, None, self.url)
        return parse_index_page(listing(self.root, directories=True), "text/html", self.url)

    def _project_page(self, root: Root, name: NormalizedName, page_url: str) -> ProjectPage | None:
        project_dir = self.root / name
        if not project_dir.is_dir():
            return files_page(self.root, name, page_url, required=True)
        if not root.contains(str(project_dir)):
            raise root.refuse(page_url, project_dir.as_uri())
        content = read_page(root, project_dir, page_url, self.max_page_size)
        if content is not None:
            return parse_project_page(content, None, page_url)
        return files_page(project_dir, name, page_url)
