"""Server-side TLS contexts for fixture certificates, and which certificates OpenSSL calls weak."""

from __future__ import annotations

import ssl
import tempfile
import warnings
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

from indexclient.testing.pki.authority import CertificateAuthority
from indexclient.testing.pki.issued import IssuedCert


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
