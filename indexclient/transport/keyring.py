"""Asking the ``keyring`` command for credentials, as uv's ``subprocess`` provider does.

Loaded only when a keyring is asked (:meth:`Credentials.late
<indexclient.transport.auth.Credentials.late>`): after a server refused a request
made without a password, or before the first request to an index with ``authenticate
= "always"``. A run that needs no credentials never loads this module nor starts a
process.

The invocation is uv's (its ``KeyringProvider::fetch``): with a user name,
``keyring get SERVICE USERNAME``, whose output is the password (trailing whitespace
removed); without one, ``keyring get SERVICE --mode creds``, whose output is the user
name and the password on two lines. The services asked in turn, until one answers: the
index URL (else the URL asked for), then ``host`` (``host:port`` with a port other than
the scheme's), then, for a URL other than https, ``scheme://host[:port]``. A non-zero
exit means "nothing here" and the next service is asked.

The command is the user's own tool, but it is bounded like anything else that could
hang (docs/security.md, "Secrets"): every call of one lookup shares
:data:`KEYRING_TIMEOUT` (and the request's deadline), after which the process is killed;
at most :data:`MAX_KEYRING_OUTPUT` bytes of its output are read; its standard input is
empty. Its standard error is the user's to see when a user name is given (a keyring
may print a sign-in prompt there, as uv lets it); with ``--mode creds`` it is read
(bounded) so that a keyring too old for that mode is named in a warning, as uv does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from indexclient.errors import ConfigurationWarning
from indexclient.tls.hosts import DEFAULT_PORTS

__all__ = ["KEYRING_TIMEOUT", "MAX_KEYRING_OUTPUT", "Answer", "ask", "services_for"]

#: Seconds one lookup (every service it asks) may take before the command is killed.
KEYRING_TIMEOUT = 60.0
#: Bytes of the command's output read at most (a password is a few hundred).
MAX_KEYRING_OUTPUT = 64 * 1024

_NO_CREDS_MODE = "unrecognized arguments: --mode"
#: Seconds to wait for a killed command to be gone.
_REAP_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True, repr=False)
class Answer:
    """What the keyring said: a user name and password, or none; ``note`` says what
    happened in words (never a value) for messages."""

    username: str | None
    password: str | None
    note: str

    def __repr__(self) -> str:
        return f"Answer(note={self.note!r})"  # never the password


def services_for(url: str) -> list[str]:
    """The services asked for ``url`` (without userinfo), in uv's order."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # as a URL writes an IPv6 address
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    found = [url, host]
    if parts.scheme.lower() != "https":
        found.append(f"{parts.scheme.lower()}://{host}")
    return list(dict.fromkeys(found))


async def ask(
    services: Sequence[str],
    username: str | None,
    *,
    environ: Mapping[str, str],
    timeout: float = KEYRING_TIMEOUT,
) -> Answer:
    """Ask the keyring for the password of ``username`` (or, without one, for a user
    name and password) for each of ``services`` in turn; the first answer wins."""
    program = shutil.which("keyring", path=environ.get("PATH") or os.defpath)
    if program is None:
        _warn(
            "--keyring-provider subprocess: the keyring command was not found on PATH "
            "(install keyring, or set the provider to disabled)"
        )
        return Answer(None, None, "the keyring command was not found on PATH")
    env = None if environ is os.environ else dict(environ)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    who = f"for {username}" if username else "with --mode creds"
    for service in services:
        argv = [program, "get", service]
        argv += [username] if username else ["--mode", "creds"]
        left = end - loop.time()
        if left <= 0:
            return _timed_out(timeout)
        try:
            code, out, err = await _run(argv, env, left, capture_errors=not username)
        except asyncio.TimeoutError:
            return _timed_out(timeout)
        except OSError as exc:
            _warn(f"--keyring-provider subprocess: the keyring command could not run: {exc}")
            return Answer(None, None, f"the keyring command could not run ({exc.strerror})")
        if out is None:
            _warn(
                f"--keyring-provider subprocess: the keyring command's output was larger "
                f"than {MAX_KEYRING_OUTPUT} bytes; it was ignored"
            )
            return Answer(None, None, f"its output was larger than {MAX_KEYRING_OUTPUT} bytes")
        if code != 0:
            if _NO_CREDS_MODE in err:
                _warn(
                    "the keyring command does not support --mode creds: upgrade keyring "
                    "(25.2.1 or newer), or put a user name in the index URL"
                )
                return Answer(None, None, "it does not support --mode creds")
            continue
        answer = _parse(out, username, service)
        if answer is not None:
            return answer
    return Answer(None, None, f"no credentials {who}")


def _timed_out(timeout: float) -> Answer:
    _warn(
        f"--keyring-provider subprocess: the keyring command did not answer within "
        f"{timeout:g} seconds and was stopped"
    )
    return Answer(None, None, f"no answer within {timeout:g} seconds")


def _parse(out: bytes, username: str | None, service: str) -> Answer | None:
    """The answer in ``out``, or None when it holds none (the next service is asked)."""
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        _warn("the keyring command's answer is not UTF-8; it was ignored")
        return None
    if username:
        password = text.rstrip()
        if not password:
            _warn("the keyring command gave an empty password; it is used as given")
        return Answer(username, password, "gave a password")
    lines = _lines(text)
    if not lines:
        return None
    if len(lines) < 2:
        _warn(f"the keyring command gave a user name without a password for {service}")
        return None
    return Answer(lines[0], lines[1], "gave a user name and password")


def _lines(text: str) -> list[str]:
    """``text`` split as uv splits it (Rust's ``str::lines``): at ``\n``, a ``\r``
    before it dropped, no empty last line for a final line break."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [part.removesuffix("\r") for part in parts]


async def _run(
    argv: list[str], env: dict[str, str] | None, timeout: float, *, capture_errors: bool
) -> tuple[int, bytes | None, str]:
    """Run ``argv``: its exit status, its output (None when too large) and, when
    ``capture_errors``, the start of its standard error."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE if capture_errors else None,
        env=env,
    )
    try:
        out, err = await asyncio.wait_for(_communicate(process), timeout)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            # asyncio reports the exit once the pipes are closed too, and a pipe whose
            # reading was paused (output past the limit) never sees its end unless it is
            # read: what is left is read and dropped. Bounded, for a process whose own
            # children keep the pipes open.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(_drain(process.stdout), _drain(process.stderr), process.wait()),
                    _REAP_TIMEOUT,
                )
    code = process.returncode
    return (-9 if code is None else code), out, err.decode("utf-8", "replace")


async def _drain(stream: asyncio.StreamReader | None) -> None:
    while stream is not None and await stream.read(65536):
        pass


async def _communicate(process: asyncio.subprocess.Process) -> tuple[bytes | None, bytes]:
    """Both outputs, each read up to the limit, then the exit; None for an output past
    the limit (the process is then stopped)."""
    assert process.stdout is not None

    async def bounded(stream: asyncio.StreamReader | None) -> bytes:
        if stream is None:
            return b""
        data = b""
        while len(data) <= MAX_KEYRING_OUTPUT:
            chunk = await stream.read(MAX_KEYRING_OUTPUT + 1 - len(data))
            if not chunk:
                break
            data += chunk
        return data

    out, err = await asyncio.gather(bounded(process.stdout), bounded(process.stderr))
    if len(out) > MAX_KEYRING_OUTPUT:
        return None, b""
    await process.wait()
    return out, err[:MAX_KEYRING_OUTPUT]


def _warn(message: str) -> None:
    warnings.warn(message, ConfigurationWarning, stacklevel=2)
