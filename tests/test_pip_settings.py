"""pip's settings, read as the lowest layer (README, "pip's settings"; docs/trust.md).

indexclient reads the pip settings that matter to an index client: ``index-url``,
``extra-index-url``, ``find-links``, ``trusted-host``, ``cert``, ``client-cert`` and
``no-index``, from the ``PIP_*`` variables and from pip's configuration files, found and
combined as pip does it (``pip config debug`` lists the files; pip's ``configuration.py``
and its option parser combine them: files global, user, site, ``PIP_CONFIG_FILE``; within
them the ``[global]`` section, then ``[install]``, then the variables). Where pip is
installed beside the test interpreter, the file order and the precedence are compared
with pip itself on the same files (``pip config debug``, ``pip install --dry-run`` against
the lab's indexes on 127.0.0.1).

**Where indexclient deliberately differs from uv**: uv reads none of pip's settings
(:func:`test_uv_reads_none_of_pips_settings` runs uv 0.13 on the same setup). Every uv
setting wins over pip's, so a user's uv configuration means what it means in uv; pip's
settings only fill what uv's leave unset.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from aiohttp import web
from conftest import Pki, fetch
from test_cli_support import demo_index, isolate, routes, run_cli, running_server

from indexclient import Settings, pipconf
from indexclient.errors import CertificateVerificationError, ConfigurationWarning
from indexclient.testing.pki import CertificateAuthority, self_signed_leaf, server_context
from indexclient.testing.servers import serve_https
from indexclient.userfiles import MAX_CONFIG_FILE
from support.index_lab import Lab, find_uv, serve_lab, uv_compile

PYTHON = sys.executable
UV = find_uv()
posix_only = pytest.mark.skipif(os.name == "nt", reason="FIFOs and XDG paths are POSIX")


def _has_pip() -> bool:
    done = subprocess.run(
        [PYTHON, "-m", "pip", "--version"], capture_output=True, timeout=60, check=False
    )
    return done.returncode == 0


HAS_PIP = _has_pip()
needs_pip = pytest.mark.skipif(not HAS_PIP, reason="pip is not installed beside the tests")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    yield from serve_lab()


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def environ(tmp_path: Path, **values: str | None) -> dict[str, str]:
    """A whole environment for pip's file discovery, inside ``tmp_path``; a value of
    None removes the variable (``PIP_CONFIG_FILE=None``: pip's own files are read)."""
    env: dict[str, str | None] = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-home"),
        "XDG_CONFIG_DIRS": str(tmp_path / "xdg-dirs"),
        "PIP_CONFIG_FILE": os.devnull,
        **values,
    }
    return {k: v for k, v in env.items() if v is not None}


def discover(env: Mapping[str, str], cwd: Path, **arguments: object) -> Settings:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigurationWarning)
        return Settings.discover(dict(env), cwd=str(cwd), **arguments)  # type: ignore[arg-type]


