"""Find-links: a remote page of links (``-f URL``, ``format = "flat"``) and a local
directory (``-f DIR``), over real sockets on 127.0.0.1.

What uv does with them is pinned in test_index_model; here is what a page from a
server may and may not do to the client: it is read once, as HTML whatever it says it
is, within the page size limit; it may link only http(s) URLs; a status but 200 is an
error naming the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from indexclient import IndexClient
from indexclient.errors import (
    ConfigurationError,
    ProjectNotFound,
    ResponseError,
    ResponseTooLargeError,
    UnsafeLinkError,
)
from indexclient.settings import Settings
from indexclient.testing.index import tiny_wheel
from indexclient.testing.servers import LocalServer, serve_http
from support.index_lab import Lab, serve_lab


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    yield from serve_lab()


def client(**options: object) -> IndexClient:
    return IndexClient(environ={}, **options)  # type: ignore[arg-type]


async def test_one_read_of_the_page_answers_every_project(lab: Lab) -> None:
    start = lab.mark()
    async with client(index_url=lab.b, find_links=[lab.flat]) as ic:
        found = [await ic.choose(name) for name in ("foo", "qux", "bar")]
    assert [(str(s.version), s.index and s.index.url) for s in found] == [
        ("5.0", lab.flat),
        ("1.0", lab.flat),
        ("1.0", lab.b),
    ]
    assert lab.paths_since(start).count("/flat/") == 1


async def test_links_that_are_not_distributions_are_left_out(lab: Lab) -> None:
    async with client(find_links=[lab.flat]) as ic:
        listed = await ic.list_projects()
        with pytest.raises(ProjectNotFound, match="'documentation' was not found"):
            await ic.project("documentation")
    assert [p.name for p in listed.projects] == ["foo", "qux"]


async def test_a_file_from_the_page_is_downloaded_and_verified(lab: Lab, tmp_path: Path) -> None:
    async with client(find_links=[lab.flat]) as ic:
        chosen = await ic.choose("qux")
        saved = await ic.download(chosen.best, tmp_path)
    (expected,) = lab.flat_files.projects["qux"]
    assert saved.path.read_bytes() == expected.content
    assert saved.hashes_checked == ("sha256",)


async def test_the_page_is_asked_for_as_html(lab: Lab) -> None:
    start = lab.mark()
    async with client(find_links=[lab.flat]) as ic:
        await ic.project("qux")
    (request,) = [r for r in lab.server.requests[start:] if r.path == "/flat/"]
    assert request.headers["Accept"] == "text/html"


# --------------------------------------------------------------------------- hostile pages


async def serve(
    body: bytes, *, status: int = 200, content_type: str = "text/html"
) -> AsyncIterator[LocalServer]:
    async def page(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type=content_type)

    def routes(app: web.Application) -> None:
        app.router.add_get("/links/", page)

    async with serve_http(routes=routes) as server:
        yield server


async def test_a_page_may_not_link_local_files() -> None:
    body = b'<a href="file:///etc/passwd">foo-1.0.tar.gz</a>'
    async for server in serve(body):
        async with client(find_links=[f"{server.url}links/"]) as ic:
            with pytest.raises(UnsafeLinkError, match="file:///etc/passwd"):
                await ic.choose("foo")


async def test_a_page_larger_than_the_limit_is_refused() -> None:
    body = b"<a href='/x/foo-1.0.tar.gz'>foo-1.0.tar.gz</a>\n" * 2000
    async for server in serve(body):
        async with client(find_links=[f"{server.url}links/"], max_page_size=4096) as ic:
            with pytest.raises(ResponseTooLargeError):
                await ic.choose("foo")


@pytest.mark.parametrize("status", [403, 404, 410])
async def test_a_page_that_cannot_be_read_is_an_error(status: int) -> None:
    async for server in serve(b"gone", status=status):
        async with client(find_links=[f"{server.url}links/"]) as ic:
            with pytest.raises(ResponseError, match="cannot fetch the find-links page") as caught:
                await ic.choose("foo")
    assert caught.value.status == status


async def test_a_page_served_as_plain_text_is_read_as_html() -> None:
    body = b'<a href="/files/foo-1.0.tar.gz">foo-1.0.tar.gz</a>'
    async for server in serve(body, content_type="text/plain"):
        async with client(find_links=[f"{server.url}links/"]) as ic:
            chosen = await ic.choose("foo")
    assert chosen.best.url == f"{server.url}files/foo-1.0.tar.gz"


# --------------------------------------------------------------------------- directories


async def test_a_local_directory(tmp_path: Path) -> None:
    filename, content, _ = tiny_wheel("local-thing", "3.0")
    (tmp_path / filename).write_bytes(content)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "local_thing-9.0-py3-none-any.whl").write_bytes(content)
    async with client(find_links=[str(tmp_path)]) as ic:
        result = (await ic.metadata_for(["local-thing"]))[0]
    assert not isinstance(result, Exception)
    assert (str(result.version), result.index and result.index.url) == (
        "3.0",
        tmp_path.resolve().as_uri(),
    )
    assert result.file.filename == filename  # the one at the top, not in sub/


async def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    async with client(find_links=[str(tmp_path / "nowhere")]) as ic:
        with pytest.raises(ConfigurationError, match="is not a directory"):
            await ic.choose("foo")


def test_find_links_in_a_file_are_relative_to_it(tmp_path: Path) -> None:
    """As in uv: a relative find-links path in a uv.toml is relative to its directory."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "uv.toml").write_text(
        'find-links = ["wheels", "https://127.0.0.1:9/links/"]\n'
    )
    settings = Settings.discover(
        {}, cwd=str(tmp_path), config_file=str(tmp_path / "conf" / "uv.toml")
    )
    assert [s.url for s in settings.find_links] == [
        (tmp_path / "conf" / "wheels").resolve().as_uri(),
        "https://127.0.0.1:9/links/",
    ]
    assert {str(s.origin) for s in settings.find_links} == {
        f"find-links in {tmp_path / 'conf' / 'uv.toml'}"
    }
