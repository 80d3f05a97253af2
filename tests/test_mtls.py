"""Mutual TLS: the client certificate of SSL_CLIENT_CERT (docs/trust.md, "Client certificates").

Servers on 127.0.0.1 require a client certificate issued by their own client CA and
answer with the common name of the certificate the client presented, so an accepted
request proves which certificate went over the wire. Every unusable SSL_CLIENT_CERT is
a configuration error at start, each with its own message.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki, fetch, insecure_entry, make_trust
from cryptography import x509
from cryptography.x509.oid import NameOID

from indexclient.errors import (
    ClientCertificateRequiredError,
    ConfigurationError,
    ConnectError,
    TransportError,
)
from indexclient.settings import Settings
from indexclient.testing.pki import (
    CertificateAuthority,
    CertPaths,
    IssuedCert,
    KeyFormat,
    generate_key,
    self_signed_leaf,
    server_context,
)
from indexclient.testing.servers import serve_https
from indexclient.tls import ClientIdentity, ContextCache

CLIENT_HOST = "client.example"

# Configuration-error cases never build a client context; one cache keeps the (root-only)
# verified context they do build from being made again for every case.
_CONFIG_CACHE = ContextCache()


async def whoami(request: web.Request) -> web.StreamResponse:
    """Answer with the common name of the client certificate of this connection."""
    transport = request.transport
    assert transport is not None
    sslobj = transport.get_extra_info("ssl_object")
    assert isinstance(sslobj, ssl.SSLObject)
    return web.Response(text=f"client {common_name(sslobj.getpeercert(binary_form=True))}")


def common_name(der: bytes | None) -> str:
    """The subject CN of a DER certificate, ``-`` when there is none."""
    if der is None:
        return "-"
    names = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return ",".join(str(n.value) for n in names) or "-"


class OpenSSLServer:
    """A blocking HTTPS server on 127.0.0.1, one connection at a time, in a thread.

    asyncio's server-side TLS (under :func:`serve_https`) closes the connection on a failed
    handshake without flushing the alert OpenSSL wrote, so its clients only see the
    connection close. Real servers send the alert ("certificate required", "unknown CA");
    this one does too, by handshaking on a plain blocking socket, then answering like
    :func:`whoami`.
    """

    def __init__(self, ctx: ssl.SSLContext) -> None:
        self._ctx = ctx
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}/"
        #: Client common names of the requests answered.
        self.served: list[str] = []
        #: The server-side reason of every failed handshake.
        self.handshake_errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> OpenSSLServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self._handle(conn)
                except OSError as exc:  # the client went away mid-request
                    self.handshake_errors.append(f"after handshake: {exc}")

    def _handle(self, conn: socket.socket) -> None:
        with self._ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False) as tls:
            try:
                tls.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                self.handshake_errors.append(str(getattr(exc, "reason", None) or exc))
                # The alert is sent; read what the client already wrote before closing, so
                # the close is a FIN and not a reset that could overtake the alert.
                with contextlib.suppress(OSError):
                    tls.shutdown(socket.SHUT_WR)
                    while tls.recv(65536):
                        pass
                return
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = tls.recv(65536)
                if not chunk:
                    return
                head += chunk
            name = common_name(tls.getpeercert(binary_form=True))
            self.served.append(name)
            body = f"client {name}".encode()
            tls.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )


@pytest.fixture(scope="module")
def client_ca() -> CertificateAuthority:
    """The authority the mTLS servers accept client certificates from."""
    return CertificateAuthority.create("client ca")


@pytest.fixture(scope="module")
def mtls_server(pki: Pki, client_ca: CertificateAuthority) -> ssl.SSLContext:
    """A server context for a certificate under the test root, requiring a client cert."""
    return server_context(pki.root.issue_leaf(), client_ca=client_ca)


def client_leaf(ca: CertificateAuthority, **kwargs: object) -> IssuedCert:
    return ca.issue_leaf(hosts=(CLIENT_HOST,), client=True, server=False, **kwargs)  # type: ignore[arg-type]


def write_client(
    issued: IssuedCert,
    directory: Path,
    name: str = "client",
    *,
    key_format: KeyFormat = "pkcs8",
    password: bytes | None = None,
) -> CertPaths:
    return issued.write(directory, name, key_format=key_format, password=password)


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize(
    ("key_type", "key_format"),
    [("ec-p256", "pkcs8"), ("rsa2048", "pkcs1"), ("ec-p256", "sec1"), ("rsa2048", "pkcs8")],
)
async def test_client_certificate_key_formats_accepted(
    key_type: str,
    key_format: KeyFormat,
    pki: Pki,
    client_ca: CertificateAuthority,
    mtls_server: ssl.SSLContext,
    ca_env: dict[str, str],
    tmp_certs: Path,
) -> None:
    # RSA keys are slow to make: every RSA client certificate reuses one cached key.
    key = generate_key("rsa2048") if key_type == "rsa2048" else None
    paths = write_client(
        client_leaf(client_ca, key_type=key_type, key=key), tmp_certs, key_format=key_format
    )
    marker = {"pkcs8": b"BEGIN PRIVATE KEY", "pkcs1": b"BEGIN RSA PRIVATE KEY"}.get(
        key_format, b"BEGIN EC PRIVATE KEY"
    )
    assert marker in paths.pem.read_bytes()
    trust = make_trust({**ca_env, "SSL_CLIENT_CERT": str(paths.pem)})
    assert trust.identity is not None
    assert trust.identity.subject == f"CN={CLIENT_HOST}"
    assert trust.identity.origin == "SSL_CLIENT_CERT"
    async with serve_https(mtls_server, whoami) as server:
        response = await fetch(trust, server.url)
    assert response.status == 200
    assert response.body == f"client {CLIENT_HOST}".encode()


async def test_client_certificate_with_chain_accepted(
    pki: Pki, client_ca: CertificateAuthority, ca_env: dict[str, str], tmp_certs: Path
) -> None:
    intermediate = client_ca.issue_intermediate("client intermediate")
    issued = client_leaf(intermediate)
    paths = write_client(issued, tmp_certs)
    assert paths.pem.read_bytes().count(b"BEGIN CERTIFICATE") == 2  # leaf + intermediate
    # The server trusts the client CA root only: the intermediate must come from the client.
    server_ctx = server_context(pki.root.issue_leaf(), client_ca=client_ca)
    trust = make_trust({**ca_env, "SSL_CLIENT_CERT": str(paths.pem)})
    assert trust.identity is not None
    assert "client intermediate" in trust.identity.issuer
    async with serve_https(server_ctx, whoami) as server:
        response = await fetch(trust, server.url)
    assert response.body == f"client {CLIENT_HOST}".encode()

    # Without the intermediate in the file the server cannot build the chain.
    leaf_only = IssuedCert(cert=issued.cert, key=issued.key, chain=(), issuer=intermediate)
    short = write_client(leaf_only, tmp_certs, "short")
    trust = make_trust({**ca_env, "SSL_CLIENT_CERT": str(short.pem)})
    with (
        OpenSSLServer(server_ctx) as blocking,
        pytest.raises(ClientCertificateRequiredError) as caught,
    ):
        await fetch(trust, blocking.url)
    assert blocking.served == []
    assert "(tlsv1_alert_unknown_ca)" in caught.value.reason


async def test_separate_certificate_and_key_through_the_api(
    client_ca: CertificateAuthority,
    mtls_server: ssl.SSLContext,
    ca_env: dict[str, str],
    tmp_certs: Path,
) -> None:
    paths = write_client(client_leaf(client_ca), tmp_certs)
    assert b"PRIVATE KEY" not in paths.cert.read_bytes()
    trust = make_trust(ca_env, client_cert=str(paths.cert), client_key=str(paths.key))
    assert trust.identity is not None
    assert trust.identity.cert_path == str(paths.cert)
    assert trust.identity.key_path == str(paths.key)
    async with serve_https(mtls_server, whoami) as server:
        response = await fetch(trust, server.url)
    assert response.status == 200
    assert response.body == f"client {CLIENT_HOST}".encode()


# --------------------------------------------------------------------------- refused

TLS_VERSIONS = {
    "tls1.3": (None, "tlsv13_alert_certificate_required"),
    "tls1.2": ((ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2), "sslv3_alert_handshake_failure"),
}


@pytest.mark.parametrize("version", TLS_VERSIONS)
async def test_without_client_certificate_refused(
    version: str, pki: Pki, client_ca: CertificateAuthority, ca_env: dict[str, str]
) -> None:
    versions, alert = TLS_VERSIONS[version]
    server_ctx = server_context(pki.root.issue_leaf(), client_ca=client_ca, tls_versions=versions)
    trust = make_trust(ca_env)
    assert trust.identity is None
    with (
        OpenSSLServer(server_ctx) as server,
        pytest.raises(ClientCertificateRequiredError) as caught,
    ):
        await fetch(trust, server.url)
    assert server.served == []
    # aiohttp retries an idempotent request once when the connection fails after the
    # handshake, as a TLS 1.3 refusal does: one or two refused handshakes, never a request.
    assert set(server.handshake_errors) == {"PEER_DID_NOT_RETURN_A_CERTIFICATE"}
    error = caught.value
    assert error.url == server.url
    assert f"the server refused the TLS handshake ({alert})" in error.reason
    assert "client certificate: none" in error.reason
    assert error.hint is not None
    assert "SSL_CLIENT_CERT" in error.hint


@pytest.mark.parametrize("version", TLS_VERSIONS)
async def test_client_certificate_from_an_untrusted_ca_refused(
    version: str, pki: Pki, client_ca: CertificateAuthority, ca_env: dict[str, str], tmp_certs: Path
) -> None:
    versions, _ = TLS_VERSIONS[version]
    server_ctx = server_context(pki.root.issue_leaf(), client_ca=client_ca, tls_versions=versions)
    stranger = CertificateAuthority.create("client ca")  # same name, another authority
    paths = write_client(client_leaf(stranger), tmp_certs)
    trust = make_trust({**ca_env, "SSL_CLIENT_CERT": str(paths.pem)})
    with (
        OpenSSLServer(server_ctx) as server,
        pytest.raises(ClientCertificateRequiredError) as caught,
    ):
        await fetch(trust, server.url)
    assert server.served == []
    assert set(server.handshake_errors) == {"CERTIFICATE_VERIFY_FAILED"}
    error = caught.value
    # The server's alert is named, and so is the certificate that was presented.
    assert "(tlsv1_alert_unknown_ca)" in error.reason
    assert f"client certificate: CN={CLIENT_HOST} (issued by CN=client ca" in error.reason
    assert error.hint is not None
    assert "SSL_CLIENT_CERT" in error.hint


async def test_asyncio_server_refusal_is_a_transport_error(
    mtls_server: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    """Against serve_https the refusal arrives without an alert (see OpenSSLServer).

    Observed: the connection is closed right after the TLS 1.3 handshake, which the
    client can only report as a closed connection. Still refused, still no request served.
    """
    async with serve_https(mtls_server, whoami) as server:
        with pytest.raises(TransportError) as caught:
            await fetch(make_trust(ca_env), server.url)
        assert server.requests == []
    assert isinstance(caught.value, ClientCertificateRequiredError | ConnectError), repr(
        caught.value
    )


async def test_client_certificate_presented_to_an_insecure_host(
    client_ca: CertificateAuthority, tmp_certs: Path
) -> None:
    server_ctx = server_context(self_signed_leaf(), client_ca=client_ca)
    paths = write_client(client_leaf(client_ca), tmp_certs)
    async with serve_https(server_ctx, whoami) as server:
        env = {"UV_INSECURE_HOST": insecure_entry(server.url), "SSL_CLIENT_CERT": str(paths.pem)}
        trust = make_trust(env)
        assert trust.context_for("https", "127.0.0.1", server.port) is trust.unverified_context()
        response = await fetch(trust, server.url)
    assert response.status == 200
    assert response.body == f"client {CLIENT_HOST}".encode()

    with OpenSSLServer(server_ctx) as blocking:
        insecure = {"UV_INSECURE_HOST": insecure_entry(blocking.url)}
        response = await fetch(
            make_trust({**insecure, "SSL_CLIENT_CERT": str(paths.pem)}), blocking.url
        )
        assert response.body == f"client {CLIENT_HOST}".encode()
        with pytest.raises(ClientCertificateRequiredError) as caught:
            await fetch(make_trust(insecure), blocking.url)
    assert blocking.served == [CLIENT_HOST]
    assert "client certificate: none" in caught.value.reason


# --------------------------------------------------------------------------- invalid files


def _only_key(issued: IssuedCert, directory: Path) -> Path:
    path = directory / "only-key.pem"
    path.write_bytes(issued.key_pem)
    return path


def _only_cert(issued: IssuedCert, directory: Path) -> Path:
    path = directory / "only-cert.pem"
    path.write_bytes(issued.chain_pem)
    return path


def _mismatched(issued: IssuedCert, directory: Path) -> Path:
    other = self_signed_leaf(hosts=(CLIENT_HOST,), client=True, server=False)
    path = directory / "mismatch.pem"
    path.write_bytes(issued.chain_pem + other.key_pem)
    return path


def _encrypted_pkcs8(issued: IssuedCert, directory: Path) -> Path:
    return write_client(issued, directory, "enc8", password=b"x").pem


def _encrypted_pkcs1(issued: IssuedCert, directory: Path) -> Path:
    rsa = client_leaf(issued.issuer, key=generate_key("rsa2048"))  # type: ignore[arg-type]
    return write_client(rsa, directory, "enc1", key_format="pkcs1", password=b"x").pem


def _encrypted_sec1(issued: IssuedCert, directory: Path) -> Path:
    return write_client(issued, directory, "enc-ec", key_format="sec1", password=b"x").pem


def _garbage(issued: IssuedCert, directory: Path) -> Path:
    path = directory / "garbage.pem"
    path.write_bytes(b"this is not a certificate\n\x00\xff\x10 at all\n")
    return path


def _directory(issued: IssuedCert, directory: Path) -> Path:
    path = directory / "a-directory"
    path.mkdir()
    return path


def _missing(issued: IssuedCert, directory: Path) -> Path:
    return directory / "does-not-exist.pem"


INVALID = {
    "missing": (_missing, "does not exist"),
    "directory": (_directory, "is a directory"),
    "only-key": (_only_key, "holds no PEM certificate"),
    "only-certificate": (_only_cert, "holds no private key"),
    "mismatched-key": (_mismatched, f"does not match the certificate CN={CLIENT_HOST}"),
    "encrypted-pkcs8": (_encrypted_pkcs8, "is encrypted"),
    "encrypted-pkcs1-rsa": (_encrypted_pkcs1, "is encrypted"),
    "encrypted-sec1-ec": (_encrypted_sec1, "is encrypted"),
    "garbage": (_garbage, "holds no PEM certificate"),
}


@pytest.mark.parametrize("case", INVALID)
def test_invalid_client_certificate_is_a_configuration_error(
    case: str, client_ca: CertificateAuthority, ca_env: dict[str, str], tmp_certs: Path
) -> None:
    make_file, words = INVALID[case]
    path = make_file(client_leaf(client_ca), tmp_certs)
    settings = Settings.load({**ca_env, "SSL_CLIENT_CERT": str(path)})
    with pytest.raises(ConfigurationError) as caught:
        settings.trust(_CONFIG_CACHE)
    error = caught.value
    assert len(error.problems) == 1, str(error)
    (problem,) = error.problems
    assert problem.origin == f"SSL_CLIENT_CERT={path}"
    assert words in problem.message, problem.message
    assert f"SSL_CLIENT_CERT={path}" in str(error)
    assert error.hint is not None  # what to do about it, kept through Settings.trust()


def test_client_identity_gives_a_hint(client_ca: CertificateAuthority, tmp_certs: Path) -> None:
    """ClientIdentity.load itself: each error carries a hint saying what to do."""
    encrypted = _encrypted_pkcs8(client_leaf(client_ca), tmp_certs)
    with pytest.raises(ConfigurationError) as caught:
        ClientIdentity.load(str(encrypted))
    assert "passphrase" in caught.value.problems[0].message
    assert caught.value.hint is not None
    assert "openssl pkey" in caught.value.hint

    with pytest.raises(ConfigurationError) as caught:
        ClientIdentity.load(str(_only_cert(client_leaf(client_ca), tmp_certs)))
    assert caught.value.hint is not None
    assert "SSL_CLIENT_CERT must name one PEM file" in caught.value.hint


def test_settings_trust_keeps_the_hint(
    client_ca: CertificateAuthority, ca_env: dict[str, str], tmp_certs: Path
) -> None:
    path = _encrypted_pkcs8(client_leaf(client_ca), tmp_certs)
    with pytest.raises(ConfigurationError) as caught:
        Settings.load({**ca_env, "SSL_CLIENT_CERT": str(path)}).trust(_CONFIG_CACHE)
    assert "passphrase" in caught.value.problems[0].message
    assert caught.value.hint is not None
    assert "openssl pkey" in caught.value.hint


def test_separate_key_problems_name_the_key(
    client_ca: CertificateAuthority, ca_env: dict[str, str], tmp_certs: Path
) -> None:
    paths = write_client(client_leaf(client_ca), tmp_certs)
    missing = tmp_certs / "no-such.key"
    with pytest.raises(ConfigurationError) as caught:
        make_trust(ca_env, client_cert=str(paths.cert), client_key=str(missing))
    (problem,) = caught.value.problems
    assert str(missing) in problem.origin
    assert "does not exist" in problem.message

    with pytest.raises(ConfigurationError) as caught:
        Settings.load(ca_env, client_key=str(paths.key))
    assert "needs a client_cert" in caught.value.problems[0].message
