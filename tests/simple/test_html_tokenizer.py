"""The dedicated HTML tokenizer against the stdlib-based one (the reference).

Whatever the page, either the fast tokenizer declines it (``scan`` returns ``None``: the
stdlib parser then reads it) or the two give the same anchors, metas and base href.
Pages are generated from the pieces PEP 503 pages are made of (every PEP 503, 592, 629,
658, 714 and 740 attribute, entities, comments, scripts, case and whitespace variants,
unquoted values) and from junk; stored pages in the shapes real index software writes
must be accepted by the fast path and agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexclient.errors import ParseError
from indexclient.simple import _html, parse_index_page, parse_project_page
from indexclient.simple._anchors import Tokens, scan
from indexclient.simple._html import stdlib_scan

URL = "https://index.example/simple/frobnicate/"
STORED = Path(__file__).parent.parent / "data" / "html"
HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Anchors = list[tuple[dict[str, str | None], str]]
Result = tuple[Anchors, list[str | None], list[str], bool, list[tuple[str, str]], str | None]


def _result(tokens: Tokens) -> Result:
    # hrefs and texts: what the models are built from before any attribute is read.
    return (
        tokens.anchors,
        tokens.hrefs,
        tokens.texts,
        tokens.provenance,
        tokens.metas,
        tokens.base_href,
    )


def _reference(text: str) -> Result | None:
    """The stdlib tokenizer's result, or ``None`` when it refuses the page."""
    try:
        return _result(stdlib_scan(text, URL))
    except ParseError:
        return None


def _agree(text: str) -> bool:
    """Check the fast tokenizer against the reference; True if it accepted the page."""
    fast = scan(text)
    if fast is None:
        return False
    reference = _reference(text)
    assert reference is not None, "the fast path accepted a page the stdlib refuses"
    assert _result(fast) == reference
    # An anchor with a PEP 740 link has its attributes read (the page checks the link).
    for attrs, (read, _) in zip(fast.attrs, fast.anchors, strict=True):
        assert isinstance(attrs, dict) or "data-provenance" not in read
    return True


def _lazy(tokens: Tokens) -> list[bool]:
    """For each anchor, whether its attributes were left unread (a run of anchors)."""
    return [isinstance(attrs, str) for attrs in tokens.attrs]


# --- generated pages ---------------------------------------------------------------

_SPACE = st.sampled_from([" ", "  ", "\n", "\t", "\r\n", "\f", "\n    "])
_OPTIONAL_SPACE = st.sampled_from(["", "", " ", "\n", "\t "])


@st.composite
def _case(draw: st.DrawFn, name: str) -> str:
    """``name`` with each letter's case drawn (tag and attribute names)."""
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.upper() if flip else c for c, flip in zip(name, flips, strict=True))


_FILENAME = st.sampled_from(
    [
        "frobnicate-1.0.tar.gz",
        "frobnicate-1.0-py3-none-any.whl",
        "Frobnicate-2.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl",
        "frobnicate-0.9.zip",
        "frob&amp;nicate-1.0.tar.gz",
        "frob%20nicate-1.0.tar.gz",
    ]
)
_FRAGMENT = st.sampled_from(
    [
        "",
        f"#sha256={HEX}",
        f"#SHA256={HEX}",
        "#md5=0123abcd",
        "#egg=frobnicate",
        "#",
        "#a=1&amp;b=2",
    ]
)
_PREFIX = st.sampled_from(
    ["", "../../files/", "/files/", "https://files.example/p/", "sub/dir/", "./", "?x=1&y=2/"]
)
_ENTITY_VALUE = st.sampled_from(
    [
        "&gt;=3.8",
        "&gt;=3.8,&lt;4",
        ">=3.9",
        "&gt;=3.8, !=3.9.*",
        "&amp;gt;=3.9",
        "&#62;=3.7",
        "&#x3E;=3.7",
        "&gt=3.8",
        "&notit;",
        "&copy=1",
        "&ampx",
        "&hellip;",
        "a&b=c",
        "&",
        "&#;",
        "",
        " &lt;4 ",
        "true",
        "false",
        "TRUE",
        f"sha256={HEX}",
        "broken &lt;metadata&gt; &amp; more",
    ]
)
_ATTRIBUTE_NAME = st.sampled_from(
    [
        "href",
        "data-requires-python",
        "data-yanked",
        "data-dist-info-metadata",
        "data-core-metadata",
        "data-gpg-sig",
        "data-provenance",
        "rel",
        "class",
        "title",
        "name",
        "content",
    ]
)


