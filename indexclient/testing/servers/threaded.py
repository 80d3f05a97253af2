"""A local server on an event loop in a background thread, for synchronous callers."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator

from indexclient.testing.servers.local import Handler, LocalServer, Routes, _serve


@contextlib.contextmanager
def serve_in_thread(
    ssl_context: ssl.SSLContext | None,
    handler: Handler | None = None,
    *,
    routes: Routes | None = None,
    host: str = "127.0.0.1",
) -> Iterator[LocalServer]:
    """:func:`serve_https` (or plain HTTP with ``ssl_context=None``) on an event loop in a
    background thread, for synchronous tests and tools run as subprocesses."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    found: list[LocalServer] = []
    failure: list[BaseException] = []
    stop = asyncio.Event()

    async def serve() -> None:
        try:
            async with _serve(ssl_context, handler, routes, host, 0) as server:
                found.append(server)
                started.set()
                await stop.wait()
        except BaseException as exc:  # reported to the caller's thread below
            failure.append(exc)
        finally:
            started.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    started.wait(30)
    try:
        if not found:
            raise RuntimeError(f"the local server did not start: {failure[:1]}")
        yield found[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
