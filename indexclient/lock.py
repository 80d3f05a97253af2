"""Requirements files put to use: their options applied to the settings with uv's
precedence, their requirements narrowed by constraints and markers, and pip's
hash-checking mode kept when choosing files, reading metadata and downloading.

The parsing is :mod:`indexclient.reqfile` (no IO) and the reading
:mod:`indexclient.reqfile_io`; this module sits on the facade
(:class:`~indexclient.IndexClient`) and decides nothing about how an index is asked.

- Options (:func:`apply_options`), as ``uv pip compile`` combines them (its
  ``IndexLocations::combine``): a file's ``--extra-index-url`` and ``--find-links``
  come after the command line's, the environment's and the configuration's; its
  ``--index-url`` is the default index only when nothing else names one (the first
  default wins); its ``--no-index`` turns indexes off whatever else says. A relative
  ``-f`` (or ``-i``) path is relative to the file that says it. ``--pre`` allows
  pre-releases for every requirement, as pip reads it (uv ignores it in a file, with a
  warning). ``--trusted-host`` is ignored with a warning, as uv ignores it: a file
  never lowers TLS (docs/security.md). ``--only-binary`` and ``--no-binary`` join the
  settings' (uv's union: a file's ``:all:`` holds whatever the command line says, and
  its ``:none:`` clears nothing, with a warning); ``--prefer-binary`` is not applied,
  with a warning.
- Requirements (:func:`plan`): one whose marker does not hold for the environment is
  skipped, as pip skips it; constraints (``-c``) only narrow the versions (and the
  hashes, pip's intersection) of projects otherwise required, uv's and pip's meaning.
- Hash-checking mode (:func:`choose`, :func:`metadata`, :func:`download`): only the
  files of the chosen version whose advertised digest is one of the requirement's
  hashes, or that advertise none of its algorithms (checked once fetched), count; a
  file read whole or downloaded must match one of the hashes.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from packaging.utils import NormalizedName
from packaging.version import Version

from indexclient.errors import (
    ConfigProblem,
    ConfigurationError,
    DigestError,
    MetadataError,
)
from indexclient.fetching import MetadataResult
from indexclient.reqfile import FileOption, FileRequirement, Hashes, RequirementsFile, applies
from indexclient.requirements import parse as parse_requirement
from indexclient.select import Selection, is_plain_name
from indexclient.settings import IndexSpec, Origin, Settings, Value
from indexclient.settings.values import Problems, index_spec
from indexclient.simple import DistributionFile
from indexclient.target import Target, binary_rule
from indexclient.urls import UnusableURL, check_authority, redact_url

if TYPE_CHECKING:
    from pathlib import Path

    from indexclient.client import IndexClient
    from indexclient.download import DownloadResult, Progress

__all__ = [
    "Chosen",
    "Wanted",
    "allowed_files",
    "apply_options",
    "choose",
    "download",
    "metadata",
    "plan",
]

_SHOWN_HASHES = 3
_NO_HASHES = Hashes()


@dataclass(frozen=True, slots=True)
class Wanted:
    """One requirement to answer: ``text`` is what is chosen with (constraints merged
    in, the marker dropped once evaluated), ``origin`` where it was given (``FILE:LINE``,
    ``argument``, a pyproject.toml), ``hashes`` the known-good digests (empty outside
    hash-checking mode), ``url`` a direct reference, ``pre`` whether pre-releases are
    allowed (``--pre`` in a file)."""

    text: str
    origin: str
    name: NormalizedName
    hashes: Hashes = _NO_HASHES
    url: str | None = None
    pre: bool = False

    def __repr__(self) -> str:
        return f"Wanted({redact_url(self.text)!r}, {self.origin}, hashes={len(self.hashes.pairs)})"


@dataclass(frozen=True, slots=True)
class Chosen:
    """The file chosen for a :class:`Wanted`: its name and version, the file, the index
    it came from (None for a direct reference) and the other files allowed."""

    wanted: Wanted
    name: NormalizedName
    version: str
    file: DistributionFile
    index: IndexSpec | None
    files: tuple[DistributionFile, ...] = ()


# --------------------------------------------------------------------------- options


def _relative(value: str, location_file: str) -> str:
    """A path given in a file, relative to that file's directory; URLs as they are."""
    if "://" in value or value.lower().startswith("file:"):
        return value
    expanded = os.path.expanduser(value)
    if os.path.isabs(expanded):
        return expanded
    return os.path.join(os.path.dirname(location_file), expanded)


def _origin(option: FileOption) -> Origin:
    return Origin("file", f"--{option.name}", str(option.location))


