"""The cache's database as a whole: opened late, private, shared by threads, processes
and a fork, and a damaged, foreign, busy or unwritable one costing only speed
(docs/security.md, "The cache").

The rows themselves (a damaged entry or memo value) are tests/test_cache.py's and
tests/test_memo.py's; concurrent processes writing one cache are test_cache.py's too.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import multiprocessing
import os
import shutil
import sqlite3
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Pki
from test_cli_support import Result, demo_index, isolate, run_cli, running_server

from indexclient.errors import ConfigurationWarning
from indexclient.memo import Memo
from indexclient.testing.pki import server_context
from indexclient.testing.servers import LocalServer
from indexclient.transport import store
from indexclient.transport.cache import HttpCache
from support import cache_db

HEADERS = {"Accept": "text/html"}
URL = "https://i.example/simple/demo/"


def put(cache: HttpCache, url: str = URL, body: bytes = b"page") -> None:
    cache.put(url, HEADERS, final_url=url, status=200, headers={}, body=body)


def test_nothing_is_opened_until_used(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    cache, memo = HttpCache(directory), Memo(directory)
    assert cache.credential_digest([None]) == ""
    assert not directory.exists()
    assert memo.get("selection", "k") is None  # the first use makes the database
    assert {p.name[len(store.FILE_NAME) :] for p in cache_db.files(directory)} == {
        "",
        "-wal",
        "-shm",
    }
    assert cache.head(URL, HEADERS) is None


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_database_and_its_log_are_private(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    put(cache)  # open: the -wal and -shm files exist beside the database
    files = cache_db.files(tmp_path)
    assert [p.name[len(store.FILE_NAME) :] for p in files] == ["", "-shm", "-wal"]
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600, path
    # One made by another hand, readable by others, is made private when opened.
    other = tmp_path / "other"
    other.mkdir()
    cache_db.database(other).touch(mode=0o644)
    os.chmod(cache_db.database(other), 0o644)
    put(HttpCache(other))
    for path in cache_db.files(other):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_the_connection_closes_with_its_last_user(tmp_path: Path) -> None:
    cache, memo = HttpCache(tmp_path), Memo(tmp_path)
    put(cache)
    memo.put("selection", "k", 1)
    assert (tmp_path / (store.FILE_NAME + "-wal")).exists()
    del cache
    gc.collect()
    assert memo.get("selection", "k") == 1  # the memo still holds the store
    del memo
    gc.collect()
    # Closed: SQLite folded the log into the database and removed it.
    assert [p.name for p in cache_db.files(tmp_path)] == [store.FILE_NAME]
    assert Memo(tmp_path).get("selection", "k") == 1


def test_threads_share_one_connection(tmp_path: Path) -> None:
    """The sync facade makes the client (and its memo) on one thread and uses them on
    its loop's thread; several facades may share a directory."""
    cache, memo = HttpCache(tmp_path), Memo(tmp_path)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(100):
                put(cache, f"{URL}{n}/{i}/", f"{n}-{i}".encode())
                memo.put("selection", f"{n}-{i}", i)
                found = cache.get(f"{URL}{n}/{i}/", HEADERS)
                assert found is not None
                assert found.body == f"{n}-{i}".encode()
                assert memo.get("selection", f"{n}-{i}") == i
        except BaseException as exc:  # reported below: a thread's failure is silent
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cache_db.rows(tmp_path, "heads")) == 400


def _child(directory: str) -> None:
    # The parent's store, inherited: its connection was dropped at the fork (SQLite's
    # connections must not cross one), and is not the one used now.
    inherited = store.shared(directory)
    assert inherited._connection is None
    cache = HttpCache(directory)
    assert cache.get(URL, HEADERS) is not None  # the parent's entry
    put(cache, URL + "child/")


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)
def test_a_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    put(cache)
    with warnings.catch_warnings():
        # Forking a process that runs other threads (pytest's, the servers') is what
        # the test is about: the child must not use its parent's connection.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = multiprocessing.get_context("fork").Process(target=_child, args=(str(tmp_path),))
        child.start()
    child.join()
    assert child.exitcode == 0
    assert cache.get(URL + "child/", HEADERS) is not None
    put(cache, URL + "parent/")  # the parent's connection still works
    assert cache.get(URL + "parent/", HEADERS) is not None


