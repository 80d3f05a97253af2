"""Every key uv reads from a configuration file, and what indexclient does with it.

The rule (README, "Configuration"): a user's uv settings mean the same thing here as in
uv, and what indexclient does not support is refused by name, never silently ignored.
So each key uv knows is one of:

- ``read``: indexclient reads it, with uv's meaning;
- ``unsupported``: it changes which index, version or file uv uses, and indexclient
  does not do what it asks: a configuration error naming the file and the key (unless
  the value is one of ``allowed``, which asks for what indexclient does anyway);
- ``warn``: indexclient does not read it and says so (uv's result would not change,
  but the way there could: proxies);
- ``ignored``: it does not matter to an index client (building, installing, locking,
  Python downloads, publishing, output formatting): ignored quietly.

Keys uv does not know are ignored too (uv itself refuses them in a ``uv.toml``).
``README.md`` draws this table; a test checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["INDEX_KEYS", "TABLE_PIP_KEYS", "TOP_LEVEL_KEYS", "KeyRule", "unsupported_value"]

Handling = Literal["read", "unsupported", "warn", "ignored"]


@dataclass(frozen=True, slots=True)
class KeyRule:
    """What indexclient does with one of uv's keys, and why (shown in the message)."""

    handling: Handling
    why: str = ""
    #: For ``unsupported``: values that ask for what indexclient does anyway.
    allowed: tuple[object, ...] = ()


def _read(why: str = "") -> KeyRule:
    return KeyRule("read", why)


def _no(why: str, *allowed: object) -> KeyRule:
    return KeyRule("unsupported", why, allowed)


_IGNORED = KeyRule("ignored")

_PROXY = KeyRule("warn", "indexclient takes proxies from HTTPS_PROXY, HTTP_PROXY and NO_PROXY only")
_PER_PACKAGE = _no(
    "indexclient applies one pre-release mode and one upload-date cutoff to every "
    "project (prerelease, exclude-newer)",
    {},
    (),
)
_RESOLUTION = _no("indexclient always chooses the newest acceptable version", "highest")
_INDEX_EXCLUDE_NEWER = _no("indexclient applies one upload-date cutoff to every index")
_TORCH = _no("indexclient does not choose indexes by accelerator")
_METADATA = _no("indexclient reads metadata from the index, never from configuration", ())
_NO_BUILD = _no("indexclient never builds, and takes an sdist when there is no wheel", False, ())

#: Top-level keys of a uv.toml (``[tool.uv]`` of a pyproject.toml), as uv 0.13 knows them.
TOP_LEVEL_KEYS: Final[dict[str, KeyRule]] = {
    "index": _read(),
    "index-url": _read(),
    "extra-index-url": _read(),
    "find-links": _read(),
    "no-index": _read(),
    "index-strategy": _read(),
    "keyring-provider": _read(),
    "allow-insecure-host": _read(),
    "system-certs": _read(),
    "native-tls": _read(),
    "offline": _read(),
    "no-cache": _read(),
    "concurrent-downloads": _read(),
    "no-sources": _read("applies to the pins of -r pyproject.toml"),
    "no-sources-package": _read("applies to the pins of -r pyproject.toml"),
    "sources": _read("read from the pyproject.toml given with -r"),
    "pip": _read("the keys below"),
    "http-proxy": _PROXY,
    "https-proxy": _PROXY,
    "no-proxy": _PROXY,
    "torch-backend": _TORCH,
    "exclude-newer": _read(),
    "exclude-newer-package": _PER_PACKAGE,
    "prerelease": _read(),
    "prerelease-package": _PER_PACKAGE,
    "resolution": _RESOLUTION,
    "dependency-metadata": _METADATA,
    "no-binary": _read(),
    "no-binary-package": _read(),
    "no-build": _NO_BUILD,
    "no-build-package": _NO_BUILD,
    # Neither the index nor the file chosen depends on these.
    **dict.fromkeys(
        (
            "required-version",
            "cache-dir",
            "preview",
            "preview-features",
            "python-preference",
            "python-downloads",
            "concurrent-builds",
            "concurrent-installs",
            "fork-strategy",
            "config-settings",
            "config-settings-package",
            "no-build-isolation",
            "require-build-hashes",
            "no-build-isolation-package",
            "extra-build-dependencies",
            "extra-build-variables",
            "link-mode",
            "compile-bytecode",
            "upgrade",
            "upgrade-package",
            "reinstall",
            "reinstall-package",
            "python-install-mirror",
            "pypy-install-mirror",
            "graalpy-install-mirror",
            "pyodide-install-mirror",
            "python-downloads-json-url",
            "publish-url",
            "trusted-publishing",
            "check-url",
            "add-bounds",
            "audit",
            "cache-keys",
            # Project settings of uv lock/sync/run, which uv pip does not apply either.
            "override-dependencies",
            "exclude-dependencies",
            "constraint-dependencies",
            "build-constraint-dependencies",
            "environments",
            "required-environments",
            "minimum-libc-version",
            "conflicts",
            "workspace",
            "managed",
            "package",
            "default-groups",
            "dependency-groups",
            "dev-dependencies",
            "build-backend",
        ),
        _IGNORED,
    ),
}

