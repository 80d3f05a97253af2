"""IndexClient: the facade over settings, trust, transport and parsing.

Everything that does IO for the simple repository API goes through here; parsing is
delegated to :mod:`indexclient.simple`, which never does IO.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Literal, overload

from packaging.utils import NormalizedName
from packaging.version import Version

from indexclient.config import IndexSpec, Settings
from indexclient.errors import (
    ConfigurationError,
    IndexClientError,
    ProjectNotFound,
    ResponseError,
)
from indexclient.fetching import FileMetadata, MetadataFetcher
from indexclient.memo import (
    Memo,
    RememberedSelection,
    selection_from_json,
    selection_key,
    selection_to_json,
)
from indexclient.select import (
    Selection,
    is_plain_name,
    parsed_requirement,
    project_name,
    select_files,
)
from indexclient.simple import (
    ACCEPT,
    DistributionFile,
    IndexPage,
    ProjectPage,
    parse_index_page,
    parse_project_page,
)
from indexclient.simple.metadata import CoreMetadata
from indexclient.tls.trust import Trust
from indexclient.transport.auth import Credentials
from indexclient.transport.cache import CacheEntry, HttpCache
from indexclient.transport.http import DEFAULT_MAX_BODY, HttpClient, Response, RetryPolicy
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from indexclient.download import DownloadResult, Progress

__all__ = ["IndexClient", "MetadataResult"]

_NOT_FOUND = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class MetadataResult:
    """Core metadata for one requirement: the version and file chosen, and the metadata.

    ``metadata.to_json()`` gives the PEP 566 JSON form; ``source`` says how it was
    obtained (``pep658``, ``range``, ``wheel`` or ``sdist``).
    """

    requirement: str
    name: NormalizedName
    version: Version
    file: DistributionFile
    metadata: CoreMetadata
    source: str


class IndexClient:
    """An async client for one or more package indexes.

    Use as an async context manager; it owns one HTTP session and connection pool::

        async with IndexClient("https://index.example/simple/") as client:
            page = await client.project("requests")

    Indexes come from the arguments or from ``settings`` (environment variables such as
    ``UV_DEFAULT_INDEX``); there is no built-in default. With several indexes (extra
    indexes plus a default), a project is taken from the first index that has it, in
    uv's order: extra indexes first, the default last ("first index wins").

    At most ``concurrency`` requests are in flight at once (default 50, or
    ``UV_CONCURRENT_DOWNLOADS``). Failed requests are retried per ``retry`` (by default
    ``UV_HTTP_RETRIES`` times, 3, with exponential backoff and jitter). Each request,
    retries and body included, must end within ``deadline`` seconds (default an hour, or
    ``INDEXCLIENT_HTTP_DEADLINE``). A page larger than ``max_page_size`` bytes once
    decoded is refused.
    """

    def __init__(
        self,
        index_url: str | None = None,
        *,
        extra_index_urls: Sequence[str] = (),
        settings: Settings | None = None,
        trust: Trust | None = None,
        concurrency: int | None = None,
        deadline: float | None = None,
        environ: Mapping[str, str] | None = None,
        trust_env: bool = True,
        retry: RetryPolicy | None = None,
        max_page_size: int = DEFAULT_MAX_BODY,
    ) -> None:
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
        self.indexes: tuple[IndexSpec, ...] = settings.indexes()
        self._trust = trust
        self._trust_env = trust_env
        self._retry = retry or RetryPolicy(retries=settings.retries.value)
        self.max_page_size = max_page_size
        self._http: HttpClient | None = None
        self._memo = self._memo_store()
        self._fetcher: MetadataFetcher | None = None
        self._limit = asyncio.Semaphore(settings.concurrency.value)

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
            cache=self._cache(),
            offline=self.settings.offline.value,
            refresh=self.settings.refresh,
        )
        self._http = await http.__aenter__()
        self._fetcher = MetadataFetcher(http, memo=self._memo)
        return self

    def _cache(self) -> HttpCache | None:
        # Pages and metadata files are cached only where a directory is configured
        # (INDEXCLIENT_CACHE_DIR, cache_dir=; the command line uses the platform's).
        settings = self.settings
        if settings.cache_dir is None or settings.no_cache.value:
            return None
        return HttpCache(settings.cache_dir.value)

    def _memo_store(self) -> Memo | None:
        # Answers computed from cached bodies are remembered beside them, when they are.
        settings = self.settings
        if settings.cache_dir is None or settings.no_cache.value:
            return None
        return Memo(settings.cache_dir.value)

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
            self._http = None

    @property
    def http(self) -> HttpClient:
        """The HTTP client (only while the IndexClient is open)."""
        if self._http is None:
            raise RuntimeError("IndexClient is not open; use `async with IndexClient(...)`")
        return self._http

    async def list_projects(self, index: IndexSpec | None = None) -> IndexPage:
        """The root page of ``index`` (default: the default index, else the first)."""
        spec = index or next((i for i in self.indexes if i.default), self.indexes[0])
        if spec.url.startswith("file:"):
            from indexclient.indexes.local import LocalIndex  # file:// indexes only

            return await LocalIndex(spec.url, max_page_size=self.max_page_size).index_page()
        url = _with_slash(spec.url)
        response = await self._get(url)
        if response.status != 200:
            raise ResponseError(
                redact_url(url), response.status, "the index page could not be fetched"
            )
        return parse_index_page(response.body, response.content_type, response.url)

    async def project(self, name: str) -> ProjectPage:
        """The page of project ``name`` from the first index that has it.

        Raises :class:`~indexclient.errors.ProjectNotFound` when no index has it.
        """
        return await (await self._locate(name)).page()

    async def _locate(self, name: str) -> _Found:
        """The first index's answer for project ``name``, not parsed yet.

        An invalid name is a ConfigurationError before any index is asked.
        """
        normalized = project_name(name)
        for spec in self.indexes:
            found = await self._project_from(spec, normalized)
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
        """:meth:`choose`, and the selection's memo entry when there is a cache."""
        name, text = _name_and_text(requirement)
        found = await self._locate(name)
        remembered = self._remembered_selection(found, text)
        if remembered is not None:
            return remembered
        page = await found.page()
        selection = select_files(page, _requirement(requirement))
        if selection is None:
            raise ProjectNotFound(text, [redact_url(page.url)])
        # Keyed by the body actually parsed (page() may have had to fetch it again).
        memo = self._memo if found.digest else None
        if memo is None:
            return selection, None
        key = selection_key(found.url, found.content_type, found.digest, text)
        value = selection_to_json(selection)
        memo.put("selection", key, value)
        return selection, RememberedSelection(memo, key, value)

    def _remembered_selection(
        self, found: _Found, text: str
    ) -> tuple[Selection, RememberedSelection] | None:
        # A page served from the cache was very likely chosen from before: the memo
        # keeps that answer, keyed by the page's digest, so parsing is skipped.
        memo = self._memo if found.digest else None
        if memo is None:
            return None
        key = selection_key(found.url, found.content_type, found.digest, text)
        stored = memo.get("selection", key)
        selection = selection_from_json(stored)
        if selection is None or not isinstance(stored, dict):
            return None
        return selection, RememberedSelection(memo, key, stored)

    def _remembered_result(self, requirement: str) -> MetadataResult | None:
        """``requirement``'s answer when the cache and memo give all of it now, with no
        await: a warm run of hundreds spends no time scheduling tasks that never wait.
        None whenever anything would need IO or parsing (the async path does that)."""
        if self._http is None or self._memo is None or not self.indexes:
            return None
        try:
            name, text = _name_and_text(requirement)
            found = self._cached_found(self.indexes[0], project_name(name))
        except ConfigurationError:
            return None  # the async path reports it in its place
        remembered = None if found is None else self._remembered_selection(found, text)
        if remembered is None:
            return None
        selection, memo = remembered
        file = _metadata_file(selection)
        metadata = memo.metadata(file)
        if metadata is None:
            return None
        core, source = metadata
        return MetadataResult(requirement, selection.name, selection.version, file, core, source)

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
        results: list[MetadataResult | IndexClientError | None] = [
            self._remembered_result(r) for r in requirements
        ]
        done = sum(r is not None for r in results)
        if progress is not None and done:
            progress(done, total)

        async def one(requirement: str) -> MetadataResult | IndexClientError:
            nonlocal done
            try:
                selection, memo = await self._choose(requirement)
                file = _metadata_file(selection)
                remembered = memo.metadata(file) if memo is not None else None
                if remembered is not None:
                    core, source = remembered
                else:
                    found = await self.core_metadata(file)
                    core, source = found.metadata, found.source
                    if memo is not None:
                        memo.add_metadata(file, core, source)
                return MetadataResult(
                    requirement, selection.name, selection.version, file, core, source
                )
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
            from indexclient.download import DEFAULT_MAX_DOWNLOAD_SIZE, download_file

            return await download_file(
                self.http,
                file,
                dest_dir,
                progress=progress,
                max_size=DEFAULT_MAX_DOWNLOAD_SIZE if max_size is None else max_size,
            )

    async def _project_from(self, spec: IndexSpec, name: str) -> _Found | None:
        if spec.url.startswith("file:"):
            from indexclient.indexes.local import LocalIndex  # file:// indexes only

            local_index = LocalIndex(spec.url, max_page_size=self.max_page_size)
            local = await local_index.project_page(name)
            return None if local is None else _Found(self, name, "", page=local)
        found = self._cached_found(spec, name)
        if found is not None:
            return found
        url = _project_url(spec, name)
        response = await self._get(url)
        if response.status in _NOT_FOUND:
            return None
        _check_page(response, url, name)
        return _Found(self, name, url, response=response)

    def _cached_found(self, spec: IndexSpec, name: str) -> _Found | None:
        """``name``'s page on ``spec`` when the cache may give it now. A fresh page is
        taken as found without reading its body: the memo may answer from its digest
        alone (see _choose), and page() reads it when needed."""
        if spec.url.startswith("file:"):
            return None
        url = _project_url(spec, name)
        head = self.http.fresh_head(url, _PAGE_REQUEST)
        return None if head is None else _Found(self, name, url, head=head)

    async def _get(self, url: str) -> Response:
        async with self._limit:
            return await self.http.get(
                url, headers=_PAGE_REQUEST, max_size=self.max_page_size, cacheable=True
            )


