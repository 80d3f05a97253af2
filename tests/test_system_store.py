"""Finding the system store on Unix: each distribution's layout, laid out in a directory.

The roots of the platform source on Linux and the BSDs (indexclient.tls.system_store):
OpenSSL's defaults when they hold something, else the first bundle file the distributions
document, else a directory of certificate files. Each layout here is a fake root holding
only what that system ships; the check is which location is chosen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Pki

from indexclient.tls.system_store import CA_DIRECTORIES, CA_FILES, SystemStore, find_system_store


def openssl_defaults(
    cafile: Path | None = None, capath: Path | None = None
) -> tuple[str | None, str | None]:
    """OpenSSL's default file and directory, as find_system_store takes them."""
    return (str(cafile) if cafile else None, str(capath) if capath else None)


NO_DEFAULTS = openssl_defaults()

# layout: (the files it has, see lay_out; the location expected; how it is loaded)
LAYOUTS: dict[str, tuple[dict[str, str], str, str]] = {
    "debian": (
        {
            "etc/ssl/certs/ca-certificates.crt": "pem",
            "etc/ssl/certs/ISRG_Root_X1.pem": "pem",
            "etc/ssl/certs/4042bcee.0": "->ISRG_Root_X1.pem",
            "usr/lib/ssl/cert.pem": "->/etc/ssl/certs/ca-certificates.crt",
        },
        "etc/ssl/certs/ca-certificates.crt",
        "file",
    ),
    "fedora-rhel6": (
        {"etc/pki/tls/certs/ca-bundle.crt": "pem"},
        "etc/pki/tls/certs/ca-bundle.crt",
        "file",
    ),
    "opensuse": ({"etc/ssl/ca-bundle.pem": "pem"}, "etc/ssl/ca-bundle.pem", "file"),
    "openelec": ({"etc/pki/tls/cacert.pem": "pem"}, "etc/pki/tls/cacert.pem", "file"),
    "centos-rhel7": (
        {"etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem": "pem"},
        "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "file",
    ),
    "fedora-42": (
        {
            "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem": "pem",
            "etc/pki/tls/certs/ca-bundle.crt": "->../../ca-trust/extracted/pem/tls-ca-bundle.pem",
            "etc/ssl/cert.pem": "->../pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        },
        "etc/pki/tls/certs/ca-bundle.crt",
        "file",
    ),
    "rhel-9": ({"etc/pki/tls/cert.pem": "pem"}, "etc/pki/tls/cert.pem", "file"),
    "alpine": ({"etc/ssl/cert.pem": "pem"}, "etc/ssl/cert.pem", "file"),
    "freebsd": ({"usr/local/etc/ssl/cert.pem": "pem"}, "usr/local/etc/ssl/cert.pem", "file"),
    "dragonfly": (
        {"usr/local/share/certs/ca-root-nss.crt": "pem"},
        "usr/local/share/certs/ca-root-nss.crt",
        "file",
    ),
    "netbsd": (
        {"etc/openssl/certs/ca-certificates.crt": "pem"},
        "etc/openssl/certs/ca-certificates.crt",
        "file",
    ),
    "android": (
        {"system/etc/security/cacerts/00673b5b.0": "pem", "system/etc/security/cacerts/x": ""},
        "system/etc/security/cacerts",
        "directory",
    ),
    "certificates-only-as-files": (
        {"etc/ssl/certs/corp-root.pem": "pem", "etc/ssl/certs/README": ""},
        "etc/ssl/certs",
        "directory",
    ),
    # A bundle name that is a dangling link, or a directory, is passed over.
    "dangling-bundle-link": (
        {"etc/ssl/certs/ca-certificates.crt": "->/gone.pem", "etc/ssl/cert.pem": "pem"},
        "etc/ssl/cert.pem",
        "file",
    ),
    "bundle-name-is-a-directory": (
        {"etc/ssl/ca-bundle.pem/notes": "", "etc/pki/tls/cacert.pem": "pem"},
        "etc/pki/tls/cacert.pem",
        "file",
    ),
    # A directory without anything named like a certificate is not a store.
    "directory-without-certificates": (
        {"etc/ssl/certs/README": "", "etc/pki/tls/certs/1a2b3c4d.0": "pem"},
        "etc/pki/tls/certs",
        "directory",
    ),
}


def lay_out(root: Path, files: dict[str, str], pem: bytes) -> None:
    """Write ``files`` under ``root``: "pem" is a certificate, "" some text, and "->target"
    a symlink (an absolute target is taken inside ``root``)."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content.startswith("->"):
            target = content[2:]
            path.symlink_to(root / target.lstrip("/") if target.startswith("/") else target)
        else:
            path.write_bytes(pem if content == "pem" else b"not a certificate\n")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_distribution_layout(layout: str, tmp_path: Path, pki: Pki) -> None:
    files, expected, how = LAYOUTS[layout]
    lay_out(tmp_path, files, pki.root.cert_pem)
    store = find_system_store(NO_DEFAULTS, root=str(tmp_path))
    path = str(tmp_path / expected)
    if how == "file":
        assert store == SystemStore("file", cafile=path)
    else:
        assert store == SystemStore("directory", capath=path)
    assert store.describe() == path


def test_the_documented_locations_are_all_tried(tmp_path: Path, pki: Pki) -> None:
    # Every bundle file alone is found; each earlier one wins over every later one.
    for index, candidate in enumerate(CA_FILES):
        root = tmp_path / f"files-{index}"
        lay_out(root, {name.lstrip("/"): "pem" for name in CA_FILES[index:]}, pki.root.cert_pem)
        assert find_system_store(NO_DEFAULTS, root=str(root)).cafile == str(root / candidate[1:])
    for index, candidate in enumerate(CA_DIRECTORIES):
        root = tmp_path / f"dirs-{index}"
        files = {f"{name.lstrip('/')}/0a1b2c3d.0": "pem" for name in CA_DIRECTORIES[index:]}
        lay_out(root, files, pki.root.cert_pem)
        assert find_system_store(NO_DEFAULTS, root=str(root)).capath == str(root / candidate[1:])


def test_nothing_found(tmp_path: Path) -> None:
    (tmp_path / "etc/ssl/certs").mkdir(parents=True)
    store = find_system_store(NO_DEFAULTS, root=str(tmp_path))
    assert store == SystemStore("none")
    assert store.describe() == "no system store found"


def test_openssl_default_file_comes_first(tmp_path: Path, pki: Pki) -> None:
    # SSL_CERT_FILE, or the file OpenSSL was built with, is what a plain OpenSSL client
    # here trusts: it wins over the distribution's bundle.
    lay_out(tmp_path / "root", {"etc/ssl/certs/ca-certificates.crt": "pem"}, pki.root.cert_pem)
    cafile, capath = tmp_path / "openssl" / "cert.pem", tmp_path / "openssl" / "certs"
    lay_out(tmp_path / "openssl", {"cert.pem": "pem", "certs/README": ""}, pki.root.cert_pem)
    store = find_system_store(openssl_defaults(cafile, capath), root=str(tmp_path / "root"))
    assert store == SystemStore("openssl", str(cafile), str(capath))
    assert store.describe() == f"{cafile} and {capath}"


def test_openssl_default_directory_counts_only_with_hashed_names(tmp_path: Path, pki: Pki) -> None:
    capath = tmp_path / "openssl-certs"
    lay_out(tmp_path / "root", {"etc/ssl/cert.pem": "pem"}, pki.root.cert_pem)
    lay_out(capath, {"corp-root.pem": "pem"}, pki.root.cert_pem)
    # OpenSSL looks certificates up by hashed name: plain names would give it nothing.
    store = find_system_store(openssl_defaults(capath=capath), root=str(tmp_path / "root"))
    assert store == SystemStore("file", cafile=str(tmp_path / "root/etc/ssl/cert.pem"))
    (capath / "9d66eef0.0").symlink_to("corp-root.pem")
    store = find_system_store(openssl_defaults(capath=capath), root=str(tmp_path / "root"))
    assert store == SystemStore("openssl", None, str(capath))


# --------------------------------------------------------------------------- for the hint


def test_store_files_are_what_the_store_loads(tmp_path: Path, pki: Pki) -> None:
    # The hint after a refused chain reads the store as its context would load it
    # (indexclient.tls.alternatives): OpenSSL's default directory by hashed name only.
    from indexclient.tls.system_store import store_files

    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("corp-root.pem", "0123abcd.0", "0123abcd.1"):
        (certs / name).write_bytes(pki.root.cert_pem)
    hashed = [str(certs / "0123abcd.0"), str(certs / "0123abcd.1")]
    store = find_system_store(openssl_defaults(capath=certs), root=str(tmp_path))
    assert store.how == "openssl"
    assert store_files(store) == hashed
    assert store_files(SystemStore("directory", capath=str(certs))) == [
        *hashed,
        str(certs / "corp-root.pem"),
    ]
    assert store_files(SystemStore("directory", capath=str(certs)), limit=1) == hashed[:1]
    bundle = str(tmp_path / "bundle.pem")
    assert store_files(SystemStore("file", cafile=bundle)) == [bundle]
    assert store_files(SystemStore("none")) == []
    assert store_files(SystemStore("directory", capath=str(tmp_path / "gone"))) == []


def test_built_in_defaults_ignore_the_variables(
    tmp_path: Path, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While SSL_CERT_FILE is set it is indexclient's custom roots, so the store that
    # --system-certs would load is OpenSSL's own default, without the variable.
    from indexclient.tls.system_store import built_in_defaults
    from indexclient.tls.system_store import openssl_defaults as defaults

    before = built_in_defaults()
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert defaults() == (str(pki.ca_file), str(tmp_path))
    assert built_in_defaults() == before
    assert str(pki.ca_file) not in before
