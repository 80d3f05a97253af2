"""`config set`: writing one key into a uv.toml or pyproject.toml, keeping the rest.

The new value is rendered with tomli-w and spliced into the file's text (see
``_splice``), under a lock beside the file (see ``_lock``); the result is parsed and
compared with the intended document before it replaces the file (docs/security.md,
"Writes lose nothing").
"""

from __future__ import annotations

import math
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from indexclient.errors import ConfigurationError
from indexclient.settings.files._checks import (
    Invalid,
    check_insecure_host,
    check_positive_int,
    check_url,
    describe,
)
from indexclient.settings.files._lock import LockError, LockTimeout, locked
from indexclient.settings.files._model import PYPROJECT, SETTABLE_KEYS, file_origin, host_key
from indexclient.settings.files._splice import SpliceError, append_items, set_key
from indexclient.settings.files._toml import parse_toml, read_text
from indexclient.settings.values import BOOL_WORDS, parse_bool
from indexclient.userfiles import MAX_CONFIG_FILE

_NOT_CHANGED = "the file was not changed"


# --------------------------------------------------------------------------- writing


def _split_list(raw: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", raw) if item]


def _parse_raw(key: str, raw: str) -> object:
    """The TOML value ``raw`` (a command-line string) means for ``key``; raises Invalid."""
    if key in ("system-certs", "offline"):
        parsed = parse_bool(raw)
        if parsed is None:
            raise Invalid(f"{raw!r} is not a boolean: use one of {BOOL_WORDS}")
        return parsed
    if key == "concurrent-downloads":
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise Invalid(f"expected a positive integer, got {raw!r}")
        return check_positive_int(int(text))
    if key == "index-url":
        return check_url(raw.strip())
    items = _split_list(raw)
    if not items:
        raise Invalid("no entry given")
    check = check_insecure_host if key == "allow-insecure-host" else check_url
    return [check(item) for item in items]


def set_value(path: str | os.PathLike[str], key: str, raw_value: str) -> object:
    """Set ``key`` to ``raw_value`` in the uv.toml (or pyproject.toml) at ``path``.

    ``raw_value`` is parsed per key: booleans with uv's words, ``concurrent-downloads``
    as a positive integer, URLs as http/https/file URLs, and the list keys as comma- or
    whitespace-separated entries *appended* to the file's list (entries already there are
    skipped). A ``pyproject.toml`` gets the key under ``[tool.uv]``. The file (and its
    directory) is created when missing; a symlink is written through. Comments, order and
    formatting of everything else are kept, and so are the line endings and the mode.
    Returns the key's value as the file now has it (the whole list for a list key).

    Raises ConfigurationError, leaving the file untouched, for an unknown key, an invalid
    value, an existing file that is not a readable regular file of valid TOML or whose
    table or list cannot take the value, a value that cannot be placed without touching
    the rest of the file (``tool.uv`` defined by dotted keys or an inline table, the key
    written as a table), another run holding the file's lock too long, or a failed write
    (permissions, full disk).
    """
    target = Path(os.path.realpath(path))
    pyproject = target.name == PYPROJECT
    table_path: tuple[str, ...] = ("tool", "uv") if pyproject else ()
    prefix = "tool.uv." if pyproject else ""
    origin = str(file_origin(prefix + key, str(target)))
    if key not in SETTABLE_KEYS:
        hint = "; native-tls is deprecated: set system-certs" if key == "native-tls" else ""
        raise ConfigurationError.single(
            origin, f"unknown key {key!r}{hint}; supported keys: {', '.join(SETTABLE_KEYS)}"
        )
    try:
        value = _parse_raw(key, raw_value)
    except Invalid as exc:
        raise ConfigurationError.single(origin, str(exc)) from None

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with locked(target):
            text, document = _read_for_update(target)
            table = _subtable(document, table_path, target)
            edited = _edit(text, table, table_path=table_path, key=key, value=value, origin=origin)
            if edited == text and target.exists():
                return table[key]
            check_result(edited, document, origin)
            _atomic_write(target, edited.encode("utf-8"))
            return table[key]
    except LockError as exc:
        hint = "run config set again once the other one has finished"
        raise ConfigurationError.single(
            str(target),
            f"{exc}; {_NOT_CHANGED}",
            hint=hint if isinstance(exc, LockTimeout) else None,
        ) from None
    except OSError as exc:
        raise ConfigurationError.single(
            str(target), f"cannot write the file: {exc.strerror or exc}; it was not changed"
        ) from exc


def _read_for_update(target: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and document; an empty file when there is none yet."""
    try:
        text = read_text(target)
    except Invalid as exc:
        if not os.path.lexists(target):
            return "", {}
        raise ConfigurationError.single(str(target), f"{exc}; {_NOT_CHANGED}") from None
    try:
        return text, parse_toml(text)
    except Invalid as exc:
        raise ConfigurationError.single(str(target), f"{exc}; {_NOT_CHANGED}") from None


def _render(value: object) -> str:
    """``value`` as TOML text (tomli-w's rendering, without a key)."""
    line = tomli_w.dumps({"v": value})
    return line.removeprefix("v = ").removesuffix("\n")


def _edit(
    text: str,
    table: dict[str, Any],
    *,
    table_path: tuple[str, ...],
    key: str,
    value: object,
    origin: str,
) -> str:
    """The file's text with ``value`` set (or appended) in it; ``table`` updated to match."""
    try:
        if isinstance(value, list):
            existing = table.get(key, [])
            if not isinstance(existing, list) or not all(isinstance(e, str) for e in existing):
                raise ConfigurationError.single(
                    origin,
                    f"cannot append: the file's value is {describe(existing)}, not a list "
                    "of strings; fix it by hand first",
                )
            same: Callable[[str], object] = _same_host if key == "allow-insecure-host" else str
            known = {same(entry) for entry in existing}
            additions = []
            for item in value:
                if same(item) not in known:
                    known.add(same(item))
                    additions.append(item)
            table[key] = [*existing, *additions]
            line = tomli_w.dumps({key: table[key]})
            rendered = [_render(item) for item in additions]
            return append_items(text, table_path, key, rendered, line)
        if isinstance(table.get(key), dict):
            raise ConfigurationError.single(
                origin, f"the file's value is a table; fix it by hand first; {_NOT_CHANGED}"
            )
        table[key] = value
        return set_key(text, table_path, key, _render(value), tomli_w.dumps({key: value}))
    except SpliceError as exc:
        raise ConfigurationError.single(
            origin,
            f"cannot change the file without touching the rest of it: {exc}; {_NOT_CHANGED}",
            hint="edit the file by hand",
        ) from None


def check_result(edited: str, intended: dict[str, Any], origin: str) -> None:
    """Refuse the edit unless ``edited`` parses to exactly the ``intended`` document."""
    if len(edited.encode("utf-8")) > MAX_CONFIG_FILE:
        raise ConfigurationError.single(
            origin, f"the file would grow past the limit of {MAX_CONFIG_FILE} bytes; {_NOT_CHANGED}"
        )
    try:
        result = parse_toml(edited)
    except Invalid as exc:
        problem = str(exc)
    else:
        if _same(result, intended):
            return
        problem = "the edited file does not read back as intended"
    raise ConfigurationError.single(
        origin,
        f"cannot change the file without touching the rest of it ({problem}); {_NOT_CHANGED}",
        hint="edit the file by hand",
    )


def _same(left: object, right: object) -> bool:
    """Equal TOML values, types included (1 is not true) and nan equal to nan."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        assert isinstance(right, dict)
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        assert isinstance(right, list)
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return left == right


def _same_host(entry: str) -> object:
    """The dedup key of an allow-insecure-host entry; an invalid one compares as written."""
    try:
        return host_key(entry)
    except ValueError:
        return entry


def _subtable(document: dict[str, Any], keys: tuple[str, ...], path: Path) -> dict[str, Any]:
    table = document
    walked: list[str] = []
    for key in keys:
        walked.append(key)
        child = table.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigurationError.single(
                str(file_origin(".".join(walked), str(path))),
                f"expected a table, got {describe(child)}; the file was not changed",
            )
        table = child
    return table


def _atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data``: a temporary file in its directory, then os.replace.

    An existing file's permission bits are kept; a new file gets the usual 0o666 less the
    umask. The temporary file is removed on any failure.
    """
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None

    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if mode is not None:
                os.chmod(temporary, mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
