"""HTTPS through an HTTP CONNECT proxy taken from the environment (HTTPS_PROXY, NO_PROXY).

HttpClient reads the proxy variables from ``os.environ`` (aiohttp ``trust_env=True``);
trust is judged on the *target* behind the tunnel, never on the proxy.
"""

from __future__ import annotations

import socket
from urllib.parse import quote

import pytest
from conftest import Pki, insecure_entry, make_trust

from indexclient.errors import CertificateVerificationError, ConnectError, TLSError, TransportError
from indexclient.testing.pki import self_signed_leaf, server_context
from indexclient.testing.servers import connect_proxy, serve_http, serve_https
from indexclient.transport import HttpClient

OTHER_HOST = "127.0.0.2"


def _can_bind(host: str) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
    except OSError:
        return False
    return True


_OTHER_HOST_USABLE = _can_bind(OTHER_HOST)


def _target(url: str) -> str:
    """The CONNECT target for a server URL (``host:port``)."""
    return insecure_entry(url)


async def test_verified_target_through_proxy(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(server.url + "simple/")
            again = await client.get(server.url + "simple/pkg/")
    assert response.status == 200
    assert response.body == b"ok /simple/"
    assert again.status == 200
    # One tunnel, kept alive for the second request; the proxy never sees a plain request.
    assert proxy.connects == [_target(server.url)]
    assert [r.method for r in proxy.requests] == ["CONNECT"]
    assert [r.path for r in server.requests] == ["/simple/", "/simple/pkg/"]


async def test_lowercase_https_proxy_is_honoured(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
    ):
        monkeypatch.setenv("https_proxy", proxy.url)
        async with HttpClient(make_trust(ca_env)) as client:
            assert (await client.get(server.url)).status == 200
    assert proxy.connects == [_target(server.url)]


async def test_target_verified_against_its_own_certificate(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The target is verified with the configured roots: without SSL_CERT_FILE trusting the
    # test root, the same tunnel to the same server is rejected.
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with HttpClient(make_trust({})) as client:
            with pytest.raises(CertificateVerificationError) as caught:
                await client.get(server.url)
    assert caught.value.kind == "unknown-issuer", str(caught.value)
    assert caught.value.host == "127.0.0.1"
    assert caught.value.url == server.url
    assert proxy.connects == [_target(server.url)]
    assert server.requests == []


async def test_self_signed_target_through_proxy_rejected_then_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with serve_https(server_context(self_signed_leaf())) as server, connect_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with HttpClient(make_trust({})) as client:
            with pytest.raises(CertificateVerificationError) as caught:
                await client.get(server.url + "simple/")
        assert server.requests == []

        env = {"UV_INSECURE_HOST": insecure_entry(server.url)}
        async with HttpClient(make_trust(env)) as client:
            response = await client.get(server.url + "simple/")
    error = caught.value
    assert error.kind == "self-signed", str(error)
    assert error.host == "127.0.0.1"
    assert error.url == server.url + "simple/"
    assert str(proxy.port) not in str(error)
    assert response.status == 200
    assert proxy.connects == [_target(server.url)] * 2


@pytest.mark.parametrize("entry_form", ["proxy-host-port", "proxy-url", "proxy-host"])
async def test_insecure_entry_for_the_proxy_does_not_cover_the_target(
    entry_form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The target lives on another address than the proxy where possible, so an entry naming
    # the proxy's whole host cannot match the target by accident.
    if entry_form == "proxy-host" and not _OTHER_HOST_USABLE:
        pytest.skip(f"cannot bind {OTHER_HOST} on this machine")
    target_host = OTHER_HOST if _OTHER_HOST_USABLE else "127.0.0.1"
    leaf = self_signed_leaf(hosts=(target_host,))
    async with (
        serve_https(server_context(leaf), host=target_host) as server,
        connect_proxy() as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        entry = {
            "proxy-host-port": insecure_entry(proxy.url),
            "proxy-url": proxy.url,
            "proxy-host": proxy.host,
        }[entry_form]
        async with HttpClient(make_trust({"UV_INSECURE_HOST": entry})) as client:
            with pytest.raises(CertificateVerificationError) as caught:
                await client.get(server.url)
    assert caught.value.host == target_host
    assert caught.value.url == server.url
    assert proxy.connects == [_target(server.url)]
    assert server.requests == []


async def test_redirect_through_proxy_judges_each_hop(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(self_signed_leaf())) as insecure,
        serve_https(server_context(pki.root.issue_leaf())) as verified,
        serve_https(server_context(self_signed_leaf())) as unverifiable,
        connect_proxy() as proxy,
    ):
        insecure.redirect("/good", verified.url + "landing")
        insecure.redirect("/bad", unverifiable.url + "landing")
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        env = {**ca_env, "UV_INSECURE_HOST": insecure_entry(insecure.url)}
        async with HttpClient(make_trust(env)) as client:
            response = await client.get(insecure.url + "good")
            with pytest.raises(CertificateVerificationError) as caught:
                await client.get(insecure.url + "bad")
    assert response.url == verified.url + "landing"
    assert caught.value.url == unverifiable.url + "landing"
    assert unverifiable.requests == []
    assert proxy.connects[:2] == [_target(insecure.url), _target(verified.url)]
    assert proxy.connects[-1] == _target(unverifiable.url)


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
async def test_no_proxy_connects_directly(
    no_proxy: str, pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(server.url)
    assert response.status == 200
    assert proxy.connects == []
    assert proxy.requests == []
    assert [r.path for r in server.requests] == ["/"]


async def test_no_proxy_for_another_host_still_uses_proxy(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "index.invalid")
        async with HttpClient(make_trust(ca_env)) as client:
            assert (await client.get(server.url)).status == 200
    assert proxy.connects == [_target(server.url)]


async def test_trust_env_false_ignores_https_proxy(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with HttpClient(make_trust(ca_env), trust_env=False) as client:
            assert (await client.get(server.url)).status == 200
    assert proxy.connects == []


# --------------------------------------------------------------------------- 407


PROXY_USER, PROXY_PASSWORD = "proxyuser", "pr0xy:s3cret"


def _with_proxy_credentials(proxy_url: str, password: str = PROXY_PASSWORD) -> str:
    scheme, rest = proxy_url.split("://", 1)
    return f"{scheme}://{PROXY_USER}:{quote(password, safe='')}@{rest}"


def _texts(exc: BaseException) -> list[str]:
    """str, repr and hint of ``exc`` and of everything it was raised from."""
    found: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        found += [str(current), repr(current), str(getattr(current, "hint", ""))]
        current = current.__cause__ or current.__context__
    return found


async def test_connect_proxy_wanting_credentials_is_a_clear_error(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with HttpClient(make_trust(ca_env)) as client:
            with pytest.raises(TransportError) as caught:
                await client.get(server.url + "simple/")
    error = caught.value
    # Not a connection problem (those are retried) and not a TLS one: a 407 from the proxy.
    assert not isinstance(error, ConnectError | TLSError)
    assert "407" in str(error)
    assert "proxy" in str(error)
    assert error.url == server.url + "simple/"
    assert error.hint is not None
    assert "HTTPS_PROXY=http://user:password@" in error.hint
    assert "client certificate" not in error.hint
    assert "SSL_CLIENT_CERT" not in error.hint
    assert proxy.connects == [_target(server.url)]  # asked once: a 407 is not retried
    assert server.requests == []


async def test_credentials_in_the_proxy_url_are_sent_to_the_proxy(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the 407 hint says to do works: the proxy URL's userinfo becomes
    # Proxy-Authorization on the CONNECT, and never reaches the target.
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", _with_proxy_credentials(proxy.url))
        async with HttpClient(make_trust(ca_env)) as client:
            response = await client.get(server.url + "simple/")
    assert response.status == 200
    assert proxy.connects == [_target(server.url)]
    [request] = server.requests
    assert "Proxy-Authorization" not in request.headers
    assert "Authorization" not in request.headers


async def test_wrong_proxy_credentials_are_not_shown(
    pki: Pki, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", _with_proxy_credentials(proxy.url, "wr0ng-s3cret"))
        async with HttpClient(make_trust(ca_env)) as client:
            with pytest.raises(TransportError) as caught:
                await client.get(server.url)
    assert "407" in str(caught.value)
    assert not [text for text in _texts(caught.value) if "wr0ng" in text]


async def test_plain_http_proxy_wanting_credentials_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with serve_http() as server, connect_proxy(auth=(PROXY_USER, PROXY_PASSWORD)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with HttpClient(make_trust({})) as client:
            with pytest.raises(TransportError) as caught:
                await client.get(server.url + "simple/")
    error = caught.value
    assert not isinstance(error, ConnectError | TLSError)
    assert "407" in str(error)
    assert error.hint is not None
    assert "HTTP_PROXY=http://user:password@" in error.hint
    # The proxy saw the plain request (absolute form), once; the server saw nothing.
    assert [(r.method, r.path) for r in proxy.requests] == [("GET", server.url + "simple/")]
    assert server.requests == []
