"""Where a Unix system other than macOS keeps its trusted roots (the platform source).

On macOS and Windows the operating system verifies the chain (truststore). Elsewhere "the
system store" is a file or a directory of PEM certificates whose place depends on the
distribution, so it has to be found; :class:`~indexclient.tls.sources.PlatformRoots` then
loads it once into its cached context (README, "Contexts").

The choice, first match wins:

1. OpenSSL's own defaults (:func:`openssl_defaults`: ``SSL_CERT_FILE``/``SSL_CERT_DIR``
   or the paths OpenSSL was built with), when the file exists or the directory holds
   hashed certificate names: what a plain OpenSSL client on this machine trusts, and what
   truststore uses on Linux.
2. The first existing bundle file of :data:`CA_FILES`: the places distributions document,
   for Pythons whose OpenSSL was built for another layout (standalone builds, some
   manylinux and conda interpreters).
3. The first directory of :data:`CA_DIRECTORIES` that holds a certificate file (Android
   keeps only a directory).

Nothing found is not an error here: the store is then empty and every server is refused
as "unknown issuer", with a hint that names the platform store.
"""

from __future__ import annotations

import os
import re
import ssl
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CA_DIRECTORIES",
    "CA_FILES",
    "SystemStore",
    "built_in_defaults",
    "find_system_store",
    "openssl_defaults",
    "store_files",
]

CA_FILES: tuple[str, ...] = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL 6
    "/etc/ssl/ca-bundle.pem",  # openSUSE, SLES
    "/etc/pki/tls/cacert.pem",  # OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # CentOS, RHEL 7+, Fedora 43+
    "/etc/ssl/cert.pem",  # Alpine, OpenBSD, Fedora 34-42, RHEL 9-10
    "/etc/pki/tls/cert.pem",  # Fedora up to 34, RHEL and CentOS up to 9
    "/usr/local/etc/ssl/cert.pem",  # FreeBSD
    "/usr/local/share/certs/ca-root-nss.crt",  # DragonFly BSD
    "/etc/openssl/certs/ca-certificates.crt",  # NetBSD
)
"""CA bundle files, in the order they are tried: the locations Go's crypto/x509 and
truststore document for Linux and the BSDs."""

CA_DIRECTORIES: tuple[str, ...] = (
    "/etc/ssl/certs",  # SLES 10/11 and most distributions beside their bundle
    "/etc/pki/tls/certs",  # Fedora, RHEL
    "/system/etc/security/cacerts",  # Android
    "/usr/local/share/certs",  # FreeBSD
    "/etc/openssl/certs",  # NetBSD
)
"""Directories of certificate files, tried when no bundle file exists."""

# The names c_rehash and `openssl rehash` give (subject hash, then a counter): OpenSSL's
# directory lookup finds nothing in a directory without them.
_HASHED_NAME = re.compile(r"[0-9a-fA-F]{8}\.[0-9]+")
_CERT_SUFFIXES = (".pem", ".crt")


@dataclass(frozen=True, slots=True)
class SystemStore:
    """The roots to load: a bundle ``cafile``, a directory ``capath``, or neither.

    ``how`` says which rule chose them: ``openssl`` (OpenSSL's defaults: the directory,
    if any, is searched by hashed name as OpenSSL does), ``file`` (a distribution bundle),
    ``directory`` (every certificate file of the directory is read) or ``none``.
    """

    how: Literal["openssl", "file", "directory", "none"]
    cafile: str | None = None
    capath: str | None = None

    def describe(self) -> str:
        """Where the roots come from, for messages."""
        paths = [p for p in (self.cafile, self.capath) if p]
        return " and ".join(paths) if paths else "no system store found"


def openssl_defaults() -> tuple[str | None, str | None]:
    """OpenSSL's default file and directory, each ``None`` unless it exists.

    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set, else the paths OpenSSL was built with.
    """
    paths = ssl.get_default_verify_paths()
    # Typed as str, but None when the path does not exist.
    return paths.cafile or None, paths.capath or None


def built_in_defaults() -> tuple[str | None, str | None]:
    """OpenSSL's compiled-in default file and directory, each ``None`` unless it exists.

    Unlike :func:`openssl_defaults`, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` are not read:
    while either is set indexclient uses them as custom roots, so the store that
    ``--system-certs`` would load is the one OpenSSL finds once they are unset. The
    hint after a rejected chain asks this (indexclient.tls.alternatives).
    """
    paths = ssl.get_default_verify_paths()
    cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    capath = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
    return cafile, capath


def find_system_store(
    defaults: tuple[str | None, str | None] | None = None, *, root: str = "/"
) -> SystemStore:
    """Find the system's roots (see the module docstring for the order).

    ``defaults`` are OpenSSL's default file and directory (:func:`openssl_defaults` when
    ``None``), used as they are since that is what OpenSSL would open. ``root`` prefixes
    the distribution locations, so that a test can lay out a distribution in a directory.
    """
    default_file, default_dir = openssl_defaults() if defaults is None else defaults
    cafile = default_file if default_file and os.path.isfile(default_file) else None
    capath = default_dir if default_dir and os.path.isdir(default_dir) else None
    if cafile or (capath and _holds(capath, hashed_only=True)):
        return SystemStore("openssl", cafile, capath)
    for candidate in CA_FILES:
        path = _under(root, candidate)
        if os.path.isfile(path):  # follows symlinks, as the distributions use them
            return SystemStore("file", cafile=path)
    for candidate in CA_DIRECTORIES:
        path = _under(root, candidate)
        if os.path.isdir(path) and _holds(path, hashed_only=False):
            return SystemStore("directory", capath=path)
    return SystemStore("none")


def store_files(store: SystemStore, *, limit: int = 4096) -> list[str]:
    """The paths the store's roots are read from, as its context loads them: the bundle
    file; in a directory of OpenSSL's defaults only the hashed names, since OpenSSL looks
    certificates up by them; in a directory found otherwise every entry. At most
    ``limit`` entries of a directory, in name order. For reading the store without
    loading it (the hint after a rejected chain); a directory that cannot be listed
    gives nothing."""
    paths = [store.cafile] if store.cafile else []
    if store.capath:
        try:
            names = sorted(os.listdir(store.capath))
        except OSError:
            names = []
        if store.how == "openssl":
            names = [name for name in names if _HASHED_NAME.fullmatch(name)]
        paths += [os.path.join(store.capath, name) for name in names[:limit]]
    return paths


def _under(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def _holds(directory: str, *, hashed_only: bool) -> bool:
    """Whether ``directory`` has an entry named like a certificate file."""
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    for name in names:
        if _HASHED_NAME.fullmatch(name):
            return True
        if not hashed_only and name.endswith(_CERT_SUFFIXES):
            return True
    return False
