"""A company's usual set-up: a mirror for everything, and a vendor index for a few packages.

The project's pyproject.toml says it all, as uv reads it::

    [project]
    dependencies = ["acme-sdk>=1", "tiny-utils"]

    [[tool.uv.index]]
    name = "vendor"
    url = "https://vendor.example/simple/"
    explicit = true          # asked only about the packages pinned to it

    [tool.uv.sources]
    acme-sdk = { index = "vendor" }

The mirror and the vendor's credentials come from the environment, never from the file
(uv's variables, so the same shell works for uv)::

    UV_DEFAULT_INDEX=https://mirror.corp.example/simple/ \\
    UV_INDEX_VENDOR_USERNAME=ci UV_INDEX_VENDOR_PASSWORD="$VENDOR_TOKEN" \\
        python examples/private_index.py path/to/pyproject.toml

For each dependency it prints the version chosen and the index it came from. acme-sdk is
asked of the vendor index only: a package of that name uploaded to the mirror is never
looked at (dependency confusion), and the vendor index is never asked about tiny-utils.

``python examples/private_index.py --local`` runs the same thing with no network: it
starts a mirror and a vendor index (with basic authentication) on 127.0.0.1 over HTTPS
from a throwaway CA, writes such a project in a temporary directory, and runs this
script on it with those variables set. The mirror there carries a planted acme-sdk 9.9,
which must not be chosen. ``--local --password WRONG`` shows what a refused login says.

Exit status: 0 when every dependency was answered, 1 when one failed (its error is
printed in its place), 2 for a configuration problem.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hmac
import os
import sys
import tempfile
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from indexclient import IndexClient, IndexClientError, MetadataResult, read_pyproject
from indexclient.testing.index import SimpleIndex
from indexclient.testing.pki import CertificateAuthority, server_context
from indexclient.testing.servers import serve_https
from indexclient.urls import redact_url


async def main(pyproject: str) -> int:
    """Print the version and index of each dependency; return the exit status."""
    project = read_pyproject(pyproject)
    async with IndexClient() as client:
        results = await client.metadata_for(project.requirements, pins=project.pins)
    failed = 0
    for requirement, result in zip(project.requirements, results, strict=True):
        if isinstance(result, MetadataResult):
            where = redact_url(result.index.url) if result.index else "?"
            name = result.index.name if result.index and result.index.name else "default"
            print(f"{requirement:20} {result.name} {result.version}  from {name} ({where})")
        else:
            failed += 1
            print(f"{requirement:20} error: {result}")
            if result.hint:
                print(f"{'':20} hint: {result.hint}")
    return 1 if failed else 0


# --- the --local set-up: everything below only builds a world for main() to run in ---

_USER, _PASSWORD = "ci", "s3cret:token@vendor"  # a password with the awkward characters

_PROJECT = """\
[project]
name = "my-app"
version = "0"
dependencies = ["acme-sdk>=1", "tiny-utils"]

[[tool.uv.index]]
name = "vendor"
url = "{vendor}"
explicit = true

[tool.uv.sources]
acme-sdk = {{ index = "vendor" }}
"""


def _basic_auth(user: str, password: str) -> Middleware:
    """A middleware answering 401 to any request without these credentials."""
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Basic realm="vendor"'})
        return await handler(request)

    return check


async def local(password: str) -> int:
    """Start the two indexes, write the project, and run this script on it."""
    mirror = SimpleIndex()
    mirror.add_wheel("tiny-utils", "0.4")
    mirror.add_wheel("acme-sdk", "9.9")  # planted: must never be chosen
    vendor = SimpleIndex()
    vendor.add_wheel("acme-sdk", "1.2", requires_dist=["tiny-utils"])

    def vendor_routes(app: web.Application) -> None:
        app.middlewares.append(_basic_auth(_USER, _PASSWORD))
        vendor.routes(app)

    ca = CertificateAuthority.create("indexclient example CA")
    leaf = ca.issue_leaf(hosts=("127.0.0.1",))
    with tempfile.TemporaryDirectory(prefix="indexclient-private-") as tmp:
        ca_file = str(ca.write_cert(Path(tmp) / "ca.pem"))
        async with (
            serve_https(server_context(leaf), routes=mirror.routes) as mirror_server,
            serve_https(server_context(leaf), routes=vendor_routes) as vendor_server,
        ):
            pyproject = Path(tmp) / "pyproject.toml"
            pyproject.write_text(_PROJECT.format(vendor=f"{vendor_server.url}simple/"))
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))},
                "UV_NO_CONFIG": "1",
                "SSL_CERT_FILE": ca_file,
                "UV_DEFAULT_INDEX": f"{mirror_server.url}simple/",
                "UV_INDEX_VENDOR_USERNAME": _USER,
                "UV_INDEX_VENDOR_PASSWORD": password,
                "INDEXCLIENT_CACHE_DIR": str(Path(tmp) / "cache"),
            }
            print(f"mirror: {mirror_server.url}simple/ (has a planted acme-sdk 9.9)")
            print(f"vendor: {vendor_server.url}simple/ (basic authentication)", flush=True)
            process = await asyncio.create_subprocess_exec(
                sys.executable, __file__, str(pyproject), env=env
            )
            return await process.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pyproject", nargs="?", help="the project's pyproject.toml")
    parser.add_argument("--local", action="store_true", help="run against local indexes")
    parser.add_argument("--password", default=_PASSWORD, help="with --local: the password sent")
    arguments = parser.parse_args()
    if arguments.local == bool(arguments.pyproject):
        parser.error("give a pyproject.toml, or --local")
    try:
        if arguments.local:
            status = asyncio.run(local(arguments.password))
        else:
            status = asyncio.run(main(arguments.pyproject))
    except IndexClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        status = 2
    sys.exit(status)
