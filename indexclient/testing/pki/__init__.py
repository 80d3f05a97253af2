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

from indexclient.testing.pki.authority import CertificateAuthority, TrustAnchor, ca_bundle_pem
from indexclient.testing.pki.issued import CertPaths, IssuedCert, self_signed_leaf
from indexclient.testing.pki.keys import (
    KEY_POOL_SIZE,
    KEY_TYPES,
    KeyFormat,
    KeyType,
    PrivateKey,
    generate_key,
)
from indexclient.testing.pki.server import is_weak, server_context
from indexclient.testing.pki.signing import HASHES, SignatureHash

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
