"""SSL contexts are built once per configuration and shared (docs/trust.md, "Contexts").

Counted with a fresh :class:`ContextCache` per test, over real connections: servers
record the peer address of every request, so distinct peer ports are distinct TCP
connections.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki, insecure_entry, make_trust

from indexclient.errors import CertificateVerificationError, ConfigurationError, TLSError
from indexclient.testing.pki import self_signed_leaf, server_context
from indexclient.testing.servers import SENDS_TLS_ALERTS, serve_https
from indexclient.tls.contexts import ContextCache
from indexclient.tls.trust import Trust
from indexclient.transport import HttpClient


class PeerLog:
    """A request handler remembering which client connection each request came on."""

    def __init__(self) -> None:
        self.peers: list[tuple[str, int]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        peer = request.transport.get_extra_info("peername")
        self.peers.append((peer[0], peer[1]))
        return web.Response(text=f"ok {request.path}")

    @property
    def connections(self) -> int:
        return len(set(self.peers))


def _contexts(trust: Trust) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    return trust.verified_context(), trust.unverified_context()


def _client_cert(pki: Pki, directory: Path, name: str) -> str:
    issued = pki.root.issue_leaf(hosts=(), common_name=name, client=True, server=False)
    return str(issued.write(directory, name).pem)


# --------------------------------------------------------------------------- built once


async def test_twenty_requests_build_two_contexts(pki: Pki, ca_env: dict[str, str]) -> None:
    logs = [PeerLog(), PeerLog(), PeerLog()]
    async with (
        serve_https(server_context(pki.root.issue_leaf()), logs[0].handle) as verified_a,
        serve_https(server_context(pki.root.issue_leaf()), logs[1].handle) as verified_b,
        serve_https(server_context(self_signed_leaf()), logs[2].handle) as insecure,
    ):
        cache = ContextCache()
        trust = make_trust(
            {**ca_env, "UV_INSECURE_HOST": insecure_entry(insecure.url)}, cache=cache
        )
        urls = [verified_a.url, verified_b.url, insecure.url]
        requests = 0
        async with HttpClient(trust) as first, HttpClient(trust) as second:
            # Concurrent: 9 requests at once, 3 per server (aiohttp may open several
            # connections per server here).
            responses = await asyncio.gather(
                *(first.get(f"{url}c{n}") for n in range(3) for url in urls)
            )
            requests += len(responses)
            # Sequential through the first client, then through the second.
            for n in range(2):
                for url in urls:
                    responses.append(await first.get(f"{url}s{n}"))
                    requests += 1
            for n in range(5):
                responses.append(await second.get(f"{urls[n % 3]}t{n}"))
                requests += 1
        # A third client, opened after the others were closed.
        async with HttpClient(trust) as third:
            responses.append(await third.get(insecure.url + "late"))
            requests += 1
        assert requests == 21
        assert all(r.status == 200 for r in responses)
        connections = sum(log.connections for log in logs)
        stats = cache.stats()
        assert stats.built == 2, "one verified and one unverified context, whatever the traffic"
        assert stats.served >= connections
        assert sum(len(log.peers) for log in logs) == requests

        # Much more traffic changes nothing.
        async with HttpClient(trust) as client:
            await asyncio.gather(*(client.get(f"{url}more{n}") for n in range(30) for url in urls))
    assert cache.stats().built == 2


async def test_context_chosen_once_per_connection_not_per_request(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    log, insecure_log = PeerLog(), PeerLog()
    async with (
        serve_https(server_context(pki.root.issue_leaf()), log.handle) as server,
        serve_https(server_context(self_signed_leaf()), insecure_log.handle) as insecure,
    ):
        cache = ContextCache()
        trust = make_trust(
            {**ca_env, "UV_INSECURE_HOST": insecure_entry(insecure.url)}, cache=cache
        )
        async with HttpClient(trust) as client:
            before = cache.stats()
            for n in range(6):
                assert (await client.get(f"{server.url}{n}")).status == 200
                assert (await client.get(f"{insecure.url}{n}")).status == 200
            after = cache.stats()
    # Keep-alive: one TCP connection per server for all six sequential requests ...
    assert log.connections == 1
    assert insecure_log.connections == 1
    assert len(log.peers) == len(insecure_log.peers) == 6
    # ... and the context was asked for once per connection, never rebuilt.
    assert after.served - before.served == 2
    assert after.built == before.built == 2


async def test_prepare_builds_contexts_up_front(pki: Pki, ca_env: dict[str, str]) -> None:
    cache = ContextCache()
    make_trust(ca_env, cache=cache)
    assert cache.stats().built == 1  # no insecure host: no unverified context
    cache = ContextCache()
    make_trust({**ca_env, "UV_INSECURE_HOST": "127.0.0.1"}, cache=cache)
    assert cache.stats().built == 2


# --------------------------------------------------------------------------- shared objects


def test_same_configuration_gives_same_objects(pki: Pki, ca_env: dict[str, str]) -> None:
    cache = ContextCache()
    env = {**ca_env, "UV_INSECURE_HOST": "127.0.0.1:8443"}
    one = make_trust(env, cache=cache)
    two = make_trust(dict(env), cache=cache)
    assert one is not two
    assert one.verified_context() is two.verified_context()
    assert one.unverified_context() is two.unverified_context()
    assert one.context_for("https", "127.0.0.1", 8443) is two.unverified_context()
    assert one.context_for("https", "127.0.0.1", 9443) is two.verified_context()
    assert one.context_for("https", "localhost", None) is one.verified_context()
    # Asking again, from any Trust, returns the same object every time.
    assert len({id(one.context_for("https", "127.0.0.1", port)) for port in range(9000, 9050)}) == 1
    assert cache.stats().built == 2


def test_different_roots_different_verified_context_same_unverified(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    cache = ContextCache()
    one = make_trust({**ca_env, "UV_INSECURE_HOST": "127.0.0.1"}, cache=cache)
    assert cache.stats().built == 2

    other_file = tmp_path / "same-root-other-path.pem"
    shutil.copyfile(pki.ca_file, other_file)
    two = make_trust(
        {"SSL_CERT_FILE": str(other_file), "UV_INSECURE_HOST": "127.0.0.1"}, cache=cache
    )
    assert two.verified_context() is not one.verified_context()
    assert cache.stats().built == 3, "only the verified context depends on the roots"
    # Not verifying, the roots do not matter: one unverified context for both sources.
    assert two.unverified_context() is one.unverified_context()

    # The bundled roots are a third source; still the same unverified context.
    three = make_trust({"UV_INSECURE_HOST": "127.0.0.1"}, cache=cache)
    assert three.verified_context() is not one.verified_context()
    assert three.unverified_context() is one.unverified_context()
    assert cache.stats().built == 4


def test_unverified_context_not_shared_between_client_identities(
    pki: Pki, ca_env: dict[str, str], tmp_path: Path
) -> None:
    alice = _client_cert(pki, tmp_path, "alice")
    bob = _client_cert(pki, tmp_path, "bob")
    cache = ContextCache()
    base = {**ca_env, "UV_INSECURE_HOST": "127.0.0.1"}
    anonymous = make_trust(base, cache=cache)
    as_alice = make_trust({**base, "SSL_CLIENT_CERT": alice}, cache=cache)
    as_alice_again = make_trust({**base, "SSL_CLIENT_CERT": alice}, cache=cache)
    as_bob = make_trust({**base, "SSL_CLIENT_CERT": bob}, cache=cache)

    unverified = {
        name: t.unverified_context()
        for name, t in [("none", anonymous), ("alice", as_alice), ("bob", as_bob)]
    }
    assert len({id(c) for c in unverified.values()}) == 3
    verified = [t.verified_context() for t in (anonymous, as_alice, as_bob)]
    assert len({id(c) for c in verified}) == 3
    assert as_alice_again.unverified_context() is unverified["alice"]
    assert as_alice_again.verified_context() is as_alice.verified_context()
    assert cache.stats().built == 6

    # An identity's unverified context is still shared across trust sources.
    bundled_alice = make_trust({"SSL_CLIENT_CERT": alice, "UV_INSECURE_HOST": "*"}, cache=cache)
    assert bundled_alice.unverified_context() is unverified["alice"]


async def test_client_identity_presented_on_insecure_connection(pki: Pki, tmp_path: Path) -> None:
    # The unverified context of an identity really carries it: a server requiring a client
    # certificate accepts the connection even though its own certificate is not verified.
    alice = _client_cert(pki, tmp_path, "alice")
    context = server_context(self_signed_leaf(), client_ca=pki.root)
    async with serve_https(context) as server:
        cache = ContextCache()
        env = {"SSL_CLIENT_CERT": alice, "UV_INSECURE_HOST": insecure_entry(server.url)}
        async with HttpClient(make_trust(env, cache=cache)) as client:
            assert (await client.get(server.url)).status == 200


async def test_shared_context_reports_each_trusts_own_origin(pki: Pki) -> None:
    # Same roots from the environment and from an argument: one shared context (same
    # cache key), but each error must say where *its* client's roots came from.
    cache = ContextCache()
    from_env = make_trust({"SSL_CERT_FILE": str(pki.ca_file)}, cache=cache)
    from_api = make_trust({}, cache=cache, ssl_cert_file=str(pki.ca_file))
    assert from_env.verified_context() is from_api.verified_context()
    assert from_env.source.describe() != from_api.source.describe()
    async with serve_https(server_context(self_signed_leaf())) as server:
        seen = []
        for trust in (from_env, from_api):
            async with HttpClient(trust) as client:
                with pytest.raises(CertificateVerificationError) as caught:
                    await client.get(server.url)
            seen.append(caught.value.trust)
    assert seen == [from_env.source.describe(), from_api.source.describe()]


# --------------------------------------------------------------------------- policy settings


def _trust_for(source: str, pki: Pki) -> Trust:
    env = {"UV_INSECURE_HOST": "127.0.0.1"}
    if source == "custom":
        env["SSL_CERT_FILE"] = str(pki.ca_file)
    if source == "platform":
        try:
            return make_trust(env, system_certs=True)
        except ConfigurationError as exc:
            pytest.skip(f"no usable platform trust store here: {exc}")
    return make_trust(env)


@pytest.mark.parametrize("source", ["custom", "bundled", "platform"])
def test_verified_context_policy(source: str, pki: Pki) -> None:
    context = _trust_for(source, pki).verified_context()
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.check_hostname is True
    assert context.hostname_checks_common_name is False
    assert context.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize("source", ["custom", "bundled", "platform"])
def test_unverified_context_policy(source: str, pki: Pki) -> None:
    context = _trust_for(source, pki).unverified_context()
    assert context.verify_mode == ssl.CERT_NONE
    assert context.check_hostname is False
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


@pytest.mark.skipif(
    not SENDS_TLS_ALERTS,
    reason="this Python's asyncio test server resets instead of sending the TLS alert",
)
async def test_unverified_context_still_refuses_old_tls(pki: Pki) -> None:
    # allow-insecure-host turns verification off, not the TLS version floor.
    versions = (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1)
    context = server_context(self_signed_leaf(), tls_versions=versions)
    async with serve_https(context) as server:
        trust = make_trust({"UV_INSECURE_HOST": insecure_entry(server.url)})
        async with HttpClient(trust) as client:
            with pytest.raises(TLSError, match=r"TLS 1\.2"):
                await client.get(server.url)
    assert server.requests == []


def test_prepare_loads_only_roots_that_can_be_misconfigured(pki: Pki, tmp_path: Path) -> None:
    # certifi's bundle and the platform store cannot be wrong: they load with the first
    # connection (a run answered from the cache makes none). Custom roots are checked
    # at start, as docs/trust.md asks ("Trust sources").
    for environ in ({}, {"UV_SYSTEM_CERTS": "1"}, {"UV_INSECURE_HOST": "*"}):
        cache = ContextCache()
        make_trust(environ, cache=cache).prepare()
        assert cache.stats().built == 0, environ
    cache = ContextCache()
    make_trust({"SSL_CERT_FILE": str(pki.ca_file), "UV_INSECURE_HOST": "*"}, cache=cache).prepare()
    assert cache.stats().built == 2
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here\n")
    with pytest.raises(ConfigurationError):
        make_trust({"SSL_CERT_FILE": str(empty)}, cache=ContextCache()).prepare()
    bundled = make_trust({}, cache=(cache := ContextCache()))
    bundled.prepare()
    bundled.context_for("https", "index.example", 443)
    assert cache.stats().built == 1
