"""Tests for indexclient.testing.pki: every fixture certificate is what it claims to be."""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import ssl
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
    SignatureAlgorithmOID,
)

from indexclient.testing.pki import (
    KEY_TYPES,
    CertificateAuthority,
    IssuedCert,
    KeyType,
    SignatureHash,
    ca_bundle_pem,
    generate_key,
    is_weak,
    self_signed_leaf,
    server_context,
)

UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def ec_root() -> CertificateAuthority:
    return CertificateAuthority.create()


@pytest.fixture(scope="module")
def rsa_root() -> CertificateAuthority:
    return CertificateAuthority.create("rsa root", "rsa2048")


def now() -> datetime.datetime:
    return datetime.datetime.now(UTC)


def verify_signature(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    """Check ``cert``'s signature by hand (cryptography refuses SHA-1 in its own helper)."""
    public_key = issuer.public_key()
    digest = cert.signature_hash_algorithm
    if isinstance(public_key, rsa.RSAPublicKey):
        assert digest is not None
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
        if cert.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS:
            pad = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, pad, digest)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        assert digest is not None
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(digest))
    elif isinstance(public_key, dsa.DSAPublicKey):
        assert digest is not None
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, digest)
    else:
        assert isinstance(public_key, ed25519.Ed25519PublicKey)
        public_key.verify(cert.signature, cert.tbs_certificate_bytes)


def san_of(cert: x509.Certificate) -> x509.SubjectAlternativeName:
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value


def common_name(cert: x509.Certificate) -> str:
    value = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert isinstance(value, str)
    return value


# --------------------------------------------------------------------------- keys


def check_key(key: object, kind: KeyType) -> None:
    if kind.startswith("rsa"):
        assert isinstance(key, rsa.RSAPrivateKey)
        assert key.key_size == int(kind[3:])
    elif kind.startswith("ec-"):
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        expected = {"p256": "secp256r1", "p384": "secp384r1", "p521": "secp521r1"}
        curve = kind[3:]
        assert key.curve.name == expected.get(curve, curve)
    elif kind == "ed25519":
        assert isinstance(key, ed25519.Ed25519PrivateKey)
    else:
        assert isinstance(key, dsa.DSAPrivateKey)
        assert key.key_size == 2048


@pytest.mark.parametrize("kind", KEY_TYPES)
def test_generate_key_makes_the_kind_asked_for(kind: KeyType) -> None:
    check_key(generate_key(kind), kind)


def test_generate_key_caches_by_slot() -> None:
    first = generate_key("rsa2048", slot=0)
    assert generate_key("rsa2048", slot=0) is first
    other = generate_key("rsa2048", slot=1)
    assert other.public_key() != first.public_key()
    fresh = generate_key("ec-p256", slot=None)
    assert fresh.public_key() != generate_key("ec-p256", slot=None).public_key()
    assert generate_key("ec-p256", slot=7) is generate_key("ec-p256", slot=7)


def test_generate_key_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown key type"):
        generate_key("rsa512")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KEY_TYPES)
def test_leaf_key_type(ec_root: CertificateAuthority, kind: KeyType) -> None:
    leaf = ec_root.issue_leaf(key_type=kind)
    check_key(leaf.key, kind)
    assert leaf.cert.public_key() == leaf.key.public_key()


def test_certificates_never_share_a_key_with_their_issuer() -> None:
    # RSA keys come from a small pool; an issuer's key must still never be reused below it.
    root = CertificateAuthority.create(key_type="rsa2048")
    intermediate = root.issue_intermediate("i", "rsa2048")
    leaves = [intermediate.issue_leaf(key_type="rsa2048") for _ in range(6)]
    for leaf in leaves:
        assert leaf.cert.public_key() not in (
            root.cert.public_key(),
            intermediate.cert.public_key(),
        )


def test_roots_with_the_same_name_are_distinct() -> None:
    first = CertificateAuthority.create("same", "rsa2048")
    second = CertificateAuthority.create("same", "rsa2048")
    assert common_name(first.cert) == common_name(second.cert) == "same"
    assert first.cert.subject != second.cert.subject


# --------------------------------------------------------------------------- signatures