@st.composite
def _quoted(draw: st.DrawFn, value: str) -> str:
    """``value`` written in double, single or no quotes (whichever can hold it, and
    sometimes one that cannot: the tokenizers must still agree)."""
    style = draw(st.sampled_from(['"', "'", "", '"', "'", ""]))
    if style == '"' and '"' not in value:
        return f'"{value}"'
    if style == "'" and "'" not in value:
        return f"'{value}'"
    return value if value else '""'


@st.composite
def _attribute(draw: st.DrawFn) -> str:
    name = draw(_ATTRIBUTE_NAME.flatmap(_case))
    kind = draw(st.sampled_from(["href", "value", "value", "bare", "empty"]))
    if kind == "bare":
        return name
    if kind == "empty":
        return f'{name}=""'
    if kind == "href":
        value = draw(_PREFIX) + draw(_FILENAME) + draw(_FRAGMENT)
    else:
        value = draw(_ENTITY_VALUE)
    before, after = draw(_OPTIONAL_SPACE), draw(_OPTIONAL_SPACE)
    return f"{name}{before}={after}{draw(_quoted(value))}"


@st.composite
def _start_tag(draw: st.DrawFn, tag: str) -> str:
    attributes = draw(st.lists(_attribute(), max_size=5))
    head = draw(_case(tag))
    parts = "".join(draw(_SPACE) + a for a in attributes)
    close = draw(st.sampled_from([">", ">", "/>", " />", " >"]))
    return f"<{head}{parts}{close}"


@st.composite
def _anchor(draw: st.DrawFn) -> str:
    href = draw(_PREFIX) + draw(_FILENAME) + draw(_FRAGMENT)
    head = draw(_case("a"))
    attributes = [f"{draw(_case('href'))}={draw(_quoted(href))}"]
    attributes += draw(st.lists(_attribute(), max_size=5))
    order = draw(st.permutations(attributes))
    text = draw(st.one_of(_FILENAME, _TEXT))
    end = draw(st.sampled_from(["</a>", "</A>", "</a >", "</a\n>", "", "</ a>"]))
    tail = draw(st.sampled_from(["<br/>", "<br>", "<BR />", "\n", ""]))
    return f"<{head}{''.join(draw(_SPACE) + a for a in order)}>{text}{end}{tail}"


_TEXT = st.sampled_from(
    [
        "frobnicate",
        "  spaced  ",
        "x &amp; y",
        "&lt;not a tag&gt;",
        "a < b",
        "1 <2",
        "&#45;&#x2D;",
        "&copy 2026",
        "&notit; &notin;",
        "&",
        "&#",
        "&am",
        "tail&",
        "caf\u00e9 \u00a0nbsp",
    ]
)
_JUNK = st.sampled_from(
    [
        "<!-- a comment -->",
        '<!-- <a href="hidden.tar.gz">hidden</a> -->',
        "<!---->",
        "<!-->",
        "<!--->",
        "<!-- a -- b -->",
        "<!-- x --!>",
        "<!-- x --->",
        "<!DOCTYPE html>",
        "<!doctype html>",
        '<?xml version="1.0"?>',
        "<![CDATA[ <a href='x'>x</a> ]]>",
        "<!ELEMENT x>",
        "<script>var a = \"<a href='in-script'>x</a>\";</script>",
        "<script type='text/javascript'>if (a < b) { go(); }</script>",
        "<SCRIPT>x</SCRIPT >",
        "<script>document.write('</div>')</script>",
        "<script><!-- x --></script>",
        "<script/>",
        "<style>a > b { color: red }</style>",
        "<title>Links for frobnicate</title>",
        "<title>a <b> c</title>",
        "<textarea>&lt;a&gt;</textarea>",
        "<svg><title>t</title></svg>",
        "<math></math>",
        "<xmp><a href=x>x</a></xmp>",
        "<iframe></iframe>",
        "<noscript><a href=n>n</a></noscript>",
        "<plaintext>",
        "<p>",
        "</p>",
        "<div class=listing>",
        "</div>",
        "<span>",
        "</span>",
        "<pre>",
        "</>",
        "</ a>",
        "</3>",
        "</a x>",
        "< a>",
        "<3",
        "<",
        "&",
        "<a href='unterminated>x</a>",
        '<a href="x" "junk">x</a>',
        "<a href=x/>x</a>",
        "<a href==x>x</a>",
        "<a href= >x</a>",
        "<a/href=x>x</a>",
        '<a href="x"title="t">x</a>',
        "<a href=x\u00a0y>x</a>",
        "<a\vhref=x>x</a>",
        "<a href=a<b>x</a>",
        "<a href=`x`>x</a>",
        '<a href="x" href="y">first wins</a>',
        '<a HREF="x" href="y">first wins</a>',
        "<a name=anchor>no href</a>",
        "<a href>bare href</a>",
        "<a href=''>empty href</a>",
        '<a href="outer.tar.gz">outer <a href="inner.tar.gz">inner</a>',
        "<a href=x><span>in</span> span</a>",
        "<a href=x>in<!-- c -->side</a>",
        "<a href=x>x&am<!-- c -->p;y</a>",
        "<a href=x><script>raw &amp; text</script></a>",
        "<a href=x><title>t&amp;t</title></a>",
        "<base href='../../other/'>",
        "<BASE target=_blank>",
        "<base href=https://base.example/x/>",
        '<meta name="pypi:repository-version" content="1.1">',
        "<META NAME=pypi:tracks CONTENT=https://up.example/simple/frobnicate/>",
        '<meta name=" PyPI:Project-Status " content="Archived">',
        '<meta content="x">',
        '<meta name="pypi:project-status-reason" content="&quot;why&quot; &amp; how">',
        "\x00",
        "\r\n",
    ]
)


