"""Immutable results of parsing simple-repository pages.

Every model is a frozen, slotted dataclass: pages can be cached, shared between tasks
and used as dict keys. Mappings (file hashes, core-metadata hashes) are
:class:`FrozenDict` rather than :class:`types.MappingProxyType`, because a proxy can
be neither hashed nor pickled.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from packaging.tags import Tag
from packaging.utils import BuildTag, NormalizedName
from packaging.version import Version

from indexclient.simple.filenames import (
    FileKind,
    FilenameInfo,
    parse_filename,
    version_texts,
)
from indexclient.urls import redact_text

__all__ = [
    "EMPTY_HASHES",
    "DistributionFile",
    "FrozenDict",
    "IndexPage",
    "Meta",
    "ProjectLink",
    "ProjectPage",
]


class FrozenDict(Mapping[str, str]):
    """An immutable, hashable, picklable ``str -> str`` mapping.

    Compares equal to any mapping with the same items, like a dict does.
    """

    __module__ = "indexclient"

    __slots__ = ("_data",)

    _data: dict[str, str]

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._data = dict(items)

    @classmethod
    def adopt(cls, data: dict[str, str]) -> FrozenDict:
        """Wrap ``data`` without copying it; the caller must hold no other reference.

        The JSON parser owns the dicts it decodes: copying each again was measurable
        on pages of tens of thousands of files.
        """
        wrapped = cls.__new__(cls)
        wrapped._data = data
        return wrapped

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (self._data,))


#: The shared empty mapping: "no hashes known".
EMPTY_HASHES = FrozenDict()


def _redacted_repr(self: Any) -> str:
    """The dataclass repr with any userinfo in its URLs hidden: a page's links may carry
    a mirror's credentials, and reprs end up in logs (docs/security.md, "Secrets")."""
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
    return redact_text(f"{type(self).__name__}({shown})")


@dataclass(frozen=True, slots=True)
class Meta:
    """Page-level metadata.

    ``api_version`` is the PEP 629 version the page declared (``"1.0"`` for an HTML
    page without the meta tag), kept even when its minor version is newer than this
    client supports. ``tracks`` and ``alternate_locations`` are the PEP 708 lists,
    resolved against the page URL. ``project_status`` is the PEP 792 status,
    lower-cased, or ``None`` when the page does not state one (which the spec says
    means ``"active"``); an unrecognised status is kept as given.
    """

    __module__ = "indexclient"

    api_version: str = "1.0"
    tracks: tuple[str, ...] = ()
    alternate_locations: tuple[str, ...] = ()
    project_status: str | None = None
    project_status_reason: str | None = None

    __repr__ = _redacted_repr

    @property
    def api_version_info(self) -> tuple[int, int]:
        """``api_version`` as ``(major, minor)`` integers."""
        major, _, minor = self.api_version.partition(".")
        return int(major), int(minor)


@dataclass(frozen=True, slots=True)
class ProjectLink:
    """One project listed on an index page.

    ``name`` is PEP 503-normalised; ``raw_name`` is the name as the page wrote it.
    """

    __module__ = "indexclient"

    name: NormalizedName
    raw_name: str
    url: str

    __repr__ = _redacted_repr


@dataclass(frozen=True, slots=True)
class IndexPage:
    """The root page of a repository: every project it hosts."""

    __module__ = "indexclient"

    url: str
    meta: Meta
    projects: tuple[ProjectLink, ...]

    __repr__ = _redacted_repr


