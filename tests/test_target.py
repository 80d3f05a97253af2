"""Targets: choosing for another Python version and platform, with uv's rules.

The matrix of ``tests/data/target-uv-choices.json`` is what ``uv pip compile`` (uv
0.13.9) chose from the stored pages of ``tests/data/pages`` for each requirement and
target, the file included (from uv's verbose log). indexclient must choose the same;
where uv is installed, uv is run on the same pages served on 127.0.0.1 and must still
choose what was recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from packaging.tags import Tag
from packaging.version import Version
from test_cli_support import isolate, run_cli

from indexclient import ConfigurationError, IndexClient, Target
from indexclient.select import select_files
from indexclient.settings.environment import ENV_VARS
from indexclient.simple import ProjectPage, parse_project_page
from indexclient.target import PLATFORM_NAMES, parse_exclude_newer, platform_tags
from indexclient.testing.servers import LocalServer
from support.index_lab import find_uv
from support.target_lab import PAGES, StoredPages, serve_pages, uv_choose

UV = find_uv()
CHOICES: list[dict[str, Any]] = json.loads((PAGES.parent / "target-uv-choices.json").read_text())
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module")
def pages_server() -> Iterator[tuple[LocalServer, StoredPages]]:
    yield from serve_pages()


def _pages(stored: StoredPages) -> dict[str, ProjectPage]:
    base = "http://127.0.0.1:1/simple/"
    return {
        name: parse_project_page(json.dumps(page).encode(), JSON_TYPE, f"{base}{name}/")
        for name, page in stored.pages.items()
    }


def _flags(target: dict[str, Any]) -> list[str]:
    flags = []
    for key, value in target.items():
        for item in value if isinstance(value, list) else [value]:
            flags += ["--" + key.replace("_", "-"), item]
    return flags


def _name(requirement: str) -> str:
    for stop in "<>=!":
        requirement = requirement.split(stop, maxsplit=1)[0]
    return requirement


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['requirement']} {' '.join(_flags(case['target']))}"


# --------------------------------------------------------------------------- tags


def test_manylinux_2_28_cpython_312_tags_first() -> None:
    """uv's Tags::from_env: the exact ABI on every platform tag first, newest glibc
    first, each legacy manylinux name just after its manylinux_2_X."""
    tags = Target.for_(python_version="3.12", python_platform="x86_64-manylinux_2_28").tags
    assert [str(t) for t in tags[:3]] == [
        "cp312-cp312-manylinux_2_28_x86_64",
        "cp312-cp312-manylinux_2_27_x86_64",
        "cp312-cp312-manylinux_2_26_x86_64",
    ]
    names = [str(t) for t in tags]
    assert names.index("cp312-cp312-manylinux2014_x86_64") == (
        names.index("cp312-cp312-manylinux_2_17_x86_64") + 1
    )
    assert "cp312-cp312-linux_x86_64" in names
    assert names.index("cp312-abi3-manylinux_2_28_x86_64") > names.index("cp312-cp312-linux_x86_64")
    assert str(tags[-1]) == "py30-none-any"
    assert Tag("py3", "none", "any") in tags
    assert Tag("cp313", "cp313", "manylinux_2_28_x86_64") not in tags
    assert Tag("cp312", "cp312", "manylinux_2_29_x86_64") not in tags


def test_platform_names_and_their_tags() -> None:
    """uv's TargetTriple: `linux` is x86_64 manylinux_2_28, `macos` arm64 macOS 13,
    `windows` win_amd64; musl targets musllinux_1_2; aliases name the same target."""
    assert platform_tags("linux")[0] == "manylinux_2_28_x86_64"
    assert platform_tags("linux") == platform_tags("x86_64-unknown-linux-gnu")
    assert platform_tags("macos")[:3] == (
        "macosx_13_0_arm64",
        "macosx_13_0_universal2",
        "macosx_12_0_arm64",
    )
    assert "macosx_10_16_universal2" in platform_tags("macos")
    assert "macosx_10_13_x86_64" not in platform_tags("macos")
    assert platform_tags("x86_64-apple-darwin")[:2] == ("macosx_13_0_x86_64", "macosx_13_0_intel")
    assert "macosx_10_13_x86_64" in platform_tags("x86_64-apple-darwin")
    assert platform_tags("windows") == ("win_amd64",)
    assert platform_tags("i686-pc-windows-msvc") == ("win32",)
    assert platform_tags("aarch64-pc-windows-msvc") == ("win_arm64",)
    assert platform_tags("x86_64-unknown-linux-musl") == (
        "musllinux_1_2_x86_64",
        "musllinux_1_1_x86_64",
        "musllinux_1_0_x86_64",
        "linux_x86_64",
    )
    assert platform_tags("aarch64-manylinux2014")[-3:] == (
        "manylinux_2_17_aarch64",
        "manylinux2014_aarch64",
        "linux_aarch64",
    )
    assert platform_tags("manylinux_2_28_aarch64") == platform_tags("aarch64-manylinux_2_28")
    assert Target.for_(python_platform="x8664-manylinux228").platform == "x86_64-manylinux_2_28"
    assert len(PLATFORM_NAMES) == 46  # as uv 0.13.9 --help lists them
    for name in PLATFORM_NAMES:
        assert platform_tags(name), name


@pytest.mark.parametrize(
    ("arguments", "flag", "listed"),
    [
        (
            {"python_platform": "linux-x86"},
            "--python-platform 'linux-x86'",
            "x86_64-manylinux_2_28",
        ),
        ({"python_version": "3"}, "--python-version '3'", None),
        ({"python_version": "three"}, "--python-version 'three'", None),
        ({"python_version": "3.12rc1"}, "--python-version '3.12rc1'", None),
        ({"prerelease": "sometimes"}, "--prerelease 'sometimes'", "if-necessary-or-explicit"),
        ({"exclude_newer": "yesterday"}, "--exclude-newer 'yesterday'", None),
        ({"exclude_newer": "2024-01-01T00:00:00"}, "--exclude-newer", "time zone"),
        ({"only_binary": ["a/b"]}, "--only-binary 'a/b'", ":all:"),
        ({"no_binary": [":some:"]}, "--no-binary ':some:'", ":none:"),
    ],
)
def test_wrong_values_name_the_flag(
    arguments: dict[str, Any], flag: str, listed: str | None
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Target.for_(**arguments)
    message = str(caught.value)
    assert flag in message
    if listed is not None:
        assert listed in message


def test_exclude_newer_values() -> None:
    """uv: a timestamp is the cutoff; a date keeps all of that day (local time)."""
    stamp = parse_exclude_newer("2024-03-10T10:00:00Z")
    assert stamp == datetime(2024, 3, 10, 10, tzinfo=timezone.utc)
    assert parse_exclude_newer("2024-03-10T12:00:00+02:00") == stamp
    day = parse_exclude_newer("2024-03-10")
    local_midnight = datetime(2024, 3, 11).astimezone()
    assert day == local_midnight
    assert day - timedelta(days=1) < stamp < day + timedelta(days=1)


def test_binary_rules() -> None:
    """pip's and uv's words: :all:, :none: (clears what came before), names."""
    target = Target.for_(only_binary=[":all:"], no_binary=["Foo_Bar"])
    assert not target.sdists_allowed(canon("numpylike"))
    assert target.sdists_allowed(canon("foo-bar"))
    assert not target.wheels_allowed(canon("foo-bar"))
    cleared = Target.for_(only_binary=[":all:", ":none:", "a,b"])
    assert cleared.only_binary == frozenset({"a", "b"})


def canon(name: str) -> Any:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def test_current_is_the_default() -> None:
    current = Target.current()
    assert current.is_default
    assert Target.for_() == current
    assert not Target.for_(prerelease="allow").is_default
    other = Target.for_(python_version="3.12", python_platform="windows")
    assert other.fingerprint() != current.fingerprint()
    assert (
        other.fingerprint()
        == Target.for_(python_version="3.12", python_platform="windows").fingerprint()
    )
    assert repr(other).startswith("Target(python_version=<Version('3.12')>")


# --------------------------------------------------------------------------- uv's choices


@pytest.mark.parametrize("case", CHOICES, ids=_case_id)
def test_same_choice_as_uv(
    case: dict[str, Any], pages_server: tuple[LocalServer, StoredPages]
) -> None:
    """uv pip compile --python-version/--python-platform/--only-binary/--no-binary/
    --prerelease/--exclude-newer: the recorded version and file (wheel tag priority,
    yanked files, each best file's Requires-Python lower bound, pre-release modes,
    upload times) are indexclient's choice too."""
    _, stored = pages_server
    page = _pages(stored)[_name(case["requirement"])]
    chosen = select_files(page, case["requirement"], target=Target.for_(**case["target"]))
    if case["version"] is None:
        assert chosen is None
    else:
        assert chosen is not None
        assert (str(chosen.version), chosen.best.filename) == (case["version"], case["file"])


