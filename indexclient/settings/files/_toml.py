"""Reading a configuration file's TOML safely, for discovery, reading and writing alike."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from indexclient.settings.files._checks import Invalid
from indexclient.settings.files._toml_scan import ShapeError, check_shape
from indexclient.userfiles import MAX_CONFIG_FILE, UnreadableFile, read_user_file


def read_text(path: Path) -> str:
    """The text of the configuration file at ``path``; raises Invalid with the reason.

    The file must be a regular file of at most ``MAX_CONFIG_FILE`` bytes: a FIFO, a
    device or a directory is refused before it is opened for reading, so nothing blocks
    or fills the memory (docs/security.md, "Files you name").
    """
    try:
        data = read_user_file(path, limit=MAX_CONFIG_FILE)
    except UnreadableFile as exc:
        raise Invalid(exc.reason) from None
    except ValueError as exc:  # a path holding a NUL byte, from a mapping passed in
        raise Invalid(f"the path is not usable: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Invalid(f"the file is not UTF-8 text: {exc.reason} (line {line})") from None


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; raises Invalid with the reason (the parser's message with line).

    The shape is checked first: tomllib spends quadratic time and memory on a key of
    many dotted parts and recurses once per nesting level (see ``_toml_scan``). The
    parser loads here, with the first configuration file found (a seam: most runs find
    none).
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

    try:
        check_shape(text)
        document: dict[str, Any] = tomllib.loads(text)
    except ShapeError as exc:
        raise Invalid(f"invalid TOML: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"invalid TOML: {exc}") from None
    except RecursionError:  # the shape check makes this unlikely; never a traceback
        raise Invalid("invalid TOML: values nested too deeply") from None
    return document


def load_toml(path: Path) -> dict[str, Any]:
    """Read and parse a TOML file; raises Invalid with the reason."""
    return parse_toml(read_text(path))


def tool_uv(document: Mapping[str, Any]) -> object:
    """``document["tool"]["uv"]``; None when there is no ``tool`` table or it has no ``uv``."""
    tool = document.get("tool")
    return tool.get("uv") if isinstance(tool, dict) else None
