"""nginx as a test fixture: real TLS servers on 127.0.0.1, one ``server {}`` per case.

The asyncio servers of :mod:`indexclient.testing.servers` run Python's own ``ssl`` module on
both ends of the connection. nginx is an independent implementation of the server side (its
own OpenSSL configuration, alerts, ranges, ETags, keep-alive), so serving the same cases
through it shows that the client works against the servers people actually run::

    sites = [Site("ok", root=www, cert=pki.root.issue_leaf())]
    with NginxServer(sites) as nginx:
        url = nginx.url("ok")              # https://127.0.0.1:<port>/
        ...
        nginx.access_log("ok")             # what nginx saw, one AccessLogEntry per request

Everything nginx writes (configuration, certificates, keys, pid file, logs, temporary
directories) lives in one private directory; nothing needs root, and nothing listens
anywhere but on 127.0.0.1. nginx runs in the foreground as a single process
(``daemon off; master_process off;``), so there are no workers to switch users and a plain
``SIGQUIT`` stops it.

Static simple indexes for it to serve come from :mod:`indexclient.testing.static_index`:
for a site with ``negotiate=True`` the directories under ``/simple/`` answer with
``index.json`` (as ``application/vnd.pypi.simple.v1+json``) when the Accept header asks for
PEP 691 JSON, and with ``index.html`` otherwise, with ``Vary: Accept``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, NamedTuple, TypeAlias

from indexclient.testing.pki import CertificateAuthority, IssuedCert, is_weak

__all__ = [
    "NGINX_LOCATIONS",
    "SKIP_REASON",
    "AccessLogEntry",
    "ClientCertCheck",
    "NginxError",
    "NginxServer",
    "Site",
    "TLSProtocol",
    "find_nginx",
    "nginx_version",
]

NGINX_LOCATIONS: tuple[str, ...] = (
    "/usr/sbin/nginx",  # Debian and Ubuntu packages; /usr/sbin is often not on PATH
    "/usr/local/sbin/nginx",
    "/usr/local/nginx/sbin/nginx",  # built from source with the default prefix
    "/usr/local/bin/nginx",
    "/opt/homebrew/bin/nginx",
)
"""Where :func:`find_nginx` looks when ``nginx`` is not on ``PATH``."""

SKIP_REASON = "nginx not installed; .ci/run installs nginx-light"
"""What tests that need nginx say when they skip."""

TLSProtocol: TypeAlias = Literal["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
"""A value of nginx's ``ssl_protocols``."""

ClientCertCheck: TypeAlias = Literal["http", "handshake"]
"""How a mutual-TLS site refuses a client without a certificate.

``http`` is nginx's own behaviour with ``ssl_verify_client on``: the handshake completes and
every request gets ``400 No required SSL certificate was sent``. ``handshake`` adds
``ssl_conf_command VerifyMode Peer,Require`` so that OpenSSL fails the handshake with an
alert instead, as most other TLS servers do.
"""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_STARTUP_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0
# Temporary-path directives, and the configure flag that removes each one's module.
_TEMP_PATHS = {
    "client_body_temp_path": None,
    "proxy_temp_path": "--without-http_proxy_module",
    "fastcgi_temp_path": "--without-http_fastcgi_module",
    "uwsgi_temp_path": "--without-http_uwsgi_module",
    "scgi_temp_path": "--without-http_scgi_module",
}
_JSON_TYPE = "application/vnd.pypi.simple.v1+json"


class NginxError(RuntimeError):
    """nginx could not be configured, started or stopped; the message quotes its log."""