def test_a_busy_database_stops_this_processs_writes_not_its_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "BUSY_TIMEOUT", 0.05)
    cache, memo = HttpCache(tmp_path), Memo(tmp_path)
    put(cache)
    with cache_db.connected(tmp_path) as other:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        put(cache, URL + "later/")  # waits the busy timeout, then gives up: no error
        assert cache.get(URL, HEADERS) is not None  # reads go on (WAL)
        other.execute("COMMIT")
    # One wait was enough: this run writes no more (each write would wait as long).
    memo.put("selection", "k", 1)
    put(cache, URL + "later/")
    assert memo.get("selection", "k") is None
    assert cache.get(URL + "later/", HEADERS) is None
    assert cache.get(URL, HEADERS) is not None


async def test_reads_in_one_loop_iteration_share_a_transaction(tmp_path: Path) -> None:
    """A warm run answers thousands of requirements in one iteration of the event loop:
    their lookups share one read transaction, which ends with the iteration, and never
    stands in the way of a write."""
    memo = Memo(tmp_path)
    memo.put("selection", "a", 0)
    assert memo.get("selection", "a") == 0  # the read transaction begins
    # Another process writes meanwhile: this iteration's snapshot does not show it...
    stored = b'indexclient-memo-2\n{"key":"b","value":1}'
    cache_db.write(tmp_path, "memo", cache_db.memo_row("selection", "b"), stored)
    assert memo.get("selection", "b") is None
    # ...and a write of this process's ends the snapshot first (else SQLite would refuse
    # it: the snapshot is older than the other process's write).
    memo.put("selection", "c", 2)
    assert memo.get("selection", "c") == 2
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    # The iteration is over: the next one sees everything committed.
    assert memo.get("selection", "b") == 1
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    with cache_db.connected(tmp_path) as other:
        # No transaction of this process's is left open: the log can be folded whole.
        busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0


def _memo_value(key: str, value: int) -> bytes:
    return f'indexclient-memo-2\n{{"key":"{key}","value":{value}}}'.encode()


async def test_rows_read_ahead_are_those_a_read_would_give(tmp_path: Path) -> None:
    """A warm run reads its rows ahead in batches (Store.read_ahead_*): what a read
    then gives is what it would have given without, in this iteration's snapshot (a
    row another process wrote meanwhile is not in it, an absent row stays absent),
    and a write of this process's, or the iteration's end, drops what was read."""
    memo = Memo(tmp_path)
    for key, value in (("a", 0), ("b", 1)):
        memo.put("selection", key, value)
    memo.read_ahead("selection", ["a", "b", "absent", "c"])
    stored = _memo_value("c", 3)
    cache_db.write(tmp_path, "memo", cache_db.memo_row("selection", "c"), stored)
    assert memo.get("selection", "a") == 0
    assert memo.get("selection", "absent") is None
    assert memo.get("selection", "c") is None  # not in this iteration's snapshot
    memo.read_ahead("selection", ["b"])
    memo.put("selection", "b", 2)  # ends the snapshot, and drops the rows read ahead
    assert memo.get("selection", "b") == 2
    assert memo.get("selection", "c") == 3
    memo.read_ahead("selection", ["a"])
    cache_db.write(tmp_path, "memo", cache_db.memo_row("selection", "a"), _memo_value("a", 4))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert memo.get("selection", "a") == 4  # the iteration ended: read again


