"""Choosing files from a project page for a requirement and a target (no IO).

uv's rules (``uv pip compile``, see :func:`select_files`): the newest version the
specifier admits that has a file for the target (:class:`~indexclient.target.Target`:
the running interpreter by default), pre-releases as the target's mode says (uv's
default: only when no stable version is acceptable); yanked files skipped unless the
requirement pins that exact version with ``==`` (PEP 592); files uploaded at or after
the target's ``exclude_newer`` skipped (PEP 700); the version's best file must have a
Requires-Python whose lower bounds admit the target. Within the chosen version,
compatible wheels first (in the target's tag preference order), then sdists, then
wheels for other platforms.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, cast

from packaging.tags import Tag, sys_tags
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from indexclient.errors import ConfigurationError
from indexclient.settings.values import IndexSpec
from indexclient.simple.filenames import version_of
from indexclient.simple.metadata import NORMALIZED_NAME as _NORMALIZED
from indexclient.simple.models import DistributionFile, PageFiles, ProjectPage, page_files
from indexclient.target import Target

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

__all__ = ["Selection", "project_name", "select_files"]

# A PEP 508 name alone: a valid requirement with no version, extras, URL or marker.
_PLAIN_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE | re.ASCII)


def is_plain_name(text: str) -> bool:
    """Whether ``text`` is a project name alone, which needs no requirement parser:
    a run answered from the cache then never imports packaging's (nor its markers).

    ASCII only and matched whole (some packaging releases matched with ``$`` and not in
    ASCII mode, letting a trailing newline and non-ASCII letters through): this is also
    the check of :func:`project_name`.
    """
    return _PLAIN_NAME.fullmatch(text) is not None


def project_name(name: str) -> NormalizedName:
    """``name`` normalised (PEP 503), once it is known to be a valid name (PEP 508).

    Names become URL paths and file names: an invalid one (``../admin``, ``a/b``,
    ``x?y``, ``%2e%2e``, empty) is a :class:`~indexclient.errors.ConfigurationError`
    before anything is asked of an index (docs/security.md, "Names").
    """
    if _NORMALIZED.fullmatch(name) is not None:
        return cast(NormalizedName, name)  # valid, and normalised already
    if not is_plain_name(name):
        raise ConfigurationError.single(
            f"project name {name!r}",
            "not a valid project name (PEP 508: ASCII letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit)",
        )
    return canonicalize_name(name)


@dataclass(frozen=True, slots=True)
class Selection:
    """The version chosen for a requirement and its files, best first, and the index
    (or find-links location) the best file came from: ``index.url`` (which may hold
    credentials: show it through :func:`indexclient.urls.redact_url`) and
    ``index.name``. ``index`` is None only for a selection made from a page alone
    (:func:`select_files`)."""

    __module__ = "indexclient"

    name: NormalizedName
    version: Version
    files: tuple[DistributionFile, ...]
    index: IndexSpec | None = None

    @property
    def best(self) -> DistributionFile:
        """The preferred file (a compatible wheel when there is one)."""
        return self.files[0]


def _pinned_versions(specifier: SpecifierSet) -> set[Version]:
    """Versions a requirement pins exactly with ``==`` (no wildcard), which may be yanked."""
    pinned = set()
    for spec in specifier:
        if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
            try:
                pinned.add(Version(spec.version))
            except ValueError:
                continue
    return pinned


def _requirements() -> ModuleType:
    """:mod:`indexclient.requirements`, loaded the first time a requirement is more than
    a name or a Requires-Python must be read (the seam: see that module)."""
    from indexclient import requirements

    return requirements


def parsed_requirement(text: str) -> Requirement:
    """``Requirement(text)``, parsed once per process (callers share the object, so they
    must not change it). Raises packaging's InvalidRequirement."""
    parsed: Requirement = _requirements().parse(text)
    return parsed


def requirement_problem(text: str) -> str | None:
    """Why ``text`` is not a PEP 508 requirement, or None when it is one."""
    if is_plain_name(text):
        return None
    found: str | None = _requirements().problem(text)
    return found


def _requires_python(text: str) -> SpecifierSet | None:
    specifier: SpecifierSet | None = _requirements().requires_python(text)
    return specifier


def _python_admitted(requires_python: str, python: Version) -> bool:
    """Whether a file's Requires-Python admits the target, as uv judges it: only its
    lower bounds count (uv: "upper bounds on Requires-Python are ignored"), so
    ``>=3.8,<3.11`` admits 3.12 and ``>=3.12.1`` does not admit 3.12 (3.12.0)."""
    specifier = _requires_python(requires_python)
    # An unparsable Requires-Python is ignored, as pip and uv do, not fatal.
    if specifier is None:
        return True
    for spec in specifier:
        operator = spec.operator
        if operator in ("<", "<=", "!="):
            continue
        try:
            bound = Version(spec.version.removesuffix(".*"))
        except ValueError:
            continue
        if python < bound or (operator == ">" and python == bound):
            return False
    return True


