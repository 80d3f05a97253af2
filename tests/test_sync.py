"""indexclient.sync.IndexClient: the async client's answers from plain calls, over TLS on
127.0.0.1 (the server runs on a thread of its own), from several threads, closed cleanly."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki

from indexclient import (
    ConfigurationError,
    DigestMismatchError,
    Hashes,
    MetadataResult,
    ProjectNotFound,
)
from indexclient.sync import IndexClient
from indexclient.testing.index import SimpleIndex
from indexclient.testing.pki import server_context
from indexclient.testing.servers import LocalServer, serve_in_thread


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name == "indexclient-sync"}


@pytest.fixture(scope="module")
def index_server(pki: Pki) -> Iterator[LocalServer]:
    index = SimpleIndex()
    for i in range(20):
        index.add_wheel(f"project-{i}", "1.0")
        index.add_wheel(f"project-{i}", f"2.{i}", requires_dist=["dep"])
    index.add_wheel("dep", "0.1")
    with serve_in_thread(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        yield server


@pytest.fixture
def client(index_server: LocalServer, ca_env: dict[str, str]) -> Iterator[IndexClient]:
    with IndexClient(f"{index_server.url}simple/", environ=ca_env) as opened:
        yield opened


def test_the_methods_answer_as_the_async_client_does(client: IndexClient, tmp_path: Path) -> None:
    assert [str(v) for v in client.versions("project-3")] == ["1.0", "2.3"]
    selection = client.choose("project-3<2")
    assert str(selection.version) == "1.0"
    page = client.project("project-4")
    assert {f.filename for f in page.files} >= {"project_4-2.4-py3-none-any.whl"}
    assert client.find("dep").page.name == "dep"
    assert "project-7" in {p.name for p in client.list_projects().projects}
    wheel = client.choose("project-5").files[0]
    metadata = client.core_metadata(wheel)
    assert [str(r) for r in metadata.metadata.requires_dist] == ["dep"]
    result = client.download(wheel, tmp_path)
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == wheel.hashes["sha256"]
    # pip's hash-checking mode through the facade: a hash the bytes do not have fails,
    # and nothing is left behind.
    (tmp_path / "checked").mkdir()
    with pytest.raises(DigestMismatchError):
        client.download(
            wheel, tmp_path / "checked", hashes=Hashes(frozenset({("sha256", "0" * 64)}))
        )
    assert not any((tmp_path / "checked").iterdir())
    with pytest.raises(ProjectNotFound):
        client.project("absent")
    pages = client.projects(["dep", "absent"], return_exceptions=True)
    assert isinstance(pages[1], ProjectNotFound)


def test_metadata_for_many_with_progress(client: IndexClient) -> None:
    seen: list[tuple[int, int, str]] = []
    names = [f"project-{i}" for i in range(20)]
    results = client.metadata_for(
        names,
        progress=lambda done, total: seen.append((done, total, threading.current_thread().name)),
    )
    assert all(isinstance(r, MetadataResult) for r in results)
    assert [str(r.version) for r in results if isinstance(r, MetadataResult)] == [
        f"2.{i}" for i in range(20)
    ]
    assert seen[-1][:2] == (20, 20)
    assert {name for _, _, name in seen} == {"indexclient-sync"}  # as documented


def test_iter_metadata_hands_over_the_answers_one_by_one(client: IndexClient) -> None:
    names = [f"project-{i}" for i in range(20)] + ["missing"]
    listed = client.metadata_for(names)
    done: list[int] = []
    streamed = list(client.iter_metadata(iter(names), progress=done.append))
    assert [getattr(r, "version", type(r)) for r in streamed] == [
        getattr(r, "version", type(r)) for r in listed
    ]
    assert isinstance(streamed[-1], ProjectNotFound)
    assert done == list(range(1, 22))
    # Left early and closed: the client goes on answering.
    answers = client.iter_metadata(names)
    assert isinstance(next(answers), MetadataResult)
    answers.close()
    assert str(client.choose("project-2").version) == "2.2"


def test_calls_from_many_threads_share_one_client(client: IndexClient) -> None:
    answers: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            answers[i] = str(client.choose(f"project-{i}").version)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert answers == {i: f"2.{i}" for i in range(20)}


def test_close_leaves_no_thread_and_no_warning(
    index_server: LocalServer, ca_env: dict[str, str]
) -> None:
    before = _threads()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unclosed session or transport would warn
        opened = IndexClient(f"{index_server.url}simple/", environ=ca_env)
        assert len(_threads()) == len(before) + 1
        opened.choose("dep")
        opened.close()
        opened.close()  # a second close does nothing
        gc.collect()
    assert _threads() == before
    with pytest.raises(RuntimeError, match="closed"):
        opened.choose("dep")


def test_a_configuration_error_comes_from_the_constructor_and_leaves_no_thread() -> None:
    before = _threads()
    with pytest.raises(ConfigurationError, match="no index"):
        IndexClient(environ={})
    assert _threads() == before


def test_an_unclosed_client_is_closed_when_collected(
    index_server: LocalServer, ca_env: dict[str, str]
) -> None:
    before = _threads()

    def use_and_forget() -> None:
        IndexClient(f"{index_server.url}simple/", environ=ca_env).choose("dep")
        gc.collect()

    with pytest.warns(ResourceWarning, match="not closed"):
        use_and_forget()
    assert _threads() == before


def test_a_callback_calling_the_client_back_is_refused_not_deadlocked(client: IndexClient) -> None:
    refused: list[BaseException] = []

    def progress(done: int, total: int) -> None:
        try:
            client.versions("dep")
        except RuntimeError as exc:
            refused.append(exc)

    client.metadata_for(["dep"], progress=progress)
    assert refused
    assert "own callback" in str(refused[0])


def test_close_cancels_a_call_running_on_another_thread(ca_env: dict[str, str], pki: Pki) -> None:
    """A server that never answers: close() from the main thread ends the call waiting
    on another thread, instead of leaving the thread behind."""
    entered = threading.Event()

    async def never(request: web.Request) -> web.StreamResponse:
        entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    def routes(app: web.Application) -> None:
        app.router.add_get("/{tail:.*}", never)

    before = _threads()
    with serve_in_thread(server_context(pki.root.issue_leaf()), routes=routes) as server:
        opened = IndexClient(f"{server.url}simple/", environ=ca_env)
        outcome: list[BaseException] = []

        def call() -> None:
            try:
                opened.project("stuck")
            except BaseException as exc:  # the cancellation, checked below
                outcome.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        assert entered.wait(30)
        opened.close()
        caller.join(30)
        assert not caller.is_alive()
    assert outcome
    assert isinstance(outcome[0], asyncio.CancelledError)
    assert _threads() == before
