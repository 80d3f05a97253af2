"""Downloads with hash verification: nothing lands at the destination unless it matches.

A file is streamed to a temporary file beside its destination (same directory, so the
final rename is atomic), every advertised hash that hashlib knows is computed on the
way, and only when all match is it renamed into place. On any failure, interruption or
cancellation the temporary file is removed: the directory holds nothing new.

What a server sends is bounded while it streams (docs/security.md, "Limits"): a download
stops at the size the index advertised (PEP 700 ``size``), else at the response's
Content-Length, else at ``max_size``; a byte more is an error, and a body shorter than
the index promised is one too. The file gets the mode any new file gets under the
user's umask. A failure to write (a name the file system refuses, a full disk) is a
:class:`~indexclient.errors.FileWriteError` for this file alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from indexclient.errors import (
    ConnectError,
    DeadlineError,
    DigestMismatchError,
    FileWriteError,
    MetadataError,
    NotFoundError,
    RequestTimeoutError,
    ResponseError,
    ResponseTooLargeError,
)
from indexclient.indexes import FileSource, open_file
from indexclient.simple import DistributionFile
from indexclient.simple.metadata import SUPPORTED_DIGESTS
from indexclient.transport.http import HttpClient
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.reqfile import Hashes

__all__ = ["DEFAULT_MAX_DOWNLOAD_SIZE", "DownloadResult", "Progress", "download_file"]

#: Called with (bytes written so far, total bytes or None when unknown).
Progress = Callable[[int, int | None], None]

#: The most a download may write when neither the index (PEP 700 ``size``) nor the
#: server (Content-Length) says how large the file is: well above the largest wheels.
DEFAULT_MAX_DOWNLOAD_SIZE = 16 * 1024**3
# A temporary name keeps this much of the file name: a name near the file system's
# limit must not fail as a temporary name before the real problem shows.
_TEMP_NAME_KEEP = 64
# Write-only, created new, mode 0o666 so the umask decides as for any new file
# (mkstemp would give 0o600: a downloaded wheel is not a secret).
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """Where a file was saved, its size, which hash algorithms were verified, and the
    digests computed over it (``(algorithm, hex)``: sha256 always, and each verified)."""

    __module__ = "indexclient"

    path: Path
    size: int
    hashes_checked: tuple[str, ...]
    digests: tuple[tuple[str, str], ...] = ()


def _target(file: DistributionFile, dest_dir: Path) -> Path:
    name = file.filename
    # The filename comes from the index: never let it climb out of the directory.
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise MetadataError(redact_url(file.url), f"unsafe filename {name!r}")
    return dest_dir / name


class _Hashes:
    """The advertised hashes (each must match) and the required ones (``--hash`` in
    hash-checking mode: one of them must match)."""

    def __init__(self, file: DistributionFile, required: Hashes | None = None) -> None:
        self.expected = {
            n.lower(): v.strip().lower()
            for n, v in file.hashes.items()
            if n.lower() in SUPPORTED_DIGESTS
        }
        self.required = required.by_algorithm() if required else {}
        self.reset()

    def reset(self) -> None:
        names = {"sha256", *self.expected, *self.required}
        self.running = {name: hashlib.new(name) for name in names}

    def digests(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((name, h.hexdigest()) for name, h in self.running.items()))

    def update(self, chunk: bytes) -> None:
        for h in self.running.values():
            h.update(chunk)

    def verify(self, url: str) -> tuple[str, ...]:
        # sha256 first, as the strongest hash indexes commonly give.
        order = sorted(self.expected, key=lambda n: (n != "sha256", n))
        for name in order:
            actual = self.running[name].hexdigest()
            if actual != self.expected[name]:
                raise DigestMismatchError(url, name, self.expected[name], actual)
        if self.required:
            # pip's hash-checking mode: any one of the known-good digests will do.
            if not any(
                self.running[name].hexdigest() in digests for name, digests in self.required.items()
            ):
                name = "sha256" if "sha256" in self.required else min(self.required)
                allowed = sorted(self.required[name])
                expected = allowed[0] if len(allowed) == 1 else "one of " + ", ".join(allowed)
                raise DigestMismatchError(url, name, expected, self.running[name].hexdigest())
            order = sorted({*order, *self.required}, key=lambda n: (n != "sha256", n))
        return tuple(order)


async def download_file(
    http: HttpClient,
    file: DistributionFile,
    dest_dir: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    max_size: int = DEFAULT_MAX_DOWNLOAD_SIZE,
    hashes: Hashes | None = None,
) -> DownloadResult:
    """Download ``file`` into ``dest_dir`` and verify it; see the module docstring.
    ``hashes``: known-good digests (a requirements file's ``--hash``), one of which the
    bytes must also match."""
    directory = Path(dest_dir)
    if not directory.is_dir():  # noqa: ASYNC240 - one stat before any IO starts
        raise FileWriteError(str(directory), "not a directory")
    target = _target(file, directory)
    checks = _Hashes(file, hashes)
    fd, temp = _create_temporary(directory, file.filename)
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                size = await _fetch(http, file, out, checks, progress, max_size=max_size)
            checked = checks.verify(redact_url(file.url))
            os.replace(temp, target)
        except OSError as exc:
            # Network and source failures arrive as indexclient errors: an OSError here
            # is the destination's (ENAMETOOLONG, ENOSPC, EACCES...).
            raise FileWriteError(str(target), exc.strerror or str(exc)) from exc
    except BaseException:
        # Failure, Ctrl-C, SIGTERM or task cancellation alike: leave nothing behind.
        # Synchronous on purpose: awaiting in a cancelled task would be cancelled too.
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return DownloadResult(target, size, checked, checks.digests())


def _create_temporary(directory: Path, filename: str) -> tuple[int, Path]:
    """A new, empty temporary file in ``directory`` (the rename target's directory)."""
    stem = filename[:_TEMP_NAME_KEEP]
    for _ in range(100):
        temp = directory / f".{stem}.{os.urandom(6).hex()}.part"
        try:
            return os.open(temp, _CREATE_FLAGS, 0o666), temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise FileWriteError(str(directory / filename), exc.strerror or str(exc)) from exc
    raise FileWriteError(str(directory / filename), "cannot create a temporary file")


def _limit(file: DistributionFile, announced: int | None, max_size: int) -> int:
    """The most bytes the body may have: the index's size, else the server's."""
    if file.size is not None:
        if announced is not None and announced != file.size:
            raise ResponseError(
                redact_url(file.url),
                200,
                f"the server announces {announced} bytes but the index says the file has "
                f"{file.size}; nothing was kept",
            )
        return file.size
    return announced if announced is not None else max_size


def _too_large(file: DistributionFile, limit: int, status: int) -> ResponseTooLargeError:
    promised = "the index promised" if file.size is not None else "were announced"
    return ResponseTooLargeError(
        redact_url(file.url),
        status,
        limit,
        f"the server sent more than the {limit} bytes {promised}; nothing was kept",
    )


def _check_complete(file: DistributionFile, done: int, status: int) -> None:
    if file.size is not None and done != file.size:
        raise ResponseError(
            redact_url(file.url),
            status,
            f"the server sent {done} bytes but the index says the file has {file.size}; "
            "nothing was kept",
        )


async def _fetch(
    http: HttpClient,
    file: DistributionFile,
    out: BinaryIO,
    hashes: _Hashes,
    progress: Progress | None,
    *,
    max_size: int,
) -> int:
    """Stream into ``out``; a connection lost mid-body starts again from the beginning,
    within the client's retry budget (never past the request's deadline)."""
    source = open_file(file.url, http)
    attempt = 0
    until = http.deadline_end()  # one deadline for every attempt
    while True:
        try:
            return await _fetch_once(
                source, file, out, hashes, progress, max_size=max_size, until=until
            )
        except (ConnectError, RequestTimeoutError) as exc:
            if isinstance(exc, DeadlineError) or attempt >= http.retry.retries:
                raise
            delay = http.retry.delay(attempt)
        attempt += 1
        out.seek(0)
        out.truncate()
        hashes.reset()
        await asyncio.sleep(delay)


async def _fetch_once(
    source: FileSource,
    file: DistributionFile,
    out: BinaryIO,
    hashes: _Hashes,
    progress: Progress | None,
    *,
    max_size: int,
    until: float,
) -> int:
    # The limit below, checked before each write, bounds the body; chunks are small (the
    # decoder hands out at most 256 KiB, a local file is read 1 MiB at a time), so
    # memory stays bounded without a cap of its own.
    async with source.body(until=until) as body:
        if body.status in (404, 410):
            raise NotFoundError(redact_url(file.url), body.status, "the file is not there")
        if body.status != 200:
            raise ResponseError(redact_url(file.url), body.status, "the download failed")
        limit = _limit(file, body.announced, max_size)
        total = limit if file.size is not None or body.announced is not None else None
        done = 0
        async for chunk in body.chunks:
            if done + len(chunk) > limit:  # more than promised, or a file that grew
                raise _too_large(file, limit, body.status)
            out.write(chunk)
            hashes.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        _check_complete(file, done, body.status)
    return done
