"""An index's ``cache-control`` (uv's ``[[index]]`` key) decides how its pages are kept.

uv stores the table's ``api`` value in place of the Cache-Control header the index sends
with its pages (uv's ``IndexCacheControl``): a server that says nothing can be cached for
a while, and one that says "keep for ten minutes" can be asked every time. The servers
are real, over TLS on 127.0.0.1; each counts the requests it gets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler
from conftest import Pki

from indexclient import IndexClient, Settings
from indexclient.testing.index import SimpleIndex
from indexclient.testing.pki import server_context
from indexclient.testing.servers import Routes, serve_https, serve_in_thread
from support.index_lab import find_uv, uv_compile

UV = find_uv()

PAGE = b'<a href="/files/demo-1.0.tar.gz#sha256=00">demo-1.0.tar.gz</a>'


class Counting:
    def __init__(self, cache_control: str | None) -> None:
        self.cache_control = cache_control
        self.seen = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.seen += 1
        headers = {} if self.cache_control is None else {"Cache-Control": self.cache_control}
        return web.Response(body=PAGE, content_type="text/html", headers=headers)


async def _runs(
    server_says: str | None, table: str, tmp_path: Path, ca_env: dict[str, str], pki: Pki
) -> int:
    """Two runs against one index configured in a uv.toml; the requests it got."""
    index = Counting(server_says)
    async with serve_https(server_context(pki.root.issue_leaf()), index.handle) as server:
        tmp_path.mkdir()
        config = tmp_path / "uv.toml"
        config.write_text(f'[[index]]\nurl = "{server.url}simple/"\ndefault = true\n{table}')
        environ = {
            **ca_env,
            "UV_CONFIG_FILE": str(config),
            "INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache"),
        }
        for _ in range(2):
            settings = Settings.discover(environ, cwd=str(tmp_path))
            async with IndexClient(settings=settings) as client:
                page = await client.project("demo")
            assert [f.filename for f in page.files] == ["demo-1.0.tar.gz"]
    return index.seen


async def test_api_cache_control_keeps_pages_the_server_gives_no_lifetime(
    tmp_path: Path, ca_env: dict[str, str], pki: Pki
) -> None:
    assert await _runs(None, "", tmp_path / "a", ca_env, pki) == 2  # asked again
    table = 'cache-control = { api = "max-age=600" }'
    assert await _runs(None, table, tmp_path / "b", ca_env, pki) == 1


async def test_api_cache_control_overrides_the_servers_lifetime(
    tmp_path: Path, ca_env: dict[str, str], pki: Pki
) -> None:
    assert await _runs("max-age=600", "", tmp_path / "a", ca_env, pki) == 1
    table = 'cache-control = { api = "no-store" }'
    assert await _runs("max-age=600", table, tmp_path / "b", ca_env, pki) == 2
    table = 'cache-control = { files = "max-age=600" }'  # files only: pages as served
    assert await _runs(None, table, tmp_path / "c", ca_env, pki) == 2


# --------------------------------------------------------------------------- against uv


def _lab(server_says: str | None) -> tuple[SimpleIndex, list[str], Routes]:
    """A real index whose project pages carry ``server_says`` as Cache-Control (or none),
    recording the page requests."""
    index = SimpleIndex()
    index.add_wheel("demo", "1.0")
    pages: list[str] = []

    @web.middleware
    async def header(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if request.path.startswith("/simple/demo"):
            pages.append(request.path)
            response.headers.popall("Cache-Control", None)
            if server_says is not None:
                response.headers["Cache-Control"] = server_says
        return response

    def routes(app: web.Application) -> None:
        app.middlewares.append(header)
        index.routes(app)

    return index, pages, routes


@pytest.mark.skipif(UV is None, reason="uv is not installed")
@pytest.mark.parametrize(
    ("server_says", "api", "requests"),
    [(None, "max-age=600", 1), ("max-age=600", "no-store", 2), (None, None, 2)],
)
def test_uv_keeps_pages_as_its_cache_control_says_and_so_does_indexclient(
    tmp_path: Path, server_says: str | None, api: str | None, requests: int
) -> None:
    """uv pins: ``[[index]] cache-control.api`` replaces the server's header for the
    index's pages (a second ``uv pip compile`` with the same cache asks again, or not);
    indexclient, run twice with its cache, asks the same number of times."""
    assert UV is not None
    _, pages, routes = _lab(server_says)
    with serve_in_thread(None, routes=routes) as server:
        table = "" if api is None else f'cache-control = {{ api = "{api}" }}\n'
        config = tmp_path / "uv.toml"
        config.write_text(f'[[index]]\nurl = "{server.url}simple/"\ndefault = true\n{table}')
        src = tmp_path / "requirements.in"
        src.write_text("demo\n")
        for _ in range(2):
            result = uv_compile(UV, src, tmp_path, ["--config-file", str(config)], cache=True)
            assert result.versions == {"demo": "1.0"}, result.err
        uv_asked = len(pages)
        del pages[:]
        env = {
            "UV_CONFIG_FILE": str(config),
            "INDEXCLIENT_CACHE_DIR": str(tmp_path / "ic-cache"),
            "PATH": os.environ.get("PATH", ""),
        }
        for _ in range(2):
            done = subprocess.run(
                [sys.executable, "-m", "indexclient", "versions", "demo"],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        assert (uv_asked, len(pages)) == (requests, requests)