_PAGE_REQUEST = {"Accept": ACCEPT}


def _check_page(response: Response, url: str, name: str) -> None:
    if response.status != 200:
        raise ResponseError(redact_url(url), response.status, f"cannot fetch the page of {name!r}")


class _Found:
    """A project's page as found: a response, a fresh cache entry's head (the body read
    on demand), or a local page already read."""

    __slots__ = ("_client", "_name", "_page", "_url", "head", "response")

    def __init__(
        self,
        client: IndexClient,
        name: str,
        url: str,
        *,
        head: CacheEntry | None = None,
        response: Response | None = None,
        page: ProjectPage | None = None,
    ) -> None:
        self._client, self._name, self._url = client, name, url
        self.head, self.response, self._page = head, response, page

    @property
    def url(self) -> str:
        """The page's final URL (after redirects)."""
        if self.head is not None:
            return self.head.url
        return self.response.url if self.response else ""

    @property
    def content_type(self) -> str | None:
        """The page's Content-Type."""
        if self.head is not None:
            return self.head.headers.get("content-type")
        return self.response.content_type if self.response else None

    @property
    def digest(self) -> str:
        """The sha256 of the page's body when it went through the cache, else empty."""
        if self.head is not None:
            return self.head.digest
        return self.response.digest if self.response else ""

    async def page(self) -> ProjectPage:
        """The parsed page (read and parsed on first call)."""
        if self._page is None:
            response = self.response
            if response is None:
                # The cache said fresh a moment ago; should the entry have gone bad
                # since, this asks the server, which may now answer anything.
                response = await self._client._get(self._url)
                if response.status in _NOT_FOUND:
                    raise ProjectNotFound(self._name, [redact_url(self._url)])
                _check_page(response, self._url, self._name)
                self.response, self.head = response, None
            self._page = parse_project_page(response.body, response.content_type, response.url)
        return self._page


