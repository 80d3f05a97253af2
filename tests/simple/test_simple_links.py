"""Where a page may link (docs/security.md, "Links"): a page served over http(s) links only
http(s) URLs; a local (file:) page may also link file: URLs. Every link is resolved in one
place, so every kind of link is refused the same way, naming the page and the link."""

from __future__ import annotations

import json
from typing import Any

import pytest

from indexclient.errors import ParseError, UnsafeLinkError
from indexclient.simple import parse_index_page, parse_project_page
from indexclient.simple._common import Resolver

URL = "https://index.example/simple/holygrail/"
LOCAL = "file:///srv/simple/holygrail/"
JSON = "application/vnd.pypi.simple.v1+json"


def _html(body: str) -> bytes:
    return f"<!DOCTYPE html><html><body>{body}</body></html>".encode()


def _json(**fields: Any) -> bytes:
    page = {"meta": {"api-version": "1.1"}, "name": "holygrail", "files": []}
    page.update(fields)
    return json.dumps(page).encode()


def _file(url: str, **fields: Any) -> dict[str, Any]:
    return {"filename": "holygrail-1.0.tar.gz", "url": url, "hashes": {}, **fields}


def _refused(content: bytes, content_type: str, page_url: str = URL) -> UnsafeLinkError:
    with pytest.raises(UnsafeLinkError) as caught:
        parse_project_page(content, content_type, page_url)
    error = caught.value
    assert isinstance(error, ParseError)  # one branch of the tree, as every page problem
    assert error.url == page_url
    assert page_url in str(error)
    assert repr(error.link) in str(error)
    return error


SCHEMES = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "File:///dev/zero",
    "file://server/share/x-1.0.tar.gz",
    "file:x-1.0.tar.gz",
    "data:application/zip;base64,UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==",
    "javascript:alert(1)",
    "ftp://files.example/x-1.0.tar.gz",
    "smb://server/share/x-1.0.tar.gz",
    # urlsplit strips leading blanks and C0 controls: still a file: URL to it.
    "\x00file:///etc/passwd",
    "\x01file:///etc/passwd",
    "\tfile:///etc/passwd",
    # The HTML parser strips the href, not every character urlsplit ignores.
    "\x0cfile:///etc/passwd",
]
_BLANKS = " \x00\x01\t\x0c"


@pytest.mark.parametrize("link", SCHEMES)
def test_html_file_link_must_be_http(link: str) -> None:
    from html import escape

    error = _refused(_html(f'<a href="{escape(link)}">x-1.0.tar.gz</a>'), "text/html")
    assert error.link.strip(_BLANKS) == link.strip(_BLANKS)


@pytest.mark.parametrize("link", SCHEMES)
def test_json_file_url_must_be_http(link: str) -> None:
    _refused(_json(files=[_file(link)]), JSON)


def test_the_error_names_the_page_and_the_resolved_link() -> None:
    error = _refused(_html('<a href="file:///tmp/secret.whl">secret.whl</a>'), "text/html")
    assert error.link == "file:///tmp/secret.whl"
    assert str(error) == (
        f"cannot parse {URL}: refused the link 'file:///tmp/secret.whl': "
        "a page served over https may link only http and https URLs"
    )


def test_a_base_href_cannot_make_relative_links_local() -> None:
    page = _html('<base href="file:///srv/"><a href="x-1.0.tar.gz">x-1.0.tar.gz</a>')
    error = _refused(page, "text/html")
    assert error.link == "file:///srv/x-1.0.tar.gz"
    # A parent-directory run takes another shortcut: refused all the same.
    page = _html('<base href="file:///srv/a/b/"><a href="../../x-1.0.tar.gz">x</a>')
    assert _refused(page, "text/html").link == "file:///srv/x-1.0.tar.gz"


def test_a_local_base_with_absolute_http_links_is_harmless() -> None:
    # The base is only used to resolve relative links: with none, nothing is local.
    page = parse_project_page(
        _html('<base href="file:///"><a href="https://files.example/x-1.0.tar.gz">x</a>'),
        "text/html",
        URL,
    )
    assert page.files[0].url == "https://files.example/x-1.0.tar.gz"


def test_a_base_href_on_another_http_host_is_allowed() -> None:
    page = parse_project_page(
        _html('<base href="https://mirror.example/p/"><a href="x-1.0.tar.gz">x</a>'),
        "text/html",
        URL,
    )
    assert page.files[0].url == "https://mirror.example/p/x-1.0.tar.gz"