def apply_options(settings: Settings, found: RequirementsFile) -> tuple[Settings, list[str]]:
    """``settings`` with the index options of the requirements files ``found`` added
    (see the module docstring for uv's precedence), and the warnings for the options
    not applied, each ``FILE:LINE: ...``. Raises ConfigurationError for an index URL
    that cannot be used."""
    problems = Problems()
    warnings: list[str] = []
    index_url = settings.index_url
    extra: list[IndexSpec] = []
    links: list[IndexSpec] = []
    no_index = settings.no_index
    binary: dict[str, list[Value[str]]] = {"only-binary": [], "no-binary": []}
    for option in found.options:
        origin = _origin(option)
        value = option.value
        if option.name == "index-url" and value is not None:
            spec = index_spec(
                _relative(value, option.location.file), origin, problems, default=True
            )
            # uv: the first default index wins; the command line's, the environment's
            # and the configuration's come before a file's.
            if spec is not None and index_url is None:
                index_url = spec
        elif option.name == "extra-index-url" and value is not None:
            spec = index_spec(
                _relative(value, option.location.file), origin, problems, default=False
            )
            if spec is not None:
                extra.append(spec)
        elif option.name == "find-links" and value is not None:
            spec = index_spec(
                _relative(value, option.location.file),
                origin,
                problems,
                default=False,
                find_links=True,
            )
            if spec is not None:
                links.append(spec)
        elif option.name == "no-index":
            if not no_index.value:
                no_index = Value(True, origin)
        elif option.name == "trusted-host":
            warnings.append(
                f"{option.location}: ignored --trusted-host (as uv ignores it in a file: a "
                "requirements file never lowers TLS); pass --allow-insecure-host on the "
                "command line instead"
            )
        elif option.name in binary and value is not None:
            # uv (RequirementsSpecification): each file's entries extend the others'
            # and then the settings', so :none: in a file takes nothing away.
            entries = [v.strip() for v in value.split(",") if v.strip()]
            if ":none:" in entries:
                warnings.append(
                    f"{option.location}: --{option.name} :none: has no effect in a file "
                    "(as in uv: a file's entries only add to the command line's)"
                )
            try:
                binary_rule(entries, f"--{option.name} ({option.location})")
            except ConfigurationError as exc:
                problems.extend(exc.problems)
                continue
            binary[option.name] += [Value(v, origin) for v in entries if v != ":none:"]
        elif option.name == "prefer-binary":
            warnings.append(
                f"{option.location}: ignored --prefer-binary: not applied (the newest "
                "acceptable version is chosen, wheel or sdist)"
            )
    problems.raise_if_any()
    changed = dataclasses.replace(
        settings,
        index_url=index_url,
        extra_indexes=settings.extra_indexes + tuple(extra),
        find_links=settings.find_links + tuple(links),
        no_index=no_index,
        only_binary=settings.only_binary + tuple(binary["only-binary"]),
        no_binary=settings.no_binary + tuple(binary["no-binary"]),
    )
    return changed, warnings


# --------------------------------------------------------------------------- requirements


def plan(
    requirements: Sequence[tuple[FileRequirement, str]],
    constraints: Sequence[FileRequirement] = (),
    *,
    pre: bool = False,
    environment: Mapping[str, str] | None = None,
) -> list[Wanted]:
    """What to answer for ``requirements`` (each with the origin to name it by), in
    order: those whose marker does not hold for ``environment`` (default: the running
    interpreter's, :meth:`Target.markers`) left out, each narrowed by the
    ``constraints`` on its project whose markers hold (their specifiers added, their
    hashes intersected with its own, pip's rule). Raises ConfigurationError for a
    direct reference among the constraints (pip refuses them) or a direct URL that
    cannot be used safely."""
    env = Target.current().markers() if environment is None else dict(environment)
    problems: list[ConfigProblem] = []
    narrowing: dict[NormalizedName, list[FileRequirement]] = {}
    for constraint in constraints:
        if constraint.url is not None:
            problems.append(
                ConfigProblem(
                    str(constraint.location),
                    f"{redact_url(constraint.text)}: a constraint cannot be a direct "
                    "reference (pip's rule); constrain the version instead",
                )
            )
        elif applies(constraint, env):
            narrowing.setdefault(constraint.name, []).append(constraint)
    found: list[Wanted] = []
    for requirement, origin in requirements:
        if not applies(requirement, env):
            continue
        if is_plain_name(requirement.text):
            # A name alone (most lines): its own name, no extras, no specifier.
            name, extras, specifiers = requirement.text, "", []
        else:
            parsed = parse_requirement(requirement.text)
            name = parsed.name
            extras = f"[{','.join(sorted(parsed.extras))}]" if parsed.extras else ""
            specifiers = [str(parsed.specifier)] if str(parsed.specifier) else []
        hashes = requirement.hashes
        for constraint in narrowing.get(requirement.name, ()):
            hashes = hashes & constraint.hashes
            narrowed = str(parse_requirement(constraint.text).specifier)
            if narrowed and requirement.url is None:
                specifiers.append(narrowed)
        if requirement.url is not None:
            try:
                check_authority(requirement.url)
            except UnusableURL as exc:
                problems.append(ConfigProblem(origin, f"{redact_url(requirement.url)}: {exc}"))
                continue
            text = f"{name}{extras} @ {requirement.url}"
        else:
            text = f"{name}{extras}{','.join(specifiers)}"
        found.append(Wanted(text, origin, requirement.name, hashes, requirement.url, pre))
    if problems:
        raise ConfigurationError(problems)
    return found