EXPECTED_OIDS: dict[tuple[str, SignatureHash], x509.ObjectIdentifier] = {
    ("rsa", "sha1"): SignatureAlgorithmOID.RSA_WITH_SHA1,
    ("rsa", "sha256"): SignatureAlgorithmOID.RSA_WITH_SHA256,
    ("rsa", "sha384"): SignatureAlgorithmOID.RSA_WITH_SHA384,
    ("rsa", "sha512"): SignatureAlgorithmOID.RSA_WITH_SHA512,
    ("ec", "sha1"): SignatureAlgorithmOID.ECDSA_WITH_SHA1,
    ("ec", "sha256"): SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    ("ec", "sha384"): SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    ("ec", "sha512"): SignatureAlgorithmOID.ECDSA_WITH_SHA512,
    ("dsa", "sha1"): SignatureAlgorithmOID.DSA_WITH_SHA1,
    ("dsa", "sha256"): SignatureAlgorithmOID.DSA_WITH_SHA256,
}


@pytest.mark.parametrize(("family", "hash"), sorted(EXPECTED_OIDS))
def test_signature_hash(family: str, hash: SignatureHash) -> None:
    kind: KeyType = {"rsa": "rsa2048", "ec": "ec-p256", "dsa": "dsa2048"}[family]  # type: ignore[assignment]
    root = CertificateAuthority.create(key_type=kind, hash=hash)
    intermediate = root.issue_intermediate("i", kind, hash=hash)
    leaf = intermediate.issue_leaf(hash=hash)
    for cert, issuer in (
        (root.cert, root.cert),
        (intermediate.cert, root.cert),
        (leaf.cert, intermediate.cert),
    ):
        assert cert.signature_algorithm_oid == EXPECTED_OIDS[(family, hash)]
        digest = cert.signature_hash_algorithm
        assert digest is not None
        assert digest.name == hash
        verify_signature(cert, issuer)
    assert is_weak(leaf.cert) == (hash == "sha1")


def test_sha1_certificate_keeps_its_content(rsa_root: CertificateAuthority) -> None:
    # The SHA-1 path rebuilds the DER by hand: everything but the signature must survive.
    leaf = rsa_root.issue_leaf(hosts=("127.0.0.1", "example.test"), hash="sha1", client=True)
    assert leaf.cert.issuer == rsa_root.cert.subject
    assert san_of(leaf.cert).get_values_for_type(x509.DNSName) == ["example.test"]
    assert len(leaf.cert.extensions) == 6
    assert x509.load_pem_x509_certificate(leaf.cert_pem) == leaf.cert


@pytest.mark.parametrize("hash", ["sha256", "sha384", "sha512"])
def test_rsa_pss(rsa_root: CertificateAuthority, hash: SignatureHash) -> None:
    leaf = rsa_root.issue_leaf(hash=hash, pss=True)
    assert leaf.cert.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS
    params = leaf.cert.signature_algorithm_parameters
    assert isinstance(params, padding.PSS)
    digest = leaf.cert.signature_hash_algorithm
    assert digest is not None
    assert digest.name == hash
    verify_signature(leaf.cert, rsa_root.cert)
    leaf.cert.verify_directly_issued_by(rsa_root.cert)


def test_ed25519_signer() -> None:
    root = CertificateAuthority.create(key_type="ed25519")
    leaf = root.issue_leaf(hash="sha384")  # hash is meaningless for Ed25519 and ignored
    assert leaf.cert.signature_algorithm_oid == SignatureAlgorithmOID.ED25519
    assert leaf.cert.signature_hash_algorithm is None
    leaf.cert.verify_directly_issued_by(root.cert)
    with pytest.raises(ValueError, match="SHA-1"):
        root.issue_leaf(hash="sha1")


def test_impossible_signatures_are_refused(
    ec_root: CertificateAuthority, rsa_root: CertificateAuthority
) -> None:
    with pytest.raises(ValueError, match="RSA-PSS needs an RSA"):
        ec_root.issue_leaf(pss=True)
    with pytest.raises(ValueError, match="PSS with SHA-1"):
        rsa_root.issue_leaf(pss=True, hash="sha1")
    dsa_root = CertificateAuthority.create(key_type="dsa2048")
    with pytest.raises(ValueError, match="DSA"):
        dsa_root.issue_leaf(hash="sha512")


# --------------------------------------------------------------------------- names and usage


def test_hosts_become_typed_subject_alt_names(ec_root: CertificateAuthority) -> None:
    leaf = ec_root.issue_leaf(hosts=("127.0.0.2", "::1", "[fe80::1]", "localhost", "*.test"))
    san = san_of(leaf.cert)
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.2"),
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("fe80::1"),
    ]
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "*.test"]
    assert common_name(leaf.cert) == "127.0.0.2"


