"""indexclient: an asyncio client for Python package indexes with first-class TLS trust.

The public API is listed in ``__all__``. Names that need aiohttp load on first use, so
``import indexclient.simple`` (parsing, no IO) never imports the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexclient._lazy import lazy_attributes
from indexclient.errors import (
    CertificateVerificationError,
    ClientCertificateRequiredError,
    ConfigProblem,
    ConfigurationError,
    ConfigurationWarning,
    ConnectError,
    DeadlineError,
    DigestError,
    DigestMismatchError,
    FileWriteError,
    IndexClientError,
    MetadataError,
    MetadataTooLargeError,
    NotFoundError,
    OfflineError,
    ParseError,
    ProjectNotFound,
    RedirectError,
    ResponseError,
    TimeoutError,
    TLSError,
    TransportError,
    UnsafeLinkError,
    UnsupportedDigestError,
)

if TYPE_CHECKING:
    from indexclient.client import IndexClient, MetadataResult
    from indexclient.download import DownloadResult
    from indexclient.fetching import FileMetadata
    from indexclient.select import Selection
    from indexclient.settings import IndexSpec, Origin, Settings, Value
    from indexclient.simple import DistributionFile, IndexPage, ProjectPage
    from indexclient.tls import (
        BundledRoots,
        ClientIdentity,
        CustomRoots,
        InsecureHosts,
        PlatformRoots,
        Trust,
        TrustSource,
    )
    from indexclient.transport import HttpClient, Response, TrustConnector

from indexclient._version import __version__

_LAZY = {
    "IndexClient": "indexclient.client",
    "MetadataResult": "indexclient.client",
    "DownloadResult": "indexclient.download",
    "FileMetadata": "indexclient.fetching",
    "Selection": "indexclient.select",
    "DistributionFile": "indexclient.simple",
    "IndexPage": "indexclient.simple",
    "ProjectPage": "indexclient.simple",
    "IndexSpec": "indexclient.settings",
    "Origin": "indexclient.settings",
    "Settings": "indexclient.settings",
    "Value": "indexclient.settings",
    "BundledRoots": "indexclient.tls",
    "ClientIdentity": "indexclient.tls",
    "CustomRoots": "indexclient.tls",
    "InsecureHosts": "indexclient.tls",
    "PlatformRoots": "indexclient.tls",
    "Trust": "indexclient.tls",
    "TrustSource": "indexclient.tls",
    "HttpClient": "indexclient.transport",
    "Response": "indexclient.transport",
    "TrustConnector": "indexclient.transport",
}

__all__ = [
    "BundledRoots",
    "CertificateVerificationError",
    "ClientCertificateRequiredError",
    "ClientIdentity",
    "ConfigProblem",
    "ConfigurationError",
    "ConfigurationWarning",
    "ConnectError",
    "CustomRoots",
    "DeadlineError",
    "DigestError",
    "DigestMismatchError",
    "DistributionFile",
    "DownloadResult",
    "FileMetadata",
    "FileWriteError",
    "HttpClient",
    "IndexClient",
    "IndexClientError",
    "IndexPage",
    "IndexSpec",
    "InsecureHosts",
    "MetadataError",
    "MetadataResult",
    "MetadataTooLargeError",
    "NotFoundError",
    "OfflineError",
    "Origin",
    "ParseError",
    "PlatformRoots",
    "ProjectNotFound",
    "ProjectPage",
    "RedirectError",
    "Response",
    "ResponseError",
    "Selection",
    "Settings",
    "TLSError",
    "TimeoutError",
    "TransportError",
    "Trust",
    "TrustConnector",
    "TrustSource",
    "UnsafeLinkError",
    "UnsupportedDigestError",
    "Value",
    "__version__",
]


if not TYPE_CHECKING:
    # Hidden from type checkers, which would otherwise type every unknown attribute Any;
    # they see the real names through the TYPE_CHECKING imports above.
    __getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
