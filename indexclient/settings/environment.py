"""Reading setting values from environment variables.

Each reader returns a :class:`~indexclient.settings.values.Value` that remembers the
variable, or records a problem and returns None, so that every problem is reported at
once. An empty variable counts as unset, except where uv reads it otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from indexclient.settings.values import (
    BOOL_WORDS,
    IndexSpec,
    Origin,
    Problems,
    Value,
    index_spec,
    parse_bool,
)

__all__ = [
    "ENV_VARS",
    "default_cache_dir",
    "env_bool",
    "env_default_index",
    "env_dirs",
    "env_extra_indexes",
    "env_int",
    "env_path",
    "env_seconds",
    "env_system_certs",
]

#: Every environment variable indexclient reads (tests clear them all).
ENV_VARS = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SSL_CLIENT_CERT",
    "UV_SYSTEM_CERTS",
    "UV_NATIVE_TLS",
    "UV_INSECURE_HOST",
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_INDEX",
    "PIP_INDEX_URL",
    "UV_CONCURRENT_DOWNLOADS",
    "UV_NO_CONFIG",
    "UV_CONFIG_FILE",
    "UV_HTTP_TIMEOUT",
    "UV_HTTP_RETRIES",
    "UV_OFFLINE",
    "NETRC",
    "INDEXCLIENT_CACHE_DIR",
    "INDEXCLIENT_HTTP_DEADLINE",
    # Other tools' CA settings, read only for the hint after a refused chain
    # (indexclient.tls.alternatives; docs/trust.md, "Errors").
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "PIP_CERT",
    "PIP_CONFIG_FILE",
)


def env_system_certs(env: Mapping[str, str], problems: Problems) -> Value[bool] | None:
    """UV_SYSTEM_CERTS, else its deprecated alias UV_NATIVE_TLS (with a warning)."""
    for name in ("UV_SYSTEM_CERTS", "UV_NATIVE_TLS"):
        if name not in env:
            continue
        value = env_bool(env, name, problems)
        if value is not None and name == "UV_NATIVE_TLS":
            problems.warn("UV_NATIVE_TLS is deprecated; use UV_SYSTEM_CERTS")
        return value
    return None


def env_path(env: Mapping[str, str], name: str) -> Value[str] | None:
    """A path variable; an empty value counts as unset (docs/trust.md, "Trust sources")."""
    raw = env.get(name, "")
    return Value(raw, Origin("env", name)) if raw else None


def env_dirs(env: Mapping[str, str]) -> Value[tuple[str, ...]] | None:
    """SSL_CERT_DIR's directories (``os.pathsep``-separated, empty entries dropped)."""
    dirs = tuple(d for d in env.get("SSL_CERT_DIR", "").split(os.pathsep) if d)
    return Value(dirs, Origin("env", "SSL_CERT_DIR")) if dirs else None


def env_default_index(env: Mapping[str, str], problems: Problems) -> IndexSpec | None:
    """UV_DEFAULT_INDEX, then its deprecated predecessor UV_INDEX_URL, then pip's
    PIP_INDEX_URL: the first one set."""
    for variable in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"):
        raw = env.get(variable, "").strip()
        if raw:
            return index_spec(raw, Origin("env", variable), problems, default=True)
    return None


def env_extra_indexes(env: Mapping[str, str], problems: Problems) -> tuple[IndexSpec, ...]:
    """UV_INDEX: blank-separated entries, each ``URL`` or ``name=URL``."""
    origin = Origin("env", "UV_INDEX")
    specs = [
        index_spec(raw, origin, problems, default=False) for raw in env.get("UV_INDEX", "").split()
    ]
    return tuple(s for s in specs if s)


def env_int(env: Mapping[str, str], name: str, problems: Problems) -> Value[int] | None:
    """An integer variable; blank counts as unset."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return Value(int(raw.strip()), Origin("env", name))
    except ValueError:
        problems.add(f"{name}={raw!r} (environment)", "not an integer")
        return None


def env_bool(env: Mapping[str, str], name: str, problems: Problems) -> Value[bool] | None:
    """A boolean variable, in uv's words; any other value (empty included) is a problem."""
    raw = env.get(name)
    if raw is None:
        return None
    parsed = parse_bool(raw)
    if parsed is None:
        problems.add(f"{name}={raw!r} (environment)", f"not a boolean: use one of {BOOL_WORDS}")
        return None
    return Value(parsed, Origin("env", name))


def env_seconds(env: Mapping[str, str], name: str, problems: Problems) -> Value[float] | None:
    """A positive number of seconds; blank counts as unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        problems.add(f"{name}={raw!r} (environment)", "not a positive number of seconds")
        return None
    return Value(seconds, Origin("env", name))


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``INDEXCLIENT_CACHE_DIR``, else the platform's per-user cache directory."""
    env = os.environ if environ is None else environ
    if env.get("INDEXCLIENT_CACHE_DIR"):
        return Path(env["INDEXCLIENT_CACHE_DIR"])
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "indexclient" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "indexclient"
    xdg = env.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "indexclient"
