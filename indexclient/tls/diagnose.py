"""Why a certificate chain was rejected, in words a person can act on (docs/trust.md,
"Errors").

OpenSSL reports one verify code ("unable to get local issuer certificate") and nothing
about which certificate failed. The chain the server presented is still readable after a
failed handshake, so it is examined here with cryptography to name the certificate, the
date, the names it carries or the weak algorithm, and to suggest the fix. This module,
and cryptography with it, loads at the first handshake (see indexclient.tls.contexts)
or diagnosis: a run that never handshakes does not pay for it.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from indexclient.errors import CertificateErrorKind
from indexclient.tls.policy import PolicyViolation, check_chain, subject_of
from indexclient.tls.sources import CustomRoots, TrustSource

if TYPE_CHECKING:
    from indexclient.tls.alternatives import SourceVerdict

__all__ = [
    "CertificateRejected",
    "Rejection",
    "diagnose",
    "hint_for",
    "leaf_problem",
    "parse_chain",
]

# OpenSSL X509_V_ERR_* codes (x509_vfy.h) this module tells apart.
_UNABLE_TO_GET_ISSUER_CERT = 2
_CERT_NOT_YET_VALID = 9
_CERT_HAS_EXPIRED = 10
_DEPTH_ZERO_SELF_SIGNED_CERT = 18
_SELF_SIGNED_CERT_IN_CHAIN = 19
_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
_HOSTNAME_MISMATCH = 62
_IP_ADDRESS_MISMATCH = 64
_EE_KEY_TOO_SMALL = 66
_CA_KEY_TOO_SMALL = 67
_CA_MD_TOO_WEAK = 68

_ISSUER_CODES = {
    _UNABLE_TO_GET_ISSUER_CERT,
    _UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    _UNABLE_TO_VERIFY_LEAF_SIGNATURE,
    _SELF_SIGNED_CERT_IN_CHAIN,
    _DEPTH_ZERO_SELF_SIGNED_CERT,
}
_WEAK_CODES = {_EE_KEY_TOO_SMALL, _CA_KEY_TOO_SMALL, _CA_MD_TOO_WEAK}
_UNTRUSTED_KINDS = {"unknown-issuer", "untrusted-root", "incomplete-chain", "self-signed"}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a chain was rejected: a stable ``kind`` code and a sentence."""

    kind: CertificateErrorKind
    reason: str


class CertificateRejected(ssl.SSLCertVerificationError):
    """Raised from the TLS handshake when the server's chain is rejected.

    It is an :class:`ssl.SSLCertVerificationError`, so asyncio and aiohttp treat it as
    any certificate failure (aiohttp wraps it in ``ClientConnectorCertificateError``);
    indexclient's transport turns it into
    :class:`indexclient.errors.CertificateVerificationError` with the URL.
    """

    def __init__(
        self,
        rejection: Rejection,
        trust: str,
        hint: str | None,
        *,
        presented: Sequence[bytes] = (),
        host: str | None = None,
    ) -> None:
        super().__init__(rejection.reason)
        self.rejection = rejection
        self.trust = trust
        self.hint = hint
        #: The chain the server sent (DER, leaf first) and the host asked for: what the
        #: hint checks against the machine's other trust sources (see hint_for).
        self.presented = tuple(presented)
        self.host = host
        # The attributes of ssl.SSLCertVerificationError, for code that reads them.
        self.verify_message = rejection.reason
        self.verify_code = 0

    def __str__(self) -> str:
        return f"{self.rejection.reason} [trust: {self.trust}]"


def chain_passes(presented: Sequence[bytes], anchor: bytes | None) -> bool:
    """Whether a verified chain (DER, leaf first) and the root that completed it, when
    known, meet the algorithm policy of :mod:`indexclient.tls.policy`."""
    root = x509.load_der_x509_certificate(anchor) if anchor is not None else None
    return check_chain(parse_chain(presented), root) is None


def parse_chain(ders: Sequence[bytes]) -> list[x509.Certificate]:
    """Certificates from DER, skipping any cryptography cannot parse."""
    chain = []
    for der in ders:
        try:
            chain.append(x509.load_der_x509_certificate(der))
        except ValueError:
            continue
    return chain


