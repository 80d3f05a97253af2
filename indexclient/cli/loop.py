"""Running a command's coroutine so that Ctrl-C ends it cleanly on every Python."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_async"]

T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``; Ctrl-C cancels ``main`` and raises KeyboardInterrupt.

    Python 3.11's runner already turns SIGINT into a cancellation of the main task. On
    3.10 the KeyboardInterrupt can be raised inside the task, which then also keeps it
    and is reported at exit as "Task exception was never retrieved", traceback and
    all, after the command had exited with 130. This does what 3.11 does.
    """
    if sys.version_info >= (3, 11):
        return asyncio.run(main)
    return _run_cancelling_on_sigint(main)  # pragma: no cover - Python 3.10


def _run_cancelling_on_sigint(main: Coroutine[Any, Any, T]) -> T:  # pragma: no cover
    loop = asyncio.new_event_loop()
    interrupted = False
    task = loop.create_task(main)

    def interrupt() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    try:
        asyncio.set_event_loop(loop)
        # Not on Windows, nor outside the main thread: there Ctrl-C stays as it was.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, interrupt)
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if interrupted:
                raise KeyboardInterrupt from None
            raise
    finally:
        try:
            _cancel_remaining(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:  # pragma: no cover
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
