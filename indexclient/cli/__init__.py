"""The ``indexclient`` command: a thin layer over the facade.

Each command parses its arguments, calls :class:`~indexclient.IndexClient` (or the
settings and TLS diagnostics), prints the result, and maps errors to an exit status and
one ``error:`` line (plus ``hint:``); see :mod:`indexclient.cli.exits`. Modules that
need aiohttp or cryptography are imported by the commands that use them, so
``--version``, ``--help`` and ``config`` start fast.

Commands: ``project``, ``versions``, ``metadata``, ``download``, ``tls show``,
``tls check``, ``config show``, ``config set``. Every command takes ``--json``.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from indexclient.cli.exits import INTERRUPTED, TERMINATED, Terminated, UsageError, exit_code
from indexclient.cli.output import Console
from indexclient.cli.parser import parse
from indexclient.cli.startup import skip_aiohttp_default_certificates
from indexclient.errors import ConfigurationWarning, IndexClientError
from indexclient.urls import redact_text

__all__ = ["main", "run"]

#: command -> (module, function); imported only when the command runs.
# The collector's first threshold in a command's process (see _collect_less).
_FIRST_GENERATION = 10_000

_COMMANDS = {
    "project": ("indexclient.cli.index_commands", "project"),
    "versions": ("indexclient.cli.index_commands", "versions"),
    "metadata": ("indexclient.cli.index_commands", "metadata"),
    "download": ("indexclient.cli.index_commands", "download"),
    "tls show": ("indexclient.cli.tls_show", "show"),
    "tls check": ("indexclient.cli.tls_check", "check"),
    "config show": ("indexclient.cli.config_show", "show"),
    "config set": ("indexclient.cli.config_set", "set_key"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    With ``argv`` (tests, embedding) the exit status is returned. Without it (the
    ``indexclient`` script, ``python -m indexclient``) ``sys.argv`` is used and the
    process exits with the status.
    """
    if argv is None:
        code = run(sys.argv[1:], whole_process=True)
        try:
            sys.stdout.flush()  # here rather than at exit, where an error would be noise
        except BrokenPipeError:
            code = _broken_pipe()
        sys.exit(code)
    return run(argv)


def run(
    argv: Sequence[str],
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    *,
    whole_process: bool = False,
) -> int:
    """Parse ``argv``, run the command, return the exit status; never raises.

    ``whole_process``: the command is all this process does (the script), so the
    garbage collector may be tuned for it (see :func:`_collect_less`)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parse(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else 0
    console = Console(out, err, json_mode=bool(args.json), quiet=args.quiet > 0)
    verbose = args.verbose
    if verbose >= 2:
        logging.basicConfig(level=logging.DEBUG, stream=err, format="%(name)s: %(message)s")
        for handler in logging.getLogger().handlers:
            handler.addFilter(_redact_record)
    with warnings.catch_warnings():
        warnings.simplefilter("always", ConfigurationWarning)
        warnings.showwarning = _warning_printer(console)
        try:
            module, name = _COMMANDS[args.command]
            command: Callable[..., int] = getattr(importlib.import_module(module), name)
            if whole_process:
                _collect_less()
                skip_aiohttp_default_certificates()
            return command(args, console)
        except KeyboardInterrupt:
            return INTERRUPTED
        except Terminated:
            return TERMINATED
        except BrokenPipeError:
            return _broken_pipe()
        except Exception as exc:
            return report(console, exc, verbose=verbose > 0)


def _collect_less() -> None:
    """Tune the garbage collector for one command in its own process.

    Everything imported so far lives until the process exits: frozen, it is no longer
    walked by every full collection. A run over thousands of requirements allocates
    container objects by the million, nearly all freed by reference counting; with
    the default first threshold (700) the collector ran some 300 times per 3,000
    names and took a tenth of the run (benchmarks/README.md, "Speed at scale"). A
    larger one keeps at most that many more unreachable objects for a moment.
    """
    gc.freeze()
    first, second, third = gc.get_threshold()
    gc.set_threshold(max(first, _FIRST_GENERATION), second, third)


def report(console: Console, exc: BaseException, *, verbose: bool) -> int:
    """Print ``exc`` as ``error:`` (and ``hint:``) lines; return its exit status.

    With ``verbose`` the traceback comes first. An exception indexclient does not raise
    on purpose is a bug: its type is named and a traceback is suggested.
    """
    if verbose:
        console.traceback(exc)
    if isinstance(exc, IndexClientError | UsageError):
        console.error(str(exc), exc.hint)
    elif isinstance(exc, OSError):
        console.error(str(exc))
    else:
        console.error(
            f"unexpected {type(exc).__name__}: {exc}",
            None if verbose else "run again with -v for the traceback",
        )
    return exit_code(exc)


def _redact_record(record: logging.LogRecord) -> bool:
    """A logging filter: the record's message with every URL redacted (``-vv`` shows
    other libraries' debug lines too, which indexclient does not write)."""
    message = record.getMessage()
    redacted = redact_text(message)
    if redacted is not message:
        record.msg, record.args = redacted, None
    return True


def _warning_printer(console: Console) -> Callable[..., None]:
    seen: set[str] = set()
    original = warnings.showwarning

    def show(  # noqa: PLR0917 - the signature of warnings.showwarning
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if not issubclass(category, ConfigurationWarning):
            original(message, category, filename, lineno, file, line)
            return
        text = str(message)
        if text not in seen:  # one setting may be read twice (settings, then trust)
            seen.add(text)
            console.warning(text)

    return show


def _broken_pipe() -> int:
    """stdout was closed early (``| head``): stop quietly, as command-line tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 1
