"""Parsed pages build their files when first used; parsing still checks every entry.

A parser checks a page's entries in bulk and, when all pass, defers building the
models (``PageFiles``); otherwise it builds entry by entry, as it always did, which
raises for the first entry at fault. The tests force that entry-by-entry path and
compare: the same models (equal, same repr, hash, pickle), and for a malformed page the
same error, class and message, raised by ``parse_project_page`` itself.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexclient.errors import ParseError
from indexclient.simple import ProjectPage, _common, _html, _json, parse_project_page
from indexclient.simple.filenames import parse_filename, version_text, version_texts
from indexclient.simple.models import page_files

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = "application/vnd.pypi.simple.v1+json"
PAGE_URLS = [
    "https://index.example/simple/proj/",
    "https://index.example/simple/proj",
    "http://127.0.0.1:8080/a/b/simple/proj/index.json",
    "file:///srv/simple/proj/index.html",
    "https://index.example/simple/proj/?q=1",
]


@contextmanager
def _entry_by_entry() -> Iterator[None]:
    """The parsers as they were: every entry built (or refused) while parsing."""

    def refuse(cls: type, *args: object) -> None:
        return None

    with (
        mock.patch.object(_json._JsonFiles, "checked", classmethod(refuse)),
        mock.patch.object(_html._HtmlFiles, "checked", classmethod(refuse)),
    ):
        yield


def _outcome(content: bytes, content_type: str, url: str) -> ProjectPage | tuple[str, str]:
    try:
        return parse_project_page(content, content_type, url)
    except ParseError as exc:
        return type(exc).__name__, str(exc)


def _assert_same_as_entry_by_entry(content: bytes, content_type: str, url: str) -> None:
    lazy = _outcome(content, content_type, url)
    with _entry_by_entry():
        eager = _outcome(content, content_type, url)
    if not isinstance(eager, ProjectPage):
        assert lazy == eager  # the same error class and message, from parsing
        return
    assert isinstance(lazy, ProjectPage), lazy
    assert repr(lazy) == repr(eager)
    assert lazy == eager
    assert hash(lazy) == hash(eager)
    assert [f.filename_info for f in lazy.files] == [f.filename_info for f in eager.files]


# --------------------------------------------------------------------------- JSON

SAFE_LINKS = [
    "../../files/proj-1.0.tar.gz",
    "../files/proj-1.0-py3-none-any.whl",
    "proj-1.0.tar.gz",
    "sub/dir/proj-1.0.zip",
    "https://files.example/packages/ab/proj-1.0.tar.gz",
    "http://files.example/proj-1.0.tar.gz#sha256=00",
    "/files/proj-1.0.tar.gz",
    "//cdn.example/proj-1.0.tar.gz",
    "",
    " ",
    "./proj-1.0.tar.gz",
    "../../../../../x",
    "..././x",
    "a//b",
    "a/../b",
    "x?y=1",
    "h\u00e9/x",
    "x\u2028",
    "https://files.example/a b",
    "https://files.example/\x7f",
    "HTTPS://files.example/x",
]
# Refused on a page from a server (and the last one everywhere).
UNSAFE_LINKS = ["file:///etc/passwd", "javascript:alert(1)", "//[::1/x"]
LINKS = st.sampled_from(SAFE_LINKS + UNSAFE_LINKS)
FILENAMES = st.sampled_from(
    [
        "proj-1.0.tar.gz",
        "proj-1.0-py3-none-any.whl",
        "proj-2.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl",
        "proj-1.0.0.zip",
        "proj-bad.tar.gz",
        "proj-1.0.exe",
        "",
    ]
)
GOOD = {
    "filename": FILENAMES,
    "url": st.sampled_from(SAFE_LINKS),
    "hashes": st.sampled_from(
        [{"sha256": "ab"}, {"SHA256": "AB"}, {}, {"md5": "1", "sha256": "2"}]
    ),
    "requires-python": st.sampled_from([">=3.8", " >=3.9 ", ""]),
    "yanked": st.sampled_from([True, False, "broken", ""]),
    "core-metadata": st.sampled_from([True, False, {"sha256": "cd"}, {}]),
    "dist-info-metadata": st.sampled_from([True, False, {"sha256": "ef"}]),
    "gpg-sig": st.booleans(),
    "size": st.integers(0, 10**12),
    "upload-time": st.sampled_from(
        [
            "2024-01-02T03:04:05.123456Z",
            "2024-01-02T03:04:05Z",
            "2024-01-02 03:04",
            "2024-01-02T03:04:05+02:00",
        ]
    ),
    "provenance": st.sampled_from(SAFE_LINKS),
}
# Values each key must refuse (and a few of any key), each the first error of its kind.
BAD: dict[str, list[Any]] = {
    "filename": [None, 1, []],
    "url": [None, 1, *UNSAFE_LINKS],
    "hashes": [{"sha256": 1}, {"sha256": None}, [], "sha256=ab", True],
    "requires-python": [1, True, []],
    "yanked": [1, 1.5, {}],
    "core-metadata": [{"sha256": 1}, "true", 1],
    "dist-info-metadata": [{"sha256": []}, 0],
    "gpg-sig": ["true", 1],
    "size": [-1, 1.5, True, "1"],
    "upload-time": ["2024-13-01T00:00:00Z", "", "yesterday", 1, "9999-12-31T23:59:59-23:59"],
    "provenance": [1, *UNSAFE_LINKS],
}
ANY_BAD: st.SearchStrategy[Any] = st.sampled_from([None, 1, -1, 1.5, True, "x", "", [], {}])


@st.composite
def json_entries(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(st.sampled_from([None, 1, "x", [], True]))  # not an object
    keys = draw(st.sets(st.sampled_from(sorted(GOOD)), max_size=len(GOOD)))
    entry: dict[str, Any] = {
        "filename": draw(GOOD["filename"]),
        "url": draw(GOOD["url"]),
    }
    for key in keys:
        entry[key] = draw(GOOD[key])
    if draw(st.integers(0, 2)) == 0:  # one value of the wrong shape, or a key left out
        key = draw(st.sampled_from(sorted(GOOD)))
        if draw(st.integers(0, 3)):
            entry[key] = draw(st.sampled_from(BAD[key]) | ANY_BAD)
        else:
            entry.pop(key, None)
    if draw(st.booleans()):
        entry["unknown-key"] = draw(ANY_BAD)
    return entry


@FUZZ
@given(
    entries=st.lists(json_entries(), max_size=8),
    url=st.sampled_from(PAGE_URLS),
    versions=st.sampled_from([None, ["1.0"], "1.0", [1]]),
)
def test_json_pages_parse_as_entry_by_entry(entries: list[Any], url: str, versions: Any) -> None:
    page: dict[str, Any] = {"meta": {"api-version": "1.1"}, "name": "Proj", "files": entries}
    if versions is not None:
        page["versions"] = versions
    _assert_same_as_entry_by_entry(json.dumps(page).encode(), JSON, url)


@st.composite
def good_entries(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.sets(st.sampled_from(sorted(GOOD)), max_size=len(GOOD)))
    entry = {"filename": draw(GOOD["filename"]), "url": draw(GOOD["url"])}
    return {**entry, **{key: draw(GOOD[key]) for key in keys}}


@FUZZ
@given(entries=st.lists(good_entries(), min_size=1, max_size=6), data=st.data())
def test_one_fault_in_a_good_page_is_the_error_raised(
    entries: list[dict[str, Any]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(entries) - 1))
    key = data.draw(st.sampled_from(sorted(BAD)))
    entries[index][key] = data.draw(st.sampled_from(BAD[key]))
    if key == "dist-info-metadata":
        entries[index].pop("core-metadata", None)  # the older key counts only alone
    page = {"meta": {"api-version": "1.1"}, "name": "proj", "files": entries}
    _assert_same_as_entry_by_entry(json.dumps(page).encode(), JSON, PAGE_URLS[0])


def test_a_bad_entry_after_many_good_ones_names_that_entry() -> None:
    good = [
        {"filename": f"proj-1.{i}.tar.gz", "url": f"../../files/proj-1.{i}.tar.gz"}
        for i in range(50)
    ]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"size": -1}, "'files[50].size' ('x-1.0.tar.gz') must not be negative"),
        ({"url": "file:///etc/passwd"}, "may link only http and https URLs"),
        ({"upload-time": "2024-13-01T00:00:00Z"}, "'files[50].upload-time' is not an ISO 8601"),
        ({"hashes": {"sha256": 1}}, "'files[50].hashes' must be an object of strings"),
        ({"yanked": 1}, "'files[50].yanked' ('x-1.0.tar.gz') must be a boolean or a string"),
    ]
    for bad, message in cases:
        entry = {"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz", **bad}
        content = json.dumps({"meta": {"api-version": "1.1"}, "files": [*good, entry, *good]})
        with pytest.raises(ParseError) as raised:
            parse_project_page(content.encode(), JSON, PAGE_URLS[0])
        assert message in str(raised.value)
        _assert_same_as_entry_by_entry(content.encode(), JSON, PAGE_URLS[0])


# --------------------------------------------------------------------------- HTML

HREFS = LINKS | st.tuples(
    LINKS, st.sampled_from(["#sha256=ab", "#", "#md5=1&sha256=2", "#a b"])
).map("".join)
ATTRS = st.sampled_from(
    [
        "",
        ' data-requires-python="&gt;=3.8"',
        " data-yanked",
        ' data-yanked="bad"',
        ' data-core-metadata="sha256=ab"',
        ' data-dist-info-metadata="true"',
        ' data-gpg-sig="true"',
        ' data-provenance="../prov"',
        ' data-provenance="file:///x"',
        ' data-provenance="  "',
    ]
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


@st.composite
def anchors(draw: st.DrawFn) -> str:
    href = draw(HREFS)
    spaced = draw(st.sampled_from(["", " ", "\t", "&#9;", "\n"]))
    attrs = "".join(draw(st.lists(ATTRS, max_size=3)))
    text = draw(FILENAMES | st.just(""))
    return f'<a href="{spaced}{_escape(href)}{spaced}"{attrs}>{_escape(text)}</a>'


@FUZZ
@given(
    links=st.lists(anchors(), max_size=8),
    base=st.sampled_from(["", '<base href="https://mirror.example/x/">', '<base href="file:///">']),
    url=st.sampled_from(PAGE_URLS),
)
def test_html_pages_parse_as_entry_by_entry(links: list[str], base: str, url: str) -> None:
    content = f"<html><head>{base}</head><body>{''.join(links)}</body></html>"
    _assert_same_as_entry_by_entry(content.encode(), "text/html", url)


# --------------------------------------------------------------------------- stored pages


STORED = sorted(
    [
        *(Path(__file__).parent / "pages").glob("*project*"),
        *(Path(__file__).parent.parent / "data" / "pages").glob("*.json"),
    ]
)


def _content_type(path: Path) -> str:
    if path.suffix == ".json":
        return JSON
    return "text/html; charset=latin-1" if path.name.startswith("latin1-") else "text/html"


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.name)
def test_stored_pages_parse_as_entry_by_entry(path: Path) -> None:
    content_type = _content_type(path)
    for url in PAGE_URLS:
        _assert_same_as_entry_by_entry(path.read_bytes(), content_type, url)


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.name)
def test_stored_pages_take_the_deferred_path(path: Path) -> None:
    # What real indexes write passes the bulk checks: nothing is built while parsing.
    content_type = _content_type(path)
    page = parse_project_page(path.read_bytes(), content_type, PAGE_URLS[0])
    files = page_files(page)
    assert type(files).__name__ in ("_JsonFiles", "_HtmlFiles")
    assert not any(files._built)


# --------------------------------------------------------------------------- the models


def _static_page(count: int) -> bytes:
    """A page shaped like a static mirror's (relative links, hashes, PEP 658)."""
    entries = [
        {
            "filename": f"proj-1.{i}.0-py3-none-any.whl",
            "url": f"../../files/proj-1.{i}.0-py3-none-any.whl",
            "hashes": {"sha256": f"{i:064x}"},
            "requires-python": ">=3.8",
            "core-metadata": {"sha256": f"{i:064x}"},
            "size": 1000 + i,
        }
        for i in range(count)
    ]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "proj", "files": entries}).encode()


