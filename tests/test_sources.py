"""Each trust source of docs/trust.md ("Trust sources"), over real TLS servers on 127.0.0.1.

bundled (certifi), custom (SSL_CERT_FILE / SSL_CERT_DIR, replacing everything else) and
platform (truststore). A server with a certificate from the test root is accepted
exactly when the source in effect holds that root, and rejected with a reason that
names the source otherwise. Unusable SSL_CERT_FILE / SSL_CERT_DIR values fail at start.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import truststore
from conftest import Pki, fetch, make_trust
from cryptography.hazmat.primitives import serialization

from indexclient.errors import (
    CertificateVerificationError,
    ConfigurationError,
    ConfigurationWarning,
)
from indexclient.settings import Settings
from indexclient.testing.pki import CertificateAuthority, IssuedCert, server_context
from indexclient.testing.servers import serve_https
from indexclient.tls import (
    BundledRoots,
    ContextCache,
    CustomRoots,
    InsecureHosts,
    PlatformRoots,
    Trust,
    sources,
    system_store,
)
from indexclient.tls.sources import LoadedLocation, pem_certificates

# An authority no test server chains to: holding only it means holding none of ours.
_UNRELATED = CertificateAuthority.create("unrelated root")
_UNRELATED_2 = CertificateAuthority.create("another unrelated root")


def _der(ca: CertificateAuthority) -> bytes:
    return ca.cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def leaf(pki: Pki) -> IssuedCert:
    """A server certificate for 127.0.0.1 issued directly by the test root."""
    return pki.root.issue_leaf()


@pytest.fixture(scope="module")
def server_ctx(leaf: IssuedCert) -> ssl.SSLContext:
    return server_context(leaf)


@pytest.fixture
def unrelated_file(tmp_path: Path) -> Path:
    path = tmp_path / "unrelated.pem"
    path.write_bytes(_UNRELATED.cert_pem)
    return path


async def accepted(trust: Trust, ctx: ssl.SSLContext) -> None:
    async with serve_https(ctx) as server:
        response = await fetch(trust, server.url)
    assert response.status == 200
    assert response.body == b"ok /"


async def rejected(trust: Trust, ctx: ssl.SSLContext) -> CertificateVerificationError:
    async with serve_https(ctx) as server:
        with pytest.raises(CertificateVerificationError) as caught:
            await fetch(trust, server.url)
        assert server.requests == [], "no request may be sent on a rejected connection"
    assert caught.value.url == server.url
    return caught.value


def trust_from(source: PlatformRoots | CustomRoots | BundledRoots) -> Trust:
    return Trust(source, None, InsecureHosts(), ContextCache())


# --------------------------------------------------------------------------- bundled


def test_nothing_set_selects_bundled_roots() -> None:
    source = Settings.load({}).trust_source()
    assert isinstance(source, BundledRoots)
    assert source.kind == "bundled"
    assert source.origin == "default"
    assert "certifi" in source.describe()
    assert source.describe().endswith("[default]")


async def test_bundled_roots_reject_a_private_root(server_ctx: ssl.SSLContext) -> None:
    trust = make_trust({})
    assert isinstance(trust.source, BundledRoots)
    error = await rejected(trust, server_ctx)
    assert error.kind == "unknown-issuer"
    assert "indexclient test root" in error.reason
    assert "bundled" in error.trust
    assert "certifi" in error.trust
    assert "[default]" in error.trust
    # The TLS-intercepting proxy hint, only given for the bundled roots. This machine's
    # system store cannot hold a root made for this run, so --system-certs, which would
    # not help, is not suggested (tests/test_trust_hint.py: when it would).
    assert error.hint is not None
    assert "--system-certs" not in error.hint
    assert "SSL_CERT_FILE" in error.hint
    assert "proxy" in error.hint


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_empty_value_counts_as_unset(variable: str) -> None:
    settings = Settings.load({variable: ""})
    assert settings.ssl_cert_file is None
    assert settings.ssl_cert_dir is None
    assert isinstance(settings.trust_source(), BundledRoots)


def test_ssl_cert_dir_of_separators_only_counts_as_unset() -> None:
    assert isinstance(Settings.load({"SSL_CERT_DIR": os.pathsep * 2}).trust_source(), BundledRoots)


# --------------------------------------------------------------------------- SSL_CERT_FILE


async def test_ssl_cert_file_accepts(
    pki: Pki, server_ctx: ssl.SSLContext, ca_env: dict[str, str]
) -> None:
    trust = make_trust(ca_env)
    assert isinstance(trust.source, CustomRoots)
    assert trust.source.cert_file == str(pki.ca_file)
    await accepted(trust, server_ctx)
    assert trust.source.locations == (LoadedLocation(str(pki.ca_file), "file", 1),)


async def test_ssl_cert_file_with_text_keys_and_several_certificates(
    pki: Pki, server_ctx: ssl.SSLContext, tmp_certs: Path
) -> None:
    bundle = tmp_certs / "bundle.pem"
    bundle.write_bytes(
        b"# corporate bundle, generated by hand\n"
        + b"Subject: unrelated root\n"
        + _UNRELATED.cert_pem
        + b"\nsome notes between blocks\n\n"
        + _UNRELATED.key_pem
        + b"-----BEGIN X509 CRL-----\nMAoGCCqGSM49BAMC\n-----END X509 CRL-----\n"
        + _UNRELATED_2.cert_pem.replace(b"\n", b"\r\n")
        + b"the test root follows\n"
        + pki.root.cert_pem
        + b"trailing text without a newline"
    )
    trust = make_trust({"SSL_CERT_FILE": str(bundle)})
    await accepted(trust, server_ctx)
    assert isinstance(trust.source, CustomRoots)
    assert trust.source.locations == (LoadedLocation(str(bundle), "file", 3),)


async def test_ssl_cert_file_with_an_unrelated_ca_rejects(
    server_ctx: ssl.SSLContext, unrelated_file: Path
) -> None:
    """Custom roots replace everything: no fallback to certifi or the platform store."""
    trust = make_trust({"SSL_CERT_FILE": str(unrelated_file)})
    error = await rejected(trust, server_ctx)
    assert error.kind == "unknown-issuer"
    assert f"SSL_CERT_FILE={unrelated_file}" in error.trust
    assert "replacing the bundled roots" in error.trust
    assert error.hint is not None
    assert f"SSL_CERT_FILE={unrelated_file} replaces every other root" in error.hint
    assert "proxy" not in error.hint


async def test_custom_roots_override_system_certs(
    server_ctx: ssl.SSLContext, ca_env: dict[str, str], unrelated_file: Path
) -> None:
    trust = make_trust({"UV_SYSTEM_CERTS": "1", **ca_env})
    assert isinstance(trust.source, CustomRoots)
    await accepted(trust, server_ctx)
    # And through the API flag too; with an unrelated CA nothing else is consulted.
    trust = make_trust({"SSL_CERT_FILE": str(unrelated_file)}, system_certs=True)
    assert isinstance(trust.source, CustomRoots)
    assert (await rejected(trust, server_ctx)).kind == "unknown-issuer"


# --------------------------------------------------------------------------- SSL_CERT_DIR


def _populate_cert_dir(directory: Path, pki: Pki) -> None:
    """The test root under a plain name, among everything a directory scan must skip."""
    directory.mkdir(exist_ok=True)
    (directory / "corp-root.crt").write_bytes(pki.root.cert_pem)
    (directory / "README.txt").write_text("certificates for the corporate proxy\n")
    (directory / "unrelated.der").write_bytes(_der(_UNRELATED))
    (directory / "service.key").write_bytes(_UNRELATED.key_pem)
    (directory / "dangling.pem").symlink_to(directory / "gone.pem")
    # OpenSSL's hash link and a second alias: one certificate, one file read.
    (directory / "9d66eef0.0").symlink_to("corp-root.crt")
    (directory / "corp-root-alias.pem").symlink_to(directory / "corp-root.crt")
    # A copy is another file but the same certificate: read, yet loaded once.
    (directory / "copy-of-root.pem").write_bytes(pki.root.cert_pem)
    sub = directory / "nested"
    sub.mkdir()
    (sub / "unrelated.pem").write_bytes(_UNRELATED.cert_pem)


async def test_ssl_cert_dir_accepts(pki: Pki, server_ctx: ssl.SSLContext, tmp_certs: Path) -> None:
    _populate_cert_dir(tmp_certs, pki)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing here deserves a warning
        trust = make_trust({"SSL_CERT_DIR": str(tmp_certs)})
    await accepted(trust, server_ctx)
    assert isinstance(trust.source, CustomRoots)
    # corp-root.crt (reached first as 9d66eef0.0), copy-of-root.pem, README.txt,
    # unrelated.der and service.key are read; one unique certificate among them.
    assert trust.source.locations == (
        LoadedLocation(str(tmp_certs), "dir", certificates=1, files=5),
    )


async def test_ssl_cert_dir_is_not_recursive(
    pki: Pki, server_ctx: ssl.SSLContext, tmp_certs: Path
) -> None:
    (tmp_certs / "nested").mkdir()
    (tmp_certs / "nested" / "corp-root.crt").write_bytes(pki.root.cert_pem)
    (tmp_certs / "unrelated.pem").write_bytes(_UNRELATED.cert_pem)
    trust = make_trust({"SSL_CERT_DIR": str(tmp_certs)})
    error = await rejected(trust, server_ctx)
    assert error.kind == "unknown-issuer"
    assert f"SSL_CERT_DIR={tmp_certs}" in error.trust


async def test_several_directories_only_the_second_holds_the_ca(
    pki: Pki, server_ctx: ssl.SSLContext, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    (first / "unrelated.pem").write_bytes(_UNRELATED.cert_pem)
    second.mkdir()
    (second / "corp-root.crt").write_bytes(pki.root.cert_pem)
    trust = make_trust({"SSL_CERT_DIR": f"{first}{os.pathsep}{second}"})
    await accepted(trust, server_ctx)
    assert isinstance(trust.source, CustomRoots)
    assert trust.source.cert_dirs == (str(first), str(second))
    assert [(loc.path, loc.certificates) for loc in trust.source.locations] == [
        (str(first), 1),
        (str(second), 1),
    ]
    # The first directory alone does not do.
    error = await rejected(make_trust({"SSL_CERT_DIR": str(first)}), server_ctx)
    assert error.kind == "unknown-issuer"


async def test_missing_directory_among_existing_ones_warns(
    pki: Pki, server_ctx: ssl.SSLContext, tmp_path: Path
) -> None:
    present = tmp_path / "present"
    present.mkdir()
    (present / "corp-root.crt").write_bytes(pki.root.cert_pem)
    missing = tmp_path / "missing"
    with pytest.warns(ConfigurationWarning, match=f"SSL_CERT_DIR entry {missing}: does not exist"):
        trust = make_trust({"SSL_CERT_DIR": f"{missing}{os.pathsep}{present}"})
    await accepted(trust, server_ctx)


async def test_ssl_cert_file_and_dir_are_unioned(
    pki: Pki, server_ctx: ssl.SSLContext, ca_env: dict[str, str], tmp_certs: Path
) -> None:
    (tmp_certs / "other.pem").write_bytes(_UNRELATED.cert_pem)
    server_b = server_context(_UNRELATED.issue_leaf())
    both = make_trust({**ca_env, "SSL_CERT_DIR": str(tmp_certs)})
    assert isinstance(both.source, CustomRoots)
    assert (
        both.source.setting_names() == f"SSL_CERT_FILE={pki.ca_file} and SSL_CERT_DIR={tmp_certs}"
    )
    await accepted(both, server_ctx)  # CA from the file
    await accepted(both, server_b)  # CA from the directory
    # Each alone covers only its own server.
    assert (await rejected(make_trust(ca_env), server_b)).kind == "unknown-issuer"
    only_dir = make_trust({"SSL_CERT_DIR": str(tmp_certs)})
    assert (await rejected(only_dir, server_ctx)).kind == "unknown-issuer"


async def test_existing_directory_without_certificates(
    server_ctx: ssl.SSLContext, tmp_certs: Path, pki: Pki, tmp_path: Path
) -> None:
    """docs/trust.md: "a directory without certificates is a warning".

    Beside a directory that has the root, an empty one is only a warning. Alone, it
    would leave no root at all (uv's silent empty store): a configuration error.
    """
    (tmp_certs / "notes.txt").write_text("nothing to see\n")
    good = tmp_path / "good"
    good.mkdir()
    (good / "corp-root.crt").write_bytes(pki.root.cert_pem)
    both = os.pathsep.join([str(tmp_certs), str(good)])
    with pytest.warns(ConfigurationWarning, match=f"SSL_CERT_DIR entry {tmp_certs} holds no PEM"):
        trust = make_trust({"SSL_CERT_DIR": both})
    assert isinstance(trust.source, CustomRoots)
    assert trust.source.locations[0] == LoadedLocation(str(tmp_certs), "dir", 0, 1)
    await accepted(trust, server_ctx)

    error = _config_error({"SSL_CERT_DIR": str(tmp_certs)})
    assert f"SSL_CERT_DIR={tmp_certs}" in error.problems[0].origin
    assert "no certificate at all" in error.problems[0].message


# --------------------------------------------------------------------------- failures


def _config_error(env: dict[str, str]) -> ConfigurationError:
    settings = Settings.load(env)
    with pytest.raises(ConfigurationError) as caught:
        settings.trust(ContextCache())
    return caught.value


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


FILE_FAILURES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing": (lambda d: d / "missing.pem", "the file does not exist"),
    "directory": (lambda d: d, "is a directory (use SSL_CERT_DIR)"),
    "junk": (
        lambda d: _write(d / "junk.pem", b"not a certificate\n"),
        "holds no PEM certificate (DER is not supported)",
    ),
    "der": (
        lambda d: _write(d / "root.der", _der(_UNRELATED)),
        "holds no PEM certificate (DER is not supported)",
    ),
    "only-a-key": (
        lambda d: _write(d / "key.pem", _UNRELATED.key_pem),
        "holds no PEM certificate",
    ),
    "empty": (lambda d: _write(d / "empty.pem", b""), "holds no PEM certificate"),
}


@pytest.mark.parametrize("case", FILE_FAILURES)
def test_unusable_ssl_cert_file(case: str, tmp_certs: Path) -> None:
    make_path, reason = FILE_FAILURES[case]
    path = make_path(tmp_certs)
    error = _config_error({"SSL_CERT_FILE": str(path)})
    assert len(error.problems) == 1, str(error)
    (problem,) = error.problems
    assert problem.origin == f"SSL_CERT_FILE={path} (environment)"
    assert reason in problem.message
    assert f"SSL_CERT_FILE={path}" in str(error)
    assert error.hint is not None
    assert "unset both to use the bundled roots" in error.hint


def test_ssl_cert_file_whose_only_certificate_is_corrupt(tmp_certs: Path) -> None:
    path = _write(
        tmp_certs / "corrupt.pem",
        b"-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAA\n-----END CERTIFICATE-----\n",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigurationWarning)
        error = _config_error({"SSL_CERT_FILE": str(path)})
    (problem,) = error.problems
    assert problem.origin == f"SSL_CERT_FILE={path} (environment)"
    assert problem.message == "holds no certificate OpenSSL can read"


def test_corrupt_certificate_next_to_a_good_one_is_skipped_with_a_warning(
    pki: Pki, tmp_certs: Path
) -> None:
    path = _write(
        tmp_certs / "mixed.pem",
        b"-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAA\n-----END CERTIFICATE-----\n"
        + pki.root.cert_pem,
    )
    with pytest.warns(ConfigurationWarning, match="skipped a certificate OpenSSL cannot parse"):
        trust = make_trust({"SSL_CERT_FILE": str(path)})
    assert trust.verified_context().cert_store_stats()["x509_ca"] == 1


def test_ssl_cert_dir_where_no_entry_exists(tmp_path: Path) -> None:
    value = f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}"
    error = _config_error({"SSL_CERT_DIR": value})
    (problem,) = error.problems
    assert problem.origin == f"SSL_CERT_DIR={value} (environment)"
    assert problem.message == "none of its entries is an existing directory"


def test_ssl_cert_dir_naming_a_file_is_not_a_directory(pki: Pki) -> None:
    error = _config_error({"SSL_CERT_DIR": str(pki.ca_file)})
    (problem,) = error.problems
    assert problem.origin == f"SSL_CERT_DIR={pki.ca_file} (environment)"
    assert "none of its entries is an existing directory" in problem.message


def test_file_and_dir_problems_are_reported_together(tmp_path: Path) -> None:
    missing_file, missing_dir = tmp_path / "nope.pem", tmp_path / "nope.d"
    error = _config_error({"SSL_CERT_FILE": str(missing_file), "SSL_CERT_DIR": str(missing_dir)})
    assert [p.origin for p in error.problems] == [
        f"SSL_CERT_FILE={missing_file} (environment)",
        f"SSL_CERT_DIR={missing_dir} (environment)",
    ]


async def test_http_client_fails_at_start_for_unusable_roots(
    server_ctx: ssl.SSLContext, tmp_certs: Path
) -> None:
    missing = tmp_certs / "missing.pem"
    trust = trust_from(CustomRoots(str(missing)))
    async with serve_https(server_ctx) as server:
        with pytest.raises(ConfigurationError) as caught:
            await fetch(trust, server.url)
        assert server.requests == []
    assert caught.value.problems[0].origin == f"SSL_CERT_FILE={missing} (environment)"
    assert caught.value.hint is not None
    assert "unset both to use the bundled roots" in caught.value.hint


# --------------------------------------------------------------------------- pem_certificates


def test_pem_certificates_in_order_with_text_and_other_blocks() -> None:
    data = (
        b"leading text\n"
        + _UNRELATED.cert_pem
        + _UNRELATED.key_pem
        + b"between\n"
        + _UNRELATED_2.cert_pem
    )
    assert pem_certificates(data) == [_der(_UNRELATED), _der(_UNRELATED_2)]


def test_pem_certificates_crlf_line_endings() -> None:
    data = (_UNRELATED.cert_pem + b"junk\n" + _UNRELATED_2.cert_pem).replace(b"\n", b"\r\n")
    assert pem_certificates(data) == [_der(_UNRELATED), _der(_UNRELATED_2)]


def test_pem_certificates_without_final_newline_and_indented_base64() -> None:
    body = _UNRELATED.cert_pem.strip().split(b"\n")
    indented = b"\n".join([body[0], *(b"  " + line for line in body[1:-1]), body[-1]])
    assert pem_certificates(indented) == [_der(_UNRELATED)]


def test_pem_certificates_truncated_block_at_the_end_ignored() -> None:
    pem = _UNRELATED_2.cert_pem
    data = _UNRELATED.cert_pem + pem[: len(pem) // 2]
    assert pem_certificates(data) == [_der(_UNRELATED)]


def test_pem_certificates_truncated_block_before_a_complete_one() -> None:
    pem = _UNRELATED.cert_pem
    data = pem[: len(pem) // 2] + b"\n" + _UNRELATED_2.cert_pem
    assert pem_certificates(data) == [_der(_UNRELATED_2)]
    # Two cut blocks in a row, then a complete one, then another complete one.
    data = pem[:40] + pem[: len(pem) // 3] + _UNRELATED_2.cert_pem + pem
    assert pem_certificates(data) == [_der(_UNRELATED_2), _der(_UNRELATED)]


def test_pem_certificates_nothing_found() -> None:
    assert pem_certificates(b"") == []
    assert pem_certificates(_der(_UNRELATED)) == []
    assert pem_certificates(_UNRELATED.key_pem) == []
    assert pem_certificates(b"-----BEGIN CERTIFICATE-----\n") == []


# --------------------------------------------------------------------------- platform


def _system_at(root: Path, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make PlatformRoots find its store in ``root``, laid out with ``files``, as a
    system whose OpenSSL defaults point nowhere would (tests/test_system_store.py has
    every layout)."""
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    found = functools.partial(system_store.find_system_store, (None, None), root=str(root))
    monkeypatch.setattr(sources, "find_system_store", found)


PLATFORM_LAYOUTS = {
    "debian bundle": "etc/ssl/certs/ca-certificates.crt",
    "android directory": "system/etc/security/cacerts/9d66eef0.0",
}


@pytest.mark.parametrize("layout", PLATFORM_LAYOUTS)
async def test_platform_roots_load_the_store_they_find(
    layout: str,
    pki: Pki,
    server_ctx: ssl.SSLContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = PLATFORM_LAYOUTS[layout]
    # Android's files carry a text dump before the PEM block.
    _system_at(
        tmp_path / "ok", {name: b"Certificate:\n  Data: ...\n" + pki.root.cert_pem}, monkeypatch
    )
    trust = trust_from(PlatformRoots("test", os_verifier=False))
    await accepted(trust, server_ctx)
    assert trust.verified_context() is trust.verified_context()  # loaded once

    _system_at(tmp_path / "other", {name: _UNRELATED.cert_pem}, monkeypatch)
    error = await rejected(trust_from(PlatformRoots("test", os_verifier=False)), server_ctx)
    assert error.kind == "unknown-issuer"
    assert "[test]" in error.trust


def test_platform_store_openssl_cannot_read_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = "etc/ssl/certs/ca-certificates.crt"
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    _system_at(tmp_path, {bundle: broken}, monkeypatch)
    with pytest.raises(ConfigurationError) as caught:
        trust_from(PlatformRoots("test", os_verifier=False)).verified_context()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"configuration error: platform trust store {tmp_path / bundle}")
    assert "OpenSSL cannot read it" in message
    assert caught.value.hint is not None
    assert "--system-certs" in caught.value.hint


async def test_platform_roots_follow_openssl_default_paths(
    pki: Pki, server_ctx: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))  # read by OpenSSL, not indexclient
    source = PlatformRoots("test")
    assert source.os_verifier is (sys.platform in ("darwin", "win32"))
    trust = trust_from(source)
    await accepted(trust, server_ctx)
    assert trust.verified_context() is trust.verified_context()  # built once
    assert ssl.SSLContext is not truststore.SSLContext  # trust is never injected globally
    if not source.os_verifier:
        assert "system store loaded once" in source.describe()
        assert not isinstance(trust.verified_context(), truststore.SSLContext)


