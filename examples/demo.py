"""`make demo`: the `indexclient` command against a local TLS index, no network needed.

A throwaway CA is created and a local HTTPS index on 127.0.0.1 presents a certificate
from it, serving a few generated projects (some with dependencies). The demo then runs
the `indexclient` command, as a user would, to show:

1. the default trust (certifi's bundled roots) refusing the index, with the reason and
   the fix (exit status 3);
2. SSL_CERT_FILE pointing at the throwaway CA: accepted;
3. allow-insecure-host for the index's host:port: accepted without verification;
4. the core metadata of several packages, fetched concurrently;
5. `tls show`: the trust in effect and where it came from;
6. `tls check`: the chain the server presents, and the verdict.

The commands run with a clean environment (this machine's SSL_CERT_* and UV_* variables
removed, UV_NO_CONFIG=1), so what you see does not depend on local settings. The demo
exits non-zero if any step does not behave as expected.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from indexclient.settings import ENV_VARS
from indexclient.testing.index import SimpleIndex
from indexclient.testing.pki import CertificateAuthority, server_context
from indexclient.testing.servers import serve_https

# Variables that would change what the commands trust or where they connect.
_CLEARED = {*ENV_VARS, "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}


@dataclass(frozen=True)
class Step:
    """One command to run, what it should do, and why it is shown."""

    title: str
    args: tuple[str, ...]
    env: dict[str, str]
    expect_status: int
    expect_output: tuple[str, ...]


def demo_index() -> SimpleIndex:
    """A small index: a few projects, several versions, some dependencies, one yank."""
    index = SimpleIndex()
    index.add_wheel("demo-package", "1.0")
    index.add_wheel("demo-package", "1.1", requires_python=">=3.8")
    index.add_wheel("demo-package", "2.0", requires_dist=["tiny-utils>=0.3"])
    index.add_wheel("demo-package", "2.1", yanked="broken build")
    index.add_wheel("tiny-utils", "0.3")
    index.add_wheel("tiny-utils", "0.4", requires_python=">=3.9")
    index.add_wheel(
        "web-toolkit",
        "2.3",
        requires_dist=["demo-package>=2", "tiny-utils", 'colorama; sys_platform == "win32"'],
    )
    return index


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without TLS, uv and proxy variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in _CLEARED}
    env["UV_NO_CONFIG"] = "1"  # no uv.toml of this machine or project takes part
    return {**env, **extra}


async def run_step(number: int, total: int, step: Step, index_url: str) -> bool:
    """Run one step against the index, print it, and return whether it behaved as expected."""
    print(f"\n== {number}/{total}  {step.title}")
    shown_env = " ".join(f"{k}={shlex.quote(v)}" for k, v in step.env.items())
    command = " ".join(shlex.quote(a) for a in step.args)
    print(f"$ {shown_env + ' ' if shown_env else ''}indexclient {command}")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "indexclient",
        *step.args,
        env=clean_environment(**step.env, UV_DEFAULT_INDEX=index_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace").rstrip()
    for line in text.splitlines():
        print(f"  {line}")
    missing = [expected for expected in step.expect_output if expected not in text]
    if process.returncode == step.expect_status and not missing:
        if step.expect_status:
            print(f"  (exit status {process.returncode}, as expected)")
        return True
    print(f"  !! expected exit status {step.expect_status}, got {process.returncode}")
    for expected in missing:
        print(f"  !! expected the output to contain {expected!r}")
    return False


async def main() -> int:
    """Start the index, run every step, return the exit status."""
    ca = CertificateAuthority.create("indexclient demo CA")
    leaf = ca.issue_leaf(hosts=("127.0.0.1", "localhost"))
    with tempfile.TemporaryDirectory(prefix="indexclient-demo-") as tmp:
        ca_file = str(ca.write_cert(Path(tmp) / "demo-ca.pem"))
        async with serve_https(server_context(leaf), routes=demo_index().routes) as server:
            url = f"{server.url}simple/"
            host = f"{server.host}:{server.port}"
            print("indexclient demo: a local HTTPS index whose certificate comes from a CA")
            print("created for this run. Every step runs the `indexclient` command with")
            print(f"UV_DEFAULT_INDEX={url} (and no other TLS setting).")
            ca_env = {"SSL_CERT_FILE": ca_file}
            steps = [
                Step(
                    "The default trust, certifi's bundled roots, refuses the unknown CA",
                    ("versions", "demo-package"),
                    {},
                    3,
                    ("error: certificate verification failed", "hint: The bundled roots"),
                ),
                Step(
                    "SSL_CERT_FILE names the CA: verified and accepted",
                    ("versions", "demo-package"),
                    ca_env,
                    0,
                    ("1.0\n1.1\n2.0\n2.1",),
                ),
                Step(
                    "allow-insecure-host for this host:port: accepted WITHOUT verification",
                    ("versions", "demo-package", "--allow-insecure-host", host),
                    {},
                    0,
                    ("2.1",),
                ),
                Step(
                    "Core metadata of several packages, fetched concurrently",
                    ("metadata", "web-toolkit", "demo-package<2", "tiny-utils"),
                    ca_env,
                    0,
                    ("web-toolkit 2.3", "Requires-Dist: demo-package>=2", "demo-package 1.1"),
                ),
                Step(
                    "tls show: the trust in effect and where it came from",
                    ("tls", "show"),
                    ca_env,
                    0,
                    ("custom roots", "demo-ca.pem: 1 certificate"),
                ),
                Step(
                    "tls check: what the server presents, and the verdict",
                    ("tls", "check", url),
                    ca_env,
                    0,
                    ("CN=indexclient demo CA", "verdict: verified"),
                ),
            ]
            results = [
                await run_step(number, len(steps), step, url)
                for number, step in enumerate(steps, start=1)
            ]
    if all(results):
        print("\nAll steps behaved as expected.")
        return 0
    print(f"\n{results.count(False)} step(s) did not behave as expected.")
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
