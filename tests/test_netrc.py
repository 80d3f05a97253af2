"""netrc is a file the user names: a FIFO, a device or a huge file is refused with a
warning (anonymous access still works, nothing hangs), and its passwords are never shown.

Every server is the fault server on loopback; every FIFO is a real one.
"""

from __future__ import annotations

import base64
import logging
import os
import ssl
import warnings
from pathlib import Path

import pytest
from conftest import Pki, make_trust

from indexclient import userfiles
from indexclient.errors import ConfigurationWarning
from indexclient.testing.faults import fault_server, ok, status
from indexclient.testing.pki import server_context
from indexclient.transport.auth import Credentials
from indexclient.transport.http import HttpClient, RetryPolicy

PASSWORD = "n3trc-s3cret"
AUTH = "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()
HOST = ("https", "127.0.0.1", 443)

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


def netrc_file(directory: Path, text: str) -> Path:
    path = directory / "netrc"
    path.write_text(text)
    path.chmod(0o600)
    return path


def lookup(environ: dict[str, str]) -> tuple[str | None, list[str]]:
    """The Authorization netrc gives 127.0.0.1, and the ConfigurationWarnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        header = Credentials(environ=environ).for_origin(HOST)
    found = [str(w.message) for w in caught if issubclass(w.category, ConfigurationWarning)]
    return header, found


def test_a_regular_netrc_is_read(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, f"machine 127.0.0.1 login user password {PASSWORD}\n")
    assert lookup({"NETRC": str(path)}) == (AUTH, [])


@needs_fifo
def test_a_fifo_is_refused_with_a_warning_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "netrc"
    os.mkfifo(fifo)
    header, found = lookup({"NETRC": str(fifo)})
    assert header is None
    [message] = found
    assert "NETRC" in message
    assert str(fifo) in message
    assert "FIFO" in message


def test_a_device_is_refused_with_a_warning() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    header, found = lookup({"NETRC": "/dev/zero"})
    assert header is None
    [message] = found
    assert "NETRC" in message
    assert "/dev/zero" in message
    assert "device" in message


def test_a_huge_netrc_is_refused_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "netrc"
    with path.open("wb") as out:
        out.write(f"machine 127.0.0.1 login user password {PASSWORD}\n".encode())
        out.truncate(userfiles.MAX_NETRC_FILE + 1)  # sparse: costs no disk
    header, found = lookup({"NETRC": str(path)})
    assert header is None
    [message] = found
    assert "NETRC" in message
    assert str(userfiles.MAX_NETRC_FILE) in message


@needs_fifo
def test_the_default_netrc_is_checked_too(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".netrc")
    header, found = lookup({"HOME": str(tmp_path)})
    assert header is None
    [message] = found
    assert str(tmp_path / ".netrc") in message


def test_missing_and_dev_null_are_silently_empty(tmp_path: Path) -> None:
    assert lookup({"NETRC": str(tmp_path / "absent")}) == (None, [])
    assert lookup({"HOME": str(tmp_path)}) == (None, [])
    # NETRC=/dev/null is the usual way to say "no netrc": not a mistake to warn about.
    assert lookup({"NETRC": os.devnull}) == (None, [])


def test_a_broken_netrc_warning_does_not_show_its_tokens(tmp_path: Path) -> None:
    # A forgotten "password" keyword makes the password itself the unexpected token,
    # which the netrc module puts in its error message.
    path = netrc_file(tmp_path, f"machine 127.0.0.1 login user {PASSWORD}\n")
    header, found = lookup({"NETRC": str(path)})
    assert header is None
    [message] = found
    assert "NETRC" in message
    assert PASSWORD not in message


@needs_fifo
async def test_anonymous_access_still_works_beside_a_fifo(
    tmp_path: Path, tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    fifo = tmp_path / "netrc"
    os.mkfifo(fifo)
    async with fault_server(tls) as server:
        server.script("/p", ok(b"public"))
        server.script("/private", status(401))
        credentials = Credentials(environ={"NETRC": str(fifo)})
        async with HttpClient(make_trust(ca_env), trust_env=False, credentials=credentials) as http:
            # A public page: netrc is not even opened (uv reads it after a refusal).
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                response = await http.get(server.url + "p")
            # A refusal: netrc is read, and the FIFO is named and passed over, unopened.
            with pytest.warns(ConfigurationWarning, match="NETRC"):
                refused = await http.get(server.url + "private")
    assert response.body == b"public"
    assert refused.status == 401
    assert [r.headers.get("Authorization") for r in server.requests] == [None, None]


async def test_netrc_password_is_in_no_log(
    tmp_path: Path,
    tls: ssl.SSLContext,
    ca_env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, aiohttp's included: -vv and more
    path = netrc_file(tmp_path, f"machine 127.0.0.1 login user password {PASSWORD}\n")
    async with fault_server(tls) as server:
        # 401 first (netrc is read then, as uv reads it), a 503 retried, then a 403.
        server.script("/p", [status(401), status(503, retry_after="0"), status(403, b"forbidden")])
        credentials = Credentials(environ={"NETRC": str(path)})
        async with HttpClient(
            make_trust(ca_env),
            trust_env=False,
            credentials=credentials,
            retry=RetryPolicy(retries=1, backoff_base=0.01),
        ) as http:
            response = await http.get(server.url + "p")
    assert response.status == 403
    # The retry starts over as uv's does (its retry is outside its auth): without
    # credentials, then with netrc's (read once) after the 403.
    sent = [r.headers.get("Authorization") for r in server.requests]
    assert sent == [None, AUTH, None, AUTH]
    token = AUTH.split()[1]
    texts = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    assert any("retry" in text for text in texts)  # the debug lines were there to check
    for text in texts:
        assert PASSWORD not in text
        assert token not in text
