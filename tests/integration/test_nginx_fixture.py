"""The nginx fixture itself: configuration, failure reports and clean shutdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Pki

from indexclient.testing.pki import IssuedCert
from support.nginx import NginxError, NginxServer, Site, find_nginx


def test_find_nginx_finds_an_executable(nginx_binary: str) -> None:
    assert find_nginx() == nginx_binary
    assert Path(nginx_binary).is_file()


def test_start_failure_quotes_the_error_log(nginx_binary: str, pki: Pki, www: Path) -> None:
    leaf, other = pki.root.issue_leaf(), pki.root.issue_leaf()
    mismatched = IssuedCert(cert=leaf.cert, key=other.key, issuer=pki.root)
    server = NginxServer([Site("broken", www, cert=mismatched)], binary=nginx_binary)
    with pytest.raises(NginxError) as caught:
        server.start()
    message = str(caught.value)
    assert "nginx exited with status 1 at start" in message
    assert "key values mismatch" in message  # OpenSSL's words, from the error log
    assert "ssl_certificate_key" in message  # the configuration is quoted too
    assert not server.running


def test_stop_ends_the_process_and_removes_its_directory(nginx_binary: str, www: Path) -> None:
    import socket

    server = NginxServer([Site("plain", www)], binary=nginx_binary)
    with server:
        directory = server.directory
        port = server.site("plain").port
        assert server.url("plain") == f"http://127.0.0.1:{port}/"
        assert (directory / "nginx.conf").is_file()
        assert "daemon off;" in server.config_file.read_text()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    assert not server.running
    assert not directory.exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_site_settings_reach_the_configuration(nginx_binary: str, pki: Pki, www: Path) -> None:
    weak = pki.root.issue_leaf(key_type="rsa1024")
    sites = [
        Site("weak", www, cert=weak),
        Site("strong", www, cert=pki.root.issue_leaf(), protocols=("TLSv1.3",), ranges=False),
        Site("plain", www, negotiate=False),
    ]
    server = NginxServer(sites, binary=nginx_binary, directory=www.parent / "nginx-config-test")
    with server:
        config = server.config_file.read_text()
    blocks = {
        name: config.split(f"server {{  # {name}\n")[1].split("    }\n")[0]
        for name in ("weak", "strong", "plain")
    }
    assert "@SECLEVEL=0" in blocks["weak"]
    assert "@SECLEVEL=0" not in blocks["strong"]
    assert "ssl_protocols TLSv1.3;" in blocks["strong"]
    assert "max_ranges 0;" in blocks["strong"]
    assert " ssl;" not in blocks["plain"]
    assert "index index.html;" in blocks["plain"]
    # A given directory is kept, logs included, for a post-mortem.
    assert (server.directory / "logs" / "error.log").exists()