# --------------------------------------------------------------------------- choosing


def allowed_files(
    files: Sequence[DistributionFile], hashes: Hashes
) -> tuple[DistributionFile, ...]:
    """The files hash-checking mode lets count, in their order: each whose advertised
    digest is one of ``hashes``, and each that advertises none of their algorithms (it
    is checked once fetched); a file whose advertised digest is another is left out."""
    if not hashes:
        return tuple(files)
    algorithms = hashes.algorithms
    kept = []
    for file in files:
        advertised = {
            alg.lower(): digest for alg, digest in file.hashes.items() if alg.lower() in algorithms
        }
        if not advertised or hashes.allows_any(advertised):
            kept.append(file)
    return tuple(kept)


def _shown(hashes: Hashes) -> str:
    pairs = sorted(hashes.pairs)
    shown = ", ".join(f"{alg}:{digest[:16]}..." for alg, digest in pairs[:_SHOWN_HASHES])
    more = len(pairs) - _SHOWN_HASHES
    return shown + (f" and {more} more" if more > 0 else "")


def direct_file(wanted: Wanted) -> DistributionFile:
    """The file a direct reference names (its fragment dropped: the hash it may give
    is in :attr:`Wanted.hashes`)."""
    assert wanted.url is not None
    parts = urlsplit(wanted.url)
    filename = unquote(parts.path.rpartition("/")[2])
    return DistributionFile(filename, urlunsplit(parts._replace(fragment="")))


async def choose(
    client: IndexClient,
    wanted: Wanted,
    *,
    index: IndexSpec | None = None,
    target: Target | None = None,
) -> Chosen:
    """The file for ``wanted``: a direct reference's own, else the best file of the
    newest acceptable version for ``target`` (from ``index`` only when given: a pin)
    among those hash-checking mode allows. Raises DigestError naming the requirement,
    its origin and the hashes when none of that version's files is allowed."""
    if wanted.url is not None:
        file = direct_file(wanted)
        version = file.version
        if version is None:  # the parser checked the filename; kept for safety
            raise MetadataError(redact_url(file.url), "the file name has no version")
        return Chosen(wanted, wanted.name, str(version), file, None, (file,))
    if wanted.pre:
        # pip's --pre: pre-releases compete with final releases (uv's "allow").
        target = dataclasses.replace(target or Target.current(), prerelease="allow")
    selection = await client.choose(wanted.text, index=index, target=target)
    return _checked_choice(wanted, selection)


def _checked_choice(wanted: Wanted, selection: Selection) -> Chosen:
    files = allowed_files(selection.files, wanted.hashes)
    if not files:
        where = redact_url(selection.index.url) if selection.index is not None else "the index"
        raise DigestError(
            wanted.origin,
            f"{wanted.text}: none of the {len(selection.files)} files of "
            f"{selection.name} {selection.version} on {where} has one of the hashes given "
            f"({_shown(wanted.hashes)})",
        )
    return Chosen(wanted, selection.name, str(selection.version), files[0], selection.index, files)


async def metadata(
    client: IndexClient,
    wanted: Wanted,
    *,
    index: IndexSpec | None = None,
    target: Target | None = None,
) -> MetadataResult:
    """Core metadata for ``wanted``, from a wheel when one is allowed (else its sdist),
    in hash-checking mode read so that it is checked (see
    :meth:`IndexClient.core_metadata`)."""
    chosen = await choose(client, wanted, index=index, target=target)
    file = next((f for f in chosen.files if f.is_wheel), chosen.file)
    found = await client.core_metadata(file, hashes=wanted.hashes or None)
    if found.metadata.canonical_name != chosen.name:
        raise MetadataError(
            redact_url(file.url),
            f"the metadata names {found.metadata.canonical_name}, not {chosen.name}",
        )
    return MetadataResult(
        wanted.text,
        chosen.name,
        Version(chosen.version),
        file,
        found.metadata,
        found.source,
        chosen.index,
    )


async def download(
    client: IndexClient,
    chosen: Chosen,
    dest: Path,
    *,
    progress: Progress | None = None,
    target: Target | None = None,
) -> DownloadResult:
    """The chosen file into ``dest``, checked against the advertised hashes and, in
    hash-checking mode, against the requirement's (a direct reference's file is
    refused when ``target`` cannot use it)."""
    return await client.download(
        chosen.file,
        dest,
        progress=progress,
        hashes=chosen.wanted.hashes or None,
        target=target,
    )
