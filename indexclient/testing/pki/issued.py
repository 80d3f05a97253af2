"""End-entity certificates: :class:`IssuedCert`, the files it writes, and self-signed leaves."""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from indexclient.testing.pki.certificates import (
    _DEFAULT_HOSTS,
    _add_leaf_extensions,
    _leaf_name,
    _pem,
    _validity,
)
from indexclient.testing.pki.keys import KeyFormat, KeyType, PrivateKey, _allocate_key, _private_pem
from indexclient.testing.pki.signing import SignatureHash, _sign

if TYPE_CHECKING:
    from indexclient.testing.pki.authority import CertificateAuthority


@dataclass(frozen=True)
class CertPaths:
    """Files written by :meth:`IssuedCert.write`."""

    cert: Path
    """``name.crt``: the leaf followed by its intermediates."""
    key: Path
    """``name.key``: the private key."""
    pem: Path
    """``name.pem``: leaf, intermediates and key in one file (the ``SSL_CLIENT_CERT`` format)."""


@dataclass(frozen=True)
class IssuedCert:
    """An end-entity certificate with its key and the intermediates between it and the root."""

    cert: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()
    """Intermediates from the issuer upwards; excludes the leaf and the root."""
    issuer: CertificateAuthority | None = field(default=None, repr=False)
    """The authority that signed this certificate, ``None`` when self-signed."""

    @property
    def cert_pem(self) -> bytes:
        """The leaf certificate alone, PEM encoded."""
        return _pem(self.cert)

    @property
    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return _private_pem(self.key, "pkcs8", None)

    @property
    def chain_pem(self) -> bytes:
        """Leaf then intermediates: what a server (or client) presents in the handshake."""
        return b"".join(_pem(c) for c in (self.cert, *self.chain))

    def key_pem_as(self, fmt: KeyFormat = "pkcs8", password: bytes | None = None) -> bytes:
        """The private key as PEM in ``fmt``, encrypted with ``password`` when given.

        ``pkcs8`` works for every key (``BEGIN [ENCRYPTED] PRIVATE KEY``); ``pkcs1`` only for
        RSA (``BEGIN RSA PRIVATE KEY``) and ``sec1`` only for EC (``BEGIN EC PRIVATE KEY``); an
        encrypted PKCS#1/SEC1 key uses the legacy ``Proc-Type``/``DEK-Info`` PEM encryption.
        """
        return _private_pem(self.key, fmt, password)

    def write(
        self,
        directory: str | os.PathLike[str],
        name: str,
        *,
        key_format: KeyFormat = "pkcs8",
        password: bytes | None = None,
    ) -> CertPaths:
        """Write ``name.crt`` (leaf + chain), ``name.key`` and ``name.pem`` (all three).

        The key is written as :meth:`key_pem_as` ``(key_format, password)`` in both files.
        """
        base = Path(directory)
        key_pem = self.key_pem_as(key_format, password)
        paths = CertPaths(
            cert=base / f"{name}.crt", key=base / f"{name}.key", pem=base / f"{name}.pem"
        )
        paths.cert.write_bytes(self.chain_pem)
        paths.key.write_bytes(key_pem)
        paths.pem.write_bytes(self.chain_pem + key_pem)
        return paths


def self_signed_leaf(
    hosts: Sequence[str] = _DEFAULT_HOSTS,
    key_type: KeyType = "ec-p256",
    *,
    common_name: str | None = None,
    hash: SignatureHash = "sha256",
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    client: bool = False,
    server: bool = True,
    key: PrivateKey | None = None,
) -> IssuedCert:
    """A single self-signed end-entity certificate with SANs (CA=false), for "self-signed server".

    It has no keyUsage extension: RFC 5280 forbids keyCertSign without CA=true, and OpenSSL
    only treats a self-issued certificate as self-signed (so usable as its own trust anchor)
    when its keyUsage, if present, allows certificate signing.
    """
    key = key if key is not None else _allocate_key(key_type)
    name = _leaf_name(hosts, common_name)
    start, end = _validity(not_before, not_after, datetime.timedelta(days=30))
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    builder = _add_leaf_extensions(
        builder, key, hosts, san=True, client=client, server=server, key_usage=False
    )
    return IssuedCert(cert=_sign(builder, key, hash, False), key=key, chain=(), issuer=None)