#: Keys of the ``[pip]`` table (``[tool.uv.pip]``).
TABLE_PIP_KEYS: Final[dict[str, KeyRule]] = {
    "index": _read(),
    "index-url": _read(),
    "extra-index-url": _read(),
    "find-links": _read(),
    "no-index": _read(),
    "index-strategy": _read(),
    "keyring-provider": _read(),
    "no-sources": _read("applies to the pins of -r pyproject.toml"),
    "no-sources-package": _read("applies to the pins of -r pyproject.toml"),
    "python": _no("indexclient runs no interpreter; set python-version instead"),
    "python-version": _read(),
    "python-platform": _read(),
    "universal": _no("indexclient chooses for one Python version and platform", False),
    "torch-backend": _TORCH,
    "exclude-newer": _read(),
    "exclude-newer-package": _PER_PACKAGE,
    "prerelease": _read(),
    "prerelease-package": _PER_PACKAGE,
    "resolution": _RESOLUTION,
    "dependency-metadata": _METADATA,
    "no-binary": _read(),
    "only-binary": _read(),
    "no-build": _NO_BUILD,
    "extra": _no("pass --extra NAME instead", ()),
    "all-extras": _no("pass --all-extras instead", False),
    "no-extra": _no("indexclient reads the extras --extra and --all-extras name", ()),
    "group": _no("indexclient reads [project] dependencies and optional-dependencies only", ()),
    **dict.fromkeys(
        (
            "system",
            "break-system-packages",
            "target",
            "prefix",
            "no-build-isolation",
            "no-build-isolation-package",
            "extra-build-dependencies",
            "extra-build-variables",
            "strict",
            "no-deps",
            "allow-empty-requirements",
            "fork-strategy",
            "output-file",
            "no-strip-extras",
            "no-strip-markers",
            "no-annotate",
            "no-header",
            "custom-compile-command",
            "generate-hashes",
            "config-settings",
            "config-settings-package",
            "no-emit-package",
            "emit-index-url",
            "emit-find-links",
            "emit-build-options",
            "emit-marker-expression",
            "emit-index-annotation",
            "annotation-style",
            "link-mode",
            "compile-bytecode",
            "require-hashes",
            "verify-hashes",
            "upgrade",
            "upgrade-package",
            "reinstall",
            "reinstall-package",
        ),
        _IGNORED,
    ),
    # Not uv's: indexclient reads these from [pip] too, as a fallback of the top-level
    # keys (see the docstring of indexclient.settings.files).
    **dict.fromkeys(
        ("allow-insecure-host", "system-certs", "native-tls"),
        _read("indexclient's fallback; top-level values win"),
    ),
}

#: Keys of an ``[[index]]`` table.
INDEX_KEYS: Final[dict[str, KeyRule]] = {
    "name": _read(),
    "url": _read(),
    "default": _read(),
    "explicit": _read(),
    "format": _read(),
    "authenticate": _read("stored and shown; credentials follow the URL and netrc"),
    "ignore-error-codes": _read(),
    "cache-control": _read("stored and shown"),
    "exclude-newer": _INDEX_EXCLUDE_NEWER,
    "publish-url": _IGNORED,
    "hash-algorithm": _IGNORED,
}


def unsupported_value(rule: KeyRule, value: object) -> bool:
    """Whether ``value`` of a key with ``rule`` asks for something indexclient does not
    do (an ``unsupported`` key set to anything but an ``allowed`` value)."""
    if rule.handling != "unsupported":
        return False
    # An empty list is written () in the rules (they are frozen, so hashable).
    shown = tuple(value) if isinstance(value, list) else value
    return not any(type(shown) is type(ok) and shown == ok for ok in rule.allowed)
