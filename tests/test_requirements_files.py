"""Requirements files in pip's syntax read by ``metadata`` and ``download``: includes,
constraints, markers, the files' index options (uv's precedence, compared with uv where
it is installed), hash-checking mode and direct references, over a local index on
127.0.0.1. The docstring of each test that pins a uv or pip behaviour names it."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from test_cli_support import Result, run_cli

from indexclient.testing.index import IndexedFile, SimpleIndex, tiny_wheel
from indexclient.testing.servers import LocalServer, serve_in_thread
from support.index_lab import Lab, find_uv, serve_lab, uv_compile

UV = find_uv()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Site:
    """One index (``/simple/``), direct files (``/direct/``) and what they hold."""

    def __init__(self, server: LocalServer, index: SimpleIndex, direct: dict[str, bytes]) -> None:
        self.server = server
        self.index = index
        self.direct = direct

    @property
    def url(self) -> str:
        return f"{self.server.url}simple/"

    def file(self, project: str, version: str) -> IndexedFile:
        return next(f for f in self.index.projects[project] if f"-{version}" in f.filename)

    def hash_of(self, project: str, version: str) -> str:
        return f"--hash=sha256:{sha(self.file(project, version).content)}"

    def mark(self) -> int:
        return len(self.server.requests)

    def paths_since(self, mark: int) -> list[str]:
        return [r.path for r in self.server.requests[mark:]]


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    index = SimpleIndex()
    index.add_wheel("foo", "1.0")
    index.add_wheel("foo", "2.0")
    index.add_sdist("foo", "2.0")
    index.add_wheel("bar", "1.0")
    index.add_wheel("baz", "1.0")
    index.add_wheel("baz", "2.0a1")
    name, content, _ = tiny_wheel("liar", "1.0")
    _, other, _ = tiny_wheel("liar", "1.0", summary="something else")
    # The page vouches for bytes the server does not send (a valid wheel all the same).
    index.add_file("liar", IndexedFile(name, other, claimed_sha256=sha(content)))
    direct: dict[str, bytes] = {}
    name, content, _ = tiny_wheel("qux", "1.0", requires_dist=["attrs"])
    direct[name] = content

    def routes(app: web.Application) -> None:
        index.routes(app)

        async def serve(request: web.Request) -> web.Response:
            body = direct.get(request.match_info["name"])
            if body is None:
                raise web.HTTPNotFound()
            return web.Response(body=body, content_type="application/octet-stream")

        app.router.add_get("/direct/{name}", serve)

    with serve_in_thread(None, routes=routes) as server:
        yield Site(server, index, direct)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def versions(result: Result) -> dict[str, str]:
    assert result.code == 0, result.err
    return {e["name"]: e["version"] for e in json.loads(result.out)}


# --------------------------------------------------------------------------- syntax


def test_continuations_comments_and_nested_includes_relative_to_their_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """pip's syntax: ``\\`` continuations, comments, ``-r``/``-c`` relative to the file
    that names them; a constraint narrows a project required elsewhere and adds none."""
    write(tmp_path / "sub" / "more.txt", "-r deeper/last.txt\n-c pins.txt\n")
    write(tmp_path / "sub" / "deeper" / "last.txt", "bar\n")
    write(tmp_path / "sub" / "pins.txt", "foo<2  # narrows foo\nbaz==1.0  # not required\n")
    top = write(
        tmp_path / "requirements.txt",
        f"# a lock\n--index-url {site.url}\n\nfoo \\\n  >=1.0\n-r sub/more.txt\n",
    )
    result = run_cli(capsys, "metadata", "-r", str(top), "--json")
    assert versions(result) == {"foo": "1.0", "bar": "1.0"}


def test_a_cycle_of_includes_is_an_error_naming_the_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    write(tmp_path / "b.txt", "-r a.txt\n")
    top = write(tmp_path / "a.txt", f"-i {site.url}\nfoo\n-r b.txt\n")
    mark = site.mark()
    result = run_cli(capsys, "metadata", "-r", str(top))
    assert result.code == 2
    assert f"{tmp_path / 'b.txt'}:1" in result.err
    assert "a cycle of includes" in result.err
    assert site.paths_since(mark) == []


def test_a_marker_that_does_not_hold_skips_the_requirement(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """pip skips a requirement whose marker does not hold for the interpreter."""
    top = write(
        tmp_path / "r.txt",
        f"-i {site.url}\nfoo==1.0 ; python_version < '3'\nbar ; python_version >= '3'\n",
    )
    mark = site.mark()
    assert versions(run_cli(capsys, "metadata", "-r", str(top), "--json")) == {"bar": "1.0"}
    assert not any("/foo/" in p for p in site.paths_since(mark))


def test_markers_are_evaluated_for_the_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """pip and uv evaluate a requirement's marker for the environment chosen for: with
    --python-platform windows (uv's name), sys_platform is win32 and platform_system
    Windows; with --python-version 3.99, python_version is 3.99."""
    top = write(
        tmp_path / "r.txt",
        f"-i {site.url}\nfoo==1.0 ; sys_platform == 'win32'\n"
        "bar ; platform_system != 'Windows' and python_version < '3.99'\n",
    )
    windows = run_cli(capsys, "metadata", "-r", str(top), "--json", "--python-platform", "windows")
    assert versions(windows) == {"foo": "1.0"}
    linux = run_cli(capsys, "metadata", "-r", str(top), "--json", "--python-platform", "linux")
    assert versions(linux) == {"bar": "1.0"}
    later = write(
        tmp_path / "later.txt", f"-i {site.url}\nfoo==1.0\nbar ; python_version >= '3.99'\n"
    )
    now = run_cli(capsys, "metadata", "-r", str(later), "--json")
    assert versions(now) == {"foo": "1.0"}
    then = run_cli(capsys, "metadata", "-r", str(later), "--json", "--python-version", "3.99")
    assert versions(then) == {"foo": "1.0", "bar": "1.0"}


def test_other_options_are_one_warning_line_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """uv ignores ``--trusted-host`` and ``--prefer-binary`` in a file with a warning."""
    top = write(
        tmp_path / "r.txt",
        f"-i {site.url}\n--trusted-host 127.0.0.1\n--use-feature x\n--prefer-binary\nfoo\n",
    )
    result = run_cli(capsys, "metadata", "-r", str(top), "--json")
    assert versions(result) == {"foo": "2.0"}
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3, result.err
    assert warnings[0].startswith(f"warning: {top}:3: ignored --use-feature")
    assert f"{top}:2: ignored --trusted-host" in warnings[1]
    assert f"{top}:4: ignored --prefer-binary: not applied" in warnings[2]


def test_pre_in_a_file_allows_pre_releases(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """pip's ``--pre`` in a file (uv ignores it there, with a warning)."""
    plain = write(tmp_path / "plain.txt", f"-i {site.url}\nbaz\n")
    assert versions(run_cli(capsys, "metadata", "-r", str(plain), "--json")) == {"baz": "1.0"}
    pre = write(tmp_path / "pre.txt", f"-i {site.url}\n--pre\nbaz\n")
    assert versions(run_cli(capsys, "metadata", "-r", str(pre), "--json")) == {"baz": "2.0a1"}


def test_command_line_constraint_narrows_a_requirement(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    constraints = write(tmp_path / "c.txt", "foo==1.0\nbar==9  # not required: no effect\n")
    result = run_cli(
        capsys, "metadata", "foo", "-c", str(constraints), "--index-url", site.url, "--json"
    )
    assert versions(result) == {"foo": "1.0"}


def test_unknown_requirement_origin_is_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    top = write(tmp_path / "r.txt", f"-i {site.url}\nfoo\nnothere==1\n")
    result = run_cli(capsys, "metadata", "-r", str(top))
    assert result.code == 4
    assert f"error: nothere==1 ({top}:3): " in result.err


# --------------------------------------------------------------------------- index options


def test_file_index_options_with_uvs_precedence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """uv pip compile (IndexLocations::combine): a flag's --index-url wins over the
    file's; the file's --extra-index-url comes after the flags' indexes but before the
    default; the file's --no-index wins over every index."""
    lab_iter: Generator[Lab, None, None] = serve_lab()  # type: ignore[assignment]
    lab = next(lab_iter)
    try:
        cases: list[tuple[str, list[str], dict[str, str] | None]] = [
            (f"--index-url {lab.b}\nfoo\n", ["--index-url", lab.a], {"foo": "1.0"}),
            (f"--index-url {lab.b}\nfoo\n", [], {"foo": "2.0"}),
            (f"--extra-index-url {lab.b}\nfoo\n", ["--index-url", lab.a], {"foo": "2.0"}),
            (
                f"--extra-index-url {lab.b}\nfoo\n",
                ["--index-url", lab.v, "--extra-index-url", lab.a],
                {"foo": "1.0"},
            ),
            (f"--no-index\n-f {lab.flat}\nfoo\n", ["--index-url", lab.a], {"foo": "5.0"}),
            ("--no-index\nfoo\n", ["--index-url", lab.a], None),
        ]
        for text, flags, expected in cases:
            src = write(tmp_path / "req.in", text)
            result = run_cli(capsys, "metadata", "-r", str(src), *flags, "--json")
            if expected is None:
                assert result.code != 0
            else:
                assert versions(result) == expected, (text, flags)
            if UV is not None:
                work = tmp_path / "uv"
                work.mkdir(exist_ok=True)
                uv = uv_compile(UV, src, work, flags)
                assert (uv.versions if uv.code == 0 else None) == expected, uv.err
    finally:
        lab_iter.close()


def test_relative_find_links_is_relative_to_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """uv and pip: a relative ``-f`` path in a file is relative to that file."""
    links = tmp_path / "sub" / "links"
    links.mkdir(parents=True)
    name, content, _ = tiny_wheel("local-only", "3.0")
    (links / name).write_bytes(content)
    write(tmp_path / "sub" / "inner.txt", "-f ./links\n")
    top = write(tmp_path / "r.txt", f"-i {site.url}\n-r sub/inner.txt\nlocal-only\n")
    assert versions(run_cli(capsys, "metadata", "-r", str(top), "--json")) == {"local-only": "3.0"}


# --------------------------------------------------------------------------- hashes


def test_a_requirement_without_hash_in_a_hashed_file_fails_before_any_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """pip's hash-checking mode: every requirement needs hashes."""
    top = write(
        tmp_path / "r.txt", f"-i {site.url}\nfoo==1.0 {site.hash_of('foo', '1.0')}\nbar==1.0\n"
    )
    mark = site.mark()
    result = run_cli(capsys, "download", "-r", str(top), "--dest", str(tmp_path / "d"))
    assert result.code == 2
    assert f"{top}:3" in result.err
    assert "hash-checking mode" in result.err
    assert site.paths_since(mark) == []
    assert not (tmp_path / "d").exists()


def test_metadata_in_hash_checking_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    top = write(
        tmp_path / "r.txt",
        f"-i {site.url}\nfoo==2.0 {site.hash_of('foo', '2.0')}\nbar==1.0 \\\n"
        f"    {site.hash_of('bar', '1.0')}\n",
    )
    assert versions(run_cli(capsys, "metadata", "-r", str(top), "--json")) == {
        "foo": "2.0",
        "bar": "1.0",
    }


def test_only_files_with_an_allowed_hash_are_chosen(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """pip: of the pinned version's files, those whose hash is not allowed do not count
    (here the sdist's hash only: the wheel, preferred otherwise, is passed over)."""
    sdist = next(f for f in site.index.projects["foo"] if f.filename.endswith(".tar.gz"))
    top = write(tmp_path / "r.txt", f"-i {site.url}\nfoo==2.0 --hash=sha256:{sha(sdist.content)}\n")
    dest = tmp_path / "d"
    result = run_cli(capsys, "download", "-r", str(top), "--dest", str(dest), "--json")
    assert result.code == 0, result.err
    assert [p.name for p in dest.iterdir()] == [sdist.filename]


def test_no_file_with_an_allowed_hash_is_one_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    wrong = "0" * 64
    top = write(tmp_path / "r.txt", f"-i {site.url}\nfoo==1.0 --hash=sha256:{wrong}\n")
    dest = tmp_path / "d"
    result = run_cli(capsys, "download", "-r", str(top), "--dest", str(dest))
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert f"{top}:2" in errors[0]
    assert "none of the 1 files of foo 1.0" in errors[0]
    assert "sha256:0000000000000000..." in errors[0]
    assert list(dest.iterdir()) == []


def test_bytes_other_than_the_hash_leave_nothing_behind(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """A hostile index: the page vouches for the lock's hash, the server sends other
    bytes. The download fails and --dest holds nothing, not even a .part file."""
    good = site.file("liar", "1.0").claimed_sha256
    top = write(tmp_path / "r.txt", f"-i {site.url}\nliar==1.0 --hash=sha256:{good}\n")
    dest = tmp_path / "d"
    result = run_cli(capsys, "download", "-r", str(top), "--dest", str(dest))
    assert result.code == 1
    assert f"error: liar==1.0 ({top}:2): " in result.err
    assert "sha256 digest mismatch" in result.err
    assert list(dest.iterdir()) == []


# --------------------------------------------------------------------------- direct references


def direct_url(site: Site, prefix: str = "direct") -> tuple[str, bytes]:
    ((name, content),) = site.direct.items()
    return f"{site.server.url}{prefix}/{name}", content


def test_direct_reference_metadata_and_download(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    url, content = direct_url(site)
    top = write(tmp_path / "r.txt", f"qux @ {url} --hash=sha256:{sha(content)}\n")
    result = run_cli(capsys, "metadata", "-r", str(top), "--json", "--index-url", site.url)
    assert result.code == 0, result.err
    (entry,) = json.loads(result.out)
    assert (entry["name"], entry["version"]) == ("qux", "1.0")
    assert entry["metadata"]["requires_dist"] == ["attrs"]
    assert entry["index"] is None
    dest = tmp_path / "d"
    result = run_cli(
        capsys, "download", "-r", str(top), "--dest", str(dest), "--index-url", site.url
    )
    assert result.code == 0, result.err
    ((path),) = dest.iterdir()
    assert path.read_bytes() == content


def test_direct_reference_with_a_wrong_hash_leaves_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    url, _ = direct_url(site)
    top = write(tmp_path / "r.txt", f"qux @ {url}#sha256={'1' * 64}\n")
    # Nothing vouches for the file: its metadata comes from the whole file, checked.
    result = run_cli(capsys, "metadata", "-r", str(top), "--index-url", site.url)
    assert result.code == 1
    assert "sha256 digest mismatch" in result.err
    dest = tmp_path / "d"
    result = run_cli(
        capsys, "download", "-r", str(top), "--dest", str(dest), "--index-url", site.url
    )
    assert result.code == 1
    assert "sha256 digest mismatch" in result.err
    assert list(dest.iterdir()) == []


def test_direct_reference_redirected_elsewhere_gets_no_credentials(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """The credentials of a direct URL go to its origin only, never to the other origin
    a redirect names; they are never printed."""
    ((name, content),) = site.direct.items()
    with serve_in_thread(None, routes=lambda app: None) as other:

        async def serve(request: web.Request) -> web.Response:
            return web.Response(body=content)

        other.add_route(f"/elsewhere/{name}", serve)
        site.server.redirect(f"/moved/{name}", f"{other.url}elsewhere/{name}")
        base = site.server.url.replace("http://", "http://user:s3cret@")
        top = write(tmp_path / "r.txt", f"qux @ {base}moved/{name}\n")
        dest = tmp_path / "d"
        result = run_cli(
            capsys,
            "download",
            "-r",
            str(top),
            "--dest",
            str(dest),
            "--index-url",
            site.url,
            "--json",
        )
        assert result.code == 0, result.err
        assert "s3cret" not in result.out + result.err
        seen = [r for r in site.server.requests if r.path == f"/moved/{name}"]
        token = base64.b64encode(b"user:s3cret").decode()
        assert seen[-1].headers.get("Authorization") == f"Basic {token}"
        assert [r.headers.get("Authorization") for r in other.requests] == [None]
        assert (dest / name).read_bytes() == content


def test_vcs_and_editable_lines_are_refused_by_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    top = write(tmp_path / "r.txt", f"-i {site.url}\nfoo @ git+https://127.0.0.1/x.git\n-e .\n")
    result = run_cli(capsys, "metadata", "-r", str(top))
    assert result.code == 2
    assert "(VCS) requirements are not supported" in result.err
    assert "editable requirements are not supported" in result.err


@pytest.mark.skipif(UV is None, reason="uv is not installed")
def test_uv_generated_hashes_are_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, site: Site
) -> None:
    """``uv pip compile --generate-hashes`` output (made here against the local index)
    is read as it is: continuations, comments, ``--hash`` on every requirement."""
    assert UV is not None
    src = write(tmp_path / "req.in", "foo==2.0\nbar\n")
    work = tmp_path / "work"
    work.mkdir()
    done = uv_compile(
        UV,
        src,
        work,
        ["--index-url", site.url, "--generate-hashes", "-o", str(tmp_path / "lock.txt")],
    )
    assert done.code == 0, done.err
    text = (tmp_path / "lock.txt").read_text()
    assert "--hash=sha256:" in text
    assert "\\\n" in text
    result = run_cli(
        capsys, "metadata", "-r", str(tmp_path / "lock.txt"), "--index-url", site.url, "--json"
    )
    assert versions(result) == {"foo": "2.0", "bar": "1.0"}
