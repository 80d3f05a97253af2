"""The nginx process: :class:`NginxServer` starts it on free ports, watches it and stops it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from support.nginx.access_log import AccessLogEntry, read_entries, truncate_log
from support.nginx.binary import (
    SKIP_REASON,
    NginxError,
    _build_info,
    find_nginx,
    nginx_version,
)
from support.nginx.config import (
    access_log_path,
    error_log_path,
    render_nginx_conf,
    write_certificates,
)
from support.nginx.site import Site

_STARTUP_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


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
        return error_log_path(self.directory)

    def access_log_file(self, name: str) -> Path:
        """The access log of site ``name``: one JSON object per request."""
        return access_log_path(self.directory, self.site(name).name)

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
        return read_entries(self.access_log_file(name), name, wait_for=wait_for, timeout=timeout)

    def clear_access_log(self, name: str) -> None:
        """Forget what site ``name`` logged so far (nginx keeps appending to the file)."""
        truncate_log(self.access_log_file(name))

    def error_log(self) -> str:
        """The error log so far (empty when nginx has not written one)."""
        try:
            return self.error_log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    # -- configuration -------------------------------------------------------------------

    def render_config(self) -> str:
        """The ``nginx.conf`` for the current sites and ports."""
        ports = [site.port for site in self.sites.values()]
        if len(set(ports)) != len(ports):
            raise NginxError(f"two sites share a port: {ports}")
        return render_nginx_conf(self.sites.values(), _build_info(self.binary), self.directory)

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
        write_certificates(self.sites.values(), self.directory / "certs")

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
            self._process = subprocess.Popen(
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
