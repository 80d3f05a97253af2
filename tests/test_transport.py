"""A robust transport: retries, stalls, cut-short bodies, decoding limits and credentials.

Every server here is :func:`indexclient.testing.faults.fault_server` on loopback, which
misbehaves at the byte level on cue. Nothing asserts wall-clock time: tests count requests
and connections, check error types and messages, and read the delays HttpClient logs.

aiohttp (3.14) would re-send a GET by itself when its connection dies before a complete
response head (``retry_persistent_connection`` in ``ClientSession._request``); HttpClient
switches that off, so every request counted below is one of indexclient's own attempts.
Certificate errors, statuses and cut-short bodies reach indexclient on the first try.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import gc
import gzip
import logging
import os
import random
import socket
import ssl
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import Pki, make_trust

from indexclient.errors import (
    CertificateVerificationError,
    ConfigurationError,
    ConnectError,
    RedirectError,
    RequestTimeoutError,
    ResponseError,
    ResponseTooLargeError,
)
from indexclient.settings import IndexSpec, Origin, Settings
from indexclient.testing.faults import (
    FaultServer,
    byte_by_byte,
    fault_server,
    gzip_bomb,
    ok,
    ranged,
    redirect,
    reset_before_headers,
    reset_mid_body,
    reset_mid_headers,
    stall,
    status,
    wrong_content_length,
)
from indexclient.testing.pki import self_signed_leaf, server_context
from indexclient.transport import http as http_module
from indexclient.transport.auth import Credentials
from indexclient.transport.http import HttpClient, RetryPolicy, parse_retry_after

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

RETRIES = 3
BODY = b"the whole body, every byte of it\n" * 8
AUTH = "Basic " + base64.b64encode(b"user:secret").decode()
MIB = 1024 * 1024
SCHEMES = ["https", "http"]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
async def no_leaked_tasks() -> AsyncIterator[None]:
    """After each test, no task is left but the current one."""
    yield
    current = asyncio.current_task()
    leftover = [task for task in asyncio.all_tasks() if task is not current]
    assert leftover == []


@pytest.fixture(autouse=True, scope="module")
def no_unclosed_resources() -> Iterator[None]:
    """Once the module is done, collect garbage: an unclosed socket, transport or session
    warns as it is collected, and ResourceWarning is an error here (``pytestmark``).
    Once per module because a full collection costs tens of milliseconds."""
    yield
    gc.collect()


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    """A server context with a leaf for 127.0.0.1 issued by the test root."""
    return server_context(pki.root.issue_leaf())


@pytest.fixture(params=SCHEMES)
def scheme_context(request: pytest.FixtureRequest, tls: ssl.SSLContext) -> ssl.SSLContext | None:
    """The server context for https, None for plain http."""
    return tls if request.param == "https" else None


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="indexclient")
    return caplog


def client(
    env: dict[str, str],
    *,
    retries: int = RETRIES,
    read_timeout: float = 5.0,
    credentials: Credentials | None = None,
    trust_env: bool = False,
) -> HttpClient:
    """An HttpClient with a small backoff that never reads the process's proxy variables
    or the user's netrc (unless told to)."""
    return HttpClient(
        make_trust(env),
        retry=RetryPolicy(retries=retries, backoff_base=0.01),
        read_timeout=read_timeout,
        connect_timeout=5.0,
        trust_env=trust_env,
        credentials=credentials or Credentials(environ={"NETRC": os.devnull}),
    )


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The messages in which HttpClient announced a retry."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "indexclient.http" and "; retry " in r.getMessage()
    ]


class RecordingAsyncio:
    """Stands in for the asyncio module inside indexclient.transport.http: records the
    backoff sleeps and does not wait them out."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> RecordingAsyncio:
    recorder = RecordingAsyncio()
    monkeypatch.setattr(http_module, "asyncio", recorder)
    return recorder


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def with_userinfo(url: str, userinfo: str = "user:secret") -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{userinfo}@{rest}"


def exception_texts(exc: BaseException) -> Iterator[str]:
    """str, repr and hint of ``exc`` and of everything it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield str(getattr(current, "hint", None))
        current = current.__cause__ or current.__context__


# --------------------------------------------------------------------------- retry policy


