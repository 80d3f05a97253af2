"""The cache never crosses a trust or credential boundary (docs/security.md, "The cache").

An entry records how it was fetched: over verified TLS, unverified TLS (allow-insecure-host)
or plain http, and a keyed digest of the credentials sent. It answers, fresh or offline,
only a request that would be made the same way; any other is put to the server (offline:
refused), and entries written before profiles existed are fetched again.

Every server is real, on 127.0.0.1, over TLS with certificates made for this run; each
records the requests it sees and the Authorization they carried.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki, insecure_entry

from indexclient import IndexClient
from indexclient.errors import (
    CertificateVerificationError,
    OfflineError,
    ProjectNotFound,
    ResponseError,
)
from indexclient.simple import ACCEPT
from indexclient.testing.faults import fault_server, ok, redirect, status
from indexclient.testing.pki import self_signed_leaf, server_context
from indexclient.testing.servers import serve_https
from indexclient.transport.cache import KEY_FILE, HttpCache
from support import cache_db

PAGE = b'<a href="/files/demo-1.0.tar.gz#sha256=00">demo-1.0.tar.gz</a>'
OLD_PAGE = b'<a href="/files/demo-0.1.tar.gz#sha256=00">demo-0.1.tar.gz</a>'
ETAG = '"v1"'
FRESH = {"Cache-Control": "max-age=600", "ETag": ETAG}
PAGE_REQUEST = {"Accept": ACCEPT}
PASSWORD_A = "s3cret-A/ü:@"
PASSWORD_B = "s3cret-B"
NETRC_PASSWORD = "n3trc-s3cret"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTH_A = basic("alice", PASSWORD_A)
AUTH_B = basic("bob", PASSWORD_B)


def quoted(password: str) -> str:
    from urllib.parse import quote

    return quote(password, safe="")


class Index:
    """A project page that can be revalidated (ETag, 304), recording what it is asked.

    ``required`` is the Authorization it insists on (401 otherwise), if any, or several
    it accepts; ``private`` the path prefix where it insists (default: everywhere)."""

    def __init__(self, required: str | tuple[str, ...] | None = None, private: str = "/") -> None:
        self.required = (required,) if isinstance(required, str) else required
        self.private = private
        self.seen: list[tuple[str | None, str | None]] = []

    async def handle(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization")
        self.seen.append((auth, request.headers.get("If-None-Match")))
        needed = self.required is not None and request.path.startswith(self.private)
        if needed and auth not in (self.required or ()):
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="x"'})
        if request.headers.get("If-None-Match") == ETAG:
            return web.Response(status=304, headers=FRESH)
        return web.Response(body=PAGE, content_type="text/html", headers=FRESH)


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def env(ca_env: dict[str, str], cache_dir: Path) -> dict[str, str]:
    """Trusting the test root, caching in ``cache_dir``, with no netrc (a test that
    wants one says NETRC)."""
    return {**ca_env, "INDEXCLIENT_CACHE_DIR": str(cache_dir), "NETRC": os.devnull}


@pytest.fixture(autouse=True)
def no_netrc(monkeypatch: pytest.MonkeyPatch) -> None:
    """IndexClient reads netrc as the process's environment says: none, unless a test
    sets NETRC."""
    monkeypatch.setenv("NETRC", os.devnull)


@pytest.fixture
def netrc(tmp_path: Path) -> Path:
    """A netrc giving 127.0.0.1 nina's password (NETRC is the test's to set)."""
    path = tmp_path / "netrc"
    path.write_text(f"machine 127.0.0.1 login nina password {NETRC_PASSWORD}\n")
    path.chmod(0o600)
    return path


def with_userinfo(url: str, userinfo: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{userinfo}@{rest}"


async def files(index_url: str, environ: dict[str, str]) -> list[str]:
    """One run: the file names on project demo's page."""
    async with IndexClient(index_url, environ=environ) as client:
        page = await client.project("demo")
    return [f.filename for f in page.files]


# --------------------------------------------------------------------------- trust


