"""Shared fixtures: a clean environment, a throwaway PKI, and helpers to fetch over TLS.

This machine (and many CI machines) export SSL_CERT_FILE, SSL_CERT_DIR and proxy
variables, and pip's settings (PIP_CERT, PIP_FIND_LINKS, /etc/pip.conf,
/etc/xdg/pip/pip.conf). Every test starts with all of them removed, or a "bundled
default" test would silently test something else.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexclient.settings import ENV_VARS, Settings
from indexclient.testing.pki import CertificateAuthority
from indexclient.tls.contexts import ContextCache
from indexclient.tls.trust import Trust
from indexclient.transport import HttpClient, Response

# Variables that change TLS or proxy behaviour in this process or in OpenSSL itself.
_CLEARED = {
    *ENV_VARS,
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "UV_NO_CONFIG",
    # Where pip's files are: set below to places of the test's own.
    "XDG_CONFIG_HOME",
    "XDG_CONFIG_DIRS",
    "VIRTUAL_ENV",
}


def pytest_configure(config: pytest.Config) -> None:
    """Python 3.10's legacy asyncio SSL transport warns from ``__del__`` after a peer
    resets a TLS connection, though it was closed (fixed by 3.11's new implementation).
    Only that message is ignored there; every other unraisable warning stays an error."""
    if sys.version_info < (3, 11):
        config.addinivalue_line(
            "filterwarnings",
            "ignore:Exception ignored in. <function _SSLProtocolTransport.__del__"
            ":pytest.PytestUnraisableExceptionWarning",
        )


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Remove every variable indexclient, aiohttp or OpenSSL would read.

    The command line caches in the platform's cache directory by default: point it
    into the test's temporary directory so tests never touch the real one. Every
    ``PIP_*`` variable goes (pip reads them all), and pip's configuration files are
    turned off (``PIP_CONFIG_FILE=/dev/null``, pip's own switch): a test of pip's files
    sets its own. The XDG configuration directories, where uv and pip look for their
    files, point into the test's directory too.
    """
    for name in list(os.environ):
        if name.upper() in _CLEARED or name.upper().startswith("PIP_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg-config-dirs"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


@dataclass(frozen=True)
class Pki:
    """A root, an intermediate under it, and the root written as a CA file."""

    root: CertificateAuthority
    intermediate: CertificateAuthority
    ca_file: Path
    directory: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """One throwaway PKI for the session (key generation is the slow part)."""
    directory = tmp_path_factory.mktemp("pki")
    root = CertificateAuthority.create("indexclient test root")
    intermediate = root.issue_intermediate("indexclient test intermediate")
    ca_file = root.write_cert(directory / "root.pem")
    return Pki(root, intermediate, ca_file, directory)


def make_trust(
    environ: Mapping[str, str] | None = None,
    *,
    cache: ContextCache | None = None,
    **arguments: object,
) -> Trust:
    """A Trust from an explicit environment (never the process's) and arguments."""
    settings = Settings.load(dict(environ or {}), **arguments)  # type: ignore[arg-type]
    return settings.trust(cache or ContextCache())


async def fetch(trust: Trust, url: str, **kwargs: object) -> Response:
    """GET ``url`` through a fresh HttpClient using ``trust``."""
    async with HttpClient(trust, **kwargs) as client:  # type: ignore[arg-type]
        return await client.get(url)


@pytest.fixture
def ca_env(pki: Pki) -> dict[str, str]:
    """An environment trusting the test root through SSL_CERT_FILE."""
    return {"SSL_CERT_FILE": str(pki.ca_file)}


def insecure_entry(url: str) -> str:
    """The host:port allow-insecure-host entry for a local server URL."""
    from yarl import URL

    parsed = URL(url)
    return f"{parsed.host}:{parsed.port}"


@pytest.fixture
def tmp_certs(tmp_path: Path) -> Path:
    """A directory for certificate files written by a test."""
    directory = tmp_path / "certs"
    directory.mkdir()
    return directory
