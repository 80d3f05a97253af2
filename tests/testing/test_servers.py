"""Tests for indexclient.testing.servers: real loopback round trips through the fixtures."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import ssl
import time
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from indexclient.testing.pki import (
    CertificateAuthority,
    IssuedCert,
    self_signed_leaf,
    server_context,
)
from indexclient.testing.servers import (
    SENDS_TLS_ALERTS,
    LocalServer,
    connect_proxy,
    is_loopback,
    redirect,
    serve_http,
    serve_https,
)


@pytest.fixture(scope="module")
def root() -> CertificateAuthority:
    return CertificateAuthority.create()


@pytest.fixture(scope="module")
def leaf(root: CertificateAuthority) -> IssuedCert:
    return root.issue_leaf()


def client_context(*trusted: bytes, weak: bool = False) -> ssl.SSLContext:
    """A client context trusting exactly ``trusted`` (never certifi or the system store)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if weak:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    for pem in trusted:
        ctx.load_verify_locations(cadata=pem.decode())
    return ctx


async def request(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    path: str = "/",
    headers: str = "",
) -> tuple[int, dict[str, str], bytes]:
    """Send a GET by hand on an open connection; return status, headers and body."""
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    raw = await reader.read()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), fields, body


async def get(
    host: str,
    port: int,
    path: str = "/",
    *,
    ctx: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    headers: str = "",
) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection(
        host, port, ssl=ctx, server_hostname=(server_hostname or host) if ctx else None
    )
    try:
        return await request(reader, writer, path, headers)
    finally:
        writer.close()
        await writer.wait_closed()


# --------------------------------------------------------------------------- HTTPS server


async def test_https_round_trip(root: CertificateAuthority, leaf: IssuedCert) -> None:
    async with serve_https(server_context(leaf)) as server:
        assert server.url == f"https://127.0.0.1:{server.port}/"
        assert server.host == "127.0.0.1"
        status, headers, body = await get(
            "127.0.0.1", server.port, "/simple/pkg/", ctx=client_context(root.cert_pem)
        )
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    assert body == b"ok /simple/pkg/"


async def test_chain_from_an_intermediate_is_presented() -> None:
    root = CertificateAuthority.create()
    issued = root.issue_intermediate("i1").issue_intermediate("i2").issue_leaf()
    async with serve_https(server_context(issued)) as server:
        status, _, _ = await get("127.0.0.1", server.port, ctx=client_context(root.cert_pem))
    assert status == 200


async def test_untrusted_server_is_refused(leaf: IssuedCert) -> None:
    stranger = CertificateAuthority.create()
    async with serve_https(server_context(leaf)) as server:
        with pytest.raises(ssl.SSLCertVerificationError):
            await get("127.0.0.1", server.port, ctx=client_context(stranger.cert_pem))


async def test_self_signed_server() -> None:
    issued = self_signed_leaf()
    async with serve_https(server_context(issued)) as server:
        status, _, _ = await get("127.0.0.1", server.port, ctx=client_context(issued.cert_pem))
    assert status == 200


async def test_requests_are_recorded(root: CertificateAuthority, leaf: IssuedCert) -> None:
    async with serve_https(server_context(leaf)) as server:
        await get(
            "127.0.0.1",
            server.port,
            "/a%2Fb/?q=1",
            ctx=client_context(root.cert_pem),
            headers="Authorization: Basic dTpw\r\n",
        )
        await get("127.0.0.1", server.port, "/second", ctx=client_context(root.cert_pem))
    (method, path, headers), second = server.requests
    assert (method, path) == ("GET", "/a%2Fb/?q=1")
    assert headers["authorization"] == "Basic dTpw"
    assert "Authorization" not in second.headers
    assert second.path == "/second"


async def test_custom_handler_and_routes(root: CertificateAuthority, leaf: IssuedCert) -> None:
    async def teapot(request: web.Request) -> web.StreamResponse:
        return web.Response(status=418, text="short and stout")

    async def fixed(request: web.Request) -> web.StreamResponse:
        return web.json_response({"fixed": True})

    def routes(app: web.Application) -> None:
        app.router.add_get("/fixed", fixed)
        redirect(app, "/moved", "/fixed", status=301)

    ctx = client_context(root.cert_pem)
    async with serve_https(server_context(leaf), teapot, routes=routes) as server:
        assert isinstance(server.app, web.Application)
        assert (await get("127.0.0.1", server.port, "/anything", ctx=ctx))[0] == 418
        status, _, body = await get("127.0.0.1", server.port, "/fixed", ctx=ctx)
        assert (status, body) == (200, b'{"fixed": true}')
        status, headers, _ = await get("127.0.0.1", server.port, "/moved", ctx=ctx)
        assert (status, headers["location"]) == (301, "/fixed")