def test_delay_uses_retry_after_capped_at_max_retry_after() -> None:
    policy = RetryPolicy(max_retry_after=60.0)
    assert policy.delay(0, 5.0) == 5.0
    assert policy.delay(3, 0.0) == 0.0
    assert policy.delay(0, 120.0) == 60.0
    assert policy.delay(0, -3.0) == 0.0


def test_delay_jitter_is_within_zero_and_the_exponential_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=3.0)
    ceilings = {attempt: min(3.0, 0.5 * 2**attempt) for attempt in range(8)}
    rng = random.Random(1234)
    monkeypatch.setattr(random, "uniform", rng.uniform)
    for attempt, ceiling in ceilings.items():
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spans the range, not a fixed value

    asked: list[tuple[float, float]] = []

    def record(low: float, high: float) -> float:
        asked.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", record)
    assert [policy.delay(a) for a in ceilings] == list(ceilings.values())
    assert asked == [(0, c) for c in ceilings.values()]


NOW = 1_700_000_000.0


def _http_date(timestamp: float) -> str:
    return email.utils.format_datetime(
        datetime.fromtimestamp(timestamp, tz=timezone.utc), usegmt=True
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("5", 5.0),
        (" 120 ", 120.0),
        (_http_date(NOW + 30), 30.0),
        (_http_date(NOW - 30), 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-1", None),
        ("1.5", None),
        ("\u00b2", None),  # a digit to str.isdigit, not to float(): a server's choice
        ("Someday, 99 Foo 20xx", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


# --------------------------------------------------------------------------- statuses


@pytest.mark.parametrize("code", [503, 500, 502, 504, 408, 429])
async def test_retryable_status_then_success(
    code: int, tls: ssl.SSLContext, ca_env: dict[str, str], debug_log: pytest.LogCaptureFixture
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", [status(code), status(code), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (200, BODY)
    assert server.hits("/p") == 3
    lines = retry_lines(debug_log)
    assert len(lines) == 2
    assert all(line.startswith(f"HTTP {code} from ") for line in lines)


async def test_503_then_200_over_plain_http() -> None:
    async with fault_server() as server:
        server.script("/p", [status(503, retry_after="0"), ok(BODY)])
        async with client({}) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (200, BODY)
    assert server.hits("/p") == 2


async def test_retry_after_zero_is_the_chosen_delay(
    tls: ssl.SSLContext, ca_env: dict[str, str], debug_log: pytest.LogCaptureFixture
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", [status(429, retry_after="0"), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert response.status == 200
    [line] = retry_lines(debug_log)
    assert line == f"HTTP 429 from {server.url}p; retry 1 in 0.00s"


async def test_retry_after_seconds_is_the_chosen_delay(
    tls: ssl.SSLContext,
    ca_env: dict[str, str],
    debug_log: pytest.LogCaptureFixture,
    sleeps: RecordingAsyncio,
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", [status(429, retry_after=1), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert response.status == 200
    [line] = retry_lines(debug_log)
    assert line.endswith("; retry 1 in 1.00s")
    assert sleeps.sleeps == [1.0]


async def test_retry_after_date_is_capped_at_max_retry_after(
    tls: ssl.SSLContext,
    ca_env: dict[str, str],
    debug_log: pytest.LogCaptureFixture,
    sleeps: RecordingAsyncio,
) -> None:
    in_an_hour = _http_date(datetime.now(timezone.utc).timestamp() + 3600)
    async with fault_server(tls) as server:
        server.script("/p", [status(503, retry_after=in_an_hour), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert response.status == 200
    assert retry_lines(debug_log)[0].endswith("; retry 1 in 60.00s")
    assert sleeps.sleeps == [60.0]


async def test_retries_exhausted_return_the_last_response(
    tls: ssl.SSLContext, ca_env: dict[str, str], debug_log: pytest.LogCaptureFixture
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", status(503, b"still busy"))
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (503, b"still busy")
    assert server.hits("/p") == RETRIES + 1
    assert [line.rsplit(" in ", 1)[0][-7:] for line in retry_lines(debug_log)] == [
        "retry 1",
        "retry 2",
        "retry 3",
    ]


@pytest.mark.parametrize("code", [404, 403, 400, 410])
async def test_other_client_errors_are_not_retried(
    code: int, tls: ssl.SSLContext, ca_env: dict[str, str], debug_log: pytest.LogCaptureFixture
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", [status(code, b"no"), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (code, b"no")
    assert server.hits("/p") == 1
    assert retry_lines(debug_log) == []


async def test_unscripted_path_is_404(tls: ssl.SSLContext, ca_env: dict[str, str]) -> None:
    async with fault_server(tls) as server, client(ca_env) as http:
        response = await http.get(server.url + "nothing/here?x=1")
    assert (response.status, response.body) == (404, b"not scripted")
    assert server.hits("/nothing/here") == 1


# --------------------------------------------------------------------------- TLS


async def test_certificate_error_is_not_retried(
    ca_env: dict[str, str], debug_log: pytest.LogCaptureFixture
) -> None:
    async with fault_server(server_context(self_signed_leaf())) as server:
        server.script("/p", ok(BODY))
        async with client(ca_env) as http:
            with pytest.raises(CertificateVerificationError) as caught:
                await http.get(server.url + "p")
    assert caught.value.host == "127.0.0.1"
    # One TCP connection, no request: neither indexclient nor aiohttp tried again.
    assert server.connections == 1
    assert server.requests == []
    assert retry_lines(debug_log) == []


# --------------------------------------------------------------------------- broken bodies


async def test_truncated_body_fails_after_retries(
    scheme_context: ssl.SSLContext | None,
    ca_env: dict[str, str],
    debug_log: pytest.LogCaptureFixture,
) -> None:
    async with fault_server(scheme_context) as server:
        server.script("/p", wrong_content_length(b"partial"))
        async with client(ca_env) as http:
            with pytest.raises(ConnectError) as caught:
                await http.get(server.url + "p")
    assert "the response body was cut short" in str(caught.value)
    assert server.hits("/p") == RETRIES + 1
    assert len(retry_lines(debug_log)) == RETRIES


async def test_reset_mid_body_then_success(
    scheme_context: ssl.SSLContext | None,
    ca_env: dict[str, str],
    debug_log: pytest.LogCaptureFixture,
) -> None:
    async with fault_server(scheme_context) as server:
        server.script("/p", [reset_mid_body(BODY, sent=40), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (200, BODY)
    assert server.hits("/p") == 2
    [line] = retry_lines(debug_log)
    assert "the response body was cut short" in line


@pytest.mark.parametrize("fault", [reset_before_headers, reset_mid_headers])
async def test_reset_before_a_complete_head_then_success(
    fault: Any,
    scheme_context: ssl.SSLContext | None,
    ca_env: dict[str, str],
    debug_log: pytest.LogCaptureFixture,
) -> None:
    async with fault_server(scheme_context) as server:
        server.script("/p", [fault(), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (200, BODY)
    assert server.hits("/p") == 2
    # The second request is indexclient's one retry (aiohttp's own is switched off).
    assert len(retry_lines(debug_log)) == 1


@pytest.mark.parametrize("fault", [reset_before_headers, reset_mid_headers])
async def test_persistent_reset_before_a_complete_head(
    fault: Any,
    scheme_context: ssl.SSLContext | None,
    ca_env: dict[str, str],
    debug_log: pytest.LogCaptureFixture,
) -> None:
    async with fault_server(scheme_context) as server:
        server.script("/p", fault())
        async with client(ca_env) as http:
            with pytest.raises(ConnectError):
                await http.get(server.url + "p")
    assert len(retry_lines(debug_log)) == RETRIES
    # Exactly 1 + RETRIES attempts: aiohttp's own re-send of an idempotent request is off.
    assert server.hits("/p") == RETRIES + 1
    assert server.connections == RETRIES + 1


async def test_stream_leaves_a_body_cut_short_to_the_caller(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", [reset_mid_body(BODY, sent=40), ok(BODY)])
        async with client(ca_env) as http, http.stream(server.url + "p") as stream:
            with pytest.raises(ConnectError, match="cut short"):
                await stream.read()
    assert server.hits("/p") == 1


async def test_byte_by_byte_body_is_read_whole(
    scheme_context: ssl.SSLContext | None, ca_env: dict[str, str]
) -> None:
    # Written over longer than read_timeout in all, but never silent for that long:
    # read_timeout is the longest wait between reads, not a deadline for the body.
    body = bytes(range(256))[:64]
    async with fault_server(scheme_context) as server:
        server.script("/p", byte_by_byte(body, delay=0.003))
        async with client(ca_env, read_timeout=0.2) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (200, body)
    assert server.hits("/p") == 1


@pytest.mark.parametrize("after_headers", [True, False], ids=["after-headers", "before-headers"])
async def test_stalled_server_hits_the_read_timeout(
    after_headers: bool,
    scheme_context: ssl.SSLContext | None,
    ca_env: dict[str, str],
    debug_log: pytest.LogCaptureFixture,
) -> None:
    async with fault_server(scheme_context) as server:
        server.script("/p", stall(after_headers=after_headers, seconds=3600))
        async with client(ca_env, retries=1, read_timeout=0.2) as http:
            with pytest.raises(RequestTimeoutError, match="timed out"):
                await http.get(server.url + "p")
        assert server.hits("/p") == 2
        [line] = retry_lines(debug_log)
        assert line.startswith("timed out (")
        # Both stalls are still going on the server's side...
        assert server.active == 2
    # ...until shutdown cancelled them: no task is left (an hour-long sleep included).
    assert server.active == 0
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


# --------------------------------------------------------------------------- decoding


async def test_gzip_bomb_stops_at_the_cap_with_memory_bounded(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/bomb", gzip_bomb(decoded_size=1024 * MIB))
        async with client(ca_env) as http:
            started = not tracemalloc.is_tracing()
            if started:
                tracemalloc.start()
            tracemalloc.reset_peak()
            try:
                with pytest.raises(ResponseTooLargeError) as caught:
                    await http.get(server.url + "bomb", max_size=MIB)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                if started:
                    tracemalloc.stop()
    assert caught.value.limit == MIB
    assert "larger than 1048576 bytes once decoded" in str(caught.value)
    assert peak < 16 * MIB
    assert server.hits("/bomb") == 1  # a body too large is not retried


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("GZip", gzip.compress(BODY[:100]) + gzip.compress(BODY[100:])),  # two members
        ("deflate", zlib.compress(BODY)),
        ("deflate", _raw_deflate(BODY)),
        ("identity", BODY),
    ],
    ids=["gzip", "x-gzip", "gzip-members", "deflate-zlib", "deflate-raw", "identity"],
)
async def test_encoded_bodies_are_decoded(
    encoding: str, encoded: bytes, tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", ok(encoded, headers={"Content-Encoding": encoding}))
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert response.body == BODY
    assert server.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


async def test_corrupt_gzip_is_a_response_error(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    corrupt = gzip.compress(BODY)[:10] + b"\xff" * 40
    async with fault_server(tls) as server:
        server.script("/p", ok(corrupt, headers={"Content-Encoding": "gzip"}))
        async with client(ca_env) as http:
            with pytest.raises(ResponseError, match="the gzip body is corrupt"):
                await http.get(server.url + "p")
    assert server.hits("/p") == 1


async def test_truncated_gzip_is_a_response_error(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    encoded = gzip.compress(BODY * 4)
    async with fault_server(tls) as server:
        server.script("/p", ok(encoded[: len(encoded) // 2], headers={"Content-Encoding": "gzip"}))
        async with client(ca_env) as http:
            with pytest.raises(ResponseError):
                await http.get(server.url + "p")


async def test_unsupported_encoding_is_a_response_error(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", ok(b"\x00\x01", headers={"Content-Encoding": "br"}))
        async with client(ca_env) as http:
            with pytest.raises(ResponseError, match="unsupported Content-Encoding 'br'"):
                await http.get(server.url + "p")
    assert server.hits("/p") == 1


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("byte_range", "expected"), [("bytes=-16", BODY[-16:]), ("bytes=4-11", BODY[4:12])]
)
async def test_range_get_returns_the_range_when_honoured(
    byte_range: str, expected: bytes, tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/file.whl", ranged(BODY))
        async with client(ca_env) as http:
            response = await http.range_get(server.url + "file.whl", byte_range)
    assert response is not None
    assert (response.status, response.body) == (206, expected)
    assert response.headers["Content-Range"].endswith(f"/{len(BODY)}")
    [request] = server.requests
    assert request.headers["Range"] == byte_range
    assert request.headers["Accept-Encoding"] == "identity"


async def test_range_get_returns_none_when_the_range_is_ignored(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/file.whl", ok(BODY))
        async with client(ca_env) as http:
            assert await http.range_get(server.url + "file.whl", "bytes=-16") is None
    assert server.hits("/file.whl") == 1


# --------------------------------------------------------------------------- credentials


async def test_url_credentials_go_to_their_origin_only(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as home, fault_server(tls) as elsewhere:
        home.script("/away", redirect(elsewhere.url + "landing"))
        home.script("/stay", redirect("/here"))
        home.script("/here", ok(BODY))
        elsewhere.script("/landing", ok(BODY))
        async with client(ca_env) as http:
            away = await http.get(with_userinfo(home.url) + "away")
            stay = await http.get(with_userinfo(home.url) + "stay")
    assert (away.url, away.body) == (elsewhere.url + "landing", BODY)
    assert (stay.url, stay.body) == (home.url + "here", BODY)
    assert [(r.path, r.headers.get("Authorization")) for r in home.requests] == [
        ("/away", AUTH),
        ("/stay", AUTH),
        ("/here", AUTH),
    ]
    # Nothing of the userinfo travels in the request line or the Host header.
    assert all("secret" not in r.headers["Host"] for r in home.requests)
    [landing] = elsewhere.requests
    assert "Authorization" not in landing.headers


def _netrc(directory: Path, text: str) -> Credentials:
    directory.mkdir(exist_ok=True)
    path = directory / "netrc"
    path.write_text(text)
    path.chmod(0o600)
    return Credentials(environ={"NETRC": str(path)})


async def test_netrc_supplies_credentials_for_its_host_only(
    tmp_path: Path, tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    ours = _netrc(tmp_path / "ours", "machine 127.0.0.1 login user password secret\n")
    theirs = _netrc(tmp_path / "theirs", "machine 127.0.0.9 login other password nope\n")
    # As in uv, netrc is read once the server refused a request without credentials.
    async with fault_server(tls) as server:
        server.script("/p", [status(401), ok(BODY), status(401)])
        async with client(ca_env, credentials=ours) as http:
            assert (await http.get(server.url + "p")).body == BODY
        async with client(ca_env, credentials=theirs) as http:
            assert (await http.get(server.url + "p")).status == 401
    sent = [r.headers.get("Authorization") for r in server.requests]
    assert sent == [None, AUTH, None]


async def test_netrc_with_trust_env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tls: ssl.SSLContext,
    ca_env: dict[str, str],
) -> None:
    path = tmp_path / "netrc"
    path.write_text("machine 127.0.0.1 login user password secret\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    async with fault_server(tls) as server:
        server.script("/p", [status(401), ok(BODY), status(401)])
        # The default Credentials read NETRC from the process environment (after the
        # server's 401, as uv does)...
        async with client(ca_env, trust_env=True, credentials=Credentials()) as http:
            response = await http.get(server.url + "p")
        # ...and Credentials alone decide: told to read no netrc, nothing is sent.
        async with client(ca_env, trust_env=True) as http:
            await http.get(server.url + "p")
    assert response.body == BODY
    sent = [r.headers.get("Authorization") for r in server.requests]
    assert sent == [None, AUTH, None]


async def test_redirect_location_userinfo_is_ignored(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", redirect(with_userinfo(server.url, "other:theirs") + "q"))
        server.script("/q", ok(BODY))
        async with client(ca_env) as http:
            response = await http.get(with_userinfo(server.url) + "p")
    assert response.body == BODY
    assert [r.headers.get("Authorization") for r in server.requests] == [AUTH, AUTH]


# --------------------------------------------------------------------------- redaction


async def test_secret_is_never_logged(
    tls: ssl.SSLContext, ca_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, aiohttp's included
    async with fault_server(tls) as server:
        server.script("/p", [status(503, retry_after="0"), reset_mid_body(BODY), redirect("/q")])
        server.script("/q", ok(BODY))
        async with client(ca_env) as http:
            response = await http.get(with_userinfo(server.url) + "p")
    assert response.body == BODY
    assert len(retry_lines(caplog)) == 2
    assert any(r.name == "indexclient.http" for r in caplog.records)
    for record in caplog.records:
        assert "secret" not in record.getMessage()
        assert "secret" not in str(record.args)


async def test_secret_is_not_in_a_connection_error(ca_env: dict[str, str]) -> None:
    url = f"https://user:secret@127.0.0.1:{unused_port()}/simple/"
    async with client(ca_env, retries=1) as http:
        with pytest.raises(ConnectError) as caught:
            await http.get(url)
    assert "cannot connect to 127.0.0.1" in str(caught.value)
    assert not [text for text in exception_texts(caught.value) if "secret" in text]


async def test_secret_is_not_in_a_redirect_error(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/loop", redirect("/loop"))
        server.script("/to-http", redirect(with_userinfo(server.url.replace("https", "http"))))
        async with client(ca_env) as http:
            with pytest.raises(RedirectError, match="more than 10 redirects") as loop:
                await http.get(with_userinfo(server.url) + "loop")
            with pytest.raises(RedirectError, match="https to plain http") as downgrade:
                await http.get(with_userinfo(server.url) + "to-http")
    for caught in (loop, downgrade):
        assert not [text for text in exception_texts(caught.value) if "secret" in text]


async def test_secret_is_not_in_an_unsupported_redirect_error(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", redirect("ftp://user:secret@127.0.0.1/files/"))
        async with client(ca_env) as http:
            with pytest.raises(RedirectError, match="unsupported URL") as caught:
                await http.get(server.url + "p")
    assert not [text for text in exception_texts(caught.value) if "secret" in text]


def test_secret_is_not_in_settings_reprs() -> None:
    url = "https://user:secret@127.0.0.1:8443/simple/"
    spec = IndexSpec(url, Origin("api", "index_url"))
    settings = Settings.load({}, index_url=url, extra_index_urls=[url])
    assert "secret" not in repr(spec)
    assert "user:****@127.0.0.1:8443" in repr(spec)
    assert "secret" not in repr(settings)
    assert "secret" not in repr(settings.indexes())
    assert settings.indexes()[0].url == url  # redacted for display only


@pytest.mark.parametrize(
    "url", ["htps://user:secret@127.0.0.1/simple/", "https://user:secret@/simple/"]
)
def test_secret_is_not_in_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load({}, index_url=url)
    assert "secret" not in str(caught.value)


# --------------------------------------------------------------------------- the fault server


async def test_fault_server_counts_connections_and_keeps_them_alive(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    server: FaultServer
    async with fault_server(tls) as server:
        server.script("/p", [ok(b"one"), ok(b"two")])
        async with client(ca_env) as http:
            bodies = [(await http.get(server.url + "p")).body for _ in range(3)]
        assert server.active == 0  # the client closed its pooled connection
    assert bodies == [b"one", b"two", b"two"]  # the last reply repeats
    assert server.connections == 1  # keep-alive: one connection for all three
    assert [r.method for r in server.requests] == ["GET"] * 3


async def test_fault_server_refuses_non_loopback_and_empty_scripts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        async with fault_server(host="192.0.2.1"):
            pass  # pragma: no cover
    async with fault_server() as server:
        with pytest.raises(ValueError, match="at least one reply"):
            server.script("/p", [])
        with pytest.raises(ValueError, match="starts with '/'"):
            server.script("p", ok())


# --------------------------------------------------------------------------- hostile redirects


@pytest.mark.parametrize(
    "location",
    [
        "http://[oops/",
        "https://user:secret@127.0.0.1:99999/x",
        "https://user:se/cret@127.0.0.1/x",
        "http://user:secret@127.0.0.1:notaport/",
        "//user:secret@[::1/",
        "http://user:secret@/x",
        "https:///nohost",
    ],
)
async def test_a_malformed_location_is_a_redirect_error(location: str) -> None:
    async with fault_server() as server:
        server.script("/p", redirect(location))
        async with client({}) as http:
            with pytest.raises(RedirectError, match="malformed URL") as caught:
                await http.get(server.url + "p")
    assert caught.value.url == server.url + "p"
    assert not [text for text in exception_texts(caught.value) if "secret" in text]
    assert server.hits("/p") == 1


def test_a_url_in_another_library_message_is_redacted() -> None:
    from indexclient.transport.errors import translate_error

    trust = make_trust({})
    for exc in (
        aiohttp.ClientError("failed for https://user:secret@127.0.0.1/simple/"),
        ValueError("odd: http://token-secret@127.0.0.1/"),
    ):
        error = translate_error(exc, "https://127.0.0.1/simple/", "127.0.0.1", trust)
        assert "secret" not in str(error)
        assert "****@127.0.0.1" in str(error)
