"""Testing support: throwaway CAs, loopback servers and a local simple index, for tests.

The public testing API (see the README's "Testing support"): :mod:`~indexclient.testing.pki`
(certificate authorities, leaves, server contexts), :mod:`~indexclient.testing.servers`
(``serve_https``, ``serve_http``, ``connect_proxy``), :mod:`~indexclient.testing.index`
(``SimpleIndex``, ``tiny_wheel``, ``tiny_sdist``), :mod:`~indexclient.testing.wheels`
(``build_wheel``), :mod:`~indexclient.testing.faults` (a server that misbehaves on purpose)
and :mod:`~indexclient.testing.plugin` (the pytest fixtures). Nothing here is needed at run
time by the client itself.

The names below load on first use (PEP 562): the pytest plugin lives in this package and
pytest imports it in every project that has indexclient installed, so importing the
package must not import aiohttp or cryptography.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexclient._lazy import lazy_attributes

if TYPE_CHECKING:
    from indexclient.testing.index import IndexedFile, SimpleIndex, tiny_sdist, tiny_wheel
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
    from indexclient.testing.wheels import build_wheel

_PKI = "indexclient.testing.pki"
_SERVERS = "indexclient.testing.servers"
_INDEX = "indexclient.testing.index"
_LAZY = {
    "KEY_TYPES": _PKI,
    "CertPaths": _PKI,
    "CertificateAuthority": _PKI,
    "IssuedCert": _PKI,
    "KeyFormat": _PKI,
    "KeyType": _PKI,
    "SignatureHash": _PKI,
    "ca_bundle_pem": _PKI,
    "generate_key": _PKI,
    "self_signed_leaf": _PKI,
    "server_context": _PKI,
    "ConnectProxy": _SERVERS,
    "LocalServer": _SERVERS,
    "SeenRequest": _SERVERS,
    "connect_proxy": _SERVERS,
    "redirect": _SERVERS,
    "serve_http": _SERVERS,
    "serve_https": _SERVERS,
    "IndexedFile": _INDEX,
    "SimpleIndex": _INDEX,
    "tiny_sdist": _INDEX,
    "tiny_wheel": _INDEX,
    "build_wheel": "indexclient.testing.wheels",
}

__all__ = [
    "KEY_TYPES",
    "CertPaths",
    "CertificateAuthority",
    "ConnectProxy",
    "IndexedFile",
    "IssuedCert",
    "KeyFormat",
    "KeyType",
    "LocalServer",
    "SeenRequest",
    "SignatureHash",
    "SimpleIndex",
    "build_wheel",
    "ca_bundle_pem",
    "connect_proxy",
    "generate_key",
    "redirect",
    "self_signed_leaf",
    "serve_http",
    "serve_https",
    "server_context",
    "tiny_sdist",
    "tiny_wheel",
]

if not TYPE_CHECKING:
    # Hidden from type checkers, which would otherwise type every unknown attribute Any;
    # they see the real names through the TYPE_CHECKING imports above.
    __getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
