"""The client certificate presented for mutual TLS (docs/trust.md, "Client certificates").

uv ignores an unusable ``SSL_CLIENT_CERT`` with a warning, and the user then meets a
"certificate required" alert from the server. Here the file is checked when the client
starts, with cryptography, and every problem is a configuration error. Checking first
also keeps OpenSSL from prompting on the terminal for an encrypted key's passphrase.
This module, and cryptography with it, loads only when ``SSL_CLIENT_CERT`` is set
(:meth:`indexclient.Settings.trust`): only mutual TLS pays for it at start.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from indexclient.errors import ConfigurationError
from indexclient.userfiles import MAX_TRUST_FILE, UnreadableFile, read_user_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = ["ClientIdentity"]

# PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"), PKCS#1 RSA and SEC1 EC keys.
_KEY_BLOCK_RE = re.compile(
    rb"-----BEGIN (?P<kind>(?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----.*?"
    rb"-----END (?P=kind)-----",
    re.S,
)

_HINT = (
    "SSL_CLIENT_CERT must name one PEM file holding the client certificate (and its chain) "
    "followed by its unencrypted private key (PKCS#8, PKCS#1 RSA or SEC1 EC)."
)


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """A checked client certificate and key, ready to be loaded into contexts.

    Build it with :meth:`load`. ``key_path`` is ``None`` when the key is in ``cert_path``.
    """

    __module__ = "indexclient"

    cert_path: str
    key_path: str | None
    origin: str
    subject: str
    issuer: str
    not_after: datetime

    @classmethod
    def load(
        cls, cert_path: str, key_path: str | None = None, *, origin: str = "SSL_CLIENT_CERT"
    ) -> ClientIdentity:
        """Check the certificate and key files; raise ConfigurationError on any problem."""
        where = f"{origin}={cert_path}"
        cert_data = _read(where, cert_path)
        key_where = f"{origin} key {key_path}" if key_path else where
        key_data = _read(key_where, key_path) if key_path else cert_data
        try:
            certs = x509.load_pem_x509_certificates(cert_data)
        except ValueError:
            raise ConfigurationError.single(where, "holds no PEM certificate", hint=_HINT) from None
        key = _load_key(key_where, key_data)
        leaf = certs[0]
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        der = serialization.Encoding.DER
        if leaf.public_key().public_bytes(der, spki) != key.public_key().public_bytes(der, spki):
            raise ConfigurationError.single(
                key_where,
                f"the private key does not match the certificate {leaf.subject.rfc4514_string()}",
                hint=_HINT,
            )
        return cls(
            cert_path=cert_path,
            key_path=key_path,
            origin=origin,
            subject=leaf.subject.rfc4514_string(),
            issuer=leaf.issuer.rfc4514_string(),
            not_after=leaf.not_valid_after_utc,
        )

    def cache_key(self) -> Hashable:
        """Contexts are shared between clients presenting the same files."""
        return (self.cert_path, self.key_path)

    def apply(self, ctx: ssl.SSLContext) -> None:
        """Present this identity on connections made with ``ctx``."""
        ctx.load_cert_chain(self.cert_path, self.key_path)

    def describe(self) -> str:
        """One line for diagnostics."""
        expiry = self.not_after.strftime("%Y-%m-%d")
        return f"{self.subject} (issued by {self.issuer}, expires {expiry}) [{self.origin}]"


def _read(where: str, path: str) -> bytes:
    # A FIFO or a device named here would block or never end (docs/security.md).
    try:
        return read_user_file(path, limit=MAX_TRUST_FILE)
    except UnreadableFile as exc:
        raise ConfigurationError.single(where, exc.reason, hint=_HINT) from None


def _load_key(where: str, data: bytes) -> PrivateKeyTypes:
    match = _KEY_BLOCK_RE.search(data)
    if match is None:
        raise ConfigurationError.single(where, "holds no private key", hint=_HINT)
    block = match.group(0)
    if match.group("kind") == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block:
        raise ConfigurationError.single(
            where,
            "the private key is encrypted; indexclient cannot ask for a passphrase",
            hint="Decrypt it first, e.g. `openssl pkey -in key.pem -out plain-key.pem`.",
        )
    try:
        return serialization.load_pem_private_key(block, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigurationError.single(
            where, f"the private key cannot be read: {exc}", hint=_HINT
        ) from None
