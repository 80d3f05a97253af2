"""A hostile HTTPS index links local files: nothing local is ever opened (docs/security.md,
"Links").

The page (HTML, JSON, or HTML whose ``<base href>`` is a file: URL) links a secret file,
a FIFO and ``/dev/zero``. Every way in (``project``, ``choose``, ``metadata_for``,
``download`` after ``choose``, and the command line) fails with UnsafeLinkError naming
the page and the link; the download directory stays empty. The FIFO proves nothing was
opened: a reader would block on it, so a watchdog opens its write end after a while (the
test then fails instead of hanging) and, at the end, checks that no reader holds it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki
from test_cli_support import isolate, run_cli

from indexclient import IndexClient
from indexclient.errors import IndexClientError, UnsafeLinkError
from indexclient.testing.faults import FaultServer, fault_server, ok
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_in_thread
from indexclient.transport.http import RetryPolicy

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")

FILENAME = "demo_pkg-1.0-py3-none-any.whl"
SECRET = b"PK\x05\x06" + b"\x00" * 18  # an empty zip: a download would succeed with it
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
# How long the watchdog lets a reader block on the FIFO before releasing it (only ever
# waited for when the code under test is broken).
TRAP_SECONDS = 3.0


class FifoTrap:
    """A FIFO nobody may open: see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sprung = False
        os.mkfifo(path)
        self._timer = threading.Timer(TRAP_SECONDS, self._release)
        self._timer.daemon = True

    def _release(self) -> bool:
        """Open and close the write end: a reader blocked on the FIFO sees EOF. True when
        a reader had it open (ENXIO otherwise: nobody is reading)."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                return False
            raise
        os.close(fd)
        self.sprung = True
        return True

    def __enter__(self) -> FifoTrap:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self._release()


@pytest.fixture
def targets(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """The local files the hostile pages name: a secret, a FIFO (trapped) and a device."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "secret.whl").write_bytes(SECRET)
    with FifoTrap(secrets / "fifo.whl") as trap:
        yield {
            "secret": secrets / "secret.whl",
            "fifo": trap.path,
            "zero": Path("/dev/zero"),
        }
    assert not trap.sprung, "the FIFO was opened: a remote page reached a local file"


def _page(kind: str, target: Path) -> tuple[bytes, str]:
    """A project page of ``kind`` whose one file is ``target`` as a file: URL."""
    digest = hashlib.sha256(SECRET).hexdigest()
    url = target.as_uri()
    if kind == "html":
        body = f'<!DOCTYPE html><a href="{url}#sha256={digest}">{FILENAME}</a>'
        return body.encode(), "text/html"
    if kind == "base":
        directory, name = target.parent.as_uri() + "/", target.name
        body = (
            f'<!DOCTYPE html><html><head><base href="{directory}"></head>'
            f'<body><a href="{name}#sha256={digest}">{FILENAME}</a></body></html>'
        )
        return body.encode(), "text/html"
    page = {
        "meta": {"api-version": "1.1"},
        "name": "demo-pkg",
        "files": [{"filename": FILENAME, "url": url, "hashes": {"sha256": digest}}],
    }
    return json.dumps(page).encode(), JSON_TYPE


@pytest.fixture
async def server(pki: Pki) -> AsyncIterator[FaultServer]:
    async with fault_server(server_context(pki.root.issue_leaf())) as running:
        yield running


async def _project(client: IndexClient, dest: Path) -> object:
    return await client.project("demo-pkg")


async def _choose(client: IndexClient, dest: Path) -> object:
    return await client.choose("demo-pkg")


async def _metadata_for(client: IndexClient, dest: Path) -> object:
    (result,) = await client.metadata_for(["demo-pkg"])
    if isinstance(result, IndexClientError):
        raise result
    return result


async def _download(client: IndexClient, dest: Path) -> object:
    selection = await client.choose("demo-pkg")
    return await client.download(selection.best, dest)


CALLS: dict[str, Callable[[IndexClient, Path], Awaitable[object]]] = {
    "project": _project,
    "choose": _choose,
    "metadata_for": _metadata_for,
    "download": _download,
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("target", ["secret", "fifo", "zero"])
@pytest.mark.parametrize("kind", ["html", "json", "base"])
async def test_remote_page_never_reaches_a_local_file(
    server: FaultServer,
    ca_env: dict[str, str],
    targets: dict[str, Path],
    tmp_path: Path,
    kind: str,
    target: str,
    call: str,
) -> None:
    body, content_type = _page(kind, targets[target])
    server.script("/simple/demo-pkg/", ok(body, content_type=content_type))
    dest = tmp_path / "dest"
    dest.mkdir()
    page_url = f"{server.url}simple/demo-pkg/"
    async with IndexClient(
        f"{server.url}simple/", environ=ca_env, retry=RetryPolicy(retries=0)
    ) as client:
        with pytest.raises(UnsafeLinkError) as caught:
            await CALLS[call](client, dest)
    error = caught.value
    assert error.url == page_url
    assert error.link == targets[target].as_uri()
    assert str(error) == (
        f"cannot parse {page_url}: refused the link {error.link!r}: "
        "a page served over https may link only http and https URLs"
    )
    assert list(dest.iterdir()) == []
    # Only the page was asked for: nothing was fetched on the link's behalf either.
    assert [r.path for r in server.requests] == ["/simple/demo-pkg/"]


# --------------------------------------------------------------------------- command line


@contextlib.contextmanager
def _hostile_index(pki: Pki, body: bytes, content_type: str) -> Iterator[str]:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path == "/simple/demo-pkg/":
            return web.Response(body=body, headers={"Content-Type": content_type})
        return web.Response(status=404)

    with serve_in_thread(server_context(pki.root.issue_leaf()), handler) as running:
        yield f"{running.url}simple/"


@pytest.mark.parametrize("command", ["project", "metadata", "download"])
@pytest.mark.parametrize("kind", ["html", "json", "base"])
def test_command_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    pki: Pki,
    targets: dict[str, Path],
    kind: str,
    command: str,
) -> None:
    work = isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    body, content_type = _page(kind, targets["fifo"])
    with _hostile_index(pki, body, content_type) as index_url:
        monkeypatch.setenv("UV_DEFAULT_INDEX", index_url)
        dest = tmp_path / "dest"
        extra = ["--dest", str(dest)] if command == "download" else []
        result = run_cli(capsys, command, "demo-pkg", *extra)
    assert result.code == 1, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert f"refused the link {targets['fifo'].as_uri()!r}" in lines[0]
    assert f"{index_url}demo-pkg/" in lines[0]
    assert not dest.exists() or list(dest.iterdir()) == []
    assert list(work.iterdir()) == []
