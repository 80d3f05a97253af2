"""pip's configuration, found and combined as pip does it: the one reader of it.

indexclient reads the few pip settings that matter to an index client (README,
"pip's settings"): the settings take them as their lowest layer
(:mod:`indexclient.settings.pip`), and the hint after a refused chain looks at pip's
``cert`` (:mod:`indexclient.tls.alternatives`). Both go through this module, so pip's
files are found, read and combined one way. It turns no value into a setting: it gives
the raw strings and where each came from.

**Which files** (pip's ``configuration.py``), lowest precedence first, a later file
overriding an earlier one:

1. global: ``DIR/pip/pip.conf`` for each ``DIR`` of ``XDG_CONFIG_DIRS`` (``/etc/xdg``
   when unset or blank), then ``/etc/pip.conf``; on macOS
   ``/Library/Application Support/pip/pip.conf``; on Windows
   ``%PROGRAMDATA%\\pip\\pip.ini``.
2. user, unless ``PIP_CONFIG_FILE`` names a file that exists: ``~/.pip/pip.conf`` (the
   legacy place), then ``$XDG_CONFIG_HOME/pip/pip.conf`` (``~/.config/pip/pip.conf``);
   on macOS ``~/Library/Application Support/pip/pip.conf`` when that directory exists;
   on Windows ``~\\pip\\pip.ini`` then ``%APPDATA%\\pip\\pip.ini``. ``~`` is the
   ``HOME`` of the environment given (``USERPROFILE`` on Windows): without it there is
   no user file.
3. site: ``$VIRTUAL_ENV/pip.conf``. pip reads the ``pip.conf`` of the environment it
   runs in (its ``sys.prefix``); indexclient may run from an environment of its own
   (pipx, ``uv tool``), so it reads that of the active virtual environment, the one
   ``pip install`` would use there.
4. ``PIP_CONFIG_FILE``. Set to :data:`os.devnull` (exactly), no file is read at all:
   pip's way of turning its files off.

A missing file is no file, and an empty entry of ``XDG_CONFIG_DIRS`` is skipped, as in
pip (``pip config debug`` lists the same files: tests/test_pip_settings.py). Unlike pip,
every file is read with :func:`indexclient.userfiles.read_user_file`: a regular file of at most
:data:`~indexclient.userfiles.MAX_CONFIG_FILE` bytes, so a FIFO or ``/dev/zero`` named
by ``PIP_CONFIG_FILE`` is refused, where pip would block or never finish. A file that
cannot be read, is not UTF-8 or does not parse as INI (:class:`configparser.RawConfigParser`:
no interpolation, as in pip) is a :class:`PipFile` with a ``problem``; the caller decides
what that means.

**How values combine** (pip's ``ConfigOptionParser``): a key's value in one section is
the last file's (an empty value there clears it); then the sections count in the order
``[global]``, ``[install]``, and the ``PIP_*`` variables last, each overriding the one
before, empty values left out. ``[install]`` is the section of ``pip install``, whose
settings are what an index client wants. Keys are spelled as pip spells them, whatever
was written: lower case, ``_`` as ``-`` (``PIP_EXTRA_INDEX_URL`` is ``extra-index-url``).

This module imports only :mod:`indexclient.userfiles` and the standard library
(configparser with the first file found).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

from indexclient.userfiles import MAX_CONFIG_FILE, UnreadableFile, read_user_file

if TYPE_CHECKING:
    import configparser

__all__ = [
    "ETC_PIP_CONF",
    "LOCATION_VARIABLES",
    "SECTIONS",
    "FileKind",
    "PipFile",
    "PipValue",
    "config_files",
    "environment_values",
    "read_config_files",
    "resolve",
]

#: The last global file on Linux and the BSDs (not on macOS or Windows).
ETC_PIP_CONF: Final = "/etc/pip.conf"
#: The sections read, lowest precedence first: what ``pip install`` reads.
SECTIONS: Final = ("global", "install")
#: The variables that decide which files are read (a cache key for callers).
LOCATION_VARIABLES: Final = (
    "PIP_CONFIG_FILE",
    "XDG_CONFIG_DIRS",
    "XDG_CONFIG_HOME",
    "HOME",
    "USERPROFILE",
    "APPDATA",
    "PROGRAMDATA",
    "VIRTUAL_ENV",
)
# Variables pip does not take as settings.
_IGNORED_VARIABLES: Final = ("version", "help")

#: Where a file sits in pip's order.
FileKind = Literal["global", "user", "site", "env"]


@dataclass(frozen=True, slots=True)
class PipValue:
    """One raw value of pip's configuration and where it came from: a ``variable``
    (``PIP_INDEX_URL``) or a file's ``path`` and ``section``. ``key`` is pip's name of
    the setting (``index-url``)."""

    key: str
    value: str
    variable: str | None = None
    path: str | None = None
    section: str | None = None

    def __str__(self) -> str:
        if self.variable is not None:
            return f"{self.variable} (environment)"
        return f"{self.key} in {self.path} [{self.section}]"


@dataclass(frozen=True, slots=True)
class PipFile:
    """One of pip's configuration files, read: its sections (every section, keys spelled
    as pip spells them, ``[DEFAULT]`` folded in as configparser does), or the
    ``problem`` that kept it from being read."""

    path: str
    kind: FileKind
    sections: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    problem: str | None = None


def _normalise(name: str) -> str:
    """pip's spelling of a key, from a file or a variable."""
    name = name.lower().replace("_", "-")
    return name[2:] if name.startswith("--") else name