async def test_heads_read_ahead_are_those_a_read_would_give(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    put(cache, body=b"one")
    other = "https://i.example/simple/other/"
    cache.read_ahead([URL, other], HEADERS)
    entry = cache.head(URL, HEADERS)
    assert entry is not None
    assert entry.digest == hashlib.sha256(b"one").hexdigest()
    assert cache.head(other, HEADERS) is None
    cache.read_ahead([URL], HEADERS)
    put(cache, body=b"two")
    entry = cache.head(URL, HEADERS)
    assert entry is not None
    assert entry.digest == hashlib.sha256(b"two").hexdigest()


def test_nothing_is_read_ahead_outside_an_event_loop(tmp_path: Path) -> None:
    """Outside a loop each statement is a transaction of its own: a row read ahead
    could be older than a read's, so none is."""
    memo = Memo(tmp_path)
    memo.put("selection", "a", 0)
    memo.read_ahead("selection", ["a"])
    cache_db.write(tmp_path, "memo", cache_db.memo_row("selection", "a"), _memo_value("a", 1))
    assert memo.get("selection", "a") == 1


# --------------------------------------------------------------------------- real runs


@pytest.fixture
def served(pki: Pki, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LocalServer]:
    """The demo index, its pages fresh for 10 minutes, as the command's default index."""
    index = demo_index()
    index.headers["Cache-Control"] = "max-age=600"
    with running_server(server_context(pki.root.issue_leaf()), index.routes) as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
        monkeypatch.setenv("UV_DEFAULT_INDEX", f"{server.url}simple/")
        isolate(monkeypatch, tmp_path)
        yield server


def metadata(capsys: pytest.CaptureFixture[str], cache: Path) -> Result:
    result = run_cli(capsys, "metadata", "demo-package", "--json", "--cache-dir", str(cache))
    assert result.code == 0, result.err
    gc.collect()  # the run's store is closed, as at the end of a process
    return result


def damage(cache: Path, how: str) -> str:
    """Damage the database in ``cache`` as ``how`` says; the reason the warning gives."""
    path = cache_db.database(cache)
    if how == "garbage":
        path.write_bytes(b"not a database, not even close" * 200)
        return "file is not a database"
    if how == "truncated":
        os.truncate(path, path.stat().st_size // 2)
        return "database disk image is malformed"
    if how == "directory":
        path.unlink()
        path.mkdir()
        return "it is not a file"
    with cache_db.connected(cache) as connection:  # foreign: another layout's
        connection.execute("PRAGMA user_version = 99")
    return "it was written by another version of indexclient"


@pytest.mark.parametrize("how", ["garbage", "truncated", "directory", "foreign"])
def test_a_damaged_database_is_not_used_and_said_once(
    capsys: pytest.CaptureFixture[str], served: LocalServer, tmp_path: Path, how: str
) -> None:
    """Not replaced (another process may have it open), but not used: the run goes on
    without the cache, only slower, and one warning line says which file to delete."""
    cache = tmp_path / "cache"
    filled = metadata(capsys, cache)
    assert filled.err == ""
    assert [p.name for p in cache_db.files(cache)] == [store.FILE_NAME]
    asked = len(served.requests)
    assert asked == 2  # the page and the .metadata file
    assert metadata(capsys, cache).out == filled.out
    assert len(served.requests) == asked  # answered from the cache
    reason = damage(cache, how)
    for run in (1, 2):
        result = metadata(capsys, cache)
        assert result.out == filled.out
        (line,) = result.err.splitlines()
        assert line.startswith(f"warning: the cache database {cache_db.database(cache)} "), line
        assert reason in line
        assert "delete it" in line
        assert len(served.requests) == asked + 2 * run  # asked again: no cache
    if how == "directory":
        shutil.rmtree(cache_db.database(cache))
    else:
        cache_db.database(cache).unlink()
    assert metadata(capsys, cache).err == ""  # deleted: a new one is made
    assert metadata(capsys, cache).err == ""
    assert len(served.requests) == asked + 2 * 3


def test_a_cache_that_cannot_be_written_is_only_slower(
    capsys: pytest.CaptureFixture[str], served: LocalServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = blocker / "cache"  # cannot be made, whoever runs the test
    for run in (1, 2):
        result = metadata(capsys, cache)
        assert result.err == ""
        assert len(served.requests) == 2 * run
    assert blocker.read_text() == ""


def test_a_database_opened_read_only_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite opens a file it may not write read-only: lookups answer, writes are
    skipped, nothing is said. (The tests run as root, who may write anything: a
    read-only open stands in for the file's mode.)"""
    put(HttpCache(tmp_path))
    gc.collect()
    connect = sqlite3.connect

    def read_only(path: str, **options: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(
            Path(path).as_uri() + "?mode=ro", uri=True, **options
        )
        return connection

    monkeypatch.setattr(sqlite3, "connect", read_only)
    cache = HttpCache(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.get(URL, HEADERS) is not None
        put(cache, URL + "new/")  # attempt to write a readonly database: skipped
        assert cache.get(URL + "new/", HEADERS) is None
        assert cache.get(URL, HEADERS) is not None


def test_the_warning_is_a_configuration_warning(tmp_path: Path) -> None:
    cache_db.database(tmp_path).write_bytes(b"garbage" * 100)
    cache, memo = HttpCache(tmp_path), Memo(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cache.head(URL, HEADERS) is None
        put(cache)
        memo.put("selection", "k", 1)
        assert memo.get("selection", "k") is None
    assert [w.category for w in caught] == [ConfigurationWarning]  # once, for both
    assert cache_db.database(tmp_path).read_bytes() == b"garbage" * 100  # left alone


def test_a_python_without_sqlite3_runs_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "_SQLITE", False)  # as when `import sqlite3` fails
    cache, memo = HttpCache(tmp_path), Memo(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        put(cache)
        assert cache.get(URL, HEADERS) is None
        memo.put("selection", "k", 1)
        assert memo.get("selection", "k") is None
    (warning,) = caught
    assert "no sqlite3 module" in str(warning.message)
    assert list(tmp_path.iterdir()) == []