def diagnose(
    presented: Sequence[x509.Certificate],
    host: str | None,
    verify_code: int | None,
    verify_message: str,
    now: datetime | None = None,
) -> Rejection:
    """Explain a failed verification from the presented chain and OpenSSL's verify code.

    When the code is unknown (truststore's OS verifiers give none) each check is tried
    in the order a verifier applies them.
    """
    now = now or datetime.now(timezone.utc)
    if not presented:
        return Rejection("other", verify_message or "the server presented no certificate")
    code = verify_code or None
    if code is None or code in _WEAK_CODES:
        violation = check_chain(presented)
        if violation:
            return _weak(violation)
    if code in (None, _CERT_HAS_EXPIRED, _CERT_NOT_YET_VALID):
        dated = _validity_problem(presented, now)
        if dated:
            return dated
    if code in (None, _HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH) and host:
        mismatch = _name_problem(presented[0], host, check=code is None)
        if mismatch:
            return mismatch
    if code is None or code in _ISSUER_CODES:
        return _issuer_problem(presented)
    return Rejection("other", verify_message)


def hint_for(
    kind: CertificateErrorKind,
    source: TrustSource,
    presented: Sequence[bytes] = (),
    host: str | None = None,
) -> str | None:
    """What a person can do about a rejection of ``kind`` under a trust source.

    For an untrusted issuer, given the ``presented`` chain (DER, leaf first), the other
    trust sources on this machine are checked (:mod:`indexclient.tls.alternatives`,
    loaded here: only a refused chain needs it) and the hint names the settings that
    would make the chain verify, or says that none would; never one that would not.
    """
    if kind not in _UNTRUSTED_KINDS:
        return _OTHER_HINTS.get(kind)
    verdicts = _elsewhere(presented, source, host) if presented else None
    return _untrusted_hint(kind, source, verdicts)


_OTHER_HINTS: dict[str, str] = {
    "expired": "The server's certificate must be renewed; check this machine's clock too.",
    "not-yet-valid": "Check this machine's clock; otherwise the certificate was "
    "issued with a start date in the future.",
    "hostname-mismatch": "Connect with a name the certificate lists, or reissue the "
    "certificate with this host in its subjectAltName.",
    "cn-only": "Reissue the certificate with the host in its subjectAltName; "
    "the subject CN is not used for host names.",
    "weak-algorithm": "Reissue the certificate with ECDSA P-256/P-384, Ed25519 or "
    "RSA 2048+ and SHA-256 or better.",
}


def _elsewhere(
    presented: Sequence[bytes], source: TrustSource, host: str | None
) -> tuple[SourceVerdict, ...] | None:
    """The verdict of every other trust source, or None when they could not be asked."""
    try:
        from indexclient.tls import alternatives

        return alternatives.check_sources(
            presented, source, leaf_problem=leaf_problem(parse_chain(presented), host)
        )
    except Exception:  # a hint must never fail on its own: the plain one is given
        return None


def leaf_problem(chain: Sequence[x509.Certificate], host: str | None) -> str | None:
    """Why no trust source could make ``chain`` acceptable for ``host``: the leaf does
    not name it (the roots do not change that)."""
    if not chain or not host:
        return None
    problem = _name_problem(chain[0], host, check=True)
    return problem.reason if problem else None


def _untrusted_hint(
    kind: CertificateErrorKind,
    source: TrustSource,
    verdicts: Sequence[SourceVerdict] | None,
) -> str:
    if kind == "incomplete-chain":
        base = (
            "The server must send its intermediate certificate(s) with its own (configure "
            "the full chain on the server), or add the intermediate to SSL_CERT_FILE."
        )
    elif isinstance(source, CustomRoots):
        base = (
            f"{source.setting_names()} replaces every other root: add the issuer's CA "
            "certificate there, or use --allow-insecure-host for this host."
        )
    elif source.kind == "bundled":
        base = "The bundled roots do not include this issuer."
        if verdicts is None:
            # The other sources could not be asked: name the usual fixes, unverified.
            return (
                f"{base} A TLS-intercepting corporate proxy or a private CA is the usual "
                "cause: use --system-certs (UV_SYSTEM_CERTS=1) to trust the operating "
                "system's store, or set SSL_CERT_FILE to a PEM file holding your CA; for "
                "a host you accept unverified, use --allow-insecure-host."
            )
    else:
        base = (
            "Add the issuer's CA to the operating system's trust store, or set "
            "SSL_CERT_FILE to a PEM file holding it."
        )
    if verdicts is None:
        return base
    return " ".join([base, *_elsewhere_sentences(source, verdicts)])


