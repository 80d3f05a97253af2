"""PEP 503 HTML pages, from the hand-written pages in ``pages/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import NormalizedName as N
from packaging.version import Version

from indexclient.errors import ParseError
from indexclient.simple import (
    DistributionFile,
    FrozenDict,
    IndexPage,
    Meta,
    ProjectLink,
    ProjectPage,
    parse_index_page,
    parse_project_page,
)

PAGES = Path(__file__).parent / "pages"
PROJECT_URL = "https://index.example/simple/holygrail/"
SHA256 = "5d5b09f6dcb2d53a5fffc60c4ac0d55fabdf556069d6631545f42aa6e3500f2e"
SHA512 = (
    "1f9720f871674c18e5fecff61d92c1355cd4bfac25699fb7ddfe7717c9669b4d"
    "085193982402156122dfaa706885fd64741704649795c65b2a5bdec40347e28a"
)
MD5 = "1bc29b36f623ba82aaf6724fd3b16718"
BLAKE2B = (
    "3e09c77c1e28d7c72c3e8ac87d9ff4e549495abc842baebe65bea66fb1a488dd"
    "b739d563ab0122a0704e9d29361d849592f65c55ebcf5017bf0bf1956583d6e0"
)
SHA3_256 = "5ae36d2b4b37209703fb327119f63354c93b5a35a07e1397aad3285b37910fe9"


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.fixture(scope="module")
def full() -> ProjectPage:
    return parse_project_page(_page("project-full.html"), "text/html", PROJECT_URL)


def _by_name(page: ProjectPage) -> dict[str, DistributionFile]:
    return {f.filename: f for f in page.files}


def test_full_page_meta(full: ProjectPage) -> None:
    assert full.url == PROJECT_URL
    assert full.name == "holygrail"
    assert full.versions == ()
    assert full.meta == Meta(
        api_version="1.1",
        tracks=(
            "https://upstream.example/simple/holygrail/",
            "https://mirror.example/simple/holygrail/",
        ),
        # The relative one is resolved against the page URL, not the <base>.
        alternate_locations=(
            "https://index.example/simple/holygrail/",
            "https://index.example/other/holygrail/",
        ),
        project_status="archived",
        project_status_reason='Superseded by "grail" & friends',
    )
    assert full.meta.api_version_info == (1, 1)


def test_full_page_files_in_document_order(full: ProjectPage) -> None:
    # The <a> without href is skipped; everything else is kept, the .egg included.
    assert [f.filename for f in full.files] == [
        "holygrail-1.0.tar.gz",
        "holygrail-1.0-py3-none-any.whl",
        "holygrail-1.1.zip",
        "holygrail-1.1-py3-none-any.whl",
        "holygrail-2.0.tar.gz",
        "holygrail-2.0-py3-none-any.whl",
        "holygrail-2.1.tar.gz",
        "holygrail-2.1-py3-none-any.whl",
        "holygrail-3.0.tar.gz",
        "holygrail-3.0-py3-none-any.whl",
        "HolyGrail-0.9-py2.7.egg",
    ]


def test_links_resolve_against_the_first_base_href(full: ProjectPage) -> None:
    files = _by_name(full)
    # <BASE HREF="../../files/holygrail/"> is relative to the page URL.
    base = "https://index.example/files/holygrail/"
    assert files["holygrail-1.0.tar.gz"].url == base + "holygrail-1.0.tar.gz"
    assert files["holygrail-3.0.tar.gz"].url == base + "sub/holygrail-3.0.tar.gz"
    assert files["holygrail-1.1.zip"].url == "https://index.example/abs/holygrail-1.1.zip"
    assert (
        files["holygrail-1.1-py3-none-any.whl"].url
        == "https://cdn.example/holygrail-1.1-py3-none-any.whl"
    )
    # The provenance URL is a link too.
    assert files["holygrail-2.1-py3-none-any.whl"].provenance == (
        base + "holygrail-2.1-py3-none-any.whl.provenance"
    )


def test_hash_fragments(full: ProjectPage) -> None:
    files = _by_name(full)
    assert files["holygrail-1.0.tar.gz"].hashes == {"sha256": SHA256}
    # The name is lower-cased; the fragment never stays in the URL.
    assert files["holygrail-1.0-py3-none-any.whl"].hashes == {"sha512": SHA512}
    assert files["holygrail-1.1.zip"].hashes == {"md5": MD5}
    assert files["holygrail-1.1-py3-none-any.whl"].hashes == {"blake2b": BLAKE2B}
    assert files["holygrail-3.0.tar.gz"].hashes == {"sha3_256": SHA3_256}
    # "#egg=..." is not a hash (not hex) and is dropped with the rest of the fragment.
    assert files["holygrail-3.0-py3-none-any.whl"].hashes == {}
    assert all("#" not in f.url for f in full.files)


def test_requires_python_entities_decoded_exactly_once(full: ProjectPage) -> None:
    files = _by_name(full)
    assert files["holygrail-1.0-py3-none-any.whl"].requires_python == ">=3.8, <4"
    assert files["holygrail-1.1.zip"].requires_python == "&gt;=3.9"
    assert files["holygrail-1.0.tar.gz"].requires_python is None


def test_yanked(full: ProjectPage) -> None:
    files = _by_name(full)
    assert files["holygrail-1.0.tar.gz"].yanked is None
    assert not files["holygrail-1.0.tar.gz"].is_yanked
    # A bare attribute: yanked, no reason.
    assert files["holygrail-1.1.zip"].yanked == ""
    assert files["holygrail-1.1.zip"].is_yanked
    assert files["holygrail-1.1-py3-none-any.whl"].yanked == "broken <metadata>"


def test_core_metadata_and_fallback(full: ProjectPage) -> None:
    files = _by_name(full)
    # data-core-metadata wins over data-dist-info-metadata (PEP 714).
    assert files["holygrail-2.0.tar.gz"].core_metadata == {"sha256": SHA256}
    # Only the old name: used as the fallback; "true" means no hash.
    assert files["holygrail-2.0-py3-none-any.whl"].core_metadata == {}
    assert files["holygrail-2.1.tar.gz"].core_metadata is None  # "false"
    assert files["holygrail-2.1-py3-none-any.whl"].core_metadata == {}
    assert files["holygrail-1.0.tar.gz"].core_metadata is None  # absent
    assert files["holygrail-2.0.tar.gz"].core_metadata_url == (
        "https://index.example/files/holygrail/holygrail-2.0.tar.gz.metadata"
    )
    assert files["holygrail-1.0.tar.gz"].core_metadata_url is None


def test_gpg_sig(full: ProjectPage) -> None:
    files = _by_name(full)
    assert files["holygrail-2.1.tar.gz"].gpg_sig is True
    assert files["holygrail-2.1-py3-none-any.whl"].gpg_sig is False
    assert files["holygrail-1.0.tar.gz"].gpg_sig is None


def test_anchor_text_is_stripped_and_decoded_with_url_fallback(full: ProjectPage) -> None:
    names = {f.filename for f in full.files}
    assert "holygrail-1.1.zip" in names  # text surrounded by newlines and spaces
    assert "holygrail-3.0-py3-none-any.whl" in names  # &#45; and &#x2D;
    assert "holygrail-3.0.tar.gz" in names  # empty text: last URL segment


def test_filenames_parsed_lazily(full: ProjectPage) -> None:
    files = _by_name(full)
    wheel = files["holygrail-1.0-py3-none-any.whl"]
    assert wheel.is_wheel
    assert wheel.name == "holygrail"
    assert wheel.version == Version("1.0")
    egg = files["HolyGrail-0.9-py2.7.egg"]
    assert egg.kind == "unknown"
    assert egg.filename_error is not None
    assert full.versions_available() == tuple(
        Version(v) for v in ("1.0", "1.1", "2.0", "2.1", "3.0")
    )
    assert {f.filename for f in full.files_for_version("2.1")} == {
        "holygrail-2.1.tar.gz",
        "holygrail-2.1-py3-none-any.whl",
    }


def test_static_index_page_without_meta() -> None:
    url = "file:///srv/repo/simple/foo-bar/"
    page = parse_project_page(_page("static-project.html"), None, url)
    assert page.meta == Meta(api_version="1.0")
    assert page.name == "foo-bar"
    assert [(f.filename, f.url, dict(f.hashes)) for f in page.files] == [
        ("foo_bar-0.1.tar.gz", "file:///srv/repo/packages/foo_bar-0.1.tar.gz", {"md5": MD5}),
        (
            "foo_bar-0.2-py2.py3-none-any.whl",
            "file:///srv/repo/packages/foo_bar-0.2-py2.py3-none-any.whl",
            {},
        ),
        ("foo_bar-0.3.tar.gz", "file:///srv/repo/simple/foo-bar/foo_bar-0.3.tar.gz", {}),
        (
            "foo_bar-0.4-1-py3-none-any.whl",
            "file:///srv/repo/simple/foo-bar/foo_bar-0.4-1-py3-none-any.whl",
            {"sha256": SHA256},
        ),
    ]
    assert page.files[3].build_tag == (1, "")
    assert {str(t) for t in page.files[1].tags} == {"py2-none-any", "py3-none-any"}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://index.example/simple/Foo_Bar/", "foo-bar"),
        ("https://index.example/simple/foo.bar", "foo-bar"),
        ("file:///srv/simple/foo-bar/index.html", "foo-bar"),
        ("https://index.example/simple/foo%5Fbar/?x=1", "foo-bar"),
        ("https://index.example/", None),
    ],
)
def test_html_project_name_from_url(url: str, name: str | None) -> None:
    assert parse_project_page(b"<html></html>", "text/html", url).name == name


def test_index_page() -> None:
    page = parse_index_page(_page("index.html"), "text/html", "https://index.example/simple/")
    assert page == IndexPage(
        url="https://index.example/simple/",
        meta=Meta(api_version="1.0"),
        projects=(
            ProjectLink(N("django"), "Django", "https://index.example/simple/django/"),
            ProjectLink(N("holy-grail"), "Holy.Grail", "https://index.example/simple/holy-grail/"),
            ProjectLink(
                N("zope-interface"),
                "zope_interface",
                "https://other.example/simple/zope-interface/",
            ),
            # Empty anchor text: the name comes from the URL.
            ProjectLink(N("foo-bar"), "foo-bar", "https://index.example/simple/foo-bar/"),
        ),
    )


def test_self_closing_and_nested_anchors() -> None:
    html = (
        b'<a href="a-1.0.tar.gz"/>a-1.0.tar.gz</a>'
        b'<a href="b-1.0.tar.gz">b-1.0<a href="c-1.0.tar.gz">c-1.0.tar.gz</a>'
        b'<a href="d-1.0.tar.gz" href="ignored.tar.gz"><b>d-1.0</b>.tar.gz</a>'
        b'<a href="e-1.0.tar.gz">e-1.0.tar.gz'
    )
    page = parse_project_page(html, "text/html", PROJECT_URL)
    assert [(f.filename, f.url.rsplit("/", 1)[1]) for f in page.files] == [
        ("a-1.0.tar.gz", "a-1.0.tar.gz"),  # "/>" does not close an <a> in HTML
        ("b-1.0", "b-1.0.tar.gz"),  # a new <a> closes the open one
        ("c-1.0.tar.gz", "c-1.0.tar.gz"),
        ("d-1.0.tar.gz", "d-1.0.tar.gz"),  # first of repeated attributes wins
        ("e-1.0.tar.gz", "e-1.0.tar.gz"),  # unclosed at the end of the page
    ]


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ('data-core-metadata="TRUE"', {}),
        ('data-core-metadata="SHA256=abc" data-dist-info-metadata="false"', {"sha256": "abc"}),
        ('data-core-metadata="false" data-dist-info-metadata="true"', None),
        ("data-core-metadata", {}),
        ('data-core-metadata="something-else"', {}),
        ('data-dist-info-metadata="md5=0a"', {"md5": "0a"}),
        ("", None),
    ],
)
def test_core_metadata_values(attribute: str, expected: dict[str, str] | None) -> None:
    html = f'<a href="x-1.0.tar.gz" {attribute}>x-1.0.tar.gz</a>'.encode()
    (file,) = parse_project_page(html, "text/html", PROJECT_URL).files
    assert file.core_metadata == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("#sha256=AB12", {"sha256": "AB12"}),
        ("#sha256=ab&md5=cd", {"sha256": "ab", "md5": "cd"}),
        ("#sha256=", {}),
        ("#sha256=not-hex", {}),
        ("#", {}),
        ("", {}),
    ],
)
def test_hash_fragment_variants(fragment: str, expected: dict[str, str]) -> None:
    html = f'<a href="x-1.0.tar.gz{fragment}">x-1.0.tar.gz</a>'.encode()
    (file,) = parse_project_page(html, "text/html", PROJECT_URL).files
    assert file.hashes == FrozenDict(expected)
    assert file.url == PROJECT_URL + "x-1.0.tar.gz"


def test_anchor_with_empty_or_bare_href_is_skipped() -> None:
    html = b'<a href="">empty</a><a href>bare</a><a href="  x-1.0.tar.gz  ">x</a>'
    page = parse_project_page(html, "text/html", PROJECT_URL)
    assert [f.url for f in page.files] == [PROJECT_URL + "x-1.0.tar.gz"]


def test_unknown_project_status_is_kept() -> None:
    html = b'<meta name="pypi:project-status" content=" Haunted ">'
    page = parse_project_page(html, "text/html", PROJECT_URL)
    assert page.meta.project_status == "haunted"
    assert page.meta.project_status_reason is None


@pytest.mark.parametrize(
    "html",
    [
        b'<html><body><a href="x-1.0.tar.gz">x-1.0.tar.gz</a><a href="y-1.0.tar',
        b"<html><body><!-- an unterminated comment",
        b"<html><body><script>var x = 1;",
        b"<html><body></bo",
        b"<html><![if x",
    ],
)
def test_truncated_or_broken_html_is_a_parse_error(html: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_project_page(html, "text/html", PROJECT_URL)
    assert info.value.url == PROJECT_URL


def test_unresolvable_base_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="cannot resolve"):
        parse_project_page(b'<base href="http://[::1/">', "text/html", PROJECT_URL)
