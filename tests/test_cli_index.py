"""``project``, ``versions``, ``metadata`` and ``download`` against a local TLS index."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki
from test_cli_support import demo_index, isolate, routes, run_cli, running_server

from indexclient.cli import run
from indexclient.testing.index import SimpleIndex
from indexclient.testing.pki import server_context

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module")
def index() -> SimpleIndex:
    """The projects served (wheels are generated: compare with these, not new ones)."""
    return demo_index()


@pytest.fixture(scope="module")
def index_url(pki: Pki, index: SimpleIndex) -> Iterator[str]:
    """A local index whose certificate chains to the session's test root."""
    leaf = pki.intermediate.issue_leaf()
    with running_server(server_context(leaf), routes(index)) as server:
        yield f"{server.url}simple/"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pki: Pki, index_url: str) -> Path:
    """Trust the test root and use the local index, from the environment."""
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    monkeypatch.setenv("UV_DEFAULT_INDEX", index_url)
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    return isolate(monkeypatch, tmp_path)


# --------------------------------------------------------------------------- project


def test_project_human(capsys: pytest.CaptureFixture[str], index_url: str) -> None:
    result = run_cli(capsys, "project", "Demo.Package")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"demo-package: 4 files ({index_url}demo-package/)"
    assert lines[1].split() == [
        "version",
        "filename",
        "tags",
        "requires-python",
        "size",
        "uploaded",
    ]
    assert lines[2].split()[:4] == ["1.0", "demo_package-1.0-py3-none-any.whl", "py3-none-any", "-"]
    assert lines[3].split()[3] == ">=3.8"
    assert lines[5].endswith("yanked: broken build")


def test_project_json(
    capsys: pytest.CaptureFixture[str], index_url: str, index: SimpleIndex
) -> None:
    result = run_cli(capsys, "project", "demo-package", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert list(data) == ["name", "index", "index_name", "files"]
    assert data["name"] == "demo-package"
    assert (data["index"], data["index_name"]) == (index_url, None)
    first, yanked = data["files"][0], data["files"][3]
    expected = index.projects["demo-package"][0]
    assert first == {
        "filename": expected.filename,
        "url": f"{index_url.removesuffix('simple/')}files/{expected.filename}",
        "hashes": {"sha256": expected.sha256},
        "requires_python": None,
        "yanked": None,
        "core_metadata": {"sha256": hashlib.sha256(expected.metadata or b"").hexdigest()},
        "size": len(expected.content),
        "upload_time": None,
        "index": index_url,
    }
    assert yanked["yanked"] == "broken build"


def test_project_json_dates_and_flags(capsys: pytest.CaptureFixture[str], pki: Pki) -> None:
    """upload-time in ISO 8601 (UTC), yanked without a reason, metadata without hashes."""
    page = {
        "meta": {"api-version": "1.1"},
        "name": "dated",
        "files": [
            {
                "filename": "dated-1.0.tar.gz",
                "url": "https://files.example/dated-1.0.tar.gz",
                "hashes": {},
                "yanked": True,
                "core-metadata": True,
                "upload-time": "2024-01-02T03:04:05.123456Z",
                "size": 10,
            }
        ],
    }

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=json.dumps(page).encode(), content_type=JSON_TYPE)

    def register(app: web.Application) -> None:
        app.router.add_get("/simple/dated/", handler)

    with running_server(server_context(pki.root.issue_leaf()), register) as server:
        result = run_cli(
            capsys, "project", "dated", "--json", "--default-index", server.url + "simple"
        )
    assert result.code == 0, result.err
    (entry,) = json.loads(result.out)["files"]
    assert entry["yanked"] == ""
    assert entry["core_metadata"] == {}
    assert entry["hashes"] == {}
    assert entry["upload_time"] == "2024-01-02T03:04:05.123456Z"
    human = run_cli(capsys, "project", "dated", "--default-index", server.url + "simple")
    assert "(not" not in human.out


def test_project_not_found_exits_4(capsys: pytest.CaptureFixture[str], index_url: str) -> None:
    result = run_cli(capsys, "project", "no-such-project")
    assert result.code == 4
    assert result.err == f"error: project 'no-such-project' was not found on {index_url}\n"
    assert result.out == ""