def _explicit_prerelease(specifier: SpecifierSet) -> bool:
    """Whether a requirement asks for pre-releases by naming one (uv's rule: any clause
    but ``!=`` whose version is a pre-release or a development release)."""
    for spec in specifier:
        if spec.operator == "!=":
            continue
        try:
            if Version(spec.version.removesuffix(".*")).is_prerelease:
                return True
        except ValueError:
            continue
    return False


def _passes(mode: str, specifier: SpecifierSet) -> tuple[tuple[bool, ...], ...]:
    """For each pass over the versions, newest first, whether it takes pre-releases:
    uv's modes (``if-necessary``: stable versions first, pre-releases only when no
    stable one is acceptable)."""
    if mode == "allow":
        return ((False, True),)
    if mode == "disallow" or (mode == "explicit" and not _explicit_prerelease(specifier)):
        return ((False,),)
    return ((False,), (True,))


def select_files(
    page: ProjectPage,
    requirement: Requirement | str,
    *,
    python_version: Version | str | None = None,
    tags: Sequence[Tag] | None = None,
    target: Target | None = None,
) -> Selection | None:
    """The newest acceptable version of ``requirement`` on ``page`` and its files.

    ``target`` is the environment chosen for (:meth:`Target.current` by default);
    ``python_version`` and ``tags`` replace its Python version and wheel tags. The
    rules are uv's (``uv pip compile``): a file counts when it is not yanked (unless
    the requirement pins its version with ``==``), was uploaded before the target's
    ``exclude_newer`` (a file with no upload time then does not count), and is a wheel
    whose tags the target accepts (unless ``no_binary``) or an sdist (unless
    ``only_binary``). A version's best file is its best-ranked wheel, else its sdist,
    and the version is acceptable when that file's Requires-Python admits the target
    (lower bounds only, as uv). Of the versions the specifier admits, the newest
    acceptable one wins, pre-releases as the target's ``prerelease`` mode says.
    Returns None when no version is acceptable.
    """
    req = parsed_requirement(requirement) if isinstance(requirement, str) else requirement
    target = Target.current() if target is None else target
    if python_version is None:
        python = target.python_version
    else:
        python = python_version if isinstance(python_version, Version) else Version(python_version)
    if tags is not None:
        tag_rank = _rank(tuple(tags))
    elif target.running:
        tag_rank = _interpreter_rank()
    else:
        tag_rank = _target_rank(target)
    name = canonicalize_name(req.name)
    specifier = req.specifier
    files = page_files(page)
    usable = _Usable(files, name, _pinned_versions(specifier), target)
    # Most files of a page repeat one Requires-Python: each is judged once per call.
    verdicts: dict[str, bool] = {}
    newest_first = _NewestFirst(files.version_texts())
    for takes in _passes(target.prerelease, specifier):
        for group in newest_first:
            if group.is_prerelease not in takes:
                continue
            # The version is judged as the first usable file spells it (1.0 and 1.0.0
            # are one version, which "===" tells apart): before building any file when
            # every file spells it one way, as they nearly always do.
            single = len(group.texts) == 1
            if single and not specifier.contains(group.version, prereleases=True):
                continue
            found = usable.files(group)
            if not found:
                continue
            version = found[0].filename_info.version
            assert version is not None  # usable files have one
            if not single and not specifier.contains(version, prereleases=True):
                continue
            found.sort(key=lambda f: _preference(f, tag_rank))
            best = found[0]
            if best.is_wheel and _preference(best, tag_rank)[0] != 0:
                continue  # only wheels for other platforms
            requires_python = best.requires_python
            if requires_python:
                verdict = verdicts.get(requires_python)
                if verdict is None:
                    verdict = verdicts[requires_python] = _python_admitted(requires_python, python)
                if not verdict:
                    continue
            return Selection(name, version, tuple(found))
    return None


# A release segment alone ("1.26.4"): ordered by its numbers, no Version needed. The
# digits are bounded so that int() takes them as Version does.
_PLAIN = r"[0-9]{1,18}(?:\.[0-9]{1,18})*"
_PLAIN_RELEASE = re.compile(_PLAIN, re.ASCII)
_PLAIN_RELEASES = re.compile(rf"(?:{_PLAIN}(?:\n|\Z))*", re.ASCII)  # newline-joined
_dotted = operator.methodcaller("split", ".")
_integers = functools.partial(map, int)


