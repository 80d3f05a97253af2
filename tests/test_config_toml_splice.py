"""Property tests of the TOML scanner and of splicing one value into a document's text.

Documents are generated as text with every TOML form the scanner must follow: the four
string kinds (holding ``#``, brackets, quotes and ``=``), numbers, booleans, date-times
with a space, arrays over one line or several with comments and trailing commas, inline
tables, dotted and quoted keys, table and array-of-tables headers, comments after
values, ``\\n`` or ``\\r\\n`` line endings. Every comment carries a unique marker so that
"no comment is lost" can be checked exactly.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexclient.settings.files._splice import SpliceError, append_items, set_key
from indexclient.settings.files._toml_scan import (
    MAX_KEY_PARTS,
    MAX_NESTING,
    Pair,
    ShapeError,
    check_shape,
    scan,
)
from indexclient.settings.files._write import _same

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- values as text

# Characters a string may hold, the troublesome ones often: they look like structure.
TRICKY = st.sampled_from(list("#[]{}=,.'\"\\ ab\t\n\u00e9\U0001f600"))
PLAIN = st.text(st.sampled_from(list("abc #[]{}=,.:/@")), max_size=12)


def basic_string(text: str) -> str:
    return tomli_w.dumps({"v": text})[4:-1]


SCALARS: st.SearchStrategy[str] = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.sampled_from(
        [
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "+5",
            "3.14",
            "-0.0",
            "6.02e23",
            "inf",
            "-inf",
            "nan",
            "true",
            "false",
            "1979-05-27 07:32:00Z",
            "1979-05-27T00:32:00.999999-07:00",
            "1979-05-27T07:32:00",
            "1979-05-27",
            "07:32:00",
        ]
    ),
    st.text(TRICKY, max_size=10).map(basic_string),
    PLAIN.map(lambda s: f"'{s}'"),
    st.lists(
        st.sampled_from(["a", "#", "[", '"', '""', "]", "\n", "=", "x\\\n  y"]), max_size=6
    ).map(lambda parts: '"""' + "".join(parts).replace('""', '"\\"') + '"""'),
    st.lists(st.sampled_from(["a", "#", "[", "'", "\n", "{", '"']), max_size=6)
    .map("".join)
    .filter(lambda s: "'''" not in s)
    .map(lambda s: f"'''{s}'''"),
    st.sampled_from(['"""a"""""', "'''b'''''", '"""\n"""', "''''''", '""', "''"]),
)


@dataclass
class Markers:
    """Hands out unique comment markers."""

    count: int = 0

    def comment(self) -> str:
        self.count += 1
        return f"# <c{self.count}> [x] = 'y' \""


def value_text(draw: st.DrawFn, markers: Markers, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["scalar"] * 4 + ["array", "inline"] * (depth < 3)))
    if kind == "scalar":
        return draw(SCALARS)
    if kind == "inline":
        names = draw(st.lists(st.sampled_from(["p", "q", "r s", "t.u"]), unique=True, max_size=3))
        entries = []
        for name in names:
            key = f'"{name}"' if " " in name else name
            entries.append(f"{key} = {value_text(draw, markers, depth + 1)}")
        return "{" + ", ".join(entries) + "}"
    items = [value_text(draw, markers, depth + 1) for _ in range(draw(st.integers(0, 3)))]
    return array_text(draw, markers, items)


def array_text(draw: st.DrawFn, markers: Markers, items: list[str]) -> str:
    trailing = draw(st.booleans()) and bool(items)
    if not draw(st.booleans()):  # one line
        return "[" + ", ".join(items) + ("," if trailing else "") + "]"
    close_on_last = bool(items) and draw(st.booleans())
    lines = ["[" + (f"  {markers.comment()}" if draw(st.booleans()) else "")]
    for number, item in enumerate(items):
        last = number == len(items) - 1
        comma = "," if not last or trailing else ""
        if last and close_on_last:
            lines.append(f"  {item}{comma}]")
            break
        comment = f"  {markers.comment()}" if draw(st.booleans()) else ""
        lines.append(f"  {item}{comma}{comment}")
        if draw(st.booleans()):
            lines.append(f"  {markers.comment()}")
    if not close_on_last:
        lines.append("]")
    return "\n".join(lines)


# --------------------------------------------------------------------------- documents


@dataclass
class Document:
    text: str
    table: tuple[str, ...]  # the table edited: () or ("tool", "uv")
    keys: list[str]  # keys directly in that table, written as `key = value`
    string_lists: list[str]  # those holding an array of strings
    inside: dict[str, set[str]] = field(default_factory=dict)  # markers inside each value


def pair_lines(
    draw: st.DrawFn, markers: Markers, names: list[str], collect: dict[str, set[str]] | None
) -> list[str]:
    lines = []
    for name in names:
        before = markers.count
        escaped = f'"\\u{ord(name[0]):04X}{name[1:]}"'  # "\u0061lpha" is alpha
        key = draw(st.sampled_from([name, f'"{name}"', f"'{name}'", escaped]))
        value = value_text(draw, markers)
        if collect is not None:
            collect[name] = {f"<c{n}>" for n in range(before + 1, markers.count + 1)}
        after = f"  {markers.comment()}" if draw(st.booleans()) else ""
        spaces = draw(st.sampled_from([" = ", "=", "  =\t"]))
        lines.append(f"{key}{spaces}{value}{after}")
        if draw(st.booleans()):
            lines.append(markers.comment() if draw(st.booleans()) else "")
    return lines


def string_list(draw: st.DrawFn, markers: Markers) -> str:
    items = draw(st.lists(PLAIN.map(basic_string), max_size=3))
    if not items and draw(st.booleans()):
        return f"[\n  {markers.comment()}\n]"
    return array_text(draw, markers, items)


@st.composite
def documents(draw: st.DrawFn, pyproject: bool) -> Document:
    markers = Markers()
    table: tuple[str, ...] = ("tool", "uv") if pyproject else ()
    lines: list[str] = []
    if draw(st.booleans()):
        lines += [markers.comment(), ""]
    root = draw(st.lists(st.sampled_from(["k1", "k2", "k-3", "k_4"]), unique=True, max_size=3))
    target_names = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), unique=True))
    lists = draw(st.lists(st.sampled_from(["list-a", "list-b"]), unique=True))
    inside: dict[str, set[str]] = {}

    def target_table() -> list[str]:
        out = pair_lines(draw, markers, target_names, inside)
        for name in lists:
            before = markers.count
            out.append(f"{name} = {string_list(draw, markers)}")
            inside[name] = {f"<c{n}>" for n in range(before + 1, markers.count + 1)}
        return out

    if pyproject:
        lines += pair_lines(draw, markers, root, None)
    else:
        lines += target_table() + pair_lines(draw, markers, root, None)
    if draw(st.booleans()):
        lines.append("dotted.one.two = 1")
    sections = draw(
        st.lists(st.sampled_from(["[t1]", "[t2.sub]", "[[arr]]", "[[arr]]", "['q t']"]))
    )
    if pyproject:
        sections += draw(st.lists(st.sampled_from(["[project]", "[tool.ruff]", "[tool.uv.pip]"])))
        if draw(st.booleans()):
            sections.insert(draw(st.integers(0, len(sections))), "[tool.uv]")
    seen: set[str] = set()
    for header in sections:
        if header in seen and not header.startswith("[["):
            continue
        seen.add(header)
        if draw(st.booleans()):
            lines.append(markers.comment())
        comment = f"  {markers.comment()}" if draw(st.booleans()) else ""
        lines.append(f"{header}{comment}")
        if header == "[tool.uv]":
            lines += target_table()
        else:
            names = draw(st.lists(st.sampled_from(["x", "y", "z-z"]), unique=True, max_size=2))
            lines += pair_lines(draw, markers, names, None)
    present = "[tool.uv]" in seen or not pyproject
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return Document(
        text,
        table,
        target_names + lists if present else [],
        lists if present else [],
        inside,
    )


def dig(document: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for part in path:
        document = document.setdefault(part, {})
    return document


def markers_in(text: str) -> set[str]:
    return set(re.findall(r"<c\d+>", text))


def parse(text: str) -> dict[str, Any]:
    document: dict[str, Any] = tomllib.loads(text)
    return document


NEW_VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=1, max_value=10**9),
    st.text(TRICKY, max_size=10),
    st.lists(PLAIN, max_size=3),
)


def check_line_endings(original: str, edited: str) -> None:
    if "\r\n" in original:
        assert edited.count("\n") == edited.count("\r\n")
    else:
        assert "\r" not in edited


# --------------------------------------------------------------------------- properties


@FUZZ
@given(document=st.one_of(documents(pyproject=False), documents(pyproject=True)))
def test_every_value_span_reads_as_the_value(document: Document) -> None:
    """The scanner finds each statement's value exactly: its text parses to the value."""
    parsed = parse(document.text)
    check_shape(document.text)
    for statement in scan(document.text):
        if not isinstance(statement, Pair) or statement.in_array_table:
            continue
        value_text = document.text[statement.value_start : statement.value_end]
        expected: Any = parsed
        for part in statement.table + statement.key:
            expected = expected[part]
        assert _same(parse(f"v = {value_text}")["v"], expected), value_text


