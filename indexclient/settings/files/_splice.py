"""Editing one key of a TOML document in its text, keeping everything else as written.

``config set`` renders only the new value (with tomli-w) and splices it into the
original text: the key's value is replaced in place (a comment after it stays), an array
gets the new items before its ``]`` (its comments and layout stay), or a new
``key = value`` line goes at the end of the key's table. The caller parses the result and
compares it with the intended document before writing anything (docs/security.md,
"Writes lose nothing"). What cannot be placed safely raises :class:`SpliceError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indexclient.settings.files._toml_scan import (
    Header,
    Pair,
    TomlTextError,
    array_layout,
    line_of,
    scan,
)

__all__ = ["SpliceError", "append_items", "newline_of", "set_key"]

_INDENT = "    "


class SpliceError(Exception):
    """Why a key cannot be edited in place (the message says where)."""


def newline_of(text: str) -> str:
    """The line ending ``text`` uses (that of its first line): ``\\r\\n`` or ``\\n``."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def set_key(text: str, table: tuple[str, ...], key: str, value: str, line: str) -> str:
    """``text`` with ``key`` of ``table`` (``()``: the top level) set.

    ``value`` is the new value's TOML text, put in place of the current value; ``line``
    (``key = value`` and a newline) is added when the table has no such key.
    """
    place = _locate(text, table, key)
    if place.pair is not None:
        pair = place.pair
        value = value.replace("\n", newline_of(text))
        return text[: pair.value_start] + value + text[pair.value_end :]
    return _add_line(text, table, place, line)


def append_items(
    text: str, table: tuple[str, ...], key: str, items: Sequence[str], line: str
) -> str:
    """``text`` with the TOML texts ``items`` added at the end of the array ``key``.

    ``line`` (``key = [...]`` and a newline) is added when the table has no such key.
    """
    place = _locate(text, table, key)
    pair = place.pair
    if pair is None:
        return _add_line(text, table, place, line)
    if not items:
        return text
    try:
        layout = array_layout(text, pair.value_start)
    except TomlTextError as exc:
        raise SpliceError(f"{key} is not an array written as [...]: {exc}") from None
    newline = newline_of(text)
    start, close = pair.value_start, layout.close
    if not layout.items:
        if "\n" not in text[start:close]:
            return text[:start] + "[" + ", ".join(items) + "]" + text[close + 1 :]
        # An empty array over several lines (comments only): one item a line before "]".
        line_start = text.rfind("\n", 0, close) + 1
        added = "".join(f"{_INDENT}{item},{newline}" for item in items)
        return text[:line_start] + added + text[line_start:]
    last_start, last_end = layout.items[-1]
    if "\n" not in text[last_end:close]:
        # The array ends on its last item's line: continue that line.
        return text[:last_end] + "".join(f", {item}" for item in items) + text[last_end:]
    # One item a line, indented like the last item, after the last item's line (and the
    # comment that may end it).
    line_start = text.rfind("\n", 0, last_start) + 1
    before = text[line_start:last_start]
    indent = before if not before.strip(" \t") else _INDENT
    comma = next((c for c in layout.commas if c >= last_end), None)
    end_of_item_line = text.index("\n", last_end if comma is None else comma) + 1
    added = "".join(f"{indent}{item},{newline}" for item in items)
    edited = text[:end_of_item_line] + added + text[end_of_item_line:]
    if comma is None:
        edited = edited[:last_end] + "," + edited[last_end:]
    return edited


# --------------------------------------------------------------------------- placing


@dataclass(frozen=True, slots=True)
class _Place:
    """Where ``key`` is in the text, or where a new ``key = value`` line goes."""

    pair: Pair | None
    #: Where a new line goes; None: the table has no header yet (one is added at the end).
    insert_at: int | None
    #: The new line goes just before a table header: keep a blank line between.
    before_header: bool = False


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path) or "the top level"


def _locate(text: str, table: tuple[str, ...], key: str) -> _Place:
    try:
        statements = scan(text)
    except TomlTextError as exc:
        raise SpliceError(f"cannot follow the file's text: {exc}") from None
    target = (*table, key)
    pair: Pair | None = None
    last_end: int | None = None
    first_header: Header | None = None
    for statement in statements:
        where = line_of(text, statement.start)
        if isinstance(statement, Header):
            first_header = first_header or statement
            if statement.path[: len(target)] == target:
                raise SpliceError(f"{_dotted(target)} is a table (line {where})")
            if statement.path == table:
                if statement.array:
                    raise SpliceError(f"{_dotted(table)} is an array of tables (line {where})")
                last_end = statement.end
            continue
        in_table = statement.table == table and not statement.in_array_table
        if in_table:
            if statement.key == (key,):
                pair = statement
            elif statement.key[0] == key:
                raise SpliceError(f"{_dotted(target)} is a table (line {where})")
            last_end = statement.end
            continue
        full = statement.table + statement.key
        common = min(len(full), len(table))
        if len(statement.table) < len(table) and full[:common] == table[:common]:
            # tool.uv.x = 1, or tool = {uv = {...}}: a [tool.uv] header cannot be added
            # and dotted keys are not edited.
            raise SpliceError(
                f"{_dotted(table)} is defined by a dotted key or an inline table "
                f"(line {where}); config set edits a [{_dotted(table)}] table only"
            )
    if pair is not None or last_end is not None:
        return _Place(pair, last_end)
    if table:
        return _Place(None, None)
    if first_header is None:
        return _Place(None, len(text))
    return _Place(None, _above_comments(text, first_header.start), before_header=True)


def _above_comments(text: str, position: int) -> int:
    """The start of the comment lines right above ``position`` (a header's start)."""
    while position > 0:
        previous = text.rfind("\n", 0, position - 1) + 1
        if not text[previous:position].lstrip(" \t").startswith("#"):
            break
        position = previous
    return position


def _add_line(text: str, table: tuple[str, ...], place: _Place, line: str) -> str:
    newline = newline_of(text)
    line = line.replace("\n", newline)
    if place.insert_at is None:  # a new table at the end
        separator = ""
        if text and not text.endswith("\n"):
            separator = newline
        if text.strip():
            separator += newline
        return f"{text}{separator}[{'.'.join(table)}]{newline}{line}"
    position = place.insert_at
    if position > 0 and not text[:position].endswith("\n"):
        line = newline + line  # the last line of the file has no newline
    if place.before_header:
        line += newline
    return text[:position] + line + text[position:]
