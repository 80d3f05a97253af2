"""SSLContext construction and caching (docs/trust.md, "Verification policy"
and "Contexts").

One context exists per distinct (trust source, client identity, verify on/off). It is
built on first use and then the same object is handed out: building one costs tens of
milliseconds, and aiohttp pools connections per ``ssl`` value, so a new object per
request would both waste time and defeat pooling.

Verified contexts enforce the policy of :mod:`indexclient.tls.policy` inside the
handshake: the context's ``sslobject_class`` checks the chain the server presented as
soon as the handshake completes, before the first request byte is written. Trust stays
a value: nothing here touches the :mod:`ssl` module's globals.
"""

from __future__ import annotations

import functools
import ssl
import sys
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from indexclient.tls.sources import CustomRoots, LoadedLocation, TrustSource

if TYPE_CHECKING:
    from indexclient.tls.diagnose import CertificateRejected
    from indexclient.tls.identity import ClientIdentity

__all__ = [
    "ContextCache",
    "ContextStats",
    "default_cache",
    "describe_policy",
    "presented_chain",
]


def describe_policy() -> str:
    """The policy these contexts enforce, in one paragraph, for ``tls show`` (the key
    sizes are :mod:`indexclient.tls.policy`'s; a test keeps the two in step)."""
    return (
        "TLS 1.2 or newer; host names checked against subjectAltName only; signatures "
        "ECDSA (P-256/P-384/P-521) or RSA/RSA-PSS (2048-8192 bits) with SHA-256/384/512, "
        "or Ed25519"
    )


def presented_chain(sslobj: ssl.SSLObject) -> list[bytes]:
    """The DER certificates the server sent, leaf first (readable after a failed handshake)."""
    if sys.version_info >= (3, 13):
        chain = sslobj.get_unverified_chain() or []
    else:  # pragma: no cover - exercised on 3.10-3.12
        # The private method is what 3.13 made public; present since 3.10.
        chain = sslobj._sslobj.get_unverified_chain() or []  # type: ignore[attr-defined]
    return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]  # type: ignore[attr-defined]


def _verified_chain_anchor(sslobj: ssl.SSLObject) -> bytes | None:
    """The trusted root that completed the chain (DER), when OpenSSL built it."""
    try:
        if sys.version_info >= (3, 13):
            chain = sslobj.get_verified_chain() or []
        else:  # pragma: no cover - exercised on 3.10-3.12
            chain = sslobj._sslobj.get_verified_chain() or []  # type: ignore[attr-defined]
    except (AttributeError, ssl.SSLError):
        return None
    if not chain:
        return None
    last = chain[-1]
    der: bytes = last if isinstance(last, bytes) else last.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined]
    return der


def _checks() -> ModuleType:
    """:mod:`indexclient.tls.diagnose`, and with it the policy and cryptography: the seam
    where they load, at the first handshake rather than with the context, since a run
    answered from the cache builds contexts but never connects."""
    from indexclient.tls import diagnose

    return diagnose


@functools.lru_cache(maxsize=256)
def _chain_passes(presented: tuple[bytes, ...], anchor: bytes | None) -> bool:
    """Whether a verified chain meets the algorithm policy. The verdict depends on the
    certificates' bytes alone, and every connection to a server presents the same ones:
    decoding them once instead of per connection saves ~0.1 ms a handshake."""
    passes: bool = _checks().chain_passes(presented, anchor)
    return passes


def _policy_object_class(base: type[ssl.SSLObject], source: TrustSource) -> type[ssl.SSLObject]:
    """An SSLObject class that explains failures and enforces the algorithm policy."""
    trust = source.describe()

    def reject(sslobj: ssl.SSLObject, code: int | None, message: str) -> CertificateRejected:
        checks = _checks()
        presented = presented_chain(sslobj)
        chain = checks.parse_chain(presented)
        rejection = checks.diagnose(chain, sslobj.server_hostname, code, message)
        # The hint here is the plain one; the transport asks for the full one, which
        # checks the machine's other trust sources, once per failed request.
        rejected: CertificateRejected = checks.CertificateRejected(
            rejection,
            trust,
            checks.hint_for(rejection.kind, source),
            presented=presented,
            host=sslobj.server_hostname,
        )
        return rejected

    class PolicySSLObject(base):  # type: ignore[valid-type,misc]
        def do_handshake(self) -> None:
            checks = _checks()
            try:
                super().do_handshake()
            except checks.CertificateRejected:
                raise
            except ssl.SSLCertVerificationError as exc:
                raise reject(self, exc.verify_code, exc.verify_message or str(exc)) from exc
            if not _chain_passes(tuple(presented_chain(self)), _verified_chain_anchor(self)):
                raise reject(self, None, "")

    PolicySSLObject.__qualname__ = PolicySSLObject.__name__ = f"Policy{base.__name__}"
    return PolicySSLObject