@st.composite
def _page(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                _anchor(),
                _JUNK,
                _TEXT,
                _start_tag("meta"),
                _start_tag("base"),
                _start_tag("a"),
                _start_tag("div"),
            ),
            max_size=12,
        )
    )
    separator = draw(st.sampled_from(["\n", "", " "]))
    return separator.join(parts)


@st.composite
def _clean_page(draw: st.DrawFn) -> str:
    """A page of the shapes indexes write: the fast path must accept it."""
    anchors = draw(st.lists(_clean_anchor(), max_size=8))
    head = draw(
        st.sampled_from(
            [
                "<!DOCTYPE html>\n<html><head><title>Links for frobnicate</title></head><body>",
                '<html>\n<head><meta name="pypi:repository-version" content="1.1"></head>\n',
                "<!-- generated -->\n<HTML><BODY><H1>Links</H1>",
                "",
            ]
        )
    )
    return head + "\n".join(anchors) + "\n</body></html>\n"


@st.composite
def _clean_anchor(draw: st.DrawFn) -> str:
    href = draw(_PREFIX) + draw(_FILENAME) + draw(_FRAGMENT)
    names = draw(st.lists(_ATTRIBUTE_NAME.filter(lambda n: n != "href"), max_size=4, unique=True))
    values = [
        draw(
            st.sampled_from(
                ["&gt;=3.8", "&gt;=3.8,&lt;4", "", "true", f"sha256={HEX}", "1 &amp; 2"]
            )
        )
        for _ in names
    ]
    attributes = f' href="{href}"' + "".join(
        f' {n}="{v}"' if v else f" {n}" for n, v in zip(names, values, strict=True)
    )
    text = draw(_FILENAME)
    return f"<{draw(_case('a'))}{attributes}>{text}</a><br/>"


@PROPERTY
@given(_page())
def test_generated_pages_tokenize_as_the_stdlib_does(text: str) -> None:
    _agree(text)


@PROPERTY
@given(_clean_page())
def test_pages_of_the_usual_shapes_take_the_fast_path(text: str) -> None:
    assert _agree(text)


@PROPERTY
@given(
    st.text(
        alphabet=st.sampled_from(list("<>/!?-=&#;'\" \t\n\vaAbBhHrReEfF12xX:.\u00a0sStTcCpP")),
        max_size=80,
    )
)
def test_random_markup_tokenizes_as_the_stdlib_does(text: str) -> None:
    _agree(text)


@PROPERTY
@given(st.lists(st.sampled_from(["<a href=", "x", ">", "<", "</a>", "&amp;", "'", '"', " "])))
def test_fragments_of_anchors_tokenize_as_the_stdlib_does(parts: list[str]) -> None:
    _agree("".join(parts))


