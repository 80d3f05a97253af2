"""What every index on the local file system shares: its root, and the rules under it.

The kinds (:mod:`~indexclient.indexes.tree`, :mod:`~indexclient.indexes.flat`, and
:mod:`~indexclient.indexes.local` that picks one) differ only in where a page comes
from. Pages made up from directory listings are written as simple HTML and parsed by
the same parser, so local files come out as the same models as remote ones. Files are
read in a worker thread to keep the event loop free; :class:`LocalFile` reads a
distribution the pages name.

A local index names only files under its own root once symlinks and ``..`` are resolved
(docs/security.md, "Local indexes"): a page, a project directory or a link that leads
outside is refused with :class:`~indexclient.errors.UnsafeLinkError`. Pages are read as
files a person named are (a regular file, at most the page size cap, never blocking on a
FIFO); directory entries that are not regular files are skipped. A distribution must be
a regular file too, opened without ever blocking.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote, urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from indexclient.errors import ConfigurationError, ParseError, UnsafeLinkError
from indexclient.indexes.base import Found, Parsed, as_spec
from indexclient.indexes.files import Body, Ranges
from indexclient.select import is_plain_name, project_name
from indexclient.settings import IndexSpec
from indexclient.simple import (
    DistributionFile,
    IndexPage,
    Meta,
    ProjectPage,
    parse_filename,
    parse_project_page,
)
from indexclient.transport.http import DEFAULT_MAX_BODY
from indexclient.urls import redact_url
from indexclient.userfiles import UnreadableFile, open_regular_file, read_user_file

if TYPE_CHECKING:
    from indexclient.simple.metadata import ByteRange

__all__ = [
    "PAGE_NAMES",
    "LocalDirectory",
    "LocalFile",
    "Root",
    "files_page",
    "listing",
    "path_from_file_url",
    "read_page",
]

#: The index pages a directory of a PEP 503 tree may hold, in order of preference.
PAGE_NAMES = ("index.json", "index.html")
# A local file is streamed into a download this much at a time.
_CHUNK = 1024 * 1024


def path_from_file_url(url: str) -> Path:
    """The local path of a ``file://`` URL.

    A URL with a host other than ``localhost`` (``file://server/share``) names a file on
    another machine, wherever the platform would map it: a
    :class:`~indexclient.errors.ConfigurationError`, not a guess.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise ConfigurationError.single(f"URL {redact_url(url)}", "not a file URL")
    if parts.netloc not in ("", "localhost"):
        raise ConfigurationError.single(
            f"URL {redact_url(url)}",
            "a file URL with a host is not supported; a local index is file:///absolute/path",
        )
    return Path(unquote(parts.path))


def synthetic_page(links: Sequence[tuple[str, str]]) -> bytes:
    anchors = "".join(f'<a href="{escape(href)}">{escape(text)}</a>\n' for href, text in links)
    return f"<!DOCTYPE html><html><body>\n{anchors}</body></html>\n".encode()


class Root:
    """The real path of an index's root, and the check that a path stays under it.

    Resolving a path costs an lstat per component: the directories of a page's links are
    few, so each is resolved once and only the last component is looked at per link.
    """

    __slots__ = ("_dirs", "_prefix", "real")

    def __init__(self, root: Path) -> None:
        self.real = os.path.realpath(root)
        self._prefix = self.real if self.real.endswith(os.sep) else self.real + os.sep
        self._dirs: dict[str, str] = {}

    def contains(self, path: str) -> bool:
        """Whether ``path``, symlinks and ``..`` resolved, is the root or under it."""
        real = self._realpath(path)
        return real == self.real or real.startswith(self._prefix)

    def _realpath(self, path: str) -> str:
        head, tail = os.path.split(path)
        if not tail or tail in (".", ".."):
            return os.path.realpath(path)
        real_dir = self._dirs.get(head)
        if real_dir is None:
            real_dir = self._dirs[head] = os.path.realpath(head)
        candidate = os.path.join(real_dir, tail)
        return os.path.realpath(candidate) if os.path.islink(candidate) else candidate

    def refuse(self, page_url: str, link: str) -> UnsafeLinkError:
        return UnsafeLinkError(
            redact_url(page_url),
            redact_url(link),
            f"a local index may name only files under its root {self.real}",
        )

    def check_links(self, page_url: str, links: Iterable[str]) -> None:
        """Refuse the first of ``links`` (URLs from the page at ``page_url``) that is a
        file outside the root. The parser has already refused schemes other than http,
        https and file; http(s) links are allowed."""
        for link in links:
            scheme = link.partition(":")[0].lower()
            if scheme in ("http", "https"):
                continue
            parts = urlsplit(link)
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                raise UnsafeLinkError(
                    redact_url(page_url),
                    redact_url(link),
                    "a local index may link only its own files and http and https URLs",
                )
            try:
                inside = self.contains(unquote(parts.path))
            except (OSError, ValueError):  # an embedded NUL, a path the system refuses
                inside = False
            if not inside:
                raise self.refuse(page_url, link)


def _meta_links(meta: Meta) -> tuple[str, ...]:
    return meta.tracks + meta.alternate_locations


def _project_links(page: ProjectPage) -> Iterable[str]:
    yield from _meta_links(page.meta)
    for file in page.files:
        yield file.url
        metadata_url = file.core_metadata_url
        if metadata_url is not None:
            yield metadata_url
        if file.provenance is not None:
            yield file.provenance


def read_page(root: Root, directory: Path, page_url: str, limit: int) -> bytes | None:
    """The bytes of ``directory``'s index page (at most ``limit``), or None when it has
    none. A page is read as a file a person named is: a regular file, never blocking."""
    for page_name in PAGE_NAMES:
        path = directory / page_name
        if not root.contains(str(path)):
            raise root.refuse(page_url, path.as_uri())
        try:
            return read_user_file(path, limit=limit)
        except UnreadableFile as exc:
            if exc.missing:
                continue
            raise ParseError(redact_url(page_url), f"cannot read {path}: {exc.reason}") from None
    return None


def listing(directory: Path, *, directories: bool) -> bytes:
    """A page listing the projects of ``directory``: those its distributions name, and
    with ``directories`` those it has a directory for."""
    names: dict[NormalizedName, str] = {}
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.is_dir():
            # A directory whose name is no project name (.git, __pycache__) is none;
            # a valid name needs no quoting in a URL.
            if directories and is_plain_name(entry.name):
                names.setdefault(canonicalize_name(entry.name), entry.name + "/")
        elif entry.is_file():
            info = parse_filename(entry.name)
            if info.name is not None:
                names.setdefault(info.name, f"{info.name}/")
    links = [(href, name) for name, href in sorted(names.items())]
    return synthetic_page(links)


def files_page(
    directory: Path, name: NormalizedName, page_url: str, *, required: bool = False
) -> ProjectPage | None:
    """A page of the distributions of project ``name`` in ``directory``; with
    ``required``, None when there is none."""
    links = []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        # Regular files only (symlinks followed): a FIFO or device is never listed,
        # so never opened. A symlink out of the root is refused by check_links.
        if not entry.is_file():
            continue
        info = parse_filename(entry.name)
        if info.name == name:
            links.append((Path(entry.path).resolve().as_uri(), entry.name))
    if required and not links:
        return None
    return parse_project_page(synthetic_page(links), "text/html", page_url)


class LocalDirectory:
    """What every local index does; a kind says where its pages come from.

    The root must be a directory when asked (checked each time, and resolved each time:
    it may be a symlink); pages are read in a worker thread; every link of every page
    must stay under the root (docs/security.md, "Local indexes"). Pages larger than
    ``max_page_size`` bytes are refused, as from a server.
    """

    def __init__(self, spec: IndexSpec | str, *, max_page_size: int = DEFAULT_MAX_BODY) -> None:
        self.spec = as_spec(spec)
        url = self.spec.url
        self.url = url if url.endswith("/") else url + "/"
        self.root = path_from_file_url(self.url)
        self.max_page_size = max_page_size

    async def index_page(self) -> IndexPage:
        """The projects of this index."""
        return await asyncio.to_thread(self._checked_index_page)

    async def project_page(self, name: str) -> ProjectPage | None:
        """The page of project ``name``, or None when this index does not have it.

        An invalid project name is a ConfigurationError; nothing is read for it.
        """
        return await asyncio.to_thread(self._checked_project_page, project_name(name))

    async def project(self, name: str) -> Found | None:
        """:meth:`project_page`, as the facade asks for it."""
        page = await self.project_page(name)
        return None if page is None else Parsed(page)

    def project_now(self, name: str) -> Found | None:
        """None: a local page is read in a worker thread, never at once."""
        return None

    def _check_root(self) -> Root:
        if not self.root.is_dir():
            raise ConfigurationError.single(f"index {self.url}", f"{self.root} is not a directory")
        # Resolved once per call: the root may itself be a symlink.
        return Root(self.root)

    def _checked_index_page(self) -> IndexPage:
        root = self._check_root()
        page = self._index_page(root)
        root.check_links(self.url, [*_meta_links(page.meta), *(p.url for p in page.projects)])
        return page

    def _checked_project_page(self, name: NormalizedName) -> ProjectPage | None:
        root = self._check_root()
        page_url = f"{self.url}{name}/"
        page = self._project_page(root, name, page_url)
        if page is not None:
            root.check_links(page_url, _project_links(page))
        return page

    def _index_page(self, root: Root) -> IndexPage:
        """The kind's index page, its links not checked yet (in a worker thread)."""
        raise NotImplementedError

    def _project_page(self, root: Root, name: NormalizedName, page_url: str) -> ProjectPage | None:
        """The kind's page of ``name``, its links not checked yet (in a worker thread)."""
        raise NotImplementedError


class LocalFile:
    """A file on this machine, named by a ``file://`` URL: a regular file only.

    Its PEP 658 file is not read: the archive itself is at hand, and reading its
    metadata is a few seeks."""

    fetches_metadata_files = False

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = path_from_file_url(url)

    @property
    def range_key(self) -> None:
        """None: a local file always reads by ranges."""
        return None

    def ranges(self) -> Ranges:
        """Seeks, in a worker thread."""
        return _LocalRanges(self)

    def _error(self, reason: str) -> ConfigurationError:
        return ConfigurationError.single(f"local file {self.path}", reason)

    def _open(self) -> BinaryIO:
        try:
            return open_regular_file(self.path)
        except UnreadableFile as exc:
            raise self._error(exc.reason) from None

    def _read_whole(self, limit: int) -> bytes:
        try:
            return read_user_file(self.path, limit=limit)
        except UnreadableFile as exc:
            raise self._error(exc.reason) from None

    async def whole(self, file: DistributionFile, limit: int) -> bytes:
        """The whole file, at most ``limit`` bytes. ``file``'s size and hashes are not
        checked here, as they never were for a local file's metadata (a download
        checks the hashes)."""
        return await asyncio.to_thread(self._read_whole, limit)

    @contextlib.asynccontextmanager
    async def body(self, *, until: float) -> AsyncIterator[Body]:
        """The file, read a chunk at a time in a worker thread; its size as announced."""
        handle = await asyncio.to_thread(self._open)
        with handle:
            size = os.fstat(handle.fileno()).st_size
            yield Body(200, size, _chunks(handle))


async def _chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(handle.read, _CHUNK):
        yield chunk


class _LocalRanges:
    """Ranges of a local file, read with seeks in a worker thread."""

    def __init__(self, file: LocalFile) -> None:
        self.file = file

    def _read(self, start: int | None, length: int) -> tuple[bytes, int]:
        with self.file._open() as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - length) if start is None else start)
            return handle.read(length), size

    async def tail(self, length: int) -> tuple[bytes, int] | None:
        return await asyncio.to_thread(self._read, None, length)

    async def read(self, span: ByteRange) -> bytes | None:
        data, _ = await asyncio.to_thread(self._read, span.start, span.length)
        return data