def _name_and_text(requirement: str | Requirement) -> tuple[str, str]:
    """The project name of ``requirement`` and its canonical text (the memo's key)."""
    if isinstance(requirement, str) and is_plain_name(requirement):
        # A name alone is its own canonical text (str(Requirement(name)) == name); the
        # requirement parser is needed only if the memo cannot answer.
        return requirement, requirement
    parsed = _requirement(requirement)
    return parsed.name, str(parsed)


def _metadata_file(selection: Selection) -> DistributionFile:
    """The file whose metadata ``metadata_for`` reads: a wheel when there is one."""
    return next((f for f in selection.files if f.is_wheel), selection.best)


def _requirement(requirement: str | Requirement) -> Requirement:
    """``requirement`` parsed (once per process), or a usage error naming it."""
    if not isinstance(requirement, str):
        return requirement
    from packaging.requirements import InvalidRequirement

    try:
        return parsed_requirement(requirement)
    except InvalidRequirement as exc:
        raise ConfigurationError.single(
            f"requirement {requirement!r}", f"not a PEP 508 requirement: {exc}"
        ) from None


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _project_url(spec: IndexSpec, name: str) -> str:
    """The URL of project ``name``'s page on ``spec``: always ``<index>/<name>/``, since
    a valid normalised name is letters, digits and '-' only (docs/security.md, "Names").
    Checked here, where the URL is built, whatever the caller checked before."""
    return f"{_with_slash(spec.url)}{project_name(name)}/"
