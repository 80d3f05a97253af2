"""IndexClient: the facade over settings, trust, transport, indexes and parsing.

It asks its indexes (:mod:`indexclient.indexes`) in order, chooses through
:class:`~indexclient.remembered.Chooser` (the memo's fast path), reads metadata through
:class:`~indexclient.fetching.MetadataFetcher` and downloads through
:mod:`indexclient.download`; parsing is :mod:`indexclient.simple`'s, which never does IO.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Literal, overload

from packaging.version import Version

from indexclient.download import DEFAULT_MAX_DOWNLOAD_SIZE, download_file
from indexclient.errors import IndexClientError, ProjectNotFound
from indexclient.fetching import FileMetadata, MetadataFetcher, MetadataResult
from indexclient.indexes import Found, Index, open_index
from indexclient.indexes.simple_api import Pages
from indexclient.memo import Memo, RememberedSelection
from indexclient.remembered import Chooser, name_and_text
from indexclient.select import Selection, project_name
from indexclient.settings import IndexSpec, Settings
from indexclient.simple import DistributionFile, IndexPage, ProjectPage
from indexclient.tls.trust import Trust
from indexclient.transport.auth import Credentials
from indexclient.transport.cache import HttpCache
from indexclient.transport.http import DEFAULT_MAX_BODY, HttpClient, RetryPolicy
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from indexclient.download import DownloadResult, Progress

__all__ = ["IndexClient", "MetadataResult"]


class IndexClient:
    """An async client for one or more package indexes.

    Use as an async context manager; it owns one HTTP session and connection pool::

        async with IndexClient("https://index.example/simple/") as client:
            page = await client.project("requests")

    Indexes come from the arguments or from ``settings`` (environment variables such as
    ``UV_DEFAULT_INDEX``); there is no built-in default. With several indexes (extra
    indexes plus a default), a project is taken from the first index that has it, in
    uv's order: extra indexes first, the default last ("first index wins"). ``indexes``
    gives the :class:`~indexclient.indexes.Index` objects to ask instead, in order (an
    :class:`~indexclient.indexes.MemoryIndex` tests the facade without sockets).

    At most ``concurrency`` requests are in flight at once (default 50, or
    ``UV_CONCURRENT_DOWNLOADS``). Failed requests are retried per ``retry`` (by default
    ``UV_HTTP_RETRIES`` times, 3, with exponential backoff and jitter). Each request,
    retries and body included, must end within ``deadline`` seconds (default an hour, or
    ``INDEXCLIENT_HTTP_DEADLINE``). A page larger than ``max_page_size`` bytes once
    decoded is refused.
    """

    __module__ = "indexclient"

    def __init__(
        self,
        index_url: str | None = None,
        *,
        extra_index_urls: Sequence[str] = (),
        indexes: Sequence[Index] | None = None,
        settings: Settings | None = None,
        trust: Trust | None = None,
        concurrency: int | None = None,
        deadline: float | None = None,
        environ: Mapping[str, str] | None = None,
        trust_env: bool = True,
        retry: RetryPolicy | None = None,
        max_page_size: int = DEFAULT_MAX_BODY,
    ) -> None:
        if indexes is not None and (index_url or extra_index_urls):
            raise TypeError("pass index URLs or indexes, not both")
        if settings is None:
            settings = Settings.load(
                environ,
                index_url=index_url,
                extra_index_urls=extra_index_urls,
                concurrency=concurrency,
                deadline=deadline,
            )
        elif index_url or extra_index_urls or concurrency or deadline is not None:
            raise TypeError(
                "pass the index URLs, concurrency and deadline in settings, or settings=None"
            )
        self.settings = settings
        self._trust = trust
        self._trust_env = trust_env
        self._retry = retry or RetryPolicy(retries=settings.retries.value)
        self.max_page_size = max_page_size
        self._limit = asyncio.Semaphore(settings.concurrency.value)
        self._pages = Pages(self._limit, max_page_size)
        # Each index's kind is decided here, once, from its URL.
        if indexes is None:
            indexes = [open_index(spec, self._pages) for spec in settings.indexes()]
        elif not indexes:
            raise ValueError("indexes= names no index")
        self._indexes: tuple[Index, ...] = tuple(indexes)
        self.indexes: tuple[IndexSpec, ...] = tuple(i.spec for i in self._indexes)
        self._http: HttpClient | None = None
        self._fetcher: MetadataFetcher | None = None
        # Pages and metadata files are cached, and answers computed from them remembered,
        # only where a directory is configured (INDEXCLIENT_CACHE_DIR, cache_dir=; the
        # command line uses the platform's).
        cache_dir = settings.cache_dir
        self._cache_dir = None if cache_dir is None or settings.no_cache.value else cache_dir.value
        self._memo = None if self._cache_dir is None else Memo(self._cache_dir)
        self._chooser = Chooser(self._memo)

    async def __aenter__(self) -> IndexClient:
        # Roots and the client certificate load here, so their problems surface at start.
        trust = self._trust or self.settings.trust()
        http = HttpClient(
            trust,
            trust_env=self._trust_env,
            limit=self.settings.concurrency.value,
            retry=self._retry,
            read_timeout=self.settings.timeout.value,
            deadline=self.settings.deadline.value,
            credentials=Credentials(i.url for i in self.indexes),
            cache=None if self._cache_dir is None else HttpCache(self._cache_dir),
            offline=self.settings.offline.value,
            refresh=self.settings.refresh,
        )
        self._http = self._pages.http = await http.__aenter__()
        self._fetcher = MetadataFetcher(http, memo=self._memo)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._http is not None:
            await self._http.aclose()
            self._http = self._pages.http = None

    @property
    def http(self) -> HttpClient:
        """The HTTP client (only while the IndexClient is open)."""
        return self._pages.http

    async def list_projects(self, index: IndexSpec | None = None) -> IndexPage:
        """The root page of ``index`` (default: the default index, else the first)."""
        if index is None:
            chosen = next((i for i in self._indexes if i.spec.default), self._indexes[0])
        else:
            mine = (i for i in self._indexes if i.spec == index)
            chosen = next(mine, None) or open_index(index, self._pages)
        return await chosen.index_page()

    async def project(self, name: str) -> ProjectPage:
        """The page of project ``name`` from the first index that has it.

        Raises :class:`~indexclient.errors.ProjectNotFound` when no index has it.
        """
        return await (await self._locate(name)).page()

    async def _locate(self, name: str) -> Found:
        """The first index's answer for project ``name``, not parsed yet.

        An invalid name is a ConfigurationError before any index is asked.
        """
        normalized = project_name(name)
        for index in self._indexes:
            found = await index.project(normalized)
            if found is not None:
                return found
        raise ProjectNotFound(name, [redact_url(i.url) for i in self.indexes])

    @overload
    async def projects(
        self, names: Iterable[str], *, return_exceptions: Literal[False] = ...
    ) -> list[ProjectPage]: ...

    @overload
    async def projects(
        self, names: Iterable[str], *, return_exceptions: Literal[True]
    ) -> list[ProjectPage | IndexClientError]: ...

    async def projects(
        self, names: Iterable[str], *, return_exceptions: bool = False
    ) -> list[ProjectPage] | list[ProjectPage | IndexClientError]:
        """Many project pages, fetched concurrently, in the order of ``names``.

        With ``return_exceptions=True`` a failing project gives its error in its place
        instead of failing the whole call.
        """
        names = list(names)
        if not return_exceptions:
            return list(await asyncio.gather(*(self.project(n) for n in names)))

        async def one(name: str) -> ProjectPage | IndexClientError:
            try:
                return await self.project(name)
            except IndexClientError as exc:
                return exc

        return list(await asyncio.gather(*(one(n) for n in names)))

    async def versions(self, name: str) -> tuple[Version, ...]:
        """The versions of ``name`` with at least one parsable file, oldest first."""
        return (await self.project(name)).versions_available()

    async def choose(self, requirement: str | Requirement) -> Selection:
        """The newest acceptable version for a PEP 508 requirement and its files.

        See :func:`indexclient.select.select_files` for the rules. Raises
        ProjectNotFound when no file matches.
        """
        return (await self._choose(requirement))[0]

    async def _choose(
        self, requirement: str | Requirement
    ) -> tuple[Selection, RememberedSelection | None]:
        name, text = name_and_text(requirement)
        return await self._chooser.choose(await self._locate(name), requirement, text)

    async def core_metadata(self, file: DistributionFile) -> FileMetadata:
        """The core metadata of one file: PEP 658 file, else ranges, else the file itself."""
        if self._fetcher is None:
            raise RuntimeError("IndexClient is not open; use `async with IndexClient(...)`")
        async with self._limit:
            return await self._fetcher.fetch(file)

    async def metadata_for(
        self,
        requirements: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[MetadataResult | IndexClientError]:
        """Core metadata for many PEP 508 requirements at once, in input order.

        Each is resolved to the newest matching version (:meth:`choose`), and read from a
        wheel of it when there is one, else its sdist. A requirement that fails gives its
        error in its place. ``progress(done, total)`` is called as each one finishes (the
        ones answered whole from the cache's memo count at once, before any IO).
        """
        total = len(requirements)
        first = self._indexes[0]
        results: list[MetadataResult | IndexClientError | None] = [
            self._chooser.answer_now(first, r) for r in requirements
        ]
        done = sum(r is not None for r in results)
        if progress is not None and done:
            progress(done, total)

        async def one(requirement: str) -> MetadataResult | IndexClientError:
            nonlocal done
            try:
                selection, memo = await self._choose(requirement)
                return await self._chooser.result(requirement, selection, memo, self.core_metadata)
            except IndexClientError as exc:
                return exc
            finally:
                done += 1
                if progress is not None:
                    progress(done, total)

        missing = [i for i, result in enumerate(results) if result is None]
        fetched = await asyncio.gather(*(one(requirements[i]) for i in missing))
        for i, result in zip(missing, fetched, strict=True):
            results[i] = result
        return [r for r in results if r is not None]

    async def download(
        self,
        file: DistributionFile,
        dest_dir: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        max_size: int | None = None,
    ) -> DownloadResult:
        """Download ``file`` into ``dest_dir``, verified against every advertised hash.

        The file is written beside its destination and renamed into place only when
        every hash matches; after a failure or cancellation nothing is left behind. The
        body may not exceed the size the index advertised (PEP 700), else the server's
        Content-Length, else ``max_size`` (default 16 GiB). A destination that cannot be
        written raises :class:`~indexclient.errors.FileWriteError` for this file alone.
        """
        async with self._limit:
            return await download_file(
                self.http,
                file,
                dest_dir,
                progress=progress,
                max_size=DEFAULT_MAX_DOWNLOAD_SIZE if max_size is None else max_size,
            )
