"""IndexClient: the facade over settings, trust, transport, indexes and parsing.

It asks its indexes (:mod:`indexclient.indexes`) as uv does
(:class:`~indexclient.search.Search`: the index strategy, find-links, explicit indexes
and pins), chooses through :class:`~indexclient.remembered.Chooser` (the memo's fast
path), reads metadata through
:class:`~indexclient.fetching.MetadataFetcher` and downloads through
:mod:`indexclient.download`; parsing is :mod:`indexclient.simple`'s, which never does IO.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Literal, overload

from packaging.version import Version

from indexclient.download import DEFAULT_MAX_DOWNLOAD_SIZE, download_file
from indexclient.errors import ConfigurationError, IndexClientError, ProjectNotFound
from indexclient.fetching import FileMetadata, MetadataFetcher, MetadataResult
from indexclient.indexes import Index, open_index
from indexclient.indexes.simple_api import Pages
from indexclient.memo import Memo, RememberedSelection
from indexclient.remembered import Chooser, name_and_text
from indexclient.search import FoundProject, Search, merged
from indexclient.select import Selection, project_name
from indexclient.settings import IndexSpec, Settings
from indexclient.simple import DistributionFile, IndexPage, ProjectPage
from indexclient.target import Target
from indexclient.tls.trust import Trust
from indexclient.transport.auth import Credentials
from indexclient.transport.cache import HttpCache
from indexclient.transport.http import DEFAULT_MAX_BODY, HttpClient, RetryPolicy
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from indexclient.download import DownloadResult, Progress
    from indexclient.reqfile import Hashes

__all__ = ["IndexClient", "MetadataResult", "Pins"]

#: Pins of projects to indexes: a project name (any spelling) to the name of a
#: configured index, or to an index given whole (uv's ``[tool.uv.sources]``).
Pins = Mapping[str, str | IndexSpec]


class IndexClient:
    """An async client for one or more package indexes.

    Use as an async context manager; it owns one HTTP session and connection pool::

        async with IndexClient("https://index.example/simple/") as client:
            page = await client.project("requests")

    Indexes come from the arguments or from ``settings`` (environment variables such as
    ``UV_DEFAULT_INDEX``, configuration files with :meth:`Settings.discover`); there is
    no built-in default. With several indexes they are searched as uv searches them
    (:mod:`indexclient.search`): in the settings' order (``--index`` before
    ``--extra-index-url`` before the files' indexes, the default last), with the index
    strategy of the settings (``first-index`` unless ``index_strategy`` or
    ``UV_INDEX_STRATEGY`` says otherwise: the first index that has a project is the only
    one used for it), find-links locations alongside, and explicit indexes only for the
    projects pinned to them (``pins=``, ``index=``). ``indexes`` gives the
    :class:`~indexclient.indexes.Index` objects to ask instead, in order (an
    :class:`~indexclient.indexes.MemoryIndex` tests the facade without sockets; one
    whose spec is explicit or a find-links location is used as such).

    Every answer says which index gave it: :attr:`Selection.index`,
    :attr:`MetadataResult.index`, :meth:`find`.

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
        find_links: Sequence[str] = (),
        index_strategy: str | None = None,
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
        if indexes is not None and (index_url or extra_index_urls or find_links):
            raise TypeError("pass index URLs or indexes, not both")
        if settings is None:
            settings = Settings.load(
                environ,
                index_url=index_url,
                extra_index_urls=extra_index_urls,
                find_links=find_links,
                index_strategy=index_strategy,
                concurrency=concurrency,
                deadline=deadline,
            )
        elif (
            index_url
            or extra_index_urls
            or find_links
            or index_strategy
            or concurrency
            or deadline is not None
        ):
            raise TypeError(
                "pass the index URLs, strategy, concurrency and deadline in settings, "
                "or settings=None"
            )
        self.settings = settings
        # The target a call that names none is answered for: the settings' (their
        # python-version, prerelease, exclude-newer... from flags, variables and files).
        default_target = settings.target()
        self._target = None if default_target.is_default else default_target
        self._trust = trust
        self._trust_env = trust_env
        self._retry = retry or RetryPolicy(retries=settings.retries.value)
        self.max_page_size = max_page_size
        self._limit = asyncio.Semaphore(settings.concurrency.value)
        self._pages = Pages(self._limit, max_page_size)
        strategy = settings.index_strategy.value
        # Each index's kind is decided here, once, from its spec.
        nothing_to_search = None
        if indexes is None:
            try:
                searching = settings.indexes()
            except ConfigurationError as exc:
                # Only explicit indexes: usable for pinned projects; any other project
                # is this error (raised here when there is no index at all).
                if not settings.configured_indexes():
                    raise
                searching, nothing_to_search = (), exc
            searched = [open_index(s, self._pages, strategy) for s in searching]
            links = [open_index(s, self._pages) for s in settings.find_links]
            pinnable = [
                next((i for i in searched if i.spec == s), None)
                or open_index(s, self._pages, strategy)
                for s in settings.configured_indexes()
            ]
        elif not indexes:
            raise ValueError("indexes= names no index")
        else:
            links = [i for i in indexes if i.spec.find_links]
            searched = [i for i in indexes if not i.spec.find_links and not i.spec.explicit]
            pinnable = [i for i in indexes if not i.spec.find_links]
        self._search = Search(searched, links, strategy, nothing_to_search)
        self._pinnable: tuple[Index, ...] = tuple(pinnable)
        self._opened: dict[IndexSpec, Index] = {}
        #: The indexes searched, in order (explicit ones and find-links left out).
        self.indexes: tuple[IndexSpec, ...] = tuple(i.spec for i in searched)
        #: The find-links locations searched alongside them.
        self.find_links: tuple[IndexSpec, ...] = tuple(i.spec for i in links)
        self._http: HttpClient | None = None
        self._fetcher: MetadataFetcher | None = None
        # Pages and metadata files are cached, and answers computed from them remembered,
        # only where a directory is configured (INDEXCLIENT_CACHE_DIR, cache_dir=; the
        # command line uses the platform's).
        cache_dir = settings.cache_dir
        self._cache_dir = None if cache_dir is None or settings.no_cache.value else cache_dir.value
        self._memo = None if self._cache_dir is None else Memo(self._cache_dir)
        self._chooser = Chooser(self._memo)
        # Credentials as uv finds them: each index's URL and UV_INDEX_<NAME>_ variables
        # now; netrc and the keyring provider only when a server asks (transport.auth).
        keyring = settings.keyring_provider
        self._credentials = Credentials(
            environ=environ,
            indexes=(i.spec for i in self._known()),
            keyring=None if keyring is None else keyring.value,
        )

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
            credentials=self._credentials,
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

    def _known(self) -> tuple[Index, ...]:
        """Every index this client may ask: searched, find-links, pinnable, opened."""
        found = {
            id(i): i
            for i in (
                *self._search.indexes,
                *self._search.find_links,
                *self._pinnable,
                *self._opened.values(),
            )
        }
        return tuple(found.values())

    async def list_projects(self, index: IndexSpec | None = None) -> IndexPage:
        """The root page of ``index`` (default: the default index, else the first)."""
        if index is None:
            candidates = self._search.indexes + self._search.find_links
            chosen = next((i for i in candidates if i.spec.default), candidates[0])
        else:
            chosen = self._index(index)
        return await chosen.index_page()

    def _index(self, index: str | IndexSpec) -> Index:
        """The index a pin names: a configured index's name, or a spec (opened once).
        With ``no_index`` no index is used, pinned or not (uv's --no-index)."""
        if self.settings.no_index.value:
            name = index.name or redact_url(index.url) if isinstance(index, IndexSpec) else index
            raise ConfigurationError.single(
                f"index {name!r}",
                f"no index is used ({self.settings.no_index.origin}), pinned ones included",
            )
        if isinstance(index, IndexSpec):
            mine = next((i for i in self._known() if i.spec == index), None)
            if mine is None:
                strategy = self._search.strategy
                mine = self._opened[index] = open_index(index, self._pages, strategy)
                self._credentials.add_index(index)
            return mine
        named = next((i for i in self._pinnable if i.spec.name == index), None)
        if named is not None:
            return named
        known = ", ".join(sorted({i.spec.name for i in self._pinnable if i.spec.name}))
        if self.settings.no_index.value:
            reason = f"no index is used ({self.settings.no_index.origin})"
        else:
            reason = f"the configured ones are: {known}" if known else "no index has a name"
        raise ConfigurationError.single(
            f"index {index!r}",
            f"no index of that name is configured; {reason}",
            'define it in an [[index]] table with name = "..." (or --index NAME=URL)',
        )

    def _pins(self, pins: Pins | None) -> dict[str, Index]:
        """``pins`` by normalised project name, each index looked up now (an unknown
        name is a ConfigurationError before any request)."""
        return {project_name(name): self._index(index) for name, index in (pins or {}).items()}

    async def find(self, name: str, *, index: str | IndexSpec | None = None) -> FoundProject:
        """Project ``name``'s files from the indexes the search lets count, and where
        each came from (see :class:`~indexclient.FoundProject`); only from ``index``
        (a configured index's name, or a spec) when given, as for a pinned project.

        Raises :class:`~indexclient.errors.ProjectNotFound` when no index has it.
        """
        normalized = project_name(name)
        pin = None if index is None else self._index(index)
        candidates = await self._search.candidates(normalized, pin)
        answers = candidates.answers()
        if not answers:
            raise ProjectNotFound(name, [redact_url(i.url) for i in candidates.asked])
        page, sources = await merged(answers)
        return FoundProject(page, tuple(dict.fromkeys(a.index for a in answers)), sources)

    async def project(self, name: str, *, index: str | IndexSpec | None = None) -> ProjectPage:
        """The page of project ``name``: its files from the indexes that count for it
        (see :meth:`find`, which also says where each file came from).

        Raises :class:`~indexclient.errors.ProjectNotFound` when no index has it.
        """
        return (await self.find(name, index=index)).page

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

    async def versions(
        self, name: str, *, index: str | IndexSpec | None = None
    ) -> tuple[Version, ...]:
        """The versions of ``name`` with at least one parsable file, oldest first."""
        return (await self.project(name, index=index)).versions_available()

    async def choose(
        self,
        requirement: str | Requirement,
        *,
        index: str | IndexSpec | None = None,
        target: Target | None = None,
    ) -> Selection:
        """The newest acceptable version for a PEP 508 requirement and its files, and
        the index it came from (:attr:`Selection.index`); from ``index`` only when
        given (a configured index's name, or a spec: a pin). Chosen for ``target``
        (:class:`~indexclient.Target`: another Python version or platform, uv's
        binary, pre-release and upload-date rules); by default the settings' target
        (:meth:`Settings.target`: their ``python-version``, ``prerelease``,
        ``exclude-newer``... from arguments, variables and files), which is the running
        interpreter with uv's defaults when none is set.

        See :func:`indexclient.select.select_files` for the rules and
        :mod:`indexclient.search` for the indexes'. Raises ProjectNotFound when no file
        matches.
        """
        pin = None if index is None else self._index(index)
        selection, memo = await self._choose(requirement, pin, target)
        if memo is not None:
            memo.store()
        return selection

    async def _choose(
        self,
        requirement: str | Requirement,
        pin: Index | None = None,
        target: Target | None = None,
    ) -> tuple[Selection, RememberedSelection | None]:
        name, text = name_and_text(requirement)
        candidates = await self._search.candidates(project_name(name), pin)
        target = self._target if target is None else target
        return await self._chooser.choose(candidates, requirement, text, target)

    async def core_metadata(
        self, file: DistributionFile, *, hashes: Hashes | None = None
    ) -> FileMetadata:
        """The core metadata of one file: PEP 658 file, else ranges, else the file itself.

        ``hashes`` (pip's hash-checking mode): a file read whole must match one of them,
        and a file whose index advertises none of them is read whole, and checked."""
        if self._fetcher is None:
            raise RuntimeError("IndexClient is not open; use `async with IndexClient(...)`")
        async with self._limit:
            return await self._fetcher.fetch(file, hashes=hashes)

    async def metadata_for(
        self,
        requirements: Sequence[str],
        *,
        pins: Pins | None = None,
        progress: Callable[[int, int], None] | None = None,
        target: Target | None = None,
    ) -> list[MetadataResult | IndexClientError]:
        """Core metadata for many PEP 508 requirements at once, in input order.

        Each is resolved to the newest matching version (:meth:`choose`), and read from a
        wheel of it when there is one, else its sdist. A requirement that fails gives its
        error in its place. ``progress(done, total)`` is called as each one finishes (the
        ones answered whole from the cache's memo count at once, before any IO).

        ``pins`` maps project names to the index each must come from, as uv's
        ``[tool.uv.sources]`` does (``{"torch": "pytorch"}``: an index name from the
        configuration, or an :class:`IndexSpec`): every requirement on a pinned project
        is asked of that index only, explicit or not, and no other index is asked about
        it. An unknown index name raises ConfigurationError before any request.

        Versions are chosen for ``target`` (see :meth:`choose`). For more requirements
        than should be held in memory at once, :meth:`iter_metadata` gives the same
        answers one by one.
        """
        pinned = self._pins(pins)
        total = len(requirements)
        results: list[MetadataResult | IndexClientError | None] = [
            self._answer_now(r, pinned, target) for r in requirements
        ]
        done = sum(r is not None for r in results)
        if progress is not None and done:
            progress(done, total)

        def finished() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total)

        missing = [i for i, result in enumerate(results) if result is None]
        answers = self._windowed(
            (requirements[i] for i in missing), pinned, target, finished, answer_now=False
        )
        position = iter(missing)
        async for result in answers:
            results[next(position)] = result
        return [r for r in results if r is not None]

    async def iter_metadata(
        self,
        requirements: Iterable[str],
        *,
        pins: Pins | None = None,
        progress: Callable[[int], None] | None = None,
        target: Target | None = None,
    ) -> AsyncGenerator[MetadataResult | IndexClientError, None]:
        """The answers of :meth:`metadata_for`, yielded one by one in input order, so
        that memory stays flat however many requirements there are::

            async for result in client.iter_metadata(names):
                ...

        ``requirements`` is read as the answers are consumed, and at most a window of
        them (four times the client's concurrency) is being answered or waiting to be
        yielded at any time: memory grows with the window, not with the number of
        requirements. ``progress(done)`` is called as each one finishes. Closing the
        iterator (``contextlib.aclosing``, or ``await results.aclose()``) cancels the
        requirements still in flight; one left by ``break`` alone is closed when it is
        collected.
        """
        pinned = self._pins(pins)
        done = 0

        def finished() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done)

        async for result in self._windowed(requirements, pinned, target, finished):
            yield result

    async def _windowed(
        self,
        requirements: Iterable[str],
        pinned: Mapping[str, Index],
        target: Target | None,
        finished: Callable[[], None],
        *,
        answer_now: bool = True,
    ) -> AsyncIterator[MetadataResult | IndexClientError]:
        """Each requirement's answer in input order, at most a window of them started
        and not yet yielded. One task per requirement in the window, not per
        requirement: thousands of live tasks made every garbage collection walk
        thousands of suspended coroutines, a cost per request that grew with N."""
        window = max(4 * self.settings.concurrency.value, 16)
        # Each requirement's answer, the task answering it, or (not started) its text.
        queue: deque[MetadataResult | asyncio.Task[MetadataResult | IndexClientError] | str]
        queue = deque()
        # The requirements read into the window and not started yet, the queue's last
        # ones: started together, so that those the memo answers are answered a batch
        # at a time (Chooser.answer_all), which costs less than one by one. They are
        # started before anything is awaited, when the oldest is next, or when half a
        # window of them is waiting.
        fresh: list[str] = []
        pending = iter(requirements)
        exhausted = False

        def start() -> None:
            nows = self._answer_all(fresh, pinned, target) if answer_now else None
            for _ in fresh:
                queue.pop()
            for position, requirement in enumerate(fresh):
                now = None if nows is None else nows[position]
                if now is not None:
                    finished()
                    queue.append(now)
                else:
                    one = self._one(requirement, pinned, target, finished)
                    queue.append(asyncio.ensure_future(one))
            fresh.clear()

        try:
            while True:
                while not exhausted and len(queue) < window:
                    requirement = next(pending, None)
                    if requirement is None:
                        exhausted = True
                        break
                    fresh.append(requirement)
                    queue.append(requirement)
                if fresh and (
                    not isinstance(queue[0], MetadataResult) or len(fresh) >= window // 2
                ):
                    start()
                if not queue:
                    return
                head = queue.popleft()
                assert not isinstance(head, str)  # started above
                yield head if isinstance(head, MetadataResult) else await head
        finally:
            running = [t for t in queue if isinstance(t, asyncio.Task)]
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def _one(
        self,
        requirement: str,
        pinned: Mapping[str, Index],
        target: Target | None,
        finished: Callable[[], None],
    ) -> MetadataResult | IndexClientError:
        """One requirement's answer, or its error."""
        try:
            name, _ = name_and_text(requirement)
            pin = pinned.get(project_name(name))
            selection, memo = await self._choose(requirement, pin, target)
            return await self._chooser.result(requirement, selection, memo, self.core_metadata)
        except IndexClientError as exc:
            return exc
        finally:
            finished()

    def _answer_now(
        self, requirement: str, pinned: Mapping[str, Index], target: Target | None
    ) -> MetadataResult | None:
        """The memo's whole answer for ``requirement`` (see :meth:`_answer_all`)."""
        return self._answer_all([requirement], pinned, target)[0]

    def _answer_all(
        self, requirements: Sequence[str], pinned: Mapping[str, Index], target: Target | None
    ) -> list[MetadataResult | None]:
        """The memo's whole answer for each of ``requirements``, when the index the
        search would find first (the first index, or the pinned one) gives its page
        without IO; None for the others. Not when find-links or an unsafe strategy
        could add files from elsewhere."""
        answers: list[MetadataResult | None] = [None] * len(requirements)
        if self._memo is None or not requirements:
            return answers
        first = self._search.indexes[0] if self._search.simple and self._search.indexes else None
        asked: list[tuple[Index, str]] = []
        positions: list[int] = []
        for position, requirement in enumerate(requirements):
            index = None
            if pinned:
                try:
                    index = pinned.get(project_name(name_and_text(requirement)[0]))
                except ConfigurationError:
                    continue
            if index is None:
                index = first
            if index is not None:
                asked.append((index, requirement))
                positions.append(position)
        target = self._target if target is None else target
        for position, answer in zip(
            positions, self._chooser.answer_all(asked, target), strict=True
        ):
            answers[position] = answer
        return answers

    async def download(
        self,
        file: DistributionFile,
        dest_dir: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        max_size: int | None = None,
        target: Target | None = None,
        hashes: Hashes | None = None,
    ) -> DownloadResult:
        """Download ``file`` into ``dest_dir``, verified against every advertised hash,
        and against ``hashes`` when given (pip's hash-checking mode: the bytes must match
        one of them; :attr:`DownloadResult.hashes_checked` then lists their algorithm).

        The file is written beside its destination and renamed into place only when
        every hash matches; after a failure or cancellation nothing is left behind. The
        body may not exceed the size the index advertised (PEP 700), else the server's
        Content-Length, else ``max_size`` (default 16 GiB). A destination that cannot be
        written raises :class:`~indexclient.errors.FileWriteError` for this file alone.

        With ``target`` (default the settings' target, when they set one), a file the
        target cannot use (a wheel whose tags it does not accept, a wheel under its
        ``no_binary``, an sdist under its ``only_binary``) is refused with a
        :class:`~indexclient.errors.ConfigurationError` before any request.
        """
        target = self._target if target is None else target
        if target is not None:
            _check_file_for(file, target)
        async with self._limit:
            return await download_file(
                self.http,
                file,
                dest_dir,
                progress=progress,
                max_size=DEFAULT_MAX_DOWNLOAD_SIZE if max_size is None else max_size,
                hashes=hashes,
            )


def _check_file_for(file: DistributionFile, target: Target) -> None:
    """Refuse a file ``target`` cannot use (see :meth:`IndexClient.download`)."""
    name = file.filename_info.name
    reason = None
    if file.is_wheel:
        if name is not None and not target.wheels_allowed(name):
            reason = "wheels of this project are refused by the target's no-binary"
        elif not target.accepts_tags(file.tags):
            reason = "the target accepts none of this wheel's tags"
    elif file.is_sdist and name is not None and not target.sdists_allowed(name):
        reason = "sdists of this project are refused by the target's only-binary"
    if reason is not None:
        raise ConfigurationError.single(f"file {file.filename!r}", f"not for the target: {reason}")
