"""TLS diagnostics: what a server presents, and why the client trusts it or not.

:func:`check_tls` connects twice: once without verification (still presenting the
client certificate) to see the chain the server sends, and once exactly as a request
would (the trust source, the policy, allow-insecure-host) to get the verdict. Neither
connection sends a request. The chain is then checked against every other trust source
on this machine, as the hint after a refused request does (docs/trust.md, "Errors").
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from yarl import URL

from indexclient.errors import CertificateVerificationError, IndexClientError
from indexclient.tls.alternatives import SourceVerdict, check_sources, in_effect
from indexclient.tls.contexts import presented_chain
from indexclient.tls.diagnose import leaf_problem, parse_chain
from indexclient.tls.hosts import InsecureHost
from indexclient.tls.policy import check_chain, subject_of
from indexclient.tls.trust import Trust
from indexclient.transport.errors import translate_error
from indexclient.urls import check_authority, redact_url

__all__ = [
    "CertificateInfo",
    "SourceVerdict",
    "TlsCheck",
    "check_tls",
    "describe_key",
    "describe_signature",
]


def describe_key(cert: x509.Certificate) -> str:
    """The certificate's public key as a person reads it: ``EC P-256``, ``RSA 2048``."""
    try:
        key = cert.public_key()
    except (ValueError, TypeError, NotImplementedError):
        return "unreadable key"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        names = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
        return f"EC {names.get(key.curve.name, key.curve.name)}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    return type(key).__name__


def describe_signature(cert: x509.Certificate) -> str:
    """The signature algorithm: ``ecdsa-with-SHA256``, ``RSASSA-PSS (sha256)``..."""
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", None) or oid.dotted_string
    if oid == x509.SignatureAlgorithmOID.RSASSA_PSS:
        try:
            hash_algorithm = cert.signature_hash_algorithm
        except Exception:
            hash_algorithm = None
        if hash_algorithm is not None:
            return f"{name} ({hash_algorithm.name})"
    return str(name)


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """One certificate of a chain, for display."""

    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    key: str
    signature: str
    names: tuple[str, ...]
    self_signed: bool
    policy_problem: str | None

    @classmethod
    def from_certificate(cls, cert: x509.Certificate, *, is_top: bool) -> CertificateInfo:
        """Describe ``cert``; ``is_top`` marks the last certificate the server sent."""
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = tuple(
                [f"DNS:{n}" for n in san.get_values_for_type(x509.DNSName)]
                + [f"IP:{ip}" for ip in san.get_values_for_type(x509.IPAddress)]
            )
        except x509.ExtensionNotFound:
            names = ()
        violation = check_chain([cert]) if not is_top or cert.issuer != cert.subject else None
        return cls(
            subject=subject_of(cert),
            issuer=cert.issuer.rfc4514_string(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key=describe_key(cert),
            signature=describe_signature(cert),
            names=names,
            self_signed=cert.issuer == cert.subject,
            policy_problem=violation.problem if violation else None,
        )


@dataclass(frozen=True, slots=True)
class TlsCheck:
    """The outcome of :func:`check_tls`.

    ``verified`` is True when a request would be accepted with verification, False when
    it would be rejected, None when the URL's host is an allow-insecure-host match (no
    verification is done) or the server could not be reached. ``error`` explains a
    rejection or a failure to connect. ``sources`` says, for the source in effect and
    every other trust source on this machine, whether it accepts the chain (empty when
    no chain was seen).
    """

    url: str
    host: str
    port: int
    trust: str
    insecure_entry: InsecureHost | None
    tls_version: str | None
    cipher: str | None
    chain: tuple[CertificateInfo, ...]
    verified: bool | None
    error: IndexClientError | None
    sources: tuple[SourceVerdict, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether a request to the URL would get past TLS."""
        return self.error is None and self.chain != ()


async def _handshake(
    host: str, port: int, ctx: ssl.SSLContext, timeout: float
) -> tuple[ssl.SSLObject | None, asyncio.StreamWriter]:
    _reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=ctx, server_hostname=host), timeout
    )
    return writer.get_extra_info("ssl_object"), writer


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, asyncio.TimeoutError, ssl.SSLError):
        await asyncio.wait_for(writer.wait_closed(), 2)


async def check_tls(trust: Trust, url: str, *, timeout: float = 10.0) -> TlsCheck:
    """Connect to ``url``'s host and report its chain and the verdict under ``trust``."""
    check_authority(url)  # ValueError without the URL's secrets (a "/" in a password)
    parsed = URL(url)
    if parsed.scheme != "https" or not parsed.host:
        raise ValueError(f"tls check needs an https URL, not {redact_url(url)}")
    host, port = parsed.host, parsed.port or 443
    shown = redact_url(url)
    entry = trust.insecure_match("https", host, port)
    chain: tuple[CertificateInfo, ...] = ()
    presented: list[bytes] = []
    version = cipher = None
    try:
        sslobj, writer = await _handshake(host, port, trust.unverified_context(), timeout)
        if sslobj is not None:
            presented = presented_chain(sslobj)
            certs = parse_chain(presented)
            chain = tuple(
                CertificateInfo.from_certificate(c, is_top=i == len(certs) - 1)
                for i, c in enumerate(certs)
            )
            version = sslobj.version()
            cipher_info = sslobj.cipher()
            cipher = cipher_info[0] if cipher_info else None
        await _close(writer)
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as exc:
        failure = translate_error(exc, shown, host, trust)
        return TlsCheck(
            shown, host, port, trust.source.describe(), entry, None, None, (), None, failure
        )

    verified: bool | None = None
    error: IndexClientError | None = None
    try:
        _, writer = await _handshake(host, port, trust.context_for("https", host, port), timeout)
        await _close(writer)
        verified = None if entry else True
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as exc:
        error = translate_error(exc, shown, host, trust)
        verified = False
    return TlsCheck(
        shown,
        host,
        port,
        trust.source.describe(),
        entry,
        version,
        cipher,
        chain,
        verified,
        error,
        _sources(trust, presented, host, verified, error),
    )


def _sources(
    trust: Trust,
    presented: list[bytes],
    host: str,
    verified: bool | None,
    error: IndexClientError | None,
) -> tuple[SourceVerdict, ...]:
    """The source in effect, as the handshake judged it, then every other one."""
    if not presented:
        return ()
    if isinstance(error, CertificateVerificationError):
        current = in_effect(trust.source, False, error.kind)
    elif error is not None:
        current = in_effect(trust.source, None, "not checked: the handshake failed")
    elif verified is None:
        current = in_effect(trust.source, None, "not checked: allow-insecure-host")
    else:
        current = in_effect(trust.source, True)
    problem = leaf_problem(parse_chain(presented), host)
    return (current, *check_sources(presented, trust.source, leaf_problem=problem))
