"""Secrets are never printed: userinfo in any URL, in any output (docs/security.md).

One function redacts (``indexclient.urls.redact_url``; ``redact_text`` applies it to
free text). These tests feed it every shape of userinfo, then run the real command with
a secret in the index URL and look for the secret in everything it wrote, at every
verbosity, in text and JSON.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

import pytest
from conftest import Pki
from hypothesis import given
from hypothesis import strategies as st
from test_cli_process import clean_env
from test_cli_support import PYTHON

from indexclient.testing.faults import fault_server, ok, status
from indexclient.testing.pki import server_context
from indexclient.urls import UnusableURL, check_authority, redact_text, redact_url

SECRET = "s3cr3tT0ken"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://host/simple/", "https://host/simple/"),
        ("https://user:pw@host/simple/", "https://user:****@host/simple/"),
        ("https://TOKEN@host:8443/simple/", "https://****@host:8443/simple/"),
        ("https://:pw@host/", "https://:****@host/"),
        ("https://user:p%2Fw@host/", "https://user:****@host/"),
        ("https://us%40er:pw@host/", "https://us%40er:****@host/"),
        ("https://user:pa/ss@host/simple/", "https://****@host/simple/"),
        ("https://user:pa?ss@host/simple/", "https://****@host/simple/"),
        ("https://tok#en@host/", "https://tok#en@host/"),  # host "tok"; refused below
        ("https://user:p@ss@host/", "https://user:****@host/"),
        ("https://host/simple/?next=a@b", "https://host/simple/?next=a@b"),
        ("token@host:8443", "****@host:8443"),
        ("https://user:pw@[::1]:8443/", "https://user:****@[::1]:8443/"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_userinfo_past_a_query_or_fragment_is_not_userinfo() -> None:
    # "?" and "#" end the authority for every URL parser: what follows is not sent as
    # credentials, and such a URL is refused as an index URL anyway (below).
    for url in ("https://user:pa?ss@host/", "https://tok#en@host/"):
        with pytest.raises(UnusableURL):
            check_authority(url)


_SECRET_CHARS = st.text(
    st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:/%@"
    ),
    min_size=8,
    max_size=40,
).filter(lambda s: s.strip("/") == s and "//" not in s)


def _shown_userinfo(shown: str, tail: str) -> str:
    assert shown.startswith("https://")
    assert shown.endswith(tail)
    return shown[len("https://") : -len(tail)]


@given(user=_SECRET_CHARS, password=_SECRET_CHARS)
def test_no_password_survives_redaction(user: str, password: str) -> None:
    # Whatever the characters, what is shown of the userinfo is "****" or a user name
    # (the text before the first ":") followed by ":****": never a password.
    for userinfo, tail in ((f"{user}:{password}", "@index.test/simple/"), (password, "@h:1/")):
        url = f"https://{userinfo}{tail}"
        shown = _shown_userinfo(redact_url(url), tail)
        if shown != "****":
            name, _, hidden = shown.rpartition(":")
            assert hidden == "****"
            assert ":" not in name
            assert userinfo.startswith(name + ":")
        assert redact_text(f"error: cannot fetch {url}: HTTP 500") == (
            f"error: cannot fetch {redact_url(url)}: HTTP 500"
        )


def test_redact_text_finds_every_url() -> None:
    text = (
        f"GET https://u:{SECRET}@a.test/x -> 302 'https://{SECRET}@b.test/y' <ftp://x:{SECRET}@c>"
    )
    assert SECRET not in redact_text(text)
    assert redact_text("no urls here, just a@b") == "no urls here, just a@b"


# --------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


async def command(tmp_path: Path, pki: Pki, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "indexclient",
        *args,
        # One retry: its debug line is written (and checked), without the full backoff.
        env=clean_env(tmp_path, SSL_CERT_FILE=str(pki.ca_file), UV_HTTP_RETRIES="1"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


def page(server_url: str) -> bytes:
    # A page whose own links carry userinfo: shown redacted too.
    return json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "demo",
            "files": [
                {
                    "filename": "demo-1.0-py3-none-any.whl",
                    "url": server_url.replace("https://", f"https://mirror:{SECRET}@")
                    + "files/demo-1.0-py3-none-any.whl",
                    "hashes": {},
                }
            ],
        }
    ).encode()


USERINFO = [f"user:{SECRET}", SECRET, f"user:{SECRET[:4]}%2F{SECRET[4:]}"]


@pytest.mark.parametrize("userinfo", USERINFO, ids=["user-password", "token", "encoded"])
async def test_no_secret_in_any_output(
    tls: ssl.SSLContext, pki: Pki, tmp_path: Path, userinfo: str
) -> None:
    # -vv is the most the command ever writes: tracebacks (-v) and every debug line,
    # aiohttp's included.
    async with fault_server(tls) as server:
        index = server.url.replace("https://", f"https://{userinfo}@") + "simple/"
        json_type = "application/vnd.pypi.simple.v1+json"
        server.script("/simple/demo/", ok(page(server.url), content_type=json_type))
        server.script("/simple/broken/", status(500))
        runs = [
            ("project", "demo", "--index-url", index),
            ("project", "demo", "--json", "--index-url", index),
            ("versions", "broken", "--index-url", index),
            ("tls", "check", index),
            ("config", "show", "--index-url", index),
        ]
        outputs = [await command(tmp_path, pki, "-vv", *run) for run in runs]
    codes = [code for code, _ in outputs]
    assert codes == [0, 0, 1, 0, 0], outputs
    for _, text in outputs:
        assert SECRET[4:] not in text  # the tail is in every variant, encoded or not
    # Something was shown where the secret was: the redacted form, not nothing; and the
    # -vv run did write debug lines naming the URL (the retry of the 500).
    assert "****@127.0.0.1" in outputs[3][1]
    assert "retry 1" in outputs[2][1]
    assert "GET https://" in outputs[2][1]


@pytest.mark.parametrize(
    "url",
    [
        f"https://user:{SECRET[:5]}/{SECRET[5:]}@127.0.0.1:9/simple/",  # an unencoded "/"
        f"https://{SECRET}@127.0.0.1:9/x@y/simple/",  # an "@" after the host
        f"https://user:{SECRET}@127.0.0.1:notaport/simple/",
    ],
)
async def test_an_unusable_index_url_is_a_clear_error_without_the_secret(
    pki: Pki, tmp_path: Path, url: str
) -> None:
    code, text = await command(tmp_path, pki, "versions", "demo", "--index-url", url)
    assert code == 2, text
    assert "cannot parse the URL" in text
    assert SECRET[:5] not in text
    assert SECRET[5:] not in text


def test_no_secret_in_model_reprs() -> None:
    from indexclient.simple import parse_index_page, parse_project_page

    html = (
        f'<a href="https://mirror:{SECRET}@files.test/demo-1.0.tar.gz">demo-1.0.tar.gz</a>'
        f'<a href="https://{SECRET}@files.test/demo-1.0-py3-none-any.whl">w</a>'
    ).encode()
    page = parse_project_page(html, "text/html", "https://index.test/simple/demo/")
    index = parse_index_page(
        f'<a href="https://{SECRET}@index.test/simple/demo/">demo</a>'.encode(),
        "text/html",
        "https://index.test/simple/",
    )
    for shown in (repr(page), repr(page.files[0]), repr(index), repr(index.projects[0])):
        assert SECRET not in shown
        assert "****@" in shown
