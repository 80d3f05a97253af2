"""indexclient: an asyncio client for Python package indexes with first-class TLS trust.

The public API is listed in ``__all__``, and each public class names itself
``indexclient.X`` (its ``__module__``) wherever it is defined: in reprs, tracebacks and
pickles there is one path to each. Names that need aiohttp load on first use, so
``import indexclient.simple`` (parsing, no IO) never imports the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexclient._lazy import lazy_attributes
from indexclient.errors import (
    AuthenticationError,
    AuthenticationErrorKind,
    CertificateErrorKind,
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
    ProxyAuthenticationError,
    RedirectError,
    RequestTimeoutError,
    ResponseError,
    ResponseTooLargeError,
    TLSError,
    TransportError,
    UnsafeLinkError,
    UnsupportedDigestError,
)

if TYPE_CHECKING:
    from indexclient.client import IndexClient, Pins
    from indexclient.download import DownloadResult, Progress
    from indexclient.fetching import FileMetadata, MetadataResult
    from indexclient.indexes import Found, Index, MemoryIndex
    from indexclient.memo import MetadataSource
    from indexclient.pyproject import ProjectRequirements, read_pyproject
    from indexclient.reqfile import Hashes
    from indexclient.search import FoundProject
    from indexclient.select import Selection
    from indexclient.settings import IndexSpec, Origin, Settings, Value
    from indexclient.settings.files import ConfigFile, Discovery, FileValues, IndexEntry
    from indexclient.settings.values import (
        CacheControl,
        IndexFormat,
        IndexStrategy,
        OriginKind,
        Problems,
    )
    from indexclient.simple import (
        DistributionFile,
        FilenameInfo,
        FrozenDict,
        IndexPage,
        Meta,
        ProjectLink,
        ProjectPage,
    )
    from indexclient.simple.metadata import CoreMetadata
    from indexclient.target import Target
    from indexclient.tls import (
        BundledRoots,
        ClientIdentity,
        ContextCache,
        ContextStats,
        CustomRoots,
        InsecureHost,
        InsecureHosts,
        LoadedLocation,
        PlatformRoots,
        Trust,
        TrustSource,
    )
    from indexclient.transport import (
        AuthAttempt,
        BasicAuth,
        CacheEntry,
        Credentials,
        FetchProfile,
        HttpCache,
        HttpClient,
        Response,
        RetryPolicy,
        Stream,
        TrustConnector,
    )

from indexclient._version import __version__

_LAZY = {
    "IndexClient": "indexclient.client",
    "Pins": "indexclient.client",
    "FoundProject": "indexclient.search",
    "ProjectRequirements": "indexclient.pyproject",
    "read_pyproject": "indexclient.pyproject",
    "Hashes": "indexclient.reqfile",
    "CacheControl": "indexclient.settings.values",
    "IndexFormat": "indexclient.settings.values",
    "IndexStrategy": "indexclient.settings.values",
    "DownloadResult": "indexclient.download",
    "Progress": "indexclient.download",
    "FileMetadata": "indexclient.fetching",
    "MetadataResult": "indexclient.fetching",
    "Found": "indexclient.indexes",
    "Index": "indexclient.indexes",
    "MemoryIndex": "indexclient.indexes",
    "Selection": "indexclient.select",
    "Target": "indexclient.target",
    "DistributionFile": "indexclient.simple",
    "FilenameInfo": "indexclient.simple",
    "FrozenDict": "indexclient.simple",
    "IndexPage": "indexclient.simple",
    "Meta": "indexclient.simple",
    "ProjectLink": "indexclient.simple",
    "ProjectPage": "indexclient.simple",
    "CoreMetadata": "indexclient.simple.metadata",
    "IndexSpec": "indexclient.settings",
    "Origin": "indexclient.settings",
    "Settings": "indexclient.settings",
    "Value": "indexclient.settings",
    "ConfigFile": "indexclient.settings.files",
    "Discovery": "indexclient.settings.files",
    "FileValues": "indexclient.settings.files",
    "IndexEntry": "indexclient.settings.files",
    "Problems": "indexclient.settings.values",
    "OriginKind": "indexclient.settings.values",
    "MetadataSource": "indexclient.memo",
    "BundledRoots": "indexclient.tls",
    "ClientIdentity": "indexclient.tls",
    "ContextCache": "indexclient.tls",
    "ContextStats": "indexclient.tls",
    "CustomRoots": "indexclient.tls",
    "InsecureHost": "indexclient.tls",
    "InsecureHosts": "indexclient.tls",
    "LoadedLocation": "indexclient.tls",
    "PlatformRoots": "indexclient.tls",
    "Trust": "indexclient.tls",
    "TrustSource": "indexclient.tls",
    "AuthAttempt": "indexclient.transport",
    "BasicAuth": "indexclient.transport",
    "CacheEntry": "indexclient.transport",
    "Credentials": "indexclient.transport",
    "FetchProfile": "indexclient.transport",
    "HttpCache": "indexclient.transport",
    "HttpClient": "indexclient.transport",
    "Response": "indexclient.transport",
    "RetryPolicy": "indexclient.transport",
    "Stream": "indexclient.transport",
    "TrustConnector": "indexclient.transport",
}

__all__ = [
    "AuthAttempt",
    "AuthenticationError",
    "AuthenticationErrorKind",
    "BasicAuth",
    "BundledRoots",
    "CacheControl",
    "CacheEntry",
    "CertificateErrorKind",
    "CertificateVerificationError",
    "ClientCertificateRequiredError",
    "ClientIdentity",
    "ConfigFile",
    "ConfigProblem",
    "ConfigurationError",
    "ConfigurationWarning",
    "ConnectError",
    "ContextCache",
    "ContextStats",
    "CoreMetadata",
    "Credentials",
    "CustomRoots",
    "DeadlineError",
    "DigestError",
    "DigestMismatchError",
    "Discovery",
    "DistributionFile",
    "DownloadResult",
    "FetchProfile",
    "FileMetadata",
    "FileValues",
    "FileWriteError",
    "FilenameInfo",
    "Found",
    "FoundProject",
    "FrozenDict",
    "Hashes",
    "HttpCache",
    "HttpClient",
    "Index",
    "IndexClient",
    "IndexClientError",
    "IndexEntry",
    "IndexFormat",
    "IndexPage",
    "IndexSpec",
    "IndexStrategy",
    "InsecureHost",
    "InsecureHosts",
    "LoadedLocation",
    "MemoryIndex",
    "Meta",
    "MetadataError",
    "MetadataResult",
    "MetadataSource",
    "MetadataTooLargeError",
    "NotFoundError",
    "OfflineError",
    "Origin",
    "OriginKind",
    "ParseError",
    "Pins",
    "PlatformRoots",
    "Problems",
    "Progress",
    "ProjectLink",
    "ProjectNotFound",
    "ProjectPage",
    "ProjectRequirements",
    "ProxyAuthenticationError",
    "RedirectError",
    "RequestTimeoutError",
    "Response",
    "ResponseError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Selection",
    "Settings",
    "Stream",
    "TLSError",
    "Target",
    "TransportError",
    "Trust",
    "TrustConnector",
    "TrustSource",
    "UnsafeLinkError",
    "UnsupportedDigestError",
    "Value",
    "__version__",
    "read_pyproject",
]


if not TYPE_CHECKING:
    # Hidden from type checkers, which would otherwise type every unknown attribute Any;
    # they see the real names through the TYPE_CHECKING imports above.
    __getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