def test_internationalised_host_is_encoded(ec_root: CertificateAuthority) -> None:
    leaf = ec_root.issue_leaf(hosts=("bücher.test",))
    assert san_of(leaf.cert).get_values_for_type(x509.DNSName) == ["xn--bcher-kva.test"]


def test_cn_only_certificate_has_no_san(ec_root: CertificateAuthority) -> None:
    leaf = ec_root.issue_leaf(hosts=("localhost",), san=False)
    with pytest.raises(x509.ExtensionNotFound):
        leaf.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert common_name(leaf.cert) == "localhost"
    named = ec_root.issue_leaf(common_name="other", san=False)
    assert common_name(named.cert) == "other"


@pytest.mark.parametrize(
    ("server", "client", "expected"),
    [
        (True, False, [ExtendedKeyUsageOID.SERVER_AUTH]),
        (False, True, [ExtendedKeyUsageOID.CLIENT_AUTH]),
        (True, True, [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
    ],
)
def test_extended_key_usage(
    ec_root: CertificateAuthority,
    server: bool,
    client: bool,
    expected: list[x509.ObjectIdentifier],
) -> None:
    leaf = ec_root.issue_leaf(server=server, client=client)
    eku = leaf.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == expected


def test_no_usage_means_no_eku_extension(ec_root: CertificateAuthority) -> None:
    leaf = ec_root.issue_leaf(server=False, client=False)
    with pytest.raises(x509.ExtensionNotFound):
        leaf.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)


def test_root_is_a_self_signed_ca(ec_root: CertificateAuthority) -> None:
    cert = ec_root.cert
    assert ec_root.is_root
    assert ec_root.root is ec_root
    assert ec_root.chain == ()
    assert cert.issuer == cert.subject
    assert common_name(cert) == "indexclient test root"
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical
    assert basic.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(ec_root.key.public_key())
    verify_signature(cert, cert)


def test_leaf_extensions(ec_root: CertificateAuthority) -> None:
    leaf = ec_root.issue_leaf()
    assert leaf.issuer is ec_root
    basic = leaf.cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert not basic.ca
    usage = leaf.cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.key_cert_sign
    assert san_of(leaf.cert).get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1")
    ]
    assert san_of(leaf.cert).get_values_for_type(x509.DNSName) == ["localhost"]


def test_chain_order_and_identifiers() -> None:
    root = CertificateAuthority.create()
    first = root.issue_intermediate("first")
    second = first.issue_intermediate("second")
    leaf = second.issue_leaf()

    assert second.parents == (first, root)
    assert second.root is root
    assert not second.is_root
    assert leaf.chain == (second.cert, first.cert)
    assert second.chain == (second.cert, first.cert)

    path = [leaf.cert, second.cert, first.cert, root.cert]
    for child, parent in itertools.pairwise(path):
        assert child.issuer == parent.subject
        aki = child.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = parent.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        assert aki.key_identifier == ski.digest
        verify_signature(child, parent)
    assert first.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca

    presented = x509.load_pem_x509_certificates(leaf.chain_pem)
    assert presented == [leaf.cert, second.cert, first.cert]


def test_leaf_of_a_root_has_an_empty_chain(ec_root: CertificateAuthority) -> None:
    leaf = ec_root.issue_leaf()
    assert leaf.chain == ()
    assert leaf.chain_pem == leaf.cert_pem


# --------------------------------------------------------------------------- validity


def test_default_validity(ec_root: CertificateAuthority) -> None:
    leaf = ec_root.issue_leaf()
    start, end = leaf.cert.not_valid_before_utc, leaf.cert.not_valid_after_utc
    assert now() - datetime.timedelta(hours=2) < start < now() - datetime.timedelta(minutes=50)
    assert abs(end - (now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=5)


def test_expired_certificate(ec_root: CertificateAuthority) -> None:
    past = now() - datetime.timedelta(days=2)
    leaf = ec_root.issue_leaf(not_after=past)
    assert leaf.cert.not_valid_after_utc == past.replace(microsecond=0)
    assert leaf.cert.not_valid_before_utc < leaf.cert.not_valid_after_utc < now()


def test_not_yet_valid_certificate(ec_root: CertificateAuthority) -> None:
    future = now() + datetime.timedelta(days=60)
    leaf = ec_root.issue_leaf(not_before=future)
    assert leaf.cert.not_valid_before_utc == future.replace(microsecond=0)
    assert now() < leaf.cert.not_valid_before_utc < leaf.cert.not_valid_after_utc


def test_naive_datetimes_are_utc(ec_root: CertificateAuthority) -> None:
    naive = datetime.datetime(2020, 1, 2, 3, 4, 5)
    leaf = ec_root.issue_leaf(not_before=naive - datetime.timedelta(days=1), not_after=naive)
    assert leaf.cert.not_valid_after_utc == naive.replace(tzinfo=UTC)


def test_expired_root() -> None:
    past = now() - datetime.timedelta(days=1)
    root = CertificateAuthority.create(not_after=past)
    assert root.cert.not_valid_after_utc < now()


# --------------------------------------------------------------------------- self-signed


def test_self_signed_leaf() -> None:
    issued = self_signed_leaf(hosts=("127.0.0.1", "localhost"), key_type="rsa2048")
    cert = issued.cert
    assert cert.issuer == cert.subject
    assert issued.chain == ()
    assert issued.issuer is None
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert san_of(cert).get_values_for_type(x509.DNSName) == ["localhost"]
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.KeyUsage)
    verify_signature(cert, cert)