# --- runs of anchors in the usual shape, read in bulk ----------------------------------

# Values of the run shape (double-quoted): _ENTITY_VALUE's, and references at the very
# end of a value, where the check over the joined sources sees the closing quote.
_RUN_VALUE = st.one_of(
    _ENTITY_VALUE.filter(lambda v: '"' not in v),
    st.sampled_from(["&amp", "a&lt", "&gt;&gt;", "&amp&gt;", "&#62", "&notin", "&notin;"]),
)
# Values whose references the stdlib versions decode differently: a page with one
# leaves the fast path (and may, conservatively, when it is on a repeated attribute).
_DISAGREEING = ("&gt=3.8", "&notit;", "&copy=1", "&ampx", "&notin")


@st.composite
def _run_anchor(draw: st.DrawFn) -> tuple[str, list[str]]:
    """An anchor of the run shape, and the values it holds."""
    href = draw(_PREFIX) + draw(_FILENAME) + draw(_FRAGMENT)
    names = draw(st.lists(_ATTRIBUTE_NAME, max_size=4))  # repeats: the first counts
    values = [draw(_RUN_VALUE) for _ in names]
    attributes = f'{draw(_SPACE)}href="{href}"' + "".join(
        f'{draw(_SPACE)}{n}="{v}"' for n, v in zip(names, values, strict=True)
    )
    text = draw(st.one_of(_FILENAME, _TEXT.filter(lambda t: "<" not in t), st.just("")))
    tail = draw(st.sampled_from(["<br>", "<br/>", "<br />", "<br\n>", "\n", "", " x &amp; "]))
    return f"<a{attributes}>{text}</a>{tail}", [href, *values]


@st.composite
def _run_page(draw: st.DrawFn) -> tuple[str, bool]:
    """A page of anchors in the run shape; whether a value has disagreeing references."""
    drawn = draw(st.lists(_run_anchor(), min_size=1, max_size=8))
    head = draw(st.sampled_from(["", "<!DOCTYPE html>\n<html><body>\n", "<h1>Links</h1>\n"]))
    page = head + "".join(anchor for anchor, _ in drawn) + "</body></html>\n"
    disagreeing = any(bad in v for _, values in drawn for v in values for bad in _DISAGREEING)
    return page, disagreeing


@PROPERTY
@given(_run_page())
def test_runs_of_usual_anchors_are_read_in_bulk_and_agree(drawn: tuple[str, bool]) -> None:
    text, disagreeing = drawn
    if disagreeing:
        # The stdlib versions differ: the page leaves the fast path, or agrees.
        _agree(text)
        return
    assert _agree(text)
    tokens = scan(text)
    assert tokens is not None
    # Every anchor came from a run: attributes unread, but those with a PEP 740 link.
    read = tokens.anchors
    assert _lazy(tokens) == ["data-provenance" not in attrs for attrs, _ in read]


@PROPERTY
@given(st.lists(st.one_of(_run_anchor().map(lambda a: a[0]), _anchor(), _JUNK, _TEXT), max_size=10))
def test_runs_mixed_with_anything_tokenize_as_the_stdlib_does(parts: list[str]) -> None:
    _agree("".join(parts))


_RUN_OF_TWO = '<a href="r1">one</a><br>\n<a href="r2" data-requires-python="&gt;=3.8">two</a>\n'


@pytest.mark.parametrize(
    "odd",
    [
        '<A href="x">x</A>',  # upper-case tag
        '<a HREF="x">x</a>',  # upper-case attribute name
        "<a href='x'>x</a>",  # single quotes
        "<a href=x>x</a>",  # no quotes
        '<a title="t" href="x">x</a>',  # href not first
        '<a href="x" data-yanked>x</a>',  # a bare attribute
        '<a href="x" data-Yanked="">x</a>',
        "<a href=\"x\" data-yanked=''>x</a>",
        '<a href = "x">x</a>',
        '<a href="x" >x</a>',  # whitespace before ">"
        '<a href="x"/>x</a>',
        '<a href="x">x</A>',
        '<a href="x">x</a >',
        '<a href="x"><b>x</b></a>',  # markup in the text
        '<a href="x">x<!-- c --></a>',
        '<a href="x">x',  # not closed: the next anchor closes it
        '<a href="x" data-provenance="../p">x</a>',  # read at once (a link to check)
    ],
)
def test_anchors_outside_the_run_shape_are_read_one_by_one(odd: str) -> None:
    text = f"<body>{_RUN_OF_TWO}{odd}\n{_RUN_OF_TWO}</body>"
    assert _agree(text)
    tokens = scan(text)
    assert tokens is not None
    assert _lazy(tokens) == [True, True, False, True, True]


