"""The command as a real process: exit statuses, start-up imports, Ctrl-C, the demo."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Pki
from test_cli_support import EXAMPLES, PYTHON, demo_index

from indexclient import __version__
from indexclient.settings import ENV_VARS
from indexclient.testing.pki import server_context
from indexclient.testing.servers import serve_https

# Runs the command, then reports whether the HTTP stack and the cache's database were
# imported, and which modules behind the documented seams (CONTRIBUTING.md, "Imports")
# were.
SEAMS = (
    "aiohttp",
    "yarl",
    "cryptography",
    "certifi",
    "truststore",
    "packaging.requirements",
    "packaging.metadata",
    "html.parser",
    "indexclient.transport.wire",
    "indexclient.tls.diagnose",
    "indexclient.tls.alternatives",
    "indexclient.tls.identity",
    "indexclient.requirements",
    "indexclient.simple._html",
    "indexclient.simple._stdlib_html",
    "indexclient.indexes.localfs",
)
PROBE = (
    "import sys\n"
    "from indexclient.cli import run\n"
    "code = run(sys.argv[1:])\n"
    f"print('seams:', sorted(m for m in {SEAMS!r} if m in sys.modules), file=sys.stderr)\n"
    "print('sqlite3 imported:', 'sqlite3' in sys.modules, file=sys.stderr)\n"
    "print('aiohttp imported:', 'aiohttp' in sys.modules, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without TLS/uv/proxy variables, configuration inside tmp_path."""
    cleared = {*ENV_VARS, "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
    env = {k: v for k, v in os.environ.items() if k.upper() not in cleared}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-home")
    env["XDG_CONFIG_DIRS"] = str(tmp_path / "xdg-dirs")
    env["PIP_CONFIG_FILE"] = os.devnull  # no pip configuration of this machine
    return {**env, **extra}


def run_process(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        env=clean_env(tmp_path, **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def run_async(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run ``args`` without blocking the event loop (a test's server runs on it); its
    exit status, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def test_python_m_indexclient_version(tmp_path: Path) -> None:
    result = run_process([PYTHON, "-m", "indexclient", "--version"], tmp_path)
    assert (result.returncode, result.stdout) == (0, f"indexclient {__version__}\n")


def test_console_script(tmp_path: Path) -> None:
    script = Path(PYTHON).with_name("indexclient")
    if not script.exists():
        pytest.skip("the indexclient script is not installed in this environment")
    result = run_process([str(script), "config", "show", "--no-config"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "trust source: bundled roots" in result.stdout
    result = run_process([str(script), "versions", "x"], tmp_path)  # no index: exit 2
    assert result.returncode == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["config", "show"],
        ["config", "show", "--json", "--system-certs"],
        ["config", "set", "offline", "true", "--file", "conf/uv.toml"],
    ],
)
def test_fast_commands_do_not_import_aiohttp(tmp_path: Path, argv: list[str]) -> None:
    result = run_process([PYTHON, "-c", PROBE, *argv], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith("aiohttp imported: False\n")
    assert "sqlite3 imported: False\n" in result.stderr


async def test_only_a_request_to_the_network_imports_aiohttp(pki: Pki, tmp_path: Path) -> None:
    """A run served from the cache neither imports aiohttp nor connects; the first,
    which fills the cache, does both. A run without the cache never loads its database
    (sqlite3)."""
    index = demo_index()
    index.headers["Cache-Control"] = "max-age=600"

    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        env = clean_env(
            tmp_path,
            UV_DEFAULT_INDEX=f"{server.url}simple/",
            SSL_CERT_FILE=str(pki.ca_file),
            INDEXCLIENT_CACHE_DIR=str(tmp_path / "cache"),
        )

        async def probe(*options: str) -> tuple[int, str]:
            args = [PYTHON, "-c", PROBE, "metadata", "demo-package", "--json", *options]
            code, _, err = await run_async(args, env, tmp_path)
            assert code == 0, err
            return len(server.requests), err

        count, err = await probe("--no-cache")
        assert count == 2  # the page and the .metadata file
        assert "sqlite3 imported: False\n" in err
        server.requests.clear()
        count, err = await probe()
        assert count == 2
        assert err.endswith("aiohttp imported: True\n")
        assert "sqlite3 imported: True\n" in err
        assert "'indexclient.transport.wire'" in err  # the probe sees seams open
        assert "'indexclient.tls.diagnose'" in err
        count, err = await probe()
        assert count == 2
        assert err.endswith("aiohttp imported: False\n")
        # Answered from the cache and the memo (a plain name, a JSON page): no seam opened.
        assert "seams: []\n" in err


async def test_exit_statuses_of_a_real_process(pki: Pki, tmp_path: Path) -> None:
    index = demo_index()
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        url = f"{server.url}simple/"

        async def status(*argv: str, **env: str) -> tuple[int, str, str]:
            environment = clean_env(tmp_path, UV_DEFAULT_INDEX=url, **env)
            return await run_async([PYTHON, "-m", "indexclient", *argv], environment, tmp_path)

        trusted = {"SSL_CERT_FILE": str(pki.ca_file)}
        code, out, _ = await status("versions", "demo-package", **trusted)
        assert (code, out) == (0, "1.0\n1.1\n2.0\n2.1\n")
        code, _, err = await status("versions", "demo-package")
        assert code == 3
        assert "hint: The bundled roots do not include this issuer" in err
        assert "Traceback" not in err
        code, _, err = await status("versions", "missing", **trusted)
        assert code == 4
        code, _, err = await status("versions", "x", "--unknown-option")
        assert code == 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
async def test_ctrl_c_exits_130_without_traceback(tmp_path: Path) -> None:
    connected = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()  # never answers the TLS handshake
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        process = await asyncio.create_subprocess_exec(
            PYTHON,
            "-m",
            "indexclient",
            "tls",
            "check",
            f"https://127.0.0.1:{port}/",
            env=clean_env(tmp_path),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        await asyncio.wait_for(connected.wait(), 30)
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 130
    assert (out, err) == (b"", b"")


def test_demo_runs(tmp_path: Path) -> None:
    """`make demo`: works offline, shows every step, exits 0."""
    result = subprocess.run(
        [PYTHON, str(EXAMPLES / "demo.py")],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.count("\n== ") == 6
    assert "error: certificate verification failed" in out
    assert "hint: The bundled roots do not include this issuer" in out
    assert "(exit status 3, as expected)" in out
    assert "verdict: verified" in out
    assert out.rstrip().endswith("All steps behaved as expected.")


# Runs the command as the script does (or as a program embedding it would), then reports
# how many CA certificates aiohttp's import-time default contexts hold, and how many a
# context created afterwards loads by default.
CERTIFICATES_PROBE = (
    "import ssl, sys\n"
    "from indexclient.cli import run\n"
    "code = run(sys.argv[2:], whole_process=sys.argv[1] == 'script')\n"
    "from aiohttp import connector\n"
    "held = [c.cert_store_stats()['x509_ca'] for c in\n"
    "        (connector._SSL_CONTEXT_VERIFIED, connector._SSL_CONTEXT_UNVERIFIED)]\n"
    "after = ssl.create_default_context().cert_store_stats()['x509_ca']\n"
    "print('aiohttp defaults hold', held, 'a new default context', after, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


async def test_the_script_skips_aiohttps_default_certificates(pki: Pki, tmp_path: Path) -> None:
    """aiohttp loads the default CA certificates into two contexts at import, which
    indexclient never uses (docs/trust.md, "Contexts"): the script's process has them
    built empty, and a verified request still succeeds; a program embedding indexclient
    keeps them whole, and so does every context created after the import. The default
    certificates here are one CA (SSL_CERT_FILE, read by OpenSSL), so the counts are
    exact on any machine."""
    (tmp_path / "no-certificates").mkdir()
    index = demo_index()
    async with serve_https(server_context(pki.root.issue_leaf()), routes=index.routes) as server:
        env = clean_env(
            tmp_path,
            UV_DEFAULT_INDEX=f"{server.url}simple/",
            SSL_CERT_FILE=str(pki.ca_file),
            SSL_CERT_DIR=str(tmp_path / "no-certificates"),
        )

        async def probe(mode: str) -> str:
            args = [PYTHON, "-c", CERTIFICATES_PROBE, mode, "versions", "demo-package"]
            code, out, err = await run_async([*args, "--no-cache"], env, tmp_path)
            assert (code, out) == (0, "1.0\n1.1\n2.0\n2.1\n"), err
            return err

        assert (await probe("script")).endswith(
            "aiohttp defaults hold [0, 0] a new default context 1\n"
        )
        assert (await probe("embedded")).endswith(
            "aiohttp defaults hold [1, 1] a new default context 1\n"
        )


def test_with_another_thread_running_aiohttp_is_imported_as_it_is(pki: Pki, tmp_path: Path) -> None:
    """The switch is process-wide while the module runs: with another thread alive it
    could see it, so the import is left alone."""
    code = (
        "import sys, threading\n"
        "from indexclient.cli.startup import skip_aiohttp_default_certificates\n"
        "skip_aiohttp_default_certificates()\n"
        "done = threading.Event()\n"
        "threading.Thread(target=done.wait).start()\n"
        "from aiohttp import connector\n"
        "done.set()\n"
        "print(connector._SSL_CONTEXT_VERIFIED.cert_store_stats()['x509_ca'])\n"
    )
    (tmp_path / "no-certificates").mkdir()
    result = run_process(
        [PYTHON, "-c", code],
        tmp_path,
        SSL_CERT_FILE=str(pki.ca_file),
        SSL_CERT_DIR=str(tmp_path / "no-certificates"),
    )
    assert (result.returncode, result.stdout) == (0, "1\n"), result.stderr