def find_nginx() -> str | None:
    """The path of the nginx binary: ``PATH`` first, then :data:`NGINX_LOCATIONS`; or None."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in NGINX_LOCATIONS:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@functools.cache
def _build_info(binary: str) -> str:
    # `nginx -V` prints the version and configure arguments on stderr.
    result = subprocess.run(  # noqa: S603 - a path we found ourselves, no shell
        [binary, "-V"], capture_output=True, text=True, timeout=10, check=False
    )
    return result.stderr + result.stdout


def nginx_version(binary: str) -> tuple[int, ...]:
    """The version of the nginx at ``binary``, e.g. ``(1, 22, 1)``."""
    match = re.search(r"nginx/(\d+(?:\.\d+)*)", _build_info(binary))
    if match is None:
        raise NginxError(f"{binary} -V did not print a version: {_build_info(binary)!r}")
    return tuple(int(part) for part in match.group(1).split("."))


class AccessLogEntry(NamedTuple):
    """One request as nginx logged it."""

    method: str
    uri: str
    """The request target as sent, query string included."""
    status: int
    body_bytes: int
    """``$body_bytes_sent``: the response body bytes nginx wrote (headers excluded)."""
    range: str
    """The request's ``Range`` header, empty when there was none."""
    content_type: str
    """The response's ``Content-Type``."""
    accept: str
    """The request's ``Accept`` header."""
    tls: str
    """``$ssl_protocol``: ``TLSv1.3``, ``TLSv1.2``..., empty over plain HTTP."""
    client_dn: str
    """``$ssl_client_s_dn``: the client certificate's subject, empty without one."""
    client_verify: str
    """``$ssl_client_verify``: ``SUCCESS``, ``NONE`` or ``FAILED:<reason>``."""
    connection: int
    """``$connection``: the serial number of the TCP connection (reuse shows as repeats)."""
    connection_requests: int
    """``$connection_requests``: this request's number on its connection, from 1."""


# Logged as one JSON object per line (escape=json), parsed by _parse_log_line.
_LOG_FIELDS = {
    "method": "$request_method",
    "uri": "$request_uri",
    "status": "$status",
    "body_bytes": "$body_bytes_sent",
    "range": "$http_range",
    "content_type": "$sent_http_content_type",
    "accept": "$http_accept",
    "tls": "$ssl_protocol",
    "client_dn": "$ssl_client_s_dn",
    "client_verify": "$ssl_client_verify",
    "connection": "$connection",
    "connection_requests": "$connection_requests",
}


def _parse_log_line(line: str) -> AccessLogEntry:
    raw = json.loads(line)
    return AccessLogEntry(
        method=raw["method"],
        uri=raw["uri"],
        status=int(raw["status"]),
        body_bytes=int(raw["body_bytes"] or 0),
        range=raw["range"],
        content_type=raw["content_type"],
        accept=raw["accept"],
        tls=raw["tls"],
        client_dn=raw["client_dn"],
        client_verify=raw["client_verify"],
        connection=int(raw["connection"]),
        connection_requests=int(raw["connection_requests"]),
    )


@dataclass
class Site:
    """One ``server {}`` block: a port on 127.0.0.1 serving ``root`` as static files.

    ``cert`` makes it HTTPS (its chain as ``ssl_certificate``, its key as
    ``ssl_certificate_key``); ``None`` serves plain HTTP. ``protocols`` is ``ssl_protocols``.
    ``client_ca`` turns on mutual TLS (``ssl_verify_client on``) with that authority as
    ``ssl_client_certificate``; ``client_cert_check`` says how a client without a
    certificate is refused. ``allow_weak`` adds ``ssl_ciphers DEFAULT:@SECLEVEL=0`` so
    OpenSSL agrees to load SHA-1 or RSA-1024 certificates and to speak TLS below 1.2;
    it is switched on automatically when the chain holds such a certificate (as
    :func:`~indexclient.testing.pki.server_context` does) or a protocol below TLS 1.2 is
    listed. ``negotiate`` picks ``index.json`` or ``index.html`` under ``/simple/`` from
    the Accept header; ``ranges=False`` sets ``max_ranges 0`` (Range headers ignored, the
    whole file sent with 200).
    """

    name: str
    root: Path
    cert: IssuedCert | None = None
    protocols: tuple[TLSProtocol, ...] = ("TLSv1.2", "TLSv1.3")
    client_ca: CertificateAuthority | None = None
    client_cert_check: ClientCertCheck = "http"
    allow_weak: bool = False
    negotiate: bool = True
    ranges: bool = True
    port: int = field(default=0, init=False)
    """The port nginx listens on, set by :meth:`NginxServer.start`."""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"site names are letters, digits, '.', '_' and '-': {self.name!r}")
        if not self.protocols:
            raise ValueError(f"site {self.name!r}: at least one TLS protocol is needed")
        if self.client_ca is not None and self.cert is None:
            raise ValueError(f"site {self.name!r}: mutual TLS needs a server certificate")

    @property
    def scheme(self) -> str:
        """``https`` with a certificate, else ``http``."""
        return "http" if self.cert is None else "https"

    @property
    def url(self) -> str:
        """``scheme://127.0.0.1:port/``."""
        if not self.port:
            raise NginxError(f"site {self.name!r} has no port yet: start the server first")
        return f"{self.scheme}://127.0.0.1:{self.port}/"

    @property
    def weak(self) -> bool:
        """Whether the server side needs OpenSSL's security level 0."""
        if self.allow_weak or any(p in ("TLSv1", "TLSv1.1") for p in self.protocols):
            return True
        certs = [] if self.cert is None else [self.cert.cert, *self.cert.chain]
        if self.client_ca is not None:
            certs += [ca.cert for ca in (self.client_ca, *self.client_ca.parents)]
        return any(is_weak(c) for c in certs)


