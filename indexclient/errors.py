"""The one exception tree of indexclient.

Every error the package raises on purpose derives from :class:`IndexClientError`::

    IndexClientError
    ├── ConfigurationError            bad settings; lists every problem found at once
    ├── TransportError                the request did not produce a usable response
    │   ├── TLSError                  TLS failed for a reason other than trust
    │   │   ├── CertificateVerificationError   the server's certificate was rejected
    │   │   └── ClientCertificateRequiredError the server wants a client certificate
    │   ├── ConnectError              could not connect (refused, reset, DNS)
    │   ├── RequestTimeoutError       a connect or read deadline passed
    │   │   └── DeadlineError         a request's overall deadline passed (not retried)
    │   ├── RedirectError             a redirect was refused (https -> http, loops)
    │   └── OfflineError              offline, and the answer is not in the cache
    ├── ResponseError                 the server answered, but not with what was asked
    │   ├── AuthenticationError       HTTP 401 / 403 / 407: credentials missing or refused
    │   │   └── ProxyAuthenticationError  a proxy wants credentials (a TransportError too)
    │   ├── NotFoundError             HTTP 404 / 410
    │   │   └── ProjectNotFound       no configured index has the project
    │   └── ResponseTooLargeError     a body grew past its cap once decoded
    ├── ParseError                    a page or document could not be understood
    │   └── UnsafeLinkError           a page links where it may not (file: from https)
    ├── MetadataError                 core metadata could not be obtained or understood
    │   └── MetadataTooLargeError     past a size limit (a zip bomb, a huge file)
    ├── DigestError                   a file's bytes cannot be trusted against its hashes
    │   ├── DigestMismatchError       they do not match an advertised hash
    │   └── UnsupportedDigestError    no advertised hash can be checked here
    └── FileWriteError                a local file could not be written (name, disk)

Errors keep structured attributes (``url``, ``host``, ``path``...) and build their
message from them. aiohttp and :mod:`ssl` exceptions are translated at one boundary
(:mod:`indexclient.transport.errors`) and chained with ``from``.

A certificate rejection is never retried: it will not get better by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "AuthenticationError",
    "AuthenticationErrorKind",
    "CertificateErrorKind",
    "CertificateVerificationError",
    "ClientCertificateRequiredError",
    "ConfigProblem",
    "ConfigurationError",
    "ConfigurationWarning",
    "ConnectError",
    "DeadlineError",
    "DigestError",
    "DigestMismatchError",
    "FileWriteError",
    "IndexClientError",
    "MetadataError",
    "MetadataTooLargeError",
    "NotFoundError",
    "OfflineError",
    "ParseError",
    "ProjectNotFound",
    "ProxyAuthenticationError",
    "RedirectError",
    "RequestTimeoutError",
    "ResponseError",
    "ResponseTooLargeError",
    "TLSError",
    "TransportError",
    "UnsafeLinkError",
    "UnsupportedDigestError",
]


#: Why a certificate was rejected, as a stable code for scripts (docs/trust.md, "Errors").
CertificateErrorKind: TypeAlias = Literal[
    "unknown-issuer",
    "incomplete-chain",
    "untrusted-root",
    "self-signed",
    "expired",
    "not-yet-valid",
    "hostname-mismatch",
    "cn-only",
    "weak-algorithm",
    "other",
]


class IndexClientError(Exception):
    """Root of every error indexclient raises on purpose."""

    __module__ = "indexclient"

    #: A suggestion a person can act on, or ``None``.
    hint: str | None = None


class ConfigurationWarning(UserWarning):
    """A setting is deprecated, or partly unusable but not fatal."""

    __module__ = "indexclient"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem in the settings: where it came from and what is wrong.

    ``origin`` names the setting's source as a person would write it, for example
    ``SSL_CERT_FILE=/etc/corp.pem (environment)`` or ``--allow-insecure-host``.
    """

    __module__ = "indexclient"

    origin: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


class ConfigurationError(IndexClientError):
    """The settings cannot be used. Carries every problem found, not the first only."""

    __module__ = "indexclient"

    def __init__(self, problems: Sequence[ConfigProblem], hint: str | None = None) -> None:
        if not problems:
            raise ValueError("ConfigurationError needs at least one problem")
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        self.hint = hint
        super().__init__(str(self))

    @classmethod
    def single(cls, origin: str, message: str, hint: str | None = None) -> ConfigurationError:
        """Build an error with exactly one problem."""
        return cls([ConfigProblem(origin, message)], hint=hint)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return f"configuration error: {self.problems[0]}"
        lines = [f"{len(self.problems)} configuration errors:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class TransportError(IndexClientError):
    """A request to ``url`` did not produce a usable response."""

    __module__ = "indexclient"

    def __init__(self, url: str, reason: str, hint: str | None = None) -> None:
        self.url = url
        self.reason = reason
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.reason} ({self.url})"


