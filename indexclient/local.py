"""Indexes on the local file system: ``file://`` URLs and plain directories.

Two layouts are understood under one root directory:

* a static simple index (PEP 503 on disk): ``root/index.html`` and
  ``root/<project>/index.html`` (or ``index.json``), parsed like pages from a server;
* a flat directory of distributions, as ``--find-links`` takes: wheels and sdists side
  by side (or in ``root/<project>/``), their names giving the project and version.

Pages of the second kind are written as simple HTML and parsed by the same parser, so
local files come out as the same models as remote ones. Files are read in a worker
thread to keep the event loop free.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from indexclient.errors import ConfigurationError
from indexclient.select import project_name
from indexclient.simple import (
    IndexPage,
    ProjectPage,
    parse_filename,
    parse_index_page,
    parse_project_page,
)

__all__ = ["LocalIndex", "path_from_file_url"]

_PAGE_NAMES = ("index.json", "index.html")


def path_from_file_url(url: str) -> Path:
    """The local path of a ``file://`` URL."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"not a local file URL: {url}")
    return Path(unquote(parts.path))


def _synthetic_page(links: Sequence[tuple[str, str]]) -> bytes:
    from html import escape  # only for file:// directories; most runs never need it

    anchors = "".join(f'<a href="{escape(href)}">{escape(text)}</a>\n' for href, text in links)
    return f"<!DOCTYPE html><html><body>\n{anchors}</body></html>\n".encode()


class LocalIndex:
    """A simple index or a directory of distributions at a ``file://`` URL."""

    def __init__(self, url: str) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.root = path_from_file_url(self.url)

    def _check_root(self) -> None:
        if not self.root.is_dir():
            raise ConfigurationError.single(f"index {self.url}", f"{self.root} is not a directory")

    async def index_page(self) -> IndexPage:
        """The projects of this index."""
        return await asyncio.to_thread(self._index_page)

    async def project_page(self, name: str) -> ProjectPage | None:
        """The page of project ``name``, or None when this index does not have it."""
        return await asyncio.to_thread(self._project_page, project_name(name))

    def _index_page(self) -> IndexPage:
        self._check_root()
        for page_name in _PAGE_NAMES:
            page = self.root / page_name
            if page.is_file():
                return parse_index_page(page.read_bytes(), None, self.url)
        names: dict[NormalizedName, str] = {}
        for entry in sorted(os.scandir(self.root), key=lambda e: e.name):
            if entry.is_dir():
                names.setdefault(canonicalize_name(entry.name), entry.name + "/")
            else:
                info = parse_filename(entry.name)
                if info.name is not None:
                    names.setdefault(info.name, f"{info.name}/")
        links = [(href, name) for name, href in sorted(names.items())]
        return parse_index_page(_synthetic_page(links), "text/html", self.url)

    def _project_page(self, name: NormalizedName) -> ProjectPage | None:
        self._check_root()
        project_dir = self.root / name
        page_url = f"{self.url}{name}/"
        if project_dir.is_dir():
            for page_name in _PAGE_NAMES:
                page = project_dir / page_name
                if page.is_file():
                    return parse_project_page(page.read_bytes(), None, page_url)
            return self._directory_page(project_dir, name, page_url)
        return self._directory_page(self.root, name, page_url, required=True)

    @staticmethod
    def _directory_page(
        directory: Path, name: NormalizedName, page_url: str, *, required: bool = False
    ) -> ProjectPage | None:
        links = []
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            if not entry.is_file():
                continue
            info = parse_filename(entry.name)
            if info.name == name:
                links.append((Path(entry.path).resolve().as_uri(), entry.name))
        if required and not links:
            return None
        return parse_project_page(_synthetic_page(links), "text/html", page_url)