@pytest.mark.skipif(UV is None, reason="uv is not installed")
def test_uv_still_chooses_what_was_recorded(
    pages_server: tuple[LocalServer, StoredPages], tmp_path: Path
) -> None:
    """Every recorded choice, asked of uv itself on the same pages (a sample of the
    matrix: one platform case in eight, and every other case)."""
    server, _ = pages_server
    assert UV is not None
    uv = UV
    platform_cases = ("numpylike", "abi3lib")
    sample = [
        c
        for i, c in enumerate(CHOICES)
        if i % 8 == 0 or not c["requirement"].startswith(platform_cases)
    ]

    def ask(n: int, case: dict[str, Any]) -> str | None:
        work = tmp_path / str(n)
        work.mkdir()
        flags = _flags(case["target"])
        got = uv_choose(uv, f"{server.url}simple/", case["requirement"], work, flags)
        if (got.version, got.filename) == (case["version"], case["file"]):
            return None
        return f"{_case_id(case)}: uv chose {got.version} {got.filename}"

    # uv runs in subprocesses: eight at a time keep the test short.
    with ThreadPoolExecutor(8) as pool:
        differ = [d for d in pool.map(ask, range(len(sample)), sample) if d]
    assert not differ, "\n".join(differ)


# --------------------------------------------------------------------------- the client