@FUZZ
@given(
    document=st.one_of(documents(pyproject=False), documents(pyproject=True)),
    data=st.data(),
    value=NEW_VALUES,
)
def test_setting_a_value_changes_that_value_only(
    document: Document, data: st.DataObject, value: object
) -> None:
    """Any value set into any document: the result parses to the intended document, and
    every comment outside the replaced value is still there, line endings unchanged."""
    key = data.draw(st.sampled_from([*document.keys, "new-key", "other"]), label="key")
    intended = parse(document.text)
    dig(intended, document.table)[key] = value
    rendered = tomli_w.dumps({"v": value})[4:-1]
    edited = set_key(document.text, document.table, key, rendered, tomli_w.dumps({key: value}))
    assert _same(parse(edited), intended)
    kept = markers_in(document.text) - document.inside.get(key, set())
    assert kept <= markers_in(edited)
    check_line_endings(document.text, edited)


@FUZZ
@given(
    document=st.one_of(documents(pyproject=False), documents(pyproject=True)),
    data=st.data(),
    items=st.lists(PLAIN, min_size=1, max_size=3),
)
def test_appending_to_a_list_keeps_its_items_and_comments(
    document: Document, data: st.DataObject, items: list[str]
) -> None:
    key = data.draw(st.sampled_from([*document.string_lists, "new-list"]), label="key")
    intended = parse(document.text)
    table = dig(intended, document.table)
    table[key] = [*table.get(key, []), *items]
    rendered = [tomli_w.dumps({"v": item})[4:-1] for item in items]
    line = tomli_w.dumps({key: table[key]})
    edited = append_items(document.text, document.table, key, rendered, line)
    assert _same(parse(edited), intended)
    assert markers_in(document.text) <= markers_in(edited)
    check_line_endings(document.text, edited)


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tool.uv.offline = true\n", "dotted key or an inline table (line 1)"),
        ("[tool]\nuv.offline = true\n", "dotted key or an inline table (line 2)"),
        ("tool = {uv = {offline = true}}\n", "dotted key or an inline table (line 1)"),
        ("[tool]\nuv = {}\n", "dotted key or an inline table (line 2)"),
        ("[tool.uv.offline]\nx = 1\n", "tool.uv.offline is a table (line 1)"),
        ("[tool.uv]\noffline.x = 1\n", "tool.uv.offline is a table (line 2)"),
    ],
)
def test_what_cannot_be_placed_is_refused(text: str, message: str) -> None:
    with pytest.raises(SpliceError, match=re.escape(message)):
        set_key(text, ("tool", "uv"), "offline", "true", "offline = true\n")


