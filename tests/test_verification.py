"""The verification policy of docs/trust.md, over real TLS servers on 127.0.0.1.

One local server per case, certificates generated for this run. Accepted cases must
fetch; rejected cases must fail with their own reason, and be accepted when the
server's host:port is an allow-insecure-host entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from conftest import Pki, fetch, insecure_entry, make_trust

from indexclient.errors import CertificateVerificationError, TLSError
from indexclient.testing.pki import (
    CertificateAuthority,
    IssuedCert,
    self_signed_leaf,
    server_context,
)
from indexclient.testing.servers import SENDS_TLS_ALERTS, serve_https

NOW = datetime.now(timezone.utc)

# Roots of other key kinds, so RSA-PSS and Ed25519 signatures can be made.
_RSA_ROOT = CertificateAuthority.create("indexclient rsa root", "rsa2048")
_ED_ROOT = CertificateAuthority.create("indexclient ed25519 root", "ed25519")

Case = Callable[[Pki], IssuedCert]

ACCEPTED: dict[str, Case] = {
    "ecdsa-p256": lambda p: p.root.issue_leaf(key_type="ec-p256"),
    "ecdsa-p384": lambda p: p.root.issue_leaf(key_type="ec-p384", hash="sha384"),
    "ecdsa-p521": lambda p: p.root.issue_leaf(key_type="ec-p521", hash="sha512"),
    "rsa-2048": lambda p: p.root.issue_leaf(key_type="rsa2048"),
    "rsa-4096": lambda p: p.root.issue_leaf(key_type="rsa4096"),
    "rsa-pss": lambda p: _RSA_ROOT.issue_leaf(key_type="rsa2048", pss=True),
    "ed25519": lambda p: _ED_ROOT.issue_leaf(key_type="ed25519"),
    "via-intermediate": lambda p: p.intermediate.issue_leaf(),
}


def _without_chain(issued: IssuedCert) -> IssuedCert:
    return IssuedCert(cert=issued.cert, key=issued.key, chain=(), issuer=issued.issuer)


_OTHER_ROOT = CertificateAuthority.create("untrusted root")
_OTHER_INTERMEDIATE = _OTHER_ROOT.issue_intermediate("untrusted intermediate")

# case -> (certificate, kind, words the reason must contain)
REJECTED: dict[str, tuple[Case, str, tuple[str, ...]]] = {
    "expired": (
        lambda p: p.root.issue_leaf(
            not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=2)
        ),
        "expired",
        ("expired on", (NOW - timedelta(days=2)).strftime("%Y-%m-%d")),
    ),
    "not-yet-valid": (
        lambda p: p.root.issue_leaf(
            not_before=NOW + timedelta(days=2), not_after=NOW + timedelta(days=30)
        ),
        "not-yet-valid",
        ("not valid before", (NOW + timedelta(days=2)).strftime("%Y-%m-%d")),
    ),
    "wrong-host": (
        lambda p: p.root.issue_leaf(hosts=("index.example", "10.9.8.7")),
        "hostname-mismatch",
        ("DNS:index.example", "IP:10.9.8.7", "not for 127.0.0.1"),
    ),
    "self-signed": (lambda p: self_signed_leaf(), "self-signed", ("self-signed",)),
    "untrusted-root": (
        lambda p: _OTHER_INTERMEDIATE.issue_leaf(),
        "unknown-issuer",
        ("untrusted intermediate", "untrusted root", "not among the trusted roots"),
    ),
    "missing-intermediate": (
        lambda p: _without_chain(
            p.intermediate.issue_leaf(ca_issuers_url="http://127.0.0.1:9/intermediate.crt")
        ),
        "incomplete-chain",
        ("incomplete chain", "indexclient test intermediate"),
    ),
    "cn-only": (
        lambda p: p.root.issue_leaf(san=False),
        "cn-only",
        ("no subjectAltName", "CN"),
    ),
    "sha1-signed": (
        lambda p: p.root.issue_leaf(hash="sha1"),
        "weak-algorithm",
        ("CN=127.0.0.1", "SHA-1"),
    ),
    "rsa-1024": (
        lambda p: p.root.issue_leaf(key_type="rsa1024"),
        "weak-algorithm",
        ("CN=127.0.0.1", "1024-bit RSA key"),
    ),
    # OpenSSL accepts these two; only the policy check after the handshake refuses them.
    "secp256k1-intermediate": (
        lambda p: p.root.issue_intermediate("k1 intermediate", "ec-secp256k1").issue_leaf(),
        "weak-algorithm",
        ("k1 intermediate", "secp256k1"),
    ),
    "rsa-1024-intermediate": (
        lambda p: p.root.issue_intermediate("small intermediate", "rsa1024").issue_leaf(),
        "weak-algorithm",
        ("small intermediate", "1024-bit RSA key"),
    ),
}


@pytest.mark.parametrize("case", ACCEPTED)
async def test_accepted(case: str, pki: Pki) -> None:
    issued = ACCEPTED[case](pki)
    env = {"SSL_CERT_FILE": str(_bundle(pki))}
    async with serve_https(server_context(issued)) as server:
        response = await fetch(make_trust(env), server.url)
    assert response.status == 200
    assert response.body == b"ok /"


@pytest.mark.parametrize("case", REJECTED)
async def test_rejected_with_reason(case: str, pki: Pki) -> None:
    make_cert, kind, words = REJECTED[case]
    env = {"SSL_CERT_FILE": str(pki.ca_file)}
    async with serve_https(server_context(make_cert(pki))) as server:
        with pytest.raises(CertificateVerificationError) as caught:
            await fetch(make_trust(env), server.url)
    error = caught.value
    assert error.kind == kind, str(error)
    for word in words:
        assert word in error.reason, (word, error.reason)
    assert error.url == server.url
    assert error.host == "127.0.0.1"
    assert f"SSL_CERT_FILE={pki.ca_file}" in error.trust
    assert error.hint, "every rejection says what to do"
    assert server.requests == [], "no request may be sent on a rejected connection"


@pytest.mark.parametrize("case", REJECTED)
async def test_rejected_cases_accepted_when_host_is_insecure(case: str, pki: Pki) -> None:
    make_cert, _, _ = REJECTED[case]
    async with serve_https(server_context(make_cert(pki))) as server:
        env = {"SSL_CERT_FILE": str(pki.ca_file), "UV_INSECURE_HOST": insecure_entry(server.url)}
        response = await fetch(make_trust(env), server.url)
    assert response.status == 200


async def test_insecure_entry_for_another_port_does_not_apply(pki: Pki) -> None:
    async with serve_https(server_context(self_signed_leaf())) as server:
        env = {"UV_INSECURE_HOST": f"127.0.0.1:{server.port + 1}"}
        with pytest.raises(CertificateVerificationError):
            await fetch(make_trust(env), server.url)


@pytest.mark.skipif(
    not SENDS_TLS_ALERTS,
    reason="this Python's asyncio test server resets instead of sending the TLS alert",
)
async def test_tls_below_1_2_refused(pki: Pki) -> None:
    import ssl

    versions = (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1)
    context = server_context(pki.root.issue_leaf(), tls_versions=versions)
    async with serve_https(context) as server:
        with pytest.raises(TLSError) as caught:
            await fetch(make_trust({"SSL_CERT_FILE": str(pki.ca_file)}), server.url)
    assert "TLS 1.2" in str(caught.value)


async def test_ip_url_matches_ip_san_only(pki: Pki) -> None:
    # A DNS name "127.0.0.1" is not an IP SAN; webpki and OpenSSL both refuse it.
    leaf = pki.root.issue_leaf(hosts=("localhost",))
    async with serve_https(server_context(leaf)) as server:
        with pytest.raises(CertificateVerificationError) as caught:
            await fetch(make_trust({"SSL_CERT_FILE": str(pki.ca_file)}), server.url)
    assert caught.value.kind == "hostname-mismatch"


def _bundle(pki: Pki) -> object:
    path = pki.directory / "all-roots.pem"
    if not path.exists():
        path.write_bytes(pki.root.cert_pem + _RSA_ROOT.cert_pem + _ED_ROOT.cert_pem)
    return path