class TLSError(TransportError):
    """The TLS handshake with the server failed."""

    __module__ = "indexclient"


class CertificateVerificationError(TLSError):
    """The server's certificate chain was rejected.

    Attributes:
        url: the URL being fetched (credentials redacted).
        host: the host the TLS connection was made to (a redirect target, perhaps).
        trust: the trust source in effect and where it came from.
        reason: why the chain was rejected, in words a person can act on.
        kind: a stable short code for the reason (``unknown-issuer``, ``expired``,
            ``hostname-mismatch``, ``weak-algorithm``...), for scripts.
    """

    __module__ = "indexclient"

    def __init__(
        self,
        url: str,
        host: str,
        trust: str,
        reason: str,
        *,
        kind: CertificateErrorKind,
        hint: str | None = None,
    ) -> None:
        self.host = host
        self.trust = trust
        self.kind = kind
        super().__init__(url, reason, hint)

    def __str__(self) -> str:
        return (
            f"certificate verification failed for {self.url}: {self.reason} [trust: {self.trust}]"
        )


class ClientCertificateRequiredError(TLSError):
    """The server refused the handshake because it wants a (different) client certificate."""

    __module__ = "indexclient"


class ConnectError(TransportError):
    """The connection could not be made or was lost (refused, reset, name resolution)."""

    __module__ = "indexclient"


class RequestTimeoutError(TransportError):
    """A connect or read deadline passed."""

    __module__ = "indexclient"


class DeadlineError(RequestTimeoutError):
    """The request's overall deadline passed while it was still running (a server that
    trickles bytes just fast enough to beat the stall timeout). Never retried."""

    __module__ = "indexclient"


class RedirectError(TransportError):
    """A redirect was refused: https to http, too many hops, or a malformed Location."""

    __module__ = "indexclient"


class OfflineError(TransportError):
    """Offline mode is on and the response is not in the cache."""

    __module__ = "indexclient"


class ResponseError(IndexClientError):
    """The server answered with a status or body that cannot be used."""

    __module__ = "indexclient"

    def __init__(self, url: str, status: int, reason: str) -> None:
        self.url = url
        self.status = status
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"HTTP {self.status} from {self.url}: {self.reason}"


#: Why a server refused a request for its credentials, as a stable code for scripts.
AuthenticationErrorKind: TypeAlias = Literal["unauthorized", "forbidden", "proxy-authentication"]

_AUTH_KINDS: dict[int, AuthenticationErrorKind] = {
    401: "unauthorized",
    403: "forbidden",
    407: "proxy-authentication",
}