@pytest.mark.parametrize(
    "attribute",
    ['data-provenance="file:///etc/passwd"', 'data-provenance="data:,x"'],
)
def test_provenance_links_are_checked(attribute: str) -> None:
    _refused(_html(f'<a href="x-1.0.tar.gz" {attribute}>x-1.0.tar.gz</a>'), "text/html")
    url = attribute.split('"')[1]
    _refused(_json(files=[_file("x-1.0.tar.gz", provenance=url)]), JSON)


@pytest.mark.parametrize("name", ["pypi:tracks", "pypi:alternate-locations"])
def test_pep708_links_are_checked(name: str) -> None:
    page = _html(f'<meta name="{name}" content="file:///srv/simple/holygrail/">')
    assert _refused(page, "text/html").link == "file:///srv/simple/holygrail/"
    key = name.removeprefix("pypi:")
    _refused(_json(**{key: ["file:///srv/simple/holygrail/"]}), JSON)


def test_index_page_project_links_are_checked() -> None:
    with pytest.raises(UnsafeLinkError) as caught:
        parse_index_page(_html('<a href="file:///srv/x/">x</a>'), "text/html", URL)
    assert caught.value.link == "file:///srv/x/"


def test_the_link_is_redacted() -> None:
    page = _html('<a href="ftp://user:hunter2@files.example/x-1.0.tar.gz">x</a>')
    error = _refused(page, "text/html")
    assert "hunter2" not in str(error)
    assert error.link == "ftp://user:****@files.example/x-1.0.tar.gz"


@pytest.mark.parametrize(
    "link",
    [
        "https://files.example/x-1.0.tar.gz",
        "HTTPS://files.example/x-1.0.tar.gz",
        "http://files.example/x-1.0.tar.gz",
        "Http://files.example/x-1.0.tar.gz",
        "//files.example/x-1.0.tar.gz",
        "/files/x-1.0.tar.gz",
        "../../files/x-1.0.tar.gz",
        "x-1.0.tar.gz",
        "https:x-1.0.tar.gz",
        " https://files.example/x-1.0.tar.gz",
    ],
)
def test_http_links_stay_allowed(link: str) -> None:
    page = parse_project_page(_html(f'<a href="{link}">x-1.0.tar.gz</a>'), "text/html", URL)
    assert page.files[0].url.lower().startswith(("https://", "http://"))
    assert page.files[0].core_metadata_url is None


def test_http_page_may_link_https_and_back() -> None:
    page = parse_project_page(
        _html('<a href="https://files.example/x-1.0.tar.gz">x</a>'),
        "text/html",
        "http://index.example/simple/holygrail/",
    )
    assert page.files[0].url == "https://files.example/x-1.0.tar.gz"
    with pytest.raises(UnsafeLinkError):
        parse_project_page(
            _html('<a href="file:///x-1.0.tar.gz">x</a>'),
            "text/html",
            "HTTP://index.example/simple/holygrail/",
        )


def test_local_pages_may_link_files_and_http() -> None:
    page = parse_project_page(
        _html(
            '<a href="../../files/x-1.0.tar.gz">x-1.0.tar.gz</a>'
            '<a href="https://files.example/x-1.1.tar.gz">x-1.1.tar.gz</a>'
            '<a href="file:///srv/files/x-1.2.tar.gz">x-1.2.tar.gz</a>'
        ),
        "text/html",
        LOCAL,
    )
    assert [f.url for f in page.files] == [
        "file:///srv/files/x-1.0.tar.gz",
        "https://files.example/x-1.1.tar.gz",
        "file:///srv/files/x-1.2.tar.gz",
    ]


@pytest.mark.parametrize("link", ["ftp://files.example/x.tar.gz", "data:,x", "javascript:x"])
def test_local_pages_may_not_link_other_schemes(link: str) -> None:
    error = _refused(_html(f'<a href="{link}">x-1.0.tar.gz</a>'), "text/html", LOCAL)
    assert "local" in error.rule


def test_resolver_checks_the_base_once() -> None:
    # The shortcuts stay: a plain relative link against an http(s) base is not parsed
    # again, and an unsafe base sends every relative link through the checked path.
    assert Resolver(URL, URL).resolve("x.whl") == URL + "x.whl"
    with pytest.raises(UnsafeLinkError):
        Resolver("file:///srv/", URL).resolve("x.whl")
    assert Resolver("file:///srv/", URL).resolve("https://e/x.whl") == "https://e/x.whl"
    assert Resolver("file:///srv/a/", LOCAL).resolve("../x.whl") == "file:///srv/x.whl"
