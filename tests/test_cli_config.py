"""``config show`` and ``config set``: discovery, precedence, sources, writing uv.toml."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
from test_cli_support import isolate, run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def show(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    result = run_cli(capsys, "config", "show", "--json", *argv)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def test_show_human(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    config = write(workdir / "uv.toml", 'allow-insecure-host = ["mirror.example:8443"]\n')
    result = run_cli(capsys, "config", "show", "--index-url", "https://index.example/simple")
    assert result.code == 0, result.err
    rows = {line.split()[0]: line.split(maxsplit=2)[1:] for line in result.out.splitlines()[1:12]}
    assert rows["index-url"] == ["https://index.example/simple", "--index-url"]
    assert rows["allow-insecure-host"] == [
        "mirror.example:8443",
        f"allow-insecure-host in {config}",
    ]
    assert rows["system-certs"] == ["false", "default"]
    assert rows["extra-index-url"] == ["(not", "set)"]
    assert "trust source: bundled roots" in result.out
    assert result.out.endswith(f"configuration files read:\n  {config}\n")


def test_show_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    data = show(capsys)
    assert list(data) == ["settings", "indexes", "trust_source", "config_files", "pip_config_files"]
    assert data["indexes"] == []
    settings = data["settings"]
    assert isinstance(settings, dict)
    assert list(settings) == [
        "index-url",
        "extra-index-url",
        "system-certs",
        "ssl-cert-file",
        "ssl-cert-dir",
        "ssl-client-cert",
        "allow-insecure-host",
        "concurrent-downloads",
        "http-timeout",
        "http-deadline",
        "http-retries",
        "offline",
        "find-links",
        "no-index",
        "index-strategy",
        "keyring-provider",
        "no-cache",
        "no-progress",
        "python-version",
        "python-platform",
        "only-binary",
        "no-binary",
        "prerelease",
        "exclude-newer",
    ]
    assert settings["index-url"] == {"value": None, "source": None, "name": None}
    assert settings["index-strategy"] == {"value": "first-index", "source": "default"}
    assert settings["concurrent-downloads"] == {"value": 50, "source": "default"}
    assert settings["http-deadline"] == {"value": 3600.0, "source": "default"}
    assert data["config_files"] == []


def test_deadline_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INDEXCLIENT_HTTP_DEADLINE", "90")
    settings = show(capsys)["settings"]
    assert isinstance(settings, dict)
    assert settings["http-deadline"] == {
        "value": 90.0,
        "source": "INDEXCLIENT_HTTP_DEADLINE (environment)",
    }


def test_passwords_in_index_urls_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://user:s3cret@index.example/simple"
    result = run_cli(capsys, "config", "show", "--extra-index-url", url)
    assert "s3cret" not in result.out
    assert "https://user:****@index.example/simple" in result.out


def test_discovery_from_a_parent_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    monkeypatch.delenv("HOME", raising=False)
    config = write(
        workdir / "uv.toml",
        """
        index-url = "https://project.example/simple"
        allow-insecure-host = ["project.example"]
        """,
    )
    deeper = workdir / "src" / "pkg"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    data = show(capsys)
    settings = data["settings"]
    assert isinstance(settings, dict)
    assert settings["index-url"] == {
        "value": "https://project.example/simple",
        "source": f"index-url in {config}",
        "name": None,
    }
    assert data["config_files"] == [str(config)]
    # --no-config and --config-file replace discovery.
    assert show(capsys, "--no-config")["config_files"] == []
    other = write(workdir.parent / "other.toml", 'index-url = "https://other.example/simple"\n')
    assert show(capsys, "--config-file", str(other))["config_files"] == [str(other)]


def test_precedence_flag_env_project_user_system(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    workdir: Path,
) -> None:
    system = write(
        tmp_path / "xdg-dirs" / "uv" / "uv.toml",
        'index-url = "https://system.example/simple"\nsystem-certs = true\noffline = true\n',
    )
    user = write(
        tmp_path / "xdg-home" / "uv" / "uv.toml",
        'index-url = "https://user.example/simple"\nsystem-certs = false\n',
    )
    project = write(workdir / "uv.toml", 'index-url = "https://project.example/simple"\n')
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://env.example/simple")
    monkeypatch.setenv("UV_SYSTEM_CERTS", "yes")

    def setting(key: str, *argv: str) -> tuple[object, object]:
        settings = show(capsys, *argv)["settings"]
        assert isinstance(settings, dict)
        return settings[key]["value"], settings[key]["source"]

    flag = ("--default-index", "https://flag.example/simple")
    assert setting("index-url", *flag) == ("https://flag.example/simple", "--default-index")
    assert setting("index-url") == ("https://env.example/simple", "UV_DEFAULT_INDEX (environment)")
    assert setting("system-certs") == (True, "UV_SYSTEM_CERTS (environment)")
    assert setting("system-certs", "--no-system-certs") == (False, "--no-system-certs")
    monkeypatch.delenv("UV_DEFAULT_INDEX")
    monkeypatch.delenv("UV_SYSTEM_CERTS")
    assert setting("index-url") == ("https://project.example/simple", f"index-url in {project}")
    assert setting("system-certs") == (False, f"system-certs in {user}")
    assert setting("offline") == (True, f"offline in {system}")  # only the system file has it
    project.unlink()
    assert setting("index-url") == ("https://user.example/simple", f"index-url in {user}")
    user.unlink()
    assert setting("index-url") == ("https://system.example/simple", f"index-url in {system}")
    assert setting("system-certs") == (True, f"system-certs in {system}")
    # beyond uv: an environment value of false overrides a file's true
    monkeypatch.setenv("UV_SYSTEM_CERTS", "0")
    assert setting("system-certs") == (False, "UV_SYSTEM_CERTS (environment)")
    system.unlink()
    if os.path.exists("/etc/uv/uv.toml"):
        pytest.skip("/etc/uv/uv.toml exists on this machine: the default cannot be checked")
    monkeypatch.delenv("UV_SYSTEM_CERTS")
    assert setting("index-url") == (None, None)
    assert setting("system-certs") == (False, "default")


def test_a_bad_file_reports_every_problem(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    config = write(
        workdir / "uv.toml",
        """
        system-certs = "yes"
        allow-insecure-host = "mirror.example"
        concurrent-downloads = 0
        index-url = "ftp://index.example/simple"
        """,
    )
    monkeypatch.setenv("UV_SYSTEM_CERTS", "maybe")
    for argv in (("config", "show"), ("tls", "show"), ("versions", "x")):
        result = run_cli(capsys, *argv)
        assert result.code == 2, argv
        assert result.out == ""
        lines = result.err.splitlines()
        assert lines[0] == "error: 5 configuration errors:"
        assert len(lines) == 6
        for key in ("system-certs", "allow-insecure-host", "concurrent-downloads", "index-url"):
            assert any(f"{key} in {config}: " in line for line in lines[1:]), key
        assert any("UV_SYSTEM_CERTS='maybe' (environment)" in line for line in lines[1:])


# --------------------------------------------------------------------------- config set


def test_set_in_a_file_keeps_other_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write(
        tmp_path / "conf" / "uv.toml",
        """
        concurrent-downloads = 4

        [[index]]
        name = "corp"
        url = "https://corp.example/simple"
        """,
    )
    result = run_cli(capsys, "config", "set", "system-certs", "yes", "--file", str(config))
    assert (result.code, result.out) == (0, f"set system-certs = true in {config}\n")
    result = run_cli(
        capsys,
        "config",
        "set",
        "allow-insecure-host",
        "a.example, b.example:8443",
        "--file",
        str(config),
    )
    assert result.code == 0, result.err
    result = run_cli(
        capsys, "config", "set", "allow-insecure-host", "A.example", "--file", str(config), "--json"
    )
    assert json.loads(result.out) == {
        "path": str(config),
        "key": "allow-insecure-host",
        "value": ["a.example", "b.example:8443"],
    }
    assert tomllib.loads(config.read_text(encoding="utf-8")) == {
        "concurrent-downloads": 4,
        "index": [{"name": "corp", "url": "https://corp.example/simple"}],
        "system-certs": True,
        "allow-insecure-host": ["a.example", "b.example:8443"],
    }
    # The value written is what discovery reads back.
    data = show(capsys, "--config-file", str(config))
    settings = data["settings"]
    assert isinstance(settings, dict)
    assert settings["system-certs"] == {"value": True, "source": f"system-certs in {config}"}


def test_set_project_writes_tool_uv_of_the_nearest_pyproject(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    pyproject = write(
        workdir / "pyproject.toml",
        """
        [project]
        name = "app"

        [tool.uv]
        offline = false
        """,
    )
    sub = workdir / "src"
    sub.mkdir()
    monkeypatch.chdir(sub)
    result = run_cli(capsys, "config", "set", "index-url", "https://index.example/simple")
    assert result.code == 0, result.err
    assert result.out == f'set index-url = "https://index.example/simple" in {pyproject}\n'
    assert run_cli(capsys, "config", "set", "--project", "offline", "on").code == 0
    assert tomllib.loads(pyproject.read_text(encoding="utf-8")) == {
        "project": {"name": "app"},
        "tool": {"uv": {"offline": True, "index-url": "https://index.example/simple"}},
    }


def test_set_project_creates_uv_toml_in_the_working_directory(
    capsys: pytest.CaptureFixture[str], workdir: Path
) -> None:
    assert run_cli(capsys, "config", "set", "concurrent-downloads", "8").code == 0
    assert tomllib.loads((workdir / "uv.toml").read_text()) == {"concurrent-downloads": 8}


def test_set_user(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(
        capsys, "config", "set", "--user", "extra-index-url", "https://extra.example/simple"
    )
    assert result.code == 0, result.err
    user = tmp_path / "xdg-home" / "uv" / "uv.toml"
    assert tomllib.loads(user.read_text()) == {"extra-index-url": ["https://extra.example/simple"]}
    settings = show(capsys)["settings"]
    assert isinstance(settings, dict)
    assert settings["extra-index-url"] == [
        {
            "value": "https://extra.example/simple",
            "source": f"extra-index-url in {user}",
            "name": None,
        }
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("system-certs", "maybe", "'maybe' is not a boolean"),
        ("concurrent-downloads", "-1", "expected a positive integer"),
        ("index-url", "ftp://x.example/", "expected an http, https or file URL"),
        ("allow-insecure-host", "a.example:99999", "a.example:99999"),
        ("native-tls", "true", "unknown key 'native-tls'"),
    ],
)
def test_set_validates_before_writing(
    capsys: pytest.CaptureFixture[str], workdir: Path, key: str, value: str, message: str
) -> None:
    config = write(workdir / "uv.toml", "# keep me\noffline = true\n")
    before = config.read_bytes()
    result = run_cli(capsys, "config", "set", key, value)
    assert result.code == 2
    assert result.err.startswith(f"error: configuration error: {key} in {config}: ")
    assert message in result.err
    assert config.read_bytes() == before
