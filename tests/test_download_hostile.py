"""Downloads from a hostile server, and into a careless destination.

A download is bounded while it streams: by the index's PEP 700 size, else by the
Content-Length, else by ``max_size``. A body that ends early against the index's size
fails too. Files get the umask's mode; a file that cannot be written fails alone; and a
SIGTERM, like Ctrl-C, leaves no partial file. docs/security.md states these rules.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import hashlib
import json
import os
import signal
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Pki
from test_cli_process import clean_env
from test_cli_support import PYTHON

from indexclient import IndexClient
from indexclient.errors import (
    DeadlineError,
    FileWriteError,
    ResponseError,
    ResponseTooLargeError,
)
from indexclient.simple import DistributionFile, FrozenDict
from indexclient.testing.faults import byte_by_byte, endless_body, fault_server, ok, stall
from indexclient.testing.pki import server_context
from indexclient.transport.http import RetryPolicy

WHEEL = "demo-1.0-py3-none-any.whl"
BODY = bytes(range(256)) * 256  # 64 KiB
NO_RETRY = RetryPolicy(retries=0)


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


def wheel(url: str, *, body: bytes = BODY, size: int | None = None) -> DistributionFile:
    digest = hashlib.sha256(body).hexdigest()
    return DistributionFile(WHEEL, url, hashes=FrozenDict({"sha256": digest}), size=size)


def client(server_url: str, ca_env: dict[str, str]) -> IndexClient:
    return IndexClient(f"{server_url}simple/", environ=ca_env, retry=NO_RETRY)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "until-close"])
async def test_endless_body_stops_at_the_index_size(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path, chunked: bool
) -> None:
    async with fault_server(tls) as server, client(server.url, ca_env) as http:
        server.script(f"/files/{WHEEL}", endless_body(chunked=chunked))
        file = wheel(f"{server.url}files/{WHEEL}", size=len(BODY))
        with pytest.raises(ResponseTooLargeError, match="more than the 65536 bytes the index"):
            await asyncio.wait_for(http.download(file, tmp_path), 30)
    assert list(tmp_path.iterdir()) == []


async def test_endless_body_without_any_size_stops_at_max_size(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path
) -> None:
    written: list[int] = []
    async with fault_server(tls) as server, client(server.url, ca_env) as http:
        server.script(f"/files/{WHEEL}", endless_body())
        file = wheel(f"{server.url}files/{WHEEL}")
        with pytest.raises(ResponseTooLargeError, match="more than the 1048576 bytes"):
            await asyncio.wait_for(
                http.download(
                    file, tmp_path, max_size=1024 * 1024, progress=lambda d, _t: written.append(d)
                ),
                30,
            )
    assert max(written) <= 1024 * 1024  # never a byte past the cap on disk
    assert list(tmp_path.iterdir()) == []


async def test_a_trickle_ends_at_the_deadline_and_is_not_retried(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path
) -> None:
    # A byte every 20 ms beats any stall timeout; only the overall deadline ends it.
    async with (
        fault_server(tls) as server,
        IndexClient(
            f"{server.url}simple/",
            environ=ca_env,
            retry=RetryPolicy(retries=3, backoff_base=0.01),
            deadline=0.3,
        ) as http,
    ):
        server.script(f"/files/{WHEEL}", byte_by_byte(BODY, delay=0.02))
        with pytest.raises(DeadlineError):
            await http.download(wheel(f"{server.url}files/{WHEEL}"), tmp_path)
    assert server.hits(f"/files/{WHEEL}") == 1
    assert list(tmp_path.iterdir()) == []


async def test_a_retry_does_not_restart_the_deadline(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path
) -> None:
    # The first attempt is cut off after 0.3 s (a retryable failure); the second, sent a
    # byte at a time, would take 0.4 s more. Either fits in the 0.6 s deadline alone;
    # together they cannot, however slow the machine (a slower one only takes longer),
    # and the first still ends well inside it.
    small = b"0123456789" * 2
    trickle = byte_by_byte(small)
    size = len(trickle.message)  # type: ignore[attr-defined]  # the whole response
    trickle = dataclasses.replace(trickle, delay=0.4 / size)  # type: ignore[type-var]
    async with (
        fault_server(tls) as server,
        IndexClient(
            f"{server.url}simple/",
            environ=ca_env,
            retry=RetryPolicy(retries=3, backoff_base=0.001),
            deadline=0.6,
        ) as http,
    ):
        replies = [stall(after_headers=True, seconds=0.3), trickle]
        server.script(f"/files/{WHEEL}", replies)
        with pytest.raises(DeadlineError):
            await http.download(wheel(f"{server.url}files/{WHEEL}", body=small), tmp_path)
    assert server.hits(f"/files/{WHEEL}") == 2
    assert list(tmp_path.iterdir()) == []


async def test_content_length_against_the_index_size_is_refused(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path
) -> None:
    async with fault_server(tls) as server, client(server.url, ca_env) as http:
        server.script(f"/files/{WHEEL}", ok(BODY + b"trailing", content_type="application/zip"))
        file = wheel(f"{server.url}files/{WHEEL}", size=len(BODY))
        with pytest.raises(ResponseError, match="announces 65544 bytes but the index says"):
            await http.download(file, tmp_path)
    assert list(tmp_path.iterdir()) == []


async def test_body_shorter_than_the_index_size_is_refused(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path
) -> None:
    # gzip-encoded, so Content-Length does not give the file's size: only the index does.
    # No hash is advertised, so nothing else would notice the missing bytes.
    short = BODY[:1000]
    headers = {"Content-Encoding": "gzip"}
    async with fault_server(tls) as server, client(server.url, ca_env) as http:
        server.script(f"/files/{WHEEL}", ok(gzip.compress(short), headers=headers))
        file = DistributionFile(WHEEL, f"{server.url}files/{WHEEL}", size=len(BODY))
        with pytest.raises(ResponseError, match="sent 1000 bytes but the index says"):
            await http.download(file, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask_027")
async def test_downloaded_file_gets_the_mode_of_any_new_file(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path
) -> None:
    async with fault_server(tls) as server, client(server.url, ca_env) as http:
        server.script(f"/files/{WHEEL}", ok(BODY))
        result = await http.download(wheel(f"{server.url}files/{WHEEL}"), tmp_path)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o640  # 0o666 under umask 027


async def test_a_name_too_long_for_the_file_system_is_a_clear_error(
    tls: ssl.SSLContext, ca_env: dict[str, str], tmp_path: Path
) -> None:
    long_name = "x" * 300 + "-1.0-py3-none-any.whl"
    async with fault_server(tls) as server, client(server.url, ca_env) as http:
        server.script(f"/files/{long_name}", ok(BODY))
        file = DistributionFile(
            long_name,
            f"{server.url}files/{long_name}",
            hashes=FrozenDict({"sha256": hashlib.sha256(BODY).hexdigest()}),
        )
        with pytest.raises(FileWriteError, match="File name too long") as caught:
            await http.download(file, tmp_path)
    assert caught.value.path == str(tmp_path / long_name)
    assert list(tmp_path.iterdir()) == []


def _page(server_url: str, *files: tuple[str, bytes]) -> bytes:
    return json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "demo",
            "files": [
                {
                    "filename": name,
                    "url": f"{server_url}files/{name}",
                    "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
                }
                for name, body in files
            ],
        }
    ).encode()


JSON = "application/vnd.pypi.simple.v1+json"


async def test_one_unwritable_file_fails_alone(
    tls: ssl.SSLContext, pki: Pki, tmp_path: Path
) -> None:
    long_name = "long" + "x" * 300 + "-1.0-py3-none-any.whl"
    dest = tmp_path / "dest"
    async with fault_server(tls) as server:
        page = _page(server.url, (long_name, BODY))
        server.script("/simple/long/", ok(page, content_type=JSON))
        server.script("/simple/demo/", ok(_page(server.url, (WHEEL, BODY)), content_type=JSON))
        server.script(f"/files/{long_name}", ok(BODY))
        server.script(f"/files/{WHEEL}", ok(BODY))
        process = await asyncio.create_subprocess_exec(
            *(PYTHON, "-m", "indexclient", "download", "long", "demo", "--dest", str(dest)),
            *("--index-url", f"{server.url}simple/", "--no-cache", "-q"),
            env=clean_env(tmp_path, SSL_CERT_FILE=str(pki.ca_file)),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1, err
    assert [p.name for p in dest.iterdir()] == [WHEEL]
    lines = err.decode().splitlines()
    assert lines[0].startswith("error: long: cannot write ")
    assert "File name too long" in lines[0]
    assert "Traceback" not in err.decode()
    assert f"saved {dest / WHEEL}" in out.decode()


async def test_sigterm_leaves_no_partial_file(
    tls: ssl.SSLContext, pki: Pki, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    async with fault_server(tls) as server:
        server.script("/simple/demo/", ok(_page(server.url, (WHEEL, BODY)), content_type=JSON))
        server.script(f"/files/{WHEEL}", stall(after_headers=True))  # head, then silence
        process = await asyncio.create_subprocess_exec(
            *(PYTHON, "-m", "indexclient", "download", "demo", "--dest", str(dest)),
            *("--index-url", f"{server.url}simple/", "--no-cache", "-q"),
            env=clean_env(tmp_path, SSL_CERT_FILE=str(pki.ca_file)),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(600):  # until the download is under way (its file exists)
            if server.hits(f"/files/{WHEEL}") and dest.is_dir() and any(dest.iterdir()):
                break
            await asyncio.sleep(0.05)
        assert any(dest.iterdir()), "the download never started"
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 128 + signal.SIGTERM
    assert list(dest.iterdir()) == []
    assert (out, err) == (b"", b"")
