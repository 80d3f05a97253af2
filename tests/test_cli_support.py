"""Helpers for the command-line tests (no tests here).

The command runs ``asyncio.run`` itself, so in-process tests are plain functions and a
local index runs on an event loop in a background thread for them.
"""

from __future__ import annotations

import contextlib
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from indexclient.cli import main
from indexclient.testing.index import SimpleIndex
from indexclient.testing.servers import LocalServer, Routes, serve_in_thread

PYTHON = sys.executable
EXAMPLES = Path(__file__).parent.parent / "examples"


@dataclass(frozen=True)
class Result:
    """What one run of the command produced."""

    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """``main(argv)`` in this process, with its exit status and captured output."""
    capsys.readouterr()  # drop anything printed before
    code = main(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


@contextlib.contextmanager
def running_server(context: ssl.SSLContext, routes: Routes) -> Iterator[LocalServer]:
    """An HTTPS server on 127.0.0.1, served from a background thread's event loop."""
    with serve_in_thread(context, routes=routes) as server:
        yield server


def demo_index() -> SimpleIndex:
    """Projects for the command tests; ``forbidden`` answers 403 (see :func:`routes`)."""
    index = SimpleIndex()
    index.add_wheel("demo-package", "1.0")
    index.add_wheel("demo-package", "1.1", requires_python=">=3.8")
    index.add_wheel("demo-package", "2.0", requires_dist=["tiny-utils>=0.3", "attrs"])
    index.add_wheel("demo-package", "2.1", yanked="broken build")
    index.add_wheel("tiny-utils", "0.3")
    index.add_wheel("tiny-utils", "0.4")
    return index


def routes(index: SimpleIndex) -> Routes:
    """The index's routes, plus ``/simple/forbidden/`` answering 403."""

    async def forbidden(request: web.Request) -> web.Response:
        raise web.HTTPForbidden()

    def register(app: web.Application) -> None:
        app.router.add_get(index.prefix + "forbidden/", forbidden)
        index.routes(app)

    return register


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Work in ``tmp_path/work`` with the user and system configuration inside tmp_path.

    Returns the working directory. No uv.toml of this machine is read: XDG_CONFIG_HOME
    and XDG_CONFIG_DIRS point into tmp_path (``/etc/uv/uv.toml`` does not exist on the
    test machines; tests that depend on it check).
    """
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg-dirs"))
    return work
