"""pip's settings, read as the lowest layer below every uv setting (README, "pip's
settings"; docs/trust.md, "Trust sources").

The keys that matter to an index client, from pip's variables and its configuration
files (found and combined by :mod:`indexclient.pipconf`, as pip does): ``index-url``,
``extra-index-url``, ``find-links``, ``trusted-host``, ``cert``, ``client-cert`` and
``no-index``. Each becomes the value indexclient would take from uv's setting of the
same meaning, remembering its origin (``PIP_EXTRA_INDEX_URL (environment)``,
``index-url in /etc/pip.conf [global]``); :meth:`Settings.load
<indexclient.Settings.load>` puts them under every uv source.

pip's own rules hold within pip's settings: a variable replaces the files' value of
the same key, lists included (pip does not join them); lists are whitespace-separated;
``no-index`` takes pip's boolean words (uv's: ``y yes t true on 1`` / ``n no f false off
0``); ``~`` in a path is the home directory; a ``find-links`` path that does not exist is
passed over with a warning, as pip passes it over.

A value indexclient cannot use (a URL it does not accept, an entry that is not a host,
a word that is not a boolean) is a warning naming its variable, or its file, section
and key, and is left out: pip's settings belong to another tool, may sit in a system
file the user cannot change, and never stop a run. The files pip's ``cert`` and
``client-cert`` name are the exception once they are in effect: they are checked as
``SSL_CERT_FILE`` and ``SSL_CLIENT_CERT`` are (docs/trust.md), because quietly trusting
other roots than the ones named would widen what is trusted.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Final

from indexclient.pipconf import PipValue, read_config_files, resolve
from indexclient.settings.files import Discovery, FileValues
from indexclient.settings.values import (
    BOOL_WORDS,
    Origin,
    Problems,
    Value,
    normalise_index_url,
    parse_bool,
)
from indexclient.tls.hosts import parse_insecure_host
from indexclient.urls import redact_url

__all__ = ["KEYS", "pip_layer", "read_pip_files", "with_pip_files"]

#: pip's keys indexclient reads, and the field of FileValues each one fills.
KEYS: Final = {
    "index-url": "index_url",
    "extra-index-url": "extra_index_url",
    "find-links": "find_links",
    "trusted-host": "allow_insecure_host",
    "cert": "cert",
    "client-cert": "client_cert",
    "no-index": "no_index",
}


def _origin(raw: PipValue) -> Origin:
    if raw.variable is not None:
        return Origin("env", raw.variable)
    return Origin("file", raw.key, raw.path, raw.section)


class _Reader:
    """Turns pip's raw values into checked ones; what cannot be used is a warning."""

    def __init__(self, problems: Problems, environ: Mapping[str, str]) -> None:
        self.problems = problems
        self.home = environ.get("USERPROFILE" if os.name == "nt" else "HOME") or None

    def expand(self, path: str) -> str:
        """``~`` as pip expands it, the home of the environment read (pipconf's files
        are found under the same one)."""
        head, sep, rest = path.partition("/")
        if head == "~" and self.home is not None:
            return os.path.join(self.home, rest) if sep else self.home
        return os.path.expanduser(path)

    def skip(self, origin: Origin, message: str) -> None:
        self.problems.warn(f"{origin}: {message}; indexclient does not use it")

    def url(self, text: str, origin: Origin) -> Value[str] | None:
        try:
            return Value(normalise_index_url(text), origin)
        except ValueError as exc:
            self.skip(origin, f"{redact_url(text)!r}: {exc}")
            return None

    def find_link(self, text: str, origin: Origin) -> Value[str] | None:
        if text.partition(":")[0].lower() not in ("http", "https", "file"):
            path = self.expand(text)
            if not os.path.exists(path):
                # pip: "Location ... is ignored: it is either a non-existing path or
                # lacks a specific scheme."
                self.problems.warn(
                    f"{origin}: find-links location {text!r} does not exist; it is "
                    "passed over, as pip passes it over"
                )
                return None
            text = path
        return self.url(text, origin)

    def host(self, text: str, origin: Origin) -> Value[str] | None:
        try:
            parse_insecure_host(text, str(origin))
        except ValueError as exc:
            self.skip(origin, str(exc))
            return None
        return Value(text, origin)

    def values(self, raw: Mapping[str, PipValue]) -> FileValues:
        found: dict[str, object] = {}
        for key, item in raw.items():
            origin = _origin(item)
            text = item.value
            if key in ("extra-index-url", "find-links", "trusted-host"):
                read = {
                    "extra-index-url": self.url,
                    "find-links": self.find_link,
                    "trusted-host": self.host,
                }[key]
                entries = (read(entry, origin) for entry in text.split())
                found[KEYS[key]] = tuple(entry for entry in entries if entry)
            elif not text.strip():
                continue  # blank counts as unset, as for uv's variables
            elif key == "index-url":
                found["index_url"] = self.url(text, origin)
            elif key in ("cert", "client-cert"):
                found[KEYS[key]] = Value(self.expand(text.strip()), origin)
            elif key == "no-index":
                flag = parse_bool(text)
                if flag is None:
                    self.skip(origin, f"{text!r} is not a boolean (pip's words: {BOOL_WORDS})")
                else:
                    found["no_index"] = Value(flag, origin)
        return FileValues(**found)  # type: ignore[arg-type]


def read_pip_files(environ: Mapping[str, str]) -> tuple[FileValues, tuple[str, ...], list[str]]:
    """What pip's configuration files say (:mod:`indexclient.pipconf` finds and combines
    them), the files read, and the warnings: a file that cannot be read or parsed is
    named and passed over, and so is a value that cannot be used."""
    problems = Problems()
    files = read_config_files(environ)
    for unread in files:
        if unread.problem is not None:
            problems.warn(
                f"pip's configuration file {unread.path}: {unread.problem}; it is not read "
                "(PIP_CONFIG_FILE=/dev/null turns pip's files off)"
            )
    values = _Reader(problems, environ).values(resolve(files, keys=tuple(KEYS)))
    read = tuple(f.path for f in files if f.problem is None)
    return values, read, problems.warnings


def with_pip_files(found: Discovery, environ: Mapping[str, str]) -> Discovery:
    """``found`` with the values of pip's configuration files added."""
    values, read, warnings = read_pip_files(environ)
    return dataclasses.replace(
        found, pip=values, pip_files=read, warnings=(*found.warnings, *warnings)
    )


def pip_layer(
    environ: Mapping[str, str], problems: Problems, from_files: FileValues | None
) -> FileValues:
    """pip's settings in effect: its variables (read here, their problems added to
    ``problems`` as warnings) over what its files say, key by key: a variable that is
    set replaces the files' value, lists included, as in pip."""
    raw = resolve((), environ, keys=tuple(KEYS))
    from_env = _Reader(problems, environ).values(raw)
    if from_files is None:
        return from_env
    chosen = {
        field: getattr(from_env if key in raw else from_files, field) for key, field in KEYS.items()
    }
    return FileValues(**chosen)
