"""Credentials as uv finds them, and what a refusal says, against nginx with Basic auth.

nginx (``auth_basic``, an htpasswd file) serves a static index over TLS on 127.0.0.1:
``auth`` wants a user name and password, ``open`` wants none. A fake ``keyring``
executable, written at test time into a directory put first on PATH, records every call
(its arguments, one JSON line each) and answers from a table. Each case runs
``indexclient metadata demo`` and, where uv is installed, ``uv pip compile`` of the same
one-line requirement on the same setup (no configuration but the test's, a throwaway
cache and home, the test root as SSL_CERT_FILE, a clean environment); both must give the
same answer and ask the keyring the same questions. The docstring of each test names
the uv behaviour it pins (uv 0.13.9, checked by running it so).
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import os
import ssl
import sys
import textwrap
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import Pki, make_trust
from test_cli_support import run_cli

from indexclient import (
    AuthenticationError,
    ConfigurationWarning,
    IndexClientError,
    ProxyAuthenticationError,
)
from indexclient.testing.faults import fault_server, ok, redirect, status
from indexclient.testing.pki import server_context
from indexclient.testing.servers.proxy import connect_proxy
from indexclient.transport.auth import Credentials
from indexclient.transport.http import HttpClient, Response, RetryPolicy
from indexclient.transport.keyring import MAX_KEYRING_OUTPUT, services_for
from support import cache_db
from support.index_lab import Lab, UvResult, find_uv, serve_lab, uv_compile
from support.nginx import SKIP_REASON, NginxServer, Site, find_nginx
from support.static_index import write_static_index

UV = find_uv()
NGINX = find_nginx()

USER, PASSWORD = "alice", "s3cret-A1"
#: A password a URL must percent-encode, with a user name of its own (no ':', which
#: nginx's htpasswd cannot hold: test_a_colon_in_a_password_is_sent_as_given has it).
ODD_USER, ODD_PASSWORD = "bob", "p@ss/wörd ü%"

SENTINEL = "/sentinel"

needs_nginx = pytest.mark.skipif(NGINX is None, reason=SKIP_REASON)


def secrets_of(user: str, password: str) -> list[str]:
    """Every spelling of a password that must never be shown: as is, percent-encoded,
    and the Basic token carrying it."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return [password, quote(password, safe=""), token]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tls(pki: Pki) -> ssl.SSLContext:
    return server_context(pki.root.issue_leaf())


