"""Downloads: verified, atomic, and leaving nothing behind on failure or cancellation."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki

from indexclient import IndexClient
from indexclient.errors import ConnectError, DigestMismatchError, IndexClientError, NotFoundError
from indexclient.simple import DistributionFile
from indexclient.testing.index import SimpleIndex
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_https
from indexclient.transport.http import RetryPolicy

BODY = bytes(range(256)) * 4096  # 1 MiB
FAST_RETRY = RetryPolicy(retries=2, backoff_base=0.01)


def dist_file(url: str, body: bytes = BODY, **hashes: str) -> DistributionFile:
    from indexclient.simple import FrozenDict

    digests = hashes or {"sha256": hashlib.sha256(body).hexdigest()}
    return DistributionFile("demo-1.0-py3-none-any.whl", url, hashes=FrozenDict(digests))


async def test_download_verifies_and_renames(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    index = SimpleIndex()
    index.add_wheel("demo", "1.0")
    progress: list[tuple[int, int | None]] = []
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env) as client,
    ):
        chosen = await client.choose("demo")
        result = await client.download(
            chosen.best, tmp_path, progress=lambda d, t: progress.append((d, t))
        )
    expected = index.projects["demo"][0].content
    assert result.path == tmp_path / chosen.best.filename
    assert result.path.read_bytes() == expected
    assert result.size == len(expected)
    assert result.hashes_checked == ("sha256",)
    assert progress[-1] == (len(expected), len(expected))
    assert sorted(p.name for p in tmp_path.iterdir()) == [chosen.best.filename]


async def test_hash_mismatch_leaves_nothing(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    index = SimpleIndex()
    index.add_wheel("demo", "1.0").claimed_sha256 = "f" * 64
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env) as client,
    ):
        chosen = await client.choose("demo")
        with pytest.raises(DigestMismatchError) as caught:
            await client.download(chosen.best, tmp_path)
    assert caught.value.expected == "f" * 64
    assert list(tmp_path.iterdir()) == []


async def test_body_cut_short_is_retried_then_fails_leaving_nothing(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    attempts = 0

    async def truncated(request: web.Request) -> web.StreamResponse:
        nonlocal attempts
        attempts += 1
        response = web.StreamResponse(headers={"Content-Length": str(len(BODY))})
        await response.prepare(request)
        await response.write(BODY[: len(BODY) // 2])
        assert request.transport is not None
        request.transport.close()
        return response

    async with (
        serve_https(server_context(pki.root.issue_leaf()), truncated) as server,
        IndexClient(server.url, environ=ca_env, retry=FAST_RETRY) as client,
    ):
        with pytest.raises(ConnectError):
            await client.download(dist_file(server.url + "demo.whl"), tmp_path)
    assert attempts == 3
    assert list(tmp_path.iterdir()) == []


async def test_reset_mid_body_then_success(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    attempts = 0

    async def flaky(request: web.Request) -> web.StreamResponse:
        nonlocal attempts
        attempts += 1
        response = web.StreamResponse(headers={"Content-Length": str(len(BODY))})
        await response.prepare(request)
        if attempts == 1:
            await response.write(BODY[:1000])
            assert request.transport is not None
            request.transport.close()
            return response
        await response.write(BODY)
        return response

    async with (
        serve_https(server_context(pki.root.issue_leaf()), flaky) as server,
        IndexClient(server.url, environ=ca_env, retry=FAST_RETRY) as client,
    ):
        result = await client.download(dist_file(server.url + "demo.whl"), tmp_path)
    assert result.path.read_bytes() == BODY
    assert [p.name for p in tmp_path.iterdir()] == [result.path.name]


async def test_cancelled_download_leaves_nothing(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    started = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(BODY))})
        await response.prepare(request)
        await response.write(BODY[:65536])
        await asyncio.sleep(30)  # never finishes within the test
        return response

    async with (
        serve_https(server_context(pki.root.issue_leaf()), slow) as server,
        IndexClient(server.url, environ=ca_env) as client,
    ):
        task = asyncio.create_task(
            client.download(
                dist_file(server.url + "demo.whl"), tmp_path, progress=lambda d, t: started.set()
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        assert any(tmp_path.iterdir()), "a temporary file exists while downloading"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert list(tmp_path.iterdir()) == []


async def test_not_found(pki: Pki, ca_env: dict[str, str], tmp_path: Path) -> None:
    async def missing(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    async with (
        serve_https(server_context(pki.root.issue_leaf()), missing) as server,
        IndexClient(server.url, environ=ca_env) as client,
    ):
        with pytest.raises(NotFoundError):
            await client.download(dist_file(server.url + "demo.whl"), tmp_path)
    assert list(tmp_path.iterdir()) == []


async def test_unsafe_filename_refused(tmp_path: Path) -> None:
    target = tmp_path / "dest"
    target.mkdir()
    file = DistributionFile("../escape.whl", (tmp_path / "x.whl").as_uri())
    async with IndexClient(str(tmp_path), environ={}) as client:
        with pytest.raises(IndexClientError, match="unsafe filename"):
            await client.download(file, target)
    assert list(target.iterdir()) == []
    assert not (tmp_path / "escape.whl").exists()


async def test_local_file_download_is_verified(tmp_path: Path) -> None:
    source = tmp_path / "demo-1.0-py3-none-any.whl"
    source.write_bytes(BODY)
    dest = tmp_path / "dest"
    dest.mkdir()
    async with IndexClient(str(tmp_path), environ={}) as client:
        good = await client.download(dist_file(source.as_uri()), dest)
        with pytest.raises(DigestMismatchError):
            await client.download(dist_file(source.as_uri(), sha256="0" * 64), dest)
    assert good.path.read_bytes() == BODY
    assert [p.name for p in dest.iterdir()] == [source.name]
