"""Sans-IO parsing of Python package index pages (the "simple repository API").

Covers PEP 503 HTML and PEP 691 JSON pages with their extensions: PEP 592 (yanking),
PEP 629 (API versioning), PEP 658/714 (core metadata), PEP 700 (sizes, upload times,
versions), PEP 708 (tracks, alternate locations), PEP 740 (provenance) and PEP 792
(project status). Nothing here does network or file IO, or imports aiohttp.
"""

from indexclient.simple.filenames import FileKind, FilenameInfo, parse_filename
from indexclient.simple.models import (
    EMPTY_HASHES,
    DistributionFile,
    FrozenDict,
    IndexPage,
    Meta,
    ProjectLink,
    ProjectPage,
)
from indexclient.simple.parse import (
    ACCEPT,
    HTML_CONTENT_TYPES,
    JSON_CONTENT_TYPES,
    SUPPORTED_API_VERSION,
    UnsupportedMinorVersionWarning,
    parse_index_page,
    parse_project_page,
)

__all__ = [
    "ACCEPT",
    "EMPTY_HASHES",
    "HTML_CONTENT_TYPES",
    "JSON_CONTENT_TYPES",
    "SUPPORTED_API_VERSION",
    "DistributionFile",
    "FileKind",
    "FilenameInfo",
    "FrozenDict",
    "IndexPage",
    "Meta",
    "ProjectLink",
    "ProjectPage",
    "UnsupportedMinorVersionWarning",
    "parse_filename",
    "parse_index_page",
    "parse_project_page",
]
