"""The facade's own logic, without sockets: IndexClient over in-memory indexes.

Index order and first-index-wins, choosing, not-found and invalid-name errors, and where
metadata_for puts each failure. Transport and TLS are tested over real sockets
elsewhere; here the pages come from MemoryIndex and the files from disk.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest
from packaging.version import Version

from indexclient import IndexClient, MetadataResult
from indexclient.errors import ConfigurationError, IndexClientError, ProjectNotFound
from indexclient.indexes import MemoryIndex
from indexclient.simple import DistributionFile, FrozenDict
from indexclient.testing.index import tiny_wheel

PACKAGE = Path(__file__).parent.parent / "indexclient"


def wheel(directory: Path, name: str, version: str, **options: object) -> DistributionFile:
    """A real wheel written to ``directory``, as a page of a local index would list it."""
    filename, content, _ = tiny_wheel(name, version, requires_dist=[f"dep-of-{name}"])
    path = directory / filename
    path.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    return DistributionFile(
        filename,
        path.as_uri(),
        FrozenDict({"sha256": digest}),
        **options,  # type: ignore[arg-type]
    )


def sdist(name: str, version: str, **options: object) -> DistributionFile:
    """An sdist that is never read (choosing looks at names only)."""
    filename = f"{name.replace('-', '_')}-{version}.tar.gz"
    return DistributionFile(filename, f"https://files.invalid/{filename}", **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- index order


async def test_the_first_index_that_has_a_project_wins() -> None:
    extra = MemoryIndex({"shared": [sdist("shared", "1.0")]}, url="memory://extra/")
    default = MemoryIndex(
        {"shared": [sdist("shared", "9.0")], "only-default": [sdist("only-default", "2.0")]},
        url="memory://default/",
        default=True,
    )
    client = IndexClient(indexes=[extra, default], environ={})
    assert await client.versions("shared") == (Version("1.0"),)
    assert await client.versions("Only_Default") == (Version("2.0"),)
    # Asked in order, and the default never for a project the extra index has.
    assert extra.asked == ["shared", "only-default"]
    assert default.asked == ["only-default"]
    assert [i.url for i in client.indexes] == ["memory://extra/", "memory://default/"]


async def test_a_project_no_index_has_names_every_index() -> None:
    first = MemoryIndex({}, url="https://user:secret@first.invalid/simple/")
    second = MemoryIndex({}, url="memory://second/")
    client = IndexClient(indexes=[first, second], environ={})
    with pytest.raises(ProjectNotFound) as caught:
        await client.project("Missing.Project")
    assert caught.value.name == "Missing.Project"
    assert caught.value.indexes == ("https://user:****@first.invalid/simple/", "memory://second/")
    assert "secret" not in str(caught.value)
    assert first.asked == second.asked == ["missing-project"]


@pytest.mark.parametrize("name", ["../admin", "a/b", "%2e%2e", "", "demo\n"])
async def test_an_invalid_name_is_refused_before_any_index_is_asked(name: str) -> None:
    index = MemoryIndex({"demo": [sdist("demo", "1.0")]})
    client = IndexClient(indexes=[index], environ={})
    with pytest.raises(ConfigurationError) as caught:
        await client.project(name)
    assert repr(name) in str(caught.value)
    assert index.asked == []


async def test_list_projects_takes_the_default_index_else_the_first() -> None:
    extra = MemoryIndex({"b": [], "a": []}, url="memory://extra/")
    default = MemoryIndex({"c": []}, url="memory://default/", default=True)
    with_default = IndexClient(indexes=[extra, default], environ={})
    listing = await with_default.list_projects()
    assert [p.name for p in listing.projects] == ["c"]
    assert [p.name for p in (await with_default.list_projects(extra.spec)).projects] == ["a", "b"]
    without = IndexClient(indexes=[extra], environ={})
    assert [p.name for p in (await without.list_projects()).projects] == ["a", "b"]


def test_indexes_are_given_or_configured_not_both() -> None:
    index = MemoryIndex({})
    with pytest.raises(TypeError):
        IndexClient("https://index.invalid/simple/", indexes=[index])
    with pytest.raises(ValueError, match="no index"):
        IndexClient(indexes=[], environ={})
    # Settings need no index when the indexes are given.
    assert IndexClient(indexes=[index], environ={}).indexes == (index.spec,)


# --------------------------------------------------------------------------- choosing


async def test_choose_takes_the_newest_acceptable_version() -> None:
    index = MemoryIndex(
        {
            "demo": [
                sdist("demo", "1.0"),
                sdist("demo", "1.1", requires_python=">=3.8"),
                sdist("demo", "2.0", yanked="broken build"),
                sdist("demo", "3.0", requires_python=">=4"),
            ]
        }
    )
    client = IndexClient(indexes=[index], environ={})
    assert (await client.choose("demo")).version == Version("1.1")
    assert (await client.choose("demo==2.0")).version == Version("2.0")  # yanked, pinned
    assert (await client.choose("Demo<1.1")).version == Version("1.0")
    with pytest.raises(ProjectNotFound) as caught:
        await client.choose("demo>5")
    # Not found names the requirement and the page it was chosen from.
    assert caught.value.name == "demo>5"
    assert caught.value.indexes == ("memory://index/demo/",)
    with pytest.raises(ConfigurationError, match="not a PEP 508 requirement"):
        await client.choose("demo >>> 1")


async def test_a_page_given_as_bytes_is_parsed_like_a_served_one() -> None:
    page = (
        b'<a href="../../files/demo-1.0.tar.gz#sha256=' + b"ab" * 32 + b'">demo-1.0.tar.gz</a>'
        b'<a href="file:///etc/passwd">demo-2.0.tar.gz</a>'
    )
    index = MemoryIndex({"demo": page}, url="https://index.invalid/simple/")
    client = IndexClient(indexes=[index], environ={})
    # The parser's rules hold: a page from an https URL may not link a local file.
    with pytest.raises(IndexClientError, match="refused the link"):
        await client.project("demo")
    index.projects["demo"] = page.split(b'<a href="file')[0]
    selection = await client.choose("demo")
    assert selection.best.url == "https://index.invalid/files/demo-1.0.tar.gz"
    assert selection.best.hashes["sha256"] == "ab" * 32


# --------------------------------------------------------------------------- metadata_for


async def test_metadata_for_puts_each_failure_in_its_place(tmp_path: Path) -> None:
    alpha = wheel(tmp_path, "alpha", "1.0")
    beta_old, beta = wheel(tmp_path, "beta", "1.0"), wheel(tmp_path, "beta", "2.0")
    gone = DistributionFile("gamma-1.0-py3-none-any.whl", (tmp_path / "absent.whl").as_uri())
    first = MemoryIndex({"alpha": [alpha], "gamma": [gone]}, url="memory://first/")
    second = MemoryIndex({"beta": [beta_old, beta], "alpha": []}, url="memory://second/")
    requirements = ["alpha", "missing", "../admin", "beta<2", "beta >>> 1", "gamma", "beta"]
    seen: list[tuple[int, int]] = []
    async with IndexClient(indexes=[first, second], environ={}) as client:
        results = await client.metadata_for(requirements, progress=lambda *p: seen.append(p))
    assert len(results) == len(requirements)
    ok = {i: r for i, r in enumerate(results) if isinstance(r, MetadataResult)}
    assert sorted(ok) == [0, 3, 6]
    assert [(r.requirement, r.name, str(r.version)) for r in ok.values()] == [
        ("alpha", "alpha", "1.0"),
        ("beta<2", "beta", "1.0"),
        ("beta", "beta", "2.0"),
    ]
    assert ok[0].metadata.requires_dist == ("dep-of-alpha",)
    assert ok[0].source == ok[6].source == "range"  # a local wheel: read by seeks
    assert isinstance(results[1], ProjectNotFound)
    assert results[1].indexes == ("memory://first/", "memory://second/")
    assert isinstance(results[2], ConfigurationError)
    assert "'../admin'" in str(results[2])
    assert isinstance(results[4], ConfigurationError)
    assert "not a PEP 508 requirement" in str(results[4])
    assert isinstance(results[5], ConfigurationError)  # the local file is not there
    assert str(tmp_path / "absent.whl") in str(results[5])
    assert seen == [(i, len(requirements)) for i in range(1, len(requirements) + 1)]
    # alpha is on the first index: the second was never asked for it.
    assert "alpha" not in second.asked


async def test_a_chosen_local_file_downloads_with_its_size_known(tmp_path: Path) -> None:
    # A local file is streamed like a response whose length is announced: progress
    # knows the total, and the index's size must match the file's.
    big = tmp_path / "big"
    big.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    file = wheel(big, "alpha", "1.0")
    size = (big / file.filename).stat().st_size
    wrong = DistributionFile(file.filename, file.url, file.hashes, size=size + 1)
    index = MemoryIndex({"alpha": [file]})
    seen: list[tuple[int, int | None]] = []
    async with IndexClient(indexes=[index], environ={}) as client:
        chosen = (await client.choose("alpha")).best
        done = await client.download(chosen, dest, progress=lambda *p: seen.append(p))
        with pytest.raises(IndexClientError, match="index says the file has"):
            await client.download(wrong, tmp_path)
    assert done.path.read_bytes() == (big / file.filename).read_bytes()
    assert done.hashes_checked == ("sha256",)
    assert seen == [(size, size)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big", "dest"]


async def test_core_metadata_needs_an_open_client() -> None:
    client = IndexClient(indexes=[MemoryIndex({})], environ={})
    with pytest.raises(RuntimeError, match="not open"):
        await client.core_metadata(sdist("demo", "1.0"))


# --------------------------------------------------------------------------- the seam


def test_only_the_indexes_package_asks_whether_a_url_is_local() -> None:
    # "Is this local?" is decided where an index or a file source is built
    # (indexclient/indexes/__init__.py); the facade and the readers are given objects.
    for module in ("client.py", "remembered.py", "fetching.py", "download.py"):
        tree = ast.parse((PACKAGE / module).read_text())
        literals = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        assert not [s for s in literals if s.startswith("file:")], module
