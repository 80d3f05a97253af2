"""``project``, ``versions``, ``metadata`` and ``download``: the commands that read an index.

Each builds the settings, opens one :class:`~indexclient.IndexClient` and prints what
the facade returns. ``metadata`` and ``download`` take many requirements and keep going
when one fails: its error is printed (and, with ``--json``, put in its place in the
list) and the exit status follows :func:`~indexclient.cli.exits.exit_code_of_failures`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from indexclient.cli.exits import OK, UsageError, exit_code_of_failures
from indexclient.cli.loop import run_async
from indexclient.cli.output import Console, human_size, iso, table
from indexclient.cli.settings import load_settings
from indexclient.client import IndexClient
from indexclient.errors import (
    ConfigProblem,
    ConfigurationError,
    FileWriteError,
    IndexClientError,
)
from indexclient.pyproject import is_pyproject, read_pyproject
from indexclient.select import parsed_requirement, requirement_problem
from indexclient.target import Target
from indexclient.urls import redact_text, redact_url

if TYPE_CHECKING:
    from indexclient.client import IndexClient, MetadataResult
    from indexclient.download import DownloadResult
    from indexclient.lock import Chosen, Wanted
    from indexclient.settings import IndexSpec, Settings
    from indexclient.simple import DistributionFile

__all__ = ["download", "metadata", "project", "versions"]


def _target(settings: Settings) -> Target | None:
    """The target the settings describe (the flags over UV_PRERELEASE and
    UV_EXCLUDE_NEWER over the configuration files, a requirements file's binary options
    joined); None: the running interpreter with uv's defaults."""
    target = settings.target()
    return None if target.is_default else target


def _client(settings: Settings) -> IndexClient:
    return IndexClient(settings=settings)


def _with_pinned(
    settings: Settings, pins: dict[str, IndexSpec]
) -> tuple[Settings, dict[str, IndexSpec]]:
    """The settings with the indexes only a pyproject.toml's pins name (its own
    ``[[tool.uv.index]]``) added as explicit ones: asked about their pinned projects
    only, never searched, and enough for a run whose every project is pinned."""
    known = set(settings.configured_indexes())
    moved = {
        spec: dataclasses.replace(spec, explicit=True)
        for spec in dict.fromkeys(pins.values())
        if spec not in known
    }
    if not moved or settings.no_index.value:
        return settings, pins
    extra = settings.extra_indexes + tuple(moved.values())
    return dataclasses.replace(settings, extra_indexes=extra), {
        name: moved.get(spec, spec) for name, spec in pins.items()
    }


def _settings(args: argparse.Namespace, console: Console) -> Settings:
    settings = load_settings(args)
    if settings.no_progress.value:
        console.quiet = True  # --no-progress, UV_NO_PROGRESS: the bars only
    return settings


def index_json(index: IndexSpec | None) -> str | None:
    """The index of an answer as ``--json`` gives it: its URL, redacted."""
    return None if index is None else redact_url(index.url)


# --------------------------------------------------------------------------- project


def _tags(file: DistributionFile) -> str:
    if file.is_wheel:
        # The filename's compressed tag set (py2.py3-none-any), as people write it.
        return "-".join(file.filename[: -len(".whl")].rsplit("-", 3)[-3:])
    return "sdist" if file.is_sdist else "?"


def _yanked(file: DistributionFile) -> str:
    if file.yanked is None:
        return ""
    return f"yanked: {file.yanked}" if file.yanked else "yanked"


def file_json(file: DistributionFile) -> dict[str, object]:
    """One file as ``project --json`` prints it."""
    return {
        "filename": file.filename,
        "url": redact_url(file.url),
        "hashes": dict(file.hashes),
        "requires_python": file.requires_python,
        "yanked": file.yanked,
        "core_metadata": None if file.core_metadata is None else dict(file.core_metadata),
        "size": file.size,
        "upload_time": iso(file.upload_time),
    }


def project(args: argparse.Namespace, console: Console) -> int:
    """``project NAME``: the project's files, and the index each came from."""
    settings = _settings(args, console)

    async def fetch() -> None:
        async with _client(settings) as client:
            found = await client.find(args.name)
        page = found.page
        name = page.name or args.name
        if console.json_mode:
            files = [{**file_json(f), "index": index_json(found.index_of(f))} for f in page.files]
            console.json(
                {
                    "name": name,
                    "index": index_json(found.index),
                    "index_name": found.index.name,
                    "files": files,
                }
            )
            return
        if len(found.indexes) == 1:
            where = redact_url(page.url)
        else:
            where = "from " + ", ".join(redact_url(i.url) for i in found.indexes)
        console.print(f"{name}: {len(page.files)} files ({where})")
        rows = [
            (
                str(f.version) if f.version is not None else "?",
                f.filename,
                _tags(f),
                f.requires_python or "-",
                human_size(f.size),
                iso(f.upload_time) or "-",
                _yanked(f),
            )
            for f in page.files
        ]
        headers = ("version", "filename", "tags", "requires-python", "size", "uploaded", "")
        console.print(table(headers, rows, right=(4,)))

    run_async(fetch())
    return OK


