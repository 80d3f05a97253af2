"""Remembered answers: a warm run takes choices and parsed metadata from the cache's memo.

The memo is only worth having if it gives exactly what parsing gives, is never used for
other bytes, another question or another interpreter, and survives damage.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from conftest import Pki

from indexclient import IndexClient, MetadataResult
from indexclient.errors import IndexClientError
from indexclient.memo import Memo, selection_from_json, selection_key, selection_to_json
from indexclient.select import select_files
from indexclient.simple import parse_project_page
from indexclient.simple.metadata import CoreMetadata, parse_metadata
from indexclient.testing.index import SimpleIndex
from indexclient.testing.pki import server_context
from indexclient.testing.servers import LocalServer, serve_https
from support import cache_db

REQUIREMENTS = ["alpha", "beta<2", "gamma==1.0", "delta[extra]>=1 ; python_version >= '3'"]


FRESH = {"Cache-Control": "max-age=600"}


def build_index(cache_control: str = "max-age=600") -> SimpleIndex:
    index = SimpleIndex(headers={"Cache-Control": cache_control})
    index.add_wheel("alpha", "1.0")
    index.add_wheel("alpha", "1.1", requires_dist=["beta>=1", "gamma ; extra == 'x'"])
    index.add_wheel("beta", "1.5", requires_python=">=3.8")
    index.add_wheel("beta", "2.0")
    index.add_wheel("gamma", "1.0", yanked="broken")  # pinned with ==: still chosen
    index.add_wheel("gamma", "0.9")
    index.add_wheel("delta", "1.2", requires_dist=["alpha"])
    return index


def describe(result: MetadataResult | IndexClientError) -> dict[str, Any]:
    """Everything a caller can read from a result, as comparable data."""
    assert not isinstance(result, IndexClientError), result
    meta = result.metadata
    parsed = meta.metadata
    return {
        "name": result.name,
        "version": str(result.version),
        "file": selection_to_json_file(result),
        "source": result.source,
        "raw": meta.raw,
        "text": meta.text,
        "url": meta.url,
        "raw_fields": meta.raw_fields,
        "unparsed": dict(meta.unparsed),
        "valid": meta.valid,
        "problems": meta.problems,
        "json": meta.to_json(),
        "parsed": None
        if parsed is None
        else (parsed.name, str(parsed.version), [str(r) for r in parsed.requires_dist or []]),
    }


def selection_to_json_file(result: MetadataResult) -> dict[str, Any]:
    file = result.file
    return {
        "filename": file.filename,
        "url": file.url,
        "hashes": dict(file.hashes),
        "yanked": file.yanked,
        "requires_python": file.requires_python,
        "core_metadata": file.core_metadata,
        "tags": sorted(str(t) for t in file.tags),
    }


async def metadata(server: LocalServer, env: dict[str, str]) -> list[dict[str, Any]]:
    async with IndexClient(f"{server.url}simple/", environ=env) as client:
        return [describe(r) for r in await client.metadata_for(REQUIREMENTS)]


@pytest.fixture
def cache_env(ca_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**ca_env, "INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache")}


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the parses of project pages and metadata files made by the client."""
    import indexclient.fetching
    import indexclient.indexes.simple_api

    calls: list[str] = []

    def page(*args: Any) -> Any:
        calls.append("page")
        return parse_project_page(*args)

    def meta(*args: Any) -> Any:
        calls.append("metadata")
        return parse_metadata(*args)

    monkeypatch.setattr(indexclient.indexes.simple_api, "parse_project_page", page)
    monkeypatch.setattr(indexclient.fetching, "parse_metadata", meta)
    return calls


def memo_rows(env: dict[str, str]) -> dict[int, bytes]:
    """The memo's rows in the cache's database: id and stored value."""
    return cache_db.rows(Path(env["INDEXCLIENT_CACHE_DIR"]), "memo")


def stored_kind(value: bytes) -> str:
    """Which kind of answer a memo row holds (its key says)."""
    key = json.loads(value.partition(b"\n")[2])["key"]
    return "metadata" if key.startswith("metadata-1 ") else "selection"


