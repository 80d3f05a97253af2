"""PEP 691 JSON pages: decoding, shape checking, and building models.

Every value is type-checked where it is read, so a page of the wrong shape raises
:class:`ParseError` naming the key and what was wrong, never ``KeyError`` or
``TypeError``. Keys the spec marks optional, or that older API versions lack, may be
absent; a key that is present must have the type the spec gives it.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from datetime import datetime
from itertools import chain, repeat
from typing import Any, NoReturn

from packaging.utils import NormalizedName, canonicalize_name

from indexclient.errors import ParseError
from indexclient.simple._common import (
    Resolver,
    index_directory,
    parse_upload_time,
    project_url,
)
from indexclient.simple.models import (
    EMPTY_HASHES,
    DistributionFile,
    FrozenDict,
    IndexPage,
    Meta,
    PageFiles,
    ProjectLink,
    ProjectPage,
    lazy_project_page,
    new_distribution_file,
)

JsonObject = dict[str, Any]

_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _kind(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _reject_constant(name: str) -> NoReturn:
    # json.loads accepts NaN and Infinity by default; RFC 8259 does not.
    raise ValueError(f"{name} is not valid JSON")


def load(content: bytes, url: str) -> JsonObject:
    """Decode a JSON page: UTF-8 (RFC 8259 section 8.1), a BOM tolerated."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(url, f"JSON page is not valid UTF-8: {exc}") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ParseError(url, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and int-size limits
        raise ParseError(url, f"invalid JSON: {exc}") from None
    if type(data) is not dict:
        raise ParseError(url, f"expected a JSON object at the top level, not {_kind(data)}")
    return data


