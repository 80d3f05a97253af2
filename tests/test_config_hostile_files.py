"""Configuration files that are not what they should be: FIFOs, devices, directories,
oversized, deeply nested or absurdly dotted TOML, bad bytes.

Each is one ``error:`` line naming the file (and the flag or variable that named it),
exit status 2, never a hang, a memory blow-up or ``unexpected ...``. What could hang
(a FIFO) or eat memory (``/dev/zero``) runs the command in a child process with a
timeout and a cap on its memory, so that a regression fails instead of stalling the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli_support import PYTHON, isolate, run_cli

from indexclient.errors import ConfigurationError
from indexclient.settings import ENV_VARS
from indexclient.settings.files import discover, read_file, set_value
from indexclient.settings.files._toml_scan import MAX_KEY_PARTS, MAX_NESTING
from indexclient.userfiles import MAX_CONFIG_FILE

posix_only = pytest.mark.skipif(os.name == "nt", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-home")
    env["XDG_CONFIG_DIRS"] = str(tmp_path / "xdg-dirs")
    env["PIP_CONFIG_FILE"] = os.devnull  # no pip configuration of this machine
    return {**env, **extra}


def _cap_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    limit = 1024 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_child(
    cwd: Path, tmp_path: Path, *argv: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m indexclient ARGV`` with 1 GiB of address space and 30 s at most."""
    return subprocess.run(
        [PYTHON, "-m", "indexclient", *argv],
        env=child_env(tmp_path, **env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        preexec_fn=_cap_memory,  # no threads are started before the exec
    )


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: configuration error: "), err
    assert "unexpected" not in err
    return lines[0]


# --------------------------------------------------------------------------- not a file


@posix_only
def test_a_fifo_as_the_discovered_uv_toml(tmp_path: Path, workdir: Path) -> None:
    fifo = workdir / "uv.toml"
    os.mkfifo(fifo)
    result = run_child(workdir, tmp_path, "config", "show")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert line.endswith(f"{fifo}: it is a FIFO (named pipe), not a regular file")


@posix_only
@pytest.mark.parametrize("how", ["flag", "variable"])
def test_a_fifo_as_the_config_file(tmp_path: Path, workdir: Path, how: str) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    if how == "flag":
        result = run_child(workdir, tmp_path, "config", "show", "--config-file", str(fifo))
        named = f"--config-file {fifo}"
    else:
        result = run_child(workdir, tmp_path, "config", "show", UV_CONFIG_FILE=str(fifo))
        named = f"UV_CONFIG_FILE={fifo} (environment)"
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert line == (
        f"error: configuration error: {named}: it is a FIFO (named pipe), not a regular file"
    )


@posix_only
def test_dev_zero_as_the_config_file(tmp_path: Path, workdir: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    result = run_child(workdir, tmp_path, "config", "show", "--config-file", "/dev/zero")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert line.endswith("--config-file /dev/zero: it is a character device, not a regular file")


@posix_only
def test_config_set_refuses_a_fifo(tmp_path: Path, workdir: Path) -> None:
    fifo = workdir / "uv.toml"
    os.mkfifo(fifo)
    result = run_child(workdir, tmp_path, "config", "set", "offline", "true", "--file", str(fifo))
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert line.endswith(
        f"{fifo}: it is a FIFO (named pipe), not a regular file; the file was not changed"
    )


@posix_only
def test_a_device_behind_the_discovered_uv_toml(
    capsys: pytest.CaptureFixture[str], workdir: Path
) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    (workdir / "uv.toml").symlink_to("/dev/zero")
    result = run_cli(capsys, "config", "show")
    assert result.code == 2
    assert one_error_line(result.err).endswith(
        f"{workdir / 'uv.toml'}: it is a character device, not a regular file"
    )


def test_a_directory_as_the_discovered_uv_toml(
    capsys: pytest.CaptureFixture[str], workdir: Path
) -> None:
    (workdir / "uv.toml").mkdir()
    result = run_cli(capsys, "config", "show")
    assert result.code == 2
    assert one_error_line(result.err).endswith(
        f"{workdir / 'uv.toml'}: it is a directory, not a regular file"
    )


@posix_only
def test_a_fifo_at_the_user_and_system_locations(tmp_path: Path, workdir: Path) -> None:
    user = tmp_path / "home" / ".config" / "uv" / "uv.toml"
    system = tmp_path / "system" / "uv" / "uv.toml"
    for path in (user, system):
        path.parent.mkdir(parents=True)
        os.mkfifo(path)
    found = discover(
        workdir, {"HOME": str(tmp_path / "home"), "XDG_CONFIG_DIRS": str(tmp_path / "system")}
    )
    assert [str(p) for p in found.problems] == [
        f"{user}: it is a FIFO (named pipe), not a regular file",
        f"{system}: it is a FIFO (named pipe), not a regular file",
    ]


def test_a_dangling_symlink_is_no_file(tmp_path: Path, workdir: Path) -> None:
    (workdir / "uv.toml").symlink_to(tmp_path / "nowhere.toml")
    assert discover(workdir, {}, system_fallback=None).problems == ()


# --------------------------------------------------------------------------- size


@pytest.mark.parametrize("where", ["discovered", "flag"])
def test_a_file_over_the_size_limit(
    capsys: pytest.CaptureFixture[str], workdir: Path, where: str
) -> None:
    big = workdir / "uv.toml"
    line = b"# " + b"x" * 1021 + b"\n"  # valid TOML: only comments
    big.write_bytes(line * (5 * 1024))
    argv = ("--config-file", str(big)) if where == "flag" else ()
    result = run_cli(capsys, "config", "show", *argv)
    assert result.code == 2
    assert one_error_line(result.err).endswith(
        f"{big}: it is {5 * 1024 * 1024} bytes, more than the limit of {MAX_CONFIG_FILE} bytes"
    )


# --------------------------------------------------------------------------- bad TOML

NESTED = f"invalid TOML: values nested more than {MAX_NESTING} levels deep (line 1)"
DOTTED = f"invalid TOML: a key or table name has more than {MAX_KEY_PARTS} dotted parts (line 1)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a = " + b"[" * 100_000, NESTED),
        (b"a = " + b"{b = " * 100_000, NESTED),
        (b"a = " + b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1) + b"\n", NESTED),
        (b"a" + b".b" * 3000 + b" = 1\n", DOTTED),
        (b"[a" + b".b" * 3000 + b"]\n", DOTTED),
        (b"x = 1\na = {b" + b".b" * 3000 + b" = 1}\n", DOTTED.replace("line 1", "line 2")),
        (b"offline = true\n# caf\xe9\n", "the file is not UTF-8 text: invalid continuation byte"),
        (b"offline = true\x00\n", "invalid TOML: "),
        (b'index-url = "https://a\x00b"\n', "invalid TOML: Illegal character"),
    ],
)
def test_bad_toml_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], workdir: Path, content: bytes, message: str
) -> None:
    config = workdir / "uv.toml"
    config.write_bytes(content)
    result = run_cli(capsys, "config", "show")
    assert result.code == 2
    line = one_error_line(result.err)
    assert line.startswith(f"error: configuration error: {config}: {message}"), line
    # config set refuses the same file the same way, and leaves it alone.
    with pytest.raises(ConfigurationError, match="the file was not changed") as caught:
        set_value(config, "offline", "false")
    assert message in str(caught.value)
    assert config.read_bytes() == content


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    config = tmp_path / "uv.toml"
    config.write_bytes(b"offline = true\n\n# \xff\n")
    (problem,) = read_file(config, "project").problems
    assert problem.message == "the file is not UTF-8 text: invalid start byte (line 3)"


def test_nesting_at_the_limit_is_read(tmp_path: Path) -> None:
    config = tmp_path / "uv.toml"
    depth = MAX_NESTING
    config.write_text("a = " + "[" * depth + "]" * depth + "\noffline = true\n")
    found = read_file(config, "project")
    assert found.problems == ()
    assert found.values.offline is not None


def frames_in_use() -> int:
    frame, count = sys._getframe(), 0
    while frame is not None:
        frame, count = frame.f_back, count + 1  # type: ignore[assignment]
    return count


def test_a_recursion_error_is_no_traceback(tmp_path: Path) -> None:
    """Within the nesting limit, a recursion limit set low (by a program embedding
    indexclient) still ends in one problem, not a RecursionError."""
    config = tmp_path / "uv.toml"
    config.write_text("a = " + "[" * MAX_NESTING + "]" * MAX_NESTING + "\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(frames_in_use() + 60)
    try:
        found = read_file(config, "project")
    finally:
        sys.setrecursionlimit(limit)
    (problem,) = found.problems
    assert problem.message == "invalid TOML: values nested too deeply"
