"""Loopback-only addresses, and the record of a request that every server here keeps."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import NamedTuple

from multidict import CIMultiDict


class SeenRequest(NamedTuple):
    """One request as the server (or proxy) received it."""

    method: str
    path: str
    """The request target exactly as sent: percent-encoding and query string preserved."""
    headers: CIMultiDict[str]
    """A copy of the request headers; lookups are case-insensitive."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or an IPv4/IPv6 loopback literal (all of 127/8)."""
    host = host.removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind_host(host: str) -> str:
    if not is_loopback(host):
        raise ValueError(f"test servers only listen on loopback, not {host!r}")
    host = host.removeprefix("[").removesuffix("]")
    # "localhost" may resolve to both ::1 and 127.0.0.1, and port 0 would then give each its
    # own port; bind the IPv4 one only.
    return "127.0.0.1" if host.lower() == "localhost" else host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def read_request_head(reader: asyncio.StreamReader) -> SeenRequest | None:
    """The next HTTP/1.1 request head from ``reader``; None at EOF or on a malformed one."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split()
    if len(parts) != 3:
        return None
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.add(name.strip(), value.strip())
    return SeenRequest(parts[0], parts[1], headers)
