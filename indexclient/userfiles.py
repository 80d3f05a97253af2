"""Reading a file a person named: a regular file, of bounded size, never blocking.

Trust files, client certificates, configuration files, netrc and requirements files
come from settings, and a setting can name anything: a FIFO (reading blocks until a
writer comes, forever), a device (``/dev/zero`` never ends; opening a tape drive
rewinds it), a directory, or a file of gigabytes. Each is refused here before a byte
is read, with a reason the caller puts after the setting's name (docs/security.md,
"Files you name").

This module is a leaf: it imports nothing from indexclient, so ``tls`` and the settings
can use it.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

__all__ = [
    "MAX_CONFIG_FILE",
    "MAX_NETRC_FILE",
    "MAX_REQUIREMENTS_FILE",
    "MAX_TRUST_FILE",
    "UnreadableFile",
    "is_regular_file",
    "open_regular_file",
    "read_user_file",
]

#: A PEM bundle of every public root is about 250 KB; a corporate one with thousands of
#: intermediates still fits many times over.
MAX_TRUST_FILE = 16 * 1024 * 1024
#: uv.toml and pyproject.toml: a large pyproject.toml is tens of KB.
MAX_CONFIG_FILE = 4 * 1024 * 1024
MAX_NETRC_FILE = 1024 * 1024
#: A hashed lock of thousands of requirements (``uv export``) is a few MB.
MAX_REQUIREMENTS_FILE = 32 * 1024 * 1024

# Neither blocks on a FIFO with no writer nor makes a terminal the controlling one.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1024 * 1024
_UNLIMITED = 1 << 62


class UnreadableFile(Exception):
    """Why a named file cannot be used; ``reason`` reads after the file's name."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: True when nothing exists at the path (callers may treat that as "not set").
        self.missing = missing


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(st: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        raise UnreadableFile(f"it is {kind}, not a regular file")
    if st.st_size > limit:
        raise UnreadableFile(f"it is {st.st_size} bytes, more than the limit of {limit} bytes")


def _os_reason(exc: OSError) -> UnreadableFile:
    if isinstance(exc, FileNotFoundError):
        return UnreadableFile("the file does not exist", missing=True)
    if isinstance(exc, NotADirectoryError):
        return UnreadableFile("a component of the path is not a directory", missing=True)
    if isinstance(exc, PermissionError):
        return UnreadableFile("permission denied")
    return UnreadableFile(f"cannot read it: {exc.strerror or exc}")


def _open_checked(path: str | os.PathLike[str], limit: int) -> int:
    """A descriptor open on ``path`` once it is known to be a regular file within
    ``limit`` bytes, checked before the open and again on what was opened."""
    try:
        # stat before open: opening some devices has effects (a tape rewinds).
        _check(os.stat(path), limit)
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _os_reason(exc) from None
    try:
        # The path may have been swapped since the stat: check what was opened.
        _check(os.fstat(fd), limit)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_user_file(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed), at most ``limit``.

    Raises :class:`UnreadableFile` for a missing or unreadable path, anything that is not
    a regular file, and a file larger than ``limit`` (checked before reading, and again
    while reading, in case it grows). A FIFO or device is never opened for reading data:
    it is refused from its ``stat``, and the open itself cannot block.
    """
    fd = _open_checked(path, limit)
    try:
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(_CHUNK, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnreadableFile(f"it grew past the limit of {limit} bytes while read")
        return b"".join(chunks)
    except OSError as exc:
        raise _os_reason(exc) from None
    finally:
        os.close(fd)


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for binary reading, when it is a regular file (symlinks followed).

    For files too large to read whole (distributions in a local index): the same
    refusals as :func:`read_user_file` but no size limit; the caller bounds its reads.
    """
    return os.fdopen(_open_checked(path, _UNLIMITED), "rb")


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a regular file (symlinks followed); never opens it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
