"""Misbehaving servers met through IndexClient: a clear error or a successful retry each.

Every case also checks what it leaves behind: no file in the download directory, no
connection the server still serves, and no pending task.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import Pki

from indexclient import IndexClient
from indexclient.errors import (
    ConnectError,
    DigestMismatchError,
    IndexClientError,
    ParseError,
    RedirectError,
    RequestTimeoutError,
    ResponseError,
    ResponseTooLargeError,
)
from indexclient.simple import DistributionFile, FrozenDict
from indexclient.testing.faults import (
    FaultServer,
    Reply,
    byte_by_byte,
    fault_server,
    gzip_bomb,
    ok,
    redirect,
    reset_mid_body,
    stall,
    status,
    wrong_content_length,
)
from indexclient.testing.pki import server_context
from indexclient.transport.http import RetryPolicy

PAGE = b'<!DOCTYPE html><a href="/files/demo-1.0.tar.gz#sha256=00">demo-1.0.tar.gz</a>'
FAST = RetryPolicy(retries=2, backoff_base=0.01)


@pytest.fixture
async def server(pki: Pki) -> AsyncIterator[FaultServer]:
    async with fault_server(server_context(pki.root.issue_leaf())) as running:
        yield running
    assert running.active == 0, "no connection outlives the test"
    current = asyncio.current_task()
    assert [t for t in asyncio.all_tasks() if t is not current and not t.done()] == []


def client(server: FaultServer, ca_env: dict[str, str], **options: object) -> IndexClient:
    # A short stall timeout: a stalled server must end the request quickly.
    env = {**ca_env, "UV_HTTP_TIMEOUT": "0.3"}
    return IndexClient(server.url, environ=env, retry=FAST, **options)  # type: ignore[arg-type]


async def project_of(server: FaultServer, ca_env: dict[str, str], **options: object) -> object:
    async with client(server, ca_env, **options) as c:
        return await c.project("demo")


RECOVERED: dict[str, list[Reply | object]] = {
    "503 storm then 200": [
        status(503, retry_after="0"),
        status(503),
        ok(PAGE, content_type="text/html"),
    ],
    "reset mid-body then 200": [reset_mid_body(PAGE, sent=10), ok(PAGE, content_type="text/html")],
    "byte by byte": [byte_by_byte(PAGE, delay=0.0005, content_type="text/html")],
}


@pytest.mark.parametrize("case", RECOVERED)
async def test_recovered(server: FaultServer, ca_env: dict[str, str], case: str) -> None:
    server.script("/demo/", RECOVERED[case])  # type: ignore[arg-type]
    page = await project_of(server, ca_env)
    assert [f.filename for f in page.files] == ["demo-1.0.tar.gz"]  # type: ignore[attr-defined]


FAILED: dict[str, tuple[list[Reply | object], type[IndexClientError], str]] = {
    "500 storm": ([status(500)], ResponseError, "500"),
    "wrong Content-Length": ([wrong_content_length(PAGE)], ConnectError, "cut short"),
    "stall before headers": ([stall(after_headers=False)], RequestTimeoutError, "timed out"),
    "stall mid-body": ([stall(after_headers=True)], RequestTimeoutError, "timed out"),
    "redirect loop": ([redirect("/demo/")], RedirectError, "redirects"),
    "invalid UTF-8": (
        [ok(b"<a href='x'>\xff\xfe\xfa</a>", content_type="text/html; charset=utf-8")],
        ParseError,
        "decode",
    ),
    "wrong content type": (
        [ok(b"%PDF-1.4", content_type="application/pdf")],
        ParseError,
        "application/pdf",
    ),
    "gzip bomb": ([gzip_bomb(decoded_size=64 * 1024 * 1024)], ResponseTooLargeError, "larger than"),
    "oversized page": (
        [ok(b"<a>" * 300_000, content_type="text/html")],
        ResponseTooLargeError,
        "larger than",
    ),
}


@pytest.mark.parametrize("case", FAILED)
async def test_failed_with_a_clear_error(
    server: FaultServer, ca_env: dict[str, str], case: str
) -> None:
    replies, error, words = FAILED[case]
    server.script("/demo/", replies)  # type: ignore[arg-type]
    with pytest.raises(error) as caught:
        await project_of(server, ca_env, max_page_size=512 * 1024)
    assert words in str(caught.value), str(caught.value)
    assert server.url.rstrip("/") in str(caught.value)


async def test_stall_is_cut_at_the_configured_timeout(
    server: FaultServer, ca_env: dict[str, str]
) -> None:
    server.script("/demo/", [stall(after_headers=False)])
    env = {**ca_env, "UV_HTTP_TIMEOUT": "0.2", "UV_HTTP_RETRIES": "0"}
    async with IndexClient(server.url, environ=env) as c:
        with pytest.raises(RequestTimeoutError):
            await asyncio.wait_for(c.project("demo"), timeout=10)  # the test's own backstop
    assert server.hits("/demo/") == 1


def wheel_file(server: FaultServer, body: bytes, digest: str | None = None) -> DistributionFile:
    sha256 = digest or hashlib.sha256(body).hexdigest()
    return DistributionFile(
        "demo-1.0-py3-none-any.whl",
        f"{server.url}files/demo-1.0-py3-none-any.whl",
        hashes=FrozenDict({"sha256": sha256}),
    )


BODY = bytes(range(256)) * 1024


@pytest.mark.parametrize(
    ("replies", "digest", "error"),
    [
        ([reset_mid_body(BODY, sent=1000)], None, ConnectError),
        ([wrong_content_length(BODY)], None, ConnectError),
        ([stall(after_headers=True)], None, RequestTimeoutError),
        ([ok(BODY)], "0" * 64, DigestMismatchError),
        ([status(503)], None, ResponseError),
    ],
    ids=["reset", "short body", "stall", "hash mismatch", "503 storm"],
)
async def test_failed_downloads_leave_nothing(
    server: FaultServer,
    ca_env: dict[str, str],
    tmp_path: Path,
    replies: list[Reply],
    digest: str | None,
    error: type[IndexClientError],
) -> None:
    server.script("/files/demo-1.0-py3-none-any.whl", replies)
    env = {**ca_env, "UV_HTTP_TIMEOUT": "0.3"}
    async with IndexClient(server.url, environ=env, retry=FAST) as c:
        with pytest.raises(error):
            await c.download(wheel_file(server, BODY, digest), tmp_path)
    assert list(tmp_path.iterdir()) == []
