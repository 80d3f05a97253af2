"""How HTML pages are decoded: Content-Type charset, BOM, <meta>, UTF-8."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from indexclient.errors import ParseError
from indexclient.simple import parse_index_page, parse_project_page

PAGES = Path(__file__).parent / "pages"
URL = "https://index.example/simple/cafe/"


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def test_latin1_from_content_type() -> None:
    page = parse_project_page(_page("latin1-project.html"), "text/html; charset=ISO-8859-1", URL)
    (file,) = page.files
    assert file.filename == "café-1.0.tar.gz"
    assert file.yanked == "défectueux"
    # &#233; in the href is decoded to é; urljoin keeps it as a character.
    assert file.url == URL + "café-1.0.tar.gz"


def test_quoted_charset_parameter_among_others() -> None:
    content_type = 'text/html; q=1; Charset="latin-1"'
    page = parse_project_page(_page("latin1-project.html"), content_type, URL)
    assert page.files[0].filename == "café-1.0.tar.gz"


def test_latin1_page_without_declaration_is_not_utf8() -> None:
    with pytest.raises(ParseError) as info:
        parse_project_page(_page("latin1-project.html"), "text/html", URL)
    assert info.value.url == URL
    assert "utf-8" in info.value.problem


def test_meta_charset() -> None:
    page = parse_project_page(_page("latin1-meta-project.html"), "text/html", URL)
    assert page.files[0].filename == "café-1.0.tar.gz"
    assert page.files[0].yanked == "défectueux"


def test_meta_http_equiv_charset() -> None:
    page = parse_project_page(_page("http-equiv-project.html"), None, URL)
    assert page.files[0].yanked == "\u201csmart quotes\u201d \u2013 broken"


def test_content_type_charset_beats_meta() -> None:
    # The page says windows-1252 in <meta>; the header's latin-1 wins.
    page = parse_project_page(_page("http-equiv-project.html"), "text/html;charset=latin-1", URL)
    assert page.files[0].yanked == "\x93smart quotes\x94 \x96 broken"


def test_utf8_bom() -> None:
    page = parse_project_page(_page("bom-utf8-project.html"), "text/html", URL)
    assert page.files[0].filename == "café-1.0.tar.gz"


def test_bom_beats_a_wrong_content_type_charset() -> None:
    # WHATWG encoding sniffing: the BOM is stronger evidence than the header.
    page = parse_project_page(_page("bom-utf8-project.html"), "text/html; charset=latin-1", URL)
    assert page.files[0].yanked == "défectueux"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_utf16_bom(bom: bytes, codec: str) -> None:
    text = _page("bom-utf8-project.html")[3:].decode("utf-8")
    page = parse_project_page(bom + text.encode(codec), None, URL)
    assert page.files[0].filename == "café-1.0.tar.gz"


def test_utf16_declared_in_meta_means_utf8() -> None:
    html = '<meta charset="utf-16"><a href="x">café-1.0.tar.gz</a>'.encode()
    assert parse_project_page(html, "text/html", URL).files[0].filename == "café-1.0.tar.gz"


def test_meta_charset_beyond_1024_bytes_is_ignored() -> None:
    html = b"<!--" + b"x" * 1024 + b'--><meta charset="latin-1"><a href="x">caf\xe9</a>'
    with pytest.raises(ParseError, match="utf-8"):
        parse_project_page(html, "text/html", URL)


def test_unknown_charset_label_is_ignored() -> None:
    html = '<a href="x">café-1.0.tar.gz</a>'.encode()
    page = parse_project_page(html, "text/html; charset=x-no-such-codec", URL)
    assert page.files[0].filename == "café-1.0.tar.gz"


@pytest.mark.parametrize(
    ("content", "content_type", "codec"),
    [
        (b"<a href='x'>\xff\xfe\xfd</a>", "text/html", "utf-8"),
        (b"<a href='x'>caf\xe9</a>", "text/html; charset=ascii", "ascii"),
        (b"\xff\xfe<\x00a\x00\x00", "text/html", "utf-16-le"),  # odd length
        (b"\xfe\xff\xd8\x00", "text/html", "utf-16-be"),  # lone surrogate
        (b"<meta charset=ascii><a href='x'>\xe9</a>", None, "ascii"),
    ],
)
def test_undecodable_bytes_are_a_parse_error(
    content: bytes, content_type: str | None, codec: str
) -> None:
    for parse in (parse_project_page, parse_index_page):
        with pytest.raises(ParseError) as info:
            parse(content, content_type, URL)
        assert info.value.url == URL
        assert info.value.problem.startswith(f"cannot decode the page as {codec}:")


@pytest.mark.parametrize(
    "label", ["rot13", "base64", "idna", "unicode_escape", "utf-7", "undefined"]
)
def test_codecs_that_are_not_charsets_are_ignored(label: str) -> None:
    html = '<a href="x">café\\-1.0.tar.gz</a>'.encode()
    page = parse_project_page(html, f"text/html; charset={label}", URL)
    assert page.files[0].filename == "café\\-1.0.tar.gz"
