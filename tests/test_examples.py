"""The examples run as a person would run them, against local servers only."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from conftest import Pki

from indexclient.testing.index import IndexedFile, SimpleIndex, tiny_wheel
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_https

EXAMPLES = Path(__file__).parent.parent / "examples"


async def run(script: str, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / script),
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_concurrent_pages_example(pki: Pki, ca_env: dict[str, str]) -> None:
    index = SimpleIndex()
    for i in range(12):
        index.add_wheel(f"project-{i}", "1.0")
        index.add_wheel(f"project-{i}", f"2.{i}")
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        env = {**ca_env, "UV_DEFAULT_INDEX": f"{server.url}simple/"}
        names = [f"project-{i}" for i in range(12)]
        code, out, err = await run("concurrent_pages.py", *names, "missing", env=env)
    assert code == 1, err  # one project is missing
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["project-0", "2.0"]
    assert lines[11].split()[:2] == ["project-11", "2.11"]
    assert "missing" in lines[12]
    assert "not found" in lines[12]
    assert "13 pages" in err


async def test_concurrent_pages_example_without_an_index() -> None:
    code, _, err = await run("concurrent_pages.py", "anything", env={})
    assert code == 2
    assert "no index URL" in err
    assert "UV_DEFAULT_INDEX" in err


async def test_private_index_example() -> None:
    """A mirror plus an explicit vendor index pinned to one package, credentials from
    UV_INDEX_VENDOR_*: the pinned package comes from the vendor (the mirror's planted
    9.9 is never chosen), the other from the mirror."""
    code, out, err = await run("private_index.py", "--local", env={})
    assert code == 0, out + err
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert "acme-sdk 1.2  from vendor" in lines["acme-sdk>=1"]
    assert "tiny-utils 0.4  from default" in lines["tiny-utils"]
    assert "9.9" not in lines["acme-sdk>=1"]
    assert "s3cret" not in out + err


async def test_private_index_example_with_a_wrong_password() -> None:
    code, out, err = await run("private_index.py", "--local", "--password", "nope-xyz", env={})
    assert code == 1, out + err
    refused = next(line for line in out.splitlines() if line.startswith("acme-sdk"))
    assert "401" in refused
    assert "UV_INDEX_VENDOR_" in out  # the source that was tried, by name
    assert "nope-xyz" not in out + err
    assert "tiny-utils 0.4" in out  # the mirror's answer is not lost


def _graph() -> SimpleIndex:
    """a 2.0 wants c>=2, b wants c==1.0: taking a 2.0 first (the newest) meets a
    conflict, and only backtracking to a 1.0 resolves it."""
    index = SimpleIndex()
    index.add_wheel("a", "1.0", requires_dist=["c>=1"])
    index.add_wheel("a", "2.0", requires_dist=["c>=2"])
    index.add_wheel("b", "1.0", requires_dist=["c==1.0", 'never; sys_platform == "nowhere"'])
    index.add_wheel("c", "1.0")
    index.add_wheel("c", "2.0", requires_dist=["d"])
    index.add_wheel("d", "0.1")
    index.add_wheel("d", "0.2", requires_python=">=4")  # never for this interpreter
    # For a target: a dependency only Windows has, and a version only Windows can use.
    index.add_wheel("e", "1.0", requires_dist=['win-only; sys_platform == "win32"', "native"])
    index.add_wheel("win-only", "1.0")
    index.add_wheel("native", "1.0")
    _, content, metadata = tiny_wheel("native", "2.0")
    index.add_file("native", IndexedFile("native-2.0-py3-none-win_amd64.whl", content, metadata))
    return index


async def test_resolve_example_backtracks(pki: Pki, ca_env: dict[str, str]) -> None:
    context = server_context(pki.root.issue_leaf())
    async with serve_https(context, routes=_graph().routes) as server:
        env = {**ca_env, "UV_DEFAULT_INDEX": f"{server.url}simple/"}
        code, out, err = await run("resolve.py", "a", "b", "--json", env=env)
        assert code == 0, err
        answer = json.loads(out)
        assert answer["pins"] == {"a": "1.0", "b": "1.0", "c": "1.0"}
        assert answer["rejected_candidates"] >= 1  # a 2.0 was tried and given up
        assert answer["files"]["a"] == "a-1.0-py3-none-any.whl"

        # d's newest version needs Python 4: the resolver is given 0.1.
        code, out, err = await run("resolve.py", "c>=2", env=env)
        assert code == 0, err
        assert out.split() == ["c==2.0", "d==0.1"]

        # The target decides the markers and the files: Windows gets win-only and
        # native 2.0 (a Windows wheel); Linux neither.
        code, out, err = await run("resolve.py", "e", "--python-platform", "windows", env=env)
        assert code == 0, err
        assert out.split() == ["e==1.0", "native==2.0", "win-only==1.0"]
        code, out, err = await run("resolve.py", "e", "--python-platform", "linux", env=env)
        assert code == 0, err
        assert out.split() == ["e==1.0", "native==1.0"]

        code, out, err = await run("resolve.py", "a>=2", "b", env=env)
    assert code == 1
    assert "no set of versions" in err
    assert "c==1.0 (from b 1.0)" in err
