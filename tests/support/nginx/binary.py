"""Finding nginx and reading how it was built; :class:`NginxError`, which the fixture raises."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess

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
    result = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=10, check=False)
    return result.stderr + result.stdout


def nginx_version(binary: str) -> tuple[int, ...]:
    """The version of the nginx at ``binary``, e.g. ``(1, 22, 1)``."""
    match = re.search(r"nginx/(\d+(?:\.\d+)*)", _build_info(binary))
    if match is None:
        raise NginxError(f"{binary} -V did not print a version: {_build_info(binary)!r}")
    return tuple(int(part) for part in match.group(1).split("."))
