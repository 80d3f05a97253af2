"""Trust sources: where the root certificates come from (docs/trust.md, "Trust sources").

Exactly one source is in effect per client:

* :class:`BundledRoots`: the Mozilla roots shipped by certifi (the default);
* :class:`PlatformRoots`: the operating system's verifier (truststore) on macOS and
  Windows, the system store elsewhere;
* :class:`CustomRoots`: only the certificates in ``SSL_CERT_FILE`` and/or ``SSL_CERT_DIR``
  (or in pip's ``cert``, when nothing of uv's chooses the roots).

A source only knows how to make a client context holding its roots; the verification
policy and the client certificate are applied by :mod:`indexclient.tls.contexts`, and
the result is cached there, so a source's (slow) loading runs once per configuration.
"""

from __future__ import annotations

import binascii
import contextlib
import os
import ssl
import stat
import sys
import warnings
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

from indexclient.errors import ConfigProblem, ConfigurationError, ConfigurationWarning
from indexclient.tls.system_store import SystemStore, find_system_store
from indexclient.userfiles import MAX_TRUST_FILE, UnreadableFile, read_user_file

__all__ = [
    "BundledRoots",
    "CustomRoots",
    "LoadedLocation",
    "PlatformRoots",
    "TrustSource",
]

_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_PEM_END = b"-----END CERTIFICATE-----"

# A file this large in a certificate directory is not a certificate bundle we should read
# (the biggest system bundles are well under 1 MiB); skipping it keeps a stray file cheap.
_MAX_CERT_FILE_BYTES = MAX_TRUST_FILE


def new_client_context() -> ssl.SSLContext:
    """A client context with no roots loaded; verification settings come later."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class TrustSource(ABC):
    """Where root certificates come from. Subclasses are the strategies.

    ``origin`` says how the source was selected, as a person would write it:
    ``default``, ``--system-certs``, ``UV_SYSTEM_CERTS (environment)``, ...
    """

    __module__ = "indexclient"

    #: ``bundled``, ``platform`` or ``custom``.
    kind: str = ""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    @abstractmethod
    def cache_key(self) -> Hashable:
        """Equal for sources that would load the same roots (contexts are shared)."""

    @abstractmethod
    def new_context(self) -> ssl.SSLContext:
        """A new client context holding this source's roots. Called once per configuration."""

    @abstractmethod
    def describe(self) -> str:
        """One line for messages: what the roots are, and where that choice came from."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"


def _certifi() -> ModuleType:
    # Imported by the bundled source only (its import reads package resources): a run
    # configured with SSL_CERT_FILE or platform roots never loads it.
    import certifi

    return certifi


class BundledRoots(TrustSource):
    """The Mozilla root set shipped by certifi."""

    __module__ = "indexclient"

    kind = "bundled"

    def __init__(self, origin: str = "default") -> None:
        super().__init__(origin)

    def cache_key(self) -> Hashable:
        return ("bundled", _certifi().where())

    def new_context(self) -> ssl.SSLContext:
        ctx = new_client_context()
        ctx.load_verify_locations(cafile=_certifi().where())
        return ctx

    def describe(self) -> str:
        return f"bundled roots (certifi {_certifi().__version__}) [{self.origin}]"


class PlatformRoots(TrustSource):
    """The operating system's trust store.

    On macOS and Windows the handshake is verified by the OS, through truststore's public
    ``truststore.SSLContext``. On Linux and other Unix systems there is no OS verifier,
    only a bundle file or a directory of certificates: :mod:`indexclient.tls.system_store`
    finds it (OpenSSL's defaults first, as truststore does, then the locations the
    distributions document) and it is loaded once into a plain context, where
    truststore's context would re-read it every time a socket is wrapped (tens of
    milliseconds per connection; README, "Contexts"). ``os_verifier=True`` forces
    truststore's own context, which the benchmarks use as a peer and the tests use to
    exercise the policy hook on it.
    """

    __module__ = "indexclient"

    kind = "platform"

    def __init__(self, origin: str, *, os_verifier: bool | None = None) -> None:
        super().__init__(origin)
        if os_verifier is None:
            os_verifier = sys.platform in ("darwin", "win32")
        self.os_verifier = os_verifier

    def cache_key(self) -> Hashable:
        return ("platform", self.os_verifier)

    def new_context(self) -> ssl.SSLContext:
        if self.os_verifier:
            # Deferred: only this source needs truststore; other runs must not import it.
            import truststore

            return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx = new_client_context()
        _load_system_store(ctx, find_system_store())
        return ctx

    def describe(self) -> str:
        if self.os_verifier:
            return f"platform roots (the OS verifier, via truststore) [{self.origin}]"
        return f"platform roots (the system store loaded once) [{self.origin}]"


@dataclass(frozen=True, slots=True)
class LoadedLocation:
    """What was read from one SSL_CERT_FILE or SSL_CERT_DIR entry, for diagnostics."""

    __module__ = "indexclient"

    path: str
    kind: str  # "file" or "dir"
    certificates: int  # new certificates this location contributed
    files: int = 1  # files read (directories)


def pem_certificates(data: bytes) -> list[bytes]:
    """The DER of every PEM certificate block in ``data``, in order.

    Text between blocks and other PEM types (keys, CRLs) are ignored. ``bytes.find``
    rather than a regular expression: a system bundle is read on every cold start.
    """
    ders = []
    position = 0
    while (start := data.find(_PEM_BEGIN, position)) >= 0:
        start += len(_PEM_BEGIN)
        end = data.find(_PEM_END, start)
        if end < 0:
            break
        restart = data.find(_PEM_BEGIN, start, end)
        if restart >= 0:
            # A block cut short before the next one begins: skip it, keep the next.
            position = restart
            continue
        position = end + len(_PEM_END)
        try:
            # Non-strict decoding skips the line breaks (and any stray characters).
            ders.append(binascii.a2b_base64(data[start:end]))
        except binascii.Error:
            continue
    return ders


@dataclass(slots=True)
class _Scan:
    """Certificates collected from the custom locations, deduplicated by content."""

    ders: dict[bytes, str] = field(default_factory=dict)  # DER -> the file it came from
    locations: list[LoadedLocation] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add_file(self, path: str, data: bytes) -> tuple[int, int]:
        """Collect one file's certificates: (certificates found, new ones added)."""
        found = pem_certificates(data)
        before = len(self.ders)
        for der in found:
            self.ders.setdefault(der, path)
        return len(found), len(self.ders) - before

    def load_into(self, ctx: ssl.SSLContext) -> set[str]:
        """Load everything in one call (per-call overhead adds up over hundreds of
        files); if OpenSSL refuses the lot for one bad certificate, load them one by one
        and skip the bad ones with a warning. Returns the paths that gave a certificate."""
        if not self.ders:
            return set()
        try:
            ctx.load_verify_locations(cadata=b"".join(self.ders))
        except ssl.SSLError:
            loaded = set()
            for der, path in self.ders.items():
                try:
                    ctx.load_verify_locations(cadata=der)
                except ssl.SSLError:
                    self.warnings.append(f"{path}: skipped a certificate OpenSSL cannot parse")
                else:
                    loaded.add(path)
            return loaded
        return set(self.ders.values())