async def test_redirects_added_while_running() -> None:
    async with serve_http() as first, serve_http() as second:
        # Only known once both listen: the reason redirects can be added at run time.
        redirect(first, "/go", second.url + "landed", status=307)
        first.redirect("/self", first.url + "here")
        status, headers, _ = await get("127.0.0.1", first.port, "/go")
        assert (status, headers["location"]) == (307, f"http://127.0.0.1:{second.port}/landed")
        status, headers, _ = await get("127.0.0.1", first.port, "/self")
        assert (status, headers["location"]) == (302, first.url + "here")
    assert [r.path for r in first.requests] == ["/go", "/self"]


def test_redirect_status_must_be_a_redirect() -> None:
    with pytest.raises(ValueError, match="not a redirect"):
        redirect(web.Application(), "/x", "/y", status=200)


async def test_plain_http() -> None:
    async with serve_http() as server:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        status, _, body = await get("127.0.0.1", server.port, "/x")
    assert (status, body) == (200, b"ok /x")


async def test_other_loopback_addresses(root: CertificateAuthority) -> None:
    issued = root.issue_leaf(hosts=("127.0.0.2",))
    async with serve_https(server_context(issued), host="127.0.0.2") as server:
        assert server.url == f"https://127.0.0.2:{server.port}/"
        status, _, _ = await get("127.0.0.2", server.port, ctx=client_context(root.cert_pem))
    assert status == 200


def ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback")
async def test_ipv6_loopback(root: CertificateAuthority) -> None:
    issued = root.issue_leaf(hosts=("::1",))
    async with serve_https(server_context(issued), host="::1") as server:
        assert server.url == f"https://[::1]:{server.port}/"
        status, _, _ = await get("::1", server.port, ctx=client_context(root.cert_pem))
    assert status == 200


async def test_localhost_binds_ipv4() -> None:
    async with serve_http(host="localhost") as server:
        assert server.url == f"http://localhost:{server.port}/"
        status, _, _ = await get("127.0.0.1", server.port)
    assert status == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", "example.invalid"])
async def test_only_loopback_is_served(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        async with serve_http(host=host):
            pass


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.4.5.6", True),
        ("::1", True),
        ("[::1]", True),
        ("LocalHost", True),
        ("10.0.0.1", False),
        ("::", False),
        ("localhost.example.invalid", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


async def test_weak_server_starts() -> None:
    root = CertificateAuthority.create(key_type="rsa2048")
    weak = root.issue_leaf(key_type="rsa1024", hash="sha1")
    async with serve_https(server_context(weak)) as server:
        # A default client refuses the chain, a level-0 client completes the handshake: the
        # server side really is presenting it.
        with pytest.raises(ssl.SSLCertVerificationError, match=r"too weak|too small"):
            await get("127.0.0.1", server.port, ctx=client_context(root.cert_pem))
        ctx = client_context(root.cert_pem, weak=True)
        status, _, _ = await get("127.0.0.1", server.port, ctx=ctx)
    assert status == 200


async def test_tls_version_bounds(root: CertificateAuthority, leaf: IssuedCert) -> None:
    versions = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
    async with serve_https(server_context(leaf, tls_versions=versions)) as server:
        ctx = client_context(root.cert_pem)
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", server.port, ssl=ctx, server_hostname="127.0.0.1"
        )
        ssl_object = writer.get_extra_info("ssl_object")
        assert isinstance(ssl_object, ssl.SSLObject)
        assert ssl_object.version() == "TLSv1.2"
        assert (await request(reader, writer))[0] == 200
        writer.close()
        await writer.wait_closed()


# --------------------------------------------------------------------------- mutual TLS


@pytest.fixture(scope="module")
def client_ca() -> CertificateAuthority:
    return CertificateAuthority.create("client root")


async def outcome(port: int, ctx: ssl.SSLContext) -> bytes | BaseException:
    """The raw answer to a GET, or the exception that ended the connection.

    With TLS 1.3 a client finishes its side of the handshake before the server has checked
    the client certificate, so a refusal only shows up on the first read.
    """
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1"
        )
    except (ssl.SSLError, ConnectionError) as exc:
        return exc
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        await writer.drain()
        return await reader.read()
    except (ssl.SSLError, ConnectionError) as exc:
        return exc
    finally:
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()


