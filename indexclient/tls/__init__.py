"""How trust is decided: root sources, client identity, policy, insecure hosts, contexts.

Nothing in this package does HTTP; :mod:`indexclient.transport` asks it for a context
per connection. Names load on first use: parsing allow-insecure-host entries must not
pay for importing cryptography and truststore (``config show`` does just that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexclient._lazy import lazy_attributes

if TYPE_CHECKING:
    from indexclient.tls.contexts import ContextCache, ContextStats, default_cache, describe_policy
    from indexclient.tls.diagnose import CertificateRejected
    from indexclient.tls.hosts import InsecureHost, InsecureHosts, parse_insecure_host
    from indexclient.tls.identity import ClientIdentity
    from indexclient.tls.sources import (
        BundledRoots,
        CustomRoots,
        LoadedLocation,
        PlatformRoots,
        TrustSource,
    )
    from indexclient.tls.trust import Trust

_LAZY = {
    "ContextCache": "indexclient.tls.contexts",
    "ContextStats": "indexclient.tls.contexts",
    "default_cache": "indexclient.tls.contexts",
    "CertificateRejected": "indexclient.tls.diagnose",
    "InsecureHost": "indexclient.tls.hosts",
    "InsecureHosts": "indexclient.tls.hosts",
    "parse_insecure_host": "indexclient.tls.hosts",
    "ClientIdentity": "indexclient.tls.identity",
    "describe_policy": "indexclient.tls.contexts",
    "BundledRoots": "indexclient.tls.sources",
    "CustomRoots": "indexclient.tls.sources",
    "LoadedLocation": "indexclient.tls.sources",
    "PlatformRoots": "indexclient.tls.sources",
    "TrustSource": "indexclient.tls.sources",
    "Trust": "indexclient.tls.trust",
}

__all__ = [
    "BundledRoots",
    "CertificateRejected",
    "ClientIdentity",
    "ContextCache",
    "ContextStats",
    "CustomRoots",
    "InsecureHost",
    "InsecureHosts",
    "LoadedLocation",
    "PlatformRoots",
    "Trust",
    "TrustSource",
    "default_cache",
    "describe_policy",
    "parse_insecure_host",
]

if not TYPE_CHECKING:
    # Hidden from type checkers, which would otherwise type every unknown attribute Any;
    # they see the real names through the TYPE_CHECKING imports above.
    __getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