@pytest.mark.parametrize(
    "page",
    [
        '<a href="x" data-requires-python="&gt=3.8">x</a>',
        '<a href="x">x</a><a href="y" title="&notit;">y</a>',
        '<a href="&ampx">x</a>',
        '<a href="x" title="a&copy=1">x</a>',
    ],
)
def test_a_run_whose_references_the_stdlib_versions_read_differently_falls_back(
    page: str,
) -> None:
    assert scan(page) is None


def test_a_run_closes_an_open_anchor_and_keeps_the_first_repeated_attribute() -> None:
    text = '<a href=open>open &amp; text\n<a href="a&amp;b" href="c" title="&lt;t&gt;">t</a>'
    assert _agree(text)
    tokens = scan(text)
    assert tokens is not None
    assert _lazy(tokens) == [False, True]
    assert tokens.hrefs == ["open", "a&b"]
    assert tokens.anchors == [
        ({"href": "open"}, "open & text"),
        ({"href": "a&b", "title": "<t>"}, "t"),
    ]


def _references_agree_one_by_one(value: str) -> bool:
    """The reference check as first written: every named reference, one at a time."""
    from indexclient.simple import _anchors

    return all(
        _anchors._reference_agrees(name, following)
        for name, following in re.findall(r"&([a-zA-Z][a-zA-Z0-9]*)(.?)", value, re.DOTALL)
    )


_REFERENCE_PIECES = st.sampled_from(
    ["&", ";", "=", "\x00", '"', " ", "x", "gt", "lt", "amp", "quot", "notin", "copy", "#62"]
)


@PROPERTY
@given(st.lists(_REFERENCE_PIECES, max_size=12).map("".join))
def test_the_reference_check_steps_over_common_references_without_changing_answers(
    value: str,
) -> None:
    from indexclient.simple._anchors import _references_agree

    assert _references_agree(value) == _references_agree_one_by_one(value)


# --- stored pages --------------------------------------------------------------------

_ACCEPTED = sorted(p.name for p in STORED.glob("*.html") if not p.name.startswith("fallback-"))
_DECLINED = sorted(p.name for p in STORED.glob("fallback-*.html"))


def test_the_stored_pages_are_there() -> None:
    assert len(_ACCEPTED) == 5
    assert len(_DECLINED) == 3


@pytest.mark.parametrize("name", _ACCEPTED)
def test_stored_pages_take_the_fast_path_and_agree(name: str) -> None:
    text = (STORED / name).read_text(encoding="utf-8")
    assert _agree(text)
    assert scan(text) is not None
    assert _reference(text) is not None


@pytest.mark.parametrize("name", _DECLINED)
def test_stored_pages_outside_the_subset_fall_back(name: str) -> None:
    text = (STORED / name).read_text(encoding="utf-8")
    assert scan(text) is None
    # ... and the stdlib reads them: each still has its one file.
    page = parse_project_page(text.encode(), "text/html", URL)
    assert [f.filename for f in page.files] == ["frobnicate-1.0.tar.gz"]


