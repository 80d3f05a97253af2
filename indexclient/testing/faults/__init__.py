"""A loopback HTTP(S) server that misbehaves on purpose, at the byte level.

Each path is given a *script*: a sequence of replies used one per request, the last one
repeating. Replies range from well-behaved (:func:`ok`, :func:`status`, :func:`redirect`,
:func:`ranged`) to broken (:func:`reset_before_headers`, :func:`reset_mid_headers`,
:func:`reset_mid_body`, :func:`byte_by_byte`, :func:`stall`, :func:`wrong_content_length`,
:func:`gzip_bomb`, :func:`endless_body`)::

    async with fault_server(server_context(leaf)) as server:
        server.script("/simple/", [status(503, retry_after="0"), ok(b"<html></html>")])
        ...  # fetch server.url + "simple/"
        assert server.hits("/simple/") == 2

The server is plain :mod:`asyncio` (sockets and streams), not an aiohttp application, so
it can cut a status line in half or close a TLS connection mid-body. It speaks just enough
HTTP/1.1: it reads a request head (and discards a ``Content-Length`` body), answers, and
keeps the connection open for the next request unless the reply closed it. A path nobody scripted
is answered 404. Leaving the ``async with`` stops listening, cancels every connection
(a :func:`stall` included) and closes every socket.

Some misbehaviour needs no fault of its own: a wrong ``Content-Type`` or a body that is
not UTF-8 is ``ok(b"\\xff\\xfe", content_type="text/html")``. For anything else, a reply is any
object with the :class:`Fault` method ``respond``: write one using :class:`Connection` to
send bytes, close or reset.
"""

from indexclient.testing.faults.broken import (
    byte_by_byte,
    endless_body,
    gzip_bomb,
    reset_before_headers,
    reset_mid_body,
    reset_mid_headers,
    stall,
    wrong_content_length,
)
from indexclient.testing.faults.connection import Connection, Fault
from indexclient.testing.faults.replies import Reply, ok, ranged, redirect, status
from indexclient.testing.faults.server import FaultServer, fault_server

__all__ = [
    "Connection",
    "Fault",
    "FaultServer",
    "Reply",
    "byte_by_byte",
    "endless_body",
    "fault_server",
    "gzip_bomb",
    "ok",
    "ranged",
    "redirect",
    "reset_before_headers",
    "reset_mid_body",
    "reset_mid_headers",
    "stall",
    "status",
    "wrong_content_length",
]