@dataclass(frozen=True)
class Nginx:
    server: NginxServer
    ca_file: Path

    def index(self, site: str, userinfo: str = "") -> str:
        base = self.server.url(site)
        if userinfo:
            base = base.replace("https://", f"https://{userinfo}@")
        return base + "simple/"

    @property
    def hostport(self) -> str:
        return self.server.url("auth").split("//")[1].rstrip("/")

    def log(self, site: str = "auth") -> list[tuple[str, int, str]]:
        """(path, status, user) of each request the site answered since the last clear.

        nginx writes a line once its response is out, so a last request (its own line
        awaited, then dropped) makes sure every earlier one is there."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        port = self.server.site(site).port
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
        try:
            connection.request("GET", SENTINEL)
            connection.getresponse().read()
        finally:
            connection.close()
        entries = self.server.access_log(site)
        while not any(e.uri == SENTINEL for e in entries):
            entries = self.server.access_log(site, wait_for=len(entries) + 1)
        return [(e.uri, e.status, e.user) for e in entries if e.uri != SENTINEL]


@pytest.fixture(scope="module")
def nginx(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    if NGINX is None:
        pytest.skip(SKIP_REASON)
    directory = tmp_path_factory.mktemp("nginx-auth")
    index = write_static_index(directory / "index", {"demo": [("1.0", [])]})
    leaf = pki.root.issue_leaf()
    users = ((USER, PASSWORD), (ODD_USER, ODD_PASSWORD))
    sites = [
        Site("auth", index.root, cert=leaf, basic_auth=users),
        Site("open", index.root, cert=leaf),
    ]
    with NginxServer(sites, binary=NGINX, directory=directory / "nginx") as server:
        yield Nginx(server, pki.ca_file)


@dataclass
class FakeKeyring:
    """The ``keyring`` command on PATH: records its arguments, answers from ``table``
    (``"SERVICE USER"`` or ``"SERVICE --mode creds"`` to the text it prints), exits 1
    for anything else; ``mode`` ``"hang"`` sleeps, ``"huge"`` prints too much."""

    directory: Path
    table: dict[str, str] = field(default_factory=dict)
    mode: str = "table"

    @property
    def log(self) -> Path:
        return self.directory / "calls.jsonl"

    @property
    def pids(self) -> Path:
        return self.directory / "pids"

    def write(self) -> None:
        conf = self.directory / "conf.json"
        conf.write_text(json.dumps({"table": self.table, "mode": self.mode}))
        script = self.directory / "bin" / "keyring"
        script.parent.mkdir(exist_ok=True)
        script.write_text(
            textwrap.dedent(f"""\
            #!{sys.executable}
            import json, os, sys, time
            args = sys.argv[1:]
            with open({str(self.log)!r}, "a") as f:
                f.write(json.dumps(args) + "\\n")
            conf = json.load(open({str(conf)!r}))
            if conf["mode"] == "hang":
                with open({str(self.pids)!r}, "a") as f:
                    f.write(f"{{os.getpid()}}\\n")
                time.sleep(60)
            if conf["mode"] == "huge":
                sys.stdout.write("x" * {4 * MAX_KEYRING_OUTPUT})
                sys.exit(0)
            answer = conf["table"].get(" ".join(args[1:]))
            if answer is None:
                sys.exit(1)
            sys.stdout.buffer.write(answer.encode("utf-8") + b"\\n")
            """)
        )
        script.chmod(0o755)

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def clear(self) -> None:
        self.log.unlink(missing_ok=True)

    @property
    def path(self) -> str:
        return f"{self.directory / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}"


@pytest.fixture
def keyring(tmp_path: Path) -> FakeKeyring:
    fake = FakeKeyring(tmp_path / "keyring")
    fake.directory.mkdir()
    fake.write()
    return fake


@dataclass(frozen=True)
class Outcome:
    """indexclient's answer (exit status, the --json entry, stderr, the keyring's calls,
    nginx's log) and uv's, when uv ran."""

    code: int
    entry: dict[str, object]
    out: str
    err: str
    calls: list[list[str]]
    log: list[tuple[str, int, str]]
    uv: UvResult | None = None
    uv_calls: list[list[str]] | None = None
    uv_log: list[tuple[str, int, str]] | None = None

    @property
    def error(self) -> dict[str, object]:
        error = self.entry.get("error")
        assert isinstance(error, dict), self.entry
        return error


@dataclass
class Both:
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    work: Path
    nginx: Nginx
    keyring: FakeKeyring

    def config(self, text: str) -> str:
        path = self.work / "uv.toml"
        path.write_text(text)
        return str(path)

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        uv: bool = True,
        site: str = "auth",
        verbose: bool = False,
    ) -> Outcome:
        environ = {
            "HOME": str(self.work),
            "NETRC": os.devnull,
            "SSL_CERT_FILE": str(self.nginx.ca_file),
            "UV_NO_CONFIG": "1",
            "UV_HTTP_RETRIES": "0",
            "PATH": self.keyring.path,
            **(env or {}),
        }
        self.keyring.clear()
        self.nginx.server.clear_access_log(site)
        with self.monkeypatch.context() as patch:
            for name in list(os.environ):
                if name.startswith(("UV_", "PIP_", "INDEXCLIENT_")) or name.upper().endswith(
                    "_PROXY"
                ):
                    patch.delenv(name)
            for name, value in environ.items():
                patch.setenv(name, value)
            patch.setenv("INDEXCLIENT_CACHE_DIR", str(self.work / "cache"))
            patch.chdir(self.work)
            flags = ("-vv",) if verbose else ("-q",)
            result = run_cli(self.capsys, "metadata", "demo", "--json", *flags, *args)
        [entry] = json.loads(result.out) if result.out.strip() else [{}]
        calls, log = self.keyring.calls(), self.nginx.log(site)
        outcome = Outcome(result.code, entry, result.out, result.err, calls, log)
        if not (uv and UV is not None):
            return outcome
        self.keyring.clear()
        self.nginx.server.clear_access_log(site)
        src = self.work / "requirements.in"
        src.write_text("demo\n")
        uv_work = self.work / "uv"
        uv_work.mkdir(exist_ok=True)
        compiled = uv_compile(UV, src, uv_work, args, environ)
        return dataclasses.replace(
            outcome, uv=compiled, uv_calls=self.keyring.calls(), uv_log=self.nginx.log(site)
        )


@pytest.fixture
def both(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    nginx: Nginx,
    keyring: FakeKeyring,
) -> Both:
    work = tmp_path / "work"
    work.mkdir()
    return Both(capsys, monkeypatch, work, nginx, keyring)


def found(outcome: Outcome) -> None:
    """Both tools found demo 1.0."""
    assert outcome.code == 0, outcome.err
    assert outcome.entry.get("version") == "1.0", outcome.out
    if outcome.uv is not None:
        assert outcome.uv.code == 0, outcome.uv.err
        assert outcome.uv.versions == {"demo": "1.0"}, outcome.uv.err


def refused(outcome: Outcome, kind: str = "unauthorized") -> None:
    """indexclient stopped with an AuthenticationError of ``kind`` (exit status 1), and
    uv failed too."""
    assert outcome.code == 1, outcome.err
    assert outcome.error["type"] == "AuthenticationError", outcome.error
    assert outcome.error["kind"] == kind
    if outcome.uv is not None:
        assert outcome.uv.code != 0, outcome.uv


# --------------------------------------------------------------------------- sources


@needs_nginx
def test_credentials_in_the_index_url(both: Both) -> None:
    """uv: a URL's userinfo is sent with the first request (reqwest puts it in the
    Authorization header), and reused for the files of that origin."""
    url = both.nginx.index("auth", f"{USER}:{PASSWORD}")
    outcome = both.run("-i", url)
    found(outcome)
    assert outcome.log[0] == ("/simple/demo/", 200, USER)
    assert all(status == 200 for _, status, _ in outcome.log)
    assert outcome.uv_log in (None, pages(outcome.log))


def pages(log: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """The requests for index pages (uv compiles --no-deps: it fetches no metadata)."""
    return [entry for entry in log if entry[0].startswith("/simple/")]


@needs_nginx
def test_index_variables_with_uv_name_normalisation(both: Both) -> None:
    """uv: UV_INDEX_<NAME>_USERNAME / _PASSWORD give a named index its credentials, the
    name upper-cased and every other character than a letter or digit written ``_``
    (``my-idx.v2`` is ``UV_INDEX_MY_IDX_V2_``)."""
    path = both.config(
        f'[[index]]\nname = "my-idx.v2"\nurl = "{both.nginx.index("auth")}"\ndefault = true\n'
    )
    env = {"UV_INDEX_MY_IDX_V2_USERNAME": USER, "UV_INDEX_MY_IDX_V2_PASSWORD": PASSWORD}
    outcome = both.run("--config-file", path, env=env)
    found(outcome)
    assert outcome.log[0] == ("/simple/demo/", 200, USER)


@needs_nginx
def test_netrc_is_read_after_a_refusal(both: Both) -> None:
    """uv: netrc is consulted only once the server refused a request made without
    credentials (401, 403 or 404), and the request is made again with its entry."""
    netrc = both.work / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    outcome = both.run("-i", both.nginx.index("auth"), env={"NETRC": str(netrc)})
    found(outcome)
    assert outcome.log[:2] == [("/simple/demo/", 401, ""), ("/simple/demo/", 200, USER)]
    assert outcome.uv_log is None or outcome.uv_log[:2] == outcome.log[:2]


@needs_nginx
@pytest.mark.parametrize("where", ["flag", "env", "file"])
def test_keyring_with_the_user_name_of_the_url(both: Both, where: str) -> None:
    """uv's subprocess keyring provider (--keyring-provider, UV_KEYRING_PROVIDER,
    keyring-provider in uv.toml): ``keyring get <index URL> <user>``, asked once for the
    process (the page and the metadata file share it). uv asks before the first request
    when the URL holds a user name; indexclient only after the server's 401, so that a
    run that needs no password starts no process: the arguments are the same."""
    url = both.nginx.index("auth", USER)
    clean = both.nginx.index("auth")
    both.keyring.table = {f"{clean} {USER}": PASSWORD}
    both.keyring.write()
    args: tuple[str, ...] = ("-i", url)
    env = {}
    if where == "flag":
        args += ("--keyring-provider", "subprocess")
    elif where == "env":
        env["UV_KEYRING_PROVIDER"] = "subprocess"
    else:
        args += ("--config-file", both.config('keyring-provider = "subprocess"\n'))
    outcome = both.run(*args, env=env)
    found(outcome)
    assert outcome.calls == [["get", clean, USER]]
    assert outcome.uv_calls in (None, outcome.calls)
    assert ("/simple/demo/", 200, USER) in outcome.log


@needs_nginx
def test_keyring_falls_back_to_the_host(both: Both) -> None:
    """uv: when the index URL has no entry (the command exits non-zero), the keyring is
    asked for ``host:port`` (a port other than the scheme's)."""
    url = both.nginx.index("auth", USER)
    both.keyring.table = {f"{both.nginx.hostport} {USER}": PASSWORD}
    both.keyring.write()
    outcome = both.run("-i", url, "--keyring-provider", "subprocess")
    found(outcome)
    expected = [["get", both.nginx.index("auth"), USER], ["get", both.nginx.hostport, USER]]
    assert outcome.calls == expected
    assert outcome.uv_calls in (None, expected)


@needs_nginx
def test_keyring_for_an_index_that_always_authenticates(both: Both) -> None:
    """uv: with authenticate = "always" and no user name, the keyring is asked for both,
    ``keyring get <index URL> --mode creds`` (a user name and a password on two lines),
    before the first request, which is then sent with them."""
    clean = both.nginx.index("auth")
    both.keyring.table = {f"{clean} --mode creds": f"{USER}\n{PASSWORD}"}
    both.keyring.write()
    path = both.config(
        f'[[index]]\nname = "p"\nurl = "{clean}"\ndefault = true\nauthenticate = "always"\n'
    )
    outcome = both.run("--config-file", path, "--keyring-provider", "subprocess")
    found(outcome)
    assert outcome.calls == [["get", clean, "--mode", "creds"]]
    assert outcome.uv_calls in (None, outcome.calls)
    assert outcome.log[0] == ("/simple/demo/", 200, USER)


@needs_nginx
def test_a_run_that_needs_no_credentials_starts_no_keyring(both: Both) -> None:
    """uv: without a user name (and authenticate = "auto") the keyring is not asked; a
    public index gets no Authorization. indexclient asks it only after a refusal, so
    even a user name in the URL of a public index starts no process (uv would ask)."""
    outcome = both.run(
        "-i", both.nginx.index("open"), "--keyring-provider", "subprocess", site="open"
    )
    found(outcome)
    assert outcome.calls == []
    assert outcome.uv_calls in (None, [])
    assert {user for _, _, user in outcome.log} == {""}
    mine = both.run(
        "-i",
        both.nginx.index("open", USER),
        "--keyring-provider",
        "subprocess",
        site="open",
        uv=False,
    )
    assert mine.code == 0, mine.err
    assert mine.calls == []


@needs_nginx
def test_always_without_credentials_sends_no_request(both: Both) -> None:
    """uv: an index with authenticate = "always" for which no credentials are found
    fails before its first request ("Missing credentials"), exit status 2."""
    path = both.config(
        f'[[index]]\nname = "p"\nurl = "{both.nginx.index("auth")}"\n'
        'default = true\nauthenticate = "always"\n'
    )
    outcome = both.run("--config-file", path)
    assert outcome.code == 2, outcome.err
    assert outcome.log == []
    assert 'authenticate = "always"' in outcome.err
    assert "UV_INDEX_P_USERNAME" in outcome.err
    if outcome.uv is not None:
        assert outcome.uv.code == 2, outcome.uv.err
        assert outcome.uv_log == []


@needs_nginx
def test_never_sends_only_what_the_index_url_holds(both: Both) -> None:
    """uv: with authenticate = "never" nothing is looked up (netrc is not read), and
    the credentials written in the index URL go with its own pages only (reqwest sends a
    URL's userinfo): the metadata file beside them gets none, and the server's 401
    stops the run. (``uv pip compile --no-deps`` reads the page only, and succeeds;
    without --no-deps it fetches the metadata file and fails with the same 401, as
    checked by hand with uv 0.13.9.)"""
    netrc = both.work / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    url = both.nginx.index("auth", f"{USER}:{PASSWORD}")
    path = both.config(
        f'[[index]]\nname = "p"\nurl = "{url}"\ndefault = true\nauthenticate = "never"\n'
    )
    outcome = both.run("--config-file", path, env={"NETRC": str(netrc)})
    refused(dataclasses.replace(outcome, uv=None))
    assert outcome.log[0] == ("/simple/demo/", 200, USER)
    assert outcome.log[1:] == [("/files/demo-1.0-py3-none-any.whl.metadata", 401, "")]
    # uv compiles --no-deps and stops at the page; the same request and credentials.
    assert outcome.uv_log in (None, pages(outcome.log))
    # And without the URL's: the page itself is refused, netrc unread.
    path = both.config(
        f'[[index]]\nname = "p"\nurl = "{both.nginx.index("auth")}"\n'
        'default = true\nauthenticate = "never"\n'
    )
    outcome = both.run("--config-file", path, env={"NETRC": str(netrc)})
    refused(outcome)
    assert outcome.log == [("/simple/demo/", 401, "")]
    assert outcome.uv_log in (None, outcome.log)
    assert 'not asked: authenticate = "never"' in str(outcome.error["message"])


# --------------------------------------------------------------------------- refusals


@needs_nginx
def test_401_names_the_sources_tried_and_how_to_give_credentials(both: Both) -> None:
    """uv: a 401 from the index stops the search ("could not be queried due to a lack
    of valid authentication credentials"); indexclient names each source it consulted
    for that origin and what it held, and the --json error carries the kind."""
    path = both.config(f'[[index]]\nname = "corp"\nurl = "{both.nginx.index("auth")}"\n')
    outcome = both.run("--config-file", path, "--default-index", both.nginx.index("open"))
    refused(outcome)
    message, hint = str(outcome.error["message"]), str(outcome.error["hint"])
    assert "HTTP 401" in message
    assert "no credentials were sent" in message
    for source in ("URL (none)", "UV_INDEX_CORP_USERNAME/PASSWORD (not set)", "netrc", "keyring"):
        assert source in message
    assert "UV_INDEX_CORP_USERNAME" in hint
    assert "--keyring-provider subprocess" in hint
    # The next index (which has the project) is not asked: a 401 is not "not here".
    assert outcome.log == [("/simple/demo/", 401, "")]


@needs_nginx
def test_refused_credentials_say_where_they_came_from(both: Both) -> None:
    """uv: a wrong password is sent as given and the 401 fails the run; indexclient says
    whose credentials were refused, never their value, even at -vv."""
    url = both.nginx.index("auth", f"{USER}:wrong-{PASSWORD}")
    outcome = both.run("-i", url, verbose=True)
    refused(outcome)
    assert "the credentials from URL were refused" in str(outcome.error["message"])
    assert outcome.log == [("/simple/demo/", 401, USER)]
    for secret in secrets_of(USER, f"wrong-{PASSWORD}"):
        assert secret not in outcome.out + outcome.err


@needs_nginx
@pytest.mark.parametrize("source", ["url", "env", "keyring"])
def test_an_awkward_password_works_and_is_never_shown(both: Both, source: str) -> None:
    """uv: a password with ``@``, ``:``, ``/`` and non-ASCII letters, percent-encoded in
    a URL, is sent as UTF-8 and accepted; nothing at -vv shows it."""
    clean = both.nginx.index("auth")
    env: dict[str, str] = {}
    args: tuple[str, ...]
    if source == "url":
        args = ("-i", both.nginx.index("auth", f"{ODD_USER}:{quote(ODD_PASSWORD, safe='')}"))
    elif source == "env":
        args = ("--config-file", both.config(f'[[index]]\nname = "odd"\nurl = "{clean}"\n'))
        env = {"UV_INDEX_ODD_USERNAME": ODD_USER, "UV_INDEX_ODD_PASSWORD": ODD_PASSWORD}
    else:
        both.keyring.table = {f"{clean} {ODD_USER}": ODD_PASSWORD}
        both.keyring.write()
        args = ("-i", both.nginx.index("auth", ODD_USER), "--keyring-provider", "subprocess")
    outcome = both.run(*args, env=env, verbose=True)
    found(outcome)
    assert ("/simple/demo/", 200, ODD_USER) in outcome.log
    for secret in secrets_of(ODD_USER, ODD_PASSWORD):
        assert secret not in outcome.out + outcome.err
    # Nor in the cache, which keeps pages but never what was sent for them.
    cached = [path for path in (both.work / "cache").rglob("*") if path.is_file()]
    # The page and the metadata file were cached, in the database.
    assert cache_db.database(both.work / "cache") in cached
    for path in cached:
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets_of(ODD_USER, ODD_PASSWORD):
                assert secret.encode() not in data, path


@needs_nginx
def test_config_show_names_the_keyring_provider_and_its_origin(both: Both) -> None:
    """uv's keyring-provider: the flag wins over UV_KEYRING_PROVIDER, which wins over
    the file; config show says which."""
    path = both.config('keyring-provider = "disabled"\n')
    with both.monkeypatch.context() as patch:
        patch.setenv("UV_NO_CONFIG", "1")
        patch.delenv("UV_KEYRING_PROVIDER", raising=False)
        shown = run_cli(both.capsys, "config", "show", "--config-file", path)
        assert "keyring-provider" in shown.out, shown.out
        assert str(path) in shown.out, shown.out
        patch.setenv("UV_KEYRING_PROVIDER", "subprocess")
        shown = run_cli(both.capsys, "config", "show", "--config-file", path)
        assert "UV_KEYRING_PROVIDER" in shown.out, shown.out
        shown = run_cli(
            both.capsys,
            "config",
            "show",
            "--config-file",
            path,
            "--keyring-provider",
            "disabled",
        )
        assert "--keyring-provider" in shown.out, shown.out


def test_401_and_403_in_ignore_error_codes_pass_to_the_next_index(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """uv: an index's ignore-error-codes decide which statuses mean "not on this index":
    with 401 or 403 listed, the next index is asked; without, 403 stops the search with
    an AuthenticationError of kind "forbidden" whose hint names ignore-error-codes."""
    for lab in serve_lab():
        for code, kind in ((401, "unauthorized"), (403, "forbidden")):
            path = tmp_path / f"uv{code}.toml"
            path.write_text(
                f'[[index]]\nurl = "{lab.status(code)}"\nignore-error-codes = [{code}]\n'
            )
            passed = _lab_run(capsys, monkeypatch, tmp_path, lab, "--config-file", str(path))
            assert passed[0] == 0, passed
            assert passed[1]["version"] == "2.0", passed
            stopped = _lab_run(capsys, monkeypatch, tmp_path, lab, "--index", lab.status(code))
            assert stopped[0] == 1, stopped
            error = stopped[1]["error"]
            assert isinstance(error, dict)
            assert (error["type"], error["kind"]) == ("AuthenticationError", kind)
            if code == 403:
                assert "ignore-error-codes = [403]" in error["hint"]
            if UV is not None:
                src = tmp_path / "r.in"
                src.write_text("foo\n")
                work = tmp_path / f"uv{code}"
                work.mkdir()
                ok_uv = uv_compile(
                    UV, src, work, ("--config-file", str(path), "--default-index", lab.b)
                )
                assert ok_uv.versions == {"foo": "2.0"}, ok_uv.err
                no_uv = uv_compile(
                    UV, src, work, ("--index", lab.status(code), "--default-index", lab.b)
                )
                assert no_uv.code != 0, no_uv


def _lab_run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    work: Path,
    lab: Lab,
    *args: str,
) -> tuple[int, dict[str, object]]:
    with monkeypatch.context() as patch:
        patch.setenv("UV_NO_CONFIG", "1")
        patch.setenv("NETRC", os.devnull)
        patch.chdir(work)
        result = run_cli(
            capsys, "metadata", "foo", "--json", "--no-cache", "-q", *args, "--default-index", lab.b
        )
    [entry] = json.loads(result.out)
    return result.code, entry


# --------------------------------------------------------------------------- hostile


def _client(ca_env: Mapping[str, str], credentials: Credentials) -> HttpClient:
    return HttpClient(
        make_trust(ca_env),
        trust_env=False,
        credentials=credentials,
        retry=RetryPolicy(retries=0),
    )


async def _fetch(
    ca_env: Mapping[str, str], credentials: Credentials, url: str
) -> tuple[Response, IndexClientError]:
    """The answer for ``url``, and the error its status would be."""
    async with _client(ca_env, credentials) as http:
        response = await http.get(url)
        return response, http.status_error(url, response.status, "the page")


async def test_a_server_that_refuses_forever_is_asked_twice(
    tls: ssl.SSLContext, ca_env: dict[str, str], keyring: FakeKeyring, tmp_path: Path
) -> None:
    """uv: after a refusal the request is made again once, with what netrc or the
    keyring gave, and the second refusal is the answer: no loop. The keyring is asked
    once for the process, however many requests the realm refuses."""
    async with fault_server(tls) as server:
        server.script("/simple/a/", status(401))
        server.script("/simple/b/", status(401))
        hostport = server.url.split("//")[1].rstrip("/")
        keyring.table = {f"{hostport} {USER}": PASSWORD}
        keyring.write()
        credentials = Credentials(
            [f"{server.url.replace('https://', f'https://{USER}@')}simple/"],
            {"PATH": keyring.path, "NETRC": os.devnull},
            keyring="subprocess",
        )
        async with _client(ca_env, credentials) as http:
            first = await http.get(server.url + "simple/a/")
            second = await http.get(server.url + "simple/b/")
            error = http.status_error(server.url + "simple/b/", 401, "the page")
    assert (first.status, second.status) == (401, 401)
    # Each page: once with the URL's user name alone, once with the keyring's password.
    assert len(server.requests) == 4
    assert keyring.calls() == [["get", f"{server.url}simple/a/", USER], ["get", hostport, USER]]
    assert isinstance(error, AuthenticationError)
    assert "the credentials from keyring were refused" in str(error)


async def test_a_keyring_that_hangs_is_stopped(
    tls: ssl.SSLContext, ca_env: dict[str, str], keyring: FakeKeyring
) -> None:
    """The keyring command is bounded (uv's is not): past the lookup's timeout it is
    killed, a warning says so, and the server's 401 is the answer."""
    keyring.mode = "hang"
    keyring.write()
    async with fault_server(tls) as server:
        server.script("/simple/", status(401))
        credentials = Credentials(
            [server.url.replace("https://", f"https://{USER}@") + "simple/"],
            {"PATH": keyring.path, "NETRC": os.devnull},
            keyring="subprocess",
            keyring_timeout=0.3,
        )
        with pytest.warns(ConfigurationWarning, match="did not answer within 0.3 seconds"):
            response, error = await _fetch(ca_env, credentials, server.url + "simple/")
    assert response.status == 401
    assert "no answer within 0.3 seconds" in str(error)
    for pid in keyring.pids.read_text().split():
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


async def test_a_keyring_with_huge_output_is_ignored(
    tls: ssl.SSLContext, ca_env: dict[str, str], keyring: FakeKeyring
) -> None:
    """At most MAX_KEYRING_OUTPUT bytes of the command's output are read; more is no
    password, and the request is not made again."""
    keyring.mode = "huge"
    keyring.write()
    async with fault_server(tls) as server:
        server.script("/simple/", status(401))
        credentials = Credentials(
            [server.url.replace("https://", f"https://{USER}@") + "simple/"],
            {"PATH": keyring.path, "NETRC": os.devnull},
            keyring="subprocess",
        )
        with pytest.warns(ConfigurationWarning, match="larger than"):
            response, _ = await _fetch(ca_env, credentials, server.url + "simple/")
    assert response.status == 401
    assert len(server.requests) == 1


async def test_a_keyring_that_exits_non_zero_has_no_credentials(
    tls: ssl.SSLContext, ca_env: dict[str, str], keyring: FakeKeyring
) -> None:
    """uv: a non-zero exit means "nothing here": the next service is asked, then the
    refusal stands, and the message says the keyring had nothing for the user."""
    async with fault_server(tls) as server:
        server.script("/simple/", status(401))
        credentials = Credentials(
            [server.url.replace("https://", f"https://{USER}@") + "simple/"],
            {"PATH": keyring.path, "NETRC": os.devnull},
            keyring="subprocess",
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            async with _client(ca_env, credentials) as http:
                response = await http.get(server.url + "simple/")
                error = http.status_error(server.url + "simple/", 401, "the page")
    assert response.status == 401
    assert len(keyring.calls()) == 2  # the index URL, then host:port
    assert f"keyring (no credentials for {USER})" in str(error)
    assert "a user name from URL was sent" in str(error)


async def test_credentials_never_follow_a_redirect_to_another_origin(
    tls: ssl.SSLContext, ca_env: dict[str, str], keyring: FakeKeyring
) -> None:
    """uv: credentials belong to their realm (scheme, host, port): a redirect to another
    port gets no Authorization, whether they came from the URL or from the keyring."""
    async with fault_server(tls) as there, fault_server(tls) as here:
        there.script("/d/", ok(b"<html></html>"))
        here.script("/simple/", redirect(there.url + "d/"))
        here.script("/private/", [status(401), redirect(there.url + "d/")])
        keyring.table = {f"{here.url}private/ {USER}": PASSWORD}
        keyring.write()
        credentials = Credentials(
            [here.url.replace("https://", f"https://{USER}:{PASSWORD}@") + "simple/"],
            {"PATH": keyring.path, "NETRC": os.devnull},
            keyring="subprocess",
        )
        async with _client(ca_env, credentials) as http:
            assert (await http.get(here.url + "simple/")).status == 200
        credentials = Credentials(
            [here.url.replace("https://", f"https://{USER}@") + "private/"],
            {"PATH": keyring.path, "NETRC": os.devnull},
            keyring="subprocess",
        )
        async with _client(ca_env, credentials) as http:
            assert (await http.get(here.url + "private/")).status == 200
    assert all(r.headers.get("Authorization") for r in here.requests[-2:])
    assert [r.headers.get("Authorization") for r in there.requests] == [None, None]


async def test_a_proxy_407_says_how_to_give_the_proxy_credentials(
    tls: ssl.SSLContext, ca_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy that wants credentials: a ProxyAuthenticationError (kind
    "proxy-authentication", an AuthenticationError), whose hint is the proxy URL."""
    async with fault_server(tls) as server, connect_proxy(auth=("p", "q")) as proxy:
        server.script("/simple/", ok(b"x"))
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NETRC", os.devnull)
        async with HttpClient(make_trust(ca_env), retry=RetryPolicy(retries=0)) as http:
            with pytest.raises(ProxyAuthenticationError) as caught:
                await http.get(server.url + "simple/")
    assert isinstance(caught.value, AuthenticationError)
    assert caught.value.kind == "proxy-authentication"
    assert caught.value.status == 407
    assert "HTTPS_PROXY=http://user:password@" in str(caught.value.hint)
    assert "proxy URL (none)" in str(caught.value)


def test_keyring_services_in_uvs_order() -> None:
    """uv's services: the index URL, then the host (with a port other than the
    scheme's), then, for plain http, scheme://host."""
    assert services_for("https://h.test/simple/") == ["https://h.test/simple/", "h.test"]
    assert services_for("https://h.test:8443/s/") == ["https://h.test:8443/s/", "h.test:8443"]
    assert services_for("http://h.test/s/") == ["http://h.test/s/", "h.test", "http://h.test"]


async def test_a_colon_in_a_password_is_sent_as_given(
    tls: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    """uv: a percent-encoded ``:`` (and ``@``) in a URL's password is decoded and sent
    in the Basic token as UTF-8; nothing splits it."""
    password = "a:b@c/ü"
    async with fault_server(tls) as server:
        server.script("/simple/", ok(b"x"))
        url = server.url.replace("https://", f"https://{USER}:{quote(password, safe='')}@")
        credentials = Credentials([url + "simple/"], {"NETRC": os.devnull})
        async with _client(ca_env, credentials) as http:
            await http.get(server.url + "simple/")
    [request] = server.requests
    assert request.headers["Authorization"] == f"Basic {secrets_of(USER, password)[2]}"
