"""Whether a set of roots accepts a chain a server presented, checked with cryptography
(for the hint after a refusal: docs/trust.md, "Errors").

The chain is walked from the leaf up to a certificate of the set, verifying each
signature: a certificate of the set that issued the current one ends the walk (trusted
issuers first, as OpenSSL builds chains), else the next issuer must be among the
presented certificates. As with ``VERIFY_X509_PARTIAL_CHAIN``, a set holding an
intermediate, or the leaf itself, accepts the chain from there. The path found is then
held to what the handshake checks: every certificate in its validity period, no unknown
critical extension, each issuer a CA (basicConstraints, keyUsage, path length, name
constraints on DNS and IP names), the leaf for servers (extendedKeyUsage), and the
algorithm policy of :mod:`indexclient.tls.policy`. The host name is the caller's to
check (it does not depend on the roots). Not checked: certificate policies and
revocation, which indexclient's handshake does not check either.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from indexclient.tls.policy import check_chain, subject_of

__all__ = ["Presented", "accepts", "parse_presented"]

# Longer chains are not built (webpki's limit is lower still).
_MAX_DEPTH = 10


@dataclass(frozen=True, slots=True)
class Presented:
    """One certificate the server presented: its DER and its parse."""

    der: bytes
    cert: x509.Certificate


def parse_presented(presented: Sequence[bytes]) -> list[Presented]:
    """The presented certificates (DER, leaf first) cryptography can parse."""
    chain = []
    for der in presented:
        try:
            chain.append(Presented(der, x509.load_der_x509_certificate(der)))
        except ValueError:
            continue
    return chain


def accepts(chain: list[Presented], roots: Iterable[bytes]) -> tuple[bool, str]:
    """Whether the certificates ``roots`` (DER) accept ``chain`` (leaf first), and if
    not, why: ``does not hold the issuer`` or what stopped the path it found."""
    if not chain:
        return False, "the server presented no certificate"
    path = _build_path(chain, _Anchors(roots, chain))
    if path is None:
        return False, "does not hold the issuer"
    problem = _path_problem(path, [c.cert for c in chain])
    if problem:
        return False, f"holds the issuer, but {problem}"
    return True, ""


class _Anchors:
    """A source's certificates that could matter for ``chain``: those it presented
    (a partial chain ends there) and those named as an issuer in it. The names are
    looked for in the DER before parsing: a system bundle holds ~150 certificates."""

    def __init__(self, ders: Iterable[bytes], chain: Sequence[Presented]) -> None:
        presented = {c.der for c in chain}
        wanted = {c.cert.issuer.public_bytes() for c in chain}
        self.held: set[bytes] = set()
        self.issuers: list[x509.Certificate] = []
        for der in ders:
            if der in presented:
                self.held.add(der)
            if any(name in der for name in wanted):
                try:
                    self.issuers.append(x509.load_der_x509_certificate(der))
                except ValueError:
                    continue


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # a bad signature, an unsupported key: not its issuer
        return False
    return True


def _build_path(chain: list[Presented], anchors: _Anchors) -> list[x509.Certificate] | None:
    """Leaf to trusted certificate, as OpenSSL builds it (trusted issuers first)."""
    current = chain[0]
    path = [current.cert]
    pool = list(chain[1:])
    for _ in range(_MAX_DEPTH):
        if current.der in anchors.held:
            return path
        for issuer in anchors.issuers:
            if _issued_by(current.cert, issuer):
                return [*path, issuer]
        following = next((c for c in pool if _issued_by(current.cert, c.cert)), None)
        if following is None:
            return None
        pool.remove(following)
        path.append(following.cert)
        current = following
    return None


def _path_problem(path: list[x509.Certificate], presented: list[x509.Certificate]) -> str | None:
    now = datetime.now(timezone.utc)
    for cert in path:
        if cert.not_valid_after_utc < now:
            return f"certificate {subject_of(cert)!r} has expired"
        if cert.not_valid_before_utc > now:
            return f"certificate {subject_of(cert)!r} is not valid yet"
        for extension in cert.extensions:
            if extension.critical and isinstance(extension.value, x509.UnrecognizedExtension):
                return f"certificate {subject_of(cert)!r} has an unknown critical extension"
    for below, ca in enumerate(path[1:]):
        problem = _ca_problem(ca, below)
        if problem:
            return f"{subject_of(ca)!r} {problem}"
    problem = _server_problem(path[0]) or _constraints_problem(path)
    if problem:
        return problem
    violation = check_chain(presented, path[-1])
    return str(violation) if violation else None


def _extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> object | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _ca_problem(ca: x509.Certificate, below: int) -> str | None:
    """Why ``ca`` may not issue what is ``below`` + 1 certificates under it."""
    constraints = _extension(ca, x509.BasicConstraints)
    if not isinstance(constraints, x509.BasicConstraints):
        # OpenSSL takes a version 1 self-signed certificate (an old root) as a CA.
        if not (ca.version == x509.Version.v1 and ca.issuer == ca.subject):
            return "is not a CA certificate"
    elif not constraints.ca:
        return "is not a CA certificate"
    elif constraints.path_length is not None and below > constraints.path_length:
        return f"allows {constraints.path_length} intermediate(s) below it, not {below}"
    usage = _extension(ca, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
        return "may not sign certificates (keyUsage)"
    return None


def _server_problem(leaf: x509.Certificate) -> str | None:
    usage = _extension(leaf, x509.ExtendedKeyUsage)
    if isinstance(usage, x509.ExtendedKeyUsage) and not (
        ExtendedKeyUsageOID.SERVER_AUTH in usage
        or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usage
    ):
        return f"certificate {subject_of(leaf)!r} is not for TLS servers (extendedKeyUsage)"
    return None


def _dns_within(name: str, constraint: str) -> bool:
    name, constraint = name.lower().rstrip("."), constraint.lower().rstrip(".")
    if constraint.startswith("."):
        return name.endswith(constraint)
    return name == constraint or name.endswith("." + constraint)


def _ip_within(address: object, network: object) -> bool:
    return (
        isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address)
        and isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network)
        and address.version == network.version
        and address in network
    )


def _constraints_problem(path: list[x509.Certificate]) -> str | None:
    """The leaf's DNS and IP names against the nameConstraints of the CAs above it."""
    san = _extension(path[0], x509.SubjectAlternativeName)
    if not isinstance(san, x509.SubjectAlternativeName):
        return None
    dns = san.get_values_for_type(x509.DNSName)
    ips = san.get_values_for_type(x509.IPAddress)
    for ca in path[1:]:
        constraints = _extension(ca, x509.NameConstraints)
        if not isinstance(constraints, x509.NameConstraints):
            continue
        permitted = constraints.permitted_subtrees or []
        excluded = constraints.excluded_subtrees or []
        allowed_dns = [str(s.value) for s in permitted if isinstance(s, x509.DNSName)]
        denied_dns = [str(s.value) for s in excluded if isinstance(s, x509.DNSName)]
        allowed_ip = [s.value for s in permitted if isinstance(s, x509.IPAddress)]
        denied_ip = [s.value for s in excluded if isinstance(s, x509.IPAddress)]
        for name in dns:
            if (allowed_dns and not any(_dns_within(name, c) for c in allowed_dns)) or any(
                _dns_within(name, c) for c in denied_dns
            ):
                return f"{subject_of(ca)!r} does not allow the name {name} (nameConstraints)"
        for address in ips:
            if (allowed_ip and not any(_ip_within(address, n) for n in allowed_ip)) or any(
                _ip_within(address, n) for n in denied_ip
            ):
                return f"{subject_of(ca)!r} does not allow the address {address} (nameConstraints)"
    return None
