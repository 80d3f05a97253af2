"""The fast core-metadata header reader against packaging and the email package.

Whatever the text, either :mod:`indexclient.simple._headers` declines it (``None``: the
email package reads it) or it gives exactly what the reference gives: the headers and
body of ``email.parser.Parser(policy=compat32)``, the ``(raw, unparsed)`` pair of
``packaging.metadata.parse_email`` with its dicts in the same order, and the same
``to_json``. Texts are generated from the pieces metadata files are made of (every
field, case variants, folding, bodies, repeated fields) and from junk (carriage
returns, NULs, encoded words, surrogates, colons and whitespace anywhere); stored
metadata (the test suite's own, and every ``METADATA`` installed beside packaging)
must give the same :class:`CoreMetadata` either way.
"""

from __future__ import annotations

import ast
import email.message
import email.parser
import email.policy
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import packaging
import packaging.metadata
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexclient.errors import MetadataError
from indexclient.simple import _coremeta, _headers
from indexclient.simple.metadata import CoreMetadata, parse_metadata

URL = "https://127.0.0.1/packages/frobnicate-1.0-py3-none-any.whl.metadata"
# About 2,000 generated texts in all: generating them, not parsing, takes the time.
PROPERTY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLEAN = settings(PROPERTY, max_examples=250)
JUNK = settings(PROPERTY, max_examples=1200)
TESTS = Path(__file__).parent.parent
INSTALLED = Path(packaging.__file__).parent.parent  # the site-packages packaging is in

Ordered = tuple[list[tuple[str, Any]], list[tuple[str, list[str]]]]