def _load_system_store(ctx: ssl.SSLContext, store: SystemStore) -> None:
    """Load the roots :func:`find_system_store` chose into ``ctx``, once."""
    if store.how == "openssl":
        # As OpenSSL's own set_default_verify_paths (and so truststore) does: a default
        # file it cannot read is passed over, and the directory is searched by hash.
        if store.cafile:
            with contextlib.suppress(ssl.SSLError):
                ctx.load_verify_locations(cafile=store.cafile)
        if store.capath:
            ctx.load_verify_locations(capath=store.capath)
    elif store.how == "file" and store.cafile:
        try:
            ctx.load_verify_locations(cafile=store.cafile)
        except ssl.SSLError as exc:
            raise ConfigurationError.single(
                f"platform trust store {store.cafile}",
                f"OpenSSL cannot read it ({exc.reason or exc})",
                hint="Repair the system's CA bundle, or choose other roots with "
                "SSL_CERT_FILE or without --system-certs.",
            ) from exc
    elif store.how == "directory" and store.capath:
        # Read every file once (Android's names are not OpenSSL's hashes, so a hashed
        # lookup would find nothing); a certificate OpenSSL refuses is skipped with a warning.
        scan = _Scan()
        with contextlib.suppress(OSError):
            _scan_directory(scan, store.capath, set())
        scan.load_into(ctx)
        for message in scan.warnings:
            warnings.warn(message, ConfigurationWarning, stacklevel=4)


def _scan_directory(
    scan: _Scan, directory: str, seen_files: set[tuple[int, int]]
) -> tuple[LoadedLocation, int]:
    """Collect the certificates of every regular file directly in ``directory``: what it
    contributed, and how many certificates it held (duplicates of earlier ones included).

    Symlinks are followed and dangling ones skipped; ``seen_files`` (device, inode) makes
    several names for one file (OpenSSL's hash links, the .pem names) read it once.
    Raises :class:`OSError` when the directory cannot be listed.
    """
    entries = sorted(os.scandir(directory), key=lambda e: e.name)
    found = added = files = 0
    for entry in entries:
        try:
            st = entry.stat()  # follows symlinks; a dangling one raises
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_CERT_FILE_BYTES:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen_files:
            continue
        seen_files.add(ident)
        try:
            # Checked again on the open file: the entry may have changed since.
            data = read_user_file(entry.path, limit=_MAX_CERT_FILE_BYTES)
        except UnreadableFile:
            continue
        files += 1
        file_found, file_added = scan.add_file(entry.path, data)
        found += file_found
        added += file_added
    return LoadedLocation(directory, "dir", added, files), found


