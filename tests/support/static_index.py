"""A static simple index on disk, for a real web server (nginx) to serve as plain files.

The on-disk twin of :class:`indexclient.testing.index.SimpleIndex`::

    index = write_static_index(root, {"demo": [("1.0", ["attrs>=22"]), ("2.0", [])]})

writes::

    root/simple/index.html              PEP 503 list of projects
    root/simple/index.json              PEP 691 list of projects      (json_pages=True)
    root/simple/demo/index.html         PEP 503 project page
    root/simple/demo/index.json         PEP 691 (+ PEP 700) project page  (json_pages=True)
    root/files/demo-1.0-py3-none-any.whl
    root/files/demo-1.0-py3-none-any.whl.metadata   PEP 658       (metadata_files=True)

Project pages link to files with relative URLs (``../../files/<wheel>#sha256=...``), carry
``data-requires-python`` and, when the ``.metadata`` files exist, ``data-core-metadata``
(PEP 714 spelling) / ``core-metadata`` in JSON. Which of ``index.html`` and ``index.json``
a request gets is the server's business: :mod:`support.nginx` picks it from the
``Accept`` header.

Everything is deterministic: the same arguments write byte-identical files (fixed zip
timestamps, payload bytes from a seeded generator).
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from indexclient.testing.wheels import build_wheel

__all__ = [
    "JSON_TYPE",
    "Release",
    "StaticFile",
    "StaticIndex",
    "write_static_index",
    "write_wheels",
]

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
"""The PEP 691 content type the JSON pages are meant to be served with."""

API_VERSION = "1.1"
"""The simple API version the pages declare (1.1: PEP 700 ``versions`` and ``size``)."""

Release = tuple[str, Sequence[str]]
"""``(version, requires_dist)``: one wheel of a project."""


@dataclass(frozen=True)
class StaticFile:
    """One wheel written to disk, with what its project page says about it."""

    project: NormalizedName
    version: str
    filename: str
    path: Path
    sha256: str
    size: int
    metadata: bytes
    """The wheel's ``METADATA``, byte for byte what the ``.metadata`` file holds."""
    metadata_sha256: str
    metadata_file: Path | None
    """``<wheel>.metadata`` when written, else ``None``."""
    requires_dist: tuple[str, ...] = ()

    @property
    def content(self) -> bytes:
        """The wheel's bytes, read back from disk."""
        return self.path.read_bytes()


@dataclass
class StaticIndex:
    """What :func:`write_static_index` wrote."""

    root: Path
    metadata_files: bool
    json_pages: bool
    files: dict[tuple[NormalizedName, str], StaticFile] = field(default_factory=dict)

    @property
    def simple(self) -> Path:
        """``root/simple``: the index URL's directory."""
        return self.root / "simple"

    @property
    def projects(self) -> list[NormalizedName]:
        """The normalised project names, sorted."""
        return sorted({name for name, _ in self.files})

    def file(self, project: str, version: str) -> StaticFile:
        """The wheel of ``project`` ``version``."""
        return self.files[(canonicalize_name(project), version)]

    def requirements(self) -> list[str]:
        """One ``name==version`` pin per wheel, in project then version order."""
        return [f"{name}=={version}" for name, version in self.files]


