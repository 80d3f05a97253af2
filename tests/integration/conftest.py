"""Integration tests against real servers: nginx (TLS, mTLS, a static index) and pypiserver.

Every test under this directory is marked ``integration``: ``pytest -m integration`` runs
only them, ``pytest -m "not integration"`` everything else. The servers are session-scoped
(one nginx process per group of sites, started on first use) and listen on 127.0.0.1 only.

nginx comes from the system (``.ci/run`` installs nginx-light); without it these tests
skip with :data:`support.nginx.SKIP_REASON`. pypiserver comes from the test
extras; without it its tests skip.

This directory is a package (``__init__.py``) so that this module is imported as
``integration.conftest`` and does not replace ``tests/conftest.py`` as the top-level
``conftest`` module the other test files import from.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Pki
from packaging.utils import NormalizedName, canonicalize_name
from test_verification import ACCEPTED, REJECTED

from indexclient.testing.pki import CertificateAuthority, IssuedCert
from support.nginx import SKIP_REASON, NginxServer, Site, find_nginx
from support.static_index import (
    Release,
    StaticFile,
    StaticIndex,
    write_static_index,
    write_wheels,
)

HERE = Path(__file__).parent

#: Cases of the certificate matrix nginx cannot serve, with the reason. Empty: it serves
#: every one of them (SHA-1 and RSA-1024 chains with ``ssl_ciphers DEFAULT:@SECLEVEL=0``).
NGINX_CANNOT_SERVE: dict[str, str] = {}

#: What ``www/index.html`` of the matrix and mTLS sites holds.
OK_BODY = b"ok\n"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: talks to real servers (nginx, pypiserver) started by fixtures; "
        "select with -m integration",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


# --------------------------------------------------------------------------- nginx


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """The nginx binary, or a skip saying how to get it."""
    binary = find_nginx()
    if binary is None:
        if os.environ.get("CI"):
            # .ci/run installs nginx: its absence there is a broken CI, not a reason to skip.
            pytest.fail(f"{SKIP_REASON}, but CI is set and it did not", pytrace=False)
        pytest.skip(SKIP_REASON)
    return binary


@contextlib.contextmanager
def running(sites: Sequence[Site], binary: str, directory: Path) -> Iterator[NginxServer]:
    """An NginxServer for ``sites`` whose files (and logs) stay in ``directory``."""
    with NginxServer(sites, binary=binary, directory=directory) as server:
        yield server


@pytest.fixture(scope="session")
def www(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A document root with ``index.html`` holding :data:`OK_BODY`."""
    root = tmp_path_factory.mktemp("www")
    (root / "index.html").write_bytes(OK_BODY)
    return root


@dataclass(frozen=True)
class Matrix:
    """nginx serving every case of the certificate matrix, one site per case."""

    nginx: NginxServer
    bundle: Path
    """Every root an accepted case chains to, for SSL_CERT_FILE."""

    def url(self, case: str) -> str:
        return self.nginx.url(case)


def _root_of(issued: IssuedCert) -> CertificateAuthority:
    if issued.issuer is None:
        raise ValueError("an accepted case must chain to a root")
    return issued.issuer.root