async def test_client_chooses_for_the_target_and_remembers_per_target(
    pages_server: tuple[LocalServer, StoredPages], tmp_path: Path
) -> None:
    """The memo keys a selection on its target: a warm run for another target (or the
    running interpreter) never gets an answer chosen for a different one."""
    server, _ = pages_server
    environ = {"INDEXCLIENT_CACHE_DIR": str(tmp_path / "cache")}
    windows = Target.for_(python_version="3.12", python_platform="windows")
    mac = Target.for_(python_version="3.12", python_platform="macos")
    for _ in range(2):  # cold, then warm from the memo
        async with IndexClient(f"{server.url}simple/", environ=environ) as client:
            on_windows = await client.choose("numpylike", target=windows)
            on_mac = await client.choose("numpylike", target=mac)
            old = await client.choose(
                "numpylike",
                target=Target.for_(
                    python_version="3.10", python_platform="linux", only_binary=[":all:"]
                ),
            )
            assert on_windows.best.filename == "numpylike-2.3.5-cp312-cp312-win_amd64.whl"
            assert on_mac.best.filename == "numpylike-2.3.5-cp312-cp312-macosx_11_0_arm64.whl"
            assert old.version == Version("2.2.6")
            [result] = await client.metadata_for(
                ["purelib"], target=Target.for_(python_version="3.10")
            )
            assert not isinstance(result, Exception)
            assert result.version == Version("1.1.0")


async def test_download_refuses_a_file_the_target_cannot_use(
    pages_server: tuple[LocalServer, StoredPages], tmp_path: Path
) -> None:
    server, _ = pages_server
    windows = Target.for_(python_version="3.12", python_platform="windows")
    async with IndexClient(f"{server.url}simple/", environ={}) as client:
        chosen = await client.choose("numpylike", target=windows)
        linux = next(f for f in chosen.files if "manylinux" in f.filename)
        with pytest.raises(ConfigurationError, match="not for the target"):
            await client.download(linux, tmp_path, target=windows)
        sdist = next(f for f in chosen.files if f.is_sdist)
        with pytest.raises(ConfigurationError, match="only-binary"):
            await client.download(sdist, tmp_path, target=Target.for_(only_binary=[":all:"]))
        assert list(tmp_path.iterdir()) == []
        saved = await client.download(chosen.best, tmp_path, target=windows)
        assert saved.path.name == "numpylike-2.3.5-cp312-cp312-win_amd64.whl"


# --------------------------------------------------------------------------- the command


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pages_server: tuple[LocalServer, StoredPages]
) -> str:
    server, _ = pages_server
    isolate(monkeypatch, tmp_path)
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UV_DEFAULT_INDEX", f"{server.url}simple/")
    monkeypatch.setenv("INDEXCLIENT_CACHE_DIR", str(tmp_path / "cache"))
    return f"{server.url}simple/"


def test_metadata_and_download_take_uv_target_flags(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    """--python-version, --python-platform, --only-binary, --prerelease as uv pip
    compile takes them; --json keeps its shape."""
    flags = ["--python-version", "3.12", "--python-platform", "x86_64-manylinux_2_17"]
    done = run_cli(capsys, "--json", "metadata", "numpylike", *flags, "--only-binary", ":all:")
    assert done.code == 0, done.err
    [entry] = json.loads(done.out)
    assert entry["version"] == "2.2.6"
    assert entry["filename"] == (
        "numpylike-2.2.6-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    dest = tmp_path / "dest"
    done = run_cli(
        capsys, "--json", "download", "purelib>2.0", "--prerelease", "allow", "-d", str(dest)
    )
    assert done.code == 0, done.err
    assert json.loads(done.out)[0]["filename"] == "purelib-2.1.0rc1-py3-none-any.whl"
    assert (dest / "purelib-2.1.0rc1-py3-none-any.whl").exists()


def test_uv_prerelease_and_exclude_newer_variables(
    capsys: pytest.CaptureFixture[str], cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv reads UV_PRERELEASE and UV_EXCLUDE_NEWER (false: no cutoff); a flag wins."""
    monkeypatch.setenv("UV_PRERELEASE", "disallow")
    done = run_cli(capsys, "--json", "metadata", "purelib>2.0")
    assert done.code != 0
    monkeypatch.setenv("UV_EXCLUDE_NEWER", "2023-12-31T00:00:00Z")
    done = run_cli(capsys, "--json", "metadata", "purelib", "--prerelease", "allow")
    assert json.loads(done.out)[0]["version"] == "1.1.0"
    monkeypatch.setenv("UV_EXCLUDE_NEWER", "false")
    done = run_cli(capsys, "--json", "metadata", "purelib", "--prerelease", "allow")
    assert json.loads(done.out)[0]["version"] == "2.1.0rc1"


def test_a_wrong_platform_is_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    done = run_cli(capsys, "metadata", "purelib", "--python-platform", "beos")
    assert done.code == 2
    assert "--python-platform 'beos'" in done.err
    assert "aarch64-apple-darwin" in done.err
    assert "Traceback" not in done.err