async def test_insecure_then_verified_asks_the_server_and_fails_verification(
    env: dict[str, str],
) -> None:
    async with fault_server(server_context(self_signed_leaf())) as server:
        server.script("/simple/demo/", ok(PAGE, headers=FRESH, content_type="text/html"))
        index_url = server.url + "simple/"
        insecure = {**env, "UV_INSECURE_HOST": insecure_entry(server.url)}
        assert await files(index_url, insecure) == ["demo-1.0.tar.gz"]
        before = server.connections
        # The same host, now verified: the page fetched without verification is not an
        # answer; the client goes to the server, whose certificate it rejects.
        with pytest.raises(CertificateVerificationError):
            await files(index_url, env)
        assert server.connections > before
        # Under allow-insecure-host again, the entry is what it always was: fresh.
        after = server.connections
        assert await files(index_url, insecure) == ["demo-1.0.tar.gz"]
        assert server.connections == after
    assert server.hits("/simple/demo/") == 1


async def test_verified_then_insecure_and_back(tls: ssl.SSLContext, env: dict[str, str]) -> None:
    index = Index()
    async with serve_https(tls, index.handle) as server:
        index_url = server.url + "simple/"
        insecure = {**env, "UV_INSECURE_HOST": insecure_entry(server.url)}
        await files(index_url, env)  # verified
        await files(index_url, insecure)  # unverified: asked again, conditionally...
        await files(index_url, insecure)  # ...and the 304 recorded the new way
        await files(index_url, env)  # verified again: a 304 cannot vouch for that
        await files(index_url, env)
    assert index.seen == [(None, None), (None, ETAG), (None, None)]


async def test_an_entry_fetched_over_http_never_answers_https(
    tls: ssl.SSLContext, env: dict[str, str], cache_dir: Path
) -> None:
    index = Index()
    async with (
        fault_server() as plain,
        serve_https(tls, index.handle) as secure,
    ):
        plain.script("/simple/demo/", ok(PAGE, headers=FRESH, content_type="text/html"))
        plain.script("/moved/demo/", redirect(secure.url + "simple/demo/"))
        await files(plain.url + "simple/", env)
        await files(plain.url + "moved/", env)  # http, then https: the weakest is http
        await files(plain.url + "moved/", env)  # the same way again: from the cache
        cache = HttpCache(cache_dir)
        direct = cache.head(plain.url + "simple/demo/", PAGE_REQUEST)
        moved = cache.head(plain.url + "moved/demo/", PAGE_REQUEST)
        assert direct is not None
        assert direct.profile is not None
        assert moved is not None
        assert moved.profile is not None
        assert (direct.profile.mode, moved.profile.mode) == ("http", "http")
        assert len(moved.profile.hops) == 2
        # An entry recorded as fetched over plain http, found under an https URL (a
        # cache written by hand, or by a bug), is not an answer there.
        https_page = secure.url + "simple/demo/"
        cache.put(
            https_page,
            PAGE_REQUEST,
            final_url=https_page,
            status=200,
            headers={**FRESH, "Content-Type": "text/html"},
            body=OLD_PAGE,
            profile=direct.profile,
        )
        assert await files(secure.url + "simple/", env) == ["demo-1.0.tar.gz"]
    assert index.seen == [(None, None), (None, None)]
    assert plain.hits("/moved/demo/") == 1


async def test_a_404_fetched_unverified_is_no_answer_for_a_verified_request(
    env: dict[str, str],
) -> None:
    # "Not on this index" is cached (tests/test_cache_not_found.py), and crosses the
    # trust boundary no more than a page does.
    async with fault_server(server_context(self_signed_leaf())) as server:
        server.script("/simple/demo/", status(404, b"none", headers=FRESH))
        index_url = server.url + "simple/"
        insecure = {**env, "UV_INSECURE_HOST": insecure_entry(server.url)}
        for _ in range(2):
            with pytest.raises(ProjectNotFound):
                await files(index_url, insecure)
        assert server.hits("/simple/demo/") == 1  # the second answered from the cache
        with pytest.raises(CertificateVerificationError):
            await files(index_url, env)
        with pytest.raises(OfflineError, match="without certificate verification"):
            await files(index_url, {**env, "UV_OFFLINE": "1"})
    assert server.hits("/simple/demo/") == 1


