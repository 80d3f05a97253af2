"""A 404 or 410 from an index is cached like a page (docs/security.md, "The cache").

Two indexes on 127.0.0.1, both real servers over TLS: the first answers 404 (or 410) for
project demo, the second has it. "Not on the first index" is remembered by the same
freshness rules as a page (RFC 9111 4.2.2: 404 and 410 are heuristically cacheable), so
a warm run asks neither server and ``--offline`` answers; Age counts toward an entry's
age (4.2.3); ``no-store`` is not stored; and a 404 fetched with credentials answers no
request made without them.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki

from indexclient import IndexClient
from indexclient.errors import ResponseError
from indexclient.testing.pki import server_context
from indexclient.testing.servers import LocalServer, serve_https

PAGE = b'<a href="/files/demo-1.0.tar.gz#sha256=00">demo-1.0.tar.gz</a>'
FRESH = "max-age=600"


class Server:
    """Answers every request with ``status`` (a page for 200) and ``headers``, recording
    the Authorization and If-None-Match of each; a matching ETag gets a 304."""

    def __init__(self, status: int, **headers: str) -> None:
        self.status = status
        self.headers = headers
        self.seen: list[tuple[str | None, str | None]] = []

    async def handle(self, request: web.Request) -> web.Response:
        etag = request.headers.get("If-None-Match")
        self.seen.append((request.headers.get("Authorization"), etag))
        if etag is not None and etag == self.headers.get("ETag"):
            return web.Response(status=304, headers=self.headers)
        if self.status == 200:
            return web.Response(body=PAGE, content_type="text/html", headers=self.headers)
        return web.Response(status=self.status, text="no such project", headers=self.headers)


@pytest.fixture(autouse=True)
def no_netrc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRC", os.devnull)


@pytest.fixture
def env(ca_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**ca_env, "INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache")}


async def files(first: str, second: str, environ: dict[str, str]) -> list[str]:
    """One run: project demo from the first index that has it (``first``, then
    ``second``: extra indexes are asked before the default one)."""
    async with IndexClient(second, extra_index_urls=[first], environ=environ) as client:
        page = await client.project("demo")
    return [f.filename for f in page.files]


def url(server: LocalServer) -> str:
    return server.url + "simple/"


async def test_a_warm_run_asks_neither_index(pki: Pki, env: dict[str, str]) -> None:
    absent, present = (
        Server(404, **{"Cache-Control": FRESH}),
        Server(200, **{"Cache-Control": FRESH}),
    )
    tls = server_context(pki.root.issue_leaf())
    async with serve_https(tls, absent.handle) as a, serve_https(tls, present.handle) as b:
        assert await files(url(a), url(b), env) == ["demo-1.0.tar.gz"]
        assert (len(absent.seen), len(present.seen)) == (1, 1)
        assert await files(url(a), url(b), env) == ["demo-1.0.tar.gz"]
        assert await files(url(a), url(b), {**env, "UV_OFFLINE": "1"}) == ["demo-1.0.tar.gz"]
        assert (len(absent.seen), len(present.seen)) == (1, 1)  # no request at all


async def test_a_cached_410_stops_the_search_as_a_fresh_one_does(
    pki: Pki, env: dict[str, str]
) -> None:
    # uv: a 410 is not "not on this index" (only 404 and ignore-error-codes are); the
    # cached answer ends the search the same way, without asking the server again.
    absent, present = (
        Server(410, **{"Cache-Control": FRESH}),
        Server(200, **{"Cache-Control": FRESH}),
    )
    tls = server_context(pki.root.issue_leaf())
    async with serve_https(tls, absent.handle) as a, serve_https(tls, present.handle) as b:
        for _ in range(2):
            with pytest.raises(ResponseError, match="HTTP 410"):
                await files(url(a), url(b), env)
        assert (len(absent.seen), len(present.seen)) == (1, 0)


async def test_a_404_without_freshness_is_asked_again_and_answers_offline(
    pki: Pki, env: dict[str, str]
) -> None:
    # No max-age, no Expires, no Last-Modified: nothing to base a lifetime on, so the
    # first index is asked again on the next run (a project published there since must
    # win); offline, the stored answer still says "not here".
    absent, present = Server(404), Server(200, **{"Cache-Control": FRESH})
    tls = server_context(pki.root.issue_leaf())
    async with serve_https(tls, absent.handle) as a, serve_https(tls, present.handle) as b:
        await files(url(a), url(b), env)
        await files(url(a), url(b), env)
        assert (len(absent.seen), len(present.seen)) == (2, 1)
        assert await files(url(a), url(b), {**env, "UV_OFFLINE": "1"}) == ["demo-1.0.tar.gz"]
        assert (len(absent.seen), len(present.seen)) == (2, 1)


@pytest.mark.parametrize(("age", "asked_again"), [("500", False), ("700", True)])
async def test_age_makes_a_404_stale(
    pki: Pki, env: dict[str, str], age: str, asked_again: bool
) -> None:
    # Fresh for 600 s, of which the answer spent `age` in caches on its way.
    absent = Server(404, **{"Cache-Control": FRESH, "Age": age, "ETag": '"none"'})
    present = Server(200, **{"Cache-Control": FRESH})
    tls = server_context(pki.root.issue_leaf())
    async with serve_https(tls, absent.handle) as a, serve_https(tls, present.handle) as b:
        await files(url(a), url(b), env)
        assert await files(url(a), url(b), env) == ["demo-1.0.tar.gz"]
    if asked_again:
        # Stale: revalidated; the 304 keeps "not here" and the second index answers.
        assert absent.seen == [(None, None), (None, '"none"')]
    else:
        assert absent.seen == [(None, None)]
    assert len(present.seen) == 1


async def test_a_404_with_no_store_is_not_stored(pki: Pki, env: dict[str, str]) -> None:
    absent = Server(404, **{"Cache-Control": "no-store"})
    present = Server(200, **{"Cache-Control": FRESH})
    tls = server_context(pki.root.issue_leaf())
    async with serve_https(tls, absent.handle) as a, serve_https(tls, present.handle) as b:
        await files(url(a), url(b), env)
        await files(url(a), url(b), env)
        assert (len(absent.seen), len(present.seen)) == (2, 1)
        # uv, offline: an index whose answer is not in the cache is passed over; the
        # next index's cached page answers, and nothing is asked.
        assert await files(url(a), url(b), {**env, "UV_OFFLINE": "1"}) == ["demo-1.0.tar.gz"]
        assert (len(absent.seen), len(present.seen)) == (2, 1)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_a_404_fetched_with_credentials_answers_no_request_without_them(
    pki: Pki, env: dict[str, str]
) -> None:
    # docs/security.md, "The cache": the FetchProfile must match, whatever the status.
    absent = Server(404, **{"Cache-Control": FRESH})
    present = Server(200, **{"Cache-Control": FRESH})
    tls = server_context(pki.root.issue_leaf())
    async with serve_https(tls, absent.handle) as a, serve_https(tls, present.handle) as b:
        private = url(a).replace("https://", "https://alice:s3cret@")
        await files(private, url(b), env)
        await files(private, url(b), env)
        assert absent.seen == [(basic("alice", "s3cret"), None)]  # the same way: cached
        await files(url(a), url(b), env)  # without credentials: asked
        assert absent.seen[1:] == [(None, None)]
        # Now stored as fetched without them, the one with credentials is asked again.
        await files(private, url(b), env)
        assert absent.seen[2:] == [(basic("alice", "s3cret"), None)]
        # Offline, the entry (fetched with credentials) is no answer for this request:
        # like an index with nothing cached, it is passed over (uv's offline rule).
        assert await files(url(a), url(b), {**env, "UV_OFFLINE": "1"}) == ["demo-1.0.tar.gz"]
        assert absent.seen[3:] == []
    assert len(present.seen) == 1


# --------------------------------------------------------------------------- the command

PROBE = (
    "import sys\n"
    "from indexclient.cli import run\n"
    "code = run(sys.argv[1:])\n"
    "print('imported:', sorted(m for m in ('aiohttp', 'yarl', 'cryptography',"
    " 'indexclient.transport.wire') if m in sys.modules), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


async def test_a_warm_command_with_an_extra_index_makes_no_request(
    pki: Pki, tmp_path: Path
) -> None:
    from test_cli_process import clean_env
    from test_cli_support import demo_index

    index = demo_index()
    index.headers["Cache-Control"] = FRESH
    absent = Server(404, **{"Cache-Control": FRESH})
    tls = server_context(pki.root.issue_leaf())
    async with (
        serve_https(tls, absent.handle) as a,
        serve_https(tls, routes=index.routes) as b,
    ):
        env = clean_env(
            tmp_path,
            UV_DEFAULT_INDEX=url(b),
            SSL_CERT_FILE=str(pki.ca_file),
            INDEXCLIENT_CACHE_DIR=str(tmp_path / "cache"),
        )

        async def run() -> tuple[str, str]:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                PROBE,
                "metadata",
                "demo-package",
                "--extra-index-url",
                url(a),
                "--json",
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            out, err = await process.communicate()
            assert process.returncode == 0, err.decode()
            return out.decode(), err.decode()

        cold, _ = await run()
        assert (len(absent.seen), len(b.requests)) == (1, 2)  # 404; the page, .metadata
        warm, err = await run()
        assert warm == cold
        assert (len(absent.seen), len(b.requests)) == (1, 2)
        assert err.endswith("imported: []\n")