def versions(args: argparse.Namespace, console: Console) -> int:
    """``versions NAME``: every version, oldest first (newest last)."""
    settings = _settings(args, console)

    async def fetch() -> list[str]:
        async with _client(settings) as client:
            return [str(v) for v in await client.versions(args.name)]

    found = run_async(fetch())
    if console.json_mode:
        console.json(found)
    else:
        for version in found:
            console.print(version)
    return OK


# --------------------------------------------------------------------------- requirements


def _file_requirements(
    given: list[tuple[str, str]],
    args: argparse.Namespace,
    settings: Settings,
    console: Console,
) -> tuple[list[Wanted], Settings]:
    """``given`` (the arguments' and the pyproject.toml files' requirements, each with
    its origin) and the requirements files' (read together, with their includes, so
    that hash-checking mode spans them; pip's syntax, :mod:`indexclient.reqfile`),
    narrowed by the constraints files (``-c``) and the markers, and the settings with
    the files' index options applied (uv's precedence:
    :func:`indexclient.lock.apply_options`). Each warning is printed as one
    ``FILE:LINE: ...`` line."""
    from indexclient import lock
    from indexclient.reqfile import FileRequirement
    from indexclient.reqfile import parse as parse_lines
    from indexclient.reqfile_io import read_requirements_files

    # Markers are evaluated for the target (pip's rule: a requirement whose marker
    # does not hold is left out), the running interpreter by default.
    environment = settings.target().markers()
    paths = [(p, False) for p in args.requirement_files if not is_pyproject(p)]
    paths += [(p, True) for p in args.constraint_files]
    found = read_requirements_files(paths, environment=environment)
    for warning in found.warnings:
        console.warning(str(warning))
    settings, notes = lock.apply_options(settings, found)
    for note in notes:
        console.warning(note)
    requirements: list[tuple[FileRequirement, str]] = []
    problems: list[ConfigProblem] = []
    for text, where in given:
        parsed = parse_lines(text, where)
        if parsed.problems or len(parsed.requirements) != 1:
            reason = "; ".join(p.message for p in parsed.problems) or "not one requirement"
            problems.append(ConfigProblem(f"requirement {text!r} ({where})", reason))
        elif found.hash_checking and not parsed.requirements[0].hashes:
            # pip's hash-checking mode covers the command line's requirements too.
            problems.append(
                ConfigProblem(
                    f"requirement {text!r} ({where})",
                    "no hash; in hash-checking mode (turned on by a requirements file) "
                    "every requirement needs the hashes of the files it may use",
                )
            )
        else:
            requirements.append((parsed.requirements[0], where))
    if problems:
        raise ConfigurationError(problems)
    requirements += [(r, str(r.location)) for r in found.requirements if not r.constraint]
    constraints = [r for r in found.requirements if r.constraint]
    wanted = lock.plan(requirements, constraints, pre=found.pre, environment=environment)
    return wanted, settings


def _requirements(
    args: argparse.Namespace,
    settings: Settings,
    console: Console,
) -> tuple[list[str | Wanted], dict[str, IndexSpec], Settings]:
    """The requirements from the arguments then the files, all checked before any IO,
    the pins of the pyproject.toml files among them (uv pip's rule: only a project's
    own dependencies are pinned, by its [tool.uv.sources]), and the settings.

    With no requirements file (other than pyproject.toml) and no constraints file the
    requirements stay text, answered by the facade's batch paths (the memo's fast path
    needs no requirement parser for a plain name); otherwise they are
    :class:`~indexclient.lock.Wanted` (see :func:`_file_requirements`)."""
    given = [(r, "argument") for r in args.requirements]
    pins: dict[str, IndexSpec] = {}
    projects = [p for p in args.requirement_files if is_pyproject(p)]
    if (args.extras or args.all_extras) and not projects:
        raise UsageError(
            "--extra and --all-extras need a pyproject.toml given with -r",
            hint="e.g. indexclient metadata -r pyproject.toml --extra NAME",
        )
    for path in projects:
        read = read_pyproject(
            path, extras=args.extras, all_extras=args.all_extras, settings=settings
        )
        given += [(r, path) for r in read.requirements]
        for name, spec in read.pins.items():
            if pins.setdefault(name, spec) != spec:
                raise ConfigurationError.single(
                    f"tool.uv.sources.{name} in {path}",
                    f"{name!r} is pinned to another index by an earlier pyproject.toml",
                )
    files = len(projects) < len(args.requirement_files) or args.constraint_files
    problems = []
    for text, where in given:
        reason = requirement_problem(text)
        if reason is not None:
            origin = f"requirement {text!r} ({where})"
            problems.append(ConfigProblem(origin, f"not a PEP 508 requirement: {reason}"))
    if problems:
        raise ConfigurationError(problems)
    if not given and not (len(projects) < len(args.requirement_files)):
        raise UsageError(
            "no requirement given", hint="name at least one, e.g. 'attrs>=22', or use -r FILE"
        )
    if files:
        wanted, settings = _file_requirements(given, args, settings, console)
        return list(wanted), pins, settings
    return [text for text, _ in given], pins, settings


