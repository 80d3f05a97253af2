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
    INDEX_STRATEGIES,
    KEYRING_PROVIDERS,
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
    "env_choice",
    "env_dirs",
    "env_index",
    "env_index_list",
    "env_index_strategy",
    "env_int",
    "env_keyring_provider",
    "env_path",
    "env_seconds",
    "env_system_certs",
    "warn_not_uv",
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
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
    "UV_INDEX_STRATEGY",
    "UV_KEYRING_PROVIDER",
    "UV_NO_CACHE",
    "UV_NO_PROGRESS",
    "UV_CONCURRENT_DOWNLOADS",
    "UV_NO_CONFIG",
    "UV_CONFIG_FILE",
    "UV_HTTP_TIMEOUT",
    "UV_HTTP_RETRIES",
    "UV_OFFLINE",
    "UV_PRERELEASE",
    "UV_EXCLUDE_NEWER",
    "NETRC",
    "INDEXCLIENT_CACHE_DIR",
    "INDEXCLIENT_HTTP_DEADLINE",
    # pip's settings, the lowest layer (indexclient.settings.pip; README, "pip's
    # settings"), and where pip's files are (tests set PIP_CONFIG_FILE to os.devnull).
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_TRUSTED_HOST",
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_NO_INDEX",
    "PIP_CONFIG_FILE",
    # Other tools' CA settings, read only for the hint after a refused chain
    # (indexclient.tls.alternatives; docs/trust.md, "Errors").
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
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


def env_index(
    env: Mapping[str, str], variable: str, problems: Problems, *, default: bool
) -> IndexSpec | None:
    """One index URL (or path) from ``variable``: ``UV_DEFAULT_INDEX``, ``UV_INDEX_URL``.
    Blank counts as unset, as in uv."""
    raw = env.get(variable, "").strip()
    if not raw:
        return None
    return index_spec(raw, Origin("env", variable), problems, default=default)


#: How uv splits the list variables: UV_INDEX and UV_EXTRA_INDEX_URL on blanks,
#: UV_FIND_LINKS on commas.
_SEPARATORS = {"UV_INDEX": None, "UV_EXTRA_INDEX_URL": None, "UV_FIND_LINKS": ","}


def env_index_list(
    env: Mapping[str, str], variable: str, problems: Problems
) -> tuple[IndexSpec, ...] | None:
    """The indexes of ``UV_INDEX`` (each ``URL`` or ``name=URL``), of
    ``UV_EXTRA_INDEX_URL`` (URLs), or the find-links locations of ``UV_FIND_LINKS``
    (comma-separated); None when the variable is unset or blank, so that the flag it
    stands for can be told apart from an empty list."""
    raw = env.get(variable, "")
    entries = [e.strip() for e in raw.split(_SEPARATORS[variable])]
    entries = [e for e in entries if e]
    if not entries:
        return None
    origin = Origin("env", variable)
    find_links = variable == "UV_FIND_LINKS"
    specs = [index_spec(e, origin, problems, default=False, find_links=find_links) for e in entries]
    return tuple(s for s in specs if s)


def env_choice(
    env: Mapping[str, str], name: str, choices: tuple[str, ...], problems: Problems
) -> Value[str] | None:
    """One of ``choices`` (UV_INDEX_STRATEGY, UV_KEYRING_PROVIDER); blank counts as unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices:
        problems.add(f"{name}={raw!r} (environment)", f"expected one of {', '.join(choices)}")
        return None
    return Value(raw, Origin("env", name))


def env_index_strategy(env: Mapping[str, str], problems: Problems) -> Value[str] | None:
    """UV_INDEX_STRATEGY."""
    return env_choice(env, "UV_INDEX_STRATEGY", INDEX_STRATEGIES, problems)


def env_keyring_provider(env: Mapping[str, str], problems: Problems) -> Value[str] | None:
    """UV_KEYRING_PROVIDER: ``subprocess`` asks the ``keyring`` command for an index's
    password once the index refuses a request (transport.auth)."""
    return env_choice(env, "UV_KEYRING_PROVIDER", KEYRING_PROVIDERS, problems)


def warn_not_uv(env: Mapping[str, str], problems: Problems) -> None:
    """Variables people expect uv to read that it does not: indexclient ignores them too,
    so that they mean the same thing to both, and says so."""
    if env.get("UV_NO_INDEX", "").strip():
        problems.warn(
            "UV_NO_INDEX (environment) is ignored: uv has no such variable, so neither "
            "has indexclient; use --no-index or no-index = true in uv.toml"
        )


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
