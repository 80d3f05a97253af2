"""``download -r LOCK --dest DIR --report FILE``: exactly the pinned files of a lock,
hash-checked, with a JSON report; run as a process against a local index on 127.0.0.1,
with a lock made by ``uv pip compile --generate-hashes`` where uv is installed."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli_process import run_process
from test_cli_support import PYTHON, run_cli

from indexclient.testing.index import SimpleIndex
from indexclient.testing.servers import LocalServer, serve_in_thread
from support.index_lab import find_uv, uv_compile

UV = find_uv()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalServer, SimpleIndex]]:
    index = SimpleIndex()
    for version in ("1.0", "1.1", "2.0"):
        index.add_wheel("alpha", version)
    index.add_sdist("alpha", "1.1")
    index.add_wheel("beta", "0.5")
    index.add_wheel("gamma", "3.0")
    with serve_in_thread(None, routes=index.routes) as server:
        yield server, index


def lock_text(index: SimpleIndex, url: str) -> str:
    """A lock as pip-tools and uv write one, by hand (for when uv is not installed)."""
    lines = [f"--index-url {url}", ""]
    for name, version in (("alpha", "1.1"), ("beta", "0.5")):
        files = [f for f in index.projects[name] if f"-{version}" in f.filename]
        hashes = " \\\n".join(f"    --hash=sha256:{f.sha256}" for f in files)
        lines.append(f"{name}=={version} \\\n{hashes}\n    # via -r req.in")
    return "\n".join(lines) + "\n"


def make_lock(tmp_path: Path, index: SimpleIndex, url: str) -> Path:
    lock = tmp_path / "requirements.txt"
    if UV is None:
        lock.write_text(lock_text(index, url), encoding="utf-8")
        return lock
    src = tmp_path / "req.in"
    src.write_text("alpha==1.1\nbeta\n", encoding="utf-8")
    work = tmp_path / "uv-work"
    work.mkdir()
    done = uv_compile(UV, src, work, ["--index-url", url, "--generate-hashes", "-o", str(lock)])
    assert done.code == 0, done.err
    return lock


def test_download_a_lock_with_a_report(
    tmp_path: Path, served: tuple[LocalServer, SimpleIndex]
) -> None:
    """The lock's pins, each file hash-checked; the report lists each requirement with its
    origin, file, URL, index, the hashes checked and the sha256 of the bytes saved."""
    server, index = served
    url = f"{server.url}simple/"
    lock = make_lock(tmp_path, index, url)
    dest, report = tmp_path / "wheels", tmp_path / "report.json"
    result = run_process(
        [PYTHON, "-m", "indexclient", "download", "-r", str(lock), "--dest", str(dest),
         "--report", str(report), "--index-url", url],
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["version"] == 1
    entries = {e["name"]: e for e in data["requirements"]}
    assert sorted(entries) == ["alpha", "beta"]
    served_files = {f.filename: f for files in index.projects.values() for f in files}
    for entry in entries.values():
        file = served_files[entry["filename"]]
        saved = Path(entry["path"])
        assert saved.parent == dest
        assert saved.read_bytes() == file.content
        assert entry["digests"]["sha256"] == hashlib.sha256(file.content).hexdigest()
        assert f"sha256:{file.sha256}" in entry["hashes"]
        assert entry["hashes_checked"] == ["sha256"]
        assert entry["size"] == len(file.content)
        assert entry["url"] == f"{server.url}files/{file.filename}"
        assert entry["index"] == url
        assert entry["origin"].startswith(f"{lock}:")
    assert entries["alpha"]["version"] == "1.1"
    assert entries["alpha"]["filename"].endswith(".whl")  # the wheel, preferred
    assert sorted(p.name for p in dest.iterdir()) == sorted(e["filename"] for e in entries.values())
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_report_names_failures_and_exit_status_is_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, served: tuple[LocalServer, SimpleIndex]
) -> None:
    server, _ = served
    url = f"{server.url}simple/"
    lock = tmp_path / "r.txt"
    lock.write_text(f"-i {url}\ngamma==3.0\nmissing==1.0\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = run_cli(
        capsys, "download", "-r", str(lock), "--dest", str(tmp_path / "d"), "--report", str(report)
    )
    assert result.code == 4, result.err
    entries = json.loads(report.read_text(encoding="utf-8"))["requirements"]
    assert entries[0]["filename"] == "gamma-3.0-py3-none-any.whl"
    assert entries[1]["origin"] == f"{lock}:3"
    assert entries[1]["error"]["type"] == "ProjectNotFound"


def test_unpinned_requirement_outside_hash_checking_mode_gets_the_newest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, served: tuple[LocalServer, SimpleIndex]
) -> None:
    """pip: an unpinned requirement is an error only in hash-checking mode."""
    server, _ = served
    lock = tmp_path / "r.txt"
    lock.write_text(f"-i {server.url}simple/\nalpha\n", encoding="utf-8")
    result = run_cli(capsys, "download", "-r", str(lock), "--dest", str(tmp_path / "d"), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)[0]["version"] == "2.0"


@pytest.mark.parametrize("kind", ["directory", "fifo", "missing-parent"])
def test_a_report_path_that_cannot_be_a_file_fails_before_any_download(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    served: tuple[LocalServer, SimpleIndex],
    kind: str,
) -> None:
    server, _ = served
    report = tmp_path / "report"
    if kind == "directory":
        report.mkdir()
    elif kind == "fifo":
        os.mkfifo(report)
    else:
        report = tmp_path / "no" / "report.json"
    lock = tmp_path / "r.txt"
    lock.write_text(f"-i {server.url}simple/\ngamma==3.0\n", encoding="utf-8")
    mark = len(server.requests)
    dest = tmp_path / "d"
    result = run_cli(
        capsys, "download", "-r", str(lock), "--dest", str(dest), "--report", str(report)
    )
    assert result.code == 2
    assert "--report" in result.err
    assert len(server.requests) == mark
    assert not dest.exists()