def _text(item: str | Wanted) -> str:
    return item if isinstance(item, str) else item.text


def _shown_requirement(item: str | Wanted) -> str:
    """A requirement as messages name it: its text, and ``(FILE:LINE)`` from a file."""
    if isinstance(item, str) or item.origin in ("argument",):
        return _text(item)
    return f"{item.text} ({item.origin})"


def _error_json(requirement: str | Wanted, error: IndexClientError) -> dict[str, object]:
    found: dict[str, object] = {"requirement": _text(requirement)}
    if not isinstance(requirement, str):
        found["origin"] = requirement.origin
    found["error"] = {
        "type": type(error).__name__,
        # A stable code where the error has one (an AuthenticationError's
        # "unauthorized", "forbidden", "proxy-authentication"), as tls check gives.
        "kind": getattr(error, "kind", None),
        "message": str(error),
        "hint": error.hint,
    }
    return found


def _report_failures(
    console: Console, requirements: Sequence[str | Wanted], results: Sequence[object]
) -> int:
    failures = []
    for requirement, result in zip(requirements, results, strict=True):
        if isinstance(result, IndexClientError):
            failures.append(result)
            console.error(f"{_shown_requirement(requirement)}: {result}", result.hint)
    return exit_code_of_failures(failures)


def _pin(item: str | Wanted, pins: dict[str, IndexSpec]) -> IndexSpec | None:
    if not pins:
        return None
    name = parsed_requirement(item).name if isinstance(item, str) else item.name
    return pins.get(canonicalize_name(name))


# --------------------------------------------------------------------------- metadata

_KEY_FIELDS = (("summary", "Summary"), ("requires_python", "Requires-Python"))


def _metadata_json(result: MetadataResult) -> dict[str, object]:
    return {
        "name": result.name,
        "version": str(result.version),
        "filename": result.file.filename,
        "index": index_json(result.index),
        "metadata": result.metadata.to_json(),
    }


def _print_metadata(console: Console, result: MetadataResult) -> None:
    fields = result.metadata.to_json()
    console.print(f"{result.name} {result.version}  {result.file.filename}")
    for key, label in _KEY_FIELDS:
        value = fields.get(key)
        if value:
            console.print(f"  {label}: {value if isinstance(value, str) else ', '.join(value)}")
    requires = fields.get("requires_dist") or []
    for requirement in [requires] if isinstance(requires, str) else requires:
        console.print(f"  Requires-Dist: {requirement}")


