"""Start-up cost of trust: cryptography and truststore load only when they are needed.

A command that only reads the on-disk cache builds its Trust (so configuration errors
surface at start: docs/trust.md, "Trust sources") but never handshakes; it must not pay
for importing cryptography or truststore. The policy (docs/trust.md, "Verification
policy") must still be enforced at the first handshake, importing cryptography then.
Each case runs in a fresh interpreter, since this test process has long imported both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import Pki
from test_verification import ACCEPTED, REJECTED, Case

from indexclient.testing.pki import IssuedCert, server_context
from indexclient.testing.servers import serve_in_thread

HEAVY = ("cryptography", "truststore")

_PRELUDE = """
import json, sys

def heavy():
    return sorted({name.split(".")[0] for name in sys.modules} & {"cryptography", "truststore"})
"""


def _run(script: str, *args: str) -> Any:
    """Run ``script`` in a fresh interpreter; it prints one JSON value as its last line."""
    completed = subprocess.run(
        [sys.executable, "-c", _PRELUDE + textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1])


def test_fresh_interpreter_starts_without_heavy_modules() -> None:
    # Guards the other tests: they would pass vacuously if these were always loaded.
    assert _run("print(json.dumps(heavy()))") == []
    assert _run("import cryptography.x509, truststore; print(json.dumps(heavy()))") == list(HEAVY)


def test_prepare_and_context_for_import_neither(pki: Pki, tmp_path: Path) -> None:
    cert_dir = tmp_path / "certs"
    cert_dir.mkdir()
    (cert_dir / "corp-root.crt").write_bytes(pki.root.cert_pem)
    no_certificate = tmp_path / "empty.pem"
    no_certificate.write_text("not a certificate\n")
    loaded = _run(
        """
        from indexclient.errors import ConfigurationError
        from indexclient.tls.hosts import InsecureHosts, parse_insecure_host
        from indexclient.tls.sources import BundledRoots, CustomRoots
        from indexclient.tls.trust import Trust

        ca_file, cert_dir, no_certificate = sys.argv[1:]
        insecure = InsecureHosts([parse_insecure_host("insecure.example", "test")])
        seen = {"import": heavy()}
        for name, source in [
            ("bundled", BundledRoots()),
            ("cert-file", CustomRoots(ca_file)),
            ("cert-dir", CustomRoots(cert_dirs=[cert_dir])),
        ]:
            for hosts in (InsecureHosts(), insecure):
                trust = Trust(source, insecure_hosts=hosts)
                trust.prepare()
                trust.context_for("https", "index.example", 443)
                trust.context_for("https", "insecure.example", 443)
                seen[f"{name} insecure={bool(hosts)}"] = heavy()
        try:
            Trust(CustomRoots(no_certificate)).prepare()
        except ConfigurationError as exc:
            seen["bad SSL_CERT_FILE"] = heavy()
            seen["error"] = str(exc)
        import indexclient.tls
        from indexclient.tls import contexts, hosts, sources, system_store, trust
        seen["the start-up path's modules"] = heavy()
        # These are the chain checks and the client certificate: cryptography is their
        # job, so they are loaded only at the seams (first handshake, SSL_CLIENT_CERT).
        from indexclient.tls import diagnose, identity, policy
        seen["checks"] = [] if "cryptography" in sys.modules else ["cryptography missing"]
        print(json.dumps(seen))
        """,
        str(pki.ca_file),
        str(cert_dir),
        str(no_certificate),
    )
    # Configuration errors are still raised by prepare(), at start.
    error = loaded.pop("error", "prepare() did not raise for a file with no certificate")
    assert f"SSL_CERT_FILE={no_certificate}" in error
    assert "holds no PEM certificate" in error
    assert loaded == {scenario: [] for scenario in loaded}
    assert len(loaded) == 10


_HANDSHAKE = """
import asyncio, ssl
from indexclient.tls.sources import CustomRoots
from indexclient.tls.trust import Trust

ca_file, port = sys.argv[1], int(sys.argv[2])
trust = Trust(CustomRoots(ca_file))
trust.prepare()
context = trust.context_for("https", "127.0.0.1", port)
result = {"before handshake": heavy()}

async def handshake():
    try:
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, server_hostname="127.0.0.1"
        )
    except ssl.SSLCertVerificationError as exc:
        result["kind"] = exc.rejection.kind if hasattr(exc, "rejection") else type(exc).__name__
        result["reason"] = str(exc)
        return
    result["kind"] = "accepted"
    writer.close()
    await writer.wait_closed()

asyncio.run(handshake())
result["after handshake"] = heavy()
print(json.dumps(result))
"""

# case -> (certificate, expected kind, words the reason must contain), from the policy
# tests: one accepted chain; one OpenSSL refuses itself (the diagnosis imports
# cryptography to explain it); one only the policy check in the handshake refuses.
HANDSHAKES: dict[str, tuple[Case, str, tuple[str, ...]]] = {
    "ecdsa-p256": (ACCEPTED["ecdsa-p256"], "accepted", ()),
    "rsa-1024": REJECTED["rsa-1024"],
    "secp256k1-intermediate": REJECTED["secp256k1-intermediate"],
}


@pytest.mark.parametrize("case", HANDSHAKES)
def test_first_handshake_imports_cryptography_and_enforces_policy(case: str, pki: Pki) -> None:
    make_cert, kind, words = HANDSHAKES[case]
    issued: IssuedCert = make_cert(pki)
    with serve_in_thread(server_context(issued)) as server:
        result = _run(_HANDSHAKE, str(pki.ca_file), str(server.port))
    assert result["before handshake"] == []
    assert result["kind"] == kind, result.get("reason")
    for word in words:
        assert word in result["reason"], (word, result["reason"])
    # Accepted or not, the chain was examined with cryptography, imported only now.
    assert result["after handshake"] == ["cryptography"]
