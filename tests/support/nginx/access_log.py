"""nginx's access logs: one JSON object a line, read back as :class:`AccessLogEntry`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import NamedTuple

from support.nginx.binary import NginxError


class AccessLogEntry(NamedTuple):
    """One request as nginx logged it."""

    method: str
    uri: str
    """The request target as sent, query string included."""
    status: int
    body_bytes: int
    """``$body_bytes_sent``: the response body bytes nginx wrote (headers excluded)."""
    range: str
    """The request's ``Range`` header, empty when there was none."""
    content_type: str
    """The response's ``Content-Type``."""
    accept: str
    """The request's ``Accept`` header."""
    tls: str
    """``$ssl_protocol``: ``TLSv1.3``, ``TLSv1.2``..., empty over plain HTTP."""
    client_dn: str
    """``$ssl_client_s_dn``: the client certificate's subject, empty without one."""
    client_verify: str
    """``$ssl_client_verify``: ``SUCCESS``, ``NONE`` or ``FAILED:<reason>``."""
    connection: int
    """``$connection``: the serial number of the TCP connection (reuse shows as repeats)."""
    connection_requests: int
    """``$connection_requests``: this request's number on its connection, from 1."""
    user: str = ""
    """``$remote_user``: the Basic-auth user name sent, empty without one."""


# Logged as one JSON object per line (escape=json), parsed by _parse_log_line.
_LOG_FIELDS = {
    "method": "$request_method",
    "uri": "$request_uri",
    "status": "$status",
    "body_bytes": "$body_bytes_sent",
    "range": "$http_range",
    "content_type": "$sent_http_content_type",
    "accept": "$http_accept",
    "tls": "$ssl_protocol",
    "client_dn": "$ssl_client_s_dn",
    "client_verify": "$ssl_client_verify",
    "connection": "$connection",
    "connection_requests": "$connection_requests",
    "user": "$remote_user",
}


def _parse_log_line(line: str) -> AccessLogEntry:
    raw = json.loads(line)
    return AccessLogEntry(
        method=raw["method"],
        uri=raw["uri"],
        status=int(raw["status"]),
        body_bytes=int(raw["body_bytes"] or 0),
        range=raw["range"],
        content_type=raw["content_type"],
        accept=raw["accept"],
        tls=raw["tls"],
        client_dn=raw["client_dn"],
        client_verify=raw["client_verify"],
        connection=int(raw["connection"]),
        connection_requests=int(raw["connection_requests"]),
        user=raw.get("user", ""),
    )


def read_entries(path: Path, name: str, *, wait_for: int, timeout: float) -> list[AccessLogEntry]:
    """Every entry of ``path``, the access log of site ``name``, once there are ``wait_for``.

    Waits up to ``timeout`` seconds for them, then raises :class:`NginxError` (see
    :meth:`~support.nginx.NginxServer.access_log`).
    """
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        # A line is complete once its newline is written: drop what follows the last one.
        entries = [_parse_log_line(line) for line in text.split("\n")[:-1] if line]
        if len(entries) >= wait_for:
            return entries
        if time.monotonic() > deadline:
            raise NginxError(
                f"site {name!r} logged {len(entries)} requests, not {wait_for}, "
                f"within {timeout:g} s"
            )
        time.sleep(0.005)


def truncate_log(path: Path) -> None:
    """Empty the log at ``path``, if there is one, without replacing the file."""
    if path.exists():
        # Truncate in place: nginx holds the file open in append mode.
        with path.open("r+b") as f:
            f.truncate(0)