# --------------------------------------------------------------------------- credentials


async def test_credentials_a_then_none_then_b(tls: ssl.SSLContext, env: dict[str, str]) -> None:
    index = Index()
    async with serve_https(tls, index.handle) as server:
        url = server.url + "simple/"
        as_a = with_userinfo(url, f"alice:{quoted(PASSWORD_A)}")
        as_b = with_userinfo(url, f"bob:{quoted(PASSWORD_B)}")
        for index_url in (as_a, as_a, url, url, as_b, as_b, as_a):
            assert await files(index_url, env) == ["demo-1.0.tar.gz"]
    # Each change of credentials is put to the server, with the credentials of the run
    # (a public page: its 304 then lets the next run like it answer from the cache).
    assert index.seen == [(AUTH_A, None), (None, ETAG), (AUTH_B, ETAG), (AUTH_A, ETAG)]


async def test_a_private_page_is_not_served_to_a_run_without_its_credentials(
    tls: ssl.SSLContext, env: dict[str, str]
) -> None:
    index = Index(required=AUTH_A)
    async with serve_https(tls, index.handle) as server:
        url = server.url + "simple/"
        as_a = with_userinfo(url, f"alice:{quoted(PASSWORD_A)}")
        as_b = with_userinfo(url, f"bob:{quoted(PASSWORD_B)}")
        assert await files(as_a, env) == ["demo-1.0.tar.gz"]
        for other in (url, as_b):
            with pytest.raises(ResponseError) as caught:
                await files(other, env)
            assert caught.value.status == 401
        assert await files(as_a, env) == ["demo-1.0.tar.gz"]  # still A's, still fresh
    assert index.seen == [(AUTH_A, None), (None, ETAG), (AUTH_B, ETAG)]


async def test_netrc_credentials_are_part_of_the_profile(
    tls: ssl.SSLContext, env: dict[str, str], netrc: Path
) -> None:
    """netrc's credentials, sent once the server refused the first request (uv's
    order), are recorded: a warm run with the same netrc takes the entry without
    asking anyone; one without it asks the server, which refuses."""
    auth = basic("nina", NETRC_PASSWORD)
    index = Index(required=auth)
    with_netrc = {**env, "NETRC": str(netrc)}
    async with serve_https(tls, index.handle) as server:
        url = server.url + "simple/"
        assert await files(url, with_netrc) == ["demo-1.0.tar.gz"]
        assert await files(url, with_netrc) == ["demo-1.0.tar.gz"]  # fresh: no request
        with pytest.raises(ResponseError) as caught:
            await files(url, env)
        assert caught.value.status == 401
        assert await files(url, with_netrc) == ["demo-1.0.tar.gz"]  # still netrc's, fresh
    assert index.seen == [(None, None), (auth, None), (None, ETAG)]


# --------------------------------------------------------------------------- offline


async def test_offline_refuses_an_entry_fetched_another_way(
    tls: ssl.SSLContext, env: dict[str, str]
) -> None:
    index = Index()
    async with serve_https(tls, index.handle) as server:
        url = server.url + "simple/"
        as_a = with_userinfo(url, f"alice:{quoted(PASSWORD_A)}")
        as_b = with_userinfo(url, f"bob:{quoted(PASSWORD_B)}")
        await files(as_a, env)
        offline = {**env, "UV_OFFLINE": "1"}
        insecure = {**offline, "UV_INSECURE_HOST": insecure_entry(server.url)}
        runs = [
            (url, offline, "fetched with credentials, and this request has none"),
            (as_b, offline, "fetched with other credentials than this request has"),
            (
                as_a,
                insecure,
                "fetched over verified TLS, and this request would be made over TLS "
                "without certificate verification",
            ),
        ]
        for index_url, environ, reason in runs:
            with pytest.raises(OfflineError) as caught:
                await files(index_url, environ)
            message = str(caught.value)
            assert reason in message
            assert "cannot be used offline" in message
            assert caught.value.hint is not None
            for secret in (PASSWORD_A, PASSWORD_B, quoted(PASSWORD_A)):
                assert secret not in message
        assert await files(as_a, offline) == ["demo-1.0.tar.gz"]  # made the same way
    assert index.seen == [(AUTH_A, None)]  # offline, nothing reached the server