def _free_ports(count: int) -> list[int]:
    """``count`` distinct ports of 127.0.0.1 that were free a moment ago.

    Every socket stays bound until all ports are chosen: closing each one at once would let
    the kernel hand the same port out twice, and nginx happily puts two ``server {}``
    blocks on one port (as name-based virtual hosts), so a test would talk to the wrong
    site without any error.
    """
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def _quote(value: str | os.PathLike[str]) -> str:
    text = os.fspath(value)
    if any(c in text for c in '"\\\n\r'):
        raise NginxError(f"cannot write {text!r} into nginx.conf")
    return f'"{text}"'


class NginxServer:
    """An nginx process serving ``sites``, each on its own port of 127.0.0.1.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. ``directory`` holds
    everything nginx reads and writes (a fresh temporary directory, removed on stop, when
    not given). ``binary`` defaults to :func:`find_nginx`.
    """

    def __init__(
        self,
        sites: Iterable[Site],
        *,
        binary: str | None = None,
        directory: Path | None = None,
        startup_timeout: float = _STARTUP_TIMEOUT,
    ) -> None:
        self.sites: dict[str, Site] = {}
        for site in sites:
            if site.name in self.sites:
                raise ValueError(f"two sites are named {site.name!r}")
            self.sites[site.name] = site
        if not self.sites:
            raise ValueError("NginxServer needs at least one site")
        found = binary or find_nginx()
        if found is None:
            raise NginxError(SKIP_REASON)
        self.binary = found
        self.startup_timeout = startup_timeout
        self._given_directory = directory
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    # -- paths ---------------------------------------------------------------------------

    @property
    def directory(self) -> Path:
        """Where the configuration, certificates and logs are (only once started, unless
        a directory was given)."""
        if self._directory is None:
            raise NginxError("the nginx directory exists only while the server runs")
        return self._directory

    @property
    def config_file(self) -> Path:
        """The generated ``nginx.conf``."""
        return self.directory / "nginx.conf"

    @property
    def error_log_file(self) -> Path:
        """nginx's error log (``notice`` level: startup, shutdown and every failure)."""
        return self.directory / "logs" / "error.log"

    def access_log_file(self, name: str) -> Path:
        """The access log of site ``name``: one JSON object per request."""
        return self.directory / "logs" / f"{self.site(name).name}.access.log"

    # -- sites ---------------------------------------------------------------------------

    def site(self, name: str) -> Site:
        """The site called ``name``."""
        try:
            return self.sites[name]
        except KeyError:
            raise KeyError(f"no site {name!r}; sites: {', '.join(self.sites)}") from None

    def url(self, name: str) -> str:
        """The base URL of site ``name``, ``https://127.0.0.1:<port>/``."""
        return self.site(name).url

    def access_log(
        self, name: str, *, wait_for: int = 0, timeout: float = 5.0
    ) -> list[AccessLogEntry]:
        """Every request site ``name`` has answered so far, oldest first.

        nginx writes a request's line once the response has gone out, so a client that has
        just read a response can look before the line is there: ``wait_for=n`` waits (up
        to ``timeout`` seconds) until there are at least ``n`` entries, then returns them
        all; :class:`NginxError` if they do not come.
        """
        path = self.access_log_file(name)
        deadline = time.monotonic() + timeout
        while True:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            # A line is complete once its newline is written: drop what follows the last one.
            entries = [_parse_log_line(line) for line in text.split("\n")[:-1] if line]
            if len(entries) >= wait_for:
                return entries
            if time.monotonic() > deadline:
                raise NginxError(
                    f"site {name!r} logged {len(entries)} requests, not {wait_for}, "
                    f"within {timeout:g} s"
                )
            time.sleep(0.005)

    def clear_access_log(self, name: str) -> None:
        """Forget what site ``name`` logged so far (nginx keeps appending to the file)."""
        path = self.access_log_file(name)
        if path.exists():
            # Truncate in place: nginx holds the file open in append mode.
            with path.open("r+b") as f:
                f.truncate(0)

    def error_log(self) -> str:
        """The error log so far (empty when nginx has not written one)."""
        try:
            return self.error_log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    # -- configuration -------------------------------------------------------------------

    def _write_certificates(self) -> None:
        certs = self.directory / "certs"
        certs.mkdir(mode=0o700, exist_ok=True)
        for site in self.sites.values():
            if site.cert is not None:
                paths = site.cert.write(certs, site.name)
                paths.key.chmod(0o600)
                paths.pem.unlink()  # the key is in name.key; do not leave a second copy
            if site.client_ca is not None:
                bundle = certs / f"{site.name}.clients.pem"
                bundle.write_bytes(site.client_ca.cert_pem)

    def render_config(self) -> str:
        """The ``nginx.conf`` for the current sites and ports."""
        ports = [site.port for site in self.sites.values()]
        if len(set(ports)) != len(ports):
            raise NginxError(f"two sites share a port: {ports}")
        build = _build_info(self.binary)
        d = self.directory
        temp_paths = "".join(
            f"    {directive} {_quote(d / 'temp' / directive.removesuffix('_temp_path'))};\n"
            for directive, flag in _TEMP_PATHS.items()
            if flag is None or flag not in build
        )
        log_format = ",".join(f'"{key}":"{var}"' for key, var in _LOG_FIELDS.items())
        servers = "".join(self._render_site(site) for site in self.sites.values())
        return (
            "# Generated by indexclient.testing.nginx; rewritten at every start.\n"
            "daemon off;\n"
            "master_process off;\n"
            f"pid {_quote(d / 'nginx.pid')};\n"
            f"error_log {_quote(self.error_log_file)} notice;\n"
            "events {\n    worker_connections 4096;\n}\n"
            "http {\n"
            f"{temp_paths}"
            f"    log_format indexclient escape=json '{{{log_format}}}';\n"
            "    types {\n"
            "        text/html html;\n"
            f"        {_JSON_TYPE} json;\n"
            "        application/octet-stream whl metadata gz zip;\n"
            "    }\n"
            "    default_type application/octet-stream;\n"
            "    charset utf-8;\n"
            "    charset_types text/html;\n"
            "    sendfile on;\n"
            "    etag on;\n"
            "    gzip off;\n"
            "    server_tokens off;\n"
            "    keepalive_timeout 30s;\n"
            "    keepalive_requests 100000;\n"
            # PEP 691 negotiation: JSON when Accept names it (and not with q=0).
            "    map $http_accept $simple_index {\n"
            "        default index.html;\n"
            '        "~*application/vnd\\.pypi\\.simple\\.(v1|latest)\\+json\\s*;\\s*q=0(\\.0*)?'
            '\\s*(,|$)" index.html;\n'
            '        "~*application/vnd\\.pypi\\.simple\\.(v1|latest)\\+json" index.json;\n'
            "    }\n"
            f"{servers}"
            "}\n"
        )

    def _render_site(self, site: Site) -> str:
        certs = self.directory / "certs"
        lines = [
            f"listen 127.0.0.1:{site.port}{' ssl' if site.cert is not None else ''};",
            "server_name localhost;",
            f"root {_quote(site.root.resolve())};",
            f"access_log {_quote(self.access_log_file(site.name))} indexclient;",
        ]
        if not site.ranges:
            lines.append("max_ranges 0;")
        if site.cert is not None:
            lines += [
                f"ssl_certificate {_quote(certs / f'{site.name}.crt')};",
                f"ssl_certificate_key {_quote(certs / f'{site.name}.key')};",
                f"ssl_protocols {' '.join(site.protocols)};",
            ]
            if site.weak:
                lines.append("ssl_ciphers DEFAULT:@SECLEVEL=0;")
        if site.client_ca is not None:
            lines += [
                f"ssl_client_certificate {_quote(certs / f'{site.name}.clients.pem')};",
                "ssl_verify_client on;",
                "ssl_verify_depth 4;",
            ]
            if site.client_cert_check == "handshake":
                lines.append("ssl_conf_command VerifyMode Peer,Request,Require;")
        index = "$simple_index index.html" if site.negotiate else "index.html"
        lines += [
            "location /simple/ {",
            f"    index {index};",
            "    add_header Vary Accept always;",
            "}",
        ]
        body = "".join(f"        {line}\n" for line in lines)
        return f"    server {{  # {site.name}\n{body}    }}\n"

    # -- process -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the nginx process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> NginxServer:
        """Write the configuration, start nginx and wait until every port accepts.

        Raises :class:`NginxError`, quoting the error log, when nginx exits or a port does
        not open within ``startup_timeout``. A port taken by another process in the
        meantime is retried with fresh ports.
        """
        if self._process is not None:
            raise NginxError("this nginx is already started")
        if any(s.cert is not None for s in self.sites.values()) and (
            "--with-http_ssl_module" not in _build_info(self.binary)
        ):
            raise NginxError(f"{self.binary} was built without TLS (--with-http_ssl_module)")
        if self._given_directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="indexclient-nginx-"))
        try:
            self._prepare_directory()
            for attempt in range(3):
                ports = _free_ports(len(self.sites))
                for site, port in zip(self.sites.values(), ports, strict=True):
                    site.port = port
                self.config_file.write_text(self.render_config(), encoding="utf-8")
                try:
                    self._launch()
                except NginxError:
                    if attempt < 2 and "Address already in use" in self.error_log():
                        continue
                    raise
                return self
        except BaseException:
            self._cleanup()
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "logs").mkdir(exist_ok=True)
        (self.directory / "temp").mkdir(exist_ok=True)
        self._write_certificates()

    def _command(self) -> list[str]:
        command = [self.binary, "-p", f"{self.directory}{os.sep}", "-c", str(self.config_file)]
        if nginx_version(self.binary) >= (1, 19, 5):
            # Log startup problems to our file, not the compiled-in (root-owned) default.
            command += ["-e", str(self.error_log_file)]
        return command

    def _launch(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.error_log_file.unlink()
        output = (self.directory / "logs" / "stderr.log").open("wb")
        with output:
            # Only what nginx needs: OPENSSL_CONF and the like from the caller's environment
            # would change the server's TLS behaviour behind the test's back.
            env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
            self._process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        pending = {site.port for site in self.sites.values()}
        while pending:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise NginxError(self._failure(f"nginx exited with status {code} at start"))
            for port in sorted(pending):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    probe.settimeout(0.2)
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        pending.discard(port)
            if pending and time.monotonic() > deadline:
                self._kill()
                raise NginxError(
                    self._failure(
                        f"nginx did not open port(s) {sorted(pending)} "
                        f"within {self.startup_timeout:g} s"
                    )
                )
            if pending:
                time.sleep(0.02)

    def _failure(self, what: str) -> str:
        stderr_path = self.directory / "logs" / "stderr.log"
        stderr = stderr_path.read_text(errors="replace") if stderr_path.exists() else ""
        parts = [f"{what}.", f"command: {' '.join(self._command())}"]
        parts.append(f"error log ({self.error_log_file}):\n{self.error_log().strip() or '-'}")
        if stderr.strip():
            parts.append(f"output:\n{stderr.strip()}")
        parts.append(f"configuration ({self.config_file}):\n{self.config_file.read_text()}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop nginx (graceful SIGQUIT, then SIGTERM, then SIGKILL) and wait for it.

        Raises :class:`NginxError` when it had exited on its own with an error; the directory
        is removed either way when it was a temporary one.
        """
        try:
            process, self._process = self._process, None
            if process is None:
                return
            if process.poll() is not None:
                if process.returncode != 0:
                    raise NginxError(
                        self._failure(f"nginx had exited with status {process.returncode}")
                    )
                return
            for sig in (signal.SIGQUIT, signal.SIGTERM):
                process.send_signal(sig)
                try:
                    process.wait(timeout=_STOP_TIMEOUT)
                    return
                except subprocess.TimeoutExpired:
                    continue
            process.kill()
            process.wait()
        finally:
            self._cleanup()

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def _cleanup(self) -> None:
        self._kill()
        if self._given_directory is None and self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def __enter__(self) -> NginxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        sites = ", ".join(f"{s.name}={s.port}" if s.port else s.name for s in self.sites.values())
        return f"<NginxServer {state} {sites}>"
