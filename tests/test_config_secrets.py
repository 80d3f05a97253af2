"""``config show`` and ``config set`` never print the userinfo of a URL or of an
allow-insecure-host entry: text or JSON, output or error, from a file, a flag or the
environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_support import isolate, run_cli

# Each URL, and the parts of it that must never be printed.
SECRET_URLS = [
    pytest.param("https://TOKEN0a1b2c@127.0.0.1/simple", ["TOKEN0a1b2c"], id="token-as-user"),
    pytest.param("https://alice:PASSWORD9z8y@127.0.0.1/simple", ["PASSWORD9z8y"], id="user-pass"),
    pytest.param(
        "https://alice:SLASHED1/SLASHED2@127.0.0.1/simple",
        ["SLASHED1", "SLASHED2"],
        id="unencoded-slash",
    ),
    pytest.param(
        "https://al%40ice:PCT%2FSECRET%3A7@127.0.0.1/simple",
        ["PCT%2FSECRET", "PCT/SECRET", "SECRET%3A7", "SECRET:7"],
        id="percent-encoded",
    ),
]


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def assert_hidden(secrets: list[str], *outputs: str) -> None:
    for output in outputs:
        for secret in secrets:
            assert secret not in output, (secret, output)


def show_everything(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    text = run_cli(capsys, "config", "show", *argv)
    json = run_cli(capsys, "config", "show", "--json", *argv)
    assert text.code == json.code
    return text.out + json.out, text.err + json.err


@pytest.mark.parametrize(("url", "secrets"), SECRET_URLS)
def test_show_hides_userinfo_from_files(
    capsys: pytest.CaptureFixture[str], workdir: Path, url: str, secrets: list[str]
) -> None:
    (workdir / "uv.toml").write_text(
        f"index-url = '{url}'\n"
        f"extra-index-url = ['{url}']\n"
        f"[[index]]\nurl = '{url}'\n"
        f"[pip]\nindex-url = '{url}'\n"
    )
    out, err = show_everything(capsys)
    assert_hidden(secrets, out, err)
    assert "127.0.0.1/simple" in out + err  # the URLs are there, redacted


@pytest.mark.parametrize(("url", "secrets"), SECRET_URLS)
def test_show_hides_userinfo_from_flags_and_environment(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    secrets: list[str],
) -> None:
    out, err = show_everything(capsys, "--index-url", url, "--extra-index-url", url)
    assert_hidden(secrets, out, err)
    monkeypatch.setenv("UV_INDEX_URL", url)
    monkeypatch.setenv("UV_EXTRA_INDEX_URL", url)
    out, err = show_everything(capsys)
    assert_hidden(secrets, out, err)


@pytest.mark.parametrize(("url", "secrets"), SECRET_URLS)
def test_show_hides_userinfo_of_insecure_host_entries(
    capsys: pytest.CaptureFixture[str], workdir: Path, url: str, secrets: list[str]
) -> None:
    """An entry with userinfo is invalid: the problem says so without the secret, in a
    list or as the bare string the hint suggests wrapping in one."""
    config = workdir / "uv.toml"
    for text in (f"allow-insecure-host = ['{url}']\n", f"allow-insecure-host = '{url}'\n"):
        config.write_text(text)
        out, err = show_everything(capsys)
        assert "allow-insecure-host in" in err
        assert_hidden(secrets, out, err)
    out, err = show_everything(capsys, "--no-config", "--allow-insecure-host", url)
    assert_hidden(secrets, out, err)


@pytest.mark.parametrize(("url", "secrets"), SECRET_URLS)
@pytest.mark.parametrize("key", ["index-url", "extra-index-url", "allow-insecure-host"])
def test_set_hides_userinfo_in_output_and_errors(
    capsys: pytest.CaptureFixture[str], workdir: Path, key: str, url: str, secrets: list[str]
) -> None:
    config = workdir / "uv.toml"
    outputs = []
    for json in ((), ("--json",)):
        result = run_cli(capsys, "config", "set", key, url, "--file", str(config), *json)
        outputs += [result.out, result.err]
    assert_hidden(secrets, *outputs)
    # The file itself holds the URL as given: it is the user's configuration.
    if key != "allow-insecure-host" and "SLASHED" not in url:
        assert url in config.read_text()


def test_set_prints_the_redacted_list(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    config = workdir / "uv.toml"
    first = "https://127.0.0.1/a"
    run_cli(capsys, "config", "set", "extra-index-url", first, "--file", str(config))
    result = run_cli(
        capsys,
        "config",
        "set",
        "extra-index-url",
        "https://TOK@127.0.0.1/b",
        "--file",
        str(config),
    )
    assert result.out == (
        f'set extra-index-url = ["https://127.0.0.1/a", "https://****@127.0.0.1/b"] in {config}\n'
    )
