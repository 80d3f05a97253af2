"""The on-disk HTTP cache: freshness, revalidation, Vary, corruption, offline, processes.

The entries are rows of the cache's database; the tests damage them through a connection
of their own (support.cache_db), as another process or a bad disk would. The database as
a whole (damaged, foreign, private, busy, shared by threads and processes) is
tests/test_cache_store.py's.
"""

from __future__ import annotations

import email.utils
import multiprocessing
import time
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki

from indexclient import IndexClient
from indexclient.errors import OfflineError
from indexclient.settings.environment import default_cache_dir
from indexclient.testing.pki import server_context
from indexclient.testing.servers import LocalServer, serve_https
from indexclient.transport.cache import CacheEntry, HttpCache
from support import cache_db

PAGE = b'<a href="/files/demo-1.0.tar.gz#sha256=00">demo-1.0.tar.gz</a>'
HEADERS = {"Accept": "text/html"}


def entry(headers: dict[str, str], stored_at: float | None = None) -> CacheEntry:
    return CacheEntry("https://i.example/", 200, headers, b"x", stored_at or time.time(), {})


def http_date(seconds_ago: float) -> str:
    return email.utils.formatdate(time.time() - seconds_ago, usegmt=True)


def test_freshness_rules() -> None:
    assert entry({"cache-control": "max-age=600"}).is_fresh()
    assert not entry({"cache-control": "max-age=600"}, time.time() - 601).is_fresh()
    assert not entry({"cache-control": "no-cache, max-age=600"}).is_fresh()
    assert entry({"expires": http_date(-60), "date": http_date(0)}).is_fresh()
    assert not entry({"expires": http_date(60), "date": http_date(0)}).is_fresh()
    # Heuristic: 10% of the age since Last-Modified (here 10 days -> one day, capped).
    assert entry({"last-modified": http_date(864000), "date": http_date(0)}).is_fresh()
    assert entry({"last-modified": http_date(10)}).freshness_lifetime() < 2
    assert not entry({}).is_fresh()
    assert entry({"etag": '"v1"', "last-modified": "x"}).validators() == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "x",
    }


def test_storable() -> None:
    assert HttpCache.storable(200, {})
    assert not HttpCache.storable(200, {"Cache-Control": "private, no-store"})
    assert not HttpCache.storable(200, {"Vary": "*"})
    # "Not on this index" is remembered too (RFC 9111 4.2.2: heuristically cacheable).
    assert HttpCache.storable(404, {})
    assert HttpCache.storable(410, {"Cache-Control": "max-age=60"})
    assert not HttpCache.storable(404, {"Cache-Control": "no-store"})
    assert not HttpCache.storable(410, {"Vary": "*"})
    for status in (201, 203, 206, 301, 304, 401, 403, 500, 503):
        assert not HttpCache.storable(status, {})


def test_age_counts_towards_freshness() -> None:
    # RFC 9111 4.2.3: the Age an answer arrived with, plus the time since it was stored.
    assert entry({"cache-control": "max-age=600", "age": "500"}).is_fresh()
    assert not entry({"cache-control": "max-age=600", "age": "700"}).is_fresh()
    assert not entry({"cache-control": "max-age=600", "age": "500"}, time.time() - 200).is_fresh()
    assert entry({"cache-control": "max-age=600", "age": "500, 900"}).is_fresh()  # the first
    for invalid in ("-5", "soon", "1e9", "", "\u00b2"):
        fresh = entry({"cache-control": "max-age=600", "age": invalid})
        assert fresh.age() < 5, invalid  # ignored
    stale = entry({"expires": http_date(-60), "date": http_date(0), "age": "61"})
    assert not stale.is_fresh()


def test_a_not_found_answer_is_stored_without_its_body_and_revalidated_with_its_age(
    tmp_path: Path,
) -> None:
    cache = HttpCache(tmp_path)
    url = "https://i.example/simple/absent/"
    stored = cache.put(
        url,
        HEADERS,
        final_url=url,
        status=404,
        headers={"Cache-Control": "max-age=600", "Age": "700", "ETag": '"n"'},
        body=b"<html>a large error page</html>" * 100,
    )
    assert stored is not None
    found = cache.get(url, HEADERS)
    assert found is not None
    assert (found.status, found.body, found.headers["age"]) == (404, b"", "700")
    assert not found.is_fresh()
    # A 304 revalidates it: its age restarts with that answer, not the stored one.
    refreshed = cache.refresh(url, HEADERS, found, {"Cache-Control": "max-age=600"})
    assert "age" not in refreshed.headers
    assert refreshed.is_fresh()
    again = cache.refresh(url, HEADERS, refreshed, {"Age": "30"})
    assert again.headers["age"] == "30"
    assert again.is_fresh()