@dataclass(frozen=True, slots=True)
class DistributionFile:
    """One downloadable file of a project.

    Attributes:
        filename: the file's name (anchor text for HTML, ``filename`` for JSON).
        url: absolute URL, without a fragment for HTML pages.
        hashes: hash name (lower-cased) to digest. Empty when none are given.
        requires_python: the PEP 345 specifier string, entities already decoded.
        yanked: ``None`` if not yanked, ``""`` if yanked with no reason, else the
            reason (PEP 592).
        core_metadata: ``None`` if the PEP 658 metadata file is not available; an
            empty mapping if available with no hash; else its hashes.
        gpg_sig: whether a ``.asc`` signature exists; ``None`` when not stated.
        size, upload_time: PEP 700 fields (JSON only); ``upload_time`` is aware.
        provenance: PEP 740 provenance URL, or ``None``.

    The filename's parts (``kind``, ``name``, ``version``...) are parsed on first use
    and cached on the instance, because parsing every filename of a large page
    costs more than parsing the page itself.
    """

    __module__ = "indexclient"

    filename: str
    url: str
    hashes: FrozenDict = EMPTY_HASHES
    requires_python: str | None = None
    yanked: str | None = None
    core_metadata: FrozenDict | None = None
    gpg_sig: bool | None = None
    size: int | None = None
    upload_time: datetime | None = None
    provenance: str | None = None
    _filename_info: FilenameInfo | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    __repr__ = _redacted_repr

    @property
    def filename_info(self) -> FilenameInfo:
        """The parsed filename (computed once, then cached)."""
        info = self._filename_info
        if info is None:
            info = parse_filename(self.filename)
            # A cache slot excluded from eq/hash: setting it does not change the value.
            object.__setattr__(self, "_filename_info", info)
        return info

    @property
    def kind(self) -> FileKind:
        """``"wheel"``, ``"sdist"``, or ``"unknown"`` (unparsable or other formats)."""
        return self.filename_info.kind

    @property
    def name(self) -> NormalizedName | None:
        """The normalised project name from the filename, or ``None``."""
        return self.filename_info.name

    @property
    def version(self) -> Version | None:
        """The version from the filename, or ``None`` if it could not be parsed."""
        return self.filename_info.version

    @property
    def build_tag(self) -> BuildTag:
        """A wheel's build tag; ``()`` when absent or not a wheel."""
        return self.filename_info.build_tag

    @property
    def tags(self) -> frozenset[Tag]:
        """A wheel's compatibility tags; empty for anything else."""
        return self.filename_info.tags

    @property
    def filename_error(self) -> str | None:
        """Why the filename could not be parsed, or ``None``."""
        return self.filename_info.error

    @property
    def is_wheel(self) -> bool:
        """True for a parsable wheel filename."""
        return self.filename_info.kind == "wheel"

    @property
    def is_sdist(self) -> bool:
        """True for a parsable ``.tar.gz`` or ``.zip`` sdist filename."""
        return self.filename_info.kind == "sdist"

    @property
    def is_yanked(self) -> bool:
        """True if the file is yanked, with or without a reason."""
        return self.yanked is not None

    @property
    def core_metadata_url(self) -> str | None:
        """Where the PEP 658 metadata file is, if the page says it exists."""
        return None if self.core_metadata is None else self.url + ".metadata"


# The parser builds tens of thousands of files per large page. A frozen dataclass's
# __init__ sets each field through object.__setattr__; setting the slots through their
# descriptors directly takes half the time. tests/simple/test_simple_models.py checks
# that this covers exactly the dataclass's fields and builds equal objects.
FAST_FIELDS = (
    "filename",
    "url",
    "hashes",
    "requires_python",
    "yanked",
    "core_metadata",
    "gpg_sig",
    "size",
    "upload_time",
    "provenance",
    "_filename_info",
)
(
    _set_filename,
    _set_url,
    _set_hashes,
    _set_requires_python,
    _set_yanked,
    _set_core_metadata,
    _set_gpg_sig,
    _set_size,
    _set_upload_time,
    _set_provenance,
    _set_filename_info,
) = (getattr(DistributionFile, name).__set__ for name in FAST_FIELDS)


