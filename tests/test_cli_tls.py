"""``tls show`` and ``tls check``."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Pki
from test_cli_support import isolate, run_cli, running_server

from indexclient.testing.pki import server_context
from indexclient.testing.servers import SENDS_TLS_ALERTS

URL_PATH = "simple/"


@pytest.fixture(autouse=True)
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def server_url(pki: Pki) -> Iterator[str]:
    """A server presenting a leaf from the test intermediate (with the intermediate)."""
    leaf = pki.intermediate.issue_leaf()
    with running_server(server_context(leaf), lambda app: None) as server:
        yield server.url


def host_port(url: str) -> str:
    return url.split("/")[2]


# --------------------------------------------------------------------------- tls show


def test_show_bundled_default(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "tls", "show")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("trust source: bundled roots (certifi ")
    assert lines[1] == "  selected by: default"
    assert lines[2].startswith("roots loaded: ")
    assert int(lines[2].split()[2]) > 50
    assert "client certificate: none" in lines
    assert "allow-insecure-host: none" in lines
    assert any(line.startswith("policy: TLS 1.2 or newer") for line in lines)
    assert lines[-1] == "configuration files read: none"


def test_show_system_certs_flag(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run_cli(capsys, "tls", "show", "--system-certs", "--json").out)
    assert data["trust"]["kind"] == "platform"
    assert data["trust"]["origin"] == "--system-certs"


def test_show_custom_roots_per_file_and_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pki: Pki, tmp_path: Path
) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(pki.ca_file, certs / "root-copy.pem")  # already loaded from SSL_CERT_FILE
    pki.intermediate.write_cert(certs / "intermediate.crt")
    (certs / "README").write_text("not a certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))
    result = run_cli(capsys, "tls", "show", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert list(data) == [
        "trust",
        "roots",
        "client_certificate",
        "insecure_hosts",
        "policy",
        "config_files",
    ]
    assert data["trust"]["kind"] == "custom"
    assert data["trust"]["origin"] == "environment"
    assert f"SSL_CERT_FILE={pki.ca_file}" in data["trust"]["description"]
    assert data["roots"] == {
        "certificates": 2,
        "locations": [
            {"path": str(pki.ca_file), "kind": "file", "certificates": 1, "files": 1},
            {"path": str(certs), "kind": "dir", "certificates": 1, "files": 3},
        ],
    }
    human = run_cli(capsys, "tls", "show").out
    assert f"  file {pki.ca_file}: 1 certificate\n" in human
    assert f"  dir {certs}: 1 certificate from 3 files\n" in human
    assert "roots loaded: 2 certificates\n" in human


def test_show_client_certificate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pki: Pki, tmp_path: Path
) -> None:
    client = pki.root.issue_leaf(
        hosts=("client.example",), common_name="cli test client", client=True, server=False
    )
    paths = client.write(tmp_path, "client")
    monkeypatch.setenv("SSL_CLIENT_CERT", str(paths.pem))
    data = json.loads(run_cli(capsys, "tls", "show", "--json").out)
    identity = data["client_certificate"]
    assert identity["path"] == str(paths.pem)
    assert identity["key_path"] is None
    assert identity["origin"] == "SSL_CLIENT_CERT"
    assert identity["subject"] == "CN=cli test client"
    assert identity["issuer"] == pki.root.cert.subject.rfc4514_string()
    expiry = client.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert identity["not_after"] == expiry
    human = run_cli(capsys, "tls", "show").out
    assert f"client certificate: {paths.pem} [SSL_CLIENT_CERT]\n" in human
    assert "  subject: CN=cli test client\n" in human
    assert f"  expires: {expiry}\n" in human


def test_show_insecure_hosts_with_their_sources(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    config = workdir / "uv.toml"
    config.write_text('allow-insecure-host = ["files.example"]\n')
    monkeypatch.setenv("UV_INSECURE_HOST", "env.example [::1]:8443")
    result = run_cli(capsys, "tls", "show", "--trusted-host", "flag.example:8443", "--json")
    data = json.loads(result.out)
    assert data["insecure_hosts"] == [
        {"entry": "flag.example:8443", "origin": "--trusted-host"},
        {"entry": "env.example", "origin": "UV_INSECURE_HOST (environment)"},
        {"entry": "[::1]:8443", "origin": "UV_INSECURE_HOST (environment)"},
        {"entry": "files.example", "origin": f"allow-insecure-host in {config}"},
    ]
    assert data["config_files"] == [str(config)]
    human = run_cli(capsys, "tls", "show", "--trusted-host", "flag.example:8443").out
    assert "allow-insecure-host (certificates NOT verified):\n" in human
    assert "  flag.example:8443  from --trusted-host\n" in human
    assert f"  files.example  from allow-insecure-host in {config}\n" in human


def test_show_bad_roots_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    result = run_cli(capsys, "tls", "show")
    assert result.code == 2
    assert result.err.startswith(
        f"error: configuration error: SSL_CERT_FILE={tmp_path / 'missing.pem'} (environment): "
        "the file does not exist\nhint: "
    )


# --------------------------------------------------------------------------- tls check


def test_check_verified(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pki: Pki, server_url: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    result = run_cli(capsys, "tls", "check", server_url + URL_PATH)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"{server_url}{URL_PATH}  (127.0.0.1 port ")
    assert lines[1].startswith(f"trust: custom roots SSL_CERT_FILE={pki.ca_file}")
    assert lines[2].startswith("connected: TLSv1.")
    assert lines[3] == "chain presented by the server (2):"
    assert lines[4] == "  [0] CN=127.0.0.1"
    assert lines[5] == f"      issuer:    {pki.intermediate.cert.subject.rfc4514_string()}"
    assert lines[6].startswith("      valid:     ")
    assert lines[7] == "      key:       EC P-256"
    assert lines[8] == "      signature: ecdsa-with-SHA256"
    assert lines[9] == "      names:     DNS:localhost, IP:127.0.0.1"
    assert lines[10].startswith("  [1] ")
    assert lines[-1] == "verdict: verified"


def test_check_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pki: Pki, server_url: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    data = json.loads(run_cli(capsys, "tls", "check", server_url, "--json").out)
    assert list(data) == [
        "url",
        "host",
        "port",
        "trust",
        "insecure_host",
        "tls_version",
        "cipher",
        "chain",
        "verified",
        "ok",
        "error",
        "sources",
    ]
    assert (data["verified"], data["ok"], data["error"]) == (True, True, None)
    leaf = data["chain"][0]
    assert list(leaf) == [
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "key",
        "signature",
        "names",
        "self_signed",
        "policy_problem",
    ]
    assert leaf["names"] == ["DNS:localhost", "IP:127.0.0.1"]
    assert leaf["not_after"].endswith("Z")
    # The source in effect as the handshake judged it, then the others, checked.
    in_effect, *others = data["sources"]
    assert in_effect == {
        "source": "custom roots",
        "where": f"SSL_CERT_FILE={pki.ca_file} (environment)",
        "in_effect": True,
        "trusts": True,
        "note": None,
        "fix": None,
    }
    assert [(s["source"], s["trusts"], s["in_effect"]) for s in others[:2]] == [
        ("bundled roots", False, False),
        ("system store", False, False),
    ]


def test_check_untrusted_exits_3_with_the_fix(
    capsys: pytest.CaptureFixture[str], server_url: str
) -> None:
    result = run_cli(capsys, "tls", "check", server_url)
    assert result.code == 3
    lines = result.out.splitlines()
    assert lines[1].startswith("trust: bundled roots")
    assert lines[-2].startswith(
        f"verdict: REJECTED: certificate verification failed for {server_url}"
    )
    assert lines[-1].startswith("hint: The bundled roots do not include this issuer")
    # Checked and not holding a root made for this run: not suggested.
    assert "--system-certs" not in lines[-1]
    assert "(checked: system store" in lines[-1]
    data = json.loads(run_cli(capsys, "tls", "check", server_url, "--json").out)
    assert data["verified"] is False
    assert data["error"]["type"] == "CertificateVerificationError"
    assert data["error"]["kind"] in ("unknown-issuer", "incomplete-chain")
    assert data["error"]["hint"].startswith("The bundled roots")
    assert len(data["chain"]) == 2  # the chain is shown even when it is refused


def test_check_allow_insecure_host(capsys: pytest.CaptureFixture[str], server_url: str) -> None:
    entry = host_port(server_url)
    result = run_cli(capsys, "tls", "check", server_url, "--allow-insecure-host", entry)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == (
        f"verdict: accepted WITHOUT verification: allow-insecure-host {entry} "
        "from --allow-insecure-host"
    )
    data = json.loads(
        run_cli(capsys, "--trusted-host", entry, "tls", "check", server_url, "--json").out
    )
    assert data["verified"] is None
    assert data["insecure_host"] == {"entry": entry, "origin": "--trusted-host"}


def test_check_needs_an_https_url(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "tls", "check", "http://127.0.0.1:1/")
    assert result.code == 2
    assert result.err.startswith("error: tls check needs an https URL")


def test_check_connection_refused_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli(capsys, "tls", "check", f"https://127.0.0.1:{port}/")
    assert result.code == 1
    verdict = next(line for line in result.out.splitlines() if line.startswith("verdict:"))
    assert verdict.startswith("verdict: FAILED: connection failed: ")
    assert str(port) in verdict


@pytest.mark.skipif(
    not SENDS_TLS_ALERTS,
    reason="this Python's asyncio test server resets instead of sending the TLS alert",
)
def test_client_certificate_required_exits_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pki: Pki
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    context = server_context(pki.root.issue_leaf(), client_ca=pki.root)
    with running_server(context, lambda app: None) as server:
        result = run_cli(capsys, "--index-url", f"{server.url}simple/", "versions", "x")
    assert result.code == 3
    assert "client certificate" in result.err
