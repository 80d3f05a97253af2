"""An exclusive lock beside a configuration file, for ``config set``'s read-modify-write.

Two ``config set`` runs on one file would otherwise both read the old text and the
second rename would drop the first one's change. The lock is a separate file,
``.NAME.lock`` in the file's directory (the file itself is replaced by a rename, so a
lock on it would lock the old file); it is left in place, as removing it would race with
a run about to lock it. ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows.

Waiting is bounded by :data:`LOCK_TIMEOUT` (docs/security.md, "Writes lose nothing"): a
run that holds the lock forever (stopped, or on a stuck network file system) makes the
others fail with a clear error, not hang.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = ["LOCK_TIMEOUT", "LockError", "LockTimeout", "lock_path", "locked"]

#: Seconds ``config set`` waits for another run to finish with the same file.
LOCK_TIMEOUT: Final = 10.0

_FIRST_WAIT = 0.005
_LONGEST_WAIT = 0.1


class LockError(Exception):
    """The lock cannot be taken; the message says why and names the lock file."""


class LockTimeout(LockError):
    """Another process held the lock for longer than the timeout."""


def lock_path(target: Path) -> Path:
    """The lock file of ``target``: ``.NAME.lock`` beside it."""
    return target.with_name(f".{target.name}.lock")


@contextlib.contextmanager
def locked(target: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``target`` (its directory must exist).

    Raises :class:`LockTimeout` after ``timeout`` seconds (:data:`LOCK_TIMEOUT` when
    None) of waiting, and :class:`LockError` when the lock file cannot be created or
    opened (a read-only directory; a symlink, which is not followed).
    """
    path = lock_path(target)
    flags = os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        try:
            descriptor = os.open(path, os.O_RDWR | flags, 0o666)
        except PermissionError:
            # Another user's lock file in a shared directory: read-only, it locks too.
            descriptor = os.open(path, os.O_RDONLY | flags)
    except OSError as exc:
        raise LockError(f"cannot open the lock file {path}: {exc.strerror or exc}") from None
    try:
        timeout = LOCK_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + timeout
        wait = _FIRST_WAIT
        while not _try_lock(descriptor):
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"another process kept the lock {path} for more than {timeout:g} seconds"
                )
            time.sleep(wait)
            wait = min(wait * 2, _LONGEST_WAIT)
        try:
            yield
        finally:
            _unlock(descriptor)
    finally:
        os.close(descriptor)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        os.lseek(descriptor, 0, os.SEEK_SET)
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
