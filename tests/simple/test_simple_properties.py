"""Property tests: whatever the bytes, the parsers raise ParseError or succeed."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Any
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexclient.errors import ParseError, UnsafeLinkError
from indexclient.simple import (
    IndexPage,
    ProjectPage,
    UnsupportedMinorVersionWarning,
    parse_filename,
    parse_index_page,
    parse_project_page,
)
from indexclient.simple._common import Resolver
from indexclient.urls import redact_url

URL = "https://index.example/simple/holygrail/"
CONTENT_TYPES = [
    None,
    "application/vnd.pypi.simple.v1+json",
    "application/vnd.pypi.simple.latest+json",
    "application/vnd.pypi.simple.v1+html",
    "application/vnd.pypi.simple.latest+html",
    "text/html",
    "text/html; charset=latin-1",
    "text/html; charset=utf-16",
    "text/html; charset=nonsense",
]
JSON = "application/vnd.pypi.simple.v1+json"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_both(content: bytes, content_type: str | None) -> None:
    """Run both parsers; anything but ParseError (or a minor-version warning) fails."""
    for parse in (parse_project_page, parse_index_page):
        error: ParseError | None = None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", UnsupportedMinorVersionWarning)
            try:
                page = parse(content, content_type, URL)
            except ParseError as exc:
                error = exc
        if error is not None:
            assert error.url == URL
            assert error.problem
            continue
        assert isinstance(page, (ProjectPage, IndexPage))
        if isinstance(page, ProjectPage):
            for file in page.files:  # lazy filename parsing must not raise either
                assert file.kind in ("wheel", "sdist", "unknown")
            page.versions_available()
        hash(page)


@FUZZ
@given(content=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
def test_arbitrary_bytes(content: bytes, content_type: str | None) -> None:
    _parse_both(content, content_type)


# --- JSON: arbitrary values, biased towards the keys the parser reads -----------

KEYS = [
    "meta",
    "api-version",
    "name",
    "files",
    "projects",
    "filename",
    "url",
    "hashes",
    "sha256",
    "requires-python",
    "yanked",
    "core-metadata",
    "dist-info-metadata",
    "gpg-sig",
    "size",
    "upload-time",
    "provenance",
    "versions",
    "tracks",
    "alternate-locations",
    "project-status",
    "project-status-reason",
    "status",
    "reason",
]
PLAUSIBLE = st.sampled_from(
    [
        "1.0",
        "1.4",
        "1.99",
        "2.0",
        "x-1.0.tar.gz",
        "x-1.0-py3-none-any.whl",
        "x-1.0.tar.gz#sha256=ab",
        "https://index.example/x",
        "//[::1/x",
        "../x",
        "2024-01-01T00:00:00Z",
        "2024-13-01T00:00:00Z",
        ">=3.8",
        "archived",
        True,
        False,
        0,
        -1,
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | PLAUSIBLE
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)
file_entries = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=10) | json_values
near_valid_pages = st.fixed_dictionaries(
    {
        "meta": st.fixed_dictionaries({"api-version": PLAUSIBLE | json_values})
        | st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4),
    },
    optional={
        "files": st.lists(file_entries, max_size=5) | json_values,
        "projects": st.lists(
            st.fixed_dictionaries({"name": PLAUSIBLE | json_values}) | json_values, max_size=4
        ),
        "name": PLAUSIBLE | json_values,
        "versions": st.lists(PLAUSIBLE, max_size=3) | json_values,
        "tracks": st.lists(PLAUSIBLE, max_size=3) | json_values,
        "alternate-locations": st.lists(PLAUSIBLE, max_size=3) | json_values,
        "project-status": json_values,
    },
)


@FUZZ
@given(value=json_values)
def test_arbitrary_json_values(value: Any) -> None:
    _parse_both(json.dumps(value).encode(), JSON)


@FUZZ
@given(page=near_valid_pages, content_type=st.sampled_from([JSON, None]))
def test_near_valid_json_pages(page: Any, content_type: str | None) -> None:
    _parse_both(json.dumps(page).encode(), content_type)


# --- HTML: tag soup from the vocabulary the parser reads ------------------------

ATTR_NAMES = st.sampled_from(
    [
        "href",
        "HREF",
        "name",
        "content",
        "charset",
        "http-equiv",
        "data-yanked",
        "data-requires-python",
        "data-core-metadata",
        "data-dist-info-metadata",
        "data-gpg-sig",
        "data-provenance",
    ]
)
ATTR_VALUES = st.sampled_from(
    [
        "x-1.0.tar.gz#sha256=ab",
        "http://[::1",
        "//[::1]x",
        "../",
        "true",
        "false",
        "sha256=ab",
        "pypi:repository-version",
        "pypi:tracks",
        "pypi:alternate-locations",
        "pypi:project-status",
        "1.0",
        "2.0",
        "1.99",
        "&gt;=3.8",
        "latin-1",
        "utf-16",
    ]
) | st.text(max_size=10)


@st.composite
def tags(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["a", "A", "meta", "base", "b", "script", "br"]))
    attrs = draw(st.lists(st.tuples(ATTR_NAMES, st.none() | ATTR_VALUES), max_size=4))
    rendered = "".join(
        f" {k}" if v is None else f' {k}="{v.replace(chr(34), "&quot;")}"' for k, v in attrs
    )
    return f"<{name}{rendered}{draw(st.sampled_from(['', '/']))}>"


html_pieces = st.one_of(
    tags(),
    st.sampled_from(["</a>", "</A>", "</script>", "<!-- c -->", "<!--", "<![CDATA[x]]>", "<![x"]),
    st.sampled_from(["<", "&", "&amp;", "&#xD800;", "&#0;", "<?pi?>", "<!DOCTYPE html>", "</"]),
    st.text(max_size=15),
)


@FUZZ
@given(
    pieces=st.lists(html_pieces, max_size=20),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
    content_type=st.sampled_from(CONTENT_TYPES),
)
def test_html_tag_soup(pieces: list[str], encoding: str, content_type: str | None) -> None:
    _parse_both("".join(pieces).encode(encoding, errors="replace"), content_type)


# --- helpers ---------------------------------------------------------------------


@FUZZ
@given(filename=st.text(max_size=60) | st.sampled_from(["a-1.0.whl", "a-1-2-3-4-5.whl", ".zip"]))
def test_parse_filename_never_raises(filename: str) -> None:
    info = parse_filename(filename)
    assert (info.error is None) == (info.kind != "unknown")


BASES = [
    "https://index.example/simple/holygrail/",
    "https://index.example/simple/holygrail",
    "https://index.example",
    "https://index.example/a//b/./c/?q=1#frag",
    "file:///srv/simple/holygrail/index.html",
    "http://127.0.0.1:8080/simple/x/",
    "https://Index.Example:8443/a/b/c/d/",
    "https://index.example/simple/%7Eproject/index.json",
    "https://index.example/",
    "https://user@index.example/simple/x/",
]
segment_chars = st.sampled_from(list("ab./%:;?#[]\\ é-_~@!$&'()*+,=\t\x00"))
references = st.lists(st.text(segment_chars, max_size=5), max_size=4).map("/".join)
# Static mirrors link "../../files/x": runs of parent steps get a shortcut of their own.
references = references | st.tuples(st.integers(0, 4), references).map(
    lambda parts: "../" * parts[0] + parts[1]
)


@FUZZ
@given(base=st.sampled_from(BASES), ref=references)
def test_resolver_shortcuts_agree_with_urljoin(base: str, ref: str) -> None:
    # Absolute http(s) URLs are kept verbatim by design; everything else must
    # resolve exactly as urljoin does, or be refused when urljoin's answer is not a
    # link the page may have (docs/security.md, "Links").
    if ref.startswith(("http://", "https://")):
        return
    try:
        expected = urljoin(base, ref)
    except ValueError:
        with pytest.raises(ParseError):
            Resolver(base, base).resolve(ref)
        return
    allowed = ("http", "https", "file") if base.startswith("file:") else ("http", "https")
    if expected.partition(":")[0].lower() not in allowed:
        with pytest.raises(UnsafeLinkError):
            Resolver(base, base).resolve(ref)
        return
    assert Resolver(base, base).resolve(ref) == expected


@FUZZ
@given(base=st.sampled_from(BASES), page=st.sampled_from(BASES), ref=references)
def test_resolved_links_never_leave_the_page_kind(base: str, page: str, ref: str) -> None:
    # Whatever the base (a <base href> may name anything), a link from an http(s) page
    # is http(s) once resolved, and one from a local page is http(s) or file.
    allowed = ("http", "https", "file") if page.startswith("file:") else ("http", "https")
    try:
        resolved: str | UnsafeLinkError = Resolver(base, page).resolve(ref)
    except UnsafeLinkError as exc:
        resolved = exc
    except ParseError:
        return
    if isinstance(resolved, UnsafeLinkError):
        assert resolved.url == redact_url(page)  # the page's credentials are never shown
    else:
        assert resolved.partition(":")[0].lower() in allowed


def test_importing_simple_does_not_import_aiohttp() -> None:
    code = (
        "import sys, indexclient.simple\n"
        "loaded = sorted(m for m in sys.modules if m == 'aiohttp' or m.startswith('aiohttp.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
