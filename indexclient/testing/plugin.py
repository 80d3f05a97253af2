"""A pytest plugin: a throwaway CA and a local HTTPS simple index, for installers' tests.

Installed with indexclient and enabled automatically (entry point ``pytest11``). Its
fixtures are synchronous, with the server on a background thread, so they suit plain
tests, async tests and tools run as subprocesses alike::

    def test_my_installer_resolves(indexclient_index):
        indexclient_index.add_wheel("demo", "1.0", requires_dist=["other>=2"])
        indexclient_index.add_wheel("other", "2.1")
        indexclient_index.add_distribution("dist/mytool-0.1-py3-none-any.whl")
        env = {**os.environ, **indexclient_index.env}  # SSL_CERT_FILE, UV_DEFAULT_INDEX
        subprocess.run(["my-installer", "install", "demo"], env=env, check=True)

Fixtures:

``indexclient_ca``
    (session) a :class:`~indexclient.testing.pki.CertificateAuthority` created for the
    run; ``indexclient_ca.ca_file`` is its certificate as a PEM file.
``indexclient_index``
    a running HTTPS simple index on 127.0.0.1 whose certificate comes from that CA, empty
    until the test adds wheels and sdists (generated, or files of its own). Pages are JSON
    or HTML by content negotiation, with ``.metadata`` files and byte ranges.
``indexclient_mtls_index``
    the same, requiring a client certificate; ``client_cert`` is a PEM file in the
    ``SSL_CLIENT_CERT`` format, and ``env`` includes it.

Nothing here contacts anything but 127.0.0.1.

pytest imports this module in every project that has indexclient installed, so importing it
loads neither aiohttp nor cryptography: the fixtures import the PKI, the servers and the
index when a test first asks for one (a documented seam; tests/test_plugin.py guards it).
``pytest -p no:indexclient`` turns the plugin off.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from indexclient.testing.index import IndexedFile, SimpleIndex
    from indexclient.testing.pki import CertificateAuthority
    from indexclient.testing.servers import LocalServer

__all__ = ["RunningIndex", "TestCA"]


@dataclass(frozen=True)
class TestCA:
    """The session's throwaway certificate authority and its PEM file."""

    __test__ = False  # not a test class, despite its name

    authority: CertificateAuthority
    ca_file: Path


@dataclass
class RunningIndex:
    """A local HTTPS simple index that a test fills with distributions."""

    url: str
    ca_file: Path
    index: SimpleIndex
    server: LocalServer
    client_cert: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point indexclient and uv at this index and CA."""
        env = {"SSL_CERT_FILE": str(self.ca_file), "UV_DEFAULT_INDEX": self.url}
        if self.client_cert is not None:
            env["SSL_CLIENT_CERT"] = str(self.client_cert)
        return {**env, **self.extra_env}

    def add_wheel(
        self,
        project: str,
        version: str,
        *,
        requires_dist: Iterable[str] = (),
        requires_python: str | None = None,
        yanked: str | None = None,
    ) -> IndexedFile:
        """Add a generated pure-Python wheel (with its ``.metadata`` file)."""
        return self.index.add_wheel(
            project,
            version,
            requires_dist=requires_dist,
            requires_python=requires_python,
            yanked=yanked,
        )

    def add_sdist(self, project: str, version: str) -> IndexedFile:
        """Add a generated ``.tar.gz`` sdist."""
        return self.index.add_sdist(project, version)

    def add_distribution(self, path: str | os.PathLike[str]) -> IndexedFile:
        """Add a wheel or sdist from disk, under the project its filename names."""
        from indexclient.simple import parse_filename
        from indexclient.simple.metadata import metadata_from_wheel
        from indexclient.testing.index import IndexedFile

        source = Path(path)
        info = parse_filename(source.name)
        if info.name is None:
            raise ValueError(f"not a wheel or sdist filename: {source.name}")
        content = source.read_bytes()
        metadata = None
        if info.kind == "wheel":
            metadata = metadata_from_wheel(content, source.name, url=source.as_uri())
        return self.index.add_file(info.name, IndexedFile(source.name, content, metadata))


@pytest.fixture(scope="session")
def indexclient_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """A certificate authority for the whole test session."""
    from indexclient.testing.pki import CertificateAuthority

    authority = CertificateAuthority.create("indexclient.testing CA")
    ca_file = authority.write_cert(tmp_path_factory.mktemp("indexclient-ca") / "ca.pem")
    return TestCA(authority, ca_file)


def _running(
    ca: TestCA, client_ca: CertificateAuthority | None, directory: Path
) -> Iterator[RunningIndex]:
    from indexclient.testing.index import SimpleIndex
    from indexclient.testing.pki import server_context
    from indexclient.testing.servers import serve_in_thread

    index = SimpleIndex()
    context = server_context(ca.authority.issue_leaf(), client_ca=client_ca)
    client_cert = None
    if client_ca is not None:
        leaf = client_ca.issue_leaf(hosts=("client.test",), client=True, server=False)
        client_cert = leaf.write(directory, "client").pem
    with serve_in_thread(context, routes=index.routes) as server:
        yield RunningIndex(f"{server.url}simple/", ca.ca_file, index, server, client_cert)


@pytest.fixture
def indexclient_index(indexclient_ca: TestCA, tmp_path: Path) -> Iterator[RunningIndex]:
    """A running local HTTPS simple index, empty until the test adds distributions."""
    yield from _running(indexclient_ca, None, tmp_path)


@pytest.fixture
def indexclient_mtls_index(indexclient_ca: TestCA, tmp_path: Path) -> Iterator[RunningIndex]:
    """Like ``indexclient_index``, but the server requires a client certificate."""
    from indexclient.testing.pki import CertificateAuthority

    client_ca = CertificateAuthority.create("indexclient.testing client CA")
    yield from _running(indexclient_ca, client_ca, tmp_path)