class CustomRoots(TrustSource):
    """Only the certificates in ``SSL_CERT_FILE`` and/or the ``SSL_CERT_DIR`` directories.

    Every regular file of each directory is read whatever its name (not recursively),
    symlinks are followed and dangling ones skipped, files without a PEM certificate
    are ignored, and a certificate reached through several names is loaded once.
    Problems fail loudly (docs/trust.md, "When a source cannot be used"). ``origin`` says
    where the paths came from (``environment`` for the variables); ``file_setting`` is
    the setting that named the file, as messages name it: ``SSL_CERT_FILE``, or pip's
    (``PIP_CERT``, or ``cert`` in a pip configuration file).
    """

    __module__ = "indexclient"

    kind = "custom"

    def __init__(
        self,
        cert_file: str | None = None,
        cert_dirs: Sequence[str] = (),
        *,
        origin: str = "environment",
        file_setting: str = "SSL_CERT_FILE",
    ) -> None:
        if not cert_file and not cert_dirs:
            raise ValueError("CustomRoots needs a certificate file or directory")
        super().__init__(origin)
        self.cert_file = cert_file or None
        self.cert_dirs = tuple(cert_dirs)
        self.file_setting = file_setting
        #: Filled by new_context: what each file and directory contributed.
        self.locations: tuple[LoadedLocation, ...] = ()

    def cache_key(self) -> Hashable:
        return ("custom", self.cert_file, self.cert_dirs)

    def setting_names(self) -> str:
        """The variables in effect, as a person would write them."""
        parts = []
        if self.cert_file:
            parts.append(f"{self.file_setting}={self.cert_file}")
        if self.cert_dirs:
            parts.append(f"SSL_CERT_DIR={os.pathsep.join(self.cert_dirs)}")
        return " and ".join(parts)

    def describe(self) -> str:
        return f"custom roots {self.setting_names()} ({self.origin}), replacing the bundled roots"

    def new_context(self) -> ssl.SSLContext:
        scan = _Scan()
        if self.cert_file:
            self._scan_file(scan, self.cert_file)
        if self.cert_dirs:
            self._scan_dirs(scan)
        if scan.problems:
            raise ConfigurationError(scan.problems, hint=self._hint())
        ctx = new_client_context()
        loaded = scan.load_into(ctx)
        if self.cert_file and self.cert_file not in loaded:
            raise ConfigurationError.single(
                f"{self.file_setting}={self.cert_file} ({self.origin})",
                "holds no certificate OpenSSL can read",
                hint=self._hint(),
            )
        if not loaded:
            # An empty store would reject every server with "unknown issuer" later on;
            # uv warns and carries on, indexclient stops here (docs/trust.md).
            raise ConfigurationError.single(
                f"{self.setting_names()} ({self.origin})",
                "holds no certificate at all, so no server could be trusted",
            )
        for message in scan.warnings:
            warnings.warn(message, ConfigurationWarning, stacklevel=3)
        self.locations = tuple(scan.locations)
        return ctx

    def _hint(self) -> str:
        if self.file_setting == "SSL_CERT_FILE":
            return (
                "SSL_CERT_FILE must name a PEM file of certificates and SSL_CERT_DIR "
                "directories holding PEM files; unset both to use the bundled roots."
            )
        # pip's cert: any trust setting of uv's takes its place (docs/trust.md).
        return (
            f"pip's cert ({self.file_setting}) must name a PEM file of certificates; or "
            "choose the roots with SSL_CERT_FILE, --system-certs or --no-system-certs "
            "(UV_SYSTEM_CERTS), any of which replaces it."
        )

    def _scan_file(self, scan: _Scan, path: str) -> None:
        origin = f"{self.file_setting}={path} ({self.origin})"
        if os.path.isdir(path):
            scan.problems.append(ConfigProblem(origin, "is a directory (use SSL_CERT_DIR)"))
            return
        try:
            # A FIFO or device would block or never end: refused (docs/security.md).
            data = read_user_file(path, limit=_MAX_CERT_FILE_BYTES)
        except UnreadableFile as exc:
            scan.problems.append(ConfigProblem(origin, exc.reason))
            return
        found, added = scan.add_file(path, data)
        if not found:
            scan.problems.append(
                ConfigProblem(origin, "holds no PEM certificate (DER is not supported)")
            )
            return
        scan.locations.append(LoadedLocation(path, "file", added))

    def _scan_dirs(self, scan: _Scan) -> None:
        existing = 0
        # Several names (OpenSSL's hash links, the .pem names) often lead to one file:
        # read each underlying file once, keyed by device and inode.
        seen_files: set[tuple[int, int]] = set()
        for directory in self.cert_dirs:
            try:
                location, found = _scan_directory(scan, directory, seen_files)
            except OSError as exc:
                reason = "does not exist" if isinstance(exc, FileNotFoundError) else exc.strerror
                scan.warnings.append(f"SSL_CERT_DIR entry {directory}: {reason}; skipped")
                continue
            existing += 1
            if not found:
                scan.warnings.append(f"SSL_CERT_DIR entry {directory} holds no PEM certificate")
            scan.locations.append(location)
        if existing == 0:
            scan.problems.append(
                ConfigProblem(
                    f"SSL_CERT_DIR={os.pathsep.join(self.cert_dirs)} ({self.origin})",
                    "none of its entries is an existing directory",
                )
            )