def config_files(
    environ: Mapping[str, str], *, platform: str = sys.platform
) -> list[tuple[FileKind, str]]:
    """The files pip would read, lowest precedence first, whether they exist or not:
    none when ``PIP_CONFIG_FILE`` is :data:`os.devnull`."""
    named = environ.get("PIP_CONFIG_FILE")
    if named == os.devnull:
        return []
    windows = platform == "win32"
    basename = "pip.ini" if windows else "pip.conf"
    home = environ.get("USERPROFILE" if windows else "HOME") or None
    found: list[tuple[FileKind, str]] = []

    if windows:
        if program_data := environ.get("PROGRAMDATA"):
            found.append(("global", os.path.join(program_data, "pip", basename)))
    elif platform == "darwin":
        found.append(("global", f"/Library/Application Support/pip/{basename}"))
    else:
        dirs = environ.get("XDG_CONFIG_DIRS", "")
        if not dirs.strip():
            dirs = "/etc/xdg"
        found += [("global", os.path.join(d, "pip", basename)) for d in dirs.split(os.pathsep) if d]
        found.append(("global", ETC_PIP_CONF))

    if not (named and os.path.exists(named)):
        user: list[str] = []
        if home is not None:
            user.append(os.path.join(home, "pip" if windows else ".pip", basename))
        if windows:
            if appdata := environ.get("APPDATA"):
                user.append(os.path.join(appdata, "pip", basename))
        elif platform == "darwin":
            if home is not None:
                library = os.path.join(home, "Library", "Application Support", "pip")
                modern = library if os.path.isdir(library) else os.path.join(home, ".config", "pip")
                user.append(os.path.join(modern, basename))
        else:
            config_home = environ.get("XDG_CONFIG_HOME", "")
            if not config_home.strip():
                config_home = os.path.join(home, ".config") if home is not None else ""
            if config_home:
                user.append(os.path.join(config_home, "pip", basename))
        found += [("user", path) for path in user]

    if virtual_env := environ.get("VIRTUAL_ENV"):
        found.append(("site", os.path.join(virtual_env, basename)))
    if named:
        found.append(("env", named))
    return found


def _read(path: str, kind: FileKind) -> PipFile | None:
    """``path`` read and parsed; None when nothing is there."""
    try:
        data = read_user_file(path, limit=MAX_CONFIG_FILE)
    except UnreadableFile as exc:
        if exc.missing:
            return None
        return PipFile(path, kind, problem=exc.reason)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return PipFile(path, kind, problem=f"it is not UTF-8 text (line {line})")
    # configparser loads with the first pip file found: most runs find none
    # (CONTRIBUTING.md, "Imports").
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        return PipFile(path, kind, problem=f"it does not parse as INI: {_parse_problem(exc)}")
    sections = {
        section: {_normalise(key): value for key, value in parser.items(section)}
        for section in parser.sections()
    }
    return PipFile(path, kind, sections)


def _parse_problem(exc: configparser.Error) -> str:
    """What configparser refused, by line, without the line's text (it may hold a
    password in a URL)."""
    import configparser  # loaded already: the error is one of its own

    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno}: a key before any [section]"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"line {exc.lineno}: {exc.option!r} given twice in [{exc.section}]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"line {exc.lineno}: [{exc.section}] given twice"
    if isinstance(exc, configparser.ParsingError):
        lines = ", ".join(str(number) for number, _ in exc.errors[:5])
        return f"line {lines}: neither a [section] nor a key = value"
    return type(exc).__name__


def read_config_files(environ: Mapping[str, str]) -> list[PipFile]:
    """The files of :func:`config_files` that exist, read, in pip's order."""
    read = (_read(path, kind) for kind, path in config_files(environ))
    return [found for found in read if found is not None]


def environment_values(environ: Mapping[str, str]) -> dict[str, PipValue]:
    """pip's settings from its ``PIP_*`` variables, by key; blank values left out (pip
    drops them)."""
    found: dict[str, PipValue] = {}
    for variable, value in environ.items():
        if not variable.startswith("PIP_") or not value:
            continue
        name = variable[4:].lower()
        if name in _IGNORED_VARIABLES or name == "config_file":
            continue
        key = _normalise(name)
        found[key] = PipValue(key, value, variable=variable)
    return found


def resolve(
    files: Iterable[PipFile],
    environ: Mapping[str, str] | None = None,
    *,
    keys: Sequence[str] | None = None,
) -> dict[str, PipValue]:
    """The value pip would use for each key (``keys`` only, when given), by pip's rules
    (module docstring): files in order within a section, then ``[global]``,
    ``[install]`` and the variables of ``environ`` (none when None). Files with a
    problem count as absent."""
    by_section: dict[str, dict[str, PipValue]] = {section: {} for section in SECTIONS}
    for read in files:
        if read.problem is not None:
            continue
        for section in SECTIONS:
            for key, text in read.sections.get(section, {}).items():
                by_section[section][key] = PipValue(key, text, path=read.path, section=section)
    layers = [by_section[section] for section in SECTIONS]
    if environ is not None:
        layers.append(environment_values(environ))
    found: dict[str, PipValue] = {}
    for layer in layers:
        for key, value in layer.items():
            # An empty value clears the key in its section only; it never overrides.
            if value.value and (keys is None or key in keys):
                found[key] = value
    return found
