"""Entry points: choose HTML or JSON by content type, check the API version, parse.

Parsers are sans-IO: they take the body bytes, the response's Content-Type (``None``
when there is none, e.g. a ``file://`` index) and the page URL *after redirects*,
against which relative links are resolved. The page URL also says where the page may
link: a page from a server only to http(s) URLs, a local (``file:``) page also to
``file:`` URLs (docs/security.md, "Links").
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Literal

from indexclient.errors import ParseError
from indexclient.simple import _json
from indexclient.simple.models import IndexPage, ProjectPage, collector_paused

if TYPE_CHECKING:
    from indexclient.simple import _html

__all__ = [
    "ACCEPT",
    "HTML_CONTENT_TYPES",
    "JSON_CONTENT_TYPES",
    "SUPPORTED_API_VERSION",
    "UnsupportedMinorVersionWarning",
    "parse_index_page",
    "parse_project_page",
]

#: The newest PEP 629 API version this parser understands: 1.4 (PEP 792).
SUPPORTED_API_VERSION = (1, 4)

#: PEP 691 content negotiation: JSON preferred, then the versioned HTML, then legacy.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)

#: Content types parsed as PEP 691 JSON. Plain application/json is not one of them:
#: PEP 691 defines only these.
JSON_CONTENT_TYPES = frozenset(
    {"application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json"}
)
#: Content types parsed as PEP 503 HTML.
HTML_CONTENT_TYPES = frozenset(
    {
        "application/vnd.pypi.simple.v1+html",
        "application/vnd.pypi.simple.latest+html",
        "text/html",
    }
)

_VERSION = re.compile(r"([0-9]+)\.([0-9]+)\Z")
# What a JSON body starts with, after any BOM and whitespace (used without a type).
_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*\{")


# Pages larger than this (about a thousand files) are parsed with the collector paused.
_GC_PAUSE_THRESHOLD = 256 * 1024


class UnsupportedMinorVersionWarning(UserWarning):
    """A page declares a newer 1.x API version than :data:`SUPPORTED_API_VERSION`.

    PEP 629: a client SHOULD warn and carry on, since minor versions only add
    features. The page's model still records the version (``page.meta.api_version``).
    """

    def __init__(self, url: str, api_version: str) -> None:
        self.url = url
        self.api_version = api_version
        supported = ".".join(map(str, SUPPORTED_API_VERSION))
        super().__init__(
            f"{url} uses simple API version {api_version}; "
            f"this client supports up to {supported}, newer features are ignored"
        )


def parse_project_page(content: bytes, content_type: str | None, url: str) -> ProjectPage:
    """Parse a project page (``/<project>/``), HTML or JSON.

    Raises :class:`~indexclient.errors.ParseError` for an unknown content type,
    an unsupported major API version, or a malformed page, and its
    :class:`~indexclient.errors.UnsafeLinkError` for a link the page may not have (a
    ``file:`` URL on a page from a server); warns with
    :class:`UnsupportedMinorVersionWarning` for a newer minor version.
    """
    with collector_paused(len(content), _GC_PAUSE_THRESHOLD):
        doc = _document(content, content_type, url)
        return doc.project_page(doc.meta(_checked_version(doc, url)))


def parse_index_page(content: bytes, content_type: str | None, url: str) -> IndexPage:
    """Parse a repository's root page (the list of projects), HTML or JSON.

    Raises and warns as :func:`parse_project_page` does.
    """
    doc = _document(content, content_type, url)
    return doc.index_page(doc.meta(_checked_version(doc, url)))


def _document(
    content: bytes, content_type: str | None, url: str
) -> _json.JsonDocument | _html.HtmlDocument:
    if _page_format(content, content_type, url) == "json":
        return _json.JsonDocument(_json.load(content, url), url)
    charset = None if content_type is None else _charset(content_type)
    # The HTML parser (and html.parser under it) is imported for the first HTML page:
    # JSON-only runs never pay for it.
    from indexclient.simple import _html

    return _html.HtmlDocument(_html.decode(content, charset, url), url)


def _page_format(content: bytes, content_type: str | None, url: str) -> Literal["json", "html"]:
    mime = (content_type or "").partition(";")[0].strip().lower()
    if not mime:
        # No Content-Type (a file:// index): a JSON body can only start with '{'.
        return "json" if _JSON_START.match(content) else "html"
    if mime in JSON_CONTENT_TYPES:
        return "json"
    if mime in HTML_CONTENT_TYPES:
        return "html"
    raise ParseError(url, f"unsupported content type {content_type!r}")


def _charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header (RFC 9110 section 8.3)."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _checked_version(doc: _json.JsonDocument | _html.HtmlDocument, url: str) -> str:
    """PEP 629: fail on an unknown major version, warn on a newer minor one.

    Checked before anything else on the page is interpreted: a 2.x page may not
    mean what a 1.x page means.
    """
    api_version = doc.api_version()
    m = _VERSION.match(api_version)
    if m is None:
        raise ParseError(url, f"invalid API version {api_version!r} (expected major.minor)")
    major, minor = int(m.group(1)), int(m.group(2))
    if major != SUPPORTED_API_VERSION[0]:
        raise ParseError(
            url, f"unsupported API version {api_version} (this client supports 1.x only)"
        )
    if minor > SUPPORTED_API_VERSION[1]:
        # stacklevel 3: the caller of parse_project_page / parse_index_page.
        warnings.warn(UnsupportedMinorVersionWarning(url, api_version), stacklevel=3)
    return api_version
