"""The files write_static_index puts on disk (no server needed)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from indexclient.simple import parse_index_page, parse_project_page
from indexclient.testing.wheels import build_wheel
from support.static_index import JSON_TYPE, write_static_index

from .conftest import PROJECTS


def test_layout_and_pages_agree(tmp_path: Path) -> None:
    index = write_static_index(tmp_path, PROJECTS)
    assert index.projects == ["big-wheel", "demo-pkg", "tools-extra"]
    root_url = "https://127.0.0.1:1/simple/"
    for name in index.projects:
        page_url = f"{root_url}{name}/"
        html = parse_project_page(
            (index.simple / name / "index.html").read_bytes(), "text/html", page_url
        )
        from_json = parse_project_page(
            (index.simple / name / "index.json").read_bytes(), JSON_TYPE, page_url
        )
        assert [f.filename for f in html.files] == [f.filename for f in from_json.files]
        for file in html.files:
            written = index.file(name, str(file.version))
            assert file.url == f"https://127.0.0.1:1/files/{written.filename}"
            assert written.path.read_bytes() == written.content
            assert hashlib.sha256(written.content).hexdigest() == dict(file.hashes)["sha256"]
            assert written.metadata_file is not None
            assert written.metadata_file.read_bytes() == written.metadata
    listing = parse_index_page((index.simple / "index.json").read_bytes(), JSON_TYPE, root_url)
    assert [p.name for p in listing.projects] == index.projects


def test_variants_leave_out_metadata_files_and_json(tmp_path: Path) -> None:
    index = write_static_index(tmp_path, PROJECTS, metadata_files=False, json_pages=False)
    assert not list(tmp_path.glob("files/*.metadata"))
    assert not list(tmp_path.glob("simple/**/index.json"))
    assert "data-core-metadata" not in (index.simple / "demo-pkg" / "index.html").read_text()


def test_wheels_are_valid_and_deterministic(tmp_path: Path) -> None:
    first = build_wheel("Demo_Pkg", "1.0", requires_dist=["attrs"], payload_size=10_000)
    assert first == build_wheel("Demo_Pkg", "1.0", requires_dist=["attrs"], payload_size=10_000)
    filename, content, metadata = first
    assert filename == "demo_pkg-1.0-py3-none-any.whl"
    path = tmp_path / filename
    path.write_bytes(content)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        # Metadata after the payload, RECORD last, as real wheels are laid out.
        assert names.index("demo_pkg/_payload.bin") < names.index("demo_pkg-1.0.dist-info/METADATA")
        assert names[-1] == "demo_pkg-1.0.dist-info/RECORD"
        assert archive.read("demo_pkg-1.0.dist-info/METADATA") == metadata
    assert len(content) > 10_000
    assert b"Requires-Dist: attrs\n" in metadata


def test_json_page_declares_api_1_1_with_versions(tmp_path: Path) -> None:
    index = write_static_index(tmp_path, PROJECTS)
    page = json.loads((index.simple / "demo-pkg" / "index.json").read_text())
    assert page["meta"] == {"api-version": "1.1"}
    assert page["versions"] == ["1.0", "1.1", "2.0.dev1"]
    assert all(f["size"] > 0 and f["requires-python"] == ">=3.8" for f in page["files"])