class _Group:
    """The files of one version (one or more spellings of it: 1.0, 1.0.0, v1.0)."""

    __slots__ = ("_version", "is_prerelease", "keys", "texts", "usable")

    def __init__(
        self, texts: list[str], version: Version | None, keys: Sequence[tuple[int, ...]] = ()
    ) -> None:
        self.texts = texts
        self.keys = keys  # a plain release's integer tuples, one per spelling
        self._version = version
        # A plain release (no Version built) is never a pre-release.
        self.is_prerelease = version is not None and version.is_prerelease
        self.usable: list[DistributionFile] | None = None

    @property
    def version(self) -> Version:
        """The Version of the first spelling (any spelling's compares the same)."""
        if self._version is None:
            self._version = version_of(self.texts[0])
        return self._version


def _release_key(release: tuple[int, ...]) -> tuple[int, ...]:
    """How PEP 440 compares release segments: trailing zeros do not count."""
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    return release[:end]


class _NewestFirst:
    """The versions a page's filenames name, newest first, ordered only as far as
    asked: the newest is found in one pass; the rest are sorted only if it will not do.

    Comparing Version objects (and building one per version) dominated choosing from
    pages of thousands of versions. Plain releases, most versions of most projects,
    are compared as tuples of integers, which order exactly as their Versions do
    (epoch 0, no pre-, post-, dev-release or local part) but for trailing zeros:
    1.0 < 1.0.0 as tuples, one version as Versions; such spellings are adjacent in
    tuple order, and taken together as one group. The other versions, and a plain one
    when it must be compared with one of them, are compared as Versions. Texts that
    are not versions are left out: parse_filename finds no version in such a filename.
    """

    __slots__ = ("_longest", "_more", "_ordered", "_other", "_plain", "_rest")

    def __init__(self, texts: list[str]) -> None:
        distinct = dict.fromkeys(texts)
        distinct.pop("", None)  # no version
        candidates = list(distinct)
        plain_texts, others = candidates, []
        keys = _plain_keys(candidates)
        if keys is None:
            joined = "\n".join(candidates)
            if joined.count("\n") >= len(candidates) or not _PLAIN_RELEASES.fullmatch(joined):
                matches = list(map(_PLAIN_RELEASE.fullmatch, candidates))
                plain_texts = [t for t, match in zip(candidates, matches, strict=True) if match]
                others = [t for t, match in zip(candidates, matches, strict=True) if not match]
            # One pass at C speed (no Python call per version): "1.26.4" -> (1, 26, 4).
            keys = list(map(tuple, map(_integers, map(_dotted, plain_texts))))
        # A release's first spelling, and any others ("1.0", "01.0": one tuple).
        plain: dict[tuple[int, ...], str] = dict(zip(keys, plain_texts, strict=True))
        more: dict[tuple[int, ...], list[str]] = {}
        if len(plain) != len(keys):
            plain = {}
            for key, text in zip(keys, plain_texts, strict=True):
                _add_spelling(plain, more, key, text)
        other: dict[Version, list[str]] = {}
        for text in others:
            try:
                version = version_of(text)
            except ValueError:  # InvalidVersion: parse_filename finds no version either
                continue
            if _is_plain(version):  # "v1.0" is 1.0
                _add_spelling(plain, more, version.release, text)
            else:
                other.setdefault(version, []).append(text)
        self._plain = plain
        self._more = more
        self._longest = max(map(len, plain), default=0)
        self._other = {v: _Group(texts, v) for v, texts in other.items()}
        self._ordered: list[_Group] = []
        self._rest: Iterator[_Group] | None = None

    def __iter__(self) -> Iterator[_Group]:
        ordered = self._ordered
        index = 0
        while True:
            if index == len(ordered) and not self._extend():
                return
            yield ordered[index]
            index += 1

    def _extend(self) -> bool:
        """Order one more version; False when all are ordered."""
        ordered = self._ordered
        if self._rest is None:
            other = self._other[max(self._other)] if self._other else None
            newest = self._plain_group(max(self._plain)) if self._plain else None
            if newest is None or (other is not None and other.version > newest.version):
                newest = other
            if newest is None:
                return False
            ordered.append(newest)
            self._rest = self._merged(newest)
            return True
        following = next(self._rest, None)
        if following is None:
            return False
        ordered.append(following)
        return True

    def _plain_group(self, key: tuple[int, ...]) -> _Group:
        """The group of plain release ``key``: every spelling of its version."""
        base = _release_key(key)
        texts: list[str] = []
        keys: list[tuple[int, ...]] = []
        plain = self._plain
        for size in range(len(base), self._longest + 1):
            spelling = base + (0,) * (size - len(base))
            found = plain.get(spelling)
            if found is not None:
                texts.append(found)
                texts += self._more.get(spelling, ())
                keys.append(spelling)
        return _Group(texts, None, keys)

    def _merged(self, first: _Group) -> Iterator[_Group]:
        """Every version but ``first``, newest first."""
        done = set(first.keys)
        releases = (
            self._plain_group(key) for key in sorted(self._plain, reverse=True) if key not in done
        )
        others = (group for _, group in sorted(self._other.items(), reverse=True))
        release = next(releases, None)
        another = next(others, None)
        while release is not None or another is not None:
            if another is None or (release is not None and release.version > another.version):
                chosen = release
                assert chosen is not None
                done.update(chosen.keys)  # before the next key: its other spellings follow
                release = next(releases, None)
            else:
                chosen, another = another, next(others, None)
            if chosen is not first:
                assert chosen is not None
                yield chosen


