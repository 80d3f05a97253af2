"""Certificate authorities, roots and intermediates, and the PEM bundles that trust them."""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

from cryptography import x509

from indexclient.testing.pki.certificates import (
    _DEFAULT_HOSTS,
    _add_ca_issuers,
    _add_leaf_extensions,
    _ca_key_usage,
    _ca_name,
    _leaf_name,
    _pem,
    _validity,
)
from indexclient.testing.pki.issued import IssuedCert
from indexclient.testing.pki.keys import KeyType, PrivateKey, _allocate_key, _private_pem
from indexclient.testing.pki.signing import SignatureHash, _sign


class CertificateAuthority:
    """A root or intermediate certificate authority that can issue intermediates and leaves.

    Create a root with :meth:`create`; :meth:`issue_intermediate` returns a new authority that
    remembers its parents, so leaves it issues carry their whole chain (:attr:`IssuedCert.chain`).
    """

    def __init__(
        self,
        cert: x509.Certificate,
        key: PrivateKey,
        parents: Sequence[CertificateAuthority] = (),
    ) -> None:
        """Wrap an existing authority; ``parents`` runs from the direct issuer up to the root."""
        self.cert = cert
        self.key = key
        self.parents: tuple[CertificateAuthority, ...] = tuple(parents)

    def __repr__(self) -> str:
        return f"<CertificateAuthority {self.cert.subject.rfc4514_string()}>"

    @classmethod
    def create(
        cls,
        common_name: str = "indexclient test root",
        key_type: KeyType = "ec-p256",
        *,
        hash: SignatureHash = "sha256",
        pss: bool = False,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        key: PrivateKey | None = None,
        subject: x509.Name | None = None,
    ) -> CertificateAuthority:
        """Create a self-signed root (basicConstraints CA=true, keyCertSign and cRLSign).

        Validity defaults to one hour ago until a year from now. ``key`` overrides
        ``key_type``. ``subject`` replaces the default subject (``OU=<random>, CN=common_name``;
        the random OU keeps separately created roots distinct); passing the subject of another
        authority is how to build a look-alike impostor.
        """
        key = key if key is not None else _allocate_key(key_type)
        name = subject if subject is not None else _ca_name(common_name)
        start, end = _validity(not_before, not_after, datetime.timedelta(days=365))
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(ski, critical=False)
        )
        return cls(_sign(builder, key, hash, pss), key)

    @property
    def is_root(self) -> bool:
        """Whether this authority is self-signed (has no parents)."""
        return not self.parents

    @property
    def root(self) -> CertificateAuthority:
        """The self-signed authority at the top of this one's chain (itself for a root)."""
        return self.parents[-1] if self.parents else self

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The intermediates a certificate issued by this authority must carry, nearest first.

        Empty for a root; otherwise this authority's certificate followed by its non-root
        parents.
        """
        return tuple(ca.cert for ca in (self, *self.parents) if not ca.is_root)

    @property
    def cert_pem(self) -> bytes:
        """This authority's certificate alone, PEM encoded."""
        return _pem(self.cert)

    @property
    def key_pem(self) -> bytes:
        """This authority's private key as unencrypted PKCS#8 PEM."""
        return _private_pem(self.key, "pkcs8", None)

    def write_cert(self, path: str | os.PathLike[str]) -> Path:
        """Write :attr:`cert_pem` to ``path`` and return it as a :class:`~pathlib.Path`."""
        target = Path(path)
        target.write_bytes(self.cert_pem)
        return target

    def _issuer_builder(
        self,
        subject: x509.Name,
        public_key: PrivateKey,
        start: datetime.datetime,
        end: datetime.datetime,
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(public_key.public_key()), critical=False
            )
            .add_extension(self._authority_key_identifier(), critical=False)
        )

    def _authority_key_identifier(self) -> x509.AuthorityKeyIdentifier:
        try:
            ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        except x509.ExtensionNotFound:
            return x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key())
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)

    def _chain_keys(self) -> list[PrivateKey]:
        return [ca.key for ca in (self, *self.parents)]

    def issue_intermediate(
        self,
        common_name: str,
        key_type: KeyType = "ec-p256",
        *,
        hash: SignatureHash = "sha256",
        pss: bool = False,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        key: PrivateKey | None = None,
        ca_issuers_url: str | None = None,
    ) -> CertificateAuthority:
        """Issue a subordinate authority signed by this one (CA=true, AKI set).

        The result knows its parents, so its leaves carry the full chain. Validity defaults to
        one hour ago until a year from now. ``key`` overrides ``key_type``;
        ``ca_issuers_url`` adds an authorityInfoAccess caIssuers URI.
        """
        key = key if key is not None else _allocate_key(key_type, self._chain_keys())
        start, end = _validity(not_before, not_after, datetime.timedelta(days=365))
        builder = (
            self._issuer_builder(_ca_name(common_name), key, start, end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
        )
        builder = _add_ca_issuers(builder, ca_issuers_url)
        return CertificateAuthority(_sign(builder, self.key, hash, pss), key, (self, *self.parents))

    def issue_leaf(
        self,
        *,
        hosts: Sequence[str] = _DEFAULT_HOSTS,
        common_name: str | None = None,
        key_type: KeyType = "ec-p256",
        hash: SignatureHash = "sha256",
        pss: bool = False,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        san: bool = True,
        client: bool = False,
        server: bool = True,
        key: PrivateKey | None = None,
        ca_issuers_url: str | None = None,
    ) -> IssuedCert:
        """Issue an end-entity certificate (CA=false) signed by this authority.

        ``hosts`` become subjectAltName entries: IPv4/IPv6 literals as iPAddress, anything else
        as dNSName. With ``san=False`` there is no SAN extension at all and the only name is the
        subject CN (``common_name`` or ``hosts[0]``), the legacy form clients must reject.
        ``server``/``client`` select the serverAuth/clientAuth extended key usages (neither
        means no EKU extension). Validity defaults to one hour ago until 30 days from now; pass
        a ``not_after`` in the past for an expired certificate or a ``not_before`` in the future
        for a not-yet-valid one. ``key`` overrides ``key_type``; ``hash`` and ``pss`` choose how
        this authority signs. ``ca_issuers_url`` adds an authorityInfoAccess caIssuers URI (where
        a client could fetch a missing intermediate).
        """
        key = key if key is not None else _allocate_key(key_type, self._chain_keys())
        start, end = _validity(not_before, not_after, datetime.timedelta(days=30))
        builder = self._issuer_builder(_leaf_name(hosts, common_name), key, start, end)
        builder = _add_leaf_extensions(builder, key, hosts, san=san, client=client, server=server)
        builder = _add_ca_issuers(builder, ca_issuers_url)
        cert = _sign(builder, self.key, hash, pss)
        return IssuedCert(cert=cert, key=key, chain=self.chain, issuer=self)


TrustAnchor: TypeAlias = CertificateAuthority | IssuedCert | x509.Certificate
"""Anything :func:`ca_bundle_pem` can turn into trusted PEM."""


def ca_bundle_pem(*cas: TrustAnchor) -> bytes:
    """Concatenate the certificates of ``cas`` into one PEM bundle, in the order given.

    An :class:`IssuedCert` contributes its leaf alone (to trust a self-signed certificate).
    """
    certs = (a.cert if isinstance(a, CertificateAuthority | IssuedCert) else a for a in cas)
    return b"".join(_pem(c) for c in certs)
