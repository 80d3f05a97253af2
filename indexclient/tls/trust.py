"""A client's whole trust configuration, and the per-connection choice of context."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from indexclient.tls.contexts import ContextCache, default_cache
from indexclient.tls.hosts import InsecureHost, InsecureHosts
from indexclient.tls.sources import BundledRoots, CustomRoots, LoadedLocation, TrustSource

if TYPE_CHECKING:
    from indexclient.tls.identity import ClientIdentity

__all__ = ["Trust"]


@dataclass(frozen=True)
class Trust:
    """Which roots to trust, which client certificate to present, which hosts to not verify.

    :meth:`context_for` is asked for every new TLS connection, with the host actually
    connected to (each redirect hop, the target behind a proxy), and returns one of at
    most two cached context objects.
    """

    __module__ = "indexclient"

    source: TrustSource = field(default_factory=BundledRoots)
    identity: ClientIdentity | None = None
    insecure_hosts: InsecureHosts = field(default_factory=InsecureHosts)
    cache: ContextCache = field(default_factory=default_cache, compare=False, repr=False)

    def verified_context(self) -> ssl.SSLContext:
        """The context that verifies with this trust source (built on first call)."""
        return self.cache.get(self.source, self.identity, verify=True)

    def unverified_context(self) -> ssl.SSLContext:
        """The context for allow-insecure-host matches: no verification, same identity."""
        return self.cache.get(self.source, self.identity, verify=False)

    def insecure_match(self, scheme: str, host: str, port: int | None) -> InsecureHost | None:
        """The allow-insecure-host entry matching this connection, if any."""
        return self.insecure_hosts.match(scheme, host, port)

    def context_for(self, scheme: str, host: str, port: int | None) -> ssl.SSLContext:
        """The context for a TLS connection to ``host:port`` reached by ``scheme``."""
        if self.insecure_hosts and self.insecure_match(scheme, host, port) is not None:
            return self.unverified_context()
        return self.verified_context()

    def loaded_locations(self) -> tuple[LoadedLocation, ...]:
        """For custom roots: the certificates each file and directory contributed."""
        self.verified_context()
        return self.cache.loaded_locations(self.source)

    def prepare(self) -> None:
        """Check the configuration now, so its problems surface at start.

        Custom roots (SSL_CERT_FILE, SSL_CERT_DIR) are read and loaded here, and a
        client certificate applied. Roots that cannot be misconfigured (certifi's
        bundle, the platform store) are loaded by the first connection instead: loading
        certifi's bundle takes ~20 ms, which a run answered from the cache would spend
        for nothing. Raises :class:`indexclient.errors.ConfigurationError` for unusable
        roots.
        """
        if not isinstance(self.source, CustomRoots) and self.identity is None:
            return
        self.verified_context()
        if self.insecure_hosts:
            self.unverified_context()
