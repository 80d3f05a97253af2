"""Downloads with hash verification: nothing lands at the destination unless it matches.

A file is streamed to a temporary file beside its destination (same directory, so the
final rename is atomic), every advertised hash that hashlib knows is computed on the
way, and only when all match is it renamed into place. On any failure, interruption or
cancellation the temporary file is removed: the directory holds nothing new.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from indexclient.errors import ConnectError, NotFoundError, ResponseError, TimeoutError
from indexclient.local import path_from_file_url
from indexclient.simple import DistributionFile
from indexclient.simple.metadata import SUPPORTED_DIGESTS, DigestMismatchError, MetadataError
from indexclient.transport.http import HttpClient
from indexclient.urls import redact_url

__all__ = ["DownloadResult", "Progress", "download_file"]

#: Called with (bytes written so far, total bytes or None when unknown).
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """Where a file was saved, its size, and which hash algorithms were verified."""

    path: Path
    size: int
    hashes_checked: tuple[str, ...]


def _target(file: DistributionFile, dest_dir: Path) -> Path:
    name = file.filename
    # The filename comes from the index: never let it climb out of the directory.
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise MetadataError(redact_url(file.url), f"unsafe filename {name!r}")
    return dest_dir / name


class _Hashes:
    def __init__(self, file: DistributionFile) -> None:
        self.expected = {
            n.lower(): v.strip().lower()
            for n, v in file.hashes.items()
            if n.lower() in SUPPORTED_DIGESTS
        }
        self.reset()

    def reset(self) -> None:
        self.running = {name: hashlib.new(name) for name in self.expected}

    def update(self, chunk: bytes) -> None:
        for h in self.running.values():
            h.update(chunk)

    def verify(self, url: str) -> tuple[str, ...]:
        # sha256 first, as the strongest hash indexes commonly give.
        for name in sorted(self.running, key=lambda n: (n != "sha256", n)):
            actual = self.running[name].hexdigest()
            if actual != self.expected[name]:
                raise DigestMismatchError(url, name, self.expected[name], actual)
        return tuple(sorted(self.running, key=lambda n: (n != "sha256", n)))


async def download_file(
    http: HttpClient,
    file: DistributionFile,
    dest_dir: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
) -> DownloadResult:
    """Download ``file`` into ``dest_dir`` and verify it; see the module docstring."""
    directory = Path(dest_dir)
    if not directory.is_dir():  # noqa: ASYNC240 - one stat before any IO starts
        raise NotADirectoryError(f"{directory} is not a directory")
    target = _target(file, directory)
    hashes = _Hashes(file)
    import tempfile  # downloads only: the rest of the client never writes temp files

    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{file.filename}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            if file.url.startswith("file:"):
                size = await asyncio.to_thread(_copy_local, file, out, hashes, progress)
            else:
                size = await _fetch(http, file, out, hashes, progress)
        checked = hashes.verify(redact_url(file.url))
        os.replace(temp, target)
    except BaseException:
        # Failure, Ctrl-C or task cancellation alike: leave nothing behind.
        # Synchronous on purpose: awaiting in a cancelled task would be cancelled too.
        with contextlib.suppress(OSError):
            temp.unlink()  # noqa: ASYNC240
        raise
    return DownloadResult(target, size, checked)


def _copy_local(
    file: DistributionFile, out: BinaryIO, hashes: _Hashes, progress: Progress | None
) -> int:
    source = path_from_file_url(file.url)
    total = source.stat().st_size
    done = 0
    with source.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            out.write(chunk)
            hashes.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return done


async def _fetch(
    http: HttpClient,
    file: DistributionFile,
    out: BinaryIO,
    hashes: _Hashes,
    progress: Progress | None,
) -> int:
    """Stream into ``out``; a connection lost mid-body starts again from the beginning,
    within the client's retry budget."""
    attempt = 0
    while True:
        try:
            return await _fetch_once(http, file, out, hashes, progress)
        except (ConnectError, TimeoutError):
            if attempt >= http.retry.retries:
                raise
            delay = http.retry.delay(attempt)
        attempt += 1
        out.seek(0)
        out.truncate()
        hashes.reset()
        await asyncio.sleep(delay)


async def _fetch_once(
    http: HttpClient,
    file: DistributionFile,
    out: BinaryIO,
    hashes: _Hashes,
    progress: Progress | None,
) -> int:
    async with http.stream(file.url) as stream:
        if stream.status in (404, 410):
            raise NotFoundError(redact_url(file.url), stream.status, "the file is not there")
        if stream.status != 200:
            raise ResponseError(redact_url(file.url), stream.status, "the download failed")
        encoded = stream.headers.get("Content-Encoding", "identity").lower() != "identity"
        total = None if encoded else (stream.content_length or file.size)
        done = 0
        async for chunk in stream.chunks():
            out.write(chunk)
            hashes.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return done
