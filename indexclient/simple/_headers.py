"""Core metadata headers read without the email package, on the inputs that allow it.

:func:`packaging.metadata.parse_email` reads ``METADATA``/``PKG-INFO`` text with
:mod:`email.parser` (policy ``compat32``) and sorts the headers into raw fields. That is
most of the cost of parsing a small PEP 658 ``.metadata`` file, and importing the email
package is a cost of its own. :func:`read_headers` gives what the email parser gives
(the headers in order, the body) and :func:`parse_email` what packaging's function
gives, for a strict subset of texts: header lines ``Name: value`` with continuation
lines, then a blank line and the body, lines ending in ``\\n``. Anything else returns
``None`` and the caller asks the email package, whose answer defines the result: the
two agree on every text accepted here (the property tests compare them).

What compat32 does on this subset, and the reader repeats (``email.feedparser``):

* a header line is a name of printable ASCII other than ``:`` (RFC 5322 section 3.6.8
  ``ftext``, nothing else: no spaces), a colon and the value; the value loses the
  spaces and tabs after the colon and the line ending, and keeps trailing spaces;
* a line that starts with a space or tab continues the value, line ending included
  (``"a\\n  b"``); only the final line ending is removed;
* the first line that is neither ends the headers: a blank line is dropped, any other
  line is the first line of the body;
* the body is the rest of the text, unchanged.

Declined, because email treats them differently or this module has not proved the
same: a carriage return in the headers or in the blank line that ends them, another
line boundary (``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028``,
``\\u2029``) or a NUL in the headers; a surrogate anywhere (email returns ``Header``
objects for it and decodes the body again); ``=?`` (an encoded word) in the headers;
a ``Content-Type`` header (it can make the message multipart); a ``From `` envelope
line, a line starting with ``:`` or a first line that is a continuation (each has a
defect path of its own); and every text when the installed :mod:`packaging` is not a
release whose ``parse_email`` was compared with this module (``_VERIFIED_PACKAGING``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import packaging

if TYPE_CHECKING:
    from packaging.metadata import RawMetadata

__all__ = ["parse_email", "read_headers"]

# One header: its name, and its value without the whitespace after the colon and
# without the final line ending (continuation lines and their endings are kept).
_FIELD = re.compile(r"([!-9;-~]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)(?:\n|\Z)")
# The run of header lines at the start of a text; it stops before a Content-Type
# header, which can make the message multipart.
_HEADERS = re.compile(r"(?:(?!(?i:content-type):)[!-9;-~]+:[^\n]*(?:\n[ \t][^\n]*)*(?:\n|\Z))*")
# What email still reads as part of the headers where that run stops: a Content-Type
# header, a header without a name, a continuation with no header before it (the first
# line), an envelope "From " line; or a blank line ending in "\r\n" or "\r". Each takes
# the email path; any other line starts the body.
_NOT_BODY = re.compile(r"[!-9;-~]*:|[ \t\r]|From ")


# packaging.metadata's tables (_EMAIL_TO_RAW_MAPPING, _STRING_FIELDS, _LIST_FIELDS) as
# of the releases in _VERIFIED_PACKAGING; tests/simple/test_metadata_headers.py checks
# them against the installed packaging. Import-Name/Import-Namespace came in 26.0.
_EMAIL_TO_RAW = {
    "author": "author",
    "author-email": "author_email",
    "classifier": "classifiers",
    "description": "description",
    "description-content-type": "description_content_type",
    "download-url": "download_url",
    "dynamic": "dynamic",
    "home-page": "home_page",
    "keywords": "keywords",
    "license": "license",
    "license-expression": "license_expression",
    "license-file": "license_files",
    "maintainer": "maintainer",
    "maintainer-email": "maintainer_email",
    "metadata-version": "metadata_version",
    "name": "name",
    "obsoletes": "obsoletes",
    "obsoletes-dist": "obsoletes_dist",
    "platform": "platforms",
    "project-url": "project_urls",
    "provides": "provides",
    "provides-dist": "provides_dist",
    "provides-extra": "provides_extra",
    "requires": "requires",
    "requires-dist": "requires_dist",
    "requires-external": "requires_external",
    "requires-python": "requires_python",
    "summary": "summary",
    "supported-platform": "supported_platforms",
    "version": "version",
}
_IMPORT_NAMES = {"import-name": "import_names", "import-namespace": "import_namespaces"}
_STRING_FIELDS = frozenset(
    {
        "author",
        "author_email",
        "description",
        "description_content_type",
        "download_url",
        "home_page",
        "license",
        "license_expression",
        "maintainer",
        "maintainer_email",
        "metadata_version",
        "name",
        "requires_python",
        "summary",
        "version",
    }
)
_LIST_FIELDS = frozenset(
    {
        "classifiers",
        "dynamic",
        "license_files",
        "obsoletes",
        "obsoletes_dist",
        "platforms",
        "provides",
        "provides_dist",
        "provides_extra",
        "requires",
        "requires_dist",
        "requires_external",
        "supported_platforms",
    }
)
# The packaging releases whose parse_email this module repeats, compared line by line:
# 24.2 and 25.0 (without Import-Name), 26.0 to 26.4. A later release may add a field or
# change a rule, so it takes the email path until it is compared and added here.
_VERIFIED_PACKAGING = ((24, 2), (26, 4))
_RELEASE = re.compile(r"(\d+)\.(\d+)(?:\.\d+)?")


def _tables(version: str) -> tuple[dict[str, str], frozenset[str]] | None:
    """The email-to-raw mapping and the list fields of packaging ``version``, or None
    when this module does not repeat that release's parse_email (pre-releases too)."""
    match = _RELEASE.fullmatch(version)
    if match is None:
        return None
    release = (int(match[1]), int(match[2]))
    oldest, newest = _VERIFIED_PACKAGING
    if not oldest <= release <= newest:
        return None
    if release < (26, 0):
        return dict(_EMAIL_TO_RAW), _LIST_FIELDS
    return {**_EMAIL_TO_RAW, **_IMPORT_NAMES}, _LIST_FIELDS | set(_IMPORT_NAMES.values())


