"""`make demo`: indexclient's trust handling against a local TLS index, no network needed.

A throwaway CA is created, a local HTTPS index on 127.0.0.1 presents a certificate from
it, and the same fetch is tried under three trust configurations:

1. the default (certifi's bundled roots): refused, with the reason and the hint;
2. SSL_CERT_FILE pointing at the throwaway CA: accepted;
3. allow-insecure-host for the index's host:port: accepted without verification.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp import web
from yarl import URL

from indexclient.config import Settings
from indexclient.errors import IndexClientError
from indexclient.testing.pki import CertificateAuthority, server_context
from indexclient.testing.servers import serve_https
from indexclient.transport import HttpClient

INDEX_PAGE = b"""<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.1"></head>
<body><a href="/simple/demo-package/">demo-package</a></body></html>
"""


async def simple_index(request: web.Request) -> web.Response:
    """The root page of a one-project simple index."""
    return web.Response(body=INDEX_PAGE, content_type="text/html")


async def attempt(title: str, environ: dict[str, str], url: str) -> None:
    """Fetch ``url`` with settings read from ``environ`` and print the outcome."""
    shown = " ".join(f"{k}={v}" for k, v in environ.items()) or "(nothing set)"
    print(f"\n== {title}\n   environment: {shown}")
    try:
        trust = Settings.load(environ).trust()
        async with HttpClient(trust, trust_env=False) as client:
            response = await client.get(url)
    except IndexClientError as exc:
        print(f"   refused: {exc}")
        if exc.hint:
            print(f"   hint: {exc.hint}")
        return
    parsed = URL(url)
    entry = trust.insecure_match(parsed.scheme, parsed.host or "", parsed.port)
    if entry is None:
        print(f"   verified with {trust.source.describe()}")
    else:
        print(f"   NOT verified: {url} matches allow-insecure-host {entry} from {entry.origin}")
    print(f"   HTTP {response.status}, {len(response.body)} bytes of {response.content_type}")


async def main() -> None:
    """Run the three attempts against one local index."""
    ca = CertificateAuthority.create("indexclient demo CA")
    leaf = ca.issue_leaf(hosts=("127.0.0.1", "localhost"))
    with tempfile.TemporaryDirectory() as tmp:
        ca_file = ca.write_cert(Path(tmp) / "demo-ca.pem")

        def routes(app: web.Application) -> None:
            app.router.add_get("/simple/", simple_index)

        async with serve_https(server_context(leaf), routes=routes) as server:
            url = f"{server.url}simple/"
            print(f"local TLS index at {url} (certificate from a throwaway CA)")
            await attempt("default trust: certifi's bundled roots", {}, url)
            await attempt(
                "SSL_CERT_FILE trusts the throwaway CA", {"SSL_CERT_FILE": str(ca_file)}, url
            )
            await attempt(
                "allow-insecure-host for this host:port",
                {"UV_INSECURE_HOST": f"{server.host}:{server.port}"},
                url,
            )


if __name__ == "__main__":
    asyncio.run(main())
