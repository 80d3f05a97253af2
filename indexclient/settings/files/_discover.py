"""Where configuration files are, and which of them are in effect."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from indexclient.errors import ConfigurationError
from indexclient.settings.environment import env_bool
from indexclient.settings.files._checks import Invalid
from indexclient.settings.files._model import (
    ETC_UV_TOML,
    PYPROJECT,
    UV_TOML,
    ConfigFile,
    Discovery,
    Scope,
)
from indexclient.settings.files._read import read_file
from indexclient.settings.files._toml import load_toml, tool_uv
from indexclient.settings.values import Problems
from indexclient.userfiles import is_regular_file

# --------------------------------------------------------------------------- locations


def _present(path: Path) -> bool:
    """Whether anything is at ``path``: a file, or something else to report when read.

    A FIFO, a device or a directory where a configuration file is looked for is a
    problem (reported by read_file, which never opens it for reading), not a reason to
    skip it silently or to block on it (docs/security.md, "Files you name"). Only a
    missing path (or a dangling symlink) is nothing, as in uv.
    """
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return False
    except OSError:  # a loop of symlinks, a denied permission: reported when read
        return True
    return True


def _find_project_file(start: Path) -> Path | None:
    """The nearest uv.toml, or pyproject.toml with [tool.uv], from ``start`` upward.

    A pyproject.toml (or anything at a uv.toml's place) that cannot be read or parsed is
    returned too (its problem is then reported when it is read): uv stops there with an
    error as well.
    """
    for directory in (start, *start.parents):
        uv_toml = directory / UV_TOML
        if _present(uv_toml):
            return uv_toml
        pyproject = directory / PYPROJECT
        if _present(pyproject):
            try:
                document = load_toml(pyproject)
            except Invalid:
                return pyproject
            tool = document.get("tool", {})
            # A `tool` that is not a table is a problem to report, not a reason to skip.
            if not isinstance(tool, dict) or "uv" in tool:
                return pyproject
    return None


def _absolute(path: str | os.PathLike[str], cwd: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else cwd / candidate


def _user_config_file(environ: Mapping[str, str], *, windows: bool) -> Path | None:
    """Where the user's uv.toml is (whether it exists or not), or None if unknown."""
    if windows:
        appdata = environ.get("APPDATA", "")
        return Path(appdata, "uv", UV_TOML) if appdata else None
    xdg = environ.get("XDG_CONFIG_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg, "uv", UV_TOML)
    home = environ.get("HOME", "")
    return Path(home, ".config", "uv", UV_TOML) if home else None


def _system_config_file(
    environ: Mapping[str, str], fallback: str | os.PathLike[str] | None, *, windows: bool
) -> Path | None:
    """The system uv.toml in effect (the first path where something is), or None."""
    if windows:
        drive = environ.get("SYSTEMDRIVE", "")
        candidate = Path(drive + "\\", "ProgramData", "uv", UV_TOML) if drive else None
        return candidate if candidate is not None and _present(candidate) else None
    dirs = environ.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
    for directory in dirs.split(":"):
        if not directory:
            break
        candidate = Path(directory, "uv", UV_TOML)
        if _present(candidate):
            return candidate
    if fallback is not None and _present(Path(fallback)):
        return Path(fallback)
    return None


def user_config_path(environ: Mapping[str, str]) -> Path:
    """The user configuration file (``config set --user``), existing or not.

    Raises ConfigurationError when neither ``XDG_CONFIG_HOME`` (absolute) nor ``HOME``
    (``APPDATA`` on Windows) is set.
    """
    path = _user_config_file(environ, windows=os.name == "nt")
    if path is None:
        variables = "APPDATA" if os.name == "nt" else "XDG_CONFIG_HOME or HOME"
        raise ConfigurationError.single(
            "user configuration", f"cannot locate the user configuration: set {variables}"
        )
    return path


def project_config_path(cwd: str | os.PathLike[str]) -> Path:
    """The project configuration file (``config set --project``).

    The file :func:`discover` would read (the nearest ``uv.toml``, or ``pyproject.toml``
    with ``[tool.uv]``, from ``cwd`` upward), else ``cwd/uv.toml``.
    """
    start = Path(cwd).absolute()
    return _find_project_file(start) or start / UV_TOML


# --------------------------------------------------------------------------- discovery


def discover(
    cwd: str | os.PathLike[str],
    environ: Mapping[str, str],
    *,
    config_file: str | os.PathLike[str] | None = None,
    no_config: bool = False,
    system_fallback: str | os.PathLike[str] | None = ETC_UV_TOML,
) -> Discovery:
    """Find and read the configuration files in effect (see the module docstring).

    ``config_file`` is ``--config-file`` (``UV_CONFIG_FILE`` when None); ``no_config``
    is ``--no-config`` (``UV_NO_CONFIG`` is read when False). ``system_fallback`` is the
    last system location tried (``/etc/uv/uv.toml``; None to skip it, e.g. in tests).
    Never raises for a bad file or variable: every problem is in the result.
    """
    start = Path(cwd).absolute()
    windows = os.name == "nt"
    problems = Problems()

    explicit = config_file if config_file is not None else environ.get("UV_CONFIG_FILE") or None
    named_by = "--config-file {}" if config_file is not None else "UV_CONFIG_FILE={} (environment)"
    disabled = no_config
    if not disabled:
        variable = env_bool(environ, "UV_NO_CONFIG", problems)
        disabled = variable is not None and variable.value

    files: list[ConfigFile] = []
    if explicit is not None:
        chosen = _absolute(explicit, start)
        files.append(read_file(chosen, "explicit", named_by=named_by.format(chosen)))
    elif not disabled:
        seen: set[str] = set()
        candidates: list[tuple[Path | None, Scope]] = [
            (_find_project_file(start), "project"),
            (_user_config_file(environ, windows=windows), "user"),
            (_system_config_file(environ, system_fallback, windows=windows), "system"),
        ]
        for path, scope in candidates:
            if path is None or not _present(path):
                continue
            real = os.path.realpath(path)
            if real in seen:  # e.g. the project directory is ~/.config/uv
                continue
            seen.add(real)
            read = read_file(path, scope)
            if scope == "project" and path.name == UV_TOML:
                read = _warn_if_shadowed_pyproject(read, path)
            files.append(read)

    for found in files:
        problems.extend(found.problems, warnings=found.warnings)
    return Discovery(
        files=tuple(files), problems=tuple(problems.problems), warnings=tuple(problems.warnings)
    )


def _warn_if_shadowed_pyproject(read: ConfigFile, uv_toml: Path) -> ConfigFile:
    """uv's warning when a [tool.uv] table sits beside the uv.toml that wins over it."""
    pyproject = uv_toml.with_name(PYPROJECT)
    if not is_regular_file(pyproject):
        return read
    try:
        document = load_toml(pyproject)
    except Invalid:
        return read
    if tool_uv(document) is None:
        return read
    warning = (
        f"{uv_toml}: found both this uv.toml and a [tool.uv] table in {pyproject}; "
        "the [tool.uv] table is ignored in favour of the uv.toml"
    )
    return ConfigFile(read.path, read.scope, read.values, read.problems, (*read.warnings, warning))