def test_round_trip_vary_and_corruption(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    url = "https://i.example/simple/demo/"
    stored = cache.put(
        url,
        {"Accept": "text/html", "Accept-Language": "en"},
        final_url=url,
        status=200,
        headers={"Vary": "Accept-Language", "ETag": '"1"', "Content-Encoding": "gzip"},
        body=PAGE,
    )
    assert stored is not None
    assert "content-encoding" not in stored.headers  # bodies are stored decoded
    found = cache.get(url, {"Accept": "text/html", "Accept-Language": "en"})
    assert found is not None
    assert found.body == PAGE
    assert cache.get(url, {"Accept": "text/html", "Accept-Language": "de"}) is None
    assert cache.get(url, {"Accept": "application/json"}) is None
    # One database, nothing else: no temporary file is left behind.
    assert {p.name for p in cache_db.files(tmp_path)} <= {
        cache_db.database(tmp_path).name + suffix for suffix in ("", "-wal", "-shm")
    }
    row = cache_db.entry_row(url, "text/html")
    heads, bodies = cache_db.rows(tmp_path, "heads"), cache_db.rows(tmp_path, "bodies")
    head, body = heads[row], bodies[row]
    assert body == PAGE
    other = cache.put(
        url + "other/", HEADERS, final_url=url, status=200, headers={"ETag": '"1"'}, body=PAGE
    )
    assert other is not None
    another_key = cache_db.rows(tmp_path, "heads")[cache_db.entry_row(url + "other/", "text/html")]
    damaged = [
        ("heads", head[:-1]),  # a head that does not parse
        ("heads", head[:10]),
        ("heads", b"garbage"),
        ("heads", head.replace(b"indexclient-cache-3", b"indexclient-cache-2")),  # a format
        ("heads", head.replace(b'"length":', b'"length":1')),
        ("heads", another_key),  # another request's entry, in this one's row
        ("bodies", body[:-1]),  # a body that is not the one recorded
        ("bodies", PAGE.upper()),
        ("bodies", b""),
    ]
    for table, broken in damaged:
        cache_db.write(tmp_path, "heads", row, head)
        cache_db.write(tmp_path, "bodies", row, body)
        assert cache.get(url, {"Accept": "text/html", "Accept-Language": "en"}) is not None
        cache_db.write(tmp_path, table, row, broken)
        assert cache.get(url, {"Accept": "text/html", "Accept-Language": "en"}) is None, broken
    # Rewritten by the next answer.
    cache.put(
        url,
        {"Accept": "text/html", "Accept-Language": "en"},
        final_url=url,
        status=200,
        headers={"Vary": "Accept-Language"},
        body=PAGE,
    )
    assert cache.get(url, {"Accept": "text/html", "Accept-Language": "en"}) is not None


def test_head_reads_the_metadata_without_the_body(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    url = "https://i.example/simple/demo/"
    big = PAGE * 5000  # larger than one read of the head
    long_etag = '"' + "e" * 20000 + '"'  # a head longer than one read
    for body, etag in ((PAGE, '"1"'), (big, '"2"'), (PAGE, long_etag)):
        stored = cache.put(
            url, HEADERS, final_url=url, status=200, headers={"ETag": etag}, body=body
        )
        assert stored is not None
        head = cache.head(url, HEADERS)
        assert head is not None
        assert (head.body, head.digest, head.headers["etag"]) == (b"", stored.digest, etag)
        assert head.url == url
    row = cache_db.entry_row(url, "text/html")
    stored_head = cache_db.rows(tmp_path, "heads")[row]
    cache_db.write(tmp_path, "bodies", row, PAGE[:-3] + b"xyz")  # no longer its digest
    assert cache.get(url, HEADERS) is None
    assert cache.head(url, HEADERS) is not None  # the head alone does not check the body
    with cache_db.connected(tmp_path) as connection:
        connection.execute("DELETE FROM bodies")
    assert cache.head(url, HEADERS) is not None  # nor reads it
    assert cache.get(url, HEADERS) is None
    assert cache.head(url, {"Accept": "application/json"}) is None
    sha256 = b'"sha256":"'
    for broken in (b"", b"garbage", stored_head[:30], stored_head.replace(sha256, sha256 + b"0")):
        cache_db.write(tmp_path, "heads", row, broken)
        assert cache.head(url, HEADERS) is None


def test_default_cache_dir(tmp_path: Path) -> None:
    assert default_cache_dir({"INDEXCLIENT_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "indexclient"


WRITES = 200


def _hammer(directory: str, worker: int) -> None:
    """Writes WRITES entries to one shared URL and one of its own each, with a memo value
    beside each, then checks that all of its own are there (no write failed)."""
    from indexclient.memo import Memo

    cache, memo = HttpCache(directory), Memo(directory)
    for i in range(WRITES):
        body = f"{worker}-{i}".encode() * 500
        for url in ("https://i.example/p/", f"https://i.example/{worker}/{i}/"):
            cache.put(url, HEADERS, final_url="u", status=200, headers={}, body=body)
        memo.put("selection", "shared", {"body": body.decode()})
        memo.put("selection", f"{worker}-{i}", i)
        found = cache.head("https://i.example/p/", HEADERS)
        assert found is not None
    for i in range(WRITES):
        found = cache.get(f"https://i.example/{worker}/{i}/", HEADERS)
        assert found is not None
        assert found.body == f"{worker}-{i}".encode() * 500
        assert memo.get("selection", f"{worker}-{i}") == i


def test_concurrent_processes_never_see_a_partial_entry(tmp_path: Path) -> None:
    from indexclient.memo import Memo

    workers = [
        multiprocessing.get_context("spawn").Process(target=_hammer, args=(str(tmp_path), w))
        for w in range(3)
    ]
    for worker in workers:
        worker.start()
    cache, memo = HttpCache(tmp_path), Memo(tmp_path)
    reads = 0
    while any(w.is_alive() for w in workers):
        found = cache.get("https://i.example/p/", HEADERS)
        if found is not None:
            reads += 1
            text = found.body.decode()
            assert text == text[: len(text) // 500] * 500  # one writer's whole body
        value = memo.get("selection", "shared")
        if value is not None:
            assert isinstance(value, dict)
            text = value["body"]
            assert text == text[: len(text) // 500] * 500
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0  # every write of every worker landed
    assert cache.get("https://i.example/p/", HEADERS) is not None
    assert len(cache_db.rows(tmp_path, "heads")) == 1 + 3 * WRITES
    assert {p.name for p in cache_db.files(tmp_path)} <= {
        cache_db.database(tmp_path).name + suffix for suffix in ("", "-wal", "-shm")
    }


class Counting:
    """A project page handler with switchable caching headers, counting requests."""

    def __init__(self, **headers: str) -> None:
        self.headers = headers
        self.conditional: list[dict[str, str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        asked = {k: v for k, v in request.headers.items() if k.startswith("If-")}
        self.conditional.append(asked)
        etag = self.headers.get("ETag")
        if etag and asked.get("If-None-Match") == etag:
            return web.Response(status=304, headers=self.headers)
        modified = self.headers.get("Last-Modified")
        if modified and asked.get("If-Modified-Since") == modified:
            return web.Response(status=304, headers=self.headers)
        return web.Response(body=PAGE, content_type="text/html", headers=self.headers)


async def pages(server: LocalServer, env: dict[str, str], **options: object) -> list[str]:
    async with IndexClient(server.url, environ=env, **options) as client:  # type: ignore[arg-type]
        page = await client.project("demo")
    return [f.filename for f in page.files]


@pytest.fixture
def cache_env(ca_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**ca_env, "INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache")}


async def test_fresh_entry_needs_no_request(pki: Pki, cache_env: dict[str, str]) -> None:
    handler = Counting(**{"Cache-Control": "max-age=600"})
    async with serve_https(server_context(pki.root.issue_leaf()), handler.handle) as server:
        first = await pages(server, cache_env)
        second = await pages(server, cache_env)
        offline = await pages(server, {**cache_env, "UV_OFFLINE": "1"})
    assert first == second == offline == ["demo-1.0.tar.gz"]
    assert len(handler.conditional) == 1


@pytest.mark.parametrize(
    "validator", [{"ETag": '"v1"'}, {"Last-Modified": "Tue, 24 Nov 2026 10:00:00 GMT"}]
)
async def test_stale_entry_revalidated(
    pki: Pki, cache_env: dict[str, str], validator: dict[str, str]
) -> None:
    handler = Counting(**{"Cache-Control": "no-cache", **validator})
    async with serve_https(server_context(pki.root.issue_leaf()), handler.handle) as server:
        assert await pages(server, cache_env) == ["demo-1.0.tar.gz"]
        assert await pages(server, cache_env) == ["demo-1.0.tar.gz"]
    first, second = handler.conditional
    assert first == {}
    expected = "If-None-Match" if "ETag" in validator else "If-Modified-Since"
    assert second == {expected: next(iter(validator.values()))}


async def test_refresh_revalidates_fresh_entries(pki: Pki, cache_env: dict[str, str]) -> None:
    handler = Counting(**{"Cache-Control": "max-age=600", "ETag": '"v1"'})
    async with serve_https(server_context(pki.root.issue_leaf()), handler.handle) as server:
        await pages(server, cache_env)
        from indexclient import Settings

        settings = Settings.load(cache_env, index_url=server.url, refresh=True)
        async with IndexClient(settings=settings) as client:
            await client.project("demo")
    assert handler.conditional == [{}, {"If-None-Match": '"v1"'}]


async def test_offline_without_entry_is_a_clear_error(pki: Pki, cache_env: dict[str, str]) -> None:
    async with serve_https(server_context(pki.root.issue_leaf()), Counting().handle) as server:
        with pytest.raises(OfflineError) as caught:
            await pages(server, {**cache_env, "UV_OFFLINE": "true"})
    assert "not in the cache" in str(caught.value)
    assert caught.value.hint


async def test_corrupt_entry_is_fetched_again(pki: Pki, cache_env: dict[str, str]) -> None:
    handler = Counting(**{"Cache-Control": "max-age=600"})
    async with serve_https(server_context(pki.root.issue_leaf()), handler.handle) as server:
        await pages(server, cache_env)
        cache_dir = Path(cache_env["INDEXCLIENT_CACHE_DIR"])
        bodies = cache_db.rows(cache_dir, "bodies")
        assert bodies
        for row, body in bodies.items():
            cache_db.write(cache_dir, "bodies", row, body[:-5])
        assert await pages(server, cache_env) == ["demo-1.0.tar.gz"]
        assert await pages(server, cache_env) == ["demo-1.0.tar.gz"]
    assert len(handler.conditional) == 2


async def test_no_cache_writes_nothing(pki: Pki, cache_env: dict[str, str]) -> None:
    handler = Counting(**{"Cache-Control": "max-age=600"})
    async with serve_https(server_context(pki.root.issue_leaf()), handler.handle) as server:
        from indexclient import Settings

        for _ in range(2):
            settings = Settings.load(cache_env, index_url=server.url, no_cache=True)
            async with IndexClient(settings=settings) as client:
                await client.project("demo")
    assert len(handler.conditional) == 2
    assert not Path(cache_env["INDEXCLIENT_CACHE_DIR"]).exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Cache-Control": "max-age=\u00b2"},  # a digit to str.isdigit, not to float()
        {"Cache-Control": "max-age=600", "Age": "\u00b2"},
    ],
)
async def test_hostile_freshness_numbers_are_ignored(
    pki: Pki, cache_env: dict[str, str], headers: dict[str, str]
) -> None:
    handler = Counting(**headers)
    async with serve_https(server_context(pki.root.issue_leaf()), handler.handle) as server:
        assert await pages(server, cache_env) == ["demo-1.0.tar.gz"]
        assert await pages(server, cache_env) == ["demo-1.0.tar.gz"]
    # max-age=² means nothing: stale, asked again; an Age that means nothing counts as 0.
    assert len(handler.conditional) == (2 if "Age" not in headers else 1)
