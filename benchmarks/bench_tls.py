"""TLS benchmarks: context build time per trust source, and per-handshake cost.

Context build: each trust source's context is built anew (no cache) several times and
the median reported, next to the naive way of loading a certificate directory (every
file through ``load_verify_locations``), which is what a directory costs without
deduplication. Target: ``SSL_CERT_DIR=/etc/ssl/certs`` under 40 ms.

Handshakes: new TLS connections to a local server on 127.0.0.1, each a TCP connect, a
full handshake, one request and a close, through contexts of the bundled source, the
platform source (indexclient's, loaded once) and truststore's own context (which reloads
the system store on every wrap on Linux). Target: platform at most 1.5x bundled.
So that every context verifies the local server, the throwaway root is added to each:
to the built bundled context, and to a copy of the system bundle that OpenSSL's
``SSL_CERT_FILE`` points at for the platform contexts (the lookup truststore uses).
"""

from __future__ import annotations

import asyncio
import os
import ssl
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from indexclient.errors import ConfigurationWarning
from indexclient.testing.pki import CertificateAuthority, server_context
from indexclient.testing.servers import serve_https
from indexclient.tls.contexts import ContextCache
from indexclient.tls.sources import BundledRoots, CustomRoots, PlatformRoots, TrustSource

SYSTEM_DIR = "/etc/ssl/certs"
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
BUILD_RUNS = 9
HANDSHAKES = 60


def _median_ms(action: Callable[[], object], runs: int = BUILD_RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _naive_directory_load(directory: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        try:
            ctx.load_verify_locations(cafile=path)
        except (ssl.SSLError, OSError):
            continue
    return ctx


def _build(source: TrustSource) -> Callable[[], object]:
    # A new cache each time: the point is the cost of one build.
    return lambda: ContextCache().get(source, None, verify=True)


def context_builds() -> list[tuple[str, float]]:
    """Median build time (ms) per trust source."""
    rows = [
        ("bundled (certifi)", _median_ms(_build(BundledRoots()))),
        ("platform (indexclient, store loaded once)", _median_ms(_build(PlatformRoots("bench")))),
        (
            "platform (truststore context)",
            _median_ms(_build(PlatformRoots("bench", os_verifier=True))),
        ),
    ]
    if os.path.isfile(SYSTEM_BUNDLE):
        rows.append(
            (f"SSL_CERT_FILE={SYSTEM_BUNDLE}", _median_ms(_build(CustomRoots(SYSTEM_BUNDLE))))
        )
    if os.path.isdir(SYSTEM_DIR):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConfigurationWarning)
            rows.append(
                (
                    f"SSL_CERT_DIR={SYSTEM_DIR}",
                    _median_ms(_build(CustomRoots(None, [SYSTEM_DIR]))),
                )
            )
        rows.append(
            (
                f"  peer: naive load of every file in {SYSTEM_DIR}",
                _median_ms(lambda: _naive_directory_load(SYSTEM_DIR)),
            )
        )
    return rows


async def _handshake_ms(url_host: str, port: int, ctx: ssl.SSLContext) -> float:
    samples = []
    request = f"GET / HTTP/1.1\r\nHost: {url_host}:{port}\r\nConnection: close\r\n\r\n".encode()
    for _ in range(HANDSHAKES):
        start = time.perf_counter()
        reader, writer = await asyncio.open_connection(
            url_host, port, ssl=ctx, server_hostname=url_host
        )
        writer.write(request)
        await reader.read()
        writer.close()
        await writer.wait_closed()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _system_bundle_plus(directory: Path, extra_pem: bytes) -> Path:
    bundle = directory / "system-plus-bench.pem"
    system = Path(SYSTEM_BUNDLE).read_bytes() if os.path.isfile(SYSTEM_BUNDLE) else b""
    bundle.write_bytes(system + extra_pem)
    return bundle


async def handshakes() -> list[tuple[str, float]]:
    """Median time (ms) of a new TLS connection per context kind."""
    root = CertificateAuthority.create("indexclient bench root")
    leaf = root.issue_leaf()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = _system_bundle_plus(Path(tmp), root.cert_pem)
        saved = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = str(bundle)  # OpenSSL's default location, for truststore
        try:
            bundled = ContextCache().get(BundledRoots(), None, verify=True)
            bundled.load_verify_locations(cadata=root.cert_pem.decode())
            contexts = [
                ("bundled", bundled),
                (
                    "platform (indexclient)",
                    ContextCache().get(PlatformRoots("b"), None, verify=True),
                ),
                (
                    "platform (truststore context)",
                    ContextCache().get(PlatformRoots("b", os_verifier=True), None, verify=True),
                ),
            ]
            async with serve_https(server_context(leaf)) as server:
                rows = []
                for name, ctx in contexts:
                    rows.append((name, await _handshake_ms(server.host, server.port, ctx)))
        finally:
            if saved is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = saved
    return rows


def _table(title: str, rows: list[tuple[str, float]], base: float, base_name: str) -> str:
    width = max(len(name) for name, _ in rows)
    lines = [title, f"{'':{width}}  {'median':>9}  {'vs ' + base_name:>12}"]
    lines += [f"{name:{width}}  {ms:7.2f}ms  {ms / base:11.2f}x" for name, ms in rows]
    return "\n".join(lines)


async def main() -> None:
    """Run both benchmarks and print their tables."""
    builds = context_builds()
    print(_table("Context build, per trust source", builds, builds[0][1], "bundled"))
    print()
    shakes = await handshakes()
    print(
        _table(
            f"New TLS connection to 127.0.0.1 (median of {HANDSHAKES})",
            shakes,
            shakes[0][1],
            "bundled",
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
