"""A local index names only files under its own root (docs/security.md, "Local indexes").

Symlinks and ``..`` are resolved before the check; pages are read as files a person named
are (regular, bounded, never blocking); entries that are not regular files are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexclient import IndexClient
from indexclient.errors import ConfigurationError, ParseError, UnsafeLinkError
from indexclient.indexes.local import FlatDirectory, LocalIndex, LocalTree, path_from_file_url
from indexclient.testing.index import tiny_wheel

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges")


def _wheel(directory: Path, name: str = "demo-pkg", version: str = "1.0") -> str:
    filename, content, _ = tiny_wheel(name, version)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / filename).write_bytes(content)
    return filename


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An index root, with a wheel outside it (in tmp_path) that must never be named."""
    (tmp_path / "root").mkdir()
    _wheel(tmp_path, "outside", "1.0")
    (tmp_path / "outside.whl").write_bytes(b"secret")
    return tmp_path / "root"


def _page(root: Path, body: str, project: str = "demo-pkg") -> str:
    (root / project).mkdir(parents=True, exist_ok=True)
    (root / project / "index.html").write_text(f"<!DOCTYPE html>{body}")
    return f"{root.as_uri()}/{project}/"


async def _refused(root: Path, project: str = "demo-pkg") -> UnsafeLinkError:
    with pytest.raises(UnsafeLinkError) as caught:
        await LocalIndex(root.as_uri()).project_page(project)
    return caught.value


# --------------------------------------------------------------------------- static pages


@pytest.mark.parametrize(
    "href",
    [
        "../../outside.whl",
        "../../outside-1.0-py3-none-any.whl",
        "%2e%2e/%2e%2e/outside.whl",
        "../%2e%2e/outside.whl",
        "{tmp}/outside.whl",
        "file://{tmp}/outside.whl",
        "file://localhost{tmp}/outside.whl",
        "file:///etc/passwd",
        "file:///dev/zero",
    ],
)
async def test_page_link_outside_the_root(root: Path, href: str) -> None:
    href = href.replace("{tmp}", str(root.parent))  # an absolute path: "/tmp/..."
    page_url = _page(root, f'<a href="{href}">demo_pkg-1.0.tar.gz</a>')
    error = await _refused(root)
    assert error.url == page_url
    assert "outside" in error.link or error.link.startswith("file:///")
    assert f"under its root {root}" in str(error)


async def test_the_error_names_page_and_link(root: Path) -> None:
    page_url = _page(root, '<a href="../../outside.whl">outside.whl</a>')
    async with IndexClient(root.as_uri(), environ={}) as client:
        with pytest.raises(UnsafeLinkError) as caught:
            await client.choose("demo-pkg")
    link = (root.parent / "outside.whl").as_uri()
    assert str(caught.value) == (
        f"cannot parse {page_url}: refused the link {link!r}: "
        f"a local index may name only files under its root {root}"
    )


async def test_links_under_the_root_stay_allowed(root: Path) -> None:
    filename = _wheel(root / "files")
    _page(
        root,
        f'<a href="../files/{filename}">{filename}</a>'
        f'<a href="{root.as_uri()}/files/{filename}">{filename}</a>'
        f'<a href="../demo-pkg/../files/{filename}">{filename}</a>'
        '<a href="https://files.example/demo_pkg-2.0.tar.gz">demo_pkg-2.0.tar.gz</a>'
        '<a href="http://files.example/demo_pkg-2.1.tar.gz">demo_pkg-2.1.tar.gz</a>',
    )
    page = await LocalIndex(root.as_uri()).project_page("demo-pkg")
    assert page is not None
    assert [f.url.split(":")[0] for f in page.files] == ["file", "file", "file", "https", "http"]


@pytest.mark.parametrize(
    "href",
    ["ftp://files.example/demo_pkg-1.0.tar.gz", "data:,x", "file://server/share/x.whl"],
)
async def test_other_schemes_and_hosts_are_refused(root: Path, href: str) -> None:
    _page(root, f'<a href="{href}">demo_pkg-1.0.tar.gz</a>')
    error = await _refused(root)
    assert error.link == href
    assert "only its own files and http and https URLs" in error.rule


async def test_metadata_and_provenance_links_are_checked(root: Path) -> None:
    filename = _wheel(root / "files")
    _page(root, f'<a href="../files/{filename}" data-provenance="../../x.json">{filename}</a>')
    assert (await _refused(root)).link == (root.parent / "x.json").as_uri()


@needs_symlinks
async def test_metadata_file_symlinked_out_is_refused(root: Path) -> None:
    filename = _wheel(root / "files")
    (root / "files" / f"{filename}.metadata").symlink_to(root.parent / "outside.whl")
    _page(root, f'<a href="../files/{filename}" data-core-metadata="true">{filename}</a>')
    assert (await _refused(root)).link.endswith(".metadata")


async def test_index_page_links_are_checked(root: Path) -> None:
    (root / "index.html").write_text('<a href="../elsewhere/">elsewhere</a>')
    with pytest.raises(UnsafeLinkError) as caught:
        await LocalIndex(root.as_uri()).index_page()
    assert caught.value.link == (root.parent / "elsewhere").as_uri() + "/"


# --------------------------------------------------------------------------- symlinks


@needs_symlinks
async def test_link_to_a_symlink_that_leaves_the_root(root: Path) -> None:
    (root / "files").mkdir()
    (root / "files" / "demo_pkg-1.0.tar.gz").symlink_to(root.parent / "outside.whl")
    _page(root, '<a href="../files/demo_pkg-1.0.tar.gz">demo_pkg-1.0.tar.gz</a>')
    error = await _refused(root)
    assert error.link == (root / "files" / "demo_pkg-1.0.tar.gz").as_uri()