def write_wheels(
    directory: Path,
    projects: Mapping[str, Sequence[Release]],
    *,
    metadata_files: bool = False,
    requires_python: str | None = ">=3.8",
    payload_sizes: Mapping[str, int] | None = None,
) -> dict[tuple[NormalizedName, str], StaticFile]:
    """Write one wheel per ``(version, requires_dist)`` of each project into ``directory``.

    A flat directory of wheels is what servers such as pypiserver serve. With
    ``metadata_files`` each wheel gets its PEP 658 ``<wheel>.metadata`` beside it.
    ``payload_sizes`` maps a project name to the padding its wheels get (see
    :func:`~indexclient.testing.wheels.build_wheel`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    sizes = {canonicalize_name(k): v for k, v in (payload_sizes or {}).items()}
    written: dict[tuple[NormalizedName, str], StaticFile] = {}
    for name, releases in projects.items():
        normalized = canonicalize_name(name)
        for version, requires_dist in releases:
            filename, content, metadata = build_wheel(
                name,
                version,
                requires_dist=requires_dist,
                requires_python=requires_python,
                payload_size=sizes.get(normalized, 0),
            )
            path = directory / filename
            path.write_bytes(content)
            metadata_path = None
            if metadata_files:
                metadata_path = directory / f"{filename}.metadata"
                metadata_path.write_bytes(metadata)
            key = (normalized, version)
            if key in written:
                raise ValueError(f"{name} {version} is listed twice")
            written[key] = StaticFile(
                project=normalized,
                version=version,
                filename=filename,
                path=path,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                metadata=metadata,
                metadata_sha256=hashlib.sha256(metadata).hexdigest(),
                metadata_file=metadata_path,
                requires_dist=tuple(requires_dist),
            )
    return written


def write_static_index(
    root: Path,
    projects: Mapping[str, Sequence[Release]],
    *,
    metadata_files: bool = True,
    json_pages: bool = True,
    requires_python: str | None = ">=3.8",
    payload_sizes: Mapping[str, int] | None = None,
) -> StaticIndex:
    """Write a static simple index under ``root`` (see the module docstring for the layout).

    ``projects`` maps each project name to its releases, ``(version, requires_dist)``, one
    wheel each. ``metadata_files=False`` leaves out the PEP 658 files and their mention on the
    pages, so a client must read metadata from the wheels (with range requests when the
    server honours them). ``json_pages=False`` writes HTML pages only, like an index behind a
    server without content negotiation. ``requires_python`` goes into every wheel's metadata
    and onto the pages.
    """
    index = StaticIndex(root=root, metadata_files=metadata_files, json_pages=json_pages)
    index.files = write_wheels(
        root / "files",
        projects,
        metadata_files=metadata_files,
        requires_python=requires_python,
        payload_sizes=payload_sizes,
    )
    by_project: dict[NormalizedName, list[StaticFile]] = {}
    for file in index.files.values():
        by_project.setdefault(file.project, []).append(file)

    index.simple.mkdir(parents=True, exist_ok=True)
    names = sorted(by_project)
    (index.simple / "index.html").write_text(_root_html(names), encoding="utf-8")
    if json_pages:
        (index.simple / "index.json").write_text(_root_json(names), encoding="utf-8")
    for name, files in by_project.items():
        page_dir = index.simple / name
        page_dir.mkdir(exist_ok=True)
        (page_dir / "index.html").write_text(
            _project_html(name, files, requires_python, metadata_files), encoding="utf-8"
        )
        if json_pages:
            (page_dir / "index.json").write_text(
                _project_json(name, files, requires_python, metadata_files), encoding="utf-8"
            )
    return index


_FILES_FROM_PAGE = "../../files/"


def _root_html(names: Sequence[str]) -> str:
    links = "".join(f'<a href="{html.escape(n)}/">{html.escape(n)}</a>\n' for n in names)
    return (
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" '
        f'content="{API_VERSION}"><title>Simple index</title></head>\n'
        f"<body>\n{links}</body></html>\n"
    )


def _root_json(names: Sequence[str]) -> str:
    body = {"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n in names]}
    return json.dumps(body, indent=1) + "\n"


def _project_html(
    name: str, files: Sequence[StaticFile], requires_python: str | None, metadata: bool
) -> str:
    anchors = []
    for f in files:
        attributes = f' href="{_FILES_FROM_PAGE}{html.escape(f.filename)}#sha256={f.sha256}"'
        if requires_python:
            attributes += f' data-requires-python="{html.escape(requires_python)}"'
        if metadata:
            attributes += f' data-core-metadata="sha256={f.metadata_sha256}"'
        anchors.append(f"<a{attributes}>{html.escape(f.filename)}</a><br>\n")
    return (
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" '
        f'content="{API_VERSION}"><title>Links for {html.escape(name)}</title></head>\n'
        f"<body>\n<h1>Links for {html.escape(name)}</h1>\n{''.join(anchors)}</body></html>\n"
    )


def _project_json(
    name: str, files: Sequence[StaticFile], requires_python: str | None, metadata: bool
) -> str:
    entries = []
    for f in files:
        entry: dict[str, object] = {
            "filename": f.filename,
            "url": _FILES_FROM_PAGE + f.filename,
            "hashes": {"sha256": f.sha256},
            "size": f.size,
        }
        if requires_python:
            entry["requires-python"] = requires_python
        if metadata:
            entry["core-metadata"] = {"sha256": f.metadata_sha256}
        entries.append(entry)
    versions = sorted({f.version for f in files}, key=Version)
    body = {
        "meta": {"api-version": API_VERSION},
        "name": name,
        "versions": versions,
        "files": entries,
    }
    return json.dumps(body, indent=1) + "\n"
