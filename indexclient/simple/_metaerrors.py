"""The metadata errors, kept importable here; they live in :mod:`indexclient.errors`."""

from indexclient.errors import (
    DigestMismatchError,
    MetadataError,
    MetadataTooLargeError,
    UnsupportedDigestError,
)

__all__ = [
    "DigestMismatchError",
    "MetadataError",
    "MetadataTooLargeError",
    "UnsupportedDigestError",
]
