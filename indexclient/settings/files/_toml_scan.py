"""A small TOML scanner: where each table header, key and value of a document is.

tomllib turns a document into values and forgets its text. Two things need the text:
``config set``, which edits one value in place and keeps every comment and the
formatting of the rest (see ``_splice``), and reading, which looks at a document's shape
before tomllib does (:func:`check_shape`): a key of a million dotted parts costs tomllib
quadratic time and memory, and deep nesting exhausts its recursion (docs/security.md,
"Files you name").

The scanner reads the lexical structure only: strings (basic, literal, multi-line),
comments, brackets and braces, table headers, dotted keys. It does not validate (tomllib
does) and decodes no value except a quoted key's escapes. It never recurses, whatever
the nesting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "MAX_KEY_PARTS",
    "MAX_NESTING",
    "ArrayLayout",
    "Header",
    "Pair",
    "ShapeError",
    "TomlTextError",
    "array_layout",
    "check_shape",
    "line_of",
    "scan",
]

#: The most dotted parts a key or table header may have (``a.b.c`` has 3). tomllib's
#: cost grows with the square of this number; real files use fewer than 10.
MAX_KEY_PARTS: Final = 64
#: The deepest nesting of arrays and inline tables. uv's parser refuses a few levels
#: more; tomllib fails with RecursionError a few hundred levels deeper.
MAX_NESTING: Final = 64

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BLANK = re.compile(r"[ \t]*")
# Between the items of an array (and, leniently, of an inline table): whitespace,
# newlines and comments.
_SPACE = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_BASIC_STOP = re.compile(r'["\\\n]')
_MULTILINE_BASIC_STOP = re.compile(r'["\\]')
# A bare value (number, boolean, date-time: "1979-05-27 07:32:00" holds a space) runs to
# the comment or the end of the line; inside an array or inline table also to , ] or }.
_BARE_VALUE = re.compile(r"[^#\r\n]*")
_BARE_ITEM = re.compile(r"[^,\]}#\r\n]*")
# The escapes of a basic string (TOML 1.0, and \xHH and \e of TOML 1.1).
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2})|(.))", re.S)
_SIMPLE_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    '"': '"',
    "\\": "\\",
}


class TomlTextError(Exception):
    """The scanner cannot follow the text (it is not TOML, or not TOML it knows)."""


class ShapeError(TomlTextError):
    """The document goes over :data:`MAX_KEY_PARTS` or :data:`MAX_NESTING`."""


@dataclass(frozen=True, slots=True)
class Header:
    """A ``[table]`` or ``[[array.of.tables]]`` line; ``end`` is past its newline."""

    start: int
    end: int
    path: tuple[str, ...]
    array: bool


@dataclass(frozen=True, slots=True)
class Pair:
    """A ``key = value`` statement of the table ``table`` (the last header's path).

    ``value_start:value_end`` is the value's text (a multi-line string or array whole,
    without the comment after it); ``end`` is past the newline ending the statement.
    """

    start: int
    end: int
    table: tuple[str, ...]
    in_array_table: bool
    key: tuple[str, ...]
    value_start: int
    value_end: int


@dataclass(frozen=True, slots=True)
class ArrayLayout:
    """Where the items of an array value are: ``(start, end)`` each, its commas, its ``]``."""

    items: tuple[tuple[int, int], ...]
    commas: tuple[int, ...]
    close: int


def line_of(text: str, position: int) -> int:
    """The 1-based line number of ``position``."""
    return text.count("\n", 0, position) + 1


def scan(text: str) -> list[Header | Pair]:
    """Every header and key/value statement of ``text``, in order.

    Raises :class:`ShapeError` for a key or header of more than :data:`MAX_KEY_PARTS`
    parts or values nested deeper than :data:`MAX_NESTING`, and :class:`TomlTextError`
    for text it cannot follow.
    """
    return _Scanner(text).statements()


def check_shape(text: str) -> None:
    """Raise :class:`ShapeError` when ``text`` goes over a limit; otherwise return.

    Text the scanner cannot follow passes: tomllib reports what is wrong with it.
    """
    try:
        scan(text)
    except ShapeError:
        raise
    except TomlTextError:
        pass


def array_layout(text: str, start: int) -> ArrayLayout:
    """The layout of the array value whose ``[`` is at ``start``."""
    return _Scanner(text).array_layout(start)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.size = len(text)

    def fail(self, what: str, position: int) -> TomlTextError:
        return TomlTextError(f"{what} (line {line_of(self.text, position)})")

    def char(self, position: int) -> str:
        return self.text[position] if position < self.size else ""

    # ------------------------------------------------------------------ statements

    def statements(self) -> list[Header | Pair]:
        text = self.text
        found: list[Header | Pair] = []
        table: tuple[str, ...] = ()
        in_array = False
        position = 0
        while position < self.size:
            start = position
            at = _end(_BLANK, text, position)
            char = self.char(at)
            if char in ("", "\r", "\n", "#"):
                position = self.end_of_line(at)
            elif char == "[":
                array = text.startswith("[[", at)
                path, at = self.key(at + (2 if array else 1))
                closing = "]]" if array else "]"
                if not text.startswith(closing, at):
                    raise self.fail("expected the end of a table header", at)
                position = self.end_of_line(at + len(closing))
                found.append(Header(start, position, path, array))
                table, in_array = path, array
            else:
                key, at = self.key(at)
                if self.char(at) != "=":
                    raise self.fail("expected '=' after a key", at)
                value_start = _end(_BLANK, text, at + 1)
                value_end = self.value(value_start)
                position = self.end_of_line(value_end)
                found.append(Pair(start, position, table, in_array, key, value_start, value_end))
        return found

    def end_of_line(self, position: int) -> int:
        """Past the newline after ``position``, allowing only blanks and a comment first."""
        text = self.text
        position = _end(_BLANK, text, position)
        if self.char(position) == "#":
            newline = text.find("\n", position)
            position = self.size if newline == -1 else newline
        if position >= self.size:
            return self.size
        if text.startswith("\r\n", position):
            return position + 2
        if text[position] == "\n":
            return position + 1
        raise self.fail("expected the end of the line", position)

    # ------------------------------------------------------------------ keys

    def key(self, position: int) -> tuple[tuple[str, ...], int]:
        """A dotted key at ``position`` (blanks before it allowed): its parts, and the
        position after it and the blanks that follow."""
        text = self.text
        parts: list[str] = []
        while True:
            position = _end(_BLANK, text, position)
            char = self.char(position)
            if char in ('"', "'"):
                end = self.string(position)
                parts.append(_quoted_key(text[position:end]))
            else:
                match = _BARE_KEY.match(text, position)
                if match is None:
                    raise self.fail("expected a key", position)
                end = match.end()
                parts.append(match.group())
            if len(parts) > MAX_KEY_PARTS:
                raise ShapeError(
                    f"a key or table name has more than {MAX_KEY_PARTS} dotted parts "
                    f"(line {line_of(text, position)})"
                )
            position = _end(_BLANK, text, end)
            if self.char(position) != ".":
                return tuple(parts), position
            position += 1

    # ------------------------------------------------------------------ values

    def string(self, position: int) -> int:
        """Past the string (any of the four kinds) starting at ``position``."""
        text = self.text
        quote = text[position]
        if text.startswith(quote * 3, position):
            return self.multiline_string(position + 3, quote)
        if quote == "'":
            end = text.find("'", position + 1)
            newline = text.find("\n", position + 1, end if end != -1 else self.size)
            if end == -1 or newline != -1:
                raise self.fail("unterminated string", position)
            return end + 1
        at = position + 1
        while True:
            match = _BASIC_STOP.search(text, at)
            if match is None or match.group() == "\n":
                raise self.fail("unterminated string", position)
            if match.group() == "\\":
                at = match.end() + 1
                continue
            return match.end()

    def multiline_string(self, position: int, quote: str) -> int:
        text = self.text
        delimiter = quote * 3
        at = position
        while True:
            if quote == "'":
                close = text.find(delimiter, at)
            else:
                match = _MULTILINE_BASIC_STOP.search(text, at)
                if match is not None and match.group() == "\\":
                    at = match.end() + 1
                    continue
                close = -1 if match is None else match.start()
                if close != -1 and not text.startswith(delimiter, close):
                    at = close + 1
                    continue
            if close == -1:
                raise self.fail("unterminated multi-line string", position)
            end = close + 3
            # Up to two quotes just before the delimiter belong to the string: """a""""".
            extra = 0
            while extra < 2 and text.startswith(quote, end):
                end += 1
                extra += 1
            return end

    def value(self, position: int) -> int:
        """Past the value starting at ``position``; arrays and inline tables whole."""
        text = self.text
        stack: list[str] = []
        while True:
            char = self.char(position)
            if char in ('"', "'"):
                position = self.string(position)
            elif char in ("[", "{"):
                stack.append(char)
                if len(stack) > MAX_NESTING:
                    raise ShapeError(
                        f"values nested more than {MAX_NESTING} levels deep "
                        f"(line {line_of(text, position)})"
                    )
                position = self.space(position + 1)
                closing = "]" if char == "[" else "}"
                if self.char(position) == closing:
                    stack.pop()
                    position += 1
                elif char == "{":
                    position = self.inline_key(position)
                    continue
                else:
                    continue
            else:
                pattern = _BARE_ITEM if stack else _BARE_VALUE
                end = _end(pattern, text, position)
                end = len(text[position:end].rstrip(" \t")) + position
                if end == position:
                    raise self.fail("expected a value", position)
                position = end
            # After a value: close what ends here, or move to the next item.
            while True:
                if not stack:
                    return position
                position = self.space(position)
                char = self.char(position)
                closing = "]" if stack[-1] == "[" else "}"
                if char == closing:
                    stack.pop()
                    position += 1
                    continue
                if char != ",":
                    raise self.fail(f"expected ',' or '{closing}'", position)
                position = self.space(position + 1)
                if self.char(position) == closing:  # a trailing comma
                    stack.pop()
                    position += 1
                    continue
                if stack[-1] == "{":
                    position = self.inline_key(position)
                break

    def inline_key(self, position: int) -> int:
        """Past ``key =`` and the blanks after it, in an inline table."""
        _key, position = self.key(position)
        if self.char(position) != "=":
            raise self.fail("expected '=' after a key", position)
        return _end(_BLANK, self.text, position + 1)

    def space(self, position: int) -> int:
        return _end(_SPACE, self.text, position)

    def array_layout(self, start: int) -> ArrayLayout:
        if self.char(start) != "[":
            raise self.fail("expected an array", start)
        items: list[tuple[int, int]] = []
        commas: list[int] = []
        position = self.space(start + 1)
        while self.char(position) != "]":
            if self.char(position) == ",":
                commas.append(position)
                position = self.space(position + 1)
                continue
            if not self.char(position):
                raise self.fail("unterminated array", start)
            if self.char(position) in ('"', "'", "[", "{"):
                end = self.value(position)
            else:
                end = _end(_BARE_ITEM, self.text, position)
                end = len(self.text[position:end].rstrip(" \t")) + position
                if end == position:
                    raise self.fail("expected a value", position)
            items.append((position, end))
            position = self.space(end)
        return ArrayLayout(tuple(items), tuple(commas), position)


def _end(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Past what ``pattern`` (one that matches the empty string too) matches at ``position``."""
    match = pattern.match(text, position)
    assert match is not None
    return match.end()


def _quoted_key(raw: str) -> str:
    """The name a quoted key stands for (a basic string's escapes decoded)."""
    if raw.startswith("'") or "\\" not in raw:
        return raw[1:-1]
    try:
        return _ESCAPE.sub(_unescape, raw[1:-1])
    except (KeyError, ValueError):
        raise TomlTextError(f"invalid escape in the key {raw!r}") from None


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2) or match.group(3)
    if code:
        return chr(int(code, 16))
    return _SIMPLE_ESCAPES[match.group(4)]