def test_a_new_key_goes_above_the_comments_of_the_first_table() -> None:
    text = "# the file\n\n# the corporate index\n[[index]]\nurl = 'x'\n"
    assert set_key(text, (), "offline", "true", "offline = true\n") == (
        "# the file\n\noffline = true\n\n# the corporate index\n[[index]]\nurl = 'x'\n"
    )


def test_a_new_table_goes_at_the_end() -> None:
    text = "[project]\nname = 'x'  # the name"
    assert set_key(text, ("tool", "uv"), "offline", "true", "offline = true\n") == (
        "[project]\nname = 'x'  # the name\n\n[tool.uv]\noffline = true\n"
    )


def test_a_value_followed_by_a_comment() -> None:
    text = "[tool.uv]\noffline = false  # for the plane\n[tool.ruff]\n"
    assert set_key(text, ("tool", "uv"), "offline", "true", "offline = true\n") == (
        "[tool.uv]\noffline = true  # for the plane\n[tool.ruff]\n"
    )


def test_a_multi_line_array_gets_items_on_their_own_lines() -> None:
    text = 'h = [\r\n\t"a",  # first\r\n\t"b"  # second\r\n\t# more later\r\n]  # end\r\n'
    edited = append_items(text, (), "h", ['"c"', '"d"'], "")
    assert edited == (
        'h = [\r\n\t"a",  # first\r\n\t"b",  # second\r\n\t"c",\r\n\t"d",\r\n'
        "\t# more later\r\n]  # end\r\n"
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), "nested more than"),
        ("a = " + "{b = " * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1), "nested"),
        ("a" + ".b" * MAX_KEY_PARTS + " = 1", "dotted parts"),
        ("[a" + ".b" * MAX_KEY_PARTS + "]", "dotted parts"),
        ("x = {a" + ".b" * MAX_KEY_PARTS + " = 1}", "dotted parts"),
        ("x = [1, {a" + ". b" * MAX_KEY_PARTS + " = 1}]", "dotted parts"),
    ],
)
def test_shapes_over_the_limits(text: str, found: str) -> None:
    with pytest.raises(ShapeError, match=found):
        check_shape(text)


def test_shapes_at_the_limits_pass() -> None:
    check_shape("a = " + "[" * MAX_NESTING + "]" * MAX_NESTING)
    check_shape("a" + ".b" * (MAX_KEY_PARTS - 1) + " = 1")
    check_shape("a = '" + "[" * 1000 + "'")  # inside a string: not nesting
    check_shape("a = 'unterminated")  # not followed: left to tomllib