async def test_a_warm_run_answers_from_the_memo_exactly_as_parsing_did(
    pki: Pki, cache_env: dict[str, str], ca_env: dict[str, str], parse_calls: list[str]
) -> None:
    index = build_index()
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        uncached = await metadata(server, ca_env)
        assert parse_calls.count("page") == parse_calls.count("metadata") == 4
        cold = await metadata(server, cache_env)
        requests_after_cold = len(server.requests)
        rows = memo_rows(cache_env)
        kinds = {stored_kind(value) for value in rows.values()}
        # Each selection carries its file's parsed metadata: the per-digest copies are
        # not even read (they serve core_metadata() and changed pages).
        with cache_db.connected(Path(cache_env["INDEXCLIENT_CACHE_DIR"])) as connection:
            for row, value in rows.items():
                if stored_kind(value) == "metadata":
                    connection.execute("DELETE FROM memo WHERE id = ?", (row,))
        parse_calls.clear()
        warm = await metadata(server, cache_env)
    assert [(r["name"], r["version"]) for r in cold] == [
        ("alpha", "1.1"),
        ("beta", "1.5"),
        ("gamma", "1.0"),
        ("delta", "1.2"),
    ]
    assert warm == cold == uncached
    assert parse_calls == []  # neither a page nor a metadata file was parsed again
    assert len(server.requests) == requests_after_cold  # and nothing was asked for
    assert kinds == {"selection", "metadata"}


async def test_a_changed_page_is_chosen_from_again(
    pki: Pki, cache_env: dict[str, str], parse_calls: list[str]
) -> None:
    # no-cache: every run asks, the page comes back whole when it changed.
    index = build_index("no-cache")
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        first = await metadata(server, cache_env)
        index.add_wheel("alpha", "3.0")
        parse_calls.clear()
        server.requests.clear()
        second = await metadata(server, cache_env)
    assert first[0]["version"] == "1.1"
    assert second[0]["version"] == "3.0"
    # Only the changed page was parsed again, and only the new file's metadata.
    assert parse_calls == ["page", "metadata"]
    # Every page was asked for again (no-cache), but of the metadata files only the new
    # one: the others are named by the sha256 the pages give, so they cannot be stale.
    assert sorted(r.path for r in server.requests) == sorted(
        [f"/simple/{name}/" for name in ("alpha", "beta", "gamma", "delta")]
        + ["/files/alpha-3.0-py3-none-any.whl.metadata"]
    )


