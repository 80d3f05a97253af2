"""How a cached answer would be fetched now is kept per Credentials, and every change to
the credentials during a run changes the answer (docs/security.md, "The cache").

A warm run asks, for each of thousands of cached pages, whether the request for it would
be made the way the page was fetched (expected_profile); the answer is kept in
``Credentials.derived()``. These tests change the credentials in the middle of one
client's life (a password proven by a server, a URL with credentials seen, netrc's found
after a refusal) and check that the next answer from the cache follows: kept answers
from before the change would give the old one.

Real servers on 127.0.0.1 over TLS, certificates made for this run.
"""

from __future__ import annotations

import base64
import os
import ssl
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki

from indexclient import BasicAuth, IndexClient
from indexclient.simple import ACCEPT
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_https
from indexclient.tls.trust import Trust
from indexclient.transport.auth import Credentials, origin_of
from indexclient.transport.cache import FetchProfile, HttpCache
from indexclient.transport.profile import expected_profile

PAGE = b'<a href="/files/demo-1.0.tar.gz#sha256=00">demo-1.0.tar.gz</a>'
FRESH = {"Cache-Control": "max-age=600"}
PASSWORD = "s3cret-A"
AUTH = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


@pytest.fixture(autouse=True)
def no_netrc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRC", os.devnull)


@pytest.fixture
def env(ca_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**ca_env, "INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache"), "NETRC": os.devnull}


async def _page(request: web.Request) -> web.Response:
    return web.Response(body=PAGE, content_type="text/html", headers=FRESH)


def _with_userinfo(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://alice:{PASSWORD}@{rest}"


async def _cache_demo(index_url: str, env: dict[str, str]) -> None:
    """One run that fetches demo's page (fresh for 10 minutes) into the cache."""
    async with IndexClient(index_url, environ=env) as client:
        await client.project("demo")


def _fresh(client: IndexClient, index_url: str) -> bool:
    """Whether the cache answers demo's page now, without asking the server."""
    return client.http.fresh_head(index_url + "demo/", {"Accept": ACCEPT}) is not None


async def test_a_password_proven_during_a_run_changes_the_answer(
    tls: ssl.SSLContext, env: dict[str, str]
) -> None:
    """A page fetched without credentials answers until the origin proves a password;
    then the request would carry it, so the page no longer answers it."""
    async with serve_https(tls, _page) as server:
        index_url = server.url + "simple/"
        await _cache_demo(index_url, env)
        async with IndexClient(index_url, environ=env) as client:
            assert _fresh(client, index_url)
            assert _fresh(client, index_url)  # kept: the same answer
            client.http.credentials.prove(
                origin_of(server.url), BasicAuth("alice", PASSWORD, "netrc")
            )
            assert not _fresh(client, index_url)


async def test_a_password_proven_during_a_run_makes_its_page_answer(
    tls: ssl.SSLContext, env: dict[str, str]
) -> None:
    """The other way: a page fetched with alice's password does not answer a client
    without it, until that client's origin proves the same password."""
    async with serve_https(tls, _page) as server:
        index_url = server.url + "simple/"
        await _cache_demo(_with_userinfo(index_url), env)
        async with IndexClient(index_url, environ=env) as client:
            assert not _fresh(client, index_url)
            assert not _fresh(client, index_url)
            client.http.credentials.prove(
                origin_of(server.url), BasicAuth("alice", PASSWORD, "netrc")
            )
            assert _fresh(client, index_url)


async def test_url_credentials_seen_during_a_run_change_the_answer(
    tls: ssl.SSLContext, env: dict[str, str]
) -> None:
    """A URL with userinfo asked for during the run gives its origin credentials (uv's
    rule): the requests to that origin would carry them from then on."""
    async with serve_https(tls, _page) as server:
        index_url = server.url + "simple/"
        await _cache_demo(_with_userinfo(index_url), env)
        async with IndexClient(index_url, environ=env) as client:
            assert not _fresh(client, index_url)
            client.http.credentials.strip(_with_userinfo(server.url + "files/x.whl"))
            assert _fresh(client, index_url)


async def test_netrc_found_after_a_refusal_changes_the_answer(tmp_path: Path) -> None:
    """Credentials looked up after a refusal (netrc's, for a user name known from the
    URL) are remembered for the run: a page recorded with them matches from then on
    as a late request, and one recorded as a first request still does."""
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password {PASSWORD}\n")
    netrc.chmod(0o600)
    url = "https://127.0.0.1:8443/simple/demo/"
    origin = origin_of(url)
    cache = HttpCache(tmp_path / "cache")
    credentials = Credentials(environ={"NETRC": str(netrc)})
    trust = Trust()
    recorded = FetchProfile("verified", cache.credential_digest([AUTH]), (origin,))

    def expected() -> FetchProfile | None:
        return expected_profile(
            recorded, url, {}, trust=trust, credentials=credentials, cache=cache
        )

    # netrc gives alice's password for the host: predicted as a late request's.
    assert expected() == recorded
    assert expected() == recorded
    # Another source proves another password for the origin: a refused request is
    # now made again with that one, not netrc's.
    credentials.prove(origin, BasicAuth("bob", "other", "URL"))
    answer = expected()
    assert answer is not None
    assert answer.auth != recorded.auth
