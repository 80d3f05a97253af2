"""Running a command's coroutine so that Ctrl-C and SIGTERM end it cleanly on every Python.

Either signal cancels the command's task, so every ``finally`` and ``except
BaseException`` in it runs: a download removes its temporary file, connections close.
Then Ctrl-C raises KeyboardInterrupt (exit status 130) and SIGTERM raises
:class:`Terminated` (exit status 143, 128 + 15, as a shell reports a process it killed).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

from indexclient.cli.exits import Terminated

__all__ = ["Terminated", "run_async"]

T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``; SIGINT or SIGTERM cancels ``main``, then raises
    KeyboardInterrupt or :class:`Terminated`.

    asyncio's own runner (3.11+) turns only SIGINT into a cancellation; SIGTERM's
    default action would kill the process mid-write. On 3.10 even the
    KeyboardInterrupt can be raised inside the task, which then keeps it and reports it
    at exit as "Task exception was never retrieved". One runner does both, everywhere.
    """
    loop = asyncio.new_event_loop()
    stopped_by: list[signal.Signals] = []
    task = loop.create_task(main)

    def stop(signum: signal.Signals) -> None:
        stopped_by.append(signum)
        task.cancel()

    try:
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Not on Windows, nor outside the main thread: there signals stay as they were.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop, signum)
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if stopped_by and stopped_by[0] == signal.SIGTERM:
                raise Terminated from None
            if stopped_by:
                raise KeyboardInterrupt from None
            raise
    finally:
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signum)
            _cancel_remaining(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