@contextmanager
def email_only() -> Iterator[None]:
    """Everything read by the email package, as before the fast reader."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_headers, "read_headers", lambda text, decoded=False: None)
        yield


def ordered(result: tuple[Any, dict[str, list[str]]]) -> Ordered:
    raw, unparsed = result
    return list(raw.items()), list(unparsed.items())


def email_reference(text: str) -> tuple[list[tuple[str, Any]], Any]:
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
    return list(message.items()), message.get_payload()


def json_outcome(text: str) -> object:
    """The JSON fields of ``text`` in order, or the exception computing them raised (the
    email package cannot take every surrogate: nothing read from bytes holds one)."""
    try:
        return list(_coremeta._json_fields(text).items())
    except UnicodeError as exc:
        return type(exc)


def agree(text: str) -> bool:
    """Check the fast reader against the references; True if it read ``text``."""
    decoded = _headers._surrogate_free(text)
    read = _headers.read_headers(text)
    assert _headers.read_headers(text, decoded=decoded) == read
    parsed = _headers.parse_email(text)
    assert (parsed is None) == (read is None)
    fast_json = json_outcome(text)
    with email_only():
        assert json_outcome(text) == fast_json
    if read is None:
        return False
    assert parsed is not None
    assert read == email_reference(text)
    assert ordered(parsed) == ordered(packaging.metadata.parse_email(text))
    return True


# --- generated texts -----------------------------------------------------------------

FIELDS = [
    *(name.title() for name in _headers._EMAIL_TO_RAW),
    *(name.title() for name in _headers._IMPORT_NAMES),
    "Home-page",
    "Author-email",
    "License-Expression",
    "X-Unknown-Field",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
    "From",
]
_CASES: list[Callable[[str], str]] = [str, str, str.lower, str.upper, str.swapcase]
_KNOWN_NAME = st.builds(
    lambda case, name: case(name), st.sampled_from(_CASES), st.sampled_from(FIELDS)
)
_RANDOM_NAME = st.one_of(
    st.text(alphabet="aZ-_.!~9:; \t=?é\x00", max_size=6),
    # Lines email reads in ways of its own: an envelope line, no name, a continuation.
    st.sampled_from(["From someone", "From", "", " x", "\tx"]),
)
# No "?" among the clean characters: "=?" would start an encoded word.
_CLEAN_CHARS = "aZ1.>=<,:; \t\"'é€😀\u00a0/-_()[]|"
_NASTY_CHARS = _CLEAN_CHARS + "?\n\r\x00\v\f\x1c\x85\u2028\ud800\udcff"
_SPECIAL = [
    "=?utf-8?q?caf=C3=A9?=",
    "=?iso-8859-1?b?4pyT?=",
    "From someone",
    "Name: x",
    "https://127.0.0.1/x, y",
    'x>=1; extra == "y"',
    "\n ",
    "\n\n",
    "\r\n",
]
_CLEAN_VALUE = st.text(alphabet=_CLEAN_CHARS, max_size=12)
# Mostly clean values, so that the fast path reads a good share of the nasty texts.
_NASTY_VALUE = st.one_of(
    _CLEAN_VALUE, st.text(alphabet=_NASTY_CHARS, max_size=12), st.sampled_from(_SPECIAL)
)


@st.composite
def _metadata(draw: st.DrawFn, *, clean: bool) -> str:
    value = _CLEAN_VALUE if clean else _NASTY_VALUE
    eol = st.just("\n") if clean else st.sampled_from(["\n"] * 8 + ["\r\n", "\r", ""])
    header = st.tuples(
        _KNOWN_NAME if clean else st.one_of(_KNOWN_NAME, _RANDOM_NAME),
        st.sampled_from(["", " ", " ", "  ", "\t", " \t"]),
        value,
        eol,
        st.lists(st.tuples(st.sampled_from([" ", "\t", "        ", " |"]), value, eol), max_size=2),
    )
    lines = []
    for drawn, after, first, end, folds in draw(st.lists(header, max_size=8)):
        name = "Summary" if clean and drawn.lower() == "content-type" else drawn
        lines.append(f"{name}:{after}{first}{end}")
        lines.extend(f"{fold}{text}{fold_end}" for fold, text, fold_end in folds)
    text = "".join(lines)
    if draw(st.booleans()):
        # Without a blank line, a line that is no header starts the body.
        separators = ["\n", "\n", "No header: "] if clean else ["\n", "", "\r\n", "\r"]
        separator = draw(st.sampled_from(separators))
        body = st.text(alphabet=_CLEAN_CHARS + "\n" if clean else _NASTY_CHARS, max_size=40)
        text += separator + draw(body)
    return text


@PROPERTY
@given(_metadata(clean=False))
@example("Name: x\n\r\nbody")
@example("Name: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n")
@example("Name: x\nDescription: d\n\nbody")
@example("Name: x\nname: y\nNAME: z\n")
@example("Project-URL: a, b\nproject-url: a , c\n")
@example("Keywords: a, ,b\nKeywords: c\n")
@example("Import-Name: \nImport-Namespace: \n")
def test_generated_metadata_reads_as_packaging_does(text: str) -> None:
    agree(text)


@CLEAN
@given(_metadata(clean=True))
def test_metadata_of_the_usual_shapes_takes_the_fast_path(text: str) -> None:
    assert agree(text)


@JUNK
@given(st.text(alphabet=st.sampled_from(list("Nam:e- \t\n\r=?,\x00é\ud800F")), max_size=60))
def test_random_text_reads_as_packaging_does(text: str) -> None:
    agree(text)


# --- stored metadata -----------------------------------------------------------------


def _literals() -> list[bytes]:
    """Every metadata-like str or bytes literal in the other tests."""
    found: set[bytes] = set()
    for path in sorted(TESTS.rglob("*.py")):
        if path.name == Path(__file__).name:  # this file's texts are checked where written
            continue
        source = path.read_text(encoding="utf-8")
        if "Name:" not in source and "Metadata-Version:" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
                data = node.value if isinstance(node.value, bytes) else node.value.encode()
                if b"Name:" in data or b"Metadata-Version:" in data:
                    found.add(data)
    return sorted(found)


LITERALS = _literals()
INSTALLED_FILES = sorted(INSTALLED.glob("*.dist-info/METADATA"))


def test_the_stored_metadata_is_there() -> None:
    assert len(LITERALS) >= 35
    assert len(INSTALLED_FILES) >= 10


def _core_view(core: CoreMetadata) -> tuple[object, ...]:
    metadata = core.metadata
    built = None
    if metadata is not None:
        built = {
            name: repr(getattr(metadata, name))
            for name in packaging.metadata.RawMetadata.__annotations__
        }
    # Key order counts; the email path leaves the parts of a multipart file in
    # ``unparsed`` as Message objects, compared by their text.
    return (
        json.dumps(ordered((core.raw_fields, dict(core.unparsed))), default=_message_text),
        core.valid,
        core.problems,
        list(core.to_json().items()),
        json.dumps(core.to_memo(), default=_message_text),
        built,
    )


def _message_text(value: object) -> str:
    assert isinstance(value, email.message.Message), value
    return value.as_string()


def _same_either_way(raw: bytes) -> bool:
    """parse_metadata with and without the fast reader; True if the fast path read it."""
    text = _coremeta._decode(raw)[0]
    fast = _headers.parse_email(text, decoded=True) is not None
    try:
        core = _core_view(parse_metadata(raw, URL))
    except MetadataError as exc:
        core = ("error", str(exc))
    with email_only():
        try:
            reference = _core_view(parse_metadata(raw, URL))
        except MetadataError as exc:
            reference = ("error", str(exc))
    assert core == reference
    return fast


@pytest.mark.parametrize("raw", LITERALS, ids=range(len(LITERALS)))
def test_test_suite_metadata_gives_the_same_core_metadata(raw: bytes) -> None:
    _same_either_way(raw)


def test_most_of_the_test_suite_metadata_takes_the_fast_path() -> None:
    fast = [raw for raw in LITERALS if _same_either_way(raw)]
    assert len(fast) >= len(LITERALS) * 3 // 4


@pytest.mark.parametrize("path", INSTALLED_FILES, ids=lambda p: p.parent.name)
def test_installed_metadata_gives_the_same_core_metadata(path: Path) -> None:
    raw = path.read_bytes()
    _same_either_way(raw)
    agree(_coremeta._decode(raw)[0])


def test_installed_metadata_takes_the_fast_path() -> None:
    # Real files, as build backends write them; one with CRLF line ends, say, would not.
    fast = [path for path in INSTALLED_FILES if _same_either_way(path.read_bytes())]
    assert len(fast) >= len(INSTALLED_FILES) * 9 // 10


# --- the semantics, pinned -----------------------------------------------------------


def test_values_keep_folding_and_trailing_spaces_and_lose_leading_ones() -> None:
    text = "Summary: \t a  \nDescription:\n   line one\n\tline two\n \nLicense: \n"
    assert _headers.read_headers(text) == (
        [
            ("Summary", "a  "),
            ("Description", "\n   line one\n\tline two\n "),
            ("License", ""),
        ],
        "",
    )
    assert agree(text)


def test_a_line_that_is_no_header_starts_the_body() -> None:
    for line in ("Bad Name: x\n", "no colon\n", "Nämé: x\n", "\x00x: y\n"):
        text = f"Name: a\n{line}Version: 1\n"
        assert _headers.read_headers(text) == ([("Name", "a")], f"{line}Version: 1\n")
        assert agree(text)


def test_the_blank_line_is_dropped_and_the_body_kept_as_written() -> None:
    assert _headers.read_headers("Name: a\n\n\n body\r\n\x00") == (
        [("Name", "a")],
        "\n body\r\n\x00",
    )
    assert _headers.read_headers("\nName: a\n") == ([], "Name: a\n")
    assert _headers.read_headers("") == ([], "")


def test_repeated_single_use_fields_and_two_descriptions_go_to_unparsed() -> None:
    text = "Name: a\nname: b\nVersion: 1\nDescription: header\n\nbody"
    parsed = _headers.parse_email(text)
    assert parsed == ({"version": "1"}, {"name": ["a", "b"], "description": ["header", "body"]})
    assert agree(text)


@pytest.mark.parametrize(
    "text",
    [
        "Name: a\r\nVersion: 1\r\n",  # carriage returns end lines in email
        "Name: a\rVersion: 1\n",
        "Name: a\n\r\nbody",
        "Name: a\x00\n",
        "Name: a\x85b\n",
        "Name: a\u2028b\n",
        "Name: \ud800\n",
        "Name: a\n\nbody \udcff",
        "Summary: =?utf-8?q?caf=C3=A9?=\nName: a\n",
        "Name: a\ncontent-TYPE: multipart/mixed\n\nbody",
        "From someone\nName: a\n",
        "Name: a\nFrom someone\n",
        ":no name\nName: a\n",
        " folded first\nName: a\n",
    ],
)
def test_what_the_fast_path_declines(text: str) -> None:
    assert _headers.read_headers(text) is None
    assert _headers.parse_email(text) is None
    agree(text)


def test_a_surrogate_free_decoded_body_is_not_searched() -> None:
    assert _headers.read_headers("Name: a\n\nbody \udcff", decoded=True) == (
        [("Name", "a")],
        "body \udcff",
    )


# --- the packaging releases it repeats -----------------------------------------------


def test_the_tables_are_packagings() -> None:
    tables = _headers._tables(packaging.__version__)
    assert tables is not None, (
        f"packaging {packaging.__version__}: compare parse_email, then add it"
    )
    email_to_raw, list_fields = tables
    assert email_to_raw == packaging.metadata._EMAIL_TO_RAW_MAPPING
    assert list_fields == packaging.metadata._LIST_FIELDS
    assert _headers._STRING_FIELDS == packaging.metadata._STRING_FIELDS
    assert tables == _headers._PACKAGING_TABLES


def test_only_compared_packaging_releases_take_the_fast_path() -> None:
    for version in ("24.1", "26.5", "27.0", "26.0rc1", "26.4.dev0", "x"):
        assert _headers._tables(version) is None
    older = _headers._tables("24.2")
    assert older is not None
    assert "import-name" not in older[0]
    assert "import_names" not in older[1]
    assert _headers._tables("25.0") == older
    for version in ("26.0", "26.3.1", "26.4"):
        newer = _headers._tables(version)
        assert newer is not None
        assert newer[0]["import-name"] == "import_names"


def test_another_packaging_release_takes_the_email_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_headers, "_PACKAGING_TABLES", None)
    assert _headers.parse_email("Name: a\nVersion: 1\n") is None
    assert parse_metadata(b"Name: a\nVersion: 1\n", URL).raw_fields == {"name": "a", "version": "1"}


# --- the email package stays unloaded ------------------------------------------------

_PROBE = """
import json, sys
from indexclient.simple.metadata import parse_metadata
core = parse_metadata(sys.argv[1].encode("latin-1"), "https://127.0.0.1/x.metadata")
answer = (core.name, core.requires_dist, core.to_json())
heavy = ("email.", "packaging.metadata")
loaded = sorted(m for m in sys.modules if m == "email" or m.startswith(heavy))
print(json.dumps(loaded))
"""


def _loaded_by_parsing(raw: bytes) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, raw.decode("latin-1")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    loaded: list[str] = json.loads(completed.stdout.splitlines()[-1])
    return loaded


def test_parsing_a_plain_file_loads_neither_email_nor_packaging_metadata() -> None:
    plain = b"Metadata-Version: 2.2\nName: frob\nVersion: 1.0\nRequires-Dist: x>=1\n\nA body.\n"
    assert _loaded_by_parsing(plain) == []
    # The email path is still there, loaded when a file needs it (and the probe sees it).
    loaded = _loaded_by_parsing(plain.replace(b"\n", b"\r\n"))
    assert "email.parser" in loaded
    assert "packaging.metadata" in loaded