class AuthenticationError(ResponseError):
    """The server refused the request for want of acceptable credentials.

    Attributes:
        url: the URL asked for (credentials redacted).
        status: 401, 403 or 407.
        kind: ``"unauthorized"`` (401), ``"forbidden"`` (403) or
            ``"proxy-authentication"`` (407), a stable code for scripts.
        reason: what could not be fetched, and what was sent.
        tried: the credential sources consulted for the URL's origin, in order, each
            with what was found there: names only, never a value (``"URL (none)"``,
            ``"netrc (~/.netrc: no entry for host)"``, ``"keyring (not enabled)"``).
        hint: how to give credentials that fit.
    """

    __module__ = "indexclient"

    def __init__(
        self,
        url: str,
        status: int,
        reason: str,
        *,
        tried: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        self.kind: AuthenticationErrorKind = _AUTH_KINDS.get(status, "unauthorized")
        self.tried = tuple(tried)
        super().__init__(url, status, reason)
        self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        if self.tried:
            text += f" (credentials tried: {', '.join(self.tried)})"
        return text


class ProxyAuthenticationError(AuthenticationError, TransportError):
    """A proxy wants credentials (HTTP 407) before it carries the request to ``url``.

    An :class:`AuthenticationError` of kind ``"proxy-authentication"``, and a
    :class:`TransportError` too: the request never reached the server. ``proxy`` is the
    proxy's URL, redacted.
    """

    __module__ = "indexclient"

    def __init__(
        self,
        url: str,
        proxy: str,
        reason: str,
        *,
        tried: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        # Set here rather than through both parents' __init__, whose signatures differ.
        self.url, self.status, self.reason, self.proxy = url, 407, reason, proxy
        self.kind = "proxy-authentication"
        self.tried = tuple(tried)
        self.hint = hint
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        text = f"{self.reason} ({self.url})"
        if self.tried:
            text += f" (credentials tried: {', '.join(self.tried)})"
        return text


class ResponseTooLargeError(ResponseError):
    """A body grew past ``limit`` bytes once decoded (a gzip bomb, or a runaway page)."""

    __module__ = "indexclient"

    def __init__(self, url: str, status: int, limit: int, reason: str | None = None) -> None:
        self.limit = limit
        super().__init__(
            url, status, reason or f"the body is larger than {limit} bytes once decoded"
        )


class NotFoundError(ResponseError):
    """The resource does not exist (HTTP 404 or 410)."""

    __module__ = "indexclient"


class ParseError(IndexClientError):
    """A page or document at ``url`` could not be understood."""

    __module__ = "indexclient"

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"cannot parse {self.url}: {self.problem}"


class UnsafeLinkError(ParseError):
    """The page at ``url`` links to ``link``, which it may not: a page served over
    http(s) may link only http(s) URLs, and a local index only files under its root.

    ``link`` is redacted. Nothing is fetched or opened for such a page.
    """

    __module__ = "indexclient"

    def __init__(self, url: str, link: str, rule: str) -> None:
        self.link = link
        self.rule = rule
        super().__init__(url, f"refused the link {link!r}: {rule}")


class ProjectNotFound(NotFoundError):
    """No configured index knows the project (every index answered 404/410 or lacks it)."""

    __module__ = "indexclient"

    def __init__(self, name: str, indexes: Sequence[str]) -> None:
        self.name = name
        self.indexes = tuple(indexes)
        where = ", ".join(self.indexes) or "no index"
        super().__init__(where, 404, f"project {name!r} not found")

    def __str__(self) -> str:
        return f"project {self.name!r} was not found on {', '.join(self.indexes)}"


class MetadataError(IndexClientError):
    """The core metadata of the file at ``url`` could not be obtained or understood.

    Raised for a damaged or unsupported archive (bad ZIP structure, CRC mismatch,
    encrypted or unknown compression), a wheel without exactly one matching
    ``.dist-info`` directory, an sdist without ``PKG-INFO``, and metadata without a
    name or version. ``problem`` says which, in words.
    """

    __module__ = "indexclient"

    def __init__(self, url: str, problem: str, hint: str | None = None) -> None:
        self.url = url
        self.problem = problem
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"core metadata of {self.url}: {self.problem}"


class MetadataTooLargeError(MetadataError):
    """Something is larger than the limit the caller set.

    ``size`` is the size declared or found, or ``None`` when only "more than
    ``limit``" is known (decompression was stopped at the limit).
    """

    __module__ = "indexclient"

    def __init__(self, url: str, what: str, size: int | None, limit: int) -> None:
        self.what = what
        self.size = size
        self.limit = limit
        if size is None:
            problem = f"{what} is larger than the limit of {limit} bytes"
        else:
            problem = f"{what} is {size} bytes, larger than the limit of {limit} bytes"
        super().__init__(url, problem)


class DigestError(IndexClientError):
    """The bytes fetched from ``url`` cannot be trusted against the advertised hashes.

    Used for downloads and for PEP 658 metadata files alike; never retried.
    """

    __module__ = "indexclient"

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.url}: {self.problem}"


class DigestMismatchError(DigestError):
    """The data's ``algorithm`` digest is ``actual``, not the advertised ``expected``."""

    __module__ = "indexclient"

    def __init__(self, url: str, algorithm: str, expected: str, actual: str) -> None:
        self.algorithm = algorithm
        self.expected = expected
        self.actual = actual
        super().__init__(url, f"{algorithm} digest mismatch: expected {expected}, got {actual}")
        self.hint = "The file changed on the index or in transit; it was not kept."


class UnsupportedDigestError(DigestError):
    """None of the advertised hash ``algorithms`` can be computed (or none was given)."""

    __module__ = "indexclient"

    def __init__(self, url: str, algorithms: tuple[str, ...]) -> None:
        self.algorithms = algorithms
        if algorithms:
            problem = "no supported hash algorithm among " + ", ".join(algorithms)
        else:
            problem = "no hash to verify against"
        super().__init__(url, problem)


class FileWriteError(IndexClientError):
    """A local file could not be written at ``path`` (a name the file system refuses, a
    full disk, no permission). Nothing partial is left there."""

    __module__ = "indexclient"

    def __init__(self, path: str, reason: str, hint: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"
