"""The pieces certificates are built from: validity windows, names, extensions and PEM."""

from __future__ import annotations

import datetime
import ipaddress
import secrets
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from indexclient.testing.pki.keys import PrivateKey

_DEFAULT_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost")


def _utc(value: datetime.datetime) -> datetime.datetime:
    # Naive datetimes are taken as UTC, which is what X.509 times are.
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def _validity(
    not_before: datetime.datetime | None,
    not_after: datetime.datetime | None,
    lifetime: datetime.timedelta,
) -> tuple[datetime.datetime, datetime.datetime]:
    # Backdate by an hour so that small clock differences never make a fresh cert "not yet valid".
    now = datetime.datetime.now(datetime.timezone.utc)
    start = _utc(not_before) if not_before is not None else now - datetime.timedelta(hours=1)
    end = _utc(not_after) if not_after is not None else now + lifetime
    # When only one bound is given and it falls beyond the other's default, move the default
    # rather than produce a certificate that ends before it starts.
    if end <= start and not_before is None:
        start = end - lifetime
    elif end <= start and not_after is None:
        end = start + lifetime
    return start, end


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, secrets.token_hex(8)),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _general_name(host: str) -> x509.GeneralName:
    host = host.removeprefix("[").removesuffix("]")
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        pass
    # x509.DNSName wants A-labels; tests may pass internationalised names.
    return x509.DNSName(host if host.isascii() else host.encode("idna").decode("ascii"))


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _add_ca_issuers(builder: x509.CertificateBuilder, url: str | None) -> x509.CertificateBuilder:
    if url is None:
        return builder
    access = x509.AccessDescription(
        AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url)
    )
    return builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_name(hosts: Sequence[str], common_name: str | None) -> x509.Name:
    cn = common_name if common_name is not None else (hosts[0] if hosts else "indexclient leaf")
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _add_leaf_extensions(
    builder: x509.CertificateBuilder,
    key: PrivateKey,
    hosts: Sequence[str],
    *,
    san: bool,
    client: bool,
    server: bool,
    key_usage: bool = True,
) -> x509.CertificateBuilder:
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                # RSA key transport (TLS 1.2 RSA kx) needs keyEncipherment.
                key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    usages = [ExtendedKeyUsageOID.SERVER_AUTH] if server else []
    usages += [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if san and hosts:
        names = [_general_name(h) for h in hosts]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder
