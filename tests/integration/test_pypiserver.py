"""IndexClient against pypiserver, a real private-index server, through the public API only.

pypiserver serves a directory of wheels over plain HTTP: HTML pages only (whatever the
Accept header says), ``#sha256=`` fragments, links to ``/packages/<file>``, no
``data-requires-python`` and no PEP 658 ``.metadata`` files. Its file handler (bottle's
``static_file``) honours single Range requests, so metadata comes from ranges.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexclient import IndexClient
from indexclient.client import MetadataResult
from indexclient.errors import ProjectNotFound

from .conftest import BIG_PAYLOAD, PROJECTS, PypiServer

PROJECT_NAMES = ["big-wheel", "demo-pkg", "tools-extra"]


def _client(server: PypiServer) -> IndexClient:
    return IndexClient(server.index_url, environ={})


async def test_list_projects(pypiserver: PypiServer) -> None:
    async with _client(pypiserver) as client:
        page = await client.list_projects()
    assert sorted(p.name for p in page.projects) == PROJECT_NAMES
    assert page.url == pypiserver.index_url


async def test_project_and_versions(pypiserver: PypiServer) -> None:
    async with _client(pypiserver) as client:
        page = await client.project("Demo_Pkg")
        versions = await client.versions("demo.pkg")
    assert [str(v) for v in versions] == [v for v, _ in PROJECTS["Demo_Pkg"]]
    assert page.versions == ()  # HTML: no PEP 700 list
    for file in page.files:
        expected = pypiserver.file("demo-pkg", str(file.version))
        assert file.filename == expected.filename
        assert file.url == f"{pypiserver.url}packages/{expected.filename}"
        assert dict(file.hashes) == {"sha256": expected.sha256}
        assert file.core_metadata is None
        assert file.requires_python is None


async def test_unknown_project_is_not_found(pypiserver: PypiServer) -> None:
    # --disable-fallback: a 404, never a redirect to a public index.
    async with _client(pypiserver) as client:
        with pytest.raises(ProjectNotFound):
            await client.project("no-such-project")


async def test_metadata_for_comes_from_range_requests(pypiserver: PypiServer) -> None:
    requirements = ["Demo_Pkg", "demo-pkg>=2.0.dev0", "tools.extra<1", "big-wheel==3.0"]
    async with _client(pypiserver) as client:
        results = await client.metadata_for(requirements)
    for result, version in zip(results, ["1.1", "2.0.dev1", "0.1", "3.0"], strict=True):
        assert isinstance(result, MetadataResult), result
        assert str(result.version) == version
        expected = pypiserver.file(result.name, version)
        assert result.file.filename == expected.filename
        assert result.metadata.raw == expected.metadata
        assert result.metadata.requires_dist == expected.requires_dist
        # No .metadata files; pypiserver answers Range with 206, so no wheel is read whole.
        assert result.source == "range", result
    assert pypiserver.file("big-wheel", "3.0").size > BIG_PAYLOAD


async def test_downloads_are_verified(pypiserver: PypiServer, tmp_path: Path) -> None:
    async with _client(pypiserver) as client:
        for name in PROJECT_NAMES:
            selection = await client.choose(f"{name}>=0.dev0")
            result = await client.download(selection.best, tmp_path)
            expected = pypiserver.file(name, str(selection.version))
            assert result.path == tmp_path / expected.filename
            assert result.hashes_checked == ("sha256",)
            assert result.size == expected.size
            assert result.path.read_bytes() == expected.path.read_bytes()