def _elsewhere_sentences(source: TrustSource, verdicts: Sequence[SourceVerdict]) -> list[str]:
    """What the other trust sources say, as sentences: the ones that verify the chain
    with the setting that selects each (sources with the same fix together), else that
    none of those checked does."""
    fixes: dict[str, list[str]] = {}
    for verdict in verdicts:
        if verdict.trusts:
            fixes.setdefault(verdict.fix, []).append(verdict.label)
    sentences = []
    for fix, labels in fixes.items():
        verb = "holds" if len(labels) == 1 else "hold"
        sentences.append(f"{_capital(' and '.join(labels))} {verb} it: {fix}.")
    unknown = [v for v in verdicts if v.trusts is None and v.source == "system store"]
    if not fixes:
        checked = [v.source for v in verdicts if v.trusts is False]
        if checked:
            sentences.append(
                f"No other trust source on this machine holds it (checked: "
                f"{', '.join(dict.fromkeys(checked))})."
            )
        if source.kind == "bundled":
            sentences.append(
                "A TLS-intercepting corporate proxy or a private CA is the usual cause: set "
                "SSL_CERT_FILE to a PEM file holding your CA; for a host you accept "
                "unverified, use --allow-insecure-host."
            )
    if unknown:
        sentences.append(
            "The operating system's verifier cannot be asked without connecting: "
            "--system-certs (UV_SYSTEM_CERTS=1) may work."
        )
    return sentences


def _capital(text: str) -> str:
    # "The system store ...", but "pip's cert ..." and variables as they are written.
    return "The" + text[3:] if text.startswith("the ") else text


def _weak(violation: PolicyViolation) -> Rejection:
    return Rejection("weak-algorithm", str(violation))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _validity_problem(chain: Sequence[x509.Certificate], now: datetime) -> Rejection | None:
    for cert in chain:
        if cert.not_valid_after_utc < now:
            return Rejection(
                "expired",
                f"certificate {subject_of(cert)!r} expired on {_when(cert.not_valid_after_utc)}",
            )
        if cert.not_valid_before_utc > now:
            return Rejection(
                "not-yet-valid",
                f"certificate {subject_of(cert)!r} is not valid before "
                f"{_when(cert.not_valid_before_utc)}",
            )
    return None


def _san_names(cert: x509.Certificate) -> list[str] | None:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    names = [f"DNS:{n}" for n in san.get_values_for_type(x509.DNSName)]
    names += [f"IP:{ip}" for ip in san.get_values_for_type(x509.IPAddress)]
    return names


def _name_problem(leaf: x509.Certificate, host: str, *, check: bool) -> Rejection | None:
    names = _san_names(leaf)
    if names is None:
        cn = [str(a.value) for a in leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
        shown = f" ({cn[0]!r})" if cn else ""
        return Rejection(
            "cn-only",
            f"the certificate has no subjectAltName; it names its host only in the subject "
            f"CN{shown}, which is not used for host names (host {host})",
        )
    if check and _san_matches(names, host):
        return None
    return Rejection(
        "hostname-mismatch",
        f"the certificate is for {', '.join(names) or 'no names'}, not for {host}",
    )


def _san_matches(names: list[str], host: str) -> bool:
    """A plain SAN match (RFC 6125 left-most wildcard), used only for diagnosis."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        return f"IP:{address}" in names
    host = host.rstrip(".").lower()
    for name in names:
        if not name.startswith("DNS:"):
            continue
        pattern = name[4:].rstrip(".").lower()
        if pattern == host:
            return True
        if pattern.startswith("*.") and "." in host and host.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def _issuer_problem(chain: Sequence[x509.Certificate]) -> Rejection:
    top = chain[-1]
    self_issued = top.issuer == top.subject
    if len(chain) == 1 and self_issued:
        return Rejection(
            "self-signed",
            f"the server presented a self-signed certificate {subject_of(top)!r}, "
            "which is not trusted",
        )
    if self_issued:
        return Rejection(
            "untrusted-root",
            f"the chain ends at root {subject_of(top)!r}, which is not a trusted root",
        )
    issuer = top.issuer.rfc4514_string()
    if len(chain) == 1:
        where = _ca_issuers_url(top)
        if where:
            # The leaf says where its issuer lives (AIA), as certificates from a public or
            # managed CA do: the server left out the intermediate that links it to a root.
            return Rejection(
                "incomplete-chain",
                f"incomplete chain: the server sent only its own certificate; its issuer "
                f"{issuer!r} is an intermediate CA the server must send too "
                f"(the certificate names it at {where})",
            )
        return Rejection(
            "unknown-issuer",
            f"unknown issuer: the server's certificate {subject_of(top)!r} is issued by "
            f"{issuer!r}, which is not among the trusted roots (were it an intermediate "
            "CA, the server should send it too)",
        )
    return Rejection(
        "unknown-issuer",
        f"unknown issuer: certificate {subject_of(top)!r} is issued by {issuer!r}, "
        "which is not among the trusted roots",
    )


def _ca_issuers_url(cert: x509.Certificate) -> str | None:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return None
    for description in aia:
        if description.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
            return str(description.access_location.value)
    return None
