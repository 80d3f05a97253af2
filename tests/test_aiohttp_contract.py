"""The aiohttp behaviour TrustConnector relies on, pinned against real servers.

TrustConnector overrides the private ``TCPConnector._get_ssl_context(req)``. That only
gives per-host trust if aiohttp calls it for every TLS connection, with the request of
the hop being connected (the target behind a proxy, each redirect hop), and then uses
the context it returns. A recording subclass of plain ``aiohttp.TCPConnector`` checks
each of those facts, so an aiohttp release that changes them fails here rather than
silently verifying the wrong host.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import ClientRequest
from conftest import Pki, insecure_entry, make_trust
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from yarl import URL

from indexclient.testing.pki import self_signed_leaf, server_context
from indexclient.testing.servers import connect_proxy, serve_https
from indexclient.transport import TrustConnector

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

Chooser = Callable[[ClientRequest], ssl.SSLContext]


class RecordingConnector(aiohttp.TCPConnector):
    """Records every ``_get_ssl_context`` call, then lets ``choose`` pick the context."""

    def __init__(self, choose: Chooser) -> None:
        super().__init__()
        self.calls: list[tuple[str, bool]] = []
        self._choose = choose

    def _get_ssl_context(self, req: ClientRequest) -> ssl.SSLContext | None:
        self.calls.append((str(req.url), req.is_ssl()))
        if not req.is_ssl():
            return None
        return self._choose(req)

    @property
    def tls_calls(self) -> list[str]:
        """URLs of the calls made for TLS connections."""
        return [url for url, is_ssl in self.calls if is_ssl]


def _trusting(pki: Pki) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki.ca_file))


def _host_port(url: str) -> tuple[str | None, int | None]:
    parsed = URL(url)
    return parsed.host, parsed.port


async def _get(session: aiohttp.ClientSession, url: str, **kwargs: object) -> tuple[int, str]:
    async with session.get(url, **kwargs) as response:  # type: ignore[arg-type]
        return response.status, str(response.url)


# --------------------------------------------------------------------------- the private hook


async def test_direct_request_calls_hook_with_request_url(pki: Pki) -> None:
    context = _trusting(pki)
    connector = RecordingConnector(lambda req: context)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        status, _ = await _get(session, server.url + "simple/pkg/?q=1")
    assert status == 200
    assert connector.calls == [(server.url + "simple/pkg/?q=1", True)]


async def test_hook_called_once_per_connection_not_per_request(pki: Pki) -> None:
    # The pool keeps the connection; the hook (and so context_for) runs only for new ones.
    context = _trusting(pki)
    connector = RecordingConnector(lambda req: context)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        for n in range(4):
            await _get(session, server.url + f"{n}")
    assert connector.tls_calls == [server.url + "0"]


async def test_aiohttp_redirects_call_hook_for_each_hop(pki: Pki) -> None:
    context = _trusting(pki)
    connector = RecordingConnector(lambda req: context)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as a,
        serve_https(server_context(pki.root.issue_leaf())) as b,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        a.redirect("/start", b.url + "middle")
        b.redirect("/middle", a.url + "end")  # back to A: its pooled connection is reused
        status, final = await _get(session, a.url + "start", allow_redirects=True)
    assert status == 200
    assert final == a.url + "end"
    assert connector.tls_calls == [a.url + "start", b.url + "middle"]
    assert [_host_port(u) for u in connector.tls_calls] == [
        ("127.0.0.1", a.port),
        ("127.0.0.1", b.port),
    ]


async def test_proxy_tunnel_calls_hook_with_target_url(pki: Pki) -> None:
    context = _trusting(pki)
    connector = RecordingConnector(lambda req: context)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        status, _ = await _get(session, server.url + "simple/", proxy=proxy.url)
    assert status == 200
    assert connector.tls_calls == [server.url + "simple/"]
    # Any other call is for the plain-TCP connection to the proxy (no context asked for).
    other_calls = [url for url, is_ssl in connector.calls if not is_ssl]
    assert all(_host_port(url) == ("127.0.0.1", proxy.port) for url in other_calls)
    assert proxy.connects == [insecure_entry(server.url)]
    assert [r.path for r in server.requests] == ["/simple/"]


async def test_returned_context_is_the_one_used(pki: Pki) -> None:
    good = _trusting(pki)
    # No roots at all: any server certificate fails verification with this one.
    rootless = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

    def choose(req: ClientRequest) -> ssl.SSLContext:
        return rootless if req.url.port == rejected.port else good

    connector = RecordingConnector(choose)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as accepted,
        serve_https(server_context(pki.root.issue_leaf())) as rejected,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        status, _ = await _get(session, accepted.url)
        with pytest.raises(aiohttp.ClientConnectorCertificateError) as caught:
            await _get(session, rejected.url)
    assert status == 200
    assert caught.value.host == "127.0.0.1"
    assert caught.value.port == rejected.port
    assert rejected.requests == []


async def test_returned_unverified_context_is_the_one_used(pki: Pki) -> None:
    # And the reverse: a non-verifying context makes a self-signed server acceptable.
    good = _trusting(pki)
    lax = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE

    def choose(req: ClientRequest) -> ssl.SSLContext:
        return lax if req.url.port == lax_server.port else good

    connector = RecordingConnector(choose)
    async with (
        serve_https(server_context(self_signed_leaf())) as lax_server,
        serve_https(server_context(self_signed_leaf())) as strict_server,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        status, _ = await _get(session, lax_server.url)
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await _get(session, strict_server.url)
    assert status == 200


async def test_proxy_tunnel_uses_returned_context(pki: Pki) -> None:
    rootless = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    connector = RecordingConnector(lambda req: rootless)
    async with (
        serve_https(server_context(pki.root.issue_leaf())) as server,
        connect_proxy() as proxy,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await _get(session, server.url, proxy=proxy.url)
    assert proxy.connects == [insecure_entry(server.url)]
    assert server.requests == []


def test_aiohttp_version_within_pinned_range() -> None:
    with PYPROJECT.open("rb") as handle:
        project = tomllib.load(handle)
    pins = [
        Requirement(dep)
        for dep in project["project"]["dependencies"]
        if Requirement(dep).name == "aiohttp"
    ]
    assert len(pins) == 1, pins
    specifier = SpecifierSet(str(pins[0].specifier))
    assert specifier, "aiohttp must be pinned to a range: the connector uses a private method"
    assert any(s.operator in ("<", "<=", "~=", "==") for s in specifier), specifier
    assert specifier.contains(aiohttp.__version__, prereleases=True), (
        f"aiohttp {aiohttp.__version__} is outside {specifier}: check "
        "TCPConnector._get_ssl_context and widen the pin"
    )


def test_hook_still_exists_with_expected_signature() -> None:
    import inspect

    hook = aiohttp.TCPConnector._get_ssl_context
    assert list(inspect.signature(hook).parameters) == ["self", "req"]
    assert TrustConnector._get_ssl_context is not hook


# --------------------------------------------------------------------------- TrustConnector


async def _trust_session_get(
    connector: TrustConnector, url: str, **kwargs: object
) -> tuple[int, str]:
    async with aiohttp.ClientSession(connector=connector) as session:
        return await _get(session, url, **kwargs)


@pytest.mark.parametrize("direction", ["insecure-to-verified", "verified-to-insecure"])
async def test_trust_connector_with_aiohttp_redirects_judges_each_hop(
    direction: str, pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(self_signed_leaf())) as insecure,
        serve_https(server_context(pki.root.issue_leaf())) as verified,
    ):
        first, second = (
            (insecure, verified) if direction == "insecure-to-verified" else (verified, insecure)
        )
        first.redirect("/start", second.url + "landing")
        trust = make_trust({**ca_env, "UV_INSECURE_HOST": insecure_entry(insecure.url)})
        status, final = await _trust_session_get(
            TrustConnector(trust), first.url + "start", allow_redirects=True
        )
    assert status == 200
    assert final == second.url + "landing"
    assert [r.path for r in second.requests] == ["/landing"]


async def test_trust_connector_with_aiohttp_redirects_rejects_unverifiable_hop(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(self_signed_leaf())) as insecure,
        serve_https(server_context(self_signed_leaf())) as unverifiable,
    ):
        insecure.redirect("/start", unverifiable.url + "landing")
        trust = make_trust({**ca_env, "UV_INSECURE_HOST": insecure_entry(insecure.url)})
        with pytest.raises(aiohttp.ClientConnectorCertificateError) as caught:
            await _trust_session_get(
                TrustConnector(trust), insecure.url + "start", allow_redirects=True
            )
    assert caught.value.port == unverifiable.port
    assert [r.path for r in insecure.requests] == ["/start"]
    assert unverifiable.requests == []


def _lax_context() -> ssl.SSLContext:
    lax = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    return lax


@pytest.mark.parametrize("per_request", ["ssl-false", "lax-context", "verify-ssl-false"])
async def test_trust_connector_ignores_per_request_ssl(per_request: str) -> None:
    kwargs: dict[str, object]
    if per_request == "ssl-false":
        kwargs = {"ssl": False}
    elif per_request == "lax-context":
        kwargs = {"ssl": _lax_context()}
    else:
        kwargs = {"verify_ssl": False}
    async with serve_https(server_context(self_signed_leaf())) as server:
        trust = make_trust({})
        if per_request == "verify-ssl-false":
            with (
                pytest.warns(DeprecationWarning, match="verify_ssl"),
                pytest.raises(aiohttp.ClientConnectorCertificateError),
            ):
                await _trust_session_get(TrustConnector(trust), server.url, **kwargs)
        else:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await _trust_session_get(TrustConnector(trust), server.url, **kwargs)
    assert server.requests == []


async def test_trust_connector_refuses_ssl_argument() -> None:
    with pytest.raises(TypeError, match="trust"):
        TrustConnector(make_trust({}), ssl=False)


async def test_trust_connector_through_proxy_judges_target(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    async with (
        serve_https(server_context(self_signed_leaf())) as insecure,
        serve_https(server_context(self_signed_leaf())) as unverifiable,
        connect_proxy() as proxy,
    ):
        # The proxy's own host:port is insecure; that must not reach through the tunnel.
        trust = make_trust(
            {
                **ca_env,
                "UV_INSECURE_HOST": f"{insecure_entry(insecure.url)} {insecure_entry(proxy.url)}",
            }
        )
        async with aiohttp.ClientSession(connector=TrustConnector(trust)) as session:
            status, _ = await _get(session, insecure.url, proxy=proxy.url)
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await _get(session, unverifiable.url, proxy=proxy.url)
    assert status == 200
    assert proxy.connects == [insecure_entry(insecure.url), insecure_entry(unverifiable.url)]


async def test_session_retry_switch_exists_and_is_honoured() -> None:
    # HttpClient turns off aiohttp's own re-send of idempotent requests through this
    # private attribute (aiohttp's test utilities set it too); a release that renames
    # it must fail here, not silently double every retry.
    async with aiohttp.ClientSession() as session:
        assert session._retry_connection is True
    import inspect

    source = inspect.getsource(aiohttp.ClientSession._request)
    assert "self._retry_connection" in source