def discover_warning(env: Mapping[str, str], cwd: Path) -> tuple[Settings, str]:
    """The settings and the one warning they gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        settings = Settings.discover(dict(env), cwd=str(cwd))
    messages = [str(w.message) for w in caught if issubclass(w.category, ConfigurationWarning)]
    assert len(messages) == 1, messages
    return settings, messages[0]


def show(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    result = run_cli(capsys, "config", "show", "--json", *argv)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def setting(data: Mapping[str, object], name: str) -> object:
    settings = data["settings"]
    assert isinstance(settings, dict)
    return settings[name]


# --------------------------------------------------------------------------- each key


def test_each_variable_is_read_with_its_origin(tmp_path: Path, lab: Lab) -> None:
    links = tmp_path / "links"
    links.mkdir()
    ca = tmp_path / "ca.pem"
    client = tmp_path / "client.pem"
    env = environ(
        tmp_path,
        PIP_INDEX_URL=lab.a,
        PIP_EXTRA_INDEX_URL=f"{lab.b}\n  {lab.v}",  # pip's lists: any whitespace
        PIP_FIND_LINKS=f"{links} {lab.flat}",
        PIP_TRUSTED_HOST="127.0.0.1 localhost:8443",
        PIP_CERT=str(ca),
        PIP_CLIENT_CERT=str(client),
        PIP_NO_INDEX="yes",
    )
    settings = discover(env, tmp_path)
    assert settings.index_url is not None
    assert (settings.index_url.url, str(settings.index_url.origin)) == (
        lab.a,
        "PIP_INDEX_URL (environment)",
    )
    assert [(s.url, str(s.origin)) for s in settings.extra_indexes] == [
        (lab.b, "PIP_EXTRA_INDEX_URL (environment)"),
        (lab.v, "PIP_EXTRA_INDEX_URL (environment)"),
    ]
    assert [(s.url, str(s.origin)) for s in settings.find_links] == [
        (links.as_uri(), "PIP_FIND_LINKS (environment)"),
        (lab.flat, "PIP_FIND_LINKS (environment)"),
    ]
    assert [(h.raw, h.origin) for h in settings.insecure_hosts] == [
        ("127.0.0.1", "PIP_TRUSTED_HOST (environment)"),
        ("localhost:8443", "PIP_TRUSTED_HOST (environment)"),
    ]
    assert settings.ssl_cert_file is not None
    assert settings.client_cert is not None
    assert (settings.ssl_cert_file.value, str(settings.ssl_cert_file.origin)) == (
        str(ca),
        "PIP_CERT (environment)",
    )
    assert (settings.client_cert.value, str(settings.client_cert.origin)) == (
        str(client),
        "PIP_CLIENT_CERT (environment)",
    )
    assert (settings.no_index.value, str(settings.no_index.origin)) == (
        True,
        "PIP_NO_INDEX (environment)",
    )


def test_each_config_file_key_is_read_with_its_file_and_section(
    tmp_path: Path, lab: Lab, capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    links = tmp_path / "links"
    links.mkdir()
    conf = write(
        tmp_path / "pip.conf",
        f"[global]\n"
        f"index-url = {lab.a}\n"
        f"extra-index-url =\n    {lab.b}\n    {lab.v}\n"
        f"trusted-host = 127.0.0.1\n"
        f"cert = ~/ca.pem\n"
        f"[install]\n"
        f"find-links = {links}\n"
        f"client_cert = {tmp_path / 'client.pem'}\n"  # pip's spelling: _ is -
        f"no-index = off\n",
    )
    env = environ(tmp_path, PIP_CONFIG_FILE=str(conf))
    settings = discover(env, tmp_path)
    in_global, in_install = f"in {conf} [global]", f"in {conf} [install]"
    assert settings.index_url is not None
    assert str(settings.index_url.origin) == f"index-url {in_global}"
    assert [(s.url, str(s.origin)) for s in settings.extra_indexes] == [
        (lab.b, f"extra-index-url {in_global}"),
        (lab.v, f"extra-index-url {in_global}"),
    ]
    assert [(s.url, str(s.origin)) for s in settings.find_links] == [
        (links.as_uri(), f"find-links {in_install}")
    ]
    assert [h.origin for h in settings.insecure_hosts] == [f"trusted-host {in_global}"]
    assert settings.ssl_cert_file is not None
    assert settings.client_cert is not None
    # pip expands ~ in its path options.
    assert settings.ssl_cert_file.value == str(tmp_path / "home" / "ca.pem")
    assert str(settings.ssl_cert_file.origin) == f"cert {in_global}"
    assert str(settings.client_cert.origin) == f"client-cert {in_install}"
    assert (settings.no_index.value, str(settings.no_index.origin)) == (
        False,
        f"no-index {in_install}",
    )
    # PIP_CONFIG_FILE comes last; pip's global files are read before it.
    assert settings.pip_config_files[-1] == str(conf)

    # config show: the same origins, in --json and on the table.
    os.environ["PIP_CONFIG_FILE"] = str(conf)
    data = show(capsys)
    assert isinstance(data["pip_config_files"], list)
    assert data["pip_config_files"][-1] == str(conf)
    assert setting(data, "index-url") == {
        "value": lab.a,
        "source": f"index-url {in_global}",
        "name": None,
    }
    assert setting(data, "ssl-cert-file") == {
        "value": str(Path.home() / "ca.pem"),
        "source": f"cert {in_global}",
    }
    result = run_cli(capsys, "config", "show")
    assert f"find-links {in_install}" in result.out
    assert "pip configuration files read:\n" in result.out
    assert result.out.endswith(f"  {conf}\nconfiguration files read: none\n")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("1", True), ("True", True), ("on", True), ("y", True), ("0", False), ("OFF", False)],
)
def test_no_index_takes_pips_boolean_words(tmp_path: Path, word: str, expected: bool) -> None:
    settings = discover(environ(tmp_path, PIP_NO_INDEX=word), tmp_path)
    assert settings.no_index.value is expected


def test_no_index_leaves_only_find_links(
    capsys: pytest.CaptureFixture[str], work: Path, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip's --no-index: the indexes are not asked, find-links still are."""
    monkeypatch.setenv("PIP_INDEX_URL", lab.a)
    monkeypatch.setenv("PIP_FIND_LINKS", lab.flat)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    mark = lab.mark()
    result = run_cli(capsys, "versions", "foo", "--no-cache")
    assert (result.code, result.out) == (0, "5.0\n"), result.err
    assert lab.paths_since(mark) == ["/flat/"]


