"""Reading a requirements file and the files it includes (the IO of
:mod:`indexclient.reqfile`).

Each file is read with :func:`~indexclient.userfiles.read_user_file` (a regular file
of bounded size; a FIFO or device is refused, never waited on). ``-r``/``-c`` paths
are relative to the directory of the including file. A file that includes one of the
files already being read (itself, or one that led to it) is a cycle: an error naming
the chain. A file included twice along different branches is read twice, as pip
reads it; the total of files and of bytes is capped so that such diamonds cannot
multiply the work. A remote include (``-r https://...``) is refused: pip would fetch
it, but a requirements file is configuration, read from disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from indexclient.errors import ConfigProblem, ConfigurationError
from indexclient.reqfile import (
    Entry,
    Include,
    Location,
    Notice,
    RequirementsFile,
    decode,
    excerpt,
    hash_problems,
    parse,
)
from indexclient.userfiles import MAX_REQUIREMENTS_FILE, UnreadableFile, read_user_file

__all__ = [
    "MAX_INCLUDED_FILES",
    "MAX_INCLUDE_DEPTH",
    "MAX_TOTAL_BYTES",
    "read_requirements_file",
    "read_requirements_files",
]

#: How deep ``-r``/``-c`` may nest below the file named.
MAX_INCLUDE_DEPTH = 32
#: How many files one read may include in all (a file included twice counts twice).
MAX_INCLUDED_FILES = 256
#: The bytes of every file read for one top-level file, together.
MAX_TOTAL_BYTES = 4 * MAX_REQUIREMENTS_FILE

Reader = Callable[[str], bytes]


def _read(path: str) -> bytes:
    return read_user_file(path, limit=MAX_REQUIREMENTS_FILE)


@dataclass
class _Walk:
    read: Reader
    environ: Mapping[str, str]
    entries: list[Entry] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    problems: list[Notice] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    total: int = 0

    def visit(self, path: str, constraint: bool, chain: list[tuple[str, Location | None]]) -> None:
        """Read ``path`` (reached through ``chain``: each file being read, with the
        include that led to the next) and what it includes, in place."""
        came_from = chain[-1][1] if chain else None
        kind = "constraints" if constraint else "requirements"
        if len(self.files) >= MAX_INCLUDED_FILES:
            self._fail(came_from, path, f"more than {MAX_INCLUDED_FILES} files are included")
            return
        try:
            data = self.read(path)
        except UnreadableFile as exc:
            self._fail(came_from, path, f"cannot read the {kind} file: {exc.reason}")
            return
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            self._fail(
                came_from, path, f"the files included exceed {MAX_TOTAL_BYTES} bytes together"
            )
            return
        text = decode(data)
        if text is None:
            self._fail(came_from, path, f"the {kind} file is not UTF-8 (or UTF-16/32) text")
            return
        self.files.append(path)
        found = parse(text, path, constraint=constraint, environ=self.environ)
        self.warnings += found.warnings
        self.problems += found.problems
        identity = os.path.realpath(path)
        for entry in found.entries:
            if isinstance(entry, Include):
                self._include(entry, path, identity, chain)
            else:
                self.entries.append(entry)

    def _fail(self, came_from: Location | None, path: str, message: str) -> None:
        if came_from is None:
            # The file named on the command line: the whole file, no line.
            self.problems.append(Notice(Location(path, 0), message))
        else:
            self.problems.append(Notice(came_from, f"{excerpt(path)}: {message}"))

    def _include(
        self,
        include: Include,
        path: str,
        identity: str,
        chain: list[tuple[str, Location | None]],
    ) -> None:
        self.entries.append(include)
        option = "-c" if include.constraint else "-r"
        if _is_remote(include.path):
            self.problems.append(
                Notice(
                    include.location,
                    f"{option} {excerpt(include.path)}: remote requirements files are not read; "
                    "download it and name the local copy",
                )
            )
            return
        if len(chain) >= MAX_INCLUDE_DEPTH:
            self.problems.append(
                Notice(
                    include.location,
                    f"{option} {excerpt(include.path)}: includes nest deeper than "
                    f"{MAX_INCLUDE_DEPTH}",
                )
            )
            return
        target = os.path.join(os.path.dirname(path), include.path)
        here = [*chain, (identity, include.location)]
        if any(os.path.realpath(target) == seen for seen, _ in here):
            names = " -> ".join(str(location) for _, location in here if location is not None)
            self.problems.append(
                Notice(
                    include.location,
                    f"{option} {excerpt(include.path)}: a cycle of includes ({names} -> {target})",
                )
            )
            return
        self.visit(target, include.constraint, here)


def _is_remote(path: str) -> bool:
    head = path.split(":", 1)[0].lower() if ":" in path else ""
    return head in ("http", "https", "file")


def read_requirements_files(
    paths: list[tuple[str, bool]],
    *,
    environ: Mapping[str, str] | None = None,
    environment: Mapping[str, str] | None = None,
    read: Reader = _read,
) -> RequirementsFile:
    """Every file of ``paths`` (each ``(path, constraint)``, as ``-r``/``-c`` name them
    on a command line) with what they include, merged in order: one set for
    hash-checking mode, as pip checks it over everything it was given.

    ``environ``: the variables ``${NAME}`` may name (default ``os.environ``).
    ``environment``: the target's marker variables; requirements whose markers do not
    hold for it are passed over by the hash checks (all are checked without it).
    ``read``: how a path's bytes are read (bounded; raises UnreadableFile).

    Raises ConfigurationError listing every problem, each naming ``FILE:LINE``.
    """
    walk = _Walk(read, os.environ if environ is None else environ)
    for path, constraint in paths:
        walk.visit(path, constraint, [])
    merged = RequirementsFile(
        tuple(walk.entries), tuple(walk.warnings), tuple(walk.problems), tuple(walk.files)
    )
    problems = [*walk.problems]
    if not problems:
        problems += hash_problems(merged, environment)
    if problems:
        raise ConfigurationError([_config_problem(p) for p in problems])
    return merged


def read_requirements_file(
    path: str,
    *,
    constraint: bool = False,
    environ: Mapping[str, str] | None = None,
    environment: Mapping[str, str] | None = None,
    read: Reader = _read,
) -> RequirementsFile:
    """``path`` and what it includes: :func:`read_requirements_files` for one file."""
    return read_requirements_files(
        [(path, constraint)], environ=environ, environment=environment, read=read
    )


def _config_problem(notice: Notice) -> ConfigProblem:
    return ConfigProblem(str(notice.location), notice.message)
