"""How trust is decided: root sources, client identity, policy, insecure hosts, contexts.

Nothing in this package does HTTP; :mod:`indexclient.transport` asks it for a context
per connection.
"""

from indexclient.tls.contexts import ContextCache, ContextStats, default_cache
from indexclient.tls.diagnose import CertificateRejected
from indexclient.tls.hosts import InsecureHost, InsecureHosts, parse_insecure_host
from indexclient.tls.identity import ClientIdentity
from indexclient.tls.policy import describe_policy
from indexclient.tls.sources import BundledRoots, CustomRoots, PlatformRoots, TrustSource
from indexclient.tls.trust import Trust

__all__ = [
    "BundledRoots",
    "CertificateRejected",
    "ClientIdentity",
    "ContextCache",
    "ContextStats",
    "CustomRoots",
    "InsecureHost",
    "InsecureHosts",
    "PlatformRoots",
    "Trust",
    "TrustSource",
    "default_cache",
    "describe_policy",
    "parse_insecure_host",
]
