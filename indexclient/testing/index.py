"""A local simple index for tests: real tiny wheels served as PEP 503 HTML and PEP 691 JSON.

::

    index = SimpleIndex()
    index.add_wheel("demo-package", "1.0", requires_dist=["attrs>=22"])
    async with serve_https(server_context(leaf), routes=index.routes) as server:
        url = f"{server.url}simple/"

The project pages negotiate their format from the Accept header (PEP 691), unless
``formats`` restricts them to one, like a static index that serves only HTML.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import posixpath
import tarfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web
from packaging.utils import canonicalize_name

from indexclient.testing.wheels import build_wheel

__all__ = ["IndexedFile", "SimpleIndex", "tiny_sdist", "tiny_wheel"]

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"


def tiny_wheel(
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    summary: str = "A tiny generated package",
) -> tuple[str, bytes, bytes]:
    """A real, installable pure-Python wheel: (filename, wheel bytes, METADATA bytes)."""
    return build_wheel(
        name,
        version,
        requires_dist=requires_dist,
        requires_python=requires_python,
        summary=summary,
    )


def tiny_sdist(
    name: str, version: str, *, metadata_version: str = "2.2", dynamic: Iterable[str] = ()
) -> tuple[str, bytes]:
    """A ``.tar.gz`` sdist with a PKG-INFO: (filename, bytes)."""
    base = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    lines += [f"Dynamic: {field}" for field in dynamic]
    members = {
        f"{base}/PKG-INFO": ("\n".join(lines) + "\n").encode(),
        f"{base}/pyproject.toml": b'[project]\nname = "x"\n',
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return f"{base}.tar.gz", buffer.getvalue()


@dataclass
class IndexedFile:
    """A file on the index, with what its project page says about it."""

    filename: str
    content: bytes
    metadata: bytes | None = None  # served as <file>.metadata (PEP 658) when set
    requires_python: str | None = None
    yanked: str | None = None  # None: not yanked; "": yanked without a reason
    #: Advertise these digests instead of the true ones (to test mismatches).
    claimed_sha256: str | None = None
    claimed_metadata_sha256: str | None = None

    @property
    def sha256(self) -> str:
        """The SHA-256 digest the index advertises for the file, hex."""
        return self.claimed_sha256 or hashlib.sha256(self.content).hexdigest()

    @property
    def metadata_sha256(self) -> str | None:
        """The SHA-256 digest advertised for the ``.metadata`` file, hex."""
        if self.metadata is None:
            return None
        return self.claimed_metadata_sha256 or hashlib.sha256(self.metadata).hexdigest()


@dataclass
class SimpleIndex:
    """Projects and files, and the aiohttp routes that serve them under ``prefix``."""

    prefix: str = "/simple/"
    files_prefix: str = "/files/"
    formats: Literal["both", "html", "json"] = "both"
    serve_metadata: bool = True
    #: Honour Range requests on files (206 with Content-Range), as static servers do.
    ranges: bool = True
    projects: dict[str, list[IndexedFile]] = field(default_factory=dict)
    #: Headers added to every successful answer, e.g. ``{"Cache-Control": "max-age=600"}``.
    headers: dict[str, str] = field(default_factory=dict)

    def add_file(self, project: str, file: IndexedFile) -> IndexedFile:
        """Add any file (an sdist, a broken name...) to ``project``."""
        self.projects.setdefault(canonicalize_name(project), []).append(file)
        return file

    def add_wheel(
        self,
        project: str,
        version: str,
        *,
        requires_dist: Iterable[str] = (),
        requires_python: str | None = None,
        yanked: str | None = None,
    ) -> IndexedFile:
        """Add a generated wheel of ``project`` ``version``."""
        filename, content, metadata = tiny_wheel(
            project, version, requires_dist=requires_dist, requires_python=requires_python
        )
        return self.add_file(
            project,
            IndexedFile(filename, content, metadata, requires_python, yanked),
        )

    def add_sdist(
        self,
        project: str,
        version: str,
        *,
        metadata_version: str = "2.2",
        dynamic: Iterable[str] = (),
    ) -> IndexedFile:
        """Add a generated ``.tar.gz`` sdist whose PKG-INFO has ``metadata_version``."""
        filename, content = tiny_sdist(
            project, version, metadata_version=metadata_version, dynamic=dynamic
        )
        return self.add_file(project, IndexedFile(filename, content))

    def routes(self, app: web.Application) -> None:
        """Register the index's routes on ``app`` (pass as ``routes=`` to serve_https)."""
        app.router.add_get(self.prefix, self._with_headers(self._root))
        app.router.add_get(self.prefix + "{project}/", self._with_headers(self._project))
        app.router.add_get(self.files_prefix + "{filename}", self._with_headers(self._file))

    def _with_headers(
        self, handler: Callable[[web.Request], Awaitable[web.Response]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            response = await handler(request)
            response.headers.update(self.headers)
            return response

        return serve

    def _format(self, request: web.Request) -> str:
        if self.formats != "both":
            return self.formats
        accept = request.headers.get("Accept", "")
        return "json" if JSON_TYPE in accept else "html"

    async def _root(self, request: web.Request) -> web.Response:
        names = sorted(self.projects)
        if self._format(request) == "json":
            body = {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]}
            return web.Response(body=json.dumps(body).encode(), content_type=JSON_TYPE)
        links = "".join(f'<a href="{n}/">{n}</a>\n' for n in names)
        return web.Response(
            text=f"<!DOCTYPE html><html><body>{links}</body></html>", content_type=HTML_TYPE
        )

    async def _project(self, request: web.Request) -> web.Response:
        name = request.match_info["project"]
        files = self.projects.get(name)
        if files is None or name != canonicalize_name(name):
            raise web.HTTPNotFound()
        # Relative file URLs, resolved by the client against the page's final URL.
        base = posixpath.relpath(self.files_prefix, f"{self.prefix}{name}/") + "/"
        if self._format(request) == "json":
            return web.Response(
                body=json.dumps(self._json_page(name, files, base)).encode(),
                content_type=JSON_TYPE,
            )
        return web.Response(text=self._html_page(files, base), content_type=HTML_TYPE)

    def _json_page(self, name: str, files: list[IndexedFile], base: str) -> dict[str, object]:
        entries = []
        for f in files:
            entry: dict[str, object] = {
                "filename": f.filename,
                "url": base + f.filename,
                "hashes": {"sha256": f.sha256},
                "size": len(f.content),
            }
            if f.requires_python:
                entry["requires-python"] = f.requires_python
            if f.yanked is not None:
                entry["yanked"] = f.yanked or True
            if f.metadata is not None and self.serve_metadata:
                entry["core-metadata"] = {"sha256": f.metadata_sha256}
            entries.append(entry)
        return {"meta": {"api-version": "1.1"}, "name": name, "files": entries}

    def _html_page(self, files: list[IndexedFile], base: str) -> str:
        anchors = []
        for f in files:
            attributes = f' href="{base}{f.filename}#sha256={f.sha256}"'
            if f.requires_python:
                attributes += f' data-requires-python="{html.escape(f.requires_python)}"'
            if f.yanked is not None:
                attributes += f' data-yanked="{html.escape(f.yanked)}"'
            if f.metadata is not None and self.serve_metadata:
                attributes += f' data-core-metadata="sha256={f.metadata_sha256}"'
            anchors.append(f"<a{attributes}>{html.escape(f.filename)}</a><br>\n")
        return (
            '<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1">'
            f"</head><body>\n{''.join(anchors)}</body></html>\n"
        )

    async def _file(self, request: web.Request) -> web.Response:
        filename = request.match_info["filename"]
        for files in self.projects.values():
            for f in files:
                if f.filename == filename:
                    return self._bytes(request, f.content)
                if filename == f.filename + ".metadata" and f.metadata and self.serve_metadata:
                    return self._bytes(request, f.metadata)
        raise web.HTTPNotFound()

    def _bytes(self, request: web.Request, data: bytes) -> web.Response:
        kind = "application/octet-stream"
        header = request.headers.get("Range", "")
        if not (self.ranges and header.startswith("bytes=") and "," not in header):
            return web.Response(body=data, content_type=kind)
        first, _, last = header[len("bytes=") :].partition("-")
        size = len(data)
        try:
            if first:
                start, end = int(first), min(int(last) if last else size - 1, size - 1)
            else:
                start, end = max(0, size - int(last)), size - 1
        except ValueError:
            return web.Response(body=data, content_type=kind)
        if start > end:
            raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
        return web.Response(
            status=206,
            body=data[start : end + 1],
            content_type=kind,
            headers={"Content-Range": f"bytes {start}-{end}/{size}"},
        )
