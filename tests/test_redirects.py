"""Redirects: each hop chooses its TLS context from its own host.

docs/trust.md, "allow-insecure-host".

Every hop is a real server on loopback. "Another host" is either another port on
127.0.0.1 or a server on 127.0.0.2 (Linux routes all of 127/8 to loopback; where binding
127.0.0.2 is impossible those cases are skipped).
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

import pytest
from conftest import Pki, insecure_entry, make_trust

from indexclient.errors import CertificateVerificationError, RedirectError
from indexclient.testing.pki import IssuedCert, self_signed_leaf, server_context
from indexclient.testing.servers import LocalServer, serve_http, serve_https
from indexclient.transport import HttpClient, Response

OTHER_HOST = "127.0.0.2"
NOW = datetime.now(timezone.utc)
AUTH = "Basic dXNlcjpzZWNyZXQ="  # user:secret


def _can_bind(host: str, family: socket.AddressFamily = socket.AF_INET) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
    except OSError:
        return False
    return True


_OTHER_HOST_USABLE = _can_bind(OTHER_HOST)

# Where the second hop lives: another port on the same address, or another address.
WHERE = ["other-port", "other-host"]


def _second_host(where: str) -> str:
    if where == "other-port":
        return "127.0.0.1"
    if not _OTHER_HOST_USABLE:
        pytest.skip(f"cannot bind {OTHER_HOST} on this machine")
    return OTHER_HOST


def _bad_cert(kind: str, pki: Pki, host: str) -> IssuedCert:
    if kind == "self-signed":
        return self_signed_leaf(hosts=(host,))
    if kind == "expired":
        return pki.root.issue_leaf(
            hosts=(host,), not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1)
        )
    assert kind == "wrong-host"
    return pki.root.issue_leaf(hosts=("index.invalid",))


async def _get(
    env: dict[str, str], url: str, headers: dict[str, str] | None = None, **arguments: object
) -> Response:
    async with HttpClient(make_trust(env, **arguments)) as client:  # type: ignore[arg-type]
        return await client.get(url, headers=headers)


# --------------------------------------------------------------------------- per-hop trust


@pytest.mark.parametrize("where", WHERE)
async def test_insecure_host_redirecting_to_unverifiable_host_is_rejected(where: str) -> None:
    host_b = _second_host(where)
    async with (
        serve_https(server_context(self_signed_leaf())) as a,
        serve_https(server_context(self_signed_leaf(hosts=(host_b,))), host=host_b) as b,
    ):
        a.redirect("/start", b.url + "landing")
        env = {"UV_INSECURE_HOST": insecure_entry(a.url)}
        async with HttpClient(make_trust(env)) as client:
            with pytest.raises(CertificateVerificationError) as caught:
                await client.get(a.url + "start")
            # The insecure host itself is still accepted by the same client.
            assert (await client.get(a.url + "plain")).status == 200
    error = caught.value
    assert error.host == host_b
    assert error.url == b.url + "landing"
    assert error.kind == "self-signed", str(error)
    assert str(a.port) not in error.url
    assert [r.path for r in a.requests] == ["/start", "/plain"]
    assert b.requests == [], "no request may be sent over the rejected hop"


@pytest.mark.parametrize("bad", ["self-signed", "expired", "wrong-host"])
@pytest.mark.parametrize("where", WHERE)
async def test_verified_host_redirecting_to_insecure_host_is_accepted(
    where: str, bad: str, pki: Pki, ca_env: dict[str, str]
) -> None:
    host_b = _second_host(where)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(_bad_cert(bad, pki, host_b)), host=host_b) as b,
    ):
        a.redirect("/start", b.url + "landing")
        # Without an entry for B the same chain fails at B: its certificate really is bad.
        with pytest.raises(CertificateVerificationError) as caught:
            await _get(ca_env, a.url + "start")
        assert caught.value.host == host_b
        assert b.requests == []

        env = {**ca_env, "UV_INSECURE_HOST": insecure_entry(b.url)}
        async with HttpClient(make_trust(env)) as client:
            response = await client.get(a.url + "start")
    assert response.status == 200
    assert response.url == b.url + "landing"
    assert response.body == b"ok /landing"
    assert [r.path for r in b.requests] == ["/landing"]


async def test_insecure_entry_for_first_hop_does_not_cover_redirect_target_port(pki: Pki) -> None:
    # An entry with a port names exactly one server; its neighbour on the next port is verified.
    async with (
        serve_https(server_context(self_signed_leaf())) as a,
        serve_https(server_context(self_signed_leaf())) as b,
    ):
        a.redirect("/start", b.url)
        with pytest.raises(CertificateVerificationError) as caught:
            await _get({}, a.url + "start", allow_insecure_host=[insecure_entry(a.url)])
        # An entry without a port covers both.
        response = await _get({}, a.url + "start", allow_insecure_host=["127.0.0.1"])
    assert caught.value.host == "127.0.0.1"
    assert caught.value.url == b.url
    assert response.url == b.url


async def test_redirect_to_ipv6_host_judged_on_its_own(pki: Pki, ca_env: dict[str, str]) -> None:
    if not _can_bind("::1", socket.AF_INET6):
        pytest.skip("cannot bind ::1 on this machine")
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(self_signed_leaf(hosts=("::1",))), host="::1") as b,
    ):
        assert b.url.startswith("https://[::1]:")
        a.redirect("/start", b.url + "landing")
        with pytest.raises(CertificateVerificationError) as caught:
            await _get(ca_env, a.url + "start")
        env = {**ca_env, "UV_INSECURE_HOST": f"[::1]:{b.port}"}
        response = await _get(env, a.url + "start")
    assert caught.value.host == "::1"
    assert caught.value.url == b.url + "landing"
    assert response.url == b.url + "landing"
    assert [r.path for r in b.requests] == ["/landing"]


@pytest.mark.parametrize("where", WHERE)
async def test_wildcard_entry_makes_every_hop_insecure(where: str) -> None:
    host_b = _second_host(where)
    async with (
        serve_https(server_context(self_signed_leaf())) as a,
        serve_https(server_context(self_signed_leaf(hosts=(host_b,))), host=host_b) as b,
    ):
        a.redirect("/start", b.url + "landing")
        async with HttpClient(make_trust({"UV_INSECURE_HOST": "*"})) as client:
            response = await client.get(a.url + "start")
    assert response.status == 200
    assert response.url == b.url + "landing"


# --------------------------------------------------------------------------- scheme changes


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_https_to_http_redirect_is_refused(
    status: int, pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_http() as plain,
    ):
        a.redirect("/start", plain.url + "landing", status)
        with pytest.raises(RedirectError) as caught:
            await _get(ca_env, a.url + "start")
    assert caught.value.url == a.url + "start"
    assert "https to plain http" in caught.value.reason
    assert plain.url + "landing" in caught.value.reason
    assert plain.requests == [], "the plain-http server must never be contacted"


async def test_https_to_http_refused_even_from_an_insecure_host() -> None:
    async with serve_https(server_context(self_signed_leaf())) as a, serve_http() as plain:
        a.redirect("/start", plain.url)
        with pytest.raises(RedirectError):
            await _get({"UV_INSECURE_HOST": "*"}, a.url + "start")
    assert plain.requests == []


async def test_http_to_https_redirect_is_followed_and_verified(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_http() as plain,
        serve_https(server_context(pki.root.issue_leaf())) as good,
        serve_https(server_context(self_signed_leaf())) as bad,
    ):
        plain.redirect("/to-good", good.url + "landing", 301)
        plain.redirect("/to-bad", bad.url + "landing", 301)
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(plain.url + "to-good")
            with pytest.raises(CertificateVerificationError) as caught:
                await client.get(plain.url + "to-bad")
        # An insecure entry for the https hop is what makes it acceptable.
        env = {**ca_env, "UV_INSECURE_HOST": insecure_entry(bad.url)}
        accepted = await _get(env, plain.url + "to-bad")
    assert response.status == 200
    assert response.url == good.url + "landing"
    assert caught.value.url == bad.url + "landing"
    assert caught.value.kind == "self-signed"
    assert bad.requests[-1].path == "/landing"
    assert accepted.url == bad.url + "landing"


async def test_insecure_entry_has_no_effect_on_http(pki: Pki) -> None:
    # A scheme-qualified entry for http does not cover an https hop on the same host.
    async with serve_http() as plain, serve_https(server_context(self_signed_leaf())) as bad:
        plain.redirect("/start", bad.url)
        entry = f"http://127.0.0.1:{bad.port}"
        with pytest.raises(CertificateVerificationError):
            await _get({}, plain.url + "start", allow_insecure_host=[entry])
        response = await _get(
            {}, plain.url + "start", allow_insecure_host=[f"https://127.0.0.1:{bad.port}"]
        )
    assert response.url == bad.url


# --------------------------------------------------------------------------- following


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_every_redirect_status_is_followed(
    status: int, pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf())) as b,
    ):
        a.redirect("/from", b.url + "to", status)
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(a.url + "from")
    assert response.status == 200
    assert response.url == b.url + "to"
    assert response.body == b"ok /to"
    assert [(r.method, r.path) for r in b.requests] == [("GET", "/to")]


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("sibling", "/dir/sibling"),
        ("../up/file.html", "/up/file.html"),
        ("./sub/", "/dir/sub/"),
        ("/absolute/path", "/absolute/path"),
        ("other?x=1", "/dir/other?x=1"),
    ],
)
async def test_relative_location_is_resolved_against_current_url(
    location: str, expected: str, pki: Pki, ca_env: dict[str, str]
) -> None:
    async with serve_https(server_context(pki.root.issue_leaf())) as server:
        server.redirect("/dir/page", location)
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(server.url + "dir/page")
    assert [r.path for r in server.requests] == ["/dir/page", expected]
    assert response.url == server.url + expected.lstrip("/")


async def test_relative_location_after_cross_host_redirect_resolves_against_new_host(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf())) as b,
    ):
        a.redirect("/start", b.url + "dir/page")
        b.redirect("/dir/page", "next")
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(a.url + "start")
    assert response.url == b.url + "dir/next"
    assert [r.path for r in a.requests] == ["/start"]
    assert [r.path for r in b.requests] == ["/dir/page", "/dir/next"]


async def test_scheme_relative_location(pki: Pki, ca_env: dict[str, str]) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf())) as b,
    ):
        a.redirect("/start", f"//127.0.0.1:{b.port}/landing")
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(a.url + "start")
    assert response.url == b.url + "landing"


@pytest.mark.parametrize(
    "location",
    [
        "/files/pkg-1.0%2Blocal-py3-none-any.whl",
        "/files/a%20b%2Fc.whl?sig=a%2Bb%3D&x=1",
        "/simple/caf%C3%A9/",
    ],
)
async def test_location_percent_encoding_is_preserved(
    location: str, pki: Pki, ca_env: dict[str, str]
) -> None:
    # Index file URLs carry %2B for "+" (local versions) and signed query strings; decoding
    # them on the way would fetch another object.
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf())) as b,
    ):
        a.redirect("/relative", location)
        a.redirect("/absolute", b.url + location.lstrip("/"))
        async with HttpClient(make_trust(ca_env)) as client:
            relative = await client.get(a.url + "relative")
            absolute = await client.get(a.url + "absolute")
    assert a.requests[1].path == location
    assert b.requests[0].path == location
    assert relative.url == a.url + location.lstrip("/")
    assert absolute.url == b.url + location.lstrip("/")


async def test_redirect_loop_is_refused(pki: Pki, ca_env: dict[str, str]) -> None:
    async with serve_https(server_context(pki.root.issue_leaf())) as server:
        server.redirect("/loop", "/loop")
        async with HttpClient(make_trust(ca_env)) as client:
            with pytest.raises(RedirectError) as caught:
                await client.get(server.url + "loop")
    assert "more than 10 redirects" in caught.value.reason
    assert caught.value.url == server.url + "loop"
    assert len(server.requests) == 11  # the first request and ten redirects, then stop


async def test_redirect_loop_between_two_hosts_is_refused(pki: Pki, ca_env: dict[str, str]) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf())) as b,
    ):
        a.redirect("/ping", b.url + "pong")
        b.redirect("/pong", a.url + "ping")
        async with HttpClient(make_trust(ca_env), max_redirects=5) as client:
            with pytest.raises(RedirectError):
                await client.get(a.url + "ping")
    assert len(a.requests) + len(b.requests) == 6


@pytest.mark.parametrize(("max_redirects", "succeeds"), [(3, False), (4, True), (5, True)])
async def test_max_redirects(
    max_redirects: int, succeeds: bool, pki: Pki, ca_env: dict[str, str]
) -> None:
    async with serve_https(server_context(pki.root.issue_leaf())) as server:
        for hop in range(4):  # /r0 -> /r1 -> /r2 -> /r3 -> /final: four redirects
            server.redirect(f"/r{hop}", f"/r{hop + 1}" if hop < 3 else "/final")
        async with HttpClient(make_trust(ca_env), max_redirects=max_redirects) as client:
            if succeeds:
                response = await client.get(server.url + "r0")
                assert response.url == server.url + "final"
            else:
                with pytest.raises(RedirectError) as caught:
                    await client.get(server.url + "r0")
                assert f"more than {max_redirects} redirects" in caught.value.reason
                assert server.requests[-1].path == "/r3"


async def test_max_redirects_zero_refuses_any_redirect(pki: Pki, ca_env: dict[str, str]) -> None:
    async with serve_https(server_context(pki.root.issue_leaf())) as server:
        server.redirect("/start", "/final")
        async with HttpClient(make_trust(ca_env), max_redirects=0) as client:
            with pytest.raises(RedirectError):
                await client.get(server.url + "start")
            assert (await client.get(server.url + "final")).status == 200


# --------------------------------------------------------------------------- credentials


def _auth_seen(server: LocalServer) -> list[str | None]:
    return [r.headers.get("Authorization") for r in server.requests]


@pytest.mark.parametrize("header", ["Authorization", "authorization"])
@pytest.mark.parametrize("where", WHERE)
async def test_authorization_kept_same_origin_dropped_cross_origin(
    where: str, header: str, pki: Pki, ca_env: dict[str, str]
) -> None:
    host_b = _second_host(where)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf(hosts=(host_b,))), host=host_b) as b,
    ):
        a.redirect("/start", "/same-origin")  # relative: same origin
        a.redirect("/same-origin", a.url + "absolute-same")  # absolute: still same origin
        a.redirect("/absolute-same", b.url + "elsewhere")  # another origin
        b.redirect("/elsewhere", "/deeper")  # same origin as b, credentials already gone
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(a.url + "start", headers={header: AUTH, "X-Other": "kept"})
    assert response.url == b.url + "deeper"
    assert [r.path for r in a.requests] == ["/start", "/same-origin", "/absolute-same"]
    assert _auth_seen(a) == [AUTH, AUTH, AUTH]
    assert [r.path for r in b.requests] == ["/elsewhere", "/deeper"]
    assert _auth_seen(b) == [None, None]


async def test_authorization_dropped_on_http_to_https_redirect(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    # A scheme change is an origin change, even towards a more secure scheme.
    async with serve_http() as plain, serve_https(server_context(pki.root.issue_leaf())) as a:
        plain.redirect("/start", a.url + "landing")
        async with HttpClient(make_trust(ca_env)) as client:
            await client.get(plain.url + "start", headers={"Authorization": AUTH})
    assert _auth_seen(plain) == [AUTH]
    assert _auth_seen(a) == [None]


async def test_authorization_dropped_towards_insecure_host(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(self_signed_leaf())) as b,
    ):
        a.redirect("/start", b.url)
        env = {**ca_env, "UV_INSECURE_HOST": insecure_entry(b.url)}
        async with HttpClient(make_trust(env)) as client:
            await client.get(a.url + "start", headers={"Authorization": AUTH})
    assert _auth_seen(a) == [AUTH]
    assert _auth_seen(b) == [None]


async def test_url_credentials_not_forwarded_cross_origin_and_redacted(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf())) as b,
    ):
        a.redirect("/start", "/same")
        a.redirect("/same", b.url + "other")
        a.redirect("/loop", "/loop")
        base = f"https://user:secret@127.0.0.1:{a.port}/"
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(base + "start")
            with pytest.raises(RedirectError) as caught:
                await client.get(base + "loop")
    assert response.url == b.url + "other"
    assert _auth_seen(a)[:2] == [AUTH, AUTH]
    assert _auth_seen(b) == [None]
    assert "secret" not in str(caught.value)
    # Credentials are taken out of the URL before the request: errors show none at all.
    assert caught.value.url == f"https://127.0.0.1:{a.port}/loop"
