"""Core metadata through IndexClient: each path, over a local TLS index."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import zipfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from conftest import Pki
from packaging.version import Version

from indexclient import IndexClient, MetadataResult
from indexclient.errors import DigestMismatchError, MetadataError, ProjectNotFound
from indexclient.testing.index import IndexedFile, SimpleIndex, tiny_wheel
from indexclient.testing.pki import server_context
from indexclient.testing.servers import LocalServer, serve_https


@asynccontextmanager
async def index_client(
    pki: Pki, ca_env: dict[str, str], index: SimpleIndex
) -> AsyncIterator[tuple[IndexClient, LocalServer]]:
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env) as client,
    ):
        yield client, server


def file_requests(server: LocalServer, filename: str) -> list[str | None]:
    """The Range header of every request for ``filename`` (None: a whole-file GET)."""
    return [r.headers.get("Range") for r in server.requests if r.path == f"/files/{filename}"]


def big_wheel(name: str, version: str, padding: int) -> IndexedFile:
    """A wheel with ``padding`` incompressible bytes before its metadata."""
    filename, content, metadata = tiny_wheel(name, version, requires_dist=["attrs"])
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.bin", os.urandom(padding), zipfile.ZIP_STORED)
        for info in source.infolist():
            archive.writestr(info, source.read(info))
    return IndexedFile(filename, out.getvalue(), metadata)


async def test_pep658_metadata_file(pki: Pki, ca_env: dict[str, str]) -> None:
    index = SimpleIndex()
    wheel = index.add_wheel("alpha", "1.0", requires_dist=["beta>=2"])
    async with index_client(pki, ca_env, index) as (client, server):
        (result,) = await client.metadata_for(["alpha"])
    assert isinstance(result, MetadataResult)
    assert result.source == "pep658"
    assert result.metadata.requires_dist == ("beta>=2",)
    assert result.metadata.to_json()["requires_dist"] == ["beta>=2"]
    # Only the .metadata file was read, never the wheel.
    assert file_requests(server, wheel.filename) == []
    assert file_requests(server, wheel.filename + ".metadata") == [None]


async def test_metadata_digest_mismatch_is_an_error(pki: Pki, ca_env: dict[str, str]) -> None:
    index = SimpleIndex()
    wheel = index.add_wheel("alpha", "1.0")
    wheel.claimed_metadata_sha256 = "0" * 64
    async with index_client(pki, ca_env, index) as (client, _):
        (result,) = await client.metadata_for(["alpha"])
    assert isinstance(result, DigestMismatchError)
    assert result.algorithm == "sha256"
    assert result.expected == "0" * 64


async def test_range_requests_read_only_the_tail_and_metadata(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    index = SimpleIndex(serve_metadata=False)
    wheel = index.add_file("alpha", big_wheel("alpha", "1.0", padding=3 * 1024 * 1024))
    async with index_client(pki, ca_env, index) as (client, server):
        (result,) = await client.metadata_for(["alpha"])
    assert isinstance(result, MetadataResult), result
    assert result.source == "range"
    assert result.metadata.requires_dist == ("attrs",)
    ranges = file_requests(server, wheel.filename)
    assert None not in ranges, "the whole wheel must not be fetched"
    assert ranges[0] == "bytes=-65536"
    assert len(ranges) <= 3


async def test_no_ranges_reads_the_whole_wheel_and_remembers_the_host(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    index = SimpleIndex(serve_metadata=False, ranges=False)
    first = index.add_wheel("alpha", "1.0", requires_dist=["gamma"])
    second = index.add_wheel("beta", "1.0")
    async with index_client(pki, ca_env, index) as (client, server):
        (one,) = await client.metadata_for(["alpha"])
        (two,) = await client.metadata_for(["beta"])
    assert isinstance(one, MetadataResult)
    assert isinstance(two, MetadataResult)
    assert (one.source, two.source) == ("wheel", "wheel")
    assert one.metadata.requires_dist == ("gamma",)
    assert file_requests(server, first.filename) == ["bytes=-65536", None]
    # The host is known not to do ranges: straight to the whole file.
    assert file_requests(server, second.filename) == [None]


@pytest.mark.parametrize(
    ("metadata_version", "dynamic", "reliable"),
    [("2.2", ["Requires-Dist"], True), ("2.2", [], True), ("2.1", [], False)],
)
async def test_sdist_pkg_info(
    pki: Pki, ca_env: dict[str, str], metadata_version: str, dynamic: list[str], reliable: bool
) -> None:
    index = SimpleIndex()
    sdist = index.add_sdist("alpha", "1.0", metadata_version=metadata_version, dynamic=dynamic)
    async with index_client(pki, ca_env, index) as (client, _):
        page = await client.project("alpha")
        found = await client.core_metadata(page.files[0])
    assert found.file.filename == sdist.filename
    assert found.source == "sdist"
    assert found.reliable is reliable
    assert ("requires-dist" in found.dynamic) is bool(dynamic)


async def test_wheel_preferred_over_sdist(pki: Pki, ca_env: dict[str, str]) -> None:
    index = SimpleIndex()
    index.add_sdist("alpha", "2.0")
    index.add_wheel("alpha", "2.0")
    async with index_client(pki, ca_env, index) as (client, _):
        (result,) = await client.metadata_for(["alpha"])
    assert isinstance(result, MetadataResult)
    assert result.file.is_wheel


async def test_metadata_for_many_in_order_with_progress(pki: Pki, ca_env: dict[str, str]) -> None:
    index = SimpleIndex()
    for i in range(8):
        index.add_wheel(f"p{i}", "1.0")
        index.add_wheel(f"p{i}", "2.0", yanked="bad")
    seen: list[tuple[int, int]] = []
    requirements = [f"p{i}" for i in range(8)] + ["p3==2.0", "missing"]
    async with index_client(pki, ca_env, index) as (client, _):
        results = await client.metadata_for(requirements, progress=lambda d, t: seen.append((d, t)))
    assert [r.requirement for r in results[:9] if isinstance(r, MetadataResult)] == requirements[:9]
    assert [r.version for r in results[:8] if isinstance(r, MetadataResult)] == [Version("1.0")] * 8
    pinned = results[8]
    assert isinstance(pinned, MetadataResult)
    assert pinned.version == Version("2.0")  # yanked, but pinned with ==
    assert not isinstance(results[9], MetadataResult)
    assert seen == [(i, 10) for i in range(1, 11)]


async def test_local_wheel_read_by_ranges(tmp_path: Path) -> None:
    wheel = big_wheel("alpha", "1.0", padding=256 * 1024)
    (tmp_path / wheel.filename).write_bytes(wheel.content)
    async with IndexClient(str(tmp_path), environ={}) as client:
        (result,) = await client.metadata_for(["alpha"])
    assert isinstance(result, MetadataResult)
    assert result.source == "range"
    assert result.metadata.requires_dist == ("attrs",)


async def test_metadata_naming_another_project_is_refused(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    """A hostile index serves another project's metadata under alpha's file: the batch
    path refuses it as the hash-checking path does, and does not remember it."""
    index = SimpleIndex()
    _, _, beta_metadata = tiny_wheel("beta", "1.0")
    index.add_wheel("alpha", "1.0").metadata = beta_metadata
    environ = {**ca_env, "INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache")}
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        for _ in range(2):  # the second run must not take it from the memo
            async with IndexClient(f"{server.url}simple/", environ=environ) as client:
                (result,) = await client.metadata_for(["alpha"])
                (streamed,) = [r async for r in client.iter_metadata(["alpha"])]
            assert isinstance(result, MetadataError), result
            assert "the metadata names beta, not alpha" in str(result)
            assert isinstance(streamed, MetadataError)


async def test_iter_metadata_in_order_within_a_window(pki: Pki, ca_env: dict[str, str]) -> None:
    """iter_metadata gives metadata_for's answers in input order, reads its input as it
    goes, and never has more than its window of requirements started and not yielded."""
    index = SimpleIndex()
    for i in range(40):
        index.add_wheel(f"p{i}", "1.0")
    requirements = [f"p{i}" for i in range(40)] + ["missing"]
    pulled = 0

    def source() -> Iterator[str]:
        nonlocal pulled
        for requirement in requirements:
            pulled += 1
            yield requirement

    async with index_client(pki, ca_env, index) as (client, server):
        client_window = 4 * client.settings.concurrency.value
        batch = await client.metadata_for(requirements)
        ahead: list[int] = []
        finished: list[int] = []
        streamed = []
        async for result in client.iter_metadata(source(), progress=finished.append):
            streamed.append(result)
            ahead.append(pulled - len(streamed))
    assert [describe(r) for r in streamed] == [describe(r) for r in batch]
    assert isinstance(streamed[-1], ProjectNotFound)
    assert finished == list(range(1, 42))
    assert max(ahead) < client_window
    assert len(server.requests) == 2 * (2 * 40 + 1)  # each run: 40 pages + 40 files, 1 miss


async def test_iter_metadata_small_window_and_early_exit(pki: Pki, ca_env: dict[str, str]) -> None:
    """With concurrency 1 (a window of 16) at most 16 requirements are ever started
    ahead of the consumer, and closing the iterator early cancels those in flight: the
    requests stop."""
    index = SimpleIndex()
    for i in range(60):
        index.add_wheel(f"p{i}", "1.0")
    environ = {**ca_env, "UV_CONCURRENT_DOWNLOADS": "1"}
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server,
        IndexClient(f"{server.url}simple/", environ=environ) as client,
    ):
        names = iter([f"p{i}" for i in range(60)])
        got = []
        async with contextlib.aclosing(client.iter_metadata(names)) as results:
            async for result in results:
                got.append(result)
                if len(got) == 3:
                    break
        await asyncio.sleep(0.05)  # a request already sent when cancelled still arrives
        seen = len(server.requests)
        await asyncio.sleep(0.1)
        assert len(server.requests) == seen
        left = list(names)
    assert [r.name for r in got if isinstance(r, MetadataResult)] == ["p0", "p1", "p2"]
    # Read: the three yielded, and the window's other 15 started behind the third.
    assert len(left) == 60 - 3 - 15
    pages = {r.path for r in server.requests if r.path.startswith("/simple/")}
    assert len(pages) <= 3 + 16


def describe(result: object) -> object:
    if isinstance(result, MetadataResult):
        return (result.requirement, str(result.version), result.file.filename, result.source)
    return (type(result).__name__, str(result))


async def test_metadata_declaring_a_multipart_body_is_read_and_remembered(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    """A hostile .metadata says its body is multipart: the email package then gives
    message objects, which used to crash remembering it (a traceback, not an answer).
    It is an answer, read twice the same way (the second time from the memo)."""
    index = SimpleIndex()
    wheel = index.add_wheel("alpha", "1.0")
    wheel.metadata = (
        b"Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\n\nhello\n--x--\n"
    )
    environ = {**ca_env, "INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache")}
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        answers = []
        for _ in range(2):
            async with IndexClient(f"{server.url}simple/", environ=environ) as client:
                (result,) = await client.metadata_for(["alpha"])
            assert isinstance(result, MetadataResult), result
            answers.append((result.metadata.to_json(), result.metadata.unparsed))
        metadata_requests = [r for r in server.requests if r.path.endswith(".metadata")]
    assert answers[0] == answers[1]
    assert answers[0][1]["description"] == ["\nhello"]
    assert len(metadata_requests) == 1  # remembered by its digest
