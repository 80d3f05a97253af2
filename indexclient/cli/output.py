"""Output helpers: human tables, JSON, dates, sizes, messages and progress bars.

Results go to stdout; messages (``error:``, ``warning:``, ``hint:``, notes) and progress
bars go to stderr, so ``--json`` output can be piped. A progress bar is drawn only when
stderr is a terminal and neither ``--json`` nor ``-q`` is given.

Everything the console writes passes through :func:`~indexclient.urls.redact_text`:
commands redact the URLs they show, and this is the last line that a secret written by
anything else (another library's message, a value a person typed) does not cross.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Iterable, Sequence
from datetime import timezone
from json.encoder import encode_basestring_ascii as _quote
from typing import TYPE_CHECKING, TextIO

from indexclient.urls import redact_text

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["Console", "Progress", "human_size", "iso", "table"]


def iso(moment: datetime | None) -> str | None:
    """ISO 8601, in UTC with a ``Z`` when the time is aware; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
        return moment.isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def human_size(size: int | None) -> str:
    """``1.2 KiB``-style sizes; ``-`` when unknown."""
    if size is None:
        return "-"
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A plain text table: left-aligned columns (``right``: indexes aligned right)."""
    body = [list(headers), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in body) for i in range(len(headers))]
    lines = []
    for row in body:
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


class Progress:
    """A one-line progress bar on a terminal; does nothing when disabled.

    ``update(done, total)`` may be called often: drawing is limited to ten times a
    second. ``message`` prints a line above the bar. ``close`` erases the bar.
    """

    _WIDTH = 30

    def __init__(self, stream: TextIO, label: str, *, enabled: bool) -> None:
        self._stream = stream
        self._label = label
        self._enabled = enabled
        self._last = 0.0
        self._state: tuple[float, float | None] = (0, None)
        self._drawn = False

    def update(self, done: float, total: float | None, *, force: bool = False) -> None:
        """Record progress and redraw (at most every 0.1 s unless ``force``)."""
        self._state = (done, total)
        if not self._enabled:
            return
        now = time.monotonic()
        if force or done == total or now - self._last >= 0.1:
            self._last = now
            self._draw()

    def message(self, text: str) -> None:
        """Print ``text`` on stderr above the bar (even when the bar is disabled)."""
        if self._enabled and self._drawn:
            self._stream.write("\r\x1b[2K")
        self._stream.write(redact_text(text) + "\n")
        if self._enabled and self._drawn:
            self._draw()
        self._stream.flush()

    def close(self) -> None:
        """Erase the bar."""
        if self._enabled and self._drawn:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._drawn = False

    def _draw(self) -> None:
        done, total = self._state
        if total:
            filled = min(self._WIDTH, int(self._WIDTH * done / total))
            bar = "#" * filled + "-" * (self._WIDTH - filled)
            figures = self._figures(done, total)
        else:
            bar = "." * self._WIDTH
            figures = self._figures(done, None)
        self._stream.write(f"\r\x1b[2K{self._label} [{bar}] {figures}")
        self._stream.flush()
        self._drawn = True

    def _figures(self, done: float, total: float | None) -> str:
        return f"{int(done)}/{int(total)}" if total is not None else f"{int(done)}"


class ByteProgress(Progress):
    """A progress bar counting bytes."""

    def _figures(self, done: float, total: float | None) -> str:
        shown = human_size(int(done))
        return f"{shown} / {human_size(int(total))}" if total is not None else shown


def indented(value: object, margin: str = "") -> str:
    """``json.dumps(value, indent=2)``, each line after the first starting with
    ``margin``: the same text, several times faster for the command's data (the json
    module writes indented JSON with its pure-Python encoder; strings are quoted here
    by its C function). Anything but dicts with string keys, lists, strings, ints,
    booleans and None is left to the json module."""
    if type(value) is str:
        return _quote(value)
    if type(value) is dict:
        return _object(value, margin)
    if type(value) is list or type(value) is tuple:
        return _array(value, margin)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    return _dumped(value, margin)


def _object(value: dict[object, object], margin: str) -> str:
    if not value:
        return "{}"
    inner = margin + "  "
    members = []
    for key, item in value.items():
        if type(key) is not str:
            return _dumped(value, margin)
        # Strings, most of the values, quoted here rather than by another call.
        text = _quote(item) if type(item) is str else indented(item, inner)
        members.append(f"{inner}{_quote(key)}: {text}")
    return "{\n" + ",\n".join(members) + "\n" + margin + "}"


def _array(value: list[object] | tuple[object, ...], margin: str) -> str:
    if not value:
        return "[]"
    inner = margin + "  "
    items = [_quote(item) if type(item) is str else indented(item, inner) for item in value]
    return "[\n" + inner + (",\n" + inner).join(items) + "\n" + margin + "]"


def _dumped(value: object, margin: str) -> str:
    return json.dumps(value, indent=2).replace("\n", "\n" + margin)


class JsonArray:
    """A JSON array written item by item: the same text as ``Console.json(items)``,
    each item out as soon as it is there (a run over 30,000 requirements holds none)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._count = 0

    def add(self, item: object) -> None:
        """Write one item (redacted: a URL cannot span two items)."""
        # json.dumps(list, indent=2) indents each item's lines by two more spaces; no
        # line break occurs inside a JSON string, so this gives the same text.
        text = redact_text(indented(item, "  "))
        self._stream.write(("[\n  " if self._count == 0 else ",\n  ") + text)
        self._count += 1

    def close(self) -> None:
        """End the array."""
        self._stream.write("\n]\n" if self._count else "[]\n")


class Console:
    """Where a command writes: results to ``stdout``, messages to ``stderr``."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, json_mode: bool, quiet: bool) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.json_mode = json_mode
        self.quiet = quiet
        # Hints already written: many requirements failing for one reason (an index
        # behind an intercepting proxy) share one explanation, which is said once.
        self._hinted: set[str] = set()

    def print(self, text: str = "") -> None:
        """A line of human output on stdout."""
        self.stdout.write(redact_text(text) + "\n")

    def json(self, data: object) -> None:
        """``data`` as indented JSON on stdout."""
        # JSON escapes neither "/" nor "@", so a URL in the text is a URL in a value.
        self.stdout.write(redact_text(indented(data)) + "\n")

    def json_array(self) -> JsonArray:
        """A JSON array written to stdout item by item, as :meth:`json` writes a list."""
        return JsonArray(self.stdout)

    def warning(self, text: str) -> None:
        """``warning: text`` on stderr."""
        self.stderr.write(f"warning: {redact_text(text)}\n")

    def error(self, text: str, hint: str | None = None) -> None:
        """``error: text`` on stderr, and ``hint: ...`` when there is one that this
        console has not written yet."""
        self.stderr.write(f"error: {redact_text(text)}\n")
        if hint and hint not in self._hinted:
            self._hinted.add(hint)
            self.stderr.write(f"hint: {redact_text(hint)}\n")

    def traceback(self, exc: BaseException) -> None:
        """``exc``'s traceback on stderr (for ``-v``), redacted like every message."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.stderr.write(redact_text(text))

    def progress_enabled(self) -> bool:
        """Whether progress bars are drawn: stderr is a terminal, no --json, no -q."""
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty()) and not self.json_mode and not self.quiet

    def progress(self, label: str, *, count_bytes: bool = False) -> Progress:
        """A progress bar for ``label`` (disabled when :meth:`progress_enabled` is False)."""
        kind = ByteProgress if count_bytes else Progress
        return kind(self.stderr, label, enabled=self.progress_enabled())
