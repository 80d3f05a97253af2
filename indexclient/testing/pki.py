"""A throwaway PKI for tests and the demo: certificate authorities, leaves and server contexts.

Everything is generated in memory at run time; nothing touches the disk unless a ``write*``
method is called. Nothing here reads ``SSL_CERT_FILE``/``SSL_CERT_DIR`` or any system store:
trust is always exactly the PEM this module hands out.

Typical use::

    root = CertificateAuthority.create()
    leaf = root.issue_leaf(hosts=("127.0.0.1", "localhost"))
    async with serve_https(server_context(leaf)) as server:
        ...  # trust root.cert_pem on the client side

Key generation is cached (see :func:`generate_key`) so that a whole test run creates only a
handful of RSA and DSA keys. Certificate authorities get a random ``OU`` in their subject so
that two authorities can never be confused with one another even when they share a common name
and (from the cache) a key.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import itertools
import os
import secrets
import ssl
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias, get_args

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

__all__ = [
    "HASHES",
    "KEY_POOL_SIZE",
    "KEY_TYPES",
    "CertPaths",
    "CertificateAuthority",
    "IssuedCert",
    "KeyFormat",
    "KeyType",
    "PrivateKey",
    "SignatureHash",
    "TrustAnchor",
    "ca_bundle_pem",
    "generate_key",
    "is_weak",
    "self_signed_leaf",
    "server_context",
]

KeyType: TypeAlias = Literal[
    "rsa1024",
    "rsa2048",
    "rsa3072",
    "rsa4096",
    "ec-p256",
    "ec-p384",
    "ec-p521",
    "ec-secp256k1",
    "ed25519",
    "dsa2048",
]
"""The kinds of key this module can generate. ``ec-secp256k1`` is a curve the client's policy
rejects, ``rsa1024`` and ``dsa2048`` are there to test refusal of weak or obsolete keys."""

KEY_TYPES: tuple[KeyType, ...] = get_args(KeyType)
"""Every :data:`KeyType`, handy for ``pytest.mark.parametrize``."""

SignatureHash: TypeAlias = Literal["sha256", "sha384", "sha512", "sha1"]
"""The digest a certificate is signed with (ignored by Ed25519 signers, which have no choice)."""

HASHES: tuple[SignatureHash, ...] = get_args(SignatureHash)
"""Every :data:`SignatureHash`."""

KeyFormat: TypeAlias = Literal["pkcs8", "pkcs1", "sec1"]
"""PEM private-key encodings: PKCS#8 (any key), PKCS#1 (RSA only), SEC1 (EC only)."""

PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | dsa.DSAPrivateKey
)
"""The private key types :func:`generate_key` returns."""

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ec-p256": ec.SECP256R1,
    "ec-p384": ec.SECP384R1,
    "ec-p521": ec.SECP521R1,
    "ec-secp256k1": ec.SECP256K1,
}

_HASH_CLASSES: dict[SignatureHash, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

KEY_POOL_SIZE = 4
"""How many distinct keys of each slow kind (RSA, DSA) issuing methods cycle through."""

# Slow kinds come from the cache; EC and Ed25519 keys take well under a millisecond, so issuing
# methods always make fresh ones and never have to reason about sharing.
_SLOW_KINDS = frozenset({"rsa1024", "rsa2048", "rsa3072", "rsa4096", "dsa2048"})

_key_cache: dict[tuple[KeyType, int], PrivateKey] = {}
_key_cache_lock = threading.Lock()
_pool_counters: dict[KeyType, Iterator[int]] = {}

_DEFAULT_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost")


@functools.cache
def _dsa_parameters() -> dsa.DSAParameters:
    # Generating DSA domain parameters is the slow part (up to seconds); keys sharing them is
    # normal practice (FIPS 186 domain parameters) and makes each further key cheap.
    return dsa.generate_parameters(key_size=2048)


def _new_key(kind: KeyType) -> PrivateKey:
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind in _CURVES:
        return ec.generate_private_key(_CURVES[kind]())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "dsa2048":
        return _dsa_parameters().generate_private_key()
    raise ValueError(f"unknown key type {kind!r}; expected one of {', '.join(KEY_TYPES)}")


def generate_key(kind: KeyType, slot: int | None = 0) -> PrivateKey:
    """Return a private key of ``kind``, from a process-wide cache.

    RSA keys (a quarter of a second or more for 4096 bits) and the first DSA key (domain
    parameters, shared by later DSA keys) are slow to make, so keys are cached by
    ``(kind, slot)``: the same ``slot`` always returns the same key object, different slots
    give different keys, and each slot is generated lazily on first use (an ``rsa4096`` key is
    never made unless asked for). ``slot=None`` bypasses the cache and returns a fresh key.
    Keys are immutable, so sharing them between tests is safe.

    Issuing methods without an explicit ``key`` take fresh EC/Ed25519 keys and rotate RSA/DSA
    keys through slots ``0..KEY_POOL_SIZE-1``, never reusing a key of the issuing chain.
    """
    if kind not in KEY_TYPES:
        raise ValueError(f"unknown key type {kind!r}; expected one of {', '.join(KEY_TYPES)}")
    if slot is None:
        return _new_key(kind)
    with _key_cache_lock:
        key = _key_cache.get((kind, slot))
        if key is None:
            key = _key_cache[(kind, slot)] = _new_key(kind)
        return key


def _public_der(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _allocate_key(kind: KeyType, avoid: Sequence[PrivateKey] = ()) -> PrivateKey:
    """A key for a new certificate: fresh when cheap, else the next cached one in rotation.

    ``avoid`` holds the issuer chain's keys, so a certificate never shares its key with the
    authority that signed it (a leaf whose key is its issuer's would be a confusing fixture).
    """
    if kind not in _SLOW_KINDS:
        return generate_key(kind, slot=None)
    avoided = {_public_der(k) for k in avoid}
    for _ in range(KEY_POOL_SIZE):
        with _key_cache_lock:
            counter = _pool_counters.setdefault(kind, itertools.cycle(range(KEY_POOL_SIZE)))
            slot = next(counter)
        key = generate_key(kind, slot=slot)
        if _public_der(key) not in avoided:
            return key
    # Only reachable if the chain already holds every pooled key: step outside the pool.
    return generate_key(kind, slot=None)


# --- signing -------------------------------------------------------------------------------
#
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


# --- certificates --------------------------------------------------------------------------


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


def _private_pem(key: PrivateKey, fmt: KeyFormat, password: bytes | None) -> bytes:
    if fmt == "pkcs8":
        private_format = serialization.PrivateFormat.PKCS8
    elif fmt == "pkcs1":
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"PKCS#1 encodes RSA keys only, not {type(key).__name__}")
        private_format = serialization.PrivateFormat.TraditionalOpenSSL
    elif fmt == "sec1":
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"SEC1 encodes EC keys only, not {type(key).__name__}")
        private_format = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        raise ValueError(f"unknown key format {fmt!r}")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password is not None
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, private_format, encryption)


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


