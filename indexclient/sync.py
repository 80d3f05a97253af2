"""A synchronous IndexClient, for installers and scripts that are not async.

:class:`IndexClient` here has the methods of :class:`indexclient.IndexClient`, each a
plain call that returns when the answer is there::

    from indexclient.sync import IndexClient

    with IndexClient("https://index.example/simple/") as client:
        selection = client.choose("attrs>=23")
        results = client.metadata_for(["attrs", "packaging"])

Behind it one event loop runs on a background thread for the client's lifetime, so one
connection pool, one cache and one credential store serve every call, and concurrency
inside a call (``metadata_for`` of 3,000 names) is the async client's. Calls may come
from several threads at once: each is a task on that loop, and they share the
connection limit. Callbacks (``progress=``) run on the loop's thread and must not call
the client back (that call would wait for itself: it raises RuntimeError instead).

``close()``, or leaving the ``with`` block, cancels calls still running on other
threads (they raise ``asyncio.CancelledError``), closes the connections and joins the
thread; a client never closed is closed when collected or at exit, with a
ResourceWarning, as an unclosed file is.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import warnings
import weakref
from collections.abc import Callable, Coroutine, Generator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from indexclient import client as _async
from indexclient.transport.http import DEFAULT_MAX_BODY

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.version import Version

    from indexclient.download import DownloadResult, Progress
    from indexclient.errors import IndexClientError
    from indexclient.fetching import FileMetadata, MetadataResult
    from indexclient.indexes import Index
    from indexclient.reqfile import Hashes
    from indexclient.search import FoundProject
    from indexclient.select import Selection
    from indexclient.settings import IndexSpec, Settings
    from indexclient.simple import DistributionFile, IndexPage, ProjectPage
    from indexclient.target import Target
    from indexclient.tls.trust import Trust
    from indexclient.transport.http import RetryPolicy

__all__ = ["IndexClient"]

_T = TypeVar("_T")

#: Seconds close() waits for the loop's thread to end after the client is closed.
_JOIN_TIMEOUT = 30.0


class _Loop:
    """An event loop running on a daemon thread until stopped. It holds no reference
    to the facade, so the facade can be collected (and its finalizer run)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="indexclient-sync", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coroutine`` on the loop and wait for its result (its exception)."""
        if threading.current_thread() is self.thread:
            coroutine.close()
            raise RuntimeError(
                "indexclient.sync.IndexClient called from its own callback; "
                "call it from another thread, or use the async IndexClient"
            )
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise asyncio.CancelledError() from None
        except BaseException:
            # Ctrl-C while waiting: the call stops too, rather than running on unseen.
            future.cancel()
            raise

    def stop(self, client: _async.IndexClient | None) -> None:
        """Cancel what runs, close ``client``, stop the loop and join its thread."""
        if not self.thread.is_alive():
            return
        if threading.current_thread() is self.thread:
            raise RuntimeError("indexclient.sync.IndexClient closed from its own callback")
        try:
            asyncio.run_coroutine_threadsafe(_shutdown(client), self.loop).result()
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(_JOIN_TIMEOUT)
            if not self.thread.is_alive():
                self.loop.close()


async def _shutdown(client: _async.IndexClient | None) -> None:
    """Cancel every other task on this loop, then close the client and the loop's
    asynchronous generators and executor."""
    me = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not me]
    for task in others:
        task.cancel()
    if others:
        # Bounded: a task that swallows its cancellation must not make close() hang.
        await asyncio.wait(others, timeout=_JOIN_TIMEOUT)
    if client is not None:
        await client.aclose()
    loop = asyncio.get_running_loop()
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


def _finalize(runner: _Loop, client: _async.IndexClient) -> None:
    """Close a client its owner forgot to close (collected, or the interpreter exits)."""
    if runner.thread.is_alive():
        warnings.warn(
            "indexclient.sync.IndexClient was not closed; use `with` or close()",
            ResourceWarning,
            stacklevel=1,
        )
        runner.stop(client)


class IndexClient:
    """A synchronous :class:`indexclient.IndexClient`: the same arguments, the same
    methods and answers, each call blocking until done. Open on construction; use it
    as a context manager, or call :meth:`close`.

    Raises what the async client raises, from the call that failed
    (:class:`~indexclient.errors.ConfigurationError` from the constructor when the
    settings are wrong).
    """

    __module__ = "indexclient.sync"

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
        runner = _Loop()

        async def open_client() -> _async.IndexClient:
            # Built on the loop's thread: its semaphore and session belong to that loop.
            opened = _async.IndexClient(
                index_url,
                extra_index_urls=extra_index_urls,
                find_links=find_links,
                index_strategy=index_strategy,
                indexes=indexes,
                settings=settings,
                trust=trust,
                concurrency=concurrency,
                deadline=deadline,
                environ=environ,
                trust_env=trust_env,
                retry=retry,
                max_page_size=max_page_size,
            )
            return await opened.__aenter__()

        try:
            inner = runner.submit(open_client())
        except BaseException:
            runner.stop(None)
            raise
        self._runner = runner
        self._client = inner
        self._lock = threading.Lock()
        self._closed = False
        self._finalizer = weakref.finalize(self, _finalize, runner, inner)

    @property
    def settings(self) -> Settings:
        """The settings in effect (see :attr:`indexclient.IndexClient.settings`)."""
        return self._client.settings

    @property
    def indexes(self) -> tuple[IndexSpec, ...]:
        """The indexes searched, in order."""
        return self._client.indexes

    @property
    def find_links(self) -> tuple[IndexSpec, ...]:
        """The find-links locations searched alongside the indexes."""
        return self._client.find_links

    def _call(self, make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
        if self._closed:
            raise RuntimeError("indexclient.sync.IndexClient is closed")
        return self._runner.submit(make())

    def close(self) -> None:
        """Cancel calls still running, close the connections and end the loop's thread.
        Calling it again does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._finalizer.detach()
        self._runner.stop(self._client)

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def list_projects(self, index: IndexSpec | None = None) -> IndexPage:
        """See :meth:`indexclient.IndexClient.list_projects`."""
        return self._call(lambda: self._client.list_projects(index))

    def find(self, name: str, *, index: str | IndexSpec | None = None) -> FoundProject:
        """See :meth:`indexclient.IndexClient.find`."""
        return self._call(lambda: self._client.find(name, index=index))

    def project(self, name: str, *, index: str | IndexSpec | None = None) -> ProjectPage:
        """See :meth:`indexclient.IndexClient.project`."""
        return self._call(lambda: self._client.project(name, index=index))

    @overload
    def projects(
        self, names: Iterable[str], *, return_exceptions: Literal[False] = ...
    ) -> list[ProjectPage]: ...

    @overload
    def projects(
        self, names: Iterable[str], *, return_exceptions: Literal[True]
    ) -> list[ProjectPage | IndexClientError]: ...

    def projects(
        self, names: Iterable[str], *, return_exceptions: bool = False
    ) -> list[ProjectPage] | list[ProjectPage | IndexClientError]:
        """See :meth:`indexclient.IndexClient.projects`."""
        listed = list(names)  # an iterator is read on the caller's thread
        if return_exceptions:
            return self._call(lambda: self._client.projects(listed, return_exceptions=True))
        return self._call(lambda: self._client.projects(listed))

    def versions(self, name: str, *, index: str | IndexSpec | None = None) -> tuple[Version, ...]:
        """See :meth:`indexclient.IndexClient.versions`."""
        return self._call(lambda: self._client.versions(name, index=index))

    def choose(
        self,
        requirement: str | Requirement,
        *,
        index: str | IndexSpec | None = None,
        target: Target | None = None,
    ) -> Selection:
        """See :meth:`indexclient.IndexClient.choose`."""
        return self._call(lambda: self._client.choose(requirement, index=index, target=target))

    def core_metadata(
        self, file: DistributionFile, *, hashes: Hashes | None = None
    ) -> FileMetadata:
        """See :meth:`indexclient.IndexClient.core_metadata`."""
        return self._call(lambda: self._client.core_metadata(file, hashes=hashes))

    def metadata_for(
        self,
        requirements: Sequence[str],
        *,
        pins: _async.Pins | None = None,
        progress: Callable[[int, int], None] | None = None,
        target: Target | None = None,
    ) -> list[MetadataResult | IndexClientError]:
        """See :meth:`indexclient.IndexClient.metadata_for`; ``progress`` runs on the
        loop's thread."""
        return self._call(
            lambda: self._client.metadata_for(
                requirements, pins=pins, progress=progress, target=target
            )
        )

    def iter_metadata(
        self,
        requirements: Iterable[str],
        *,
        pins: _async.Pins | None = None,
        progress: Callable[[int], None] | None = None,
        target: Target | None = None,
    ) -> Generator[MetadataResult | IndexClientError, None, None]:
        """See :meth:`indexclient.IndexClient.iter_metadata`: a plain generator, each
        answer handed over as it comes; ``requirements`` is read whole first, on the
        caller's thread, and ``progress`` runs on the loop's. Closing the generator (or
        leaving a ``for`` loop over it, once it is collected) cancels what is in
        flight."""
        listed = list(requirements)
        stream = self._client.iter_metadata(listed, pins=pins, progress=progress, target=target)

        async def step() -> MetadataResult | IndexClientError:
            return await stream.__anext__()

        async def stop() -> None:
            await stream.aclose()

        try:
            while True:
                try:
                    answer = self._call(step)
                except StopAsyncIteration:
                    return
                yield answer
        finally:
            if not self._closed:
                self._call(stop)

    def download(
        self,
        file: DistributionFile,
        dest_dir: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        max_size: int | None = None,
        target: Target | None = None,
        hashes: Hashes | None = None,
    ) -> DownloadResult:
        """See :meth:`indexclient.IndexClient.download`; ``progress`` runs on the loop's
        thread."""
        return self._call(
            lambda: self._client.download(
                file,
                dest_dir,
                progress=progress,
                max_size=max_size,
                target=target,
                hashes=hashes,
            )
        )
