"""IndexClient end to end over local TLS servers, and over file:// indexes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki
from packaging.version import Version

from indexclient import IndexClient
from indexclient.errors import ConfigurationError, ProjectNotFound, ResponseError
from indexclient.simple import ACCEPT
from indexclient.testing.index import SimpleIndex, tiny_wheel
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_https


def demo_index(**options: object) -> SimpleIndex:
    index = SimpleIndex(**options)  # type: ignore[arg-type]
    index.add_wheel("demo-package", "1.0")
    index.add_wheel("demo-package", "1.1", requires_python=">=3.8")
    index.add_wheel("demo-package", "2.0", yanked="broken build")
    index.add_wheel("demo-package", "3.0", requires_python=">=4")
    index.add_wheel("other", "0.1")
    return index


@pytest.mark.parametrize("formats", ["json", "html", "both"])
async def test_project_page_over_tls(pki: Pki, ca_env: dict[str, str], formats: str) -> None:
    index = demo_index(formats=formats)
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server,
        IndexClient(f"{server.url}simple/", environ=ca_env) as client,
    ):
        page = await client.project("Demo.Package")
    assert page.name == "demo-package"
    assert [f.filename for f in page.files] == [f.filename for f in index.projects["demo-package"]]
    first = page.files[0]
    assert first.url == f"{server.url}files/{first.filename}"
    assert first.hashes["sha256"] == index.projects["demo-package"][0].sha256
    assert first.core_metadata is not None
    assert page.files[1].requires_python == ">=3.8"
    assert page.files[2].yanked == "broken build"
    expected_format = "html" if formats == "html" else "json"
    assert page.meta.api_version == "1.1"
    (request,) = [r for r in server.requests if r.path == "/simple/demo-package/"]
    assert request.headers["Accept"] == ACCEPT
    if expected_format == "json":
        assert first.size == len(index.projects["demo-package"][0].content)
    else:
        assert first.size is None


async def test_redirect_resolves_relative_urls_against_final_url(
    pki: Pki, ca_env: dict[str, str]
) -> None:
    mirror = SimpleIndex(prefix="/mirror/projects/", files_prefix="/mirror/files/")
    mirror.add_wheel("demo-package", "1.0")

    def routes(app: web.Application) -> None:
        async def moved(request: web.Request) -> web.Response:
            raise web.HTTPMovedPermanently("/mirror/projects/demo-package/")

        app.router.add_get("/simple/demo-package/", moved)
        mirror.routes(app)

    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=routes) as server,
        IndexClient(f"{server.url}simple", environ=ca_env) as client,
    ):
        page = await client.project("DEMO_package")
        assert page.url == f"{server.url}mirror/projects/demo-package/"
        file_url = page.files[0].url
        assert file_url == f"{server.url}mirror/files/{page.files[0].filename}"
        assert (await client.http.get(file_url)).status == 200


async def test_missing_project_raises_project_not_found(pki: Pki, ca_env: dict[str, str]) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=demo_index().routes) as s,
        IndexClient(f"{s.url}simple/", environ=ca_env) as client,
    ):
        with pytest.raises(ProjectNotFound) as caught:
            await client.project("no-such-project")
    assert caught.value.name == "no-such-project"
    assert caught.value.indexes == (f"{s.url}simple/",)


async def test_server_error_is_a_response_error(pki: Pki, ca_env: dict[str, str]) -> None:
    async def broken(request: web.Request) -> web.Response:
        raise web.HTTPForbidden()

    async with (
        serve_https(server_context(pki.root.issue_leaf()), broken) as server,
        IndexClient(server.url, environ=ca_env) as client,
    ):
        with pytest.raises(ResponseError) as caught:
            await client.project("anything")
    assert caught.value.status == 403


async def test_first_index_wins(pki: Pki, ca_env: dict[str, str]) -> None:
    extra = SimpleIndex()
    extra.add_wheel("shared", "1.0")
    default = SimpleIndex()
    default.add_wheel("shared", "9.0")
    default.add_wheel("only-default", "2.0")
    context = server_context(pki.root.issue_leaf())
    async with (
        serve_https(context, routes=extra.routes) as extra_server,
        serve_https(context, routes=default.routes) as default_server,
        IndexClient(
            f"{default_server.url}simple/",
            extra_index_urls=[f"{extra_server.url}simple/"],
            environ=ca_env,
        ) as client,
    ):
        assert await client.versions("shared") == (Version("1.0"),)
        assert await client.versions("only-default") == (Version("2.0"),)
    # The default index is never asked for a project the extra index has.
    assert not any(r.path == "/simple/shared/" for r in default_server.requests)


async def test_index_from_environment(pki: Pki, ca_env: dict[str, str]) -> None:
    async with serve_https(server_context(pki.root.issue_leaf()), routes=demo_index().routes) as s:
        env = {**ca_env, "UV_DEFAULT_INDEX": f"{s.url}simple/"}
        async with IndexClient(environ=env) as client:
            assert client.indexes[0].origin.name == "UV_DEFAULT_INDEX"
            listing = await client.list_projects()
    assert [p.name for p in listing.projects] == ["demo-package", "other"]


def test_no_index_configured_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        IndexClient(environ={})
    assert "no index URL" in str(caught.value)
    assert caught.value.hint is not None
    assert "UV_DEFAULT_INDEX" in caught.value.hint


def test_bad_index_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        IndexClient(environ={"UV_DEFAULT_INDEX": "ftp://index.example/simple"})
    assert "UV_DEFAULT_INDEX" in str(caught.value)


async def test_choose_newest_acceptable(pki: Pki, ca_env: dict[str, str]) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=demo_index().routes) as s,
        IndexClient(f"{s.url}simple/", environ=ca_env) as client,
    ):
        # 3.0 requires Python >= 4 and 2.0 is yanked: 1.1 is the newest acceptable.
        assert (await client.choose("demo-package")).version == Version("1.1")
        # A yanked version is taken when pinned with ==.
        assert (await client.choose("demo-package==2.0")).version == Version("2.0")
        assert (await client.choose("demo-package<1.1")).version == Version("1.0")
        with pytest.raises(ProjectNotFound):
            await client.choose("demo-package>5")
        with pytest.raises(ConfigurationError):
            await client.choose("not a requirement!")


async def test_concurrency_is_limited(pki: Pki, ca_env: dict[str, str]) -> None:
    in_flight = 0
    peak = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        name = request.path.strip("/").split("/")[-1]
        return web.Response(
            text=f'<a href="/f/{name}-1.0.tar.gz">{name}-1.0.tar.gz</a>', content_type="text/html"
        )

    names = [f"project-{i}" for i in range(24)]
    async with (
        serve_https(server_context(pki.root.issue_leaf()), slow) as server,
        IndexClient(server.url, environ=ca_env, concurrency=3) as client,
    ):
        pages = await client.projects(names)
    assert [p.name for p in pages] == names
    assert peak == 3


async def test_projects_with_return_exceptions(pki: Pki, ca_env: dict[str, str]) -> None:
    async with (
        serve_https(server_context(pki.root.issue_leaf()), routes=demo_index().routes) as s,
        IndexClient(f"{s.url}simple/", environ=ca_env) as client,
    ):
        results = await client.projects(["other", "missing"], return_exceptions=True)
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], ProjectNotFound)


def _write_wheel(directory: Path, name: str, version: str) -> str:
    filename, content, _ = tiny_wheel(name, version)
    (directory / filename).write_bytes(content)
    return filename


async def test_flat_directory_of_distributions(tmp_path: Path) -> None:
    _write_wheel(tmp_path, "demo-package", "1.0")
    _write_wheel(tmp_path, "demo-package", "1.5")
    _write_wheel(tmp_path, "other", "0.1")
    (tmp_path / "notes.txt").write_text("not a distribution")
    async with IndexClient(str(tmp_path), environ={}) as client:
        assert await client.versions("Demo_Package") == (Version("1.0"), Version("1.5"))
        listing = await client.list_projects()
        selection = await client.choose("demo-package")
        with pytest.raises(ProjectNotFound):
            await client.project("missing")
    assert [p.name for p in listing.projects] == ["demo-package", "other"]
    assert selection.best.url == (tmp_path / selection.best.filename).resolve().as_uri()


async def test_static_file_index(tmp_path: Path) -> None:
    # A PEP 503 index on disk: pages written by hand, files beside them (under the
    # index's root: a local index names nothing outside it, see test_local_index.py).
    files = tmp_path / "simple" / "files"
    files.mkdir(parents=True)
    filename = _write_wheel(files, "demo-package", "2.0")
    (tmp_path / "simple" / "demo-package").mkdir(parents=True)
    (tmp_path / "simple" / "index.html").write_text('<a href="demo-package/">demo-package</a>')
    (tmp_path / "simple" / "demo-package" / "index.html").write_text(
        f'<a href="../files/{filename}" data-requires-python="&gt;=3.8">{filename}</a>'
    )
    async with IndexClient((tmp_path / "simple").as_uri(), environ={}) as client:
        page = await client.project("demo-package")
        listing = await client.list_projects()
    assert page.files[0].url == (files / filename).as_uri()
    assert page.files[0].requires_python == ">=3.8"
    assert [p.name for p in listing.projects] == ["demo-package"]


async def test_local_index_that_is_not_a_directory(tmp_path: Path) -> None:
    async with IndexClient((tmp_path / "absent").as_uri(), environ={}) as client:
        with pytest.raises(ConfigurationError):
            await client.project("anything")