# --------------------------------------------------------------------------- pip's order


def _pip_debug_files(env: Mapping[str, str]) -> dict[str, list[str]]:
    """The files ``pip config debug`` lists, by kind (global, user, site, env), each
    kind's files in pip's order."""
    done = subprocess.run(
        [PYTHON, "-m", "pip", "config", "debug"],
        env={**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: dict[str, list[str]] = {}
    kind = ""
    for line in done.stdout.splitlines():
        if not line.startswith(" "):
            kind = line.rstrip(":")
        elif ", exists:" in line:
            found.setdefault(kind, []).append(line.strip().rsplit(", exists:", 1)[0])
    return found


@posix_only
@pytest.mark.skipif(sys.platform == "darwin", reason="the XDG layout is pip's on Linux")
def test_file_order_is_pips(tmp_path: Path) -> None:
    """Lowest first: each XDG_CONFIG_DIRS/pip/pip.conf and /etc/pip.conf (global),
    ~/.pip/pip.conf (legacy) then $XDG_CONFIG_HOME/pip/pip.conf (user), the virtual
    environment's pip.conf (site), PIP_CONFIG_FILE; a PIP_CONFIG_FILE that exists
    leaves out the user's files; os.devnull leaves out every file."""
    named = tmp_path / "named.conf"
    env = environ(
        tmp_path,
        XDG_CONFIG_DIRS=f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}",
        VIRTUAL_ENV=str(tmp_path / "venv"),
        PIP_CONFIG_FILE=str(named),
    )
    ours = [path for _, path in pipconf.config_files(env)]
    globals_ = [str(tmp_path / "a/pip/pip.conf"), str(tmp_path / "b/pip/pip.conf"), "/etc/pip.conf"]
    users = [str(tmp_path / "home/.pip/pip.conf"), str(tmp_path / "xdg-home/pip/pip.conf")]
    site = str(tmp_path / "venv/pip.conf")
    assert ours == [*globals_, *users, site, str(named)]
    named.write_text("[global]\n")
    assert [path for _, path in pipconf.config_files(env)] == [*globals_, site, str(named)]
    assert pipconf.config_files({**env, "PIP_CONFIG_FILE": os.devnull}) == []
    # Blank XDG variables mean their defaults, as in pip.
    blank = environ(tmp_path, XDG_CONFIG_DIRS=" ", XDG_CONFIG_HOME="", PIP_CONFIG_FILE=None)
    assert [path for _, path in pipconf.config_files(blank)] == [
        "/etc/xdg/pip/pip.conf",
        "/etc/pip.conf",
        str(tmp_path / "home/.pip/pip.conf"),
        str(tmp_path / "home/.config/pip/pip.conf"),
    ]
    if HAS_PIP:
        # pip lists the kinds in another order (the precedence is global, user, site,
        # env: its OVERRIDE_ORDER); its site file is its own prefix's (ours: the
        # active virtual environment's, pipconf's docstring says why).
        for case in (env, {**env, "PIP_CONFIG_FILE": str(tmp_path / "absent.conf")}):
            theirs = _pip_debug_files(case)
            assert theirs.pop("site") == [os.path.join(sys.prefix, "pip.conf")]
            ours_by_kind: dict[str, list[str]] = {}
            for kind, path in pipconf.config_files(case):
                if kind != "site":
                    ours_by_kind.setdefault(kind, []).append(path)
            assert {k: v for k, v in theirs.items() if v} == ours_by_kind


def test_a_later_file_wins_key_by_key(tmp_path: Path, lab: Lab) -> None:
    """Each file overrides the one before it for the keys it sets, in pip's order; an
    empty value in a later file clears the key."""
    dirs = tmp_path / "xdg-dirs"
    write(dirs / "pip/pip.conf", f"[global]\nindex-url = {lab.a}\nfind-links = {lab.flat}\n")
    write(tmp_path / "home/.pip/pip.conf", f"[global]\nindex-url = {lab.b}\n")
    write(tmp_path / "xdg-home/pip/pip.conf", f"[global]\nindex-url = {lab.v}\n")
    env = environ(tmp_path, PIP_CONFIG_FILE=None)
    settings = discover(env, tmp_path)
    assert settings.index_url is not None
    assert str(settings.index_url.origin) == (
        f"index-url in {tmp_path / 'xdg-home/pip/pip.conf'} [global]"
    )
    assert [s.url for s in settings.find_links] == [lab.flat]
    site = write(tmp_path / "venv/pip.conf", f"[global]\nindex-url = {lab.a}\nfind-links =\n")
    settings = discover({**env, "VIRTUAL_ENV": str(tmp_path / "venv")}, tmp_path)
    assert settings.index_url is not None
    assert str(settings.index_url.origin) == f"index-url in {site} [global]"
    assert settings.find_links == ()


def _pip_chooses(env: Mapping[str, str], cwd: Path, requirement: str) -> tuple[str, str]:
    """What ``pip install --dry-run`` picks for ``requirement``: version and URL."""
    done = subprocess.run(
        [
            *(PYTHON, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed"),
            *("--quiet", "--disable-pip-version-check", "--report", "-", requirement),
        ],
        env={**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (chosen,) = json.loads(done.stdout)["install"]
    return chosen["metadata"]["version"], chosen["download_info"]["url"]


def test_install_section_overrides_global_and_variables_override_both(
    tmp_path: Path, lab: Lab, capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    """pip's sections count before its files: ``[install]`` wins over ``[global]``
    whatever the file order, and a variable over both; a variable replaces a list of
    the files (pip does not join them)."""
    early = write(tmp_path / "xdg-dirs/pip/pip.conf", f"[install]\nindex-url = {lab.b}\n")
    late = write(tmp_path / "xdg-home/pip/pip.conf", f"[global]\nindex-url = {lab.a}\n")
    env = environ(tmp_path, PIP_CONFIG_FILE=None)
    settings = discover(env, tmp_path)
    assert settings.index_url is not None
    assert (settings.index_url.url, str(settings.index_url.origin)) == (
        lab.b,
        f"index-url in {early} [install]",
    )
    if HAS_PIP:
        assert _pip_chooses(env, tmp_path, "foo") == (
            "2.0",
            f"{lab.base}b/files/foo-2.0-py3-none-any.whl",
        )
    write(late, f"[global]\nindex-url = {lab.a}\nextra-index-url = {lab.v}\n")
    both = {**env, "PIP_INDEX_URL": lab.a, "PIP_EXTRA_INDEX_URL": lab.b}
    settings = discover(both, tmp_path)
    assert settings.index_url is not None
    assert str(settings.index_url.origin) == "PIP_INDEX_URL (environment)"
    assert [(s.url, str(s.origin)) for s in settings.extra_indexes] == [
        (lab.b, "PIP_EXTRA_INDEX_URL (environment)")
    ]
    if HAS_PIP:
        # The file's extra index (v: foo 9.0) is replaced by PIP_EXTRA_INDEX_URL.
        assert _pip_chooses(both, tmp_path, "foo")[0] == "2.0"


# --------------------------------------------------------------------------- uv wins


def test_uv_settings_win_over_pips(tmp_path: Path, lab: Lab) -> None:
    """Every uv source (flags, UV_* variables, uv.toml) is above pip's: the default index
    is uv's when uv names one, uv's extra indexes and find-links come before pip's, and
    uv.toml's no-index, true or false, replaces pip's."""
    links = tmp_path / "links"
    links.mkdir()
    pip = {
        "PIP_INDEX_URL": lab.a,
        "PIP_EXTRA_INDEX_URL": lab.b,
        "PIP_FIND_LINKS": str(links),
        "PIP_NO_INDEX": "1",
    }
    env = environ(tmp_path, **pip, UV_INDEX_URL=lab.v, UV_EXTRA_INDEX_URL=lab.flat)
    settings = discover(env, tmp_path)
    assert settings.index_url is not None
    assert str(settings.index_url.origin) == "UV_INDEX_URL (environment)"
    assert [str(s.origin) for s in settings.extra_indexes] == [
        "UV_EXTRA_INDEX_URL (environment)",
        "PIP_EXTRA_INDEX_URL (environment)",
    ]

    uv_toml = write(
        tmp_path / "uv.toml",
        f'index-url = "{lab.v}"\nfind-links = ["{lab.flat}"]\nno-index = false\n',
    )
    settings = discover(environ(tmp_path, **pip), tmp_path, config_file=str(uv_toml))
    assert settings.index_url is not None
    assert str(settings.index_url.origin) == f"index-url in {uv_toml}"
    assert [s.url for s in settings.find_links] == [lab.flat, links.as_uri()]
    assert str(settings.no_index.origin) == f"no-index in {uv_toml}"

    settings = discover(environ(tmp_path, **pip), tmp_path, index_url="https://127.0.0.1:1/x/")
    assert settings.index_url is not None
    assert str(settings.index_url.origin) == "index_url= (argument)"


def test_uv_trust_settings_replace_pips_cert(tmp_path: Path, pki: Pki) -> None:
    """pip's cert is the lowest rung of the trust sources: SSL_CERT_FILE, SSL_CERT_DIR
    and any system-certs setting (true or false) choose the roots instead; SSL_CLIENT_CERT
    replaces PIP_CLIENT_CERT."""
    base = environ(tmp_path, PIP_CERT=str(pki.ca_file), PIP_CLIENT_CERT="/nonexistent.pem")
    assert (
        discover(base, tmp_path)
        .trust_source()
        .describe()
        .startswith(f"custom roots PIP_CERT={pki.ca_file}")
    )
    for uv in (
        {"SSL_CERT_FILE": str(pki.ca_file)},
        {"SSL_CERT_DIR": str(pki.directory)},
        {"UV_SYSTEM_CERTS": "0"},
        {"UV_SYSTEM_CERTS": "1"},
    ):
        settings = discover({**base, **uv}, tmp_path)
        assert settings.ssl_cert_file is None or "PIP" not in str(settings.ssl_cert_file.origin), uv
    settings = discover({**base, "SSL_CLIENT_CERT": "/other.pem"}, tmp_path)
    assert settings.client_cert is not None
    assert str(settings.client_cert.origin) == "SSL_CLIENT_CERT (environment)"


@pytest.mark.skipif(UV is None, reason="uv is not installed")
def test_uv_reads_none_of_pips_settings(tmp_path: Path, lab: Lab) -> None:
    """The one place indexclient differs from uv on purpose: uv 0.13 ignores every PIP_*
    variable and pip's files (here: ``secret`` is only on the vendor index, ``qux``
    only on the find-links page, ``foo`` is on uv's index), indexclient reads them
    below uv's settings."""
    conf = write(tmp_path / "pip.conf", f"[install]\nextra-index-url = {lab.v}\n")
    assert UV is not None
    cases: list[tuple[dict[str, str], str, str | None]] = [
        ({"PIP_EXTRA_INDEX_URL": lab.v}, "secret", "1.0"),
        ({"PIP_CONFIG_FILE": str(conf)}, "secret", "1.0"),
        ({"PIP_FIND_LINKS": lab.flat}, "qux", "1.0"),
        ({"PIP_NO_INDEX": "1"}, "foo", None),
    ]
    for pip, requirement, ours in cases:
        src = write(tmp_path / "requirements.in", f"{requirement}\n")
        env = {"UV_INDEX_URL": lab.b, **pip}
        uv = uv_compile(UV, src, tmp_path, env=env)
        if requirement == "foo":
            assert (uv.code, uv.versions) == (0, {"foo": "2.0"}), uv.err
        else:
            assert uv.code != 0, uv
            assert "not found" in uv.err, uv
        settings = discover(environ(tmp_path, **env), tmp_path)
        if ours is None:
            assert settings.no_index.value is True
        else:
            found = [s.url for s in (*settings.extra_indexes, *settings.find_links)]
            assert found == [lab.v if requirement == "secret" else lab.flat], pip


def test_uv_no_config_skips_pips_files_but_not_its_variables(tmp_path: Path, lab: Lab) -> None:
    conf = write(tmp_path / "pip.conf", f"[global]\nindex-url = {lab.a}\n")
    env = environ(tmp_path, PIP_CONFIG_FILE=str(conf), UV_NO_CONFIG="1")
    assert discover(env, tmp_path).index_url is None
    settings = discover({**env, "PIP_INDEX_URL": lab.b}, tmp_path)
    assert settings.index_url is not None
    assert settings.index_url.url == lab.b


# --------------------------------------------------------------------------- trust, over TLS


@pytest.fixture(scope="module")
def self_signed_index() -> Iterator[str]:
    with running_server(server_context(self_signed_leaf()), routes(demo_index())) as server:
        yield f"{server.url}simple/"


@pytest.mark.parametrize("entry", ["127.0.0.1", "127.0.0.1:{port}"])
def test_trusted_host_makes_a_self_signed_index_usable(
    capsys: pytest.CaptureFixture[str],
    work: Path,
    monkeypatch: pytest.MonkeyPatch,
    self_signed_index: str,
    entry: str,
) -> None:
    """pip's trusted-host, a host or host:port, is an allow-insecure-host entry."""
    monkeypatch.setenv("PIP_INDEX_URL", self_signed_index)
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    refused = run_cli(capsys, "versions", "demo-package", "--no-cache")
    assert refused.code == 3, refused.err
    port = self_signed_index.split("/")[2].split(":")[1]
    monkeypatch.setenv("PIP_TRUSTED_HOST", entry.format(port=port))
    result = run_cli(capsys, "versions", "demo-package", "--no-cache")
    assert (result.code, result.out) == (0, "1.0\n1.1\n2.0\n2.1\n"), result.err


def test_trusted_host_from_a_pip_file(
    capsys: pytest.CaptureFixture[str],
    work: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    self_signed_index: str,
) -> None:
    conf = write(
        tmp_path / "pip.conf",
        f"[global]\nindex-url = {self_signed_index}\ntrusted-host = 127.0.0.1\n",
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    result = run_cli(capsys, "versions", "demo-package", "--no-cache")
    assert result.code == 0, result.err


async def test_pip_cert_trusts_a_private_ca(tmp_path: Path, pki: Pki) -> None:
    server_ctx = server_context(pki.intermediate.issue_leaf())
    settings = discover(environ(tmp_path, PIP_CERT=str(pki.ca_file)), tmp_path)
    async with serve_https(server_ctx, _ok) as server:
        response = await fetch(settings.trust(), server.url)
        assert response.status == 200
        # Without it, the bundled roots refuse the chain.
        with pytest.raises(CertificateVerificationError):
            await fetch(discover(environ(tmp_path), tmp_path).trust(), server.url)
        # SSL_CERT_FILE is a rung above: its roots replace pip's, which are not added.
        other = CertificateAuthority.create("another root").write_cert(tmp_path / "other.pem")
        above = discover(
            environ(tmp_path, PIP_CERT=str(pki.ca_file), SSL_CERT_FILE=str(other)), tmp_path
        )
        with pytest.raises(CertificateVerificationError):
            await fetch(above.trust(), server.url)


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def test_pip_client_cert_is_presented_to_an_mtls_server(tmp_path: Path, pki: Pki) -> None:
    client_ca = CertificateAuthority.create("pip client ca")
    paths = client_ca.issue_leaf(hosts=("pip-client.example",), client=True, server=False).write(
        tmp_path, "client"
    )
    server_ctx = server_context(pki.root.issue_leaf(), client_ca=client_ca)

    async def whoami(request: web.Request) -> web.Response:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        return web.Response(text="client" if ssl_object and ssl_object.getpeercert() else "-")

    conf = write(
        tmp_path / "pip.conf", f"[global]\ncert = {pki.ca_file}\nclient-cert = {paths.pem}\n"
    )
    for env in (
        environ(tmp_path, PIP_CERT=str(pki.ca_file), PIP_CLIENT_CERT=str(paths.pem)),
        environ(tmp_path, PIP_CONFIG_FILE=str(conf)),
    ):
        settings = discover(env, tmp_path)
        trust = settings.trust()
        assert trust.identity is not None
        assert trust.identity.subject == "CN=pip-client.example"
        async with serve_https(server_ctx, whoami) as server:
            response = await fetch(trust, server.url)
        assert (response.status, response.body) == (200, b"client")


def test_a_pip_cert_that_cannot_be_used_is_an_error_naming_it(
    capsys: pytest.CaptureFixture[str], work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once in effect, pip's cert is checked as SSL_CERT_FILE is: trusting other roots
    than the ones named would widen what is trusted."""
    missing = tmp_path / "missing.pem"
    monkeypatch.setenv("PIP_CERT", str(missing))
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://127.0.0.1:1/simple/")
    result = run_cli(capsys, "versions", "foo")
    assert result.code == 2, result.err
    assert f"PIP_CERT={missing}" in result.err
    assert "Traceback" not in result.err


# --------------------------------------------------------------------------- hostile files


def _one_warning(err: str, path: Path | str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"warning: pip's configuration file {path}: "), err
    assert lines[0].endswith("it is not read (PIP_CONFIG_FILE=/dev/null turns pip's files off)")
    return lines[0]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("huge", b"[global]\n" + b"#" * (MAX_CONFIG_FILE + 1), "more than the limit of"),
        ("not-utf8", b"[global]\nindex-url = \xff\xfe\n", "it is not UTF-8 text (line 2)"),
        ("two-sections", b"[global]\n[global]\n", "line 2: [global] given twice"),
        ("two-keys", b"[global]\ncert = a\ncert = b\n", "line 3: 'cert' given twice in [global]"),
        ("no-section", b"index-url = https://user:secret@127.0.0.1/\n", "a key before any"),
        ("garbage", b"[global]\nthis is not a key\n", "line 2: neither a [section]"),
    ],
)
def test_a_broken_pip_file_is_one_warning_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str],
    work: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lab: Lab,
    name: str,
    content: bytes,
    reason: str,
) -> None:
    """pip stops on such a file; indexclient names it and reads the others (a pip file
    belongs to another tool, and may be a system file the user cannot change)."""
    conf = tmp_path / f"{name}.conf"
    conf.write_bytes(content)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("UV_INDEX_URL", lab.b)
    result = run_cli(capsys, "versions", "foo", "--no-cache")
    assert (result.code, result.out) == (0, "2.0\n"), result.err
    line = _one_warning(result.err, conf)
    assert reason in line
    assert "secret" not in line  # no text of the file is quoted


def test_interpolation_syntax_is_read_literally_as_pip_reads_it(
    capsys: pytest.CaptureFixture[str], work: Path, tmp_path: Path, lab: Lab
) -> None:
    """pip parses without interpolation: ``%(name)s`` is text (a reference to a key that
    does not exist would otherwise fail when read)."""
    url = f"{lab.base}%(missing)s/simple/"
    conf = write(tmp_path / "pip.conf", f"[global]\nextra-index-url = {url}\n")
    env = environ(tmp_path, PIP_CONFIG_FILE=str(conf))
    settings = discover(env, tmp_path)
    assert [s.url for s in settings.extra_indexes] == [url]
    if HAS_PIP:
        done = subprocess.run(
            [PYTHON, "-m", "pip", "config", "list"],
            env={**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert f"global.extra-index-url='{url}'" in done.stdout.splitlines()


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("PIP_NO_INDEX", "maybe", "'maybe' is not a boolean"),
        ("PIP_TRUSTED_HOST", "user@127.0.0.1", "user information"),
        ("PIP_INDEX_URL", "ftp://127.0.0.1/simple", ""),
    ],
)
def test_a_pip_value_that_cannot_be_used_is_one_warning(
    tmp_path: Path, variable: str, value: str, problem: str
) -> None:
    settings, message = discover_warning(environ(tmp_path, **{variable: value}), tmp_path)
    assert message.startswith(f"{variable} (environment): ")
    assert problem in message
    assert message.endswith("indexclient does not use it")
    assert settings.index_url is None
    assert not settings.insecure_hosts
    assert settings.no_index.value is False


def test_a_find_links_path_that_does_not_exist_is_passed_over(tmp_path: Path) -> None:
    """pip: "Location ... is ignored: it is either a non-existing path or lacks a
    specific scheme"."""
    missing = tmp_path / "nowhere"
    settings, message = discover_warning(environ(tmp_path, PIP_FIND_LINKS=str(missing)), tmp_path)
    assert settings.find_links == ()
    assert message == (
        f"PIP_FIND_LINKS (environment): find-links location {str(missing)!r} does not "
        "exist; it is passed over, as pip passes it over"
    )


def _child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "SSL_"))}
    return {**env, **environ(tmp_path), **extra}


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_a_pip_config_file_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    """A FIFO or /dev/zero named by PIP_CONFIG_FILE would block pip or never end; here
    it is a warning (in a child process with a time limit, in case it blocked)."""
    if kind == "fifo":
        path = str(tmp_path / "pipe.conf")
        os.mkfifo(path)
        reason = "it is a FIFO (named pipe), not a regular file"
    elif kind == "dev-zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero")
        path = "/dev/zero"
        reason = "it is a character device, not a regular file"
    else:
        path = str(tmp_path)
        reason = "directory"
    done = subprocess.run(
        [PYTHON, "-m", "indexclient", "config", "show"],
        env=_child_env(tmp_path, PIP_CONFIG_FILE=path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert reason in _one_warning(done.stderr, path)


def test_pip_config_is_never_the_test_machines(tmp_path: Path) -> None:
    """conftest turns pip's files off and clears PIP_*: nothing of this machine leaks."""
    assert os.environ["PIP_CONFIG_FILE"] == os.devnull
    assert not [
        name for name in os.environ if name.startswith("PIP_") and name != "PIP_CONFIG_FILE"
    ]
    assert Settings.discover(cwd=str(tmp_path)).pip_config_files == ()


def test_pip_value_origin_str() -> None:
    value = pipconf.PipValue("index-url", "x", path="/etc/pip.conf", section="install")
    assert str(value) == "index-url in /etc/pip.conf [install]"
    assert str(pipconf.PipValue("cert", "x", variable="PIP_CERT")) == "PIP_CERT (environment)"


def test_a_chain_pips_cert_refuses_names_pips_cert_and_the_fix(
    capsys: pytest.CaptureFixture[str],
    work: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pki: Pki,
) -> None:
    """With pip's cert in effect, the error names it as the source and the hint the
    setting that works, a uv one, which replaces pip's cert as it stands: nothing to
    unset (docs/trust.md, "Errors")."""
    other = CertificateAuthority.create("not the index's root").write_cert(tmp_path / "o.pem")
    with running_server(
        server_context(pki.intermediate.issue_leaf()), routes(demo_index())
    ) as server:
        monkeypatch.setenv("PIP_CERT", str(other))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.ca_file))
        monkeypatch.setenv("UV_DEFAULT_INDEX", f"{server.url}simple/")
        monkeypatch.setenv("UV_HTTP_RETRIES", "0")
        result = run_cli(capsys, "versions", "demo-package", "--no-cache")
    assert result.code == 3, result.err
    error, hint = result.err.splitlines()
    assert f"PIP_CERT={other}" in error
    assert hint.endswith(
        f"REQUESTS_CA_BUNDLE={pki.ca_file} holds it: set SSL_CERT_FILE={pki.ca_file}."
    )
    assert "unset" not in hint