def test_http_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "versions", "forbidden")
    assert result.code == 1
    assert result.err.startswith("error: HTTP 403 from ")


def test_offline_without_a_cache_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "versions", "demo-package", "--offline")
    assert result.code == 1
    assert result.err.startswith("error: offline mode")


def test_untrusted_index_exits_3_with_the_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    result = run_cli(capsys, "versions", "demo-package")
    assert result.code == 3
    error, hint = result.err.splitlines()
    assert error.startswith("error: certificate verification failed for https://127.0.0.1:")
    assert "unknown issuer" in error
    assert hint.startswith("hint: The bundled roots do not include this issuer")


def test_a_hint_shared_by_many_failures_is_written_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every requirement fails the same way behind an intercepting proxy: each gets its
    # error line, the (long) hint that explains them all comes once, not once each.
    monkeypatch.delenv("SSL_CERT_FILE")
    result = run_cli(capsys, "metadata", "demo-package", "other-package", "third-package")
    assert result.code == 3
    lines = result.err.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    hints = [line for line in lines if line.startswith("hint: ")]
    assert len(errors) == 3
    assert all("certificate verification failed" in line for line in errors)
    assert len(hints) == 1
    assert hints[0].startswith("hint: The bundled roots do not include this issuer")
    assert lines.index(hints[0]) == 1  # after the first error it explains


def test_allow_insecure_host_accepts_the_untrusted_index(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, index_url: str
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    host = index_url.split("/")[2]
    result = run_cli(capsys, "versions", "demo-package", "--allow-insecure-host", host)
    assert result.code == 0, result.err


# --------------------------------------------------------------------------- versions


def test_versions(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "versions", "demo-package")
    assert (result.code, result.out) == (0, "1.0\n1.1\n2.0\n2.1\n")
    result = run_cli(capsys, "--json", "versions", "tiny_utils")
    assert json.loads(result.out) == ["0.3", "0.4"]


# --------------------------------------------------------------------------- metadata


def test_metadata_human(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "metadata", "demo-package<2.1", "tiny-utils==0.3")
    assert result.code == 0, result.err
    assert result.out == (
        "demo-package 2.0  demo_package-2.0-py3-none-any.whl\n"
        "  Summary: A tiny generated package\n"
        "  Requires-Dist: tiny-utils>=0.3\n"
        "  Requires-Dist: attrs\n"
        "\n"
        "tiny-utils 0.3  tiny_utils-0.3-py3-none-any.whl\n"
        "  Summary: A tiny generated package\n"
    )


def test_metadata_json_in_input_order(capsys: pytest.CaptureFixture[str], index_url: str) -> None:
    result = run_cli(capsys, "metadata", "tiny-utils", "demo-package<2", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [list(entry) for entry in data] == [
        ["name", "version", "filename", "index", "metadata"]
    ] * 2
    assert {entry["index"] for entry in data} == {index_url}
    assert [(e["name"], e["version"]) for e in data] == [
        ("tiny-utils", "0.4"),
        ("demo-package", "1.1"),
    ]
    assert data[1]["filename"] == "demo_package-1.1-py3-none-any.whl"
    assert data[1]["metadata"] == {
        "metadata_version": "2.2",
        "name": "demo-package",
        "version": "1.1",
        "summary": "A tiny generated package",
        "requires_python": ">=3.8",
    }


def test_metadata_partial_failure_not_found_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "metadata", "missing", "tiny-utils", "demo-package>=9", "--json")
    assert result.code == 4
    data = json.loads(result.out)
    assert data[0] == {
        "requirement": "missing",
        "error": {
            "type": "ProjectNotFound",
            "kind": None,
            "message": data[0]["error"]["message"],
            "hint": None,
        },
    }
    assert "'missing' was not found" in data[0]["error"]["message"]
    assert data[1]["name"] == "tiny-utils"
    assert data[2]["error"]["type"] == "ProjectNotFound"
    errors = result.err.splitlines()
    assert errors[0].startswith("error: missing: project 'missing' was not found")
    assert errors[1].startswith("error: demo-package>=9: ")


def test_metadata_mixed_failures_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "metadata", "forbidden", "missing", "tiny-utils")
    assert result.code == 1
    assert result.out.startswith("tiny-utils 0.4")
    assert "error: forbidden: HTTP 403" in result.err
    assert "error: missing: project 'missing'" in result.err


