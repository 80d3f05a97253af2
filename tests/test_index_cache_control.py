"""An index's ``cache-control`` (uv's ``[[index]]`` key) decides how its pages are kept.

uv stores the table's ``api`` value in place of the Cache-Control header the index sends
with its pages (uv's ``IndexCacheControl``): a server that says nothing can be cached for
a while, and one that says "keep for ten minutes" can be asked every time. The servers
are real, over TLS on 127.0.0.1; each counts the requests it gets.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from conftest import Pki

from indexclient import IndexClient, Settings
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_https

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
