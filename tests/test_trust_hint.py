"""The hint after a refused chain names the setting that would make it verify, and only
such a setting (docs/trust.md, "Errors").

Servers are real, on 127.0.0.1, presenting chains from CAs made for this run. The other
trust sources are real files: CA bundles named by REQUESTS_CA_BUNDLE and the like, pip's
configuration, and a system store laid out under a temporary root (the ``root``
parameter of indexclient.tls.system_store, standing in for /). Every fix a hint names is
then applied, and the request must succeed with it; every source it leaves out must
fail.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexclient import pipconf
from indexclient.errors import CertificateVerificationError
from indexclient.testing.pki import CertificateAuthority, IssuedCert, server_context
from indexclient.testing.servers import serve_in_thread
from indexclient.tls import alternatives
from indexclient.tls.contexts import ContextCache
from indexclient.tls.sources import BundledRoots, CustomRoots, PlatformRoots, TrustSource
from indexclient.tls.system_store import find_system_store
from indexclient.tls.trust import Trust
from indexclient.transport import HttpClient

BUNDLE = "etc/ssl/certs/ca-certificates.crt"  # under the fake root: Debian's bundle


@dataclasses.dataclass(frozen=True)
class Corp:
    """CA X with an intermediate, and an unrelated CA Y, written as PEM files."""

    x: CertificateAuthority
    issuing: CertificateAuthority
    y: CertificateAuthority
    x_pem: Path
    y_pem: Path
    issuing_pem: Path


@pytest.fixture(scope="module")
def corp(tmp_path_factory: pytest.TempPathFactory) -> Corp:
    directory = tmp_path_factory.mktemp("corp")
    x = CertificateAuthority.create("corp X")
    issuing = x.issue_intermediate("corp X issuing")
    y = CertificateAuthority.create("corp Y")
    return Corp(
        x,
        issuing,
        y,
        x.write_cert(directory / "x.pem"),
        y.write_cert(directory / "y.pem"),
        issuing.write_cert(directory / "issuing.pem"),
    )


@pytest.fixture(scope="module")
def server(corp: Corp) -> Iterator[str]:
    """A server presenting its leaf and the intermediate of CA X."""
    with serve_in_thread(server_context(corp.issuing.issue_leaf())) as running:
        yield running.url


@pytest.fixture(scope="module")
def leaf_only(corp: Corp) -> Iterator[str]:
    """A server presenting its leaf alone (issued by X's intermediate)."""
    leaf = dataclasses.replace(corp.issuing.issue_leaf(), chain=())
    with serve_in_thread(server_context(leaf)) as running:
        yield running.url


@pytest.fixture
def system_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stand-in for /, whose store is the one the hint checks."""
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setattr(
        alternatives, "platform_store", lambda: find_system_store((None, None), root=str(root))
    )
    # pip's configuration files of this machine are not this test's.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    return root


def system_bundle(root: Path, *cas: CertificateAuthority) -> Path:
    bundle = root / BUNDLE
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_bytes(b"".join(ca.cert_pem for ca in cas))
    return bundle


async def refused(url: str, source: TrustSource | None = None) -> CertificateVerificationError:
    trust = Trust(source or BundledRoots(), cache=ContextCache())
    with pytest.raises(CertificateVerificationError) as caught:
        async with HttpClient(trust) as client:
            await client.get(url)
    return caught.value


async def verifies_with(url: str, cert_file: Path) -> bool:
    """Whether a request succeeds with SSL_CERT_FILE=cert_file: the fix, applied."""
    trust = Trust(CustomRoots(str(cert_file)), cache=ContextCache())
    try:
        async with HttpClient(trust) as client:
            await client.get(url)
    except CertificateVerificationError:
        return False
    return True


# --------------------------------------------------------------------------- the hint


async def test_a_bundle_holding_another_ca_is_not_suggested(
    corp: Corp, server: str, system_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(corp.y_pem))
    error = await refused(server)
    assert error.kind == "unknown-issuer"
    assert error.hint is not None
    assert error.hint.startswith("The bundled roots do not include this issuer.")
    assert "REQUESTS_CA_BUNDLE=" not in error.hint
    assert "--system-certs" not in error.hint
    assert "No other trust source on this machine holds it (checked: system store, " in (error.hint)
    assert "REQUESTS_CA_BUNDLE)" in error.hint
    assert not await verifies_with(server, corp.y_pem)


async def test_a_bundle_holding_the_ca_is_suggested(
    corp: Corp, server: str, system_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(corp.x_pem))
    error = await refused(server)
    assert error.hint == (
        "The bundled roots do not include this issuer. "
        f"REQUESTS_CA_BUNDLE={corp.x_pem} holds it: set SSL_CERT_FILE={corp.x_pem}."
    )
    assert await verifies_with(server, corp.x_pem)


async def test_the_system_store_holding_the_ca_suggests_system_certs(
    corp: Corp, server: str, system_root: Path
) -> None:
    bundle = system_bundle(system_root, corp.y, corp.x)
    error = await refused(server)
    assert error.hint == (
        "The bundled roots do not include this issuer. "
        f"The system store ({bundle}) holds it: use --system-certs (UV_SYSTEM_CERTS=1)."
    )
    assert await verifies_with(server, bundle)  # the bundle --system-certs loads


async def test_both_are_suggested(
    corp: Corp, server: str, system_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = system_bundle(system_root, corp.x)
    monkeypatch.setenv("CURL_CA_BUNDLE", str(corp.x_pem))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(corp.x_pem))
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", str(corp.y_pem))
    error = await refused(server)
    assert error.hint == (
        "The bundled roots do not include this issuer. "
        f"The system store ({bundle}) holds it: use --system-certs (UV_SYSTEM_CERTS=1). "
        f"REQUESTS_CA_BUNDLE={corp.x_pem} and CURL_CA_BUNDLE={corp.x_pem} hold it: "
        f"set SSL_CERT_FILE={corp.x_pem}."
    )


async def test_a_ca_that_holds_the_issuer_but_would_still_fail_is_not_suggested(
    corp: Corp, server: str, system_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # X's key and name, but expired: the signatures check out, the dates do not.
    import datetime

    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)
    expired = CertificateAuthority.create(
        key=corp.x.key,
        subject=corp.x.cert.subject,
        not_before=past - datetime.timedelta(days=1),
        not_after=past,
    )
    stale = expired.write_cert(tmp_path / "expired-x.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stale))
    error = await refused(server)
    assert error.hint is not None
    assert "REQUESTS_CA_BUNDLE=" not in error.hint
    assert not await verifies_with(server, stale)
    (verdict,) = [
        v
        for v in alternatives.check_sources(presented(server), BundledRoots())
        if v.source == "REQUESTS_CA_BUNDLE"
    ]
    assert verdict.trusts is False
    assert verdict.note.startswith("holds the issuer, but certificate 'CN=corp X,")
    assert verdict.note.endswith("has expired")


async def test_a_leaf_for_another_host_is_never_fixed_by_a_ca(
    corp: Corp, system_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenSSL stops at the unknown issuer before it looks at the name; the hint must
    # not promise what the name check would then refuse.
    system_bundle(system_root, corp.x)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(corp.x_pem))
    leaf = corp.issuing.issue_leaf(hosts=["index.example"])
    with serve_in_thread(server_context(leaf)) as other:
        error = await refused(other.url)
        assert error.kind == "unknown-issuer"
        assert error.hint is not None
        assert "--system-certs" not in error.hint
        assert "REQUESTS_CA_BUNDLE=" not in error.hint
        assert not await verifies_with(other.url, corp.x_pem)


async def test_an_incomplete_chain_is_fixed_only_by_a_file_holding_the_intermediate(
    corp: Corp, leaf_only: str, system_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(corp.x_pem))  # the root alone
    monkeypatch.setenv("CURL_CA_BUNDLE", str(corp.issuing_pem))
    error = await refused(leaf_only)
    assert error.hint is not None
    assert error.hint.endswith(
        f"CURL_CA_BUNDLE={corp.issuing_pem} holds it: set SSL_CERT_FILE={corp.issuing_pem}."
    )
    assert "REQUESTS_CA_BUNDLE=" not in error.hint
    assert not await verifies_with(leaf_only, corp.x_pem)
    assert await verifies_with(leaf_only, corp.issuing_pem)


async def test_pip_cert_from_the_environment_and_from_its_configuration(
    corp: Corp, server: str, system_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\ntimeout = 60\n\n[install]\ncert = {corp.x_pem}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.setenv("PIP_CERT", str(corp.y_pem))
    error = await refused(server)
    assert error.hint == (
        "The bundled roots do not include this issuer. "
        f"pip's cert in {config} ({corp.x_pem}) holds it: set SSL_CERT_FILE={corp.x_pem}."
    )
    monkeypatch.setenv("PIP_CERT", str(corp.x_pem))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # pip's own way to read no file
    error = await refused(server)
    assert error.hint is not None
    assert error.hint.endswith(f"PIP_CERT={corp.x_pem} holds it: set SSL_CERT_FILE={corp.x_pem}.")
    assert "pip's cert" not in error.hint


async def test_node_extra_ca_certs_is_suggested_with_its_caveat(
    corp: Corp, server: str, system_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", str(corp.x_pem))
    error = await refused(server)
    assert error.hint is not None
    assert error.hint.endswith(
        f"NODE_EXTRA_CA_CERTS={corp.x_pem} holds it: set SSL_CERT_FILE={corp.x_pem} "
        "(it then replaces the bundled roots: add the CAs other servers need)."
    )


async def test_under_custom_roots_the_fix_says_what_to_unset(
    corp: Corp, server: str, system_root: Path
) -> None:
    system_bundle(system_root, corp.x)
    error = await refused(server, CustomRoots(str(corp.y_pem)))
    assert error.hint == (
        f"SSL_CERT_FILE={corp.y_pem} replaces every other root: add the issuer's CA "
        "certificate there, or use --allow-insecure-host for this host. "
        f"The system store ({system_root / BUNDLE}) holds it: unset SSL_CERT_FILE and use "
        "--system-certs (UV_SYSTEM_CERTS=1)."
    )


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the OS verifies there")
async def test_under_the_platform_store_another_file_is_suggested(
    corp: Corp, server: str, system_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(corp.x_pem))
    error = await refused(server, PlatformRoots("--system-certs"))
    assert error.hint == (
        "Add the issuer's CA to the operating system's trust store, or set SSL_CERT_FILE to "
        f"a PEM file holding it. REQUESTS_CA_BUNDLE={corp.x_pem} holds it: "
        f"set SSL_CERT_FILE={corp.x_pem}."
    )


# --------------------------------------------------------------------------- agreement


def _agreement_cases(corp: Corp) -> dict[str, tuple[IssuedCert, list[CertificateAuthority], bool]]:
    """case -> (what the server presents, the roots of the source, whether it verifies)."""
    import datetime

    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)
    expired = corp.x.issue_intermediate(
        "corp X old", not_before=past - datetime.timedelta(days=1), not_after=past
    )
    plain = corp.issuing.issue_leaf()
    # A leaf used as an issuer: its signature checks out, but it is no CA.
    not_a_ca = CertificateAuthority(plain.cert, plain.key, (corp.issuing, corp.x))
    return {
        "complete": (plain, [corp.x], True),
        "the intermediate as anchor": (plain, [corp.issuing], True),
        "the leaf itself as anchor": (plain, [plain.cert], True),  # type: ignore[list-item]
        "another root": (plain, [corp.y], False),
        "a leaf as issuer": (not_a_ca.issue_leaf(), [corp.x], False),
        "an expired intermediate": (expired.issue_leaf(), [corp.x], False),
        "a weak leaf key": (corp.issuing.issue_leaf(key_type="rsa1024"), [corp.x], False),
        "a leaf for clients only": (
            corp.issuing.issue_leaf(server=False, client=True),
            [corp.x],
            False,
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "complete",
        "the intermediate as anchor",
        "the leaf itself as anchor",
        "another root",
        "a leaf as issuer",
        "an expired intermediate",
        "a weak leaf key",
        "a leaf for clients only",
    ],
)
async def test_the_check_agrees_with_the_handshake(corp: Corp, tmp_path: Path, case: str) -> None:
    """What the hint's check says of a source is what a handshake with that source as
    SSL_CERT_FILE says: a fix it names works, a source it leaves out does not."""
    from indexclient.testing.pki import ca_bundle_pem
    from indexclient.tls.chains import accepts, parse_presented
    from indexclient.tls.sources import pem_certificates

    issued, roots, expected = _agreement_cases(corp)[case]
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(ca_bundle_pem(*roots))
    with serve_in_thread(server_context(issued)) as running:
        chain = parse_presented(presented(running.url))
        trusts, why = accepts(chain, pem_certificates(bundle.read_bytes()))
        assert (trusts, await verifies_with(running.url, bundle)) == (expected, expected), why


# --------------------------------------------------------------------------- bounds


def presented(url: str) -> list[bytes]:
    """The chain a server presents (DER), read over an unverified handshake."""
    host, port = url.split("/")[2].split(":")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        chain = tls._sslobj.get_unverified_chain()  # type: ignore[attr-defined]
    return [c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]  # type: ignore[attr-defined]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
async def test_an_unreadable_source_is_skipped_and_never_raises(
    corp: Corp, server: str, system_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "fifo.pem"
    os.mkfifo(fifo)  # nothing ever writes: a plain open would block forever
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fifo))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path))  # a directory
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("PIP_CERT", str(corp.x_pem))
    error = await refused(server)
    assert error.hint is not None
    assert error.hint.endswith(f"PIP_CERT={corp.x_pem} holds it: set SSL_CERT_FILE={corp.x_pem}.")
    verdicts = {v.source: v for v in alternatives.check_sources(presented(server), BundledRoots())}
    assert verdicts["REQUESTS_CA_BUNDLE"].trusts is False
    assert verdicts["REQUESTS_CA_BUNDLE"].note.startswith("cannot be used: ")
    assert verdicts["REQUESTS_CA_BUNDLE"].note.endswith("not a regular file")
    assert verdicts["CURL_CA_BUNDLE"].note.startswith("cannot be used: ")
    assert verdicts["NODE_EXTRA_CA_CERTS"].note == "cannot be used: No such file or directory"


async def test_sources_not_reached_in_time_claim_nothing(
    corp: Corp, server: str, system_root: Path
) -> None:
    system_bundle(system_root, corp.x)
    chain = presented(server)
    # The worker's own deadline, run here: with no time left nothing is read.
    no_pip = {"PIP_CONFIG_FILE": os.devnull}
    work = alternatives._Work(chain, BundledRoots(), None, no_pip, alternatives.platform_store, 0)
    work.run()
    late = work.snapshot(finished=True)
    assert [(v.source, v.trusts, v.note) for v in late] == [
        ("system store", None, "not checked: out of time")
    ]
    # In time, the same check finds the store.
    (store,) = alternatives.check_sources(chain, BundledRoots(), environ=no_pip)
    assert (store.source, store.trusts, store.fix) == (
        "system store",
        True,
        "use --system-certs (UV_SYSTEM_CERTS=1)",
    )


async def test_a_read_that_hangs_does_not_hold_up_the_error(corp: Corp, server: str) -> None:
    chain = presented(server)
    release = threading.Event()

    def hanging_store() -> None:
        release.wait(30)  # a system store on a dead network mount

    answer: list[tuple[alternatives.SourceVerdict, ...]] = []
    caller = threading.Thread(
        target=lambda: answer.append(
            alternatives.check_sources(
                chain,
                BundledRoots(),
                environ={"REQUESTS_CA_BUNDLE": str(corp.x_pem)},
                platform=hanging_store,
                budget=0.2,
            )
        )
    )
    caller.start()
    caller.join(10)  # far beyond the budget: only a check without a bound takes this long
    release.set()
    assert not caller.is_alive()
    assert answer == [()]  # nothing known, nothing claimed


def test_a_check_that_fails_gives_the_plain_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from indexclient.tls.diagnose import hint_for

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the check")

    monkeypatch.setattr(alternatives, "check_sources", broken)
    hint = hint_for("unknown-issuer", BundledRoots(), [b"not a certificate"], "127.0.0.1")
    assert hint is not None
    assert "use --system-certs (UV_SYSTEM_CERTS=1) to trust the operating system's store" in hint


def test_other_kinds_check_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from indexclient.tls.diagnose import hint_for

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("an expired certificate is not fixed by other roots")

    monkeypatch.setattr(alternatives, "check_sources", forbidden)
    assert hint_for("expired", BundledRoots(), [b"x"], "h") == (
        "The server's certificate must be renewed; check this machine's clock too."
    )


def test_pip_configuration_files_in_pips_order(tmp_path: Path) -> None:
    # The hint finds pip's files through the one reader the settings use
    # (tests/test_pip_settings.py pins what is read from them).
    named = tmp_path / "named.conf"
    environ = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_DIRS": f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "VIRTUAL_ENV": str(tmp_path / "venv"),
        "PIP_CONFIG_FILE": str(named),
    }
    if sys.platform in ("darwin", "win32"):
        pytest.skip("the XDG layout is pip's on Linux and the BSDs")

    def paths(environ: dict[str, str]) -> list[str]:
        return [path for _, path in pipconf.config_files(environ)]

    user = [str(tmp_path / "home/.pip/pip.conf"), str(tmp_path / "config/pip/pip.conf")]
    site = str(tmp_path / "venv/pip.conf")
    common = [str(tmp_path / "a/pip/pip.conf"), str(tmp_path / "b/pip/pip.conf"), "/etc/pip.conf"]
    # A PIP_CONFIG_FILE that does not exist: the user's files are read too.
    assert paths(environ) == [*common, *user, site, str(named)]
    named.write_text("[global]\n")
    # One that exists: pip skips the user's own files.
    assert paths(environ) == [*common, site, str(named)]
    assert paths({**environ, "PIP_CONFIG_FILE": os.devnull}) == []


def test_the_issued_cert_helper_keeps_its_chain(corp: Corp) -> None:
    # Guards leaf_only: dataclasses.replace must drop only the intermediates.
    leaf = corp.issuing.issue_leaf()
    alone = dataclasses.replace(leaf, chain=())
    assert isinstance(alone, IssuedCert)
    assert (alone.cert, alone.chain, leaf.chain) == (leaf.cert, (), (corp.issuing.cert,))


# --------------------------------------------------------------------------- the command

PROBE = (
    "import sys\n"
    "from indexclient.cli import run\n"
    "code = run(sys.argv[1:])\n"
    "print('alternatives loaded:', 'indexclient.tls.alternatives' in sys.modules,"
    " file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def command(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, with this environment and no pip files."""
    environ = {k: v for k, v in os.environ.items() if k.upper() not in _TRUST_VARIABLES}
    environ.update(
        XDG_CONFIG_HOME=str(tmp_path / "xdg-home"),
        XDG_CONFIG_DIRS=str(tmp_path / "xdg-dirs"),
        INDEXCLIENT_CACHE_DIR=str(tmp_path / "cache"),
        PIP_CONFIG_FILE=os.devnull,
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


_TRUST_VARIABLES = {"SSL_CERT_FILE", "SSL_CERT_DIR", "UV_SYSTEM_CERTS", "UV_NATIVE_TLS"}
_TRUST_VARIABLES |= set(alternatives.CA_VARIABLES)


@pytest.fixture(scope="module")
def index(corp: Corp) -> Iterator[str]:
    """An index of project demo-package behind a chain from CA X."""
    from test_cli_support import demo_index

    served = demo_index()
    leaf = corp.issuing.issue_leaf()
    with serve_in_thread(server_context(leaf), routes=served.routes) as running:
        yield f"{running.url}simple/"


def test_versions_prints_the_hint_that_works(corp: Corp, index: str, tmp_path: Path) -> None:
    result = command(
        tmp_path,
        "versions",
        "demo-package",
        UV_DEFAULT_INDEX=index,
        REQUESTS_CA_BUNDLE=str(corp.y_pem),
        CURL_CA_BUNDLE=str(corp.x_pem),
    )
    assert result.returncode == 3, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: certificate verification failed for ")
    hint = next(line for line in lines if line.startswith("hint: "))
    assert hint.startswith("hint: The bundled roots do not include this issuer. ")
    assert hint.endswith(f"CURL_CA_BUNDLE={corp.x_pem} holds it: set SSL_CERT_FILE={corp.x_pem}.")
    assert "REQUESTS_CA_BUNDLE" not in hint
    assert "Traceback" not in result.stderr
    assert lines[-1] == "alternatives loaded: True"
    # The fix, applied: the same command now answers, and on success the other
    # sources are never looked at.
    fixed = command(
        tmp_path, "versions", "demo-package", UV_DEFAULT_INDEX=index, SSL_CERT_FILE=str(corp.x_pem)
    )
    assert (fixed.returncode, fixed.stdout) == (0, "1.0\n1.1\n2.0\n2.1\n"), fixed.stderr
    assert fixed.stderr.splitlines()[-1] == "alternatives loaded: False"


def test_tls_check_shows_each_source(corp: Corp, server: str, tmp_path: Path) -> None:
    result = command(
        tmp_path,
        "tls",
        "check",
        server,
        REQUESTS_CA_BUNDLE=str(corp.x_pem),
        NODE_EXTRA_CA_CERTS=str(corp.y_pem),
    )
    assert result.returncode == 3, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("trust sources on this machine:")
    header, *rows = lines[start + 1 : start + 6]
    assert header.split() == ["source", "path", "and", "origin", "trusts", "the", "chain"]
    cells = [[cell for cell in row.strip().split("  ") if cell] for row in rows]
    assert [row[0].strip() for row in cells] == [
        "bundled roots (in effect)",
        "system store",
        "REQUESTS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
    ]
    assert [row[-1].strip() for row in cells] == [
        "no: unknown-issuer",
        "no: does not hold the issuer",
        "yes",
        "no: does not hold the issuer",
    ]
    assert cells[2][1].strip() == f"{corp.x_pem} (REQUESTS_CA_BUNDLE, environment)"
    assert lines[start + 6].startswith("verdict: REJECTED: ")
    assert lines[-1] == (
        "hint: The bundled roots do not include this issuer. "
        f"REQUESTS_CA_BUNDLE={corp.x_pem} holds it: set SSL_CERT_FILE={corp.x_pem}."
    )
    data = json.loads(
        command(
            tmp_path, "tls", "check", server, "--json", REQUESTS_CA_BUNDLE=str(corp.x_pem)
        ).stdout
    )
    assert [(s["source"], s["trusts"], s["in_effect"]) for s in data["sources"]] == [
        ("bundled roots", False, True),
        ("system store", False, False),
        ("REQUESTS_CA_BUNDLE", True, False),
    ]
    assert data["sources"][2]["fix"] == f"set SSL_CERT_FILE={corp.x_pem}"