@pytest.fixture(scope="session")
def matrix(
    nginx_binary: str, pki: Pki, www: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    """Sites ``ok-<case>`` for ACCEPTED and ``bad-<case>`` for REJECTED, one nginx."""
    accepted = {case: make(pki) for case, make in ACCEPTED.items()}
    rejected = {
        case: make(pki) for case, (make, _, _) in REJECTED.items() if case not in NGINX_CANNOT_SERVE
    }
    sites = [Site(f"ok-{case}", www, cert=issued) for case, issued in accepted.items()]
    sites += [Site(f"bad-{case}", www, cert=issued) for case, issued in rejected.items()]
    directory = tmp_path_factory.mktemp("nginx-matrix")
    roots = dict.fromkeys([pki.root.cert_pem, *(_root_of(i).cert_pem for i in accepted.values())])
    bundle = directory / "accepted-roots.pem"
    bundle.write_bytes(b"".join(roots))
    with running(sites, nginx_binary, directory / "nginx") as nginx:
        yield Matrix(nginx, bundle)


# --------------------------------------------------------------------------- mTLS

CLIENT_HOST = "client.example"


@dataclass(frozen=True)
class Mtls:
    """nginx sites requiring a client certificate from ``client_ca``."""

    nginx: NginxServer
    client_ca: CertificateAuthority
    client_pem: Path
    """Certificate and key from ``client_ca`` (the SSL_CLIENT_CERT format)."""
    stranger_pem: Path
    """A client certificate from another authority."""


@pytest.fixture(scope="session")
def mtls(
    nginx_binary: str, pki: Pki, www: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Mtls]:
    """``mtls-http`` (nginx's own refusal: HTTP 400) and ``mtls-handshake`` (a TLS alert)."""
    client_ca = CertificateAuthority.create("nginx client ca")
    stranger_ca = CertificateAuthority.create("stranger client ca")
    directory = tmp_path_factory.mktemp("nginx-mtls")

    def client(ca: CertificateAuthority, name: str) -> Path:
        leaf = ca.issue_leaf(hosts=(CLIENT_HOST,), client=True, server=False)
        return leaf.write(directory, name).pem

    leaf = pki.root.issue_leaf()
    sites = [
        Site("mtls-http", www, cert=leaf, client_ca=client_ca, client_cert_check="http"),
        Site("mtls-handshake", www, cert=leaf, client_ca=client_ca, client_cert_check="handshake"),
    ]
    with running(sites, nginx_binary, directory / "nginx") as nginx:
        yield Mtls(nginx, client_ca, client(client_ca, "client"), client(stranger_ca, "stranger"))


# --------------------------------------------------------------------------- static index

#: A small index: a project with several versions and dependencies, one with a dotted
#: name, and one whose wheel is large so that range requests are visible in the logs.
PROJECTS: dict[str, list[Release]] = {
    "Demo_Pkg": [
        ("1.0", ["attrs>=22"]),
        ("1.1", ["attrs>=22", "idna>=3; python_version >= '3.8'"]),
        ("2.0.dev1", ["attrs>=23"]),
    ],
    "tools.extra": [("0.1", [])],
    "big-wheel": [("3.0", ["demo-pkg>=1"])],
}
BIG_PAYLOAD = 2 * 1024 * 1024


@dataclass(frozen=True)
class IndexSites:
    """nginx serving static indexes written by write_static_index.

    Sites: ``full`` (JSON and HTML pages, ``.metadata`` files), ``html`` (HTML pages only,
    no negotiation), ``nometa`` (no ``.metadata`` files), ``noranges`` (the same files,
    Range ignored), ``tls12``/``tls13``/``tls11`` (``full`` with one TLS version each).
    """

    nginx: NginxServer
    full: StaticIndex
    html: StaticIndex
    nometa: StaticIndex
    ca_file: Path

    def index_url(self, site: str) -> str:
        return self.nginx.url(site) + "simple/"

    @property
    def environ(self) -> dict[str, str]:
        """The environment an IndexClient needs to trust the sites."""
        return {"SSL_CERT_FILE": str(self.ca_file)}


def _write(root: Path, *, metadata_files: bool = True, json_pages: bool = True) -> StaticIndex:
    return write_static_index(
        root,
        PROJECTS,
        metadata_files=metadata_files,
        json_pages=json_pages,
        payload_sizes={"big-wheel": BIG_PAYLOAD},
    )


@pytest.fixture(scope="session")
def index_sites(
    nginx_binary: str, pki: Pki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IndexSites]:
    directory = tmp_path_factory.mktemp("nginx-index")
    full = _write(directory / "full")
    html = _write(directory / "html", json_pages=False)
    nometa = _write(directory / "nometa", metadata_files=False)
    leaf = pki.root.issue_leaf()
    sites = [
        Site("full", full.root, cert=leaf),
        Site("html", html.root, cert=leaf, negotiate=False),
        Site("nometa", nometa.root, cert=leaf),
        Site("noranges", nometa.root, cert=leaf, ranges=False),
        Site("tls12", full.root, cert=leaf, protocols=("TLSv1.2",)),
        Site("tls13", full.root, cert=leaf, protocols=("TLSv1.3",)),
        Site("tls11", full.root, cert=leaf, protocols=("TLSv1.1",)),
    ]
    with running(sites, nginx_binary, directory / "nginx") as nginx:
        yield IndexSites(nginx, full, html, nometa, pki.ca_file)


#: The concurrency test's index: 200 projects of 5 versions each.
MANY_PROJECTS = 200
MANY_VERSIONS = 5


@dataclass(frozen=True)
class ManySites:
    nginx: NginxServer
    index: StaticIndex
    ca_file: Path

    @property
    def index_url(self) -> str:
        return self.nginx.url("many") + "simple/"


@pytest.fixture(scope="session")
def many_sites(
    nginx_binary: str, pki: Pki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManySites]:
    """One site with 1,000 wheels (and their ``.metadata`` files)."""
    directory = tmp_path_factory.mktemp("nginx-many")
    projects: dict[str, list[Release]] = {
        f"proj-{p:03d}": [
            (f"1.{v}.0", [f"proj-{(p + 1) % MANY_PROJECTS:03d}>=1.{v}"] if v else [])
            for v in range(MANY_VERSIONS)
        ]
        for p in range(MANY_PROJECTS)
    }
    index = write_static_index(directory / "index", projects)
    sites = [Site("many", index.root, cert=pki.root.issue_leaf())]
    with running(sites, nginx_binary, directory / "nginx") as nginx:
        yield ManySites(nginx, index, pki.ca_file)


# --------------------------------------------------------------------------- pypiserver

PYPISERVER_MISSING = "pypiserver not installed; it is in the project's test extras"


@dataclass(frozen=True)
class PypiServer:
    """A pypiserver process serving ``files`` over plain HTTP on 127.0.0.1."""

    url: str
    files: Mapping[tuple[NormalizedName, str], StaticFile]
    log: Path

    @property
    def index_url(self) -> str:
        return self.url + "simple/"

    def file(self, project: str, version: str) -> StaticFile:
        return self.files[(canonicalize_name(project), version)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_http(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    # http.client, not urllib: no proxy from the environment may get in the way.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"pypiserver exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            # Any answer will do: /health exists from pypiserver 2.0 on only.
            connection.request("GET", "/health")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
        finally:
            connection.close()
    raise RuntimeError(f"pypiserver did not answer on port {port}:\n{log.read_text()}")


@pytest.fixture(scope="session")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """pypiserver (``python -m pypiserver run``) over a directory of generated wheels.

    ``--disable-fallback``: without it pypiserver redirects every project it lacks to a
    public index; nothing here may leave the machine.
    """
    if importlib.util.find_spec("pypiserver") is None:
        pytest.skip(PYPISERVER_MISSING)
    directory = tmp_path_factory.mktemp("pypiserver")
    files = write_wheels(directory / "packages", PROJECTS, payload_sizes={"big-wheel": BIG_PAYLOAD})
    log = directory / "pypiserver.log"
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "pypiserver",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--authenticate",
        ".",
        "--passwords",
        ".",
        "--disable-fallback",
        "--hash-algo",
        "sha256",
        "--server",
        "wsgiref",
        "-v",
        str(directory / "packages"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env
        )
    try:
        _wait_for_http(port, process, log)
        yield PypiServer(f"http://127.0.0.1:{port}/", files, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
