"""IndexClient against a static simple index served by nginx over TLS.

The index is files on disk (support.static_index); nginx picks ``index.json``
or ``index.html`` from the Accept header, and gives ranges and ETags as any static
server does. What went over the wire is read from nginx's access log.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import make_trust

from indexclient import IndexClient, Target
from indexclient.client import MetadataResult
from indexclient.errors import IndexClientError, TLSError
from indexclient.simple import ACCEPT, DistributionFile, parse_project_page
from indexclient.transport import HttpClient, Response
from support.nginx import AccessLogEntry
from support.static_index import JSON_TYPE, StaticIndex

from .conftest import BIG_PAYLOAD, PROJECTS, IndexSites

DEMO_VERSIONS = [version for version, _ in PROJECTS["Demo_Pkg"]]
PROJECT_NAMES = ["big-wheel", "demo-pkg", "tools-extra"]
HTML = "text/html; charset=utf-8"
#: One pin per kind of requirement: newest stable (1.1, not 2.0.dev1), a pre-release
#: asked for, a dotted name, and the large wheel.
REQUIREMENTS = ["Demo_Pkg", "demo-pkg>=2.0.dev0", "tools.extra<1", "big-wheel==3.0"]
EXPECTED_VERSIONS = ["1.1", "2.0.dev1", "0.1", "3.0"]


def _client(sites: IndexSites, site: str) -> IndexClient:
    return IndexClient(sites.index_url(site), environ=sites.environ)


def _mark(sites: IndexSites, site: str) -> int:
    return len(sites.nginx.access_log(site))


def _since(sites: IndexSites, site: str, mark: int, count: int) -> list[AccessLogEntry]:
    """The entries logged after ``mark``, waiting for at least ``count`` of them."""
    return sites.nginx.access_log(site, wait_for=mark + count)[mark:]


async def _get(sites: IndexSites, url: str, headers: dict[str, str]) -> Response:
    async with HttpClient(make_trust(sites.environ)) as http:
        return await http.get(url, headers)


def _check_demo_files(files: Sequence[DistributionFile], index: StaticIndex) -> None:
    assert len(files) == len(DEMO_VERSIONS)
    for file in files:
        expected = index.file("demo-pkg", str(file.version))
        assert file.filename == expected.filename
        assert dict(file.hashes) == {"sha256": expected.sha256}
        assert file.requires_python == ">=3.8"
        if index.metadata_files:
            assert file.core_metadata is not None
            assert dict(file.core_metadata) == {"sha256": expected.metadata_sha256}
        else:
            assert file.core_metadata is None


def _check_results(
    results: Sequence[MetadataResult | IndexClientError], index: StaticIndex, source: str
) -> list[MetadataResult]:
    checked = []
    for result, version in zip(results, EXPECTED_VERSIONS, strict=True):
        assert isinstance(result, MetadataResult), result
        assert str(result.version) == version
        expected = index.file(result.name, version)
        assert result.file.filename == expected.filename
        assert result.metadata.raw == expected.metadata
        assert result.metadata.requires_dist == expected.requires_dist
        assert result.metadata.requires_python == ">=3.8"
        assert result.source == source, (result.requirement, result.source)
        checked.append(result)
    return checked


# --------------------------------------------------------------------------- pages


async def test_project_page_is_json_when_the_client_asks_for_it(index_sites: IndexSites) -> None:
    mark = _mark(index_sites, "full")
    async with _client(index_sites, "full") as client:
        page = await client.project("Demo_Pkg")
    (entry,) = _since(index_sites, "full", mark, 1)
    assert (entry.uri, entry.status, entry.accept) == ("/simple/demo-pkg/", 200, ACCEPT)
    assert entry.content_type == JSON_TYPE
    assert page.url == index_sites.index_url("full") + "demo-pkg/"
    assert page.name == "demo-pkg"
    assert list(page.versions) == DEMO_VERSIONS  # PEP 700: only JSON pages list them
    _check_demo_files(page.files, index_sites.full)


@pytest.mark.parametrize("accept", ["text/html", f"{JSON_TYPE};q=0, text/html", "*/*"])
async def test_project_page_is_html_unless_json_is_asked_for(
    accept: str, index_sites: IndexSites
) -> None:
    url = index_sites.index_url("full") + "demo-pkg/"
    response = await _get(index_sites, url, {"Accept": accept})
    assert response.status == 200
    assert response.content_type == HTML
    assert response.headers["Vary"] == "Accept"
    page = parse_project_page(response.body, response.content_type, url)
    assert page.versions == ()
    _check_demo_files(page.files, index_sites.full)


async def test_list_projects_json(index_sites: IndexSites) -> None:
    mark = _mark(index_sites, "full")
    async with _client(index_sites, "full") as client:
        page = await client.list_projects()
    (entry,) = _since(index_sites, "full", mark, 1)
    assert (entry.uri, entry.content_type) == ("/simple/", JSON_TYPE)
    assert sorted(p.name for p in page.projects) == PROJECT_NAMES
    assert page.meta.api_version == "1.1"


async def test_html_only_index(index_sites: IndexSites) -> None:
    mark = _mark(index_sites, "html")
    async with _client(index_sites, "html") as client:
        projects = await client.list_projects()
        page = await client.project("demo-pkg")
        versions = await client.versions("demo_pkg")
    entries = _since(index_sites, "html", mark, 3)
    assert {e.content_type for e in entries} == {HTML}
    assert sorted(p.name for p in projects.projects) == PROJECT_NAMES
    assert page.versions == ()
    assert [str(v) for v in versions] == DEMO_VERSIONS
    _check_demo_files(page.files, index_sites.html)


async def test_unknown_project_is_not_found(index_sites: IndexSites) -> None:
    from indexclient.errors import ProjectNotFound

    async with _client(index_sites, "full") as client:
        with pytest.raises(ProjectNotFound):
            await client.project("no-such-project")


async def test_pages_and_files_revalidate_with_etags(index_sites: IndexSites) -> None:
    base = index_sites.nginx.url("full")
    wheel = index_sites.full.file("demo-pkg", "1.0").filename
    for url, accept in [
        (base + "simple/demo-pkg/", ACCEPT),
        (base + "simple/demo-pkg/", "text/html"),
        (base + f"files/{wheel}", "*/*"),
    ]:
        first = await _get(index_sites, url, {"Accept": accept})
        etag = first.headers["ETag"]
        again = await _get(index_sites, url, {"Accept": accept, "If-None-Match": etag})
        assert (first.status, again.status, again.body) == (200, 304, b"")


# --------------------------------------------------------------------------- metadata


async def test_metadata_from_pep658_files(index_sites: IndexSites) -> None:
    mark = _mark(index_sites, "full")
    async with _client(index_sites, "full") as client:
        results = await client.metadata_for(REQUIREMENTS)
    _check_results(results, index_sites.full, "pep658")
    entries = _since(index_sites, "full", mark, 2 * len(REQUIREMENTS))
    metadata = [e for e in entries if e.uri.startswith("/files/")]
    assert len(metadata) == len(REQUIREMENTS)
    assert all(e.uri.endswith(".whl.metadata") and e.status == 200 for e in metadata)
    assert all(e.range == "" for e in metadata), "no wheel was touched"


async def test_metadata_from_range_requests(index_sites: IndexSites) -> None:
    mark = _mark(index_sites, "nometa")
    async with _client(index_sites, "nometa") as client:
        results = await client.metadata_for(REQUIREMENTS)
    _check_results(results, index_sites.nometa, "range")
    entries = _since(index_sites, "nometa", mark, 2 * len(REQUIREMENTS))
    wheels = [e for e in entries if e.uri.startswith("/files/")]
    assert not any(e.uri.endswith(".metadata") for e in wheels), "none were advertised"
    assert wheels, entries
    assert all(e.status == 206 and e.range.startswith("bytes=") for e in wheels), wheels
    big = index_sites.nometa.file("big-wheel", "3.0")
    on_big = [e for e in wheels if e.uri == f"/files/{big.filename}"]
    sent = sum(e.body_bytes for e in on_big)
    assert big.size > BIG_PAYLOAD
    assert 0 < sent < 100 * 1024, f"{sent} bytes of a {big.size}-byte wheel"


async def test_metadata_when_the_server_ignores_ranges(index_sites: IndexSites) -> None:
    # max_ranges 0: nginx answers a Range request with the whole file and a 200.
    mark = _mark(index_sites, "noranges")
    async with _client(index_sites, "noranges") as client:
        results = await client.metadata_for(REQUIREMENTS)
    _check_results(results, index_sites.nometa, "wheel")
    entries = _since(index_sites, "noranges", mark, 2 * len(REQUIREMENTS))
    wheels = [e for e in entries if e.uri.startswith("/files/")]
    assert wheels
    assert all(e.status == 200 for e in wheels), wheels


# --------------------------------------------------------------------------- downloads


@pytest.mark.parametrize("site", ["full", "html", "nometa"])
async def test_downloads_are_verified(site: str, index_sites: IndexSites, tmp_path: Path) -> None:
    index = {"full": index_sites.full, "html": index_sites.html, "nometa": index_sites.nometa}[site]
    async with _client(index_sites, site) as client:
        for name in PROJECT_NAMES:
            # Pre-releases allowed (uv would otherwise prefer a stable version).
            allow = Target.for_(prerelease="allow")
            selection = await client.choose(f"{name}>=0.dev0", target=allow)
            result = await client.download(selection.best, tmp_path)
            expected = index.file(name, str(selection.version))
            assert result.path == tmp_path / expected.filename
            assert result.size == expected.size
            assert result.hashes_checked == ("sha256",)
            assert result.path.read_bytes() == expected.path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        index.file(n, v).filename
        for n, v in [("big-wheel", "3.0"), ("demo-pkg", "2.0.dev1"), ("tools-extra", "0.1")]
    )


# --------------------------------------------------------------------------- TLS versions


@pytest.mark.parametrize(("site", "protocol"), [("tls12", "TLSv1.2"), ("tls13", "TLSv1.3")])
async def test_servers_limited_to_one_tls_version(
    site: str, protocol: str, index_sites: IndexSites
) -> None:
    mark = _mark(index_sites, site)
    async with _client(index_sites, site) as client:
        results = await client.metadata_for(REQUIREMENTS)
    _check_results(results, index_sites.full, "pep658")
    entries = _since(index_sites, site, mark, 2 * len(REQUIREMENTS))
    assert {e.tls for e in entries} == {protocol}


async def test_server_below_tls_1_2_refused(index_sites: IndexSites) -> None:
    mark = _mark(index_sites, "tls11")
    async with _client(index_sites, "tls11") as client:
        with pytest.raises(TLSError) as caught:
            await client.project("demo-pkg")
    assert "TLS 1.2" in str(caught.value)
    assert index_sites.nginx.access_log("tls11")[mark:] == []
