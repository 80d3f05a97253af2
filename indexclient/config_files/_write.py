"""`config set`: writing one key into a uv.toml or pyproject.toml, keeping the rest."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexclient.config_files._model import (
    _BOOL_WORDS,
    _PYPROJECT,
    SETTABLE_KEYS,
    _host_key,
    _origin,
    _parse_bool,
)
from indexclient.config_files._read import (
    _check_insecure_host,
    _check_positive_int,
    _check_url,
    _describe,
    _Invalid,
    _load_toml,
)
from indexclient.errors import ConfigurationError

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- writing


def _split_list(raw: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", raw) if item]


def _parse_raw(key: str, raw: str) -> object:
    """The TOML value ``raw`` (a command-line string) means for ``key``; raises _Invalid."""
    if key in ("system-certs", "offline"):
        parsed = _parse_bool(raw)
        if parsed is None:
            raise _Invalid(f"{raw!r} is not a boolean: use one of {_BOOL_WORDS}")
        return parsed
    if key == "concurrent-downloads":
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise _Invalid(f"expected a positive integer, got {raw!r}")
        return _check_positive_int(int(text))
    if key == "index-url":
        return _check_url(raw.strip())
    items = _split_list(raw)
    if not items:
        raise _Invalid("no entry given")
    check = _check_insecure_host if key == "allow-insecure-host" else _check_url
    return [check(item) for item in items]


def set_value(path: str | os.PathLike[str], key: str, raw_value: str) -> None:
    """Set ``key`` to ``raw_value`` in the uv.toml (or pyproject.toml) at ``path``.

    ``raw_value`` is parsed per key: booleans with uv's words, ``concurrent-downloads``
    as a positive integer, URLs as http/https/file URLs, and the list keys as comma- or
    whitespace-separated entries *appended* to the file's list (entries already there are
    skipped). A ``pyproject.toml`` gets the key under ``[tool.uv]``. The file (and its
    directory) is created when missing; a symlink is written through.

    Raises ConfigurationError, leaving the file untouched, for an unknown key, an invalid
    value, an existing file that is not valid TOML or whose table or list cannot take
    the value, or a failed write (permissions, full disk). Comments and formatting of the
    file are not kept (see the module docstring).
    """
    target = Path(os.path.realpath(path))
    pyproject = target.name == _PYPROJECT
    prefix = "tool.uv." if pyproject else ""
    origin = str(_origin(prefix + key, str(target)))
    if key not in SETTABLE_KEYS:
        hint = "; native-tls is deprecated: set system-certs" if key == "native-tls" else ""
        raise ConfigurationError.single(
            origin, f"unknown key {key!r}{hint}; supported keys: {', '.join(SETTABLE_KEYS)}"
        )
    try:
        value = _parse_raw(key, raw_value)
    except _Invalid as exc:
        raise ConfigurationError.single(origin, str(exc)) from None

    document: dict[str, Any] = {}
    if target.exists():
        try:
            document = _load_toml(target)
        except _Invalid as exc:
            raise ConfigurationError.single(
                str(target), f"{exc}; the file was not changed"
            ) from None
    table = document
    if pyproject:
        table = _subtable(document, ("tool", "uv"), target)

    if isinstance(value, list):
        existing = table.get(key, [])
        if not isinstance(existing, list) or not all(isinstance(e, str) for e in existing):
            raise ConfigurationError.single(
                origin,
                f"cannot append: the file's value is {_describe(existing)}, not a list of "
                "strings; fix it by hand first",
            )
        same: Callable[[str], object] = _same_host if key == "allow-insecure-host" else str
        known = {same(entry) for entry in existing}
        additions = []
        for item in value:
            if same(item) not in known:
                known.add(same(item))
                additions.append(item)
        table[key] = [*existing, *additions]
    else:
        table[key] = value
    try:
        import tomli_w  # only `config set` writes: reading settings never needs it

        _atomic_write(target, tomli_w.dumps(document).encode("utf-8"))
    except OSError as exc:
        raise ConfigurationError.single(
            str(target), f"cannot write the file: {exc.strerror or exc}; it was not changed"
        ) from exc


def _same_host(entry: str) -> object:
    """The dedup key of an allow-insecure-host entry; an invalid one compares as written."""
    try:
        return _host_key(entry)
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
                str(_origin(".".join(walked), str(path))),
                f"expected a table, got {_describe(child)}; the file was not changed",
            )
        table = child
    return table


def _atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data``: a temporary file in its directory, then os.replace.

    An existing file's permission bits are kept; a new file gets the usual 0o666 less the
    umask. The temporary file is removed on any failure.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    import secrets  # imported by the one command that writes, not by every run

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
