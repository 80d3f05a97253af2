"""Test helpers: a throwaway PKI and loopback-only servers, used by the test-suite and the demo.

Nothing here is needed at run time by the client itself.
"""

from indexclient.testing.pki import (
    KEY_TYPES,
    CertificateAuthority,
    CertPaths,
    IssuedCert,
    KeyFormat,
    KeyType,
    SignatureHash,
    ca_bundle_pem,
    generate_key,
    self_signed_leaf,
    server_context,
)
from indexclient.testing.servers import (
    ConnectProxy,
    LocalServer,
    SeenRequest,
    connect_proxy,
    redirect,
    serve_http,
    serve_https,
)

__all__ = [
    "KEY_TYPES",
    "CertPaths",
    "CertificateAuthority",
    "ConnectProxy",
    "IssuedCert",
    "KeyFormat",
    "KeyType",
    "LocalServer",
    "SeenRequest",
    "SignatureHash",
    "ca_bundle_pem",
    "connect_proxy",
    "generate_key",
    "redirect",
    "self_signed_leaf",
    "serve_http",
    "serve_https",
    "server_context",
]
