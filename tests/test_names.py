"""Project names are checked before they become URLs or paths (docs/security.md, "Names").

A name that is not a PEP 508 name is one clear configuration error, and nothing is asked
of any index; a valid name is only ever asked for under the index's own path.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from conftest import Pki
from test_cli_support import isolate, run_cli

from indexclient import IndexClient
from indexclient.errors import ConfigurationError, IndexClientError, ProjectNotFound
from indexclient.indexes.local import LocalIndex
from indexclient.select import is_plain_name
from indexclient.testing.faults import FaultServer, fault_server, ok
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_in_thread
from indexclient.transport.http import RetryPolicy

BAD_NAMES = [
    "../admin",
    "..",
    ".",
    "a/b",
    "a\\b",
    "%2e%2e",
    "%2fadmin",
    "x?y",
    "x#y",
    "x y",
    "",
    " ",
    " demo-pkg",
    "demo-pkg\n",
    "é",
    "\u017f",  # LATIN SMALL LETTER LONG S: matches 's' case-insensitively outside ASCII
    "\u212a",  # KELVIN SIGN, likewise 'k'
    "-demo",
    "demo.",
    "demo\x00",
]
PAGE = b'<!DOCTYPE html><a href="/files/demo_pkg-1.0.tar.gz#sha256=00">demo_pkg-1.0.tar.gz</a>'
FAST = RetryPolicy(retries=0)


@pytest.fixture
async def server(pki: Pki) -> AsyncIterator[FaultServer]:
    async with fault_server(server_context(pki.root.issue_leaf())) as running:
        running.script("/simple/demo-pkg/", ok(PAGE, content_type="text/html"))
        yield running


def _client(server: FaultServer, ca_env: dict[str, str], **env: str) -> IndexClient:
    return IndexClient(f"{server.url}simple/", environ={**ca_env, **env}, retry=FAST)


Call = Callable[[IndexClient, str], Awaitable[object]]


async def _first_of_projects(client: IndexClient, name: str) -> object:
    return (await client.projects([name]))[0]


async def _in_place(client: IndexClient, name: str) -> object:
    found = await client.projects(["demo-pkg", name], return_exceptions=True)
    assert not isinstance(found[0], IndexClientError)
    if isinstance(found[1], IndexClientError):
        raise found[1]
    return found[1]


async def _metadata_for(client: IndexClient, name: str) -> object:
    (result,) = await client.metadata_for([name])
    if isinstance(result, IndexClientError):
        raise result
    return result


CALLS: dict[str, Call] = {
    "project": lambda c, n: c.project(n),
    "projects": _first_of_projects,
    "projects in place": _in_place,
    "versions": lambda c, n: c.versions(n),
    "choose": lambda c, n: c.choose(n),
    "metadata_for": _metadata_for,
}


# A requirement may start with blanks (" demo-pkg" is a valid one): not a bad name there.
CASES = [
    (name, call)
    for name in BAD_NAMES
    for call in CALLS
    if not (name == " demo-pkg" and call in ("choose", "metadata_for"))
]


@pytest.mark.parametrize(("name", "call"), CASES)
async def test_invalid_name_is_refused_before_any_request(
    server: FaultServer, ca_env: dict[str, str], name: str, call: str
) -> None:
    async with _client(server, ca_env) as client:
        with pytest.raises(ConfigurationError) as caught:
            await CALLS[call](client, name)
    assert repr(name) in str(caught.value)
    assert [r.path for r in server.requests if r.path != "/simple/demo-pkg/"] == []


async def test_project_name_error_reads_like_a_requirement_error(
    server: FaultServer, ca_env: dict[str, str]
) -> None:
    async with _client(server, ca_env) as client:
        with pytest.raises(ConfigurationError) as caught:
            await client.project("../admin")
    assert str(caught.value).startswith("configuration error: project name '../admin': ")
    assert "not a valid project name" in str(caught.value)
    assert server.requests == []


async def test_invalid_name_with_a_warm_cache(
    server: FaultServer, ca_env: dict[str, str], tmp_path: Path
) -> None:
    # The warm path answers from the cache without awaiting: it must check names too.
    cache = {"INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache")}
    server.script(
        "/simple/demo-pkg/",
        ok(PAGE, content_type="text/html", headers={"Cache-Control": "max-age=600"}),
    )
    async with _client(server, ca_env, **cache) as client:
        await client.project("demo-pkg")
    seen = len(server.requests)
    async with _client(server, ca_env, **cache) as client:
        results = await client.metadata_for(["../demo-pkg", "demo-pkg/"])
        with pytest.raises(ConfigurationError):
            await client.project("demo-pkg/../demo-pkg")
    assert all(isinstance(r, ConfigurationError) for r in results)
    assert len(server.requests) == seen


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("demo-pkg", "/simple/demo-pkg/"),
        ("Demo_Pkg", "/simple/demo-pkg/"),
        ("DEMO.pkg", "/simple/demo-pkg/"),
        ("demo__.-pkg", "/simple/demo-pkg/"),
        ("a", "/simple/a/"),
        ("X1", "/simple/x1/"),
        ("1.2", "/simple/1-2/"),
    ],
)
async def test_valid_names_are_asked_for_under_the_index_path(
    server: FaultServer, ca_env: dict[str, str], name: str, path: str
) -> None:
    async with _client(server, ca_env) as client:
        with contextlib.suppress(ProjectNotFound):
            await client.project(name)
    assert [r.path for r in server.requests] == [path]


async def test_every_request_stays_under_the_index_path(
    server: FaultServer, ca_env: dict[str, str]
) -> None:
    names = ["demo-pkg", "other", "../admin", "a/b", "%2e%2e", "x?y", "Demo.Pkg"]
    async with _client(server, ca_env) as client:
        results = await client.projects(names, return_exceptions=True)
        metadata = await client.metadata_for(names)
    assert [type(r).__name__ for r in results] == [
        "ProjectPage",
        "ProjectNotFound",
        "ConfigurationError",
        "ConfigurationError",
        "ConfigurationError",
        "ConfigurationError",
        "ProjectPage",
    ]
    assert all(isinstance(r, IndexClientError) for r in metadata)
    # Pages only under /simple/; the one file asked for is the page's own link.
    asked = {r.path for r in server.requests}
    assert asked == {"/simple/demo-pkg/", "/simple/other/", "/files/demo_pkg-1.0.tar.gz"}


# --------------------------------------------------------------------------- local indexes


@pytest.mark.parametrize("name", ["../outside", "..", "a/../../outside", "%2e%2e"])
async def test_local_index_refuses_invalid_names(tmp_path: Path, name: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.html").write_text('<a href="outside-1.0.tar.gz">outside-1.0.tar.gz</a>')
    with pytest.raises(ConfigurationError) as caught:
        await LocalIndex(root.as_uri()).project_page(name)
    assert repr(name) in str(caught.value)
    async with IndexClient(root.as_uri(), environ={}) as client:
        with pytest.raises(ConfigurationError):
            await client.project(name)


# --------------------------------------------------------------------------- helpers and CLI


@pytest.mark.parametrize("name", BAD_NAMES)
def test_is_plain_name_admits_no_invalid_name(name: str) -> None:
    # The warm path takes a plain name as its own requirement text, unparsed.
    assert not is_plain_name(name)


@pytest.mark.parametrize("command", ["project", "versions"])
def test_command_line_exit_status(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    pki: Pki,
    command: str,
) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    with serve_in_thread(server_context(pki.root.issue_leaf())) as running:
        monkeypatch.setenv("UV_DEFAULT_INDEX", f"{running.url}simple/")
        result = run_cli(capsys, command, "../admin")
    assert result.code == 2, result.err
    assert "project name '../admin'" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert running.requests == []
