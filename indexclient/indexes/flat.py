"""A flat directory of distributions, as ``--find-links`` takes one.

Wheels and sdists side by side in one directory, their file names giving the project
and version; its pages are made up from the listing (see
:class:`~indexclient.indexes.localfs.LocalDirectory` for what every local index checks).
"""

from __future__ import annotations

from packaging.utils import NormalizedName

from indexclient.indexes.localfs import LocalDirectory, Root, files_page, listing
from indexclient.simple import IndexPage, ProjectPage, parse_index_page

__all__ = ["FlatDirectory"]


class FlatDirectory(LocalDirectory):
    """A directory of distributions at a ``file://`` URL."""

    def _index_page(self, root: Root) -> IndexPage:
        return parse_index_page(listing(self.root, directories=False), "text/html", self.url)

    def _project_page(self, root: Root, name: NormalizedName, page_url: str) -> ProjectPage | None:
        return files_page(self.root, name, page_url, required=True)
