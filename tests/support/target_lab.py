"""The stored project pages of ``tests/data/pages`` served on 127.0.0.1, and uv run
against them: the target tests compare indexclient's choice with ``uv pip compile``'s.

Each page is served as PEP 691 JSON under ``/simple/<name>/`` with its files under
``/files/``: every wheel's core metadata is served too (PEP 658, ``.metadata``), so uv
resolves without downloading a wheel; an sdist is a real ``.tar.gz`` whose PKG-INFO
(Metadata 2.2, nothing dynamic) uv reads without building. The pages' fake digests are
replaced by those of the bytes served.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from packaging.utils import parse_sdist_filename, parse_wheel_filename

from indexclient.testing.servers import LocalServer, serve_in_thread
from support.index_lab import uv_environment

PAGES = Path(__file__).parent.parent / "data" / "pages"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def _metadata(name: str, version: str, requires_python: str | None) -> bytes:
    lines = ["Metadata-Version: 2.2", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    return ("\n".join(lines) + "\n").encode()


def _sdist(filename: str, metadata: bytes) -> bytes:
    base = filename.removesuffix(".tar.gz")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(metadata)
        info.mtime = 1_700_000_000
        archive.addfile(info, io.BytesIO(metadata))
    return buffer.getvalue()


@dataclass
class StoredPages:
    """The pages, with the bytes of every file and metadata file they link to."""

    pages: dict[str, dict[str, object]]
    files: dict[str, bytes]

    @classmethod
    def load(cls, directory: Path = PAGES) -> StoredPages:
        pages: dict[str, dict[str, object]] = {}
        files: dict[str, bytes] = {}
        for path in sorted(directory.glob("*.json")):
            page = json.loads(path.read_text())
            for entry in page["files"]:
                filename = entry["filename"]
                if filename.endswith(".whl"):
                    name, version, _, _ = parse_wheel_filename(filename)
                else:
                    name, version = parse_sdist_filename(filename)
                metadata = _metadata(name, str(version), entry.get("requires-python"))
                if filename.endswith(".whl"):
                    content = b"not really a wheel: " + filename.encode()
                    files[filename + ".metadata"] = metadata
                    entry["core-metadata"] = {"sha256": hashlib.sha256(metadata).hexdigest()}
                else:
                    content = _sdist(filename, metadata)
                files[filename] = content
                entry["hashes"] = {"sha256": hashlib.sha256(content).hexdigest()}
                entry["size"] = len(content)
            pages[page["name"]] = page
        return cls(pages, files)

    def routes(self, app: web.Application) -> None:
        async def project(request: web.Request) -> web.Response:
            page = self.pages.get(request.match_info["project"])
            if page is None:
                raise web.HTTPNotFound()
            return web.Response(body=json.dumps(page).encode(), content_type=JSON_TYPE)

        async def file(request: web.Request) -> web.Response:
            data = self.files.get(request.match_info["filename"])
            if data is None:
                raise web.HTTPNotFound()
            return web.Response(body=data, content_type="application/octet-stream")

        app.router.add_get("/simple/{project}/", project)
        app.router.add_get("/files/{filename}", file)


def serve_pages() -> Iterator[tuple[LocalServer, StoredPages]]:
    """Serve the stored pages (a generator for a fixture)."""
    stored = StoredPages.load()
    with serve_in_thread(None, routes=stored.routes) as server:
        yield server, stored


_PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)$")
# uv -v: "DEBUG Selecting: numpylike==2.3.5 [compatible] (numpylike-2.3.5-...whl)"
_SELECTING = re.compile(r"Selecting: \S+==\S+ \[compatible\] \((\S+)\)")


@dataclass(frozen=True)
class UvChoice:
    """One ``uv pip compile``: its exit status, the version it pinned, the file it
    selected (from its verbose log), its stderr."""

    code: int
    version: str | None
    filename: str | None
    err: str


def uv_choose(
    uv: str,
    index_url: str,
    requirement: str,
    work: Path,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> UvChoice:
    """``uv pip compile`` of one requirement against ``index_url`` alone, with no
    configuration, no cache kept, and ``args`` (``--python-version``...)."""
    src = work / "requirements.in"
    src.write_text(requirement + "\n")
    environ = uv_environment(work, env)
    command = [
        uv,
        "pip",
        "compile",
        "--no-cache",
        "--no-deps",
        "--no-header",
        "--no-annotate",
        "-v",
        # An interpreter given: uv does not search for one (most of a run's time).
        "--python",
        sys.executable,
        "--default-index",
        index_url,
        str(src),
        *args,
    ]
    done = subprocess.run(
        command, env=environ, cwd=work, capture_output=True, text=True, timeout=60, check=False
    )
    version = None
    for line in done.stdout.splitlines():
        match = _PIN.match(line.strip())
        if match:
            version = match.group(2)
    selected = _SELECTING.findall(done.stderr)
    filename = selected[-1] if selected and version is not None else None
    return UvChoice(done.returncode, version, filename, done.stderr)
