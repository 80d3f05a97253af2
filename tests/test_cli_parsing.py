"""The command line's grammar and error handling: usage errors, global options before or
after the command, warnings, exit statuses, tracebacks only with -v, Ctrl-C."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_support import Result, isolate, run_cli

from indexclient import __version__
from indexclient.cli import index_commands
from indexclient.cli.exits import exit_code, exit_code_of_failures
from indexclient.errors import (
    CertificateVerificationError,
    ClientCertificateRequiredError,
    ConfigurationError,
    ConnectError,
    NotFoundError,
    ProjectNotFound,
    ResponseError,
    TLSError,
)

URL = "https://index.example/simple"


@pytest.fixture(autouse=True)
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def show(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    result = run_cli(capsys, *argv)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, dict)
    settings = data["settings"]
    assert isinstance(settings, dict)
    return settings


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--version")
    assert (result.code, result.out.strip()) == (0, f"indexclient {__version__}")


def test_help_lists_commands_and_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--help")
    assert result.code == 0
    for command in ("project", "versions", "metadata", "download", "tls", "config"):
        assert command in result.out
    text = " ".join(result.out.split())
    assert "3 TLS verification failure, 4 not found" in text
    assert "https://index.example/simple" in text


@pytest.mark.parametrize(
    ("command", "own"),
    [
        ("project", ["NAME"]),
        ("versions", ["NAME"]),
        ("metadata", ["REQ", "--requirement FILE"]),
        ("download", ["REQ", "--requirement FILE", "--dest DIR"]),
        ("tls show", []),
        ("tls check", ["URL"]),
        ("config show", []),
        ("config set", ["KEY", "VALUE", "--project", "--user", "--file PATH"]),
    ],
)
def test_each_command_help_shows_its_whole_grammar(
    capsys: pytest.CaptureFixture[str], command: str, own: list[str]
) -> None:
    # Commands get their arguments only when chosen (start-up speed); their help must
    # still show everything: their own arguments and every global option.
    result = run_cli(capsys, *command.split(), "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    for word in [*own, "--index-url URL", "--allow-insecure-host HOST", "--offline", "--json"]:
        assert word in text, word


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["versions"], "the following arguments are required: NAME"),
        (["versions", "x", "--bogus"], "unrecognized arguments: --bogus"),
        (["tls"], "the following arguments are required: COMMAND"),
        (["tls", "inspect"], "invalid choice: 'inspect'"),
        (["config", "set", "offline"], "required: VALUE"),
        (["config", "set", "offline", "1", "--user", "--project"], "not allowed with"),
        (["--system-cert", "config", "show"], "unrecognized arguments"),  # no abbreviations
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    result = run_cli(capsys, *argv)
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert lines[1].startswith("hint: run 'indexclient")
    assert result.out == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["--index-url", URL, "--json", "config", "show"],
        ["config", "show", "--index-url", URL, "--json"],
        ["config", "--index-url", URL, "show", "--json"],
        ["--json", "config", "show", "--default-index", URL],
    ],
)
def test_global_options_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    settings = show(capsys, *argv)
    option = "--default-index" if "--default-index" in argv else "--index-url"
    assert settings["index-url"] == {"value": URL, "source": option, "name": None}


def test_repeated_global_options_accumulate_across_positions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = show(
        capsys,
        "--extra-index-url",
        "https://a.example/simple",
        "--trusted-host",
        "a.example",
        "config",
        "show",
        "--json",
        "--extra-index-url",
        "https://b.example/simple",
        "--allow-insecure-host",
        "b.example:8443",
    )
    assert [e["value"] for e in settings["extra-index-url"]] == [  # type: ignore[attr-defined]
        "https://a.example/simple",
        "https://b.example/simple",
    ]
    assert settings["allow-insecure-host"] == [
        {"value": "a.example", "source": "--trusted-host"},
        {"value": "b.example:8443", "source": "--allow-insecure-host"},
    ]


def test_a_later_single_value_wins(capsys: pytest.CaptureFixture[str]) -> None:
    settings = show(capsys, "--system-certs", "config", "show", "--no-system-certs", "--json")
    assert settings["system-certs"] == {"value": False, "source": "--no-system-certs"}
    settings = show(capsys, "--no-system-certs", "config", "show", "--system-certs", "--json")
    assert settings["system-certs"] == {"value": True, "source": "--system-certs"}


def test_offline_flag(capsys: pytest.CaptureFixture[str]) -> None:
    settings = show(capsys, "config", "show", "--offline", "--json")
    assert settings["offline"] == {"value": True, "source": "--offline"}


def test_native_tls_is_a_deprecated_alias(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--native-tls", "config", "show", "--json")
    assert result.code == 0
    assert result.err == "warning: --native-tls is deprecated; use --system-certs\n"
    settings = json.loads(result.out)["settings"]
    assert settings["system-certs"] == {"value": True, "source": "--native-tls"}


def test_configuration_warnings_are_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_NATIVE_TLS", "1")
    result = run_cli(capsys, "config", "show")
    assert result.code == 0
    assert result.err == "warning: UV_NATIVE_TLS is deprecated; use UV_SYSTEM_CERTS\n"


def test_errors_are_one_line_with_a_hint_and_no_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_cli(capsys, "versions", "demo-package")  # no index configured
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0] == "error: configuration error: index: no index URL is configured"
    assert lines[1].startswith("hint: indexclient has no built-in index")
    assert len(lines) == 2
    assert "Traceback" not in result.err


def test_verbose_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "versions", "demo-package", "-v")
    assert result.code == 2
    assert result.err.startswith("Traceback (most recent call last)")
    assert "error: configuration error: index: no index URL is configured" in result.err


def test_an_unexpected_exception_is_reported_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(index_commands, "versions", broken)
    result = run_cli(capsys, "versions", "x")
    assert result.code == 1
    assert (
        result.err
        == "error: unexpected RuntimeError: boom\nhint: run again with -v for the traceback\n"
    )
    result = run_cli(capsys, "-v", "versions", "x")
    assert "Traceback" in result.err
    assert "RuntimeError: boom" in result.err


def test_keyboard_interrupt_exits_130_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(index_commands, "versions", interrupted)
    assert run_cli(capsys, "versions", "x") == Result(130, "", "")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigurationError.single("x", "bad"), 2),
        (CertificateVerificationError("u", "h", "t", "r", kind="expired"), 3),
        (ClientCertificateRequiredError("u", "r"), 3),
        (TLSError("u", "r"), 3),
        (NotFoundError("u", 404, "r"), 4),
        (ProjectNotFound("p", ["u"]), 4),
        (ResponseError("u", 500, "r"), 1),
        (ConnectError("u", "r"), 1),
        (OSError("disk full"), 1),
    ],
)
def test_exit_codes(error: Exception, code: int) -> None:
    assert exit_code(error) == code


def test_exit_code_of_partial_failures() -> None:
    missing = ProjectNotFound("p", ["u"])
    tls = TLSError("u", "r")
    assert exit_code_of_failures([]) == 0
    assert exit_code_of_failures([missing, missing]) == 4
    assert exit_code_of_failures([tls]) == 3
    assert exit_code_of_failures([missing, tls]) == 1
    assert exit_code_of_failures([ResponseError("u", 500, "r")]) == 1