# --------------------------------------------------------------------------- format


def old_format_entry(url: str, body: bytes, key: str | None = None) -> bytes:
    """An entry as the first version of the cache wrote it: no profile (in a file; as
    a row of the database, with its key)."""
    meta = {
        **({} if key is None else {"key": key}),
        "url": url,
        "status": 200,
        "headers": {"content-type": "text/html", "cache-control": "max-age=600", "etag": ETAG},
        "stored_at": time.time(),
        "vary": {},
        "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    return b"indexclient-cache-1\n" + json.dumps(meta).encode() + b"\n" + body


async def test_an_entry_of_the_old_format_is_fetched_again(
    tls: ssl.SSLContext, env: dict[str, str], cache_dir: Path
) -> None:
    index = Index()
    async with serve_https(tls, index.handle) as server:
        page_url = server.url + "simple/demo/"
        key = f"GET {page_url}\n{ACCEPT}"
        row = cache_db.entry_row(page_url, ACCEPT)
        old = old_format_entry(page_url, OLD_PAGE, key)
        # A head of the old format, its body beside it, where the entry would be.
        HttpCache(cache_dir).put(
            "https://other.example/", {}, final_url="u", status=200, headers={}, body=b""
        )
        head, _, body = old.partition(b"\n")[2].partition(b"\n")
        cache_db.write(cache_dir, "heads", row, b"indexclient-cache-1\n" + head)
        cache_db.write(cache_dir, "bodies", row, body)
        assert await files(server.url + "simple/", env) == ["demo-1.0.tar.gz"]
        assert await files(server.url + "simple/", env) == ["demo-1.0.tar.gz"]
    # Asked whole (its ETag is not trusted either), then served from the new entry.
    assert index.seen == [(None, None)]
    assert not cache_db.rows(cache_dir, "heads")[row].startswith(b"indexclient-cache-1\n")


async def test_an_entry_of_the_file_layout_is_not_used(
    tls: ssl.SSLContext, env: dict[str, str], cache_dir: Path
) -> None:
    """Releases before the database kept one file per entry, at
    <cache>/<xx>/<sha256 of the request>.entry: such a file, however fresh and well
    formed, is simply not used (and nothing fails)."""
    index = Index()
    async with serve_https(tls, index.handle) as server:
        page_url = server.url + "simple/demo/"
        digest = hashlib.sha256(f"GET {page_url}\n{ACCEPT}".encode()).hexdigest()
        path = cache_dir / digest[:2] / f"{digest}.entry"
        path.parent.mkdir(parents=True)
        old = old_format_entry(page_url, OLD_PAGE).replace(b"-cache-1", b"-cache-2", 1)
        path.write_bytes(old)
        assert await files(server.url + "simple/", env) == ["demo-1.0.tar.gz"]
        assert await files(server.url + "simple/", env) == ["demo-1.0.tar.gz"]
    assert index.seen == [(None, None)]  # asked once, then answered from the database
    assert path.read_bytes() == old  # left alone


# --------------------------------------------------------------------------- secrets


async def test_no_credential_reaches_a_cache_file(
    tls: ssl.SSLContext, env: dict[str, str], cache_dir: Path, netrc: Path
) -> None:
    netrc_auth = basic("nina", NETRC_PASSWORD)
    index = Index(required=(AUTH_A, netrc_auth))
    # Holds the database open across the runs, so that what they wrote is still in its
    # write-ahead log when the files are read (closing folds the log into the database).
    keep = HttpCache(cache_dir)
    assert keep.head("https://other.example/", {}) is None
    async with serve_https(tls, index.handle) as server:
        url = server.url + "simple/"
        await files(with_userinfo(url, f"alice:{quoted(PASSWORD_A)}"), env)
        await files(url, {**env, "NETRC": str(netrc)})
    # The URL's at once; netrc's once the server refused the request without them.
    assert [auth for auth, _ in index.seen] == [AUTH_A, None, netrc_auth]
    secrets = [PASSWORD_A, quoted(PASSWORD_A), NETRC_PASSWORD]
    secrets += [AUTH_A, AUTH_A.split()[1], basic("nina", NETRC_PASSWORD).split()[1]]
    # Nor an unkeyed digest of them, which would let anyone test password guesses.
    secrets += [hashlib.sha256(a.encode()).hexdigest() for a in (AUTH_A, basic("n", "x"))]
    secrets += [hashlib.sha256(json.dumps([AUTH_A]).encode()).hexdigest()]
    every_file = [p for p in cache_dir.rglob("*") if p.is_file()]
    names = {p.name for p in every_file}
    # The key, the database and its write-ahead log, which ``keep`` holds open.
    assert {KEY_FILE, cache_db.database(cache_dir).name} <= names
    assert cache_db.database(cache_dir).name + "-wal" in names
    for path in every_file:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path, secret)
    key = cache_dir / KEY_FILE
    assert key.stat().st_size == 32
    if os.name == "posix":
        assert key.stat().st_mode & 0o777 == 0o600


