"""The signature-algorithm and key allow-list of docs/trust.md, "Verification policy".

uv verifies with rustls/webpki, which accepts only a short list of algorithms; OpenSSL
at its default security level accepts more (secp256k1 keys, RSA above 8192 bits, DSA,
Ed448, SHA-224). To mean the same thing as uv, every chain the server presents is also
checked here, with cryptography, before any request byte is sent. This module (and
cryptography with it) loads at the first handshake, through :mod:`indexclient.tls.diagnose`:
a run that only reads its cache builds contexts but never handshakes, and must not pay
for the import (see indexclient.tls.contexts).

What is checked, as webpki does:

* the signature on every presented certificate except a self-issued one at the top
  (a trust anchor's self-signature is never verified, so its algorithm is irrelevant);
* every key that signs something in the chain, and the leaf's own key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import SignatureAlgorithmOID as Sig

__all__ = ["RSA_MAX_BITS", "RSA_MIN_BITS", "PolicyViolation", "check_chain", "subject_of"]

RSA_MIN_BITS = 2048
RSA_MAX_BITS = 8192

_ALLOWED_SIGNATURES = {
    Sig.ECDSA_WITH_SHA256: "ECDSA with SHA-256",
    Sig.ECDSA_WITH_SHA384: "ECDSA with SHA-384",
    Sig.ECDSA_WITH_SHA512: "ECDSA with SHA-512",
    Sig.ED25519: "Ed25519",
    Sig.RSA_WITH_SHA256: "RSA PKCS#1 v1.5 with SHA-256",
    Sig.RSA_WITH_SHA384: "RSA PKCS#1 v1.5 with SHA-384",
    Sig.RSA_WITH_SHA512: "RSA PKCS#1 v1.5 with SHA-512",
    Sig.RSASSA_PSS: "RSA-PSS",
}
_WEAK_SIGNATURES = {
    Sig.RSA_WITH_SHA1: "SHA-1 (sha1WithRSAEncryption)",
    Sig.ECDSA_WITH_SHA1: "SHA-1 (ecdsa-with-SHA1)",
    Sig.DSA_WITH_SHA1: "SHA-1 (dsa-with-sha1)",
    Sig.RSA_WITH_MD5: "MD5 (md5WithRSAEncryption)",
}


_PSS_HASHES = {"sha256", "sha384", "sha512"}
_ALLOWED_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


@dataclass(frozen=True, slots=True)
class PolicyViolation:
    """A certificate in the chain uses an algorithm or key the policy does not accept."""

    subject: str
    problem: str

    def __str__(self) -> str:
        return f"certificate {self.subject!r} {self.problem}"


def subject_of(cert: x509.Certificate) -> str:
    """A certificate's subject for messages; its first SAN when the subject is empty."""
    subject = cert.subject.rfc4514_string()
    if subject:
        return subject
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "(no subject)"
    names = [str(n.value) for n in san]
    return names[0] if names else "(no subject)"


def check_chain(
    presented: Sequence[x509.Certificate], anchor: x509.Certificate | None = None
) -> PolicyViolation | None:
    """Check the chain the server presented (leaf first); ``anchor`` is the trusted root
    that completed it, when known. Returns the first violation, or None."""
    for index, cert in enumerate(presented):
        is_top = index == len(presented) - 1
        if not (is_top and _self_issued(cert)):
            problem = _signature_problem(cert)
            if problem:
                return PolicyViolation(subject_of(cert), problem)
        problem = _key_problem(cert)
        if problem:
            return PolicyViolation(subject_of(cert), problem)
    if anchor is not None and not any(anchor == cert for cert in presented):
        problem = _key_problem(anchor)
        if problem:
            return PolicyViolation(subject_of(anchor), problem)
    return None


def _self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _signature_problem(cert: x509.Certificate) -> str | None:
    oid = cert.signature_algorithm_oid
    name = _ALLOWED_SIGNATURES.get(oid)
    if name is None:
        return f"is signed with {_oid_label(oid)}, which is not accepted"
    if oid == Sig.RSASSA_PSS:
        hash_algorithm = cert.signature_hash_algorithm
        if hash_algorithm is None or hash_algorithm.name not in _PSS_HASHES:
            hash_name = hash_algorithm.name if hash_algorithm else "an unknown hash"
            return f"is signed with RSA-PSS using {hash_name}, which is not accepted"
    return None


def _key_problem(cert: x509.Certificate) -> str | None:
    try:
        key = cert.public_key()
    except (ValueError, TypeError, NotImplementedError):
        return "has a public key of a kind that cannot be read"
    if isinstance(key, rsa.RSAPublicKey):
        if not RSA_MIN_BITS <= key.key_size <= RSA_MAX_BITS:
            return (
                f"has a {key.key_size}-bit RSA key; RSA keys must have "
                f"{RSA_MIN_BITS} to {RSA_MAX_BITS} bits"
            )
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _ALLOWED_CURVES:
            return (
                f"has an EC key on curve {key.curve.name}; only P-256, P-384 and P-521 are accepted"
            )
        return None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return None
    if isinstance(key, dsa.DSAPublicKey):
        return f"has a {key.key_size}-bit DSA key; DSA is not accepted"
    if isinstance(key, ed448.Ed448PublicKey):
        return "has an Ed448 key, which is not accepted"
    return f"has a {type(key).__name__} key, which is not accepted"


def _oid_label(oid: x509.ObjectIdentifier) -> str:
    name = getattr(oid, "_name", None)
    if oid in _WEAK_SIGNATURES:
        return _WEAK_SIGNATURES[oid]
    return f"{name} ({oid.dotted_string})" if name else oid.dotted_string
