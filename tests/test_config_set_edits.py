"""``config set`` changes one value and nothing else: comments, order, formatting, line
endings and mode stay; what cannot be placed safely is refused; concurrent runs lose no
update."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli_support import PYTHON, isolate, run_cli

from indexclient.errors import ConfigurationError
from indexclient.settings import ENV_VARS
from indexclient.settings.files import _lock, _write, set_value
from indexclient.settings.files._lock import lock_path, locked

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

UV_TOML = """\
# Settings for the build machines.
index-url = 'https://127.0.0.1:8443/simple'   # the mirror
offline = false  # flip when travelling

extra-index-url = [
    # the corporate index first
    "https://127.0.0.1:9443/simple",  # corp
]
allow-insecure-host = ["127.0.0.1:8443"]

# The corporate index, by name.
[[index]]
name = "corp"
url = "https://127.0.0.1:9443/simple"

[pip]
# pip-only
index-url = "https://127.0.0.1:7443/simple"
"""


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def temporary_files(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_set_changes_only_what_it_sets(workdir: Path) -> None:
    config = workdir / "uv.toml"
    config.write_text(UV_TOML)
    set_value(config, "offline", "yes")
    set_value(config, "concurrent-downloads", "8")
    set_value(config, "extra-index-url", "https://127.0.0.1:9444/simple")
    set_value(config, "allow-insecure-host", "127.0.0.1:9444, 127.0.0.1:8443")
    set_value(config, "index-url", "https://127.0.0.1:8444/simple")
    expected = (
        UV_TOML.replace("offline = false", "offline = true")
        .replace(
            '"https://127.0.0.1:9443/simple",  # corp\n',
            '"https://127.0.0.1:9443/simple",  # corp\n    "https://127.0.0.1:9444/simple",\n',
        )
        .replace('["127.0.0.1:8443"]', '["127.0.0.1:8443", "127.0.0.1:9444"]')
        .replace(
            '["127.0.0.1:8443", "127.0.0.1:9444"]\n',
            '["127.0.0.1:8443", "127.0.0.1:9444"]\nconcurrent-downloads = 8\n',
        )
        .replace("'https://127.0.0.1:8443/simple'", '"https://127.0.0.1:8444/simple"')
    )
    assert config.read_text() == expected
    assert temporary_files(workdir) == []


def test_set_in_a_pyproject_keeps_the_rest_byte_for_byte(workdir: Path) -> None:
    pyproject = workdir / "pyproject.toml"
    head = '[project]\nname = "app"  # the name\n\n[tool.uv]\n# our mirror\noffline = true\n'
    tail = "\n# linting\n[tool.ruff]\nline-length = 100\n"
    pyproject.write_text(head + tail)
    set_value(pyproject, "index-url", "https://127.0.0.1:8443/simple")
    assert pyproject.read_text() == (head + 'index-url = "https://127.0.0.1:8443/simple"\n' + tail)


def test_a_pyproject_without_tool_uv_gets_the_table_at_its_end(workdir: Path) -> None:
    pyproject = workdir / "pyproject.toml"
    original = '[project]\nname = "app"\n\n[tool.ruff]  # lint\nline-length = 100\n'
    pyproject.write_text(original)
    set_value(pyproject, "system-certs", "true")
    assert pyproject.read_text() == original + "\n[tool.uv]\nsystem-certs = true\n"


def test_crlf_line_endings_and_the_mode_are_kept(workdir: Path) -> None:
    config = workdir / "uv.toml"
    config.write_bytes(b"# corp\r\nextra-index-url = [\r\n  'https://127.0.0.1:1/simple',\r\n]\r\n")
    config.chmod(0o604)
    set_value(config, "extra-index-url", "https://127.0.0.1:2/simple")
    set_value(config, "offline", "1")
    assert config.read_bytes() == (
        b"# corp\r\nextra-index-url = [\r\n  'https://127.0.0.1:1/simple',\r\n"
        b'  "https://127.0.0.1:2/simple",\r\n]\r\noffline = true\r\n'
    )
    assert stat.S_IMODE(config.stat().st_mode) == 0o604


def test_nothing_new_leaves_the_file_alone(workdir: Path) -> None:
    config = workdir / "uv.toml"
    config.write_text(UV_TOML)
    before = config.stat()
    value = set_value(config, "allow-insecure-host", "127.0.0.1:8443")
    assert value == ["127.0.0.1:8443"]
    after = config.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tool.uv.offline = true\n", "tool.uv is defined by a dotted key or an inline table"),
        ("[tool]\nuv = {offline = true}\n", "tool.uv is defined by a dotted key"),
    ],
)
def test_what_cannot_be_placed_is_refused(
    capsys: pytest.CaptureFixture[str], workdir: Path, text: str, reason: str
) -> None:
    pyproject = workdir / "pyproject.toml"
    pyproject.write_text("# keep\n" + text)
    before = pyproject.read_bytes()
    result = run_cli(
        capsys, "config", "set", "index-url", "https://127.0.0.1:1/simple", "--file", str(pyproject)
    )
    assert result.code == 2
    (line, hint) = result.err.splitlines()
    assert line.startswith(
        f"error: configuration error: tool.uv.index-url in {pyproject}: "
        "cannot change the file without touching the rest of it: "
    )
    assert reason in line
    assert line.endswith("; the file was not changed")
    assert hint == "hint: edit the file by hand"
    assert pyproject.read_bytes() == before


@pytest.mark.parametrize("text", ["offline.x = 1\n", "[offline]\nx = 1\n"])
def test_a_scalar_key_written_as_a_table_is_refused(workdir: Path, text: str) -> None:
    config = workdir / "uv.toml"
    config.write_text(text)
    with pytest.raises(ConfigurationError, match="the file's value is a table"):
        set_value(config, "offline", "true")
    assert config.read_text() == text


def test_an_edit_that_does_not_read_back_is_refused(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last guard: whatever the splice produced is parsed and compared first."""
    config = workdir / "uv.toml"
    config.write_text(UV_TOML)
    before = config.read_bytes()

    def careless(text: str, *args: object) -> str:
        return text.replace("offline = false", "offline = true").replace('"corp"', '"other"')

    monkeypatch.setattr(_write, "set_key", careless)
    with pytest.raises(ConfigurationError) as caught:
        set_value(config, "offline", "true")
    message = str(caught.value)
    assert "cannot change the file without touching the rest of it" in message
    assert "does not read back as intended" in message
    assert message.endswith("; the file was not changed")
    assert config.read_bytes() == before
    assert temporary_files(workdir) == []