def test_metadata_from_a_requirements_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# pinned\n--index-url https://ignored.example/simple\n\ntiny-utils==0.3  # old\n",
        encoding="utf-8",
    )
    result = run_cli(capsys, "metadata", "demo-package==1.0", "-r", str(requirements), "--json")
    assert result.code == 0, result.err
    assert [e["version"] for e in json.loads(result.out)] == ["1.0", "0.3"]


def test_invalid_requirements_are_all_reported_before_any_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UV_DEFAULT_INDEX")  # nothing would be fetched anyway
    result = run_cli(capsys, "metadata", "good", "bad>>1", "worse[")
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0] == "error: 2 configuration errors:"
    assert lines[1].startswith("  - requirement 'bad>>1' (argument): not a PEP 508 requirement")
    assert lines[2].startswith("  - requirement 'worse[' (argument)")
    assert len(lines) == 3


def test_metadata_needs_a_requirement(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(capsys, "metadata")
    assert result.code == 2
    assert result.err.startswith("error: no requirement given\nhint: ")
    result = run_cli(capsys, "metadata", "-r", str(tmp_path / "missing.txt"))
    assert result.code == 2
    assert "cannot read the requirements file" in result.err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_not_with_json() -> None:
    out, err = io.StringIO(), Terminal()
    assert run(["metadata", "tiny-utils", "demo-package"], out, err) == 0
    assert "metadata [" in err.getvalue()
    assert "2/2" in err.getvalue()
    assert "\r" not in out.getvalue()
    for extra in ("--json", "-q"):
        out, err = io.StringIO(), Terminal()
        assert run(["metadata", "tiny-utils", extra], out, err) == 0
        assert err.getvalue() == ""


# --------------------------------------------------------------------------- download


def test_download_progress_on_a_terminal(tmp_path: Path) -> None:
    out, err = io.StringIO(), Terminal()
    assert run(["download", "tiny-utils", "demo-package", "-d", str(tmp_path)], out, err) == 0
    assert "downloading [" in err.getvalue()
    assert "downloaded tiny_utils-0.4-py3-none-any.whl\n" in err.getvalue()
    assert out.getvalue().count("saved ") == 2


def test_download_without_an_index_creates_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("UV_DEFAULT_INDEX")
    result = run_cli(capsys, "download", "tiny-utils", "--dest", str(tmp_path / "new"))
    assert result.code == 2
    assert "no index URL is configured" in result.err
    assert not (tmp_path / "new").exists()


def test_download_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, index: SimpleIndex, index_url: str
) -> None:
    dest = tmp_path / "wheels" / "new"
    result = run_cli(
        capsys, "download", "demo-package<2", "tiny-utils", "--dest", str(dest), "--json"
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    expected = index.projects["demo-package"][1]
    assert data[0] == {
        "requirement": "demo-package<2",
        "name": "demo-package",
        "version": "1.1",
        "filename": expected.filename,
        "url": f"{index_url.rsplit('/simple/', 1)[0]}/files/{expected.filename}",
        "index": index_url,
        "path": str(dest / expected.filename),
        "size": len(expected.content),
        "hashes_checked": ["sha256"],
        "digests": {"sha256": expected.sha256},
    }
    assert (dest / expected.filename).read_bytes() == expected.content
    assert data[1]["filename"] == "tiny_utils-0.4-py3-none-any.whl"
    assert sorted(p.name for p in dest.iterdir()) == [data[0]["filename"], data[1]["filename"]]


def test_download_human_and_partial_failure(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    index: SimpleIndex,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(capsys, "download", "tiny-utils==0.3", "missing")
    assert result.code == 4
    size = len(index.projects["tiny-utils"][0].content)
    assert result.out == f"saved tiny_utils-0.3-py3-none-any.whl ({size} B, sha256 verified)\n"
    assert result.err.startswith("error: missing: project 'missing' was not found")
    assert (tmp_path / "tiny_utils-0.3-py3-none-any.whl").is_file()


def test_download_dest_must_be_a_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = run_cli(capsys, "download", "tiny-utils", "--dest", str(target))
    assert result.code == 2
    assert result.err.startswith(f"error: --dest {target} is not a directory")