def new_distribution_file(  # noqa: PLR0917 - positional: the hot loop of large pages
    filename: str,
    url: str,
    hashes: FrozenDict,
    requires_python: str | None,
    yanked: str | None,
    core_metadata: FrozenDict | None,
    gpg_sig: bool | None,
    size: int | None,
    upload_time: datetime | None,
    provenance: str | None,
) -> DistributionFile:
    """``DistributionFile(...)`` for the parsers, with values already checked."""
    file = object.__new__(DistributionFile)
    _set_filename(file, filename)
    _set_url(file, url)
    _set_hashes(file, hashes)
    _set_requires_python(file, requires_python)
    _set_yanked(file, yanked)
    _set_core_metadata(file, core_metadata)
    _set_gpg_sig(file, gpg_sig)
    _set_size(file, size)
    _set_upload_time(file, upload_time)
    _set_provenance(file, provenance)
    _set_filename_info(file, None)
    return file


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """One project's page: its files, and for JSON pages its versions (PEP 700).

    ``name`` is the normalised project name: from ``name`` on JSON pages, from the
    URL's last path segment on HTML pages, ``None`` when neither gives one.

    A parsed page checks every file while it is parsed (a malformed one raises
    there), but builds its :class:`DistributionFile` objects the first time ``files``
    is read: choosing a version needs only a few of them (see :class:`PageFiles`).
    """

    __module__ = "indexclient"

    url: str
    name: NormalizedName | None
    meta: Meta
    files: tuple[DistributionFile, ...]
    versions: tuple[str, ...] = ()

    __repr__ = _redacted_repr

    def versions_available(self) -> tuple[Version, ...]:
        """The distinct versions of files whose names parse, in ascending order.

        Parses every filename on first call (see :class:`DistributionFile`).
        """
        found = {f.version for f in self.files}
        found.discard(None)
        return tuple(sorted(v for v in found if v is not None))

    def files_for_version(self, version: str | Version) -> tuple[DistributionFile, ...]:
        """Files whose filename parses to ``version`` (compared as PEP 440 versions).

        Raises :class:`packaging.version.InvalidVersion` for an invalid string.
        """
        wanted = version if isinstance(version, Version) else Version(version)
        return tuple(f for f in self.files if f.version == wanted)


# Pages larger than this many files are built with the cyclic collector paused.
_GC_PAUSE_FILES = 1000


@contextlib.contextmanager
def collector_paused(size: int, threshold: int) -> Iterator[None]:
    """Pause the cyclic garbage collector while a large page is turned into objects.

    Building tens of thousands of models triggers collections that scan only new,
    live objects and free nothing (the models hold no cycles); they cost about a
    quarter of the work. Small pages (``size`` under ``threshold``) are left alone.
    """
    if size < threshold or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# How many versions a choice may look up by scanning a page's version texts (C speed,
# in one pass each) before an index of them all is built (a Python loop over the page).
_SCANS = 4