def test_files_are_built_once_on_first_read() -> None:
    page = parse_project_page(_static_page(40), JSON, PAGE_URLS[0])
    files = page_files(page)
    assert len(files) == 40
    assert not any(files._built)
    first = files.file(7)  # one file, as a choice builds it
    assert sum(f is not None for f in files._built) == 1
    assert files.file(7) is first
    built = page.files
    assert isinstance(built, tuple)
    assert len(built) == 40
    assert built[7] is first  # the tuple holds the objects built before
    assert page.files is built
    with _entry_by_entry():
        eager = parse_project_page(_static_page(40), JSON, PAGE_URLS[0])
    assert page == eager
    assert built == eager.files


def test_the_lazy_constructor_covers_every_field() -> None:
    # lazy_project_page sets the slots itself (as new_distribution_file does).
    assert [f.name for f in dataclasses.fields(ProjectPage)] == [
        "url",
        "name",
        "meta",
        "files",
        "versions",
    ]
    page = parse_project_page(_static_page(2), JSON, PAGE_URLS[0])
    assert page.url == PAGE_URLS[0]
    assert page.name == "proj"
    assert page.meta.api_version == "1.1"
    assert page.versions == ()


def test_lazy_pages_behave_as_built_ones() -> None:
    page = parse_project_page(_static_page(5), JSON, PAGE_URLS[0])
    with _entry_by_entry():
        eager = parse_project_page(_static_page(5), JSON, PAGE_URLS[0])
    assert not hasattr(page, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.files = ()  # type: ignore[misc]
    for copied in (
        pickle.loads(pickle.dumps(page)),
        copy.copy(parse_project_page(_static_page(5), JSON, PAGE_URLS[0])),
        copy.deepcopy(parse_project_page(_static_page(5), JSON, PAGE_URLS[0])),
        dataclasses.replace(parse_project_page(_static_page(5), JSON, PAGE_URLS[0])),
    ):
        assert copied == eager
        assert type(copied.files) is tuple
    assert {page: 1}[eager] == 1
    assert dataclasses.asdict(page) == dataclasses.asdict(eager)
    assert page.versions_available() == eager.versions_available()
    assert page.files_for_version("1.3.0") == eager.files_for_version("1.3")
    replaced = dataclasses.replace(page, files=page.files[:2])
    assert replaced.files == eager.files[:2]
    assert page_files(replaced).file(1) is page.files[1]


def test_a_page_made_by_hand_keeps_its_files() -> None:
    eager = parse_project_page(_static_page(3), JSON, PAGE_URLS[0])
    files = list(eager.files)
    page = ProjectPage("https://index.example/simple/proj/", None, eager.meta, files)  # type: ignore[arg-type]
    assert page.files is files  # type: ignore[comparison-overlap]  # as given, as before
    assert page_files(page).filenames() == [f.filename for f in files]
    assert page_files(page).file(2) is files[2]


# --------------------------------------------------------------------------- links in bulk

BASES = [
    "https://index.example/simple/holygrail/",
    "https://index.example/simple/holygrail",
    "https://index.example",
    "https://index.example/a//b/./c/?q=1#frag",
    "file:///srv/simple/holygrail/index.html",
    "http://127.0.0.1:8080/simple/x/",
    "https://user@index.example/simple/x/",
    "javascript:x",
]
# Mostly the characters of plain paths, so that whole lists pass often enough.
plain_chars = st.sampled_from(list("ab./\u00e9"))
chars = st.sampled_from(list("ab./%:;?#[]\\ \u00e9-_~@!$&'()*+,=\t\x00\x7f\x85\u2028\xa0"))
segments = st.lists(st.text(chars, max_size=5) | st.text(plain_chars, max_size=4), max_size=4).map(
    "/".join
)
references = (
    segments
    | st.tuples(st.integers(0, 4), segments).map(lambda parts: "../" * parts[0] + parts[1])
    | st.tuples(st.sampled_from(["https://", "http://", "HTTP://", "file://", "//"]), segments).map(
        "".join
    )
)


TRICKY = [
    "../.x",
    "../..x",
    ".x",
    "./x",
    "x/./y",
    "x/../y",
    "../../",
    "..",
    ".",
    "x/..",
    "x/.",
    "....//x",
    "..././x",
    "../x/",
    "x//",
    "../../../../../../x",
    "x#../y",
    "../x#frag ment",
    "http:x",
    "https:/x",
    "https://",
    "x\u0085",
    "\u00a0x",
    "//[x",
    "https://[x y",
    "https://[x\t",
    "http://[::1",
]


@FUZZ
@given(
    base=st.sampled_from(BASES),
    page=st.sampled_from(BASES),
    refs=st.lists(references | st.sampled_from(TRICKY), min_size=1, max_size=3),
    fragments=st.booleans(),
)
@example(base=BASES[0], page=BASES[0], refs=["../.x"], fragments=False)
@example(base=BASES[2], page=BASES[0], refs=["../../../x"], fragments=True)
@example(base=BASES[0], page=BASES[0], refs=["\u2003//[::1/x"], fragments=True)
@example(base=BASES[0], page=BASES[0], refs=["https://[x y"], fragments=False)
def test_links_passed_in_bulk_cannot_fail(
    base: str, page: str, refs: list[str], fragments: bool
) -> None:
    """Every reference cannot_fail accepts resolves, as urljoin would (absolute
    http(s) URLs are kept verbatim)."""
    resolver = _common.Resolver(base, page)
    if not resolver.cannot_fail(refs, fragments=fragments):
        return
    for ref in refs:
        location = ref.strip().partition("#")[0] if fragments else ref
        resolved = resolver.resolve(location)
        if location.startswith(("http://", "https://")):
            assert resolved == location
        else:
            assert resolved == urljoin(base, location)


@FUZZ
@given(
    base=st.sampled_from(BASES),
    page=st.sampled_from(BASES),
    refs=st.lists(references | st.sampled_from(TRICKY), min_size=1, max_size=3),
    fragments=st.booleans(),
)
@example(base=BASES[0], page=BASES[0], refs=["../.x"], fragments=False)
def test_the_shortcut_pattern_admits_only_shortcuts(
    base: str, page: str, refs: list[str], fragments: bool
) -> None:
    """The last of cannot_fail's checks: every reference the pattern admits (printable,
    without spaces) resolves by a shortcut of resolve(), without urljoin."""
    resolver = _common.Resolver(base, page)
    joined = " ".join(refs)
    if joined.count(" ") != len(refs) - 1 or not joined.isprintable():
        return
    if not _common._REFERENCES[resolver._shortcuts, fragments].fullmatch(joined):
        return
    join_url = _common.join_url

    def parents_only(base: str, ref: str, page_url: str) -> str:
        # A base of an unusual shape finds its parent directories with urljoin (the
        # same base the constructor joined already, a reference with no authority:
        # nothing there can fail); any other urljoin is not a shortcut.
        assert re.fullmatch(r"(?:\.\./)*x", ref), ref
        return join_url(base, ref, page_url)

    with mock.patch.object(_common, "join_url", side_effect=parents_only):
        for ref in refs:
            location = ref.partition("#")[0] if fragments else ref
            resolved = resolver.resolve(location)
            if location.startswith(("http://", "https://")):
                assert resolved == location
            else:
                assert resolved == urljoin(base, location)


@pytest.mark.parametrize(
    ("refs", "fragments"),
    [
        (["../../files/x-1.0.tar.gz#sha256=ab", "../../files/y.whl"], True),
        (["https://files.example/packages/ab/cd/x-1.0.tar.gz"] * 3, False),
        (["https://files.example/x-1.0.tar.gz#sha256=ab", "../x.whl#sha256=cd"], True),
        (["x-1.0.tar.gz", "sub/x-1.0.zip#md5=1"], True),
        (["h\u00e9/x-1.0.tar.gz"], False),
    ],
)
def test_links_real_pages_write_pass_in_bulk(refs: list[str], fragments: bool) -> None:
    assert _common.Resolver(PAGE_URLS[0], PAGE_URLS[0]).cannot_fail(refs, fragments=fragments)


@pytest.mark.parametrize(
    "ref",
    [
        "file:///x",
        "javascript:x",
        "//[::1/x",
        "//[x/y",
        "//]x",
        "https://[x y",
        " //[::1/x",
        "\t//[::1/x",
        "\u2003//[::1/x",
        "/\t/[::1/x",
        "x\u2028",
        "a b",
        "x\x00",
    ],
)
@pytest.mark.parametrize("fragments", [False, True])
def test_links_that_may_fail_are_resolved_one_by_one(ref: str, fragments: bool) -> None:
    resolver = _common.Resolver(PAGE_URLS[0], PAGE_URLS[0])
    assert not resolver.cannot_fail(["x", ref], fragments=fragments)
    # A base the page may not link: relative links may fail too.
    local = _common.Resolver("file:///srv/", PAGE_URLS[0])
    assert not local.cannot_fail(["x"], fragments=fragments)


# --------------------------------------------------------------------------- version texts

filename_parts = st.sampled_from(
    [
        "proj",
        "Proj_x",
        "1.0",
        "1.0.0",
        "v1.0",
        "01.0",
        "1!2.0",
        "1.0rc1",
        "1.0+loc",
        "bad",
        "",
        "7",
        "7x",
        "py3",
        "none",
        "any",
        "cp311",
        "1.0.post1.dev2",
        " 1.0",
        "1..0",
    ]
)
filenames = st.one_of(
    st.text(max_size=40),
    st.tuples(
        st.lists(filename_parts, min_size=1, max_size=7),
        st.sampled_from([".whl", ".tar.gz", ".zip", ".WHL", ".tar.bz2", ".egg", ""]),
    ).map(lambda parts: "-".join(parts[0]) + parts[1]),
)


@FUZZ
@given(names=st.lists(filenames, max_size=6))
def test_version_texts_are_where_parse_filename_reads_versions(names: list[str]) -> None:
    from packaging.version import Version

    for name in names:
        info = parse_filename(name)
        text = version_text(name)
        if info.version is not None:
            assert text is not None
            assert Version(text) == info.version
    assert version_texts(names) == [version_text(name) or "" for name in names]


def _wheel(parts: list[str]) -> str:
    return "-".join(parts) + ".whl"


# Pages of wheels only, all with or all without a build tag: read in bulk. Some lists
# get one name of another shape (fewer or more dashes, a newline, another suffix, an
# sdist), which sends the whole list back to the loop, or a newline inside a field.
uniform_wheels = st.integers(4, 5).flatmap(
    lambda dashes: st.lists(
        st.lists(filename_parts, min_size=dashes + 1, max_size=dashes + 1).map(_wheel),
        min_size=1,
        max_size=12,
    )
)
odd_names = st.sampled_from(
    [
        "a-1.0-py3-any.whl",
        "a-1.0-1-2-py3-none-any.whl",
        "a-1.0-py3-none-any.WHL",
        "a-1.0-py3-none-any.whl\n",
        "a-1.0\n-py3-none-any.whl",
        "a\n-1.0-py3-none-any.whl",
        "a-1.0-py3-none-\nany.whl",
        "a-1.0.tar.gz",
        "a-1.0-1-py3-none-any.whl",
        "a-1.0-py3-none-any.whl",
        "",
    ]
)


@FUZZ
@given(names=uniform_wheels, odd=st.lists(st.tuples(st.integers(0, 12), odd_names), max_size=2))
def test_version_texts_of_wheel_pages_are_read_in_bulk(
    names: list[str], odd: list[tuple[int, str]]
) -> None:
    from indexclient.simple.filenames import _wheel_version_texts

    if not odd:
        assert _wheel_version_texts(names) is not None  # the bulk path
    for position, name in odd:
        names.insert(position, name)
    assert version_texts(names) == [version_text(name) or "" for name in names]


def test_newlines_in_wheel_names_cannot_shift_the_bulk_read() -> None:
    # 3 dashes and 5, with newlines placed so that every field the bulk read looks at
    # holds one: only the count of newlines tells these names from aligned ones.
    names = ["p-1-t-u\nv.whl", "r-2\nq-s-w-y-z.whl"]
    assert version_texts(names) == ["", "2\nq"]