@pytest.mark.parametrize("name", _ACCEPTED + _DECLINED)
def test_stored_pages_parse_to_the_same_models_either_way(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = (STORED / name).read_bytes()
    parse = parse_index_page if "index" in name else parse_project_page
    fast = parse(content, "text/html", URL)
    monkeypatch.setattr(_html, "scan", lambda text: None)
    assert parse(content, "text/html", URL) == fast


# --- the semantics, pinned -----------------------------------------------------------


def _anchors(text: str) -> list[tuple[dict[str, str | None], str]]:
    tokens = scan(text)
    assert tokens is not None
    assert _agree(text)
    return tokens.anchors


def test_names_are_case_insensitive_and_the_first_repeated_attribute_wins() -> None:
    assert _anchors('<A HREF="x" Href="y" data-Yanked>t</A>') == [
        ({"href": "x", "data-yanked": None}, "t")
    ]


def test_values_quoted_either_way_or_not_and_references_decoded_once() -> None:
    page = "<a href='a&amp;amp;b' data-requires-python=&gt;=3.8 title=\"&#60;&#x3e;\">&amp;lt;</a>"
    assert _anchors(page) == [
        ({"href": "a&amp;b", "data-requires-python": ">=3.8", "title": "<>"}, "&lt;")
    ]


def test_an_empty_value_differs_from_no_value() -> None:
    assert _anchors('<a href="" data-yanked="" data-gpg-sig>x</a>') == [
        ({"href": "", "data-yanked": "", "data-gpg-sig": None}, "x")
    ]


def test_an_unquoted_value_takes_a_trailing_slash() -> None:
    # <a href=x/> is not self-closing: the value is "x/" (both stdlib generations).
    assert _anchors("<a href=x/>t</a>") == [({"href": "x/"}, "t")]


def test_anchors_in_comments_scripts_and_styles_are_not_links() -> None:
    page = (
        '<!-- <a href="c">c</a> --><script>"<a href=s>s</a>"</script>'
        '<style>a[href="t"] {}</style><a href="real">real</a>'
    )
    assert _anchors(page) == [({"href": "real"}, "real")]


def test_link_text_is_decoded_chunk_by_chunk_across_markup() -> None:
    # A reference split by a comment is not one reference (as in the stdlib).
    assert _anchors("<a href=x>&am<!-- -->p; <b>&lt;</b> 1 < 2</a>") == [
        ({"href": "x"}, "&amp; < 1 < 2")
    ]


def test_script_text_inside_an_anchor_is_kept_raw() -> None:
    assert _anchors("<a href=x>a<script>&amp;</script>b</a>") == [({"href": "x"}, "a&amp;b")]


def test_an_anchor_inside_an_anchor_closes_it_and_an_open_one_ends_with_the_page() -> None:
    assert _anchors("<a href=1>one<a href=2>two") == [
        ({"href": "1"}, "one"),
        ({"href": "2"}, "two"),
    ]


def test_the_first_base_with_an_href_counts_and_metas_need_name_and_content() -> None:
    tokens = scan(
        "<base target=x><BASE HREF='b/'><base href='c/'>"
        "<meta name=' PyPI:Tracks ' content=' u '><meta name=n><meta content=c>"
    )
    assert tokens is not None
    assert tokens.base_href == "b/"
    assert tokens.metas == [("pypi:tracks", " u ")]


@pytest.mark.parametrize(
    "page",
    [
        "<a href=x>\x00</a>",  # NUL: parsers replace it or not
        "<a href=x>x</a><",  # "<" last
        "<a href='x>x</a>",  # unterminated quote: the stdlib refuses the page
        "<a href=x>x</a><!-- open",  # unterminated comment
        "<script>x",  # unterminated script
        "<a href=a<b>x</a>",  # "<" in an unquoted value
        "<a href==x>x</a>",  # "==": older stdlib drops the second "="
        '<a href="x"title=y>x</a>',  # no space between attributes
        "<a href=x\u00a0y>x</a>",  # non-HTML whitespace in a tag
        "<a\vhref=x>x</a>",
        "</ a>",  # end tags the versions read differently
        "</>",
        "<!-- a -- b -->",  # comments the versions end differently
        "<!-->",
        "<![CDATA[x]]>",
        "<!ELEMENT x>",
        "<script><!-- x --></script>",
        "<script>a</ script></script>",  # older versions end the script there
        "<script>a</script/></script>",  # newer versions end it there
        "<script/>",
        "<title>a <b></title>",
        "<svg></svg>",
        "<xmp></xmp>",
        "<a href='&notit;'>x</a>",  # references the versions decode differently
        "<a href='&copy=1'>x</a>",
        "<a href='&ampx'>x</a>",
    ],
)
def test_what_the_fast_path_declines(page: str) -> None:
    assert scan(page) is None


def test_query_strings_and_exact_references_stay_on_the_fast_path() -> None:
    assert _anchors("<a href='?a=1&b=2&amp;c=3&gt;&hellip;&#38;x'>x</a>") == [
        ({"href": "?a=1&b=2&c=3>\u2026&x"}, "x")
    ]