def _inner_context(ctx: ssl.SSLContext) -> ssl.SSLContext:
    """The stdlib context that wraps sockets (truststore's context delegates to one)."""
    if "truststore" not in sys.modules:
        # Not imported here: only PlatformRoots loads truststore, so without it loaded
        # ``ctx`` cannot be one of its contexts, and other sources never pay for it.
        return ctx
    import truststore

    if isinstance(ctx, truststore.SSLContext):
        inner: ssl.SSLContext = ctx._ctx
        return inner
    return ctx


def _apply_policy(ctx: ssl.SSLContext, source: TrustSource) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    # uv (webpki) matches host names against subjectAltName only; Python falls back to
    # the subject CN when a certificate has no SAN.
    ctx.hostname_checks_common_name = False
    # webpki accepts any configured certificate as a trust anchor, intermediates included.
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    inner = _inner_context(ctx)
    inner.sslobject_class = _policy_object_class(inner.sslobject_class, source)


def _unverified(ctx: ssl.SSLContext) -> None:
    # allow-insecure-host: TLS is still used and the client certificate still presented,
    # but neither the chain nor the name is checked (docs/trust.md, "allow-insecure-host").
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE


@dataclass(frozen=True, slots=True)
class ContextStats:
    """How many contexts a cache built, and how often it handed one out."""

    __module__ = "indexclient"

    built: int
    served: int


class ContextCache:
    """Builds each context once per configuration and returns the same object after.

    Thread-safe: two threads asking for the same configuration get one object.
    """

    __module__ = "indexclient"

    def __init__(self) -> None:
        self._contexts: dict[Hashable, ssl.SSLContext] = {}
        # What each custom configuration loaded, kept with its context: a later source
        # with the same roots gets the cached context and must report the same.
        self._loaded: dict[Hashable, tuple[LoadedLocation, ...]] = {}
        self._lock = threading.Lock()
        self._built = 0
        self._served = 0

    def get(
        self, source: TrustSource, identity: ClientIdentity | None, *, verify: bool
    ) -> ssl.SSLContext:
        """The context for this configuration; ``verify=False`` for allow-insecure-host."""
        key = (
            source.cache_key() if verify else None,
            identity.cache_key() if identity else None,
            verify,
        )
        with self._lock:
            self._served += 1
            ctx = self._contexts.get(key)
            if ctx is None:
                ctx = self._build(source, identity, verify=verify)
                self._contexts[key] = ctx
                if verify and isinstance(source, CustomRoots):
                    self._loaded[source.cache_key()] = source.locations
                self._built += 1
            return ctx

    def loaded_locations(self, source: TrustSource) -> tuple[LoadedLocation, ...]:
        """What a custom source's files and directories contributed (after a build)."""
        with self._lock:
            return self._loaded.get(source.cache_key(), ())

    def stats(self) -> ContextStats:
        """Counts so far, for tests and diagnostics."""
        with self._lock:
            return ContextStats(self._built, self._served)

    def clear(self) -> None:
        """Forget every context (a changed certificate file is then read again)."""
        with self._lock:
            self._contexts.clear()
            self._loaded.clear()

    @staticmethod
    def _build(
        source: TrustSource, identity: ClientIdentity | None, *, verify: bool
    ) -> ssl.SSLContext:
        if verify:
            ctx = source.new_context()
            _apply_policy(ctx, source)
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            _unverified(ctx)
        if identity is not None:
            identity.apply(ctx)
        return ctx


_DEFAULT_CACHE = ContextCache()


def default_cache() -> ContextCache:
    """The process-wide cache every client shares unless given its own."""
    return _DEFAULT_CACHE