TrustAnchor: TypeAlias = CertificateAuthority | IssuedCert | x509.Certificate
"""Anything :func:`ca_bundle_pem` can turn into trusted PEM."""


def ca_bundle_pem(*cas: TrustAnchor) -> bytes:
    """Concatenate the certificates of ``cas`` into one PEM bundle, in the order given.

    An :class:`IssuedCert` contributes its leaf alone (to trust a self-signed certificate).
    """
    certs = (a.cert if isinstance(a, CertificateAuthority | IssuedCert) else a for a in cas)
    return b"".join(_pem(c) for c in certs)


def is_weak(cert: x509.Certificate) -> bool:
    """Whether OpenSSL at its default security level (2 here) refuses ``cert`` in a chain.

    True for SHA-1 (or weaker) signatures, RSA/DSA keys under 2048 bits and EC keys under
    224 bits.
    """
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey | dsa.DSAPublicKey) and public_key.key_size < 2048:
        return True
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.key_size < 224:
        return True
    try:
        digest = cert.signature_hash_algorithm
    except Exception:
        # An algorithm cryptography cannot name is not one OpenSSL's level 2 refuses.
        return False
    return digest is not None and digest.digest_size < 28


def server_context(
    issued: IssuedCert,
    *,
    client_ca: CertificateAuthority | None = None,
    tls_versions: tuple[ssl.TLSVersion, ssl.TLSVersion] | None = None,
    allow_weak: bool = False,
) -> ssl.SSLContext:
    """A server-side :class:`ssl.SSLContext` presenting ``issued.chain_pem`` with its key.

    ``client_ca`` turns on mutual TLS: client certificates are required and must chain to that
    authority (an intermediate is trusted as an anchor by itself, without its root).
    ``tls_versions`` is ``(minimum, maximum)``.

    OpenSSL 3 at security level 2 refuses to even load a chain with SHA-1 signatures ("ca md
    too weak") or RSA-1024 keys ("ee key too small"), and will not negotiate TLS < 1.2.
    ``allow_weak=True`` drops the context to ``@SECLEVEL=0``; it is switched on automatically
    when the chain or ``client_ca`` contains such certificates or ``tls_versions`` starts
    below TLS 1.2, so tests need not remember it. No system trust store is ever loaded.
    """
    certs = [issued.cert, *issued.chain]
    if client_ca is not None:
        certs += [ca.cert for ca in (client_ca, *client_ca.parents)]
    old_tls = tls_versions is not None and tls_versions[0] < ssl.TLSVersion.TLSv1_2
    weak = allow_weak or old_tls or any(is_weak(c) for c in certs)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if weak:
        # Must happen before load_cert_chain: the level is checked when the chain is loaded.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if tls_versions is not None:
        with warnings.catch_warnings():
            # Python deprecates TLSv1/TLSv1_1 here; tests set them on purpose.
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version, ctx.maximum_version = tls_versions

    # ssl can only load a certificate chain from files: use a private directory and remove it
    # as soon as OpenSSL has read the key.
    with tempfile.TemporaryDirectory(prefix="indexclient-pki-") as tmp:
        cert_file = Path(tmp) / "chain.pem"
        key_file = Path(tmp) / "key.pem"
        cert_file.write_bytes(issued.chain_pem)
        key_file.touch(mode=0o600)
        key_file.write_bytes(issued.key_pem)
        ctx.load_cert_chain(cert_file, key_file)

    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cadata=client_ca.cert_pem.decode("ascii"))
        if not client_ca.is_root:
            ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return ctx