# --------------------------------------------------------------------------- serialisation


@pytest.fixture(scope="module")
def rsa_leaf(rsa_root: CertificateAuthority) -> IssuedCert:
    return rsa_root.issue_leaf(key_type="rsa2048", client=True)


@pytest.fixture(scope="module")
def ec_leaf(ec_root: CertificateAuthority) -> IssuedCert:
    return ec_root.issue_leaf(client=True)


@pytest.mark.parametrize(
    ("fmt", "password", "marker"),
    [
        ("pkcs8", None, b"-----BEGIN PRIVATE KEY-----"),
        ("pkcs8", b"secret", b"-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        ("pkcs1", None, b"-----BEGIN RSA PRIVATE KEY-----"),
        ("pkcs1", b"secret", b"Proc-Type: 4,ENCRYPTED"),
    ],
)
def test_rsa_key_formats(
    rsa_leaf: IssuedCert, fmt: str, password: bytes | None, marker: bytes
) -> None:
    pem = rsa_leaf.key_pem_as(fmt, password)  # type: ignore[arg-type]
    assert marker in pem
    loaded = serialization.load_pem_private_key(pem, password)
    assert loaded.public_key() == rsa_leaf.key.public_key()


@pytest.mark.parametrize(
    ("fmt", "password", "marker"),
    [
        ("pkcs8", None, b"-----BEGIN PRIVATE KEY-----"),
        ("sec1", None, b"-----BEGIN EC PRIVATE KEY-----"),
        ("sec1", b"secret", b"Proc-Type: 4,ENCRYPTED"),
    ],
)
def test_ec_key_formats(
    ec_leaf: IssuedCert, fmt: str, password: bytes | None, marker: bytes
) -> None:
    pem = ec_leaf.key_pem_as(fmt, password)  # type: ignore[arg-type]
    assert marker in pem
    loaded = serialization.load_pem_private_key(pem, password)
    assert loaded.public_key() == ec_leaf.key.public_key()


def test_key_format_must_fit_the_key(rsa_leaf: IssuedCert, ec_leaf: IssuedCert) -> None:
    with pytest.raises(ValueError, match="RSA keys only"):
        ec_leaf.key_pem_as("pkcs1")
    with pytest.raises(ValueError, match="EC keys only"):
        rsa_leaf.key_pem_as("sec1")
    assert rsa_leaf.key_pem == rsa_leaf.key_pem_as("pkcs8")


def test_write(tmp_path: Path) -> None:
    root = CertificateAuthority.create()
    leaf = root.issue_intermediate("i").issue_leaf(client=True)
    paths = leaf.write(tmp_path, "client")
    assert (paths.cert, paths.key, paths.pem) == (
        tmp_path / "client.crt",
        tmp_path / "client.key",
        tmp_path / "client.pem",
    )
    assert paths.cert.read_bytes() == leaf.chain_pem
    assert paths.key.read_bytes() == leaf.key_pem
    assert paths.pem.read_bytes() == leaf.chain_pem + leaf.key_pem
    # OpenSSL takes the combined file as both certificate chain and key.
    ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(paths.pem)
    ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(paths.cert, paths.key)


def test_write_encrypted_key(tmp_path: Path, rsa_leaf: IssuedCert) -> None:
    paths = rsa_leaf.write(tmp_path, "enc", key_format="pkcs1", password=b"pw")
    assert b"Proc-Type: 4,ENCRYPTED" in paths.key.read_bytes()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_cert_chain(paths.pem, password="pw")
    with pytest.raises(ssl.SSLError):
        ctx.load_cert_chain(paths.pem, password="wrong")


def test_ca_write_cert_and_bundle(tmp_path: Path) -> None:
    first = CertificateAuthority.create("first")
    second = CertificateAuthority.create("second")
    written = first.write_cert(tmp_path / "ca.pem")
    assert written.read_bytes() == first.cert_pem
    self_signed = self_signed_leaf()
    bundle = ca_bundle_pem(first, second, self_signed, second.cert)
    certs = x509.load_pem_x509_certificates(bundle)
    assert certs == [first.cert, second.cert, self_signed.cert, second.cert]
    assert b"PRIVATE" not in bundle
    assert serialization.load_pem_private_key(first.key_pem, None).public_key() == (
        first.key.public_key()
    )


# --------------------------------------------------------------------------- server contexts


def test_openssl_refuses_weak_server_chains_by_default(tmp_path: Path) -> None:
    # Pins why server_context lowers the security level: OpenSSL 3 at level 2 will not even
    # load these certificates into a server context.
    root = CertificateAuthority.create(key_type="rsa2048")
    small = root.issue_leaf(key_type="rsa1024").write(tmp_path, "small")
    with pytest.raises(ssl.SSLError, match="ee key too small"):
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(small.cert, small.key)
    sha1 = root.issue_leaf(hash="sha1").write(tmp_path, "sha1")
    with pytest.raises(ssl.SSLError, match="ca md too weak"):
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(sha1.cert, sha1.key)


@pytest.mark.parametrize(
    ("key_type", "hash"), [("rsa1024", "sha256"), ("ec-p256", "sha1"), ("rsa1024", "sha1")]
)
def test_server_context_loads_weak_chains(key_type: KeyType, hash: SignatureHash) -> None:
    root = CertificateAuthority.create(key_type="rsa2048")
    leaf = root.issue_intermediate("i", hash=hash).issue_leaf(key_type=key_type, hash=hash)
    assert is_weak(leaf.cert)
    ctx = server_context(leaf)
    assert ctx.verify_mode == ssl.CERT_NONE


def test_server_context_plain(ec_root: CertificateAuthority) -> None:
    ctx = server_context(ec_root.issue_leaf())
    assert ctx.verify_mode == ssl.CERT_NONE
    # Nothing from SSL_CERT_FILE/SSL_CERT_DIR or anywhere else is trusted.
    assert ctx.cert_store_stats() == {"crl": 0, "x509_ca": 0, "x509": 0}


def test_server_context_ignores_environment_trust(
    ec_root: CertificateAuthority, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    client_ca = CertificateAuthority.create("clients")
    ctx = server_context(ec_root.issue_leaf(), client_ca=client_ca)
    assert ctx.cert_store_stats()["x509_ca"] == 1


def test_server_context_mutual_tls(ec_root: CertificateAuthority) -> None:
    client_ca = CertificateAuthority.create("clients")
    ctx = server_context(ec_root.issue_leaf(), client_ca=client_ca)
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.get_ca_certs(binary_form=True) == [
        client_ca.cert.public_bytes(serialization.Encoding.DER)
    ]
    assert not ctx.verify_flags & ssl.VERIFY_X509_PARTIAL_CHAIN
    sub = client_ca.issue_intermediate("client intermediate")
    assert server_context(ec_root.issue_leaf(), client_ca=sub).verify_flags & (
        ssl.VERIFY_X509_PARTIAL_CHAIN
    )


def test_server_context_tls_versions(ec_root: CertificateAuthority) -> None:
    versions = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
    ctx = server_context(ec_root.issue_leaf(), tls_versions=versions)
    assert (ctx.minimum_version, ctx.maximum_version) == versions


def test_server_context_removes_its_temporary_files(
    ec_root: CertificateAuthority, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    server_context(ec_root.issue_leaf())
    assert list(tmp_path.iterdir()) == []


def test_ca_issuers_url(ec_root: CertificateAuthority) -> None:
    url = "http://127.0.0.1:9/intermediate.crt"
    intermediate = ec_root.issue_intermediate("i", ca_issuers_url=url)
    for cert in (intermediate.cert, intermediate.issue_leaf(ca_issuers_url=url).cert):
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        (description,) = aia
        assert description.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        assert description.access_location == x509.UniformResourceIdentifier(url)
    with pytest.raises(x509.ExtensionNotFound):
        ec_root.issue_leaf().cert.extensions.get_extension_for_class(
            x509.AuthorityInformationAccess
        )
