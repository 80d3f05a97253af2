"""Every request has an overall deadline besides the stall timeout (docs/security.md).

A server that trickles bytes just fast enough to beat the stall timeout would otherwise
hold a request for ever. The deadline covers the whole logical request: redirect hops,
retries, backoff sleeps and reading the body, through get() and stream() alike. Servers
are the fault server on loopback; deadlines are a fraction of a second, and nothing
asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import pytest
from conftest import Pki, make_trust

from indexclient import IndexClient
from indexclient.errors import ConfigurationError, DeadlineError, RequestTimeoutError
from indexclient.settings import ENV_VARS, Settings
from indexclient.settings.values import DEFAULT_DEADLINE
from indexclient.testing.faults import (
    Connection,
    byte_by_byte,
    fault_server,
    ok,
    redirect,
    status,
)
from indexclient.testing.pki import server_context
from indexclient.testing.servers import SeenRequest
from indexclient.transport.auth import Credentials
from indexclient.transport.http import HttpClient, RetryPolicy

DEADLINE = 0.3
BODY = b"x" * 4096


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


@dataclass(frozen=True)
class TrickledBody:
    """A 200 whose head comes at once and whose body comes a byte every ``delay`` seconds
    (each far within the stall timeout); with ``reset_after``, the connection is dropped
    after that many bytes of body."""

    body: bytes
    delay: float = 0.01
    reset_after: int | None = None

    async def respond(self, request: SeenRequest, conn: Connection) -> None:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(self.body)}\r\n\r\n"
        )
        await conn.send(head.encode())
        for index in range(len(self.body)):
            if index == self.reset_after:
                conn.reset()
                return
            await conn.send(self.body[index : index + 1])
            await asyncio.sleep(self.delay)


def client(env: dict[str, str], *, deadline: float = DEADLINE, retries: int = 3) -> HttpClient:
    """A client whose stall timeout (5 s) the trickles beat, and a small deadline."""
    return HttpClient(
        make_trust(env),
        retry=RetryPolicy(retries=retries, backoff_base=0.01),
        read_timeout=5.0,
        connect_timeout=5.0,
        trust_env=False,
        credentials=Credentials(environ={"NETRC": "/dev/null"}),
        deadline=deadline,
    )


def assert_deadline_error(error: DeadlineError, url: str) -> None:
    assert isinstance(error, RequestTimeoutError)  # a kind of timeout, for callers that catch those
    assert error.url == url
    assert "deadline" in str(error)
    assert error.hint is not None
    assert "INDEXCLIENT_HTTP_DEADLINE" in error.hint


async def test_get_of_a_trickle_ends_at_the_deadline_and_is_not_retried(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", byte_by_byte(BODY, delay=0.01))
        async with client(ca_env) as http:
            with pytest.raises(DeadlineError) as caught:
                await http.get(server.url + "p")
    assert_deadline_error(caught.value, server.url + "p")
    assert server.hits("/p") == 1


async def test_stream_of_a_trickle_ends_at_the_deadline(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/file.whl", TrickledBody(BODY))
        async with client(ca_env) as http, http.stream(server.url + "file.whl") as stream:
            assert stream.status == 200  # the head came in time; the body does not
            with pytest.raises(DeadlineError) as caught:
                await stream.read()
    assert_deadline_error(caught.value, server.url + "file.whl")
    assert server.hits("/file.whl") == 1


async def test_a_caller_retrying_a_stream_keeps_its_deadline(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    # A download retries a broken stream itself; with the same ``until`` its next attempt
    # has only what is left, here nothing: it ends before asking the server again.
    async with fault_server(tls) as server:
        server.script("/file.whl", TrickledBody(BODY))
        async with client(ca_env) as http:
            until = http.deadline_end()
            for _ in range(2):
                with pytest.raises(DeadlineError) as caught:
                    async with http.stream(server.url + "file.whl", until=until) as stream:
                        await stream.read()
                assert_deadline_error(caught.value, server.url + "file.whl")
    assert server.hits("/file.whl") == 1


async def test_a_retry_does_not_restart_the_deadline(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    # Each attempt alone fits in the 0.6 s deadline: the first trickles 0.3 s then breaks
    # (retried), the second would be whole after another 0.35 s. Together they do not,
    # however slow the machine: a slower one only takes longer. (The first attempt ends
    # well inside the deadline, so the server sees both.)
    first = TrickledBody(b"y" * 40, delay=0.01, reset_after=30)
    async with fault_server(tls) as server:
        server.script("/p", [first, TrickledBody(b"y" * 35, delay=0.01)])
        async with client(ca_env, deadline=0.6) as http:
            with pytest.raises(DeadlineError) as caught:
                await http.get(server.url + "p")
    assert_deadline_error(caught.value, server.url + "p")
    assert server.hits("/p") == 2


async def test_redirect_hops_share_the_deadline(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/a", redirect("/b"))
        server.script("/b", TrickledBody(BODY))
        async with client(ca_env) as http:
            with pytest.raises(DeadlineError) as caught:
                await http.get(server.url + "a")
    # Like every transport error, it names the hop it happened on.
    assert caught.value.url == server.url + "b"
    assert [server.hits("/a"), server.hits("/b")] == [1, 1]


async def test_no_retry_waits_past_the_deadline(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    # Retry-After asks for more time than is left: the answer is the 503 as it stands,
    # not a sleep through the deadline and another try.
    async with fault_server(tls) as server:
        server.script("/p", [status(503, b"busy", retry_after=5), ok(BODY)])
        async with client(ca_env) as http:
            response = await http.get(server.url + "p")
    assert (response.status, response.body) == (503, b"busy")
    assert server.hits("/p") == 1


async def test_a_request_within_the_deadline_is_untouched(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/p", [status(503, retry_after="0"), ok(BODY)])
        async with client(ca_env, deadline=30.0) as http:
            response = await http.get(server.url + "p")
            async with http.stream(server.url + "p") as stream:
                streamed = await stream.read()
    assert response.body == streamed == BODY


# --------------------------------------------------------------------------- settings


def test_default_deadline() -> None:
    settings = Settings.load({})
    assert settings.deadline.value == DEFAULT_DEADLINE == 3600.0
    assert settings.deadline.origin.kind == "default"
    assert "INDEXCLIENT_HTTP_DEADLINE" in ENV_VARS


def test_deadline_from_the_environment_and_the_argument() -> None:
    env = {"INDEXCLIENT_HTTP_DEADLINE": " 7200.5 "}
    from_env = Settings.load(env).deadline
    assert from_env.value == 7200.5
    assert str(from_env.origin) == "INDEXCLIENT_HTTP_DEADLINE (environment)"
    explicit = Settings.load(env, deadline=12).deadline
    assert explicit.value == 12
    assert str(explicit.origin) == "deadline= (argument)"


@pytest.mark.parametrize("raw", ["soon", "0", "-5", "nan", "1e"])
def test_a_bad_deadline_is_a_configuration_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load({"INDEXCLIENT_HTTP_DEADLINE": raw, "UV_HTTP_TIMEOUT": "x"})
    problems = {p.origin: p.message for p in caught.value.problems}
    assert problems[f"INDEXCLIENT_HTTP_DEADLINE={raw!r} (environment)"] == (
        "not a positive number of seconds"
    )
    assert len(problems) == 2  # reported together with every other problem


@pytest.mark.parametrize("value", [0, -1.0, float("nan")])
def test_a_bad_deadline_argument_is_a_configuration_error(value: float) -> None:
    with pytest.raises(ConfigurationError, match="deadline= \\(argument\\)"):
        Settings.load({}, deadline=value)


async def test_index_client_passes_the_deadline_on(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    async with fault_server(tls) as server:
        server.script("/simple/demo/", TrickledBody(BODY))
        async with IndexClient(server.url + "simple/", environ=ca_env, deadline=DEADLINE) as ic:
            assert ic.settings.deadline.value == DEADLINE
            assert ic.http.deadline == DEADLINE
            with pytest.raises(DeadlineError):
                await ic.project("demo")
    assert server.hits("/simple/demo/") == 1
    with pytest.raises(TypeError):
        IndexClient(settings=Settings.load(ca_env, index_url=server.url), deadline=1.0)