class JsonDocument:
    """A decoded JSON page and the URL it came from."""

    def __init__(self, data: JsonObject, url: str) -> None:
        self.data = data
        self.url = url
        self.resolver = Resolver(url, url)
        meta = data.get("meta")
        if type(meta) is not dict:
            raise self._error("'meta' must be an object" + self._got(meta))
        self._meta: JsonObject = meta

    def _error(self, problem: str) -> ParseError:
        return ParseError(self.url, problem)

    @staticmethod
    def _got(value: object) -> str:
        return " (missing or null)" if value is None else f", not {_kind(value)}"

    def api_version(self) -> str:
        """``meta.api-version``, which PEP 691 requires on every JSON page."""
        version = self._meta.get("api-version")
        if type(version) is not str:
            raise self._error("'meta.api-version' must be a string" + self._got(version))
        return version.strip()

    def meta(self, api_version: str) -> Meta:
        """Page metadata: PEP 708 lists and the PEP 792 status.

        The PEP 792 status is written two ways: a top-level ``"project-status":
        {"status": ..., "reason": ...}`` object (the simple API spec's JSON field
        list), and flat ``meta.project-status`` / ``meta.project-status-reason``
        strings (the spec's example). Both are read, and an object under ``meta``
        too; the top-level object wins when both are present.
        """
        status, reason = self._status(self.data.get("project-status"), "project-status")
        if status is None:
            flat = self._meta.get("project-status")
            if type(flat) is dict:
                status, reason = self._status(flat, "meta.project-status")
            elif flat is not None:
                status = self._str(flat, "meta.project-status").strip().lower()
                reason = self._opt_str(
                    self._meta.get("project-status-reason"), "meta.project-status-reason"
                )
        return Meta(
            api_version,
            self._urls("tracks"),
            self._urls("alternate-locations"),
            status,
            reason,
        )

    def _status(self, value: object, where: str) -> tuple[str | None, str | None]:
        if value is None:
            return None, None
        if type(value) is not dict:
            raise self._error(f"'{where}' must be an object{self._got(value)}")
        status = self._opt_str(value.get("status"), f"{where}.status")
        reason = self._opt_str(value.get("reason"), f"{where}.reason")
        return (None if status is None else status.strip().lower()), reason

    def _str(self, value: object, where: str) -> str:
        if type(value) is not str:
            raise self._error(f"'{where}' must be a string{self._got(value)}")
        return value

    def _opt_str(self, value: object, where: str) -> str | None:
        return None if value is None else self._str(value, where)

    def _str_list(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        # The types at once (a map, no Python step per item): "versions" lists them all.
        if type(value) is not list or not set(map(type, value)) <= _STR:
            raise self._error(f"'{key}' must be an array of strings{self._got(value)}")
        return value

    def _urls(self, key: str) -> tuple[str, ...]:
        # PEP 708 lists are project-page URLs; resolved like file URLs.
        resolve = self.resolver.resolve
        return tuple(resolve(u.strip()) for u in self._str_list(key) if u.strip())

    def project_page(self, meta: Meta) -> ProjectPage:
        """Build the project page from ``name``, ``files`` and ``versions``."""
        data = self.data
        raw_name = data.get("name")
        name: NormalizedName | None = None
        if raw_name is not None:
            name = canonicalize_name(self._str(raw_name, "name"))
        files = data.get("files")
        if type(files) is not list:
            raise self._error("'files' must be an array" + self._got(files))
        checked = _JsonFiles.checked(self, files)
        if checked is None:
            # Something is wrong, or unusual: building entry by entry raises the error
            # for the first entry at fault, naming it, exactly as it always did.
            parse_file = self._file
            built = tuple([parse_file(i, f) for i, f in enumerate(files)])
            versions = tuple(self._str_list("versions"))  # PEP 700
            return ProjectPage(self.url, name, meta, built, versions)
        versions = tuple(self._str_list("versions"))
        # The files live on as columns (_JsonFiles): the decoded entries, thousands of
        # dicts the garbage collector would walk as long as the page lives, go now.
        self.data = {}
        return lazy_project_page(self.url, name, meta, checked, versions)

    def index_page(self, meta: Meta) -> IndexPage:
        """Build the index page; project URLs are ``<index>/<normalized name>/``."""
        projects = self.data.get("projects")
        if type(projects) is not list:
            raise self._error("'projects' must be an array" + self._got(projects))
        directory = index_directory(self.url, self.url)
        links: list[ProjectLink] = []
        append = links.append
        for i, entry in enumerate(projects):
            if type(entry) is not dict:
                raise self._error(f"'projects[{i}]' must be an object{self._got(entry)}")
            raw = entry.get("name")
            if type(raw) is not str:
                raise self._error(f"'projects[{i}].name' must be a string{self._got(raw)}")
            name = canonicalize_name(raw)
            append(ProjectLink(name, raw, project_url(directory, name)))
        return IndexPage(self.url, meta, tuple(links))

    def _file(self, i: int, entry: object) -> DistributionFile:
        # Hot loop (one call per file): error messages are only built on failure.
        if type(entry) is not dict:
            raise self._error(f"'files[{i}]' must be an object{self._got(entry)}")
        get = entry.get
        filename = get("filename")
        if type(filename) is not str:
            raise self._error(f"'files[{i}].filename' must be a string{self._got(filename)}")
        url = get("url")
        if type(url) is not str:
            raise self._error(f"'files[{i}].url' ({filename!r}) must be a string{self._got(url)}")
        hashes = get("hashes")
        requires_python = get("requires-python")
        yanked = get("yanked")
        gpg_sig = get("gpg-sig")
        size = get("size")
        upload_time = get("upload-time")
        provenance = get("provenance")
        # PEP 714 renamed dist-info-metadata to core-metadata; the old key is the
        # fallback for servers that predate it.
        metadata_key = "core-metadata"
        metadata = get(metadata_key)
        if metadata is None:
            metadata_key = "dist-info-metadata"
            metadata = get(metadata_key)
        if not (
            (requires_python is None or type(requires_python) is str)
            and (yanked is None or type(yanked) is bool or type(yanked) is str)
            and (gpg_sig is None or type(gpg_sig) is bool)
            and (size is None or (type(size) is int and size >= 0))
            and (provenance is None or type(provenance) is str)
        ):
            self._bad_scalar(i, filename, entry)
        if yanked is None or yanked is False:
            yanked_reason = None
        else:  # PEP 592 via PEP 691: true, or a string giving the reason
            yanked_reason = "" if yanked is True else yanked
        if metadata is None or metadata is False:
            core_metadata = None
        elif metadata is True:
            core_metadata = EMPTY_HASHES
        else:  # PEP 691/714: true (available, no hash), false, or a dict of hashes
            core_metadata = self._hashes(metadata, i, metadata_key)
        return new_distribution_file(
            filename,
            self.resolver.resolve(url),
            EMPTY_HASHES if hashes is None else self._hashes(hashes, i, "hashes"),
            (requires_python.strip() or None) if requires_python else None,
            yanked_reason,
            core_metadata,
            gpg_sig,
            size,
            None if upload_time is None else self._time(upload_time, i),
            None if provenance is None else self.resolver.resolve(provenance),
        )

    def _bad_scalar(self, i: int, filename: str, entry: JsonObject) -> NoReturn:
        expected = {
            "requires-python": (str,),
            "yanked": (bool, str),
            "gpg-sig": (bool,),
            "size": (int,),
            "provenance": (str,),
        }
        for key, types in expected.items():
            value = entry.get(key)
            if value is not None and type(value) not in types:
                want = " or ".join(_JSON_TYPES[t] for t in types)
                raise self._error(
                    f"'files[{i}].{key}' ({filename!r}) must be {want}, not {_kind(value)}"
                )
        raise self._error(f"'files[{i}].size' ({filename!r}) must not be negative")

    def _hashes(self, value: object, i: int, key: str) -> FrozenDict:
        # A dict of hash name to hex digest (PEP 691); names are lower-cased.
        if type(value) is dict:
            lowered = True
            for k, v in value.items():
                if type(v) is not str:
                    break
                lowered = lowered and k.islower()
            else:
                if not value:
                    return EMPTY_HASHES
                if lowered:
                    return FrozenDict.adopt(value)
                return FrozenDict({k.lower(): v for k, v in value.items()})
        want = "an object of strings"
        if key != "hashes":
            want = "a boolean or " + want
        raise self._error(f"'files[{i}].{key}' must be {want}{self._got(value)}")

    def _time(self, value: object, i: int) -> datetime:
        # PEP 700: an ISO 8601 string, "yyyy-mm-ddThh:mm:ss.ffffffZ".
        if type(value) is not str:
            raise self._error(f"'files[{i}].upload-time' must be a string{self._got(value)}")
        try:
            return parse_upload_time(value)
        except (ValueError, OverflowError) as exc:
            problem = f"'files[{i}].upload-time' is not an ISO 8601 timestamp: {exc}"
            raise self._error(problem) from None


_NONE = type(None)
# The types each optional key of a file may have (PEP 691, PEP 700, PEP 740).
_OPTIONAL = (
    ("hashes", frozenset({_NONE, dict})),
    ("requires-python", frozenset({_NONE, str})),
    ("yanked", frozenset({_NONE, bool, str})),
    ("gpg-sig", frozenset({_NONE, bool})),
    ("size", frozenset({_NONE, int})),
    ("upload-time", frozenset({_NONE, str})),
    ("provenance", frozenset({_NONE, str})),
)
_DICT = frozenset({dict})
_STR = frozenset({str})
_METADATA = frozenset({_NONE, bool, dict})


class _JsonFiles(PageFiles):
    """A JSON page's files, checked, built by :meth:`JsonDocument._file` when used.

    The entries are kept as columns (one list of values per key an entry has), not as
    the decoded dicts: a few lists instead of a dict per file for the garbage collector
    to walk, and less memory. Building file ``i`` gives :meth:`JsonDocument._file` an
    entry made of the columns' ``i``-th values, which it reads exactly as the decoded
    one: a key whose value is null reads as a missing one, and the PEP 714 fallback
    (``dist-info-metadata``) is already taken in the ``core-metadata`` column.
    """

    __slots__ = ("_columns", "_doc", "_filenames")

    def __init__(
        self, doc: JsonDocument, columns: dict[str, list[Any]], filenames: list[str]
    ) -> None:
        super().__init__(len(filenames))
        self._doc: JsonDocument | None = doc
        self._columns = columns
        self._filenames = filenames

    @classmethod
    def checked(cls, doc: JsonDocument, files: list[Any]) -> _JsonFiles | None:
        """The files of a page whose every entry :meth:`JsonDocument._file` accepts
        (so building one later cannot fail), else None.

        The same checks as building each file, made a key at a time over all entries
        (C-speed maps instead of a Python call per entry): the types, sizes not
        negative, hash values strings, upload times that parse, links the page may
        have (:meth:`Resolver.cannot_fail`, else each resolved). A None answer makes
        the caller build entry by entry, which raises for the first entry at fault:
        which error a malformed page raises does not change.
        """
        if not set(map(type, files)) <= _DICT:
            return None
        present = set().union(*files)  # every key some entry has
        filenames = _column(files, "filename")
        urls = _column(files, "url")
        if not (set(map(type, filenames)) <= _STR and set(map(type, urls)) <= _STR):
            return None
        values: dict[str, list[Any]] = {"filename": filenames, "url": urls}
        for key, allowed in _OPTIONAL:
            if key in present:
                values[key] = found = _column(files, key)
                if not set(map(type, found)) <= allowed:
                    return None
        mappings = list(filter(None, values.get("hashes", ())))
        if "core-metadata" in present or "dist-info-metadata" in present:
            metadata = _column(files, "core-metadata")
            if None in metadata:  # PEP 714's fallback, as in _file
                older = _column(files, "dist-info-metadata")
                metadata = [m if m is not None else o for m, o in zip(metadata, older, strict=True)]
            if not set(map(type, metadata)) <= _METADATA:
                return None
            mappings += [m for m in metadata if type(m) is dict]
            values["core-metadata"] = metadata
        # Not negative (the types are checked: int or None; filter drops 0 and None).
        if "size" in present and min(filter(None, values["size"]), default=0) < 0:
            return None
        if not set(map(type, chain.from_iterable(map(dict.values, mappings)))) <= _STR:
            return None
        if "upload-time" in present and not _times_parse(values["upload-time"]):
            return None
        if not _links_resolve(doc, urls):
            return None
        if "provenance" in present:
            links = [link for link in values["provenance"] if link is not None]
            if not _links_resolve(doc, links):
                return None
        return cls(doc, values, filenames)

    def filenames(self) -> Sequence[str]:
        return self._filenames

    def _build(self, index: int) -> DistributionFile:
        assert self._doc is not None  # only _release() clears it
        entry = {key: column[index] for key, column in self._columns.items()}
        return self._doc._file(index, entry)

    def _release(self) -> None:
        self._doc = None
        self._columns = {}


def _column(files: list[JsonObject], key: str) -> list[Any]:
    """``[entry.get(key) for entry in files]``, without a Python step per entry."""
    return list(map(dict.get, files, repeat(key, len(files))))


def _times_parse(times: list[str | None]) -> bool:
    try:
        for value in times:
            if value is not None:
                parse_upload_time(value)
    except (ValueError, OverflowError):
        return False
    return True


def _links_resolve(doc: JsonDocument, refs: list[str]) -> bool:
    """Whether every one of ``refs`` resolves to a link the page may have."""
    resolver = doc.resolver
    if resolver.cannot_fail(refs):
        return True
    try:
        for ref in refs:
            resolver.resolve(ref)
    except ParseError:  # UnsafeLinkError included
        return False
    return True
