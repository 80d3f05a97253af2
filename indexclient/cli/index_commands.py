"""``project``, ``versions``, ``metadata`` and ``download``: the commands that read an index.

Each builds the settings, opens one :class:`~indexclient.IndexClient` and prints what
the facade returns. ``metadata`` and ``download`` take many requirements and keep going
when one fails: its error is printed (and, with ``--json``, put in its place in the
list) and the exit status follows :func:`~indexclient.cli.exits.exit_code_of_failures`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from indexclient.cli.exits import OK, UsageError, exit_code_of_failures
from indexclient.cli.loop import run_async
from indexclient.cli.output import Console, human_size, iso, table
from indexclient.cli.settings import load_settings
from indexclient.client import IndexClient
from indexclient.errors import ConfigProblem, ConfigurationError, IndexClientError
from indexclient.pyproject import is_pyproject, read_pyproject
from indexclient.select import parsed_requirement, requirement_problem
from indexclient.target import Target
from indexclient.urls import redact_url
from indexclient.userfiles import MAX_REQUIREMENTS_FILE, UnreadableFile, read_user_file

if TYPE_CHECKING:
    from indexclient.client import IndexClient, MetadataResult
    from indexclient.download import DownloadResult
    from indexclient.select import Selection
    from indexclient.settings import IndexSpec, Settings
    from indexclient.simple import DistributionFile

__all__ = ["download", "metadata", "project", "read_requirements", "versions"]


def _client(settings: Settings) -> IndexClient:
    return IndexClient(settings=settings)


def _target(args: argparse.Namespace) -> Target | None:
    """The target the flags (or UV_PRERELEASE, UV_EXCLUDE_NEWER, as uv reads them) ask
    for; None: the running interpreter with uv's defaults."""
    prerelease = args.prerelease or os.environ.get("UV_PRERELEASE", "").strip() or None
    exclude_newer = args.exclude_newer or os.environ.get("UV_EXCLUDE_NEWER", "").strip() or None
    if exclude_newer is not None and exclude_newer.lower() == "false":
        exclude_newer = None  # uv: UV_EXCLUDE_NEWER=false turns it off
    target = Target.for_(
        python_version=args.python_version,
        python_platform=args.python_platform,
        only_binary=args.only_binary,
        no_binary=args.no_binary,
        prerelease=prerelease,
        exclude_newer=exclude_newer,
    )
    return None if target.is_default else target


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


def read_requirements(path: str) -> list[tuple[str, str]]:
    """The requirement lines of a requirements file, each with ``FILE:LINE``.

    Blank lines, comments (``#`` at the start or after whitespace) and option lines
    (starting with ``-``: ``-r``, ``-e``, ``--index-url``...) are skipped.
    """
    where = f"-r {path}"
    try:
        # A FIFO or /dev/zero given as -r would block or never end (docs/security.md).
        data = read_user_file(path, limit=MAX_REQUIREMENTS_FILE)
    except UnreadableFile as exc:
        raise ConfigurationError.single(
            where, f"cannot read the requirements file: {exc.reason}"
        ) from None
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ConfigurationError.single(
            where, f"the requirements file is not UTF-8 text (byte {exc.start}: {exc.reason})"
        ) from None
    found = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if " #" in text or "\t#" in text:
            text = text[: min(i for i in (text.find(" #"), text.find("\t#")) if i >= 0)]
        text = text.strip()
        if text and not text.startswith(("#", "-")):
            found.append((text, f"{path}:{number}"))
    return found


def _requirements(
    args: argparse.Namespace, settings: Settings
) -> tuple[list[str], dict[str, IndexSpec]]:
    """The requirements from the arguments then the files, all checked before any IO,
    and the pins of the pyproject.toml files among them (uv pip's rule: only a
    project's own dependencies are pinned, by its [tool.uv.sources])."""
    given = [(r, "argument") for r in args.requirements]
    pins: dict[str, IndexSpec] = {}
    projects = [p for p in args.requirement_files if is_pyproject(p)]
    if (args.extras or args.all_extras) and not projects:
        raise UsageError(
            "--extra and --all-extras need a pyproject.toml given with -r",
            hint="e.g. indexclient metadata -r pyproject.toml --extra NAME",
        )
    for path in args.requirement_files:
        if not is_pyproject(path):
            given += read_requirements(path)
            continue
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
    if not given:
        raise UsageError(
            "no requirement given", hint="name at least one, e.g. 'attrs>=22', or use -r FILE"
        )
    problems = []
    for text, where in given:
        reason = requirement_problem(text)
        if reason is not None:
            origin = f"requirement {text!r} ({where})"
            problems.append(ConfigProblem(origin, f"not a PEP 508 requirement: {reason}"))
    if problems:
        raise ConfigurationError(problems)
    return [text for text, _ in given], pins


