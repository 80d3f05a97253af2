"""Several indexes, a find-links page and misbehaving indexes on one local server, and
uv run on the same setup: the tests of uv's index model compare indexclient with it.

One plain-HTTP server on 127.0.0.1 (a background thread) serves:

- ``/a/simple/``: foo 1.0, baz 1.0 and 4.0a1;
- ``/b/simple/``: foo 2.0, bar 1.0, baz 3.0;
- ``/v/simple/`` (a "vendor" index): foo 9.0, secret 1.0;
- ``/flat/``: a page of links to foo 5.0 and qux 1.0 (find-links);
- ``/sNNN/simple/<project>/``: every project page answered with status NNN.

uv is found at ``INDEXCLIENT_TEST_UV``, beside the interpreter (the ``dev`` group
installs it), on PATH, or where ``make bench`` installs it;
:func:`uv_compile` runs ``uv pip compile`` with no configuration but what a test gives,
a throwaway cache and home, no retries, and the running interpreter as the target.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from indexclient.testing.index import SimpleIndex
from indexclient.testing.servers import LocalServer, serve_in_thread

STATUSES = (401, 403, 404, 410, 418)
_BENCH_UV = "/tmp/benchclone/.venv/bin/uv"


@dataclass(frozen=True)
class Lab:
    """The running server and the URLs of what it serves."""

    server: LocalServer
    flat_files: SimpleIndex

    @property
    def base(self) -> str:
        return self.server.url

    @property
    def a(self) -> str:
        return f"{self.base}a/simple/"

    @property
    def b(self) -> str:
        return f"{self.base}b/simple/"

    @property
    def v(self) -> str:
        return f"{self.base}v/simple/"

    @property
    def flat(self) -> str:
        return f"{self.base}flat/"

    def status(self, code: int) -> str:
        """An index answering every project page with ``code``."""
        return f"{self.base}s{code}/simple/"

    def mark(self) -> int:
        """Where the requests of what follows start (see :meth:`paths_since`)."""
        return len(self.server.requests)

    def paths_since(self, mark: int) -> list[str]:
        """The paths asked for since ``mark``."""
        return [r.path for r in self.server.requests[mark:]]


def _index(prefix: str, wheels: Sequence[tuple[str, str]]) -> SimpleIndex:
    index = SimpleIndex(prefix=f"/{prefix}/simple/", files_prefix=f"/{prefix}/files/")
    for name, version in wheels:
        index.add_wheel(name, version)
    return index


@dataclass
class _Routes:
    indexes: Sequence[SimpleIndex]
    flat: SimpleIndex

    def __call__(self, app: web.Application) -> None:
        for index in self.indexes:
            index.routes(app)
        self.flat.routes(app)
        flat = self.flat

        async def links(request: web.Request) -> web.Response:
            anchors = "".join(
                f'<a href="/fl/files/{f.filename}#sha256={f.sha256}">{f.filename}</a>\n'
                for files in flat.projects.values()
                for f in files
            )
            # Not a distribution: left out of every project's files.
            anchors += '<a href="/docs/">documentation</a>\n'
            return web.Response(
                text=f"<html><body>{anchors}</body></html>", content_type="text/html"
            )

        app.router.add_get("/flat/", links)
        for code in STATUSES:

            async def answer(request: web.Request, code: int = code) -> web.Response:
                return web.Response(status=code, text="no")

            app.router.add_get(f"/s{code}/simple/{{project}}/", answer)


def serve_lab() -> Iterator[Lab]:
    """Run the lab's server (a generator for a fixture)."""
    a = _index("a", [("foo", "1.0"), ("baz", "1.0"), ("baz", "4.0a1")])
    b = _index("b", [("foo", "2.0"), ("bar", "1.0"), ("baz", "3.0")])
    v = _index("v", [("foo", "9.0"), ("secret", "1.0")])
    flat = _index("fl", [("foo", "5.0"), ("qux", "1.0")])
    with serve_in_thread(None, routes=_Routes((a, b, v), flat)) as server:
        yield Lab(server, flat)


# --------------------------------------------------------------------------- uv


def find_uv() -> str | None:
    """uv's executable: INDEXCLIENT_TEST_UV, else the one installed beside the running
    interpreter (the dev group's), else on PATH, else make bench's."""
    given = os.environ.get("INDEXCLIENT_TEST_UV")
    if given:
        return given
    beside = Path(sys.executable).parent / "uv"
    if os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("uv")
    if found:
        return found
    return _BENCH_UV if os.access(_BENCH_UV, os.X_OK) else None


@dataclass(frozen=True)
class UvResult:
    """One ``uv pip compile``: exit status, the pins it printed, its stderr."""

    code: int
    versions: dict[str, str]
    err: str


_PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)$")


def uv_environment(work: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment for running uv in ``work``: no configuration file, its cache
    in ``work``, no Python downloads, no retries; then ``env``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "UV_NO_CONFIG": "1",
        "UV_CACHE_DIR": str(work / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_HTTP_RETRIES": "0",
        **(env or {}),
    }


def uv_compile(
    uv: str,
    src: Path,
    work: Path,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    cache: bool = False,
) -> UvResult:
    """``uv pip compile SRC`` in ``work`` with no configuration file unless ``args``
    give one (``--config-file``), no retries, and no cache (``cache``: the one in
    ``work``, kept from run to run)."""
    environ = uv_environment(work, env)
    command = [
        uv,
        "pip",
        "compile",
        *(() if cache else ("--no-cache",)),
        "--no-deps",
        "--no-header",
        "--no-annotate",
        "--python",
        sys.executable,
        "-q",
        str(src),
        *args,
    ]
    done = subprocess.run(
        command, env=environ, cwd=work, capture_output=True, text=True, timeout=60, check=False
    )
    versions = {}
    for line in done.stdout.splitlines():
        match = _PIN.match(line.strip())
        if match:
            versions[match.group(1)] = match.group(2)
    return UvResult(done.returncode, versions, done.stderr)