def assert_refused(result: bytes | BaseException, alert: str) -> None:
    """The connection failed with ``alert`` (or, before Python 3.11, ended silently)."""
    if SENDS_TLS_ALERTS:
        assert isinstance(result, ssl.SSLError), result
        assert alert in str(result)
    else:
        assert not isinstance(result, bytes) or result == b""


async def test_mtls_refuses_a_client_without_certificate(
    root: CertificateAuthority, leaf: IssuedCert, client_ca: CertificateAuthority
) -> None:
    async with serve_https(server_context(leaf, client_ca=client_ca)) as server:
        result = await outcome(server.port, client_context(root.cert_pem))
    assert_refused(result, "alert certificate required")
    assert server.requests == []


async def test_mtls_accepts_a_client_certificate(
    root: CertificateAuthority, leaf: IssuedCert, client_ca: CertificateAuthority, tmp_path: Path
) -> None:
    client = client_ca.issue_intermediate("client issuing").issue_leaf(
        client=True, server=False, key_type="rsa2048"
    )
    paths = client.write(tmp_path, "client")
    ctx = client_context(root.cert_pem)
    ctx.load_cert_chain(paths.cert, paths.key)
    async with serve_https(server_context(leaf, client_ca=client_ca)) as server:
        status, _, _ = await get("127.0.0.1", server.port, ctx=ctx)
    assert status == 200


async def test_mtls_refuses_a_certificate_from_another_ca(
    root: CertificateAuthority, leaf: IssuedCert, client_ca: CertificateAuthority, tmp_path: Path
) -> None:
    # Same common name as the trusted client root, different authority.
    other = CertificateAuthority.create("client root").issue_leaf(client=True)
    ctx = client_context(root.cert_pem)
    ctx.load_cert_chain(other.write(tmp_path, "other").pem)
    async with serve_https(server_context(leaf, client_ca=client_ca)) as server:
        result = await outcome(server.port, ctx)
    assert_refused(result, "alert unknown ca")
    assert server.requests == []


async def test_old_tls_only_server_sends_a_protocol_alert(
    root: CertificateAuthority, leaf: IssuedCert
) -> None:
    versions = (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1)
    async with serve_https(server_context(leaf, tls_versions=versions)) as server:
        result = await outcome(server.port, client_context(root.cert_pem))
        assert_refused(result, "alert protocol version")
        # A failed handshake leaves the server serving.
        ok = client_context(root.cert_pem, weak=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 is the point here
            ok.minimum_version = ssl.TLSVersion.TLSv1
        answer = await outcome(server.port, ok)
    assert isinstance(answer, bytes)
    assert answer.startswith(b"HTTP/1.1 200 ")


# --------------------------------------------------------------------------- shutdown


async def test_shutdown_with_a_hanging_handler() -> None:
    started = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        started.set()
        await asyncio.sleep(3600)
        return web.Response()

    before = asyncio.all_tasks()
    async with serve_http(hang) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        await started.wait()
        began = time.monotonic()
    assert time.monotonic() - began < 5
    assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() <= before | {asyncio.current_task()}


# --------------------------------------------------------------------------- CONNECT proxy


async def open_tunnel(
    proxy_port: int, target: str, extra: str = ""
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{extra}\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    return reader, writer, head


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    await writer.wait_closed()


async def test_get_through_a_connect_tunnel(root: CertificateAuthority, leaf: IssuedCert) -> None:
    async with serve_https(server_context(leaf)) as server, connect_proxy() as proxy:
        assert proxy.url == f"http://127.0.0.1:{proxy.port}"
        connector = aiohttp.TCPConnector(ssl=client_context(root.cert_pem))
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.get(server.url + "through", proxy=proxy.url) as response,
        ):
            assert response.status == 200
            assert await response.text() == "ok /through"
    assert proxy.connects == [f"127.0.0.1:{server.port}"]
    assert [r.method for r in proxy.requests] == ["CONNECT"]
    assert [r.path for r in server.requests] == ["/through"]


def get_through_tunnel(proxy_port: int, target: str, ctx: ssl.SSLContext, path: str) -> bytes:
    """Blocking: CONNECT through the proxy, start TLS inside the tunnel, GET ``path``."""
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=10) as raw:
        raw.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            # One byte at a time so nothing after the proxy's answer is consumed.
            byte = raw.recv(1)
            assert byte, f"proxy closed the connection after {head!r}"
            head += byte
        assert head == b"HTTP/1.1 200 Connection established\r\n\r\n"
        with ctx.wrap_socket(raw, server_hostname=target.rpartition(":")[0]) as tls:
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := tls.recv(65536):
                answer += chunk
    return answer


