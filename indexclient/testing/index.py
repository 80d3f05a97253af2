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
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web
from packaging.utils import canonicalize_name

__all__ = ["IndexedFile", "SimpleIndex", "tiny_wheel"]

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
    dist = canonicalize_name(name).replace("-", "_")
    lines = ["Metadata-Version: 2.2", f"Name: {name}", f"Version: {version}"]
    lines.append(f"Summary: {summary}")
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {r}" for r in requires_dist]
    metadata = ("\n".join(lines) + "\n").encode()
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": f'"""{name} {version}"""\n'.encode(),
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: indexclient.testing\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{path},sha256={_b64_digest(data)},{len(data)}\n" for path, data in files.items()
    )
    record += f"{info}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{info}/RECORD", record)
    return f"{dist}-{version}-py3-none-any.whl", buffer.getvalue(), metadata


def _b64_digest(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


@dataclass
class IndexedFile:
    """A file on the index, with what its project page says about it."""

    filename: str
    content: bytes
    metadata: bytes | None = None  # served as <file>.metadata (PEP 658) when set
    requires_python: str | None = None
    yanked: str | None = None  # None: not yanked; "": yanked without a reason

    @property
    def sha256(self) -> str:
        """The file's SHA-256 digest, hex."""
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class SimpleIndex:
    """Projects and files, and the aiohttp routes that serve them under ``prefix``."""

    prefix: str = "/simple/"
    files_prefix: str = "/files/"
    formats: Literal["both", "html", "json"] = "both"
    serve_metadata: bool = True
    projects: dict[str, list[IndexedFile]] = field(default_factory=dict)

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

    def routes(self, app: web.Application) -> None:
        """Register the index's routes on ``app`` (pass as ``routes=`` to serve_https)."""
        app.router.add_get(self.prefix, self._root)
        app.router.add_get(self.prefix + "{project}/", self._project)
        app.router.add_get(self.files_prefix + "{filename}", self._file)

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
                entry["core-metadata"] = {"sha256": hashlib.sha256(f.metadata).hexdigest()}
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
                digest = hashlib.sha256(f.metadata).hexdigest()
                attributes += f' data-core-metadata="sha256={digest}"'
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
                    return web.Response(body=f.content, content_type="application/octet-stream")
                if filename == f.filename + ".metadata" and f.metadata and self.serve_metadata:
                    return web.Response(body=f.metadata, content_type="application/octet-stream")
        raise web.HTTPNotFound()