async def _metadata_of_wanted(
    client: IndexClient,
    wanted: Sequence[Wanted],
    pins: dict[str, IndexSpec],
    progress: Callable[[int, int], None],
    target: Target | None = None,
) -> list[MetadataResult | IndexClientError]:
    """Each requirement's metadata. A requirement that is only its text (no hashes,
    direct reference or --pre: most of a plain requirements file) takes the facade's
    batch path, whose memo answers a warm run without a task per requirement; the
    others are read as hash-checking mode says (:func:`indexclient.lock.metadata`)."""
    from indexclient import lock

    total = len(wanted)
    results: list[MetadataResult | IndexClientError | None] = [None] * total
    plain = [i for i, w in enumerate(wanted) if not (w.hashes or w.url or w.pre)]
    done = 0

    def finished(count: int = 1) -> None:
        nonlocal done
        done += count
        progress(done, total)

    async def checked(item: Wanted) -> MetadataResult | IndexClientError:
        try:
            return await lock.metadata(client, item, index=_pin(item, pins), target=target)
        except IndexClientError as exc:
            return exc
        finally:
            finished()

    async def batch() -> list[MetadataResult | IndexClientError]:
        if not plain:
            return []
        seen = 0

        def counted(now: int, _total: int) -> None:
            nonlocal seen
            finished(now - seen)
            seen = now

        texts = [wanted[i].text for i in plain]
        named: dict[str, str | IndexSpec] = {
            wanted[i].name: pins[wanted[i].name] for i in plain if wanted[i].name in pins
        }
        return await client.metadata_for(texts, pins=named, progress=counted, target=target)

    batched = set(plain)
    others = [i for i in range(total) if i not in batched]

    async def each() -> list[MetadataResult | IndexClientError]:
        return list(await asyncio.gather(*(checked(wanted[i]) for i in others)))

    answered, rest = await asyncio.gather(batch(), each())
    for i, result in zip(plain, answered, strict=True):
        results[i] = result
    for i, result in zip(others, rest, strict=True):
        results[i] = result
    return [r for r in results if r is not None]


def metadata(args: argparse.Namespace, console: Console) -> int:
    """``metadata REQ... [-r FILE] [-c FILE]``: core metadata of the newest matching
    versions (hash-checked in hash-checking mode)."""
    settings = _settings(args, console)
    requirements, pins, settings = _requirements(args, settings, console)
    target = _target(settings)
    settings, pins = _with_pinned(settings, pins)

    async def fetch() -> list[MetadataResult | IndexClientError]:
        bar = console.progress("metadata")
        bar.update(0, len(requirements), force=True)
        try:
            async with _client(settings) as client:
                texts = [r for r in requirements if isinstance(r, str)]
                if len(texts) == len(requirements):
                    return await client.metadata_for(
                        texts, pins=pins, progress=bar.update, target=target
                    )
                wanted = [r for r in requirements if not isinstance(r, str)]
                return await _metadata_of_wanted(client, wanted, pins, bar.update, target)
        finally:
            bar.close()

    if console.json_mode and requirements and all(map(_plain, requirements)):
        return _stream_metadata(console, settings, requirements, pins, target)
    results = run_async(fetch()) if requirements else []
    if console.json_mode:
        console.json(
            [
                _error_json(r, result)
                if isinstance(result, IndexClientError)
                else _metadata_json(result)
                for r, result in zip(requirements, results, strict=True)
            ]
        )
    else:
        first = True
        for result in results:
            if not isinstance(result, IndexClientError):
                if not first:
                    console.print()
                first = False
                _print_metadata(console, result)
    return _report_failures(console, requirements, results)


def _plain(requirement: str | Wanted) -> bool:
    """Whether a requirement is its text alone (no hashes, URL or --pre to honour)."""
    return isinstance(requirement, str) or not (
        requirement.hashes or requirement.url or requirement.pre
    )


def _stream_metadata(
    console: Console,
    settings: Settings,
    requirements: Sequence[str | Wanted],
    pins: dict[str, IndexSpec],
    target: Target | None,
) -> int:
    """``metadata --json`` for plain requirements: each answer written as it comes, in
    order (the same JSON as a whole list), so memory stays flat with thousands."""
    failures: list[tuple[str | Wanted, IndexClientError]] = []

    async def fetch() -> None:
        texts = [_text(r) for r in requirements]
        out = console.json_array()
        async with (
            _client(settings) as client,
            contextlib.aclosing(client.iter_metadata(texts, pins=pins, target=target)) as answers,
        ):
            position = iter(requirements)
            async for result in answers:
                requirement = next(position)
                if isinstance(result, IndexClientError):
                    failures.append((requirement, result))
                    out.add(_error_json(requirement, result))
                else:
                    out.add(_metadata_json(result))
        out.close()

    run_async(fetch())
    for requirement, error in failures:
        console.error(f"{_shown_requirement(requirement)}: {error}", error.hint)
    return exit_code_of_failures(error for _, error in failures)


# --------------------------------------------------------------------------- download


async def _choose(
    client: IndexClient,
    requirement: str | Wanted,
    pins: dict[str, IndexSpec],
    target: Target | None,
) -> Chosen | IndexClientError:
    from indexclient import lock

    try:
        pin = _pin(requirement, pins)
        if isinstance(requirement, str):
            selection = await client.choose(requirement, index=pin, target=target)
            return lock.Chosen(
                lock.Wanted(requirement, "argument", selection.name),
                selection.name,
                str(selection.version),
                selection.best,
                selection.index,
                selection.files,
            )
        return await lock.choose(client, requirement, index=pin, target=target)
    except IndexClientError as exc:
        return exc


