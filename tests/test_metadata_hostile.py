"""Core metadata from a hostile server: range replies that crawl or lie, endless files.

Range reading has a request budget and a minimum progress per reply: a server that
breaks either is treated as one that does not serve ranges, and the whole file is read
instead, bounded by the index's size and checked against its hash (docs/security.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import ssl
import struct
import tracemalloc
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Pki

from indexclient import IndexClient
from indexclient.errors import (
    ConfigurationError,
    MetadataError,
    MetadataTooLargeError,
    ResponseTooLargeError,
)
from indexclient.fetching import MAX_RANGE_REQUESTS
from indexclient.simple import DistributionFile, FrozenDict
from indexclient.testing.faults import Connection, endless_body, fault_server, ranged
from indexclient.testing.faults.connection import _message
from indexclient.testing.pki import server_context
from indexclient.testing.servers.loopback import SeenRequest
from indexclient.testing.wheels import build_wheel
from indexclient.transport.http import RetryPolicy

NAME, BODY, METADATA = build_wheel("demo", "1.0", payload_size=200_000)
NO_RETRY = RetryPolicy(retries=0)


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


def wheel_at(url: str, *, size: int | None = len(BODY)) -> DistributionFile:
    digest = hashlib.sha256(BODY).hexdigest()
    return DistributionFile(NAME, url, hashes=FrozenDict({"sha256": digest}), size=size)


def ranges_asked(server_requests: list[SeenRequest]) -> list[str]:
    return [r.headers["Range"] for r in server_requests if "Range" in r.headers]


async def test_range_replies_of_one_byte_stop_within_the_budget(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with (
        fault_server(tls) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env, retry=NO_RETRY) as client,
    ):
        server.script(f"/files/{NAME}", ranged(BODY, max_reply=1))
        found = await asyncio.wait_for(
            client.core_metadata(wheel_at(server.url + f"files/{NAME}")), 30
        )
    # Given up on ranges at the first reply that made too little progress; the whole
    # file was read and checked against its hash instead.
    assert found.source == "wheel"
    assert found.metadata.raw == METADATA
    assert len(ranges_asked(server.requests)) <= MAX_RANGE_REQUESTS
    assert len(ranges_asked(server.requests)) == 1


@dataclass(frozen=True)
class _OtherBytes:
    """206 to every range, with honest Content-Range but bytes from elsewhere: the
    start of the file when the tail was asked for, one byte further on otherwise."""

    body: bytes

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        asked = request.headers.get("Range")
        if asked is None:
            await conn.send(_message(200, [("Content-Type", "application/zip")], self.body))
            return
        spec = asked.partition("=")[2]
        first_text, _, last_text = spec.partition("-")
        size = len(self.body)
        if not first_text:  # bytes=-N: answer with the first N bytes instead
            first, last = 0, min(size, int(last_text)) - 1
        else:
            first = int(first_text) + 1
            last = min(int(last_text) + 1, size - 1)
        headers = [("Content-Range", f"bytes {first}-{last}/{size}")]
        await conn.send(_message(206, headers, self.body[first : last + 1]))


async def test_range_replies_for_other_bytes_are_not_used(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with (
        fault_server(tls) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env, retry=NO_RETRY) as client,
    ):
        server.script(f"/files/{NAME}", _OtherBytes(BODY))
        found = await client.core_metadata(wheel_at(server.url + f"files/{NAME}"))
    assert found.source == "wheel"
    assert found.metadata.raw == METADATA
    assert len(ranges_asked(server.requests)) == 1


async def test_whole_file_fallback_stops_at_the_index_size(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with (
        fault_server(tls) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env, retry=NO_RETRY) as client,
    ):
        # Ranges ignored (a 200), and the body never ends.
        server.script(f"/files/{NAME}", endless_body())
        with pytest.raises(ResponseTooLargeError, match=f"larger than {len(BODY)} bytes"):
            await asyncio.wait_for(client.core_metadata(wheel_at(server.url + f"files/{NAME}")), 30)


@pytest.mark.parametrize("kind", ["fifo", "device"])
async def test_a_local_wheel_must_be_a_regular_file(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / NAME
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    file = DistributionFile(NAME, path.as_uri(), size=None)
    async with IndexClient(tmp_path.as_uri()) as client:
        with pytest.raises(ConfigurationError, match="not a regular file"):
            await asyncio.wait_for(client.core_metadata(file), 10)


# --------------------------------------------------------------------------- archives

BOMB_NAME = "bomb-1.0-py3-none-any.whl"
MIB = 1024 * 1024


def zip_bomb(declared: int | None = None) -> bytes:
    """A wheel whose METADATA inflates to 64 MiB of zeros (about 64 KB compressed);
    with ``declared``, its central directory claims that size instead."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n")
        with archive.open("bomb-1.0.dist-info/METADATA", "w", force_zip64=False) as stream:
            for _ in range(64):
                stream.write(bytes(MIB))
    data = bytearray(out.getvalue())
    if declared is not None:
        at = data.rindex(b"PK\x01\x02")  # the last central entry: METADATA
        struct.pack_into("<L", data, at + 24, declared)
    return bytes(data)


async def test_an_archive_member_declared_too_large_is_refused_before_it_is_fetched(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    bomb = zip_bomb()
    async with (
        fault_server(tls) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env, retry=NO_RETRY) as client,
    ):
        server.script(f"/files/{BOMB_NAME}", ranged(bomb))
        file = DistributionFile(BOMB_NAME, f"{server.url}files/{BOMB_NAME}")
        with pytest.raises(MetadataTooLargeError) as caught:
            await client.core_metadata(file)
    assert caught.value.size == 64 * MIB
    assert ranges_asked(server.requests) == ["bytes=-65536"]  # the tail, nothing more


async def test_an_archive_member_that_lies_about_its_size_stops_early(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    bomb = zip_bomb(declared=1000)
    async with (
        fault_server(tls) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env, retry=NO_RETRY) as client,
    ):
        server.script(f"/files/{BOMB_NAME}", ranged(bomb))
        file = DistributionFile(BOMB_NAME, f"{server.url}files/{BOMB_NAME}")
        tracemalloc.start()
        try:
            with pytest.raises(MetadataError, match="inflates past"):
                await client.core_metadata(file)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16 * MIB  # never the 64 MiB the member really holds