async def test_platform_roots_reject_an_issuer_missing_from_the_store(
    server_ctx: ssl.SSLContext, unrelated_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(unrelated_file))
    error = await rejected(trust_from(PlatformRoots("test")), server_ctx)
    assert error.kind == "unknown-issuer"
    assert "platform roots (" in error.trust
    assert "[test]" in error.trust
    assert error.hint is not None
    assert "operating system's trust store" in error.hint
    assert "proxy" not in error.hint
    assert "--system-certs" not in error.hint


async def test_platform_roots_os_verifier(
    pki: Pki,
    server_ctx: ssl.SSLContext,
    unrelated_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    trust = trust_from(PlatformRoots("test", os_verifier=True))
    assert isinstance(trust.verified_context(), truststore.SSLContext)
    assert "OS verifier" in trust.source.describe()
    await accepted(trust, server_ctx)

    monkeypatch.setenv("SSL_CERT_FILE", str(unrelated_file))
    error = await rejected(trust_from(PlatformRoots("test", os_verifier=True)), server_ctx)
    assert error.kind == "unknown-issuer"
    assert error.hint is not None
    assert "operating system's trust store" in error.hint
    assert "proxy" not in error.hint


async def test_policy_applies_through_the_os_verifier(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    issued = pki.root.issue_intermediate("k1", "ec-secp256k1").issue_leaf()
    ctx = server_context(issued)
    async with serve_https(ctx) as server:
        # truststore on its own (OpenSSL underneath) accepts the chain...
        plain = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        _, writer = await asyncio.open_connection(server.host, server.port, ssl=plain)
        writer.close()
        await writer.wait_closed()
    # ...the policy hooked into truststore's context does not.
    trust = trust_from(PlatformRoots("test", os_verifier=True))
    error = await rejected(trust, ctx)
    assert error.kind == "weak-algorithm"
    assert "k1" in error.reason
    assert "secp256k1" in error.reason
    # The same with the system store loaded once.
    error = await rejected(trust_from(PlatformRoots("test", os_verifier=False)), ctx)
    assert error.kind == "weak-algorithm"


def test_loaded_locations_survive_a_shared_context(pki: Pki, tmp_path: Path) -> None:
    # The second trust gets the first one's cached context: it must still report what
    # the file contributed, not an empty list.
    cache = ContextCache()
    env = {"SSL_CERT_FILE": str(pki.ca_file)}
    first = make_trust(env, cache=cache)
    second = make_trust(env, cache=cache)
    assert first.verified_context() is second.verified_context()
    expected = (LoadedLocation(str(pki.ca_file), "file", 1),)
    assert first.loaded_locations() == second.loaded_locations() == expected