async def _download_all(
    settings: Settings,
    requirements: Sequence[str | Wanted],
    pins: dict[str, IndexSpec],
    dest: Path,
    console: Console,
    *,
    target: Target | None = None,
) -> list[tuple[Chosen, DownloadResult] | IndexClientError]:
    from indexclient import lock

    async with _client(settings) as client:
        chosen = await asyncio.gather(*(_choose(client, r, pins, target) for r in requirements))
        sizes = [c.file.size for c in chosen if not isinstance(c, IndexClientError)]
        total = sum(s for s in sizes if s is not None) if None not in sizes else None
        done: dict[int, int] = {}
        bar = console.progress("downloading", count_bytes=True)

        async def one(
            index: int, choice: Chosen | IndexClientError
        ) -> tuple[Chosen, DownloadResult] | IndexClientError:
            if isinstance(choice, IndexClientError):
                return choice

            def progress(written: int, _size: int | None) -> None:
                done[index] = written
                bar.update(sum(done.values()), total)

            try:
                result = await lock.download(client, choice, dest, progress=progress, target=target)
            except IndexClientError as exc:
                return exc
            if console.progress_enabled():
                bar.message(f"downloaded {choice.file.filename}")
            return choice, result

        try:
            return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(chosen))))
        finally:
            bar.close()


def _checked(result: DownloadResult) -> str:
    if not result.hashes_checked:
        return "no hash advertised, not verified"
    return f"{', '.join(result.hashes_checked)} verified"


def _download_json(
    requirement: str | Wanted, result: tuple[Chosen, DownloadResult] | IndexClientError
) -> dict[str, object]:
    if isinstance(result, IndexClientError):
        return _error_json(requirement, result)
    choice, saved = result
    entry: dict[str, object] = {"requirement": _text(requirement)}
    if not isinstance(requirement, str):
        entry["origin"] = requirement.origin
    entry |= {
        "name": choice.name,
        "version": choice.version,
        "filename": choice.file.filename,
        "url": redact_url(choice.file.url),
        "index": index_json(choice.index),
        "path": str(saved.path),
        "size": saved.size,
        "hashes_checked": list(saved.hashes_checked),
    }
    if not isinstance(requirement, str):
        entry["hashes"] = [f"{alg}:{digest}" for alg, digest in sorted(requirement.hashes.pairs)]
    entry["digests"] = dict(saved.digests)
    return entry


def download(args: argparse.Namespace, console: Console) -> int:
    """``download REQ... [-r FILE] [-c FILE] [--dest DIR] [--report FILE]``: the best
    file of each (the pinned ones of a lock), hash-verified."""
    settings = _settings(args, console)
    report = None if args.report is None else Path(args.report)
    if report is not None:
        _check_report_path(report)
    requirements, pins, settings = _requirements(args, settings, console)
    target = _target(settings)
    settings, pins = _with_pinned(settings, pins)
    if not pins and requirements:
        settings.indexes()  # no index configured: fail before creating --dest
    dest = Path(args.dest)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"--dest {dest} is not a directory")
    dest.mkdir(parents=True, exist_ok=True)
    results = (
        run_async(_download_all(settings, requirements, pins, dest, console, target=target))
        if requirements
        else []
    )
    entries = [_download_json(r, result) for r, result in zip(requirements, results, strict=True)]
    if report is not None:
        _write_report(report, entries)
    if console.json_mode:
        console.json(entries)
    else:
        for result in results:
            if not isinstance(result, IndexClientError):
                _, saved = result
                console.print(f"saved {saved.path} ({human_size(saved.size)}, {_checked(saved)})")
    return _report_failures(console, requirements, results)


def _check_report_path(report: Path) -> None:
    """A report path that cannot be a regular file is a usage error before any IO."""
    if report.is_symlink() or (report.exists() and not report.is_file()):
        raise UsageError(f"--report {report} exists and is not a regular file")
    if not report.parent.is_dir():
        raise UsageError(f"--report {report}: {report.parent} is not a directory")


def _write_report(report: Path, entries: list[dict[str, object]]) -> None:
    """The report, written beside its place and renamed into it: a reader never sees
    half of one. URLs in it are redacted (docs/security.md)."""
    text = redact_text(json.dumps({"version": 1, "requirements": entries}, indent=2)) + "\n"
    temp = report.with_name(f".{report.name}.{os.urandom(6).hex()}.part")
    try:
        with open(temp, "x", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, report)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise FileWriteError(str(report), exc.strerror or str(exc)) from exc