# --------------------------------------------------------------------------- the lock


def test_the_lock_file_sits_beside_the_file(workdir: Path) -> None:
    config = workdir / "uv.toml"
    set_value(config, "offline", "true")
    assert lock_path(config) == workdir / ".uv.toml.lock"
    assert lock_path(config).is_file()


def test_a_lock_held_too_long_is_a_clear_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = workdir / "uv.toml"
    config.write_text("offline = false\n")
    monkeypatch.setattr(_lock, "LOCK_TIMEOUT", 0.05)
    with locked(config), pytest.raises(ConfigurationError) as caught:
        set_value(config, "offline", "true")
    message = str(caught.value)
    assert f"another process kept the lock {lock_path(config)} for more than" in message
    assert message.endswith("; the file was not changed")
    assert config.read_text() == "offline = false\n"


@pytest.mark.skipif(os.name == "nt", reason="O_NOFOLLOW is POSIX")
def test_a_symlink_as_the_lock_file_is_not_followed(workdir: Path, tmp_path: Path) -> None:
    config = workdir / "uv.toml"
    config.write_text("offline = false\n")
    elsewhere = tmp_path / "elsewhere"
    lock_path(config).symlink_to(elsewhere)
    with pytest.raises(ConfigurationError) as caught:
        set_value(config, "offline", "true")
    assert f"cannot open the lock file {lock_path(config)}: " in str(caught.value)
    assert not elsewhere.exists()
    assert config.read_text() == "offline = false\n"


def test_concurrent_runs_lose_no_update(tmp_path: Path) -> None:
    config = tmp_path / "uv.toml"
    config.write_text("# shared by every run\nextra-index-url = [\n    # corp\n]\n")
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    urls = [f"https://127.0.0.1:{8000 + n}/simple" for n in range(12)]
    runs = [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "indexclient",
                "config",
                "set",
                "extra-index-url",
                url,
                "--file",
                config,
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for url in urls
    ]
    for run in runs:
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    text = config.read_text()
    assert sorted(tomllib.loads(text)["extra-index-url"]) == sorted(urls)
    assert text.startswith("# shared by every run\nextra-index-url = [\n    # corp\n")
    assert temporary_files(tmp_path) == []