def _add_spelling(
    plain: dict[tuple[int, ...], str],
    more: dict[tuple[int, ...], list[str]],
    key: tuple[int, ...],
    text: str,
) -> None:
    if key not in plain:
        plain[key] = text
    else:
        more.setdefault(key, []).append(text)


_MAX_DIGITS = 18  # of a part of a release, as _PLAIN
_TOO_LONG = re.compile(rf"[0-9]{{{_MAX_DIGITS + 1}}}", re.ASCII)


def _plain_keys(texts: list[str]) -> list[tuple[int, ...]] | None:
    """The integer tuples of ``texts`` when every one is a plain release ("1.26.4"),
    as most versions of most pages are, else None (then each text is matched alone).

    No Python step per text: the texts, checked all at once (ASCII digits and dots,
    parts of 1 to 18 digits), are read as one JSON array of arrays ("1.26.4" is
    [1, 26, 4]), whose scanner reads the integers at C speed, several times faster than
    int() on each part. JSON refuses an empty part and a leading zero ("01", which int()
    reads as Version does): such texts are left to the caller.
    """
    if not texts:
        return None
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a text holds a newline
        return None
    digits = joined.replace(".", "").replace("\n", "")
    if not (digits.isascii() and digits.isdigit()):
        return None
    # Lengths before any integer is read: reading a long run of digits takes time
    # growing with its square (on Pythons without a limit on it).
    if max(map(len, texts)) > _MAX_DIGITS and _TOO_LONG.search(joined):
        return None
    try:
        arrays = json.loads(f"[[{joined.replace('.', ',').replace(chr(10), '],[')}]]")
    except ValueError:
        return None
    return list(map(tuple, arrays))


def _is_plain(version: Version) -> bool:
    """Whether ``version`` is a release segment alone (epoch 0, nothing else)."""
    return (
        not version.epoch
        and version.pre is None
        and version.post is None
        and (version.dev is None and version.local is None)
    )


def _group_version(group: _Group) -> Version:
    return group.version


class _Usable:
    """The files of a version the target may use: not yanked unless pinned, uploaded
    before the cutoff, and of a kind (wheel, sdist) its binary rules allow."""

    __slots__ = ("_cutoff", "_files", "_pinned", "_sdists", "_wheels")

    def __init__(
        self, files: PageFiles, name: NormalizedName, pinned: set[Version], target: Target
    ) -> None:
        self._files = files
        self._pinned = pinned
        self._wheels = target.wheels_allowed(name)
        self._sdists = target.sdists_allowed(name)
        self._cutoff = target.exclude_newer

    def files(self, group: _Group) -> list[DistributionFile]:
        """The usable files of ``group``, in page order (built here, and only here)."""
        found = group.usable
        if found is not None:
            return found
        indices = self._files.indices(group.texts)
        file = self._files.file
        pinned, wheels, sdists, cutoff = self._pinned, self._wheels, self._sdists, self._cutoff
        found = []
        for index in indices:
            candidate = file(index)
            info = candidate.filename_info
            version = info.version
            if version is None or info.kind == "unknown":
                continue
            if candidate.yanked is not None and version not in pinned:
                continue
            if not (wheels if info.kind == "wheel" else sdists):
                continue
            # uv: a file without an upload time is left out when a cutoff is given.
            uploaded = candidate.upload_time
            if cutoff is not None and (uploaded is None or uploaded >= cutoff):
                continue
            found.append(candidate)
        group.usable = found
        return found


@functools.cache
def _target_rank(target: Target) -> dict[Tag, int]:
    return _rank(target.tags)


@functools.cache
def _interpreter_rank() -> dict[Tag, int]:
    # sys_tags() yields some 900 tags; building the ranking once per process matters
    # when a thousand requirements are chosen at once.
    return _rank(tuple(sys_tags()))


def _rank(tags: tuple[Tag, ...]) -> dict[Tag, int]:
    return {tag: rank for rank, tag in enumerate(tags)}


def _preference(file: DistributionFile, tag_rank: dict[Tag, int]) -> tuple[int, int, str]:
    if file.is_wheel:
        best = min((rank for t in file.tags if (rank := tag_rank.get(t)) is not None), default=None)
        if best is not None:
            return (0, best, file.filename)
        return (2, 0, file.filename)
    return (1, 0, file.filename)
