"""Signing certificates with any supported key and digest, SHA-1 included."""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa

from indexclient.testing.pki.keys import PrivateKey

SignatureHash: TypeAlias = Literal["sha256", "sha384", "sha512", "sha1"]
"""The digest a certificate is signed with (ignored by Ed25519 signers, which have no choice)."""

HASHES: tuple[SignatureHash, ...] = get_args(SignatureHash)
"""Every :data:`SignatureHash`."""

_HASH_CLASSES: dict[SignatureHash, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# Recent cryptography releases (50 here) refuse to build SHA-1-signed certificates ("Hash
# algorithm "sha1" not supported for signatures"), but raw SHA-1 signatures still work. For
# hash="sha1" the certificate is therefore built with SHA-256, then its TBSCertificate is
# patched to name the SHA-1 algorithm and re-signed by hand, and the DER is reassembled.

# DER AlgorithmIdentifiers (RFC 3279 section 2.2): RSA has an explicit NULL parameter,
# ECDSA and DSA have none.
_SHA1_ALGORITHM_IDS: dict[type, bytes] = {
    # sha1WithRSAEncryption 1.2.840.113549.1.1.5
    rsa.RSAPrivateKey: bytes.fromhex("300d06092a864886f70d0101050500"),
    # ecdsa-with-SHA1 1.2.840.10045.4.1
    ec.EllipticCurvePrivateKey: bytes.fromhex("300906072a8648ce3d0401"),
    # id-dsa-with-sha1 1.2.840.10040.4.3
    dsa.DSAPrivateKey: bytes.fromhex("300906072a8648ce380403"),
}


def _der_tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def _der_elements(data: bytes) -> list[bytes]:
    """Split concatenated DER elements (single-byte tags, definite lengths) into whole TLVs."""
    elements = []
    offset = 0
    while offset < len(data):
        length = data[offset + 1]
        header = 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[offset + 2 : offset + 2 + count], "big")
            header += count
        elements.append(data[offset : offset + header + length])
        offset += header + length
    return elements


def _strip_header(element: bytes) -> bytes:
    length = element[1]
    if length & 0x80:
        return element[2 + (length & 0x7F) :]
    return element[2:]


def _resign_sha1(cert: x509.Certificate, key: PrivateKey) -> x509.Certificate:
    algorithm_id = next(
        (der for cls, der in _SHA1_ALGORITHM_IDS.items() if isinstance(key, cls)), None
    )
    if algorithm_id is None:
        raise ValueError(f"cannot make a SHA-1 signature with {type(key).__name__}")
    fields = _der_elements(_strip_header(cert.tbs_certificate_bytes))
    # TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature AlgorithmIdentifier, ..}
    if fields[0][0] != 0xA0:
        raise ValueError("expected a v3 TBSCertificate")
    fields[2] = algorithm_id
    tbs = _der_tlv(0x30, b"".join(fields))
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(tbs, ec.ECDSA(hashes.SHA1()))  # noqa: S303
    elif isinstance(key, dsa.DSAPrivateKey):
        signature = key.sign(tbs, hashes.SHA1())  # noqa: S303
    else:  # pragma: no cover - excluded by the algorithm_id lookup above
        raise ValueError(f"cannot make a SHA-1 signature with {type(key).__name__}")
    # BIT STRING: a leading 0 byte says no unused bits.
    der = _der_tlv(0x30, tbs + algorithm_id + _der_tlv(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(der)


def _sign(
    builder: x509.CertificateBuilder, key: PrivateKey, hash: SignatureHash, pss: bool
) -> x509.Certificate:
    if hash not in HASHES:
        raise ValueError(f"unknown hash {hash!r}; expected one of {', '.join(HASHES)}")
    if pss and not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"RSA-PSS needs an RSA signing key, not {type(key).__name__}")
    if isinstance(key, ed25519.Ed25519PrivateKey):
        # Ed25519 fixes its own digest; only refuse a request that asks for a weak signature,
        # since silently producing a strong one would make a negative test pass for no reason.
        if hash == "sha1":
            raise ValueError("an Ed25519 key cannot make a SHA-1 signature")
        return builder.sign(key, None)
    if isinstance(key, dsa.DSAPrivateKey) and hash in ("sha384", "sha512"):
        # cryptography would emit dsa-with-sha384/512, OIDs OpenSSL 3.0 does not map to a
        # digest, so it calls the chain "ca md too weak" at any security level above 0.
        raise ValueError("DSA signers support sha256 (and sha1) only")
    if hash == "sha1":
        if pss:
            raise ValueError("RSA-PSS with SHA-1 is not supported")
        return _resign_sha1(builder.sign(key, hashes.SHA256()), key)
    algorithm = _HASH_CLASSES[hash]()
    if pss:
        return builder.sign(
            key,
            algorithm,
            rsa_padding=padding.PSS(
                mgf=padding.MGF1(algorithm), salt_length=padding.PSS.DIGEST_LENGTH
            ),
        )
    return builder.sign(key, algorithm)