@needs_symlinks
async def test_flat_directory_symlink_out_of_the_root(root: Path) -> None:
    outside = root.parent / "outside-1.0-py3-none-any.whl"
    (root / "demo_pkg-1.0-py3-none-any.whl").symlink_to(outside)
    _wheel(root, "demo-pkg", "2.0")
    error = await _refused(root)
    assert error.url == f"{root.as_uri()}/demo-pkg/"
    assert error.link == outside.as_uri()
    # In a project's own directory too.
    (root / "other").mkdir()
    (root / "other" / "other-1.0.tar.gz").symlink_to(root.parent / "outside.whl")
    assert (await _refused(root, "other")).link == (root.parent / "outside.whl").as_uri()


@needs_symlinks
async def test_symlinks_inside_the_root_are_followed(root: Path) -> None:
    filename = _wheel(root / "store")
    (root / filename).symlink_to(root / "store" / filename)
    page = await LocalIndex(root.as_uri()).project_page("demo-pkg")
    assert page is not None
    assert [f.url for f in page.files] == [(root / "store" / filename).as_uri()]


@needs_symlinks
async def test_project_directory_symlinked_out_is_refused(root: Path) -> None:
    elsewhere = root.parent / "elsewhere"
    _wheel(elsewhere)
    (root / "demo-pkg").symlink_to(elsewhere)
    error = await _refused(root)
    assert error.link == (root / "demo-pkg").as_uri()


@needs_symlinks
async def test_page_symlinked_out_is_refused(root: Path) -> None:
    (root / "demo-pkg").mkdir()
    (root / "demo-pkg" / "index.html").symlink_to("/dev/zero")
    error = await _refused(root)
    assert error.link == (root / "demo-pkg" / "index.html").as_uri()


@needs_symlinks
async def test_root_may_be_a_symlink(root: Path, tmp_path: Path) -> None:
    filename = _wheel(root / "files")
    _page(root, f'<a href="../files/{filename}">{filename}</a>')
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    async with IndexClient(alias.as_uri(), environ={}) as client:
        page = await client.project("demo-pkg")
        selection = await client.choose("demo-pkg")
    assert page.files[0].url == (alias / "files" / filename).as_uri()
    assert selection.best.filename == filename


# --------------------------------------------------------------------------- what is read


@needs_fifo
async def test_page_that_is_a_fifo_is_refused_without_blocking(root: Path) -> None:
    (root / "demo-pkg").mkdir()
    os.mkfifo(root / "demo-pkg" / "index.html")
    with pytest.raises(ParseError) as caught:
        await LocalIndex(root.as_uri()).project_page("demo-pkg")
    assert str(root / "demo-pkg" / "index.html") in str(caught.value)
    assert "FIFO" in str(caught.value)


@needs_fifo
async def test_index_page_that_is_a_fifo_is_refused(root: Path) -> None:
    os.mkfifo(root / "index.json")
    with pytest.raises(ParseError, match="FIFO"):
        await LocalIndex(root.as_uri()).index_page()


async def test_page_larger_than_the_cap(root: Path) -> None:
    filename = _wheel(root / "files")
    _page(root, f'<a href="../files/{filename}">{filename}</a>' + " " * 4096)
    async with IndexClient(root.as_uri(), environ={}, max_page_size=1024) as client:
        with pytest.raises(ParseError, match="more than the limit of 1024 bytes"):
            await client.project("demo-pkg")


@needs_fifo
async def test_flat_entries_that_are_not_regular_files_are_skipped(root: Path) -> None:
    filename = _wheel(root)
    os.mkfifo(root / "demo_pkg-2.0.tar.gz")
    (root / "demo_pkg-3.0.tar.gz").mkdir()
    page = await LocalIndex(root.as_uri()).project_page("demo-pkg")
    assert page is not None
    assert [f.filename for f in page.files] == [filename]


async def test_flat_listing_skips_directories_that_are_no_project(root: Path) -> None:
    for name in (".git", "__pycache__", "%2e%2e", "demo-pkg"):
        (root / name).mkdir()
    listing = await LocalIndex(root.as_uri()).index_page()
    assert [p.name for p in listing.projects] == ["demo-pkg"]


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("holds", "kind"),
    [
        ([], FlatDirectory),
        (["demo_pkg-1.0.tar.gz", ".git/", "__pycache__/"], FlatDirectory),
        (["index.html"], LocalTree),
        (["index.json", "demo_pkg-1.0.tar.gz"], LocalTree),
        (["demo-pkg/"], LocalTree),
    ],
)
async def test_the_directory_says_whether_it_is_a_tree(
    root: Path, holds: list[str], kind: type
) -> None:
    for name in holds:
        if name.endswith("/"):
            (root / name).mkdir()
        else:
            (root / name).write_text("<!DOCTYPE html>")
    index = LocalIndex(root.as_uri())
    await index.index_page()
    assert type(index.kind()) is kind


# --------------------------------------------------------------------------- file URLs


@pytest.mark.parametrize("url", ["file://server/share/simple/", "file://127.0.0.1/srv/"])
def test_file_url_with_a_host_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="a file URL with a host is not supported"):
        path_from_file_url(url)
    with pytest.raises(ConfigurationError):
        LocalIndex(url)


def test_file_url_without_a_host() -> None:
    assert path_from_file_url("file:///srv/a%20b/") == Path("/srv/a b/")
    assert path_from_file_url("file://localhost/srv/") == Path("/srv/")