@pytest.mark.parametrize("damage", ["truncate", "garbage", "swap", "empty", "altered", "format"])
async def test_a_damaged_memo_is_ignored_and_rewritten(
    pki: Pki, cache_env: dict[str, str], damage: str
) -> None:
    index = build_index()
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        cold = await metadata(server, cache_env)
        stored = memo_rows(cache_env)
        rows, contents = list(stored), list(stored.values())
        cache_dir = Path(cache_env["INDEXCLIENT_CACHE_DIR"])
        for i, row in enumerate(rows):
            data = contents[i]
            if damage == "truncate":
                damaged = data[: len(data) // 2]
            elif damage == "garbage":
                damaged = b"\x00" * 40
            elif damage == "swap":  # another question's answer in this row
                damaged = contents[(i + 1) % len(contents)]
            elif damage == "altered":  # well-formed, right key, other metadata bytes
                text = data.decode()
                assert "Name: " in text  # selections carry their file's metadata too
                damaged = text.replace("Name: ", "Name: x", 1).encode()
            elif damage == "format":  # written by another release
                damaged = data.replace(b"indexclient-memo-2", b"indexclient-memo-1", 1)
            else:
                damaged = b""
            cache_db.write(cache_dir, "memo", row, damaged)
        warm = await metadata(server, cache_env)
        again = await metadata(server, cache_env)
    assert warm == again == cold
    assert memo_rows(cache_env) == stored  # computed again and rewritten


async def test_a_page_whose_body_went_bad_is_fetched_when_it_must_be_read(
    pki: Pki, cache_env: dict[str, str], parse_calls: list[str]
) -> None:
    # A fresh page is taken from its cached head; only when no memo answers is its body
    # read, and a body that no longer matches its digest is then asked for again.
    index = build_index()
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        cold = await metadata(server, cache_env)
        root = Path(cache_env["INDEXCLIENT_CACHE_DIR"])
        with cache_db.connected(root) as connection:
            for row, value in memo_rows(cache_env).items():
                if stored_kind(value) == "selection":
                    connection.execute("DELETE FROM memo WHERE id = ?", (row,))
        for row, body in cache_db.rows(root, "bodies").items():
            cache_db.write(root, "bodies", row, body[:-1] + b"~")
        server.requests.clear()
        parse_calls.clear()
        warm = await metadata(server, cache_env)
    assert warm == cold
    assert parse_calls.count("page") == 4
    assert sorted(r.path for r in server.requests) == sorted(
        f"/simple/{name}/" for name in ("alpha", "beta", "gamma", "delta")
    )


async def test_warm_answers_keep_first_index_wins(
    pki: Pki, cache_env: dict[str, str], parse_calls: list[str]
) -> None:
    # Two indexes: "beta" on both (the extra index, asked first, wins), "alpha" on the
    # default only. The extra index's 404 for alpha is not cached, so a warm run asks it
    # again, then takes alpha from the default index's cached page.
    extra = SimpleIndex(prefix="/extra/simple/", files_prefix="/extra/files/", headers=FRESH)
    extra.add_wheel("beta", "9.0")
    default = SimpleIndex(headers=FRESH)
    default.add_wheel("alpha", "1.0")
    default.add_wheel("beta", "1.0")

    def routes(app: web.Application) -> None:
        extra.routes(app)
        default.routes(app)

    async def run(server: LocalServer) -> list[tuple[str, str]]:
        settings_env = {
            **cache_env,
            "UV_DEFAULT_INDEX": f"{server.url}simple/",
            "UV_INDEX": f"{server.url}extra/simple/",
        }
        async with IndexClient(environ=settings_env) as client:
            results = await client.metadata_for(["alpha", "beta"])
        return [(describe(r)["name"], describe(r)["version"]) for r in results]

    async with serve_https(server_context(pki.root.issue_leaf()), routes=routes) as server:
        cold = await run(server)
        server.requests.clear()
        parse_calls.clear()
        warm = await run(server)
    assert cold == warm == [("alpha", "1.0"), ("beta", "9.0")]
    asked = [r.path for r in server.requests]
    assert asked == ["/extra/simple/alpha/"]  # the uncached 404, asked again
    assert parse_calls == []


async def test_metadata_read_from_the_distribution_is_remembered_too(
    pki: Pki, cache_env: dict[str, str], parse_calls: list[str]
) -> None:
    # No .metadata files: the wheel's metadata comes by range requests, the sdist's from
    # the whole file. Both are named by the file's sha256 on the page, so a repeat run
    # asks for nothing and parses nothing.
    index = SimpleIndex(serve_metadata=False, headers=FRESH)
    index.add_wheel("alpha", "1.0", requires_dist=["beta"])
    index.add_sdist("beta", "2.0")
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:

        async def run() -> list[tuple[str, str, str]]:
            async with IndexClient(f"{server.url}simple/", environ=cache_env) as client:
                results = await client.metadata_for(["alpha", "beta"])
            return [(r["name"], r["version"], r["source"]) for r in map(describe, results)]

        cold = await run()
        cold_requests = len(server.requests)
        parse_calls.clear()
        warm = await run()
    assert cold == warm == [("alpha", "1.0", "range"), ("beta", "2.0", "sdist")]
    assert len(server.requests) == cold_requests
    assert parse_calls == []


def test_keys_name_everything_the_answer_depends_on() -> None:
    base = ("https://i.example/simple/a/", "application/vnd.pypi.simple.v1+json", "ab" * 32)
    key = selection_key(*base, "a")
    assert key == selection_key(*base, "a")
    assert key != selection_key(*base, "a>1")
    assert key != selection_key(*base[:2], "cd" * 32, "a")
    assert key != selection_key("https://other.example/simple/a/", *base[1:], "a")
    assert key != selection_key(base[0], "text/html", base[2], "a")


def test_a_selection_survives_json(tmp_path: Path) -> None:
    page = parse_project_page(
        json.dumps(
            {
                "meta": {"api-version": "1.1"},
                "name": "a",
                "versions": ["1.0"],
                "files": [
                    {
                        "filename": "a-1.0-py3-none-any.whl",
                        "url": "https://f.example/a-1.0-py3-none-any.whl",
                        "hashes": {"sha256": "00" * 32},
                        "requires-python": ">=3.8",
                        "core-metadata": {"sha256": "11" * 32},
                        "size": 10,
                        "upload-time": "2026-01-02T03:04:05.123456Z",
                        "yanked": False,
                    },
                    {"filename": "a-1.0.tar.gz", "url": "a-1.0.tar.gz", "hashes": {}},
                ],
            }
        ).encode(),
        "application/vnd.pypi.simple.v1+json",
        "https://i.example/simple/a/",
    )
    selection = select_files(page, "a")
    assert selection is not None
    memo = Memo(tmp_path)
    memo.put("selection", "k", selection_to_json(selection))
    assert selection_from_json(memo.get("selection", "k")) == selection
    assert memo.get("selection", "other key") is None
    stored = selection_to_json(selection)
    bad: list[object] = [
        None,
        [],
        {},
        {"files": []},
        {**stored, "version": "x!"},
        {**stored, "files": [dict.fromkeys("abcdefghij")]},  # a file that is not a list
        {**stored, "files": [stored["files"][0][:-1]]},  # one value short
    ]
    for data in bad:
        assert selection_from_json(data) is None


SAMPLES = [
    b"Metadata-Version: 2.4\nName: full\nVersion: 1.0\nSummary: s\nKeywords: a, b\n"
    b"Requires-Dist: x>=1\nRequires-Dist: y ; extra == 'e'\nProvides-Extra: e\n"
    b"Project-URL: Home, https://h.example\nClassifier: A\nClassifier: B\n"
    b"License-Expression: MIT\nDynamic: Requires-Dist\n\nLong description\nhere\n",
    b"Metadata-Version: 2.1\nName: latin\nVersion: 1\nAuthor: J\xe9r\xf4me\n",
    b"Metadata-Version: 2.1\nName: lic\nVersion: 1\nLicense-File: LICENSE\n",
    b"Name: noversion-field\nVersion: 1\n",
    b"Metadata-Version: 2.1\nName: bad\nVersion: 1\nRequires-Dist: not a requirement!!\n",
    b"Metadata-Version: 2.1\nName: legacy\nVersion: 1.0-foo-bar\n",
    b"\xef\xbb\xbfMetadata-Version: 2.9\r\nName: bom\r\nVersion: 2\r\nSummary: x\r\n",
]


@pytest.mark.parametrize("judged", [False, True])
@pytest.mark.parametrize("raw", SAMPLES)
def test_metadata_from_the_memo_equals_the_parse(raw: bytes, judged: bool) -> None:
    """Remembered before or after its verdict (stored once reached, else reached on
    first use, from the same bytes), the metadata reads back the same."""
    parsed = parse_metadata(raw, "https://f.example/m")
    if judged:
        assert isinstance(parsed.valid, bool)
    memo = json.loads(json.dumps(parsed.to_memo()))  # as stored on disk
    assert (memo["valid"] is None) is not judged
    again = CoreMetadata.from_memo("https://f.example/m", memo)
    assert again is not None
    for attribute in ("url", "raw", "text", "raw_fields", "valid", "problems", "name"):
        assert getattr(again, attribute) == getattr(parsed, attribute), attribute
    assert dict(again.unparsed) == dict(parsed.unparsed)
    assert again.to_json() == parsed.to_json()
    assert again == parsed
    if parsed.metadata is None:
        assert again.metadata is None
    else:
        assert again.metadata is not None
        for field in ("name", "version", "requires_dist", "requires_python", "keywords"):
            assert getattr(again.metadata, field) == getattr(parsed.metadata, field), field
    # What a caller does to a returned dict does not reach the memo.
    again.to_json()["name"] = "changed"
    assert again.to_json() == parsed.to_json()


@pytest.mark.parametrize(
    "memo",
    [
        None,
        [],
        {},
        {"raw_fields": {}, "unparsed": {}, "json": {}, "problems": []},
        {"raw": "", "raw_fields": {}, "unparsed": {}, "json": {}, "problems": [], "valid": None},
        {"raw": "", "raw_fields": {}, "unparsed": {}, "json": {}, "problems": None, "valid": True},
        {
            "raw": "\u20ac",
            "raw_fields": {},
            "unparsed": {},
            "json": {},
            "problems": [],
            "valid": True,
        },
    ],
)
def test_a_foreign_metadata_memo_is_refused(memo: object) -> None:
    assert CoreMetadata.from_memo("u", memo) is None


def test_the_stored_form_of_a_value(tmp_path: Path) -> None:
    # A row named by the sha256 of the kind and the key, holding the magic, then the key
    # and the value as JSON: the key is checked on reading.
    memo = Memo(tmp_path)
    memo.put("selection", "the key", {"answer": 42})
    row = cache_db.memo_row("selection", "the key")
    stored = b'indexclient-memo-2\n{"key":"the key","value":{"answer":42}}'
    assert cache_db.rows(tmp_path, "memo") == {row: stored}
    cache_db.write(tmp_path, "memo", row, stored.replace(b"42", b"43"))
    assert memo.get("selection", "the key") == {"answer": 43}
    assert memo.get("metadata", "the key") is None  # another kind: another row
    cache_db.write(tmp_path, "memo", row, stored.replace(b"the key", b"another"))
    assert memo.get("selection", "the key") is None


def test_a_memo_of_the_file_layout_is_not_read(tmp_path: Path) -> None:
    # Releases before the database kept one file per value, at
    # memo/<kind>/<xx>/<sha256 of kind and key>.json: such a file is simply not used
    # (and nothing fails), the value is computed again and stored in the database.
    digest = hashlib.sha256(b"selection\nthe key").hexdigest()
    path = tmp_path / "memo" / "selection" / digest[:2] / f"{digest}.json"
    path.parent.mkdir(parents=True)
    old = b'indexclient-memo-2\n{"key":"the key","value":{"answer":42}}'
    path.write_bytes(old)
    memo = Memo(tmp_path)
    assert memo.get("selection", "the key") is None
    memo.put("selection", "the key", {"answer": 43})
    assert memo.get("selection", "the key") == {"answer": 43}
    assert path.read_bytes() == old  # left alone


async def test_a_new_selection_is_written_once(
    pki: Pki, cache_env: dict[str, str], parse_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold metadata_for writes each new selection once, with its metadata (it was
    written for the choice and again for the metadata); choose() alone writes it too,
    and so does a requirement whose metadata cannot be read: the next run parses no
    page for any of them."""
    index = build_index()
    index.add_wheel("broken", "1.0").claimed_metadata_sha256 = "0" * 64
    writes: list[str] = []
    put = Memo.put

    def counted(self: Memo, kind: str, key: str, value: object) -> None:
        if kind == "selection":
            writes.append(key)
        put(self, kind, key, value)

    monkeypatch.setattr(Memo, "put", counted)
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        async with IndexClient(f"{server.url}simple/", environ=cache_env) as client:
            results = await client.metadata_for(["alpha", "beta<2", "broken"])
            await client.choose("gamma==1.0")
        assert isinstance(results[2], IndexClientError)
        assert len(writes) == len(set(writes)) == 4
        parse_calls.clear()
        async with IndexClient(f"{server.url}simple/", environ=cache_env) as client:
            again = await client.metadata_for(["alpha", "beta<2"])
            await client.choose("gamma==1.0")
            broken = await client.choose("broken")
    assert [describe(r) for r in again] == [describe(r) for r in results[:2]]
    assert str(broken.version) == "1.0"
    assert "page" not in parse_calls


def _described(result: MetadataResult | IndexClientError) -> dict[str, Any]:
    if isinstance(result, IndexClientError):
        return {"name": type(result).__name__, "error": str(result)}
    return describe(result)


async def test_answers_found_in_a_batch_are_those_found_one_by_one(
    pki: Pki, cache_env: dict[str, str], parse_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm run answers the requirements of its window together (heads, then
    remembered answers, each read in a batch): the same answers, in the same places,
    as one requirement at a time, whatever is mixed in (a project the index does not
    have, a requirement that does not parse, a repeat)."""
    index = build_index()
    asked = [
        "alpha",
        "nope",
        "beta<2",
        "alpha",
        "not a requirement!",
        "gamma==1.0",
        "delta[extra]>=1 ; python_version >= '3'",
    ]
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        url = f"{server.url}simple/"
        async with IndexClient(url, environ=cache_env) as client:
            cold = [_described(r) for r in await client.metadata_for(asked)]
        parse_calls.clear()
        waited: list[str] = []
        one = IndexClient._one

        def counted(self: IndexClient, requirement: str, *args: Any) -> Any:
            waited.append(requirement)
            return one(self, requirement, *args)

        monkeypatch.setattr(IndexClient, "_one", counted)
        async with IndexClient(url, environ=cache_env) as client:
            batched = [_described(r) async for r in client.iter_metadata(asked)]
        assert parse_calls == []
        # All but the two that cannot be answered from the cache are answered at once.
        assert waited == ["nope", "not a requirement!"]
        async with IndexClient(url, environ=cache_env) as client:
            one_by_one = []
            for requirement in asked:
                one_by_one += [_described(r) async for r in client.iter_metadata([requirement])]
    assert batched == one_by_one == cold
    assert [r["name"] for r in batched] == [
        "alpha",
        "ProjectNotFound",
        "beta",
        "alpha",
        "ConfigurationError",
        "gamma",
        "delta",
    ]