def test_a_run_without_credentials_makes_no_key(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    assert cache.credential_digest([None, None]) == ""
    assert not (tmp_path / KEY_FILE).exists()
    digest = cache.credential_digest([AUTH_A, None])
    assert (tmp_path / KEY_FILE).exists()
    # Stable within a directory (another process reads the same key), not across them.
    assert HttpCache(tmp_path).credential_digest([AUTH_A, None]) == digest
    assert HttpCache(tmp_path / "other").credential_digest([AUTH_A, None]) != digest
    assert cache.credential_digest([AUTH_B, None]) != digest
    assert cache.credential_digest([None, AUTH_A]) != digest


# --------------------------------------------------------------------------- warm path


_WARM_RUN = """
import asyncio, os, sys
from indexclient import IndexClient

async def main():
    async with IndexClient(sys.argv[1], environ=os.environ) as client:
        page = await client.project("demo")
    print(len(page.files), "aiohttp" in sys.modules, "yarl" in sys.modules)

asyncio.run(main())
"""


async def test_the_warm_check_needs_neither_aiohttp_nor_yarl(
    tls: ssl.SSLContext, env: dict[str, str], netrc: Path
) -> None:
    # Credentials in the URL (for one hop) and from netrc (sent after a 401, for the
    # other), and an allow-insecure-host entry: every part of the check runs, from the
    # string URL, and netrc's credentials are known again without a request.
    environ = {**env, "UV_INSECURE_HOST": "127.0.0.9", "NETRC": str(netrc)}
    netrc_auth = basic("nina", NETRC_PASSWORD)
    index = Index(required=netrc_auth, private="/simple/")
    async with serve_https(tls, index.handle) as server:
        server.redirect("/moved/demo/", server.url.replace("127.0.0.1", "localhost") + "d/")
        await files(server.url + "simple/", environ)
        moved = with_userinfo(server.url + "moved/", f"alice:{quoted(PASSWORD_A)}")
        await files(moved, environ)
        assert [auth for auth, _ in index.seen] == [None, netrc_auth, None]
        for url in (server.url + "simple/", moved):
            result = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-c", _WARM_RUN, url],
                env={**os.environ, **environ},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert result.stdout.split() == ["1", "False", "False"], result.stderr
    assert len(index.seen) == 3


def test_profile_json_is_checked() -> None:
    from indexclient.transport.cache import FetchProfile

    good = FetchProfile("verified", "", (("https", "127.0.0.1", 443),))
    assert FetchProfile.from_json(good.to_json()) == good
    bad_forms: list[object] = [
        None,
        [],
        {"mode": "secure", "auth": "", "hops": [["https", "h", 443]]},
        {"mode": "verified", "auth": None, "hops": [["https", "h", 443]]},
        {"mode": "verified", "auth": "", "hops": []},
        {"mode": "verified", "auth": "", "hops": [["https", "h"]]},
        {"mode": "verified", "auth": "", "hops": [["https", "h", "443"]]},
        {"mode": "verified", "auth": "", "hops": [["https", "h", True]]},
    ]
    for bad in bad_forms:
        assert FetchProfile.from_json(bad) is None