async def test_tunnel_carries_tls_by_hand(root: CertificateAuthority, leaf: IssuedCert) -> None:
    async with serve_https(server_context(leaf)) as server, connect_proxy() as proxy:
        target = f"localhost:{server.port}"
        ctx = client_context(root.cert_pem)
        answer = await asyncio.to_thread(get_through_tunnel, proxy.port, target, ctx, "/tunnelled")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b"\r\n\r\nok /tunnelled")
    assert proxy.connects == [target]


@pytest.mark.parametrize(
    "target", ["192.0.2.1:443", "10.0.0.1:80", "[2001:db8::1]:443", "example.invalid:443"]
)
async def test_connect_elsewhere_is_forbidden(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with connect_proxy() as proxy:

        async def no_connections(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"the proxy tried to connect: {args}")

        # Installed after our own connection to the proxy is open: from here on any attempt
        # by the proxy to reach a target fails the test.
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        monkeypatch.setattr(asyncio, "open_connection", no_connections)
        writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        await writer.drain()
        response = await reader.read()
        await close(writer)
    assert response.startswith(b"HTTP/1.1 403 ")
    assert proxy.connects == [target]


async def test_unreachable_loopback_target_is_a_bad_gateway() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more.
    async with connect_proxy() as proxy:
        _, writer, head = await open_tunnel(proxy.port, f"127.0.0.1:{port}")
        await close(writer)
    assert head.startswith(b"HTTP/1.1 502 ")


async def test_only_connect_is_supported() -> None:
    async with connect_proxy() as proxy:
        status, headers, _ = await get("127.0.0.1", proxy.port, "http://127.0.0.1/")
    assert status == 405
    assert headers["allow"] == "CONNECT"
    assert proxy.connects == []
    assert proxy.requests[0].method == "GET"


async def test_malformed_target_is_a_bad_request() -> None:
    async with connect_proxy() as proxy:
        _, writer, head = await open_tunnel(proxy.port, "::1:443")
        await close(writer)
    assert head.startswith(b"HTTP/1.1 400 ")


async def test_proxy_authentication(root: CertificateAuthority, leaf: IssuedCert) -> None:
    async with (
        serve_https(server_context(leaf)) as server,
        connect_proxy(auth=("user", "pa:ss")) as proxy,
    ):
        target = f"127.0.0.1:{server.port}"
        _, writer, head = await open_tunnel(proxy.port, target)
        await close(writer)
        assert head.startswith(b"HTTP/1.1 407 ")
        assert b"Proxy-Authenticate: Basic" in head
        token = base64.b64encode(b"user:pa:ss").decode()
        _, writer, head = await open_tunnel(
            proxy.port, target, f"Proxy-Authorization: Basic {token}\r\n"
        )
        await close(writer)
        assert head.startswith(b"HTTP/1.1 200 ")
    assert proxy.requests[1].headers["proxy-authorization"] == f"Basic {token}"


async def test_closing_the_proxy_ends_open_tunnels() -> None:
    before = asyncio.all_tasks()
    async with serve_http() as server:
        async with connect_proxy() as proxy:
            reader, writer, head = await open_tunnel(proxy.port, f"127.0.0.1:{server.port}")
            assert head.startswith(b"HTTP/1.1 200 ")
            # A second client that connected but never sent anything.
            idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            await asyncio.sleep(0.05)
            assert len(proxy._tasks) == 2
        assert await reader.read() == b""
        assert await idle_reader.read() == b""
        await close(writer)
        await close(idle_writer)
    await asyncio.sleep(0)
    assert asyncio.all_tasks() <= before | {asyncio.current_task()}


@pytest.fixture
async def running_server() -> AsyncIterator[LocalServer]:
    """serve_http works as an async fixture too (set up and torn down by pytest-asyncio)."""
    async with serve_http() as server:
        yield server


async def test_server_as_fixture(running_server: LocalServer) -> None:
    status, _, _ = await get("127.0.0.1", running_server.port)
    assert status == 200
