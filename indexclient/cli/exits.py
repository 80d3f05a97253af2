"""Exit statuses, and how an error becomes one (and one ``error:`` line).

====  =====================================================================
0     success
1     the operation failed (HTTP, parsing, a failed download, mixed failures)
2     usage or configuration error (bad option, bad requirement, bad uv.toml)
3     TLS failure: certificate verification, client certificate, handshake
4     not found (HTTP 404/410, unknown project, no version matches)
130   interrupted (Ctrl-C)
143   terminated (SIGTERM), after removing any partial download
====  =====================================================================
"""

from __future__ import annotations

from collections.abc import Iterable

from indexclient.errors import ConfigurationError, IndexClientError, NotFoundError, TLSError

__all__ = [
    "FAILED",
    "INTERRUPTED",
    "NOT_FOUND",
    "OK",
    "TERMINATED",
    "TLS_FAILURE",
    "USAGE",
    "Terminated",
    "UsageError",
    "exit_code",
    "exit_code_of_failures",
]

OK = 0
FAILED = 1
USAGE = 2
TLS_FAILURE = 3
NOT_FOUND = 4
INTERRUPTED = 130
TERMINATED = 143


class UsageError(Exception):
    """A command was given arguments it cannot use (exit status 2)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class Terminated(BaseException):
    """The command was stopped by SIGTERM after cleaning up (a BaseException, like
    KeyboardInterrupt, so that no ``except Exception`` swallows it)."""


def exit_code(exc: BaseException) -> int:
    """The exit status for an error that ended a command."""
    if isinstance(exc, UsageError | ConfigurationError):
        return USAGE
    if isinstance(exc, TLSError):
        return TLS_FAILURE
    if isinstance(exc, NotFoundError):
        return NOT_FOUND
    return FAILED


def exit_code_of_failures(failures: Iterable[IndexClientError]) -> int:
    """The exit status of a command where some items (requirements) failed.

    When every failure maps to the same status (all not found: 4, all TLS: 3, all
    invalid: 2), that status; a mix gives 1. No failure: 0. Successful items do not
    change it: a script can tell "something was not found" from "something broke".
    """
    codes = {exit_code(failure) for failure in failures}
    if not codes:
        return OK
    return codes.pop() if len(codes) == 1 else FAILED
