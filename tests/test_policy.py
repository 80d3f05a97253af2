"""The algorithm and key allow-list, and the diagnosis, on certificates alone (no sockets)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509

from indexclient.testing.pki import CertificateAuthority, KeyType, self_signed_leaf
from indexclient.tls.diagnose import diagnose
from indexclient.tls.policy import check_chain, subject_of

ROOT = CertificateAuthority.create("policy root")
RSA_ROOT = CertificateAuthority.create("policy rsa root", "rsa2048")


def chain_of(leaf: x509.Certificate, *rest: x509.Certificate) -> list[x509.Certificate]:
    return [leaf, *rest]


@pytest.mark.parametrize(
    ("key_type", "hash_name"),
    [
        ("ec-p256", "sha256"),
        ("ec-p384", "sha384"),
        ("ec-p521", "sha512"),
        ("rsa2048", "sha256"),
        ("rsa3072", "sha384"),
        ("ed25519", "sha256"),
    ],
)
def test_allowed_leaf_keys(key_type: KeyType, hash_name: str) -> None:
    leaf = ROOT.issue_leaf(key_type=key_type, hash=hash_name)  # type: ignore[arg-type]
    assert check_chain([leaf.cert]) is None


def test_rsa_pss_signatures_allowed() -> None:
    leaf = RSA_ROOT.issue_leaf(pss=True)
    assert leaf.cert.signature_algorithm_oid == x509.SignatureAlgorithmOID.RSASSA_PSS
    assert check_chain([leaf.cert]) is None


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: ROOT.issue_leaf(hash="sha1").cert, ("SHA-1",)),
        (lambda: ROOT.issue_leaf(key_type="rsa1024").cert, ("1024-bit RSA",)),
        (lambda: ROOT.issue_leaf(key_type="ec-secp256k1").cert, ("secp256k1",)),
        (lambda: ROOT.issue_leaf(key_type="dsa2048").cert, ("DSA",)),
    ],
)
def test_rejected_leaf(make: object, words: tuple[str, ...]) -> None:
    cert = make()  # type: ignore[operator]
    violation = check_chain([cert])
    assert violation is not None
    message = str(violation)
    assert subject_of(cert) in message
    for word in words:
        assert word in message


def test_weak_intermediate_key_rejected() -> None:
    intermediate = ROOT.issue_intermediate("weak intermediate", "rsa1024")
    leaf = intermediate.issue_leaf()
    violation = check_chain([leaf.cert, intermediate.cert])
    assert violation is not None
    assert "weak intermediate" in violation.subject


def test_self_signed_anchor_signature_is_not_checked() -> None:
    # A root's self-signature is never verified, so a SHA-1 root is not a violation
    # (many real roots are SHA-1 self-signed); its key still counts.
    old_root = CertificateAuthority.create("old sha1 root", hash="sha1")
    leaf = old_root.issue_leaf()
    assert check_chain([leaf.cert, old_root.cert]) is None
    weak_root = CertificateAuthority.create("small root", "rsa1024")
    assert check_chain([weak_root.issue_leaf().cert], anchor=weak_root.cert) is not None


def test_diagnose_without_code_tries_each_check_in_order() -> None:
    # truststore's OS verifiers give no OpenSSL code: the chain alone must explain it.
    now = datetime.now(timezone.utc)
    expired = ROOT.issue_leaf(not_before=now - timedelta(days=9), not_after=now - timedelta(1))
    assert diagnose([expired.cert], "127.0.0.1", None, "").kind == "expired"
    wrong = ROOT.issue_leaf(hosts=("a.example",))
    assert diagnose([wrong.cert], "b.example", None, "").kind == "hostname-mismatch"
    wildcard = ROOT.issue_leaf(hosts=("*.example.org",))
    assert diagnose([wildcard.cert], "x.example.org", None, "").kind == "unknown-issuer"
    assert diagnose([self_signed_leaf().cert], "127.0.0.1", None, "").kind == "self-signed"


def test_diagnose_untrusted_root_in_presented_chain() -> None:
    other = CertificateAuthority.create("presented root")
    leaf = other.issue_leaf()
    rejection = diagnose([leaf.cert, other.cert], "127.0.0.1", 19, "self-signed in chain")
    assert rejection.kind == "untrusted-root"
    assert "presented root" in rejection.reason


def test_the_description_names_the_key_sizes_checked() -> None:
    from indexclient.tls.contexts import describe_policy
    from indexclient.tls.policy import RSA_MAX_BITS, RSA_MIN_BITS

    assert f"({RSA_MIN_BITS}-{RSA_MAX_BITS} bits)" in describe_policy()