def _error_json(requirement: str, error: IndexClientError) -> dict[str, object]:
    return {
        "requirement": requirement,
        "error": {
            "type": type(error).__name__,
            # A stable code where the error has one (an AuthenticationError's
            # "unauthorized", "forbidden", "proxy-authentication"), as tls check gives.
            "kind": getattr(error, "kind", None),
            "message": str(error),
            "hint": error.hint,
        },
    }


def _report_failures(
    console: Console, requirements: Sequence[str], results: Sequence[object]
) -> int:
    failures = []
    for requirement, result in zip(requirements, results, strict=True):
        if isinstance(result, IndexClientError):
            failures.append(result)
            console.error(f"{requirement}: {result}", result.hint)
    return exit_code_of_failures(failures)


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


def metadata(args: argparse.Namespace, console: Console) -> int:
    """``metadata REQ... [-r FILE]``: core metadata of the newest matching versions."""
    settings = _settings(args, console)
    target = _target(args)
    requirements, pins = _requirements(args, settings)
    settings, pins = _with_pinned(settings, pins)

    async def fetch() -> list[MetadataResult | IndexClientError]:
        bar = console.progress("metadata")
        bar.update(0, len(requirements), force=True)
        try:
            async with _client(settings) as client:
                return await client.metadata_for(
                    requirements, pins=pins, progress=bar.update, target=target
                )
        finally:
            bar.close()

    results = run_async(fetch())
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


# --------------------------------------------------------------------------- download


async def _choose(
    client: IndexClient, requirement: str, pins: dict[str, IndexSpec], target: Target | None
) -> Selection | IndexClientError:
    try:
        pin = pins.get(canonicalize_name(parsed_requirement(requirement).name)) if pins else None
        return await client.choose(requirement, index=pin, target=target)
    except IndexClientError as exc:
        return exc


async def _download_all(
    settings: Settings,
    requirements: Sequence[str],
    pins: dict[str, IndexSpec],
    dest: Path,
    console: Console,
    *,
    target: Target | None = None,
) -> list[tuple[Selection, DownloadResult] | IndexClientError]:
    async with _client(settings) as client:
        chosen = await asyncio.gather(*(_choose(client, r, pins, target) for r in requirements))
        sizes = [c.best.size for c in chosen if not isinstance(c, IndexClientError)]
        total = sum(s for s in sizes if s is not None) if None not in sizes else None
        done: dict[int, int] = {}
        bar = console.progress("downloading", count_bytes=True)

        async def one(
            index: int, selection: Selection | IndexClientError
        ) -> tuple[Selection, DownloadResult] | IndexClientError:
            if isinstance(selection, IndexClientError):
                return selection

            def progress(written: int, _size: int | None) -> None:
                done[index] = written
                bar.update(sum(done.values()), total)

            try:
                result = await client.download(
                    selection.best, dest, progress=progress, target=target
                )
            except IndexClientError as exc:
                return exc
            if console.progress_enabled():
                bar.message(f"downloaded {selection.best.filename}")
            return selection, result

        try:
            return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(chosen))))
        finally:
            bar.close()


def _checked(result: DownloadResult) -> str:
    if not result.hashes_checked:
        return "no hash advertised, not verified"
    return f"{', '.join(result.hashes_checked)} verified"


def download(args: argparse.Namespace, console: Console) -> int:
    """``download REQ... [-r FILE] [--dest DIR]``: the best file of each, hash-verified."""
    settings = _settings(args, console)
    target = _target(args)
    requirements, pins = _requirements(args, settings)
    settings, pins = _with_pinned(settings, pins)
    if not pins:
        settings.indexes()  # no index configured: fail before creating --dest
    dest = Path(args.dest)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"--dest {dest} is not a directory")
    dest.mkdir(parents=True, exist_ok=True)
    results = run_async(_download_all(settings, requirements, pins, dest, console, target=target))
    if console.json_mode:
        entries: list[dict[str, object]] = []
        for requirement, result in zip(requirements, results, strict=True):
            if isinstance(result, IndexClientError):
                entries.append(_error_json(requirement, result))
                continue
            selection, saved = result
            entries.append(
                {
                    "requirement": requirement,
                    "name": selection.name,
                    "version": str(selection.version),
                    "filename": selection.best.filename,
                    "index": index_json(selection.index),
                    "path": str(saved.path),
                    "size": saved.size,
                    "hashes_checked": list(saved.hashes_checked),
                }
            )
        console.json(entries)
    else:
        for result in results:
            if not isinstance(result, IndexClientError):
                _, saved = result
                console.print(f"saved {saved.path} ({human_size(saved.size)}, {_checked(saved)})")
    return _report_failures(console, requirements, results)