_PACKAGING_TABLES = _tables(packaging.__version__)


def read_headers(text: str, *, decoded: bool = False) -> tuple[list[tuple[str, str]], str] | None:
    """The headers (name as written, value) in order and the body of ``text``, as
    email's compat32 parser gives them (``Message.items()``, ``get_payload()``); None
    when ``text`` is outside the subset this module reads (see the module docs).

    ``decoded`` says that ``text`` is what a strict codec (UTF-8, Latin-1) made of
    bytes, so it holds no surrogate and the body need not be searched for one.
    """
    run = _HEADERS.match(text)
    end = run.end() if run else 0
    if end == len(text):
        body = ""
    elif text[end] == "\n":
        body = text[end + 1 :]  # the blank line that ends the headers is dropped
    elif _NOT_BODY.match(text, end):
        return None
    else:
        body = text[end:]  # a line that is no header starts the body
    if _declined(text[:end], decoded) or not (decoded or body.isascii() or _surrogate_free(body)):
        return None
    return _FIELD.findall(text, 0, end), body


def _declined(headers: str, decoded: bool) -> bool:
    """Whether the header lines hold what this module leaves to email: a character that
    splits lines there (a carriage return) or might elsewhere (NUL, the other line
    boundaries of str.splitlines), a surrogate (email returns a Header object), or an
    encoded word (compat32 keeps it as written, but it is email's business).

    One substring search each: they run at memory speed, a character class in a
    regular expression does not.
    """
    if (
        "\r" in headers
        or "\x00" in headers
        or "\v" in headers
        or "\f" in headers
        or "\x1c" in headers
        or "\x1d" in headers
        or "\x1e" in headers
        or "=?" in headers
    ):
        return True
    return not headers.isascii() and (
        "\x85" in headers
        or "\u2028" in headers
        or "\u2029" in headers
        or not (decoded or _surrogate_free(headers))
    )


def _surrogate_free(text: str) -> bool:
    """Whether ``text`` holds no surrogate (a body with one is decoded again by
    ``Message.get_payload``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_email(
    text: str, *, decoded: bool = False
) -> tuple[RawMetadata, dict[str, list[str]]] | None:
    """What :func:`packaging.metadata.parse_email` returns for ``text``, or None when
    ``text`` is outside the subset :func:`read_headers` reads (``decoded`` as there)
    or the installed packaging is not one this module repeats."""
    tables = _PACKAGING_TABLES
    read = read_headers(text, decoded=decoded) if tables is not None else None
    if tables is None or read is None:
        return None
    email_to_raw, list_fields = tables
    headers, body = read
    values: dict[str, list[str]] = {}
    for header, text_value in headers:
        lower = header.lower()
        if lower in values:
            values[lower].append(text_value)
        else:
            values[lower] = [text_value]
    raw: dict[str, str | list[str] | dict[str, str]] = {}
    unparsed: dict[str, list[str]] = {}
    # packaging walks frozenset(message.keys()): the same set built from the same
    # names in the same order iterates in the same order, so the dicts are filled in
    # the same order too.
    for name_with_case in frozenset([header for header, _ in headers]):
        name = name_with_case.lower()
        value = values[name]
        raw_name = email_to_raw.get(name)
        if raw_name is None:
            unparsed[name] = value
        elif raw_name in _STRING_FIELDS and len(value) == 1:
            raw[raw_name] = value[0]
        elif raw_name == "import_names" and value == [""]:
            raw[raw_name] = []
        elif raw_name in list_fields:
            raw[raw_name] = value
        elif raw_name == "keywords" and len(value) == 1:
            raw[raw_name] = [k.strip() for k in value[0].split(",")]
        elif raw_name == "project_urls":
            urls = _project_urls(value)
            if urls is None:
                unparsed[name] = value
            else:
                raw[raw_name] = urls
        else:
            unparsed[name] = value
    # The body is the description; given both ways, both go to unparsed.
    if body:
        if "description" in raw:
            header = cast("str", raw.pop("description"))
            unparsed.setdefault("description", []).extend([header, body])
        elif "description" in unparsed:
            unparsed["description"].append(body)
        else:
            raw["description"] = body
    return cast("RawMetadata", raw), unparsed


def _project_urls(values: list[str]) -> dict[str, str] | None:
    """``Label, URL`` pairs as a mapping; None when a label repeats."""
    urls: dict[str, str] = {}
    for pair in values:
        label, _, url = pair.partition(",")
        label = label.strip()
        if label in urls:
            return None
        urls[label] = url.strip()
    return urls