class PageFiles:
    """A page's files as its parser checked them, each built on first use.

    The parser checks every entry of a page while parsing it, so a malformed page
    raises where it always did; what it defers is building the models, which cannot
    fail. Choosing a version reads every filename (:meth:`version_texts`) but builds
    only the files of the versions it looks at (:meth:`indices`, :meth:`file`);
    ``page.files`` builds the rest (:meth:`all`). A file is built once: the tuple holds
    the very objects an earlier choice returned. (Two threads reading a page's files
    for the first time at once may each build one: equal objects, one of them kept.)
    """

    __slots__ = ("_all", "_built", "_index", "_scans", "_texts")

    def __init__(self, count: int) -> None:
        self._built: list[DistributionFile | None] = [None] * count
        self._all: tuple[DistributionFile, ...] | None = None
        self._texts: list[str] | None = None
        self._index: dict[str, list[int]] | None = None
        self._scans = 0

    def __len__(self) -> int:
        return len(self._built)

    def filenames(self) -> Sequence[str]:
        """Every file's name, in page order."""
        raise NotImplementedError

    def _build(self, index: int) -> DistributionFile:
        """The model of file ``index`` (never raises: the parser checked it)."""
        raise NotImplementedError

    def _release(self) -> None:
        """Drop what only building needed, once every file is built."""

    def file(self, index: int) -> DistributionFile:
        """File ``index`` (page order), built the first time it is asked for."""
        built = self._built[index]
        if built is None:
            built = self._built[index] = self._build(index)
        return built

    def all(self) -> tuple[DistributionFile, ...]:
        """Every file, in page order."""
        files = self._all
        if files is None:
            with collector_paused(len(self._built), _GC_PAUSE_FILES):
                file = self.file
                files = self._all = tuple([file(i) for i in range(len(self._built))])
            self._release()
        return files

    def version_texts(self) -> list[str]:
        """Each file's :func:`~indexclient.simple.filenames.version_text` (``""`` for
        none), in page order; computed once."""
        texts = self._texts
        if texts is None:
            texts = self._texts = version_texts(self.filenames())
        return texts

    def indices(self, texts: Sequence[str]) -> list[int]:
        """The indices, in page order, of the files whose version text is in ``texts``."""
        index = self._index
        if index is None:
            if self._scans < _SCANS:
                self._scans += 1
                found = map(texts.__contains__, self.version_texts())
                return list(itertools.compress(itertools.count(), found))
            index = self._index = {}
            for position, text in enumerate(self.version_texts()):
                known = index.get(text)
                if known is None:
                    index[text] = [position]
                else:
                    known.append(position)
        if len(texts) == 1:
            return list(index.get(texts[0], ()))
        return sorted(i for text in texts for i in index.get(text, ()))


class _BuiltFiles(PageFiles):
    """The files of a page made with a tuple of files (by hand, or merged)."""

    __slots__ = ()

    def __init__(self, files: tuple[DistributionFile, ...]) -> None:
        super().__init__(0)
        self._built = list[DistributionFile | None](files)
        self._all = files

    def filenames(self) -> Sequence[str]:
        return [f.filename for f in self.all()]


# ProjectPage.files is a dataclass field like the others (for the constructor,
# equality, hashing, repr, pickling and dataclasses.replace, which all read it through
# getattr), but a parsed page stores a PageFiles in its slot: this property builds the
# tuple on first read. Assigning through object.__setattr__ (the dataclass's __init__
# and __setstate__) reaches the slot through the property's setter.
_files_slot = ProjectPage.__dict__["files"]


def _read_files(page: ProjectPage) -> tuple[DistributionFile, ...]:
    value = _files_slot.__get__(page, ProjectPage)
    if isinstance(value, PageFiles):
        return value.all()
    files: tuple[DistributionFile, ...] = value
    return files


def _write_files(page: ProjectPage, value: object) -> None:
    _files_slot.__set__(page, value)


setattr(  # noqa: B010 - a property replaces the field's slot descriptor
    ProjectPage,
    "files",
    property(_read_files, _write_files, doc="The page's files, in page order."),
)


def lazy_project_page(
    url: str,
    name: NormalizedName | None,
    meta: Meta,
    files: PageFiles,
    versions: tuple[str, ...],
) -> ProjectPage:
    """A parsed page whose files are built when first used (see :class:`PageFiles`)."""
    page = object.__new__(ProjectPage)
    _set_page_url(page, url)
    _set_page_name(page, name)
    _set_page_meta(page, meta)
    _files_slot.__set__(page, files)
    _set_page_versions(page, versions)
    return page


# The slots' own setters, as for DistributionFile (new_distribution_file).
_set_page_url, _set_page_name, _set_page_meta, _set_page_versions = (
    ProjectPage.__dict__[name].__set__ for name in ("url", "name", "meta", "versions")
)


def page_files(page: ProjectPage) -> PageFiles:
    """The files of ``page``, built (a page made with a tuple) or built on demand."""
    value = _files_slot.__get__(page, ProjectPage)
    if isinstance(value, PageFiles):
        return value
    return _BuiltFiles(tuple(value))
