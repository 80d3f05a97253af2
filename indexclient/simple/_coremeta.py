"""Parsing core metadata (``METADATA``, ``PKG-INFO``, PEP 658 ``.metadata`` files).

Real-world metadata is messy: fields newer than the declared ``Metadata-Version``
(``License-File`` in 2.1 files is everywhere), unknown fields, Latin-1 bytes,
versions newer than :mod:`packaging` knows. :func:`parse_metadata` therefore works
in three layers, and only raises when a name or version is missing or the
``Metadata-Version`` has a major version above 2 (the core metadata spec says
consumers MUST fail then):

* ``raw_fields``/``unparsed``: :func:`packaging.metadata.parse_email` of the text,
  always available. Plain files are read by :mod:`indexclient.simple._headers`, which
  gives the same answer without the email package; the rest go through packaging.
  The convenience properties (``name``, ``requires_dist``...) read from here, as the
  strings the file holds.
* ``valid``: whether :meth:`Metadata.from_raw(..., validate=True)
  <packaging.metadata.Metadata.from_raw>` accepted the fields, the file was UTF-8
  and no known field had to be left unparsed (a repeated single-use field, say).
  ``problems`` says what was wrong otherwise.
* ``metadata``: the validated :class:`~packaging.metadata.Metadata` when ``valid``;
  otherwise one built from the fields whose values validate on their own (a field
  newer than the declared version is kept). It is ``None`` when a field that
  decides dependencies (name, version, ``Requires-Dist``, ``Requires-Python``,
  ``Provides-Extra``, ``Dynamic``) is invalid or repeated, so an invalid
  requirement is never silently read as "no requirements". When the declared
  version is unknown to packaging, ``metadata.metadata_version`` is the newest one
  it knows, which the fields were validated against.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from packaging.utils import NormalizedName, canonicalize_name

from indexclient.errors import MetadataError
from indexclient.simple import _headers

if TYPE_CHECKING:
    import email.parser

    from packaging.metadata import Metadata, RawMetadata

__all__ = [
    "DEFAULT_MAX_METADATA_SIZE",
    "NORMALIZED_NAME",
    "CoreMetadata",
    "canonical_name",
    "parse_metadata",
]

# A name PEP 503 normalisation leaves as it is (packaging's own test of a normalised
# name): lower-case ASCII letters and digits in runs joined by single dashes.
NORMALIZED_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)


def canonical_name(name: str) -> NormalizedName:
    """``canonicalize_name(name)``: ``name`` itself when it is normalised already (the
    names a warm run reads back from the memo and the index, thousands of times),
    which one match tells faster than normalising. A property test compares the two."""
    if NORMALIZED_NAME.fullmatch(name) is not None:
        return cast(NormalizedName, name)
    return canonicalize_name(name)


#: Default cap on a decompressed ``METADATA``/``PKG-INFO`` file.
DEFAULT_MAX_METADATA_SIZE = 16 * 1024 * 1024

# Core metadata fields that may appear more than once (the spec's "multiple use").
_MULTIPLE_USE = frozenset(
    {
        "classifier",
        "dynamic",
        "import-name",
        "import-namespace",
        "license-file",
        "obsoletes",
        "obsoletes-dist",
        "platform",
        "project-url",
        "provides",
        "provides-dist",
        "provides-extra",
        "requires",
        "requires-dist",
        "requires-external",
        "supported-platform",
    }
)
_SINGLE_USE = frozenset(
    {
        "author",
        "author-email",
        "description",
        "description-content-type",
        "download-url",
        "home-page",
        "keywords",
        "license",
        "license-expression",
        "maintainer",
        "maintainer-email",
        "metadata-version",
        "name",
        "requires-python",
        "summary",
        "version",
    }
)
# Fields that decide what a resolver installs: if one is invalid, no Metadata is
# built from the rest (in email spelling, and as RawMetadata keys).
_CRITICAL_EMAIL = frozenset(
    {"metadata-version", "name", "version", "requires-dist", "requires-python"}
    | {"provides-extra", "dynamic"}
)
_CRITICAL_RAW = frozenset(name.replace("-", "_") for name in _CRITICAL_EMAIL)
_VERSION_RE = re.compile(r"\s*(\d+)\.(\d+)\s*\Z")
# Newest first; the first one packaging accepts is the newest it knows.
_CANDIDATE_VERSIONS = ("2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1")


@functools.cache
def _packaging_metadata() -> ModuleType:
    """packaging.metadata, loaded on first use (about 25 ms): a run that takes its
    parsed metadata from the cache's memo never needs it. With :func:`_email_parser`,
    this module's seam."""
    import packaging.metadata

    return packaging.metadata


@functools.cache
def _email_parser() -> email.parser.Parser:
    """The header parser of the JSON form, loaded on first use like packaging.metadata
    (which imports the same email modules)."""
    import email.parser
    import email.policy

    return email.parser.Parser(policy=email.policy.compat32)


def _validation_errors() -> tuple[type[Exception], ...]:
    return (_packaging_metadata().ExceptionGroup, ValueError, TypeError)


@functools.lru_cache(maxsize=64)
def _version_known(version: str) -> bool:
    probe = cast("RawMetadata", {"metadata_version": version, "name": "x", "version": "0"})
    try:
        _packaging_metadata().Metadata.from_raw(probe, validate=True)
    except _validation_errors():
        return False
    return True


@functools.cache
def newest_known_version() -> str:
    """The newest ``Metadata-Version`` the installed :mod:`packaging` validates."""
    return next((v for v in _CANDIDATE_VERSIONS if _version_known(v)), "2.1")


class _Unset:
    """``metadata`` not built yet (it is built on first use; see CoreMetadata)."""


_UNSET = _Unset()


@dataclass(frozen=True, slots=True, eq=False)
class CoreMetadata:
    """One distribution's core metadata, as read from ``url``.

    Compares equal to another with the same ``url`` and ``raw`` bytes. See the
    module documentation for ``valid``, ``problems`` and ``metadata``.
    """

    __module__ = "indexclient"

    url: str
    raw: bytes = field(repr=False)
    text: str = field(repr=False)
    raw_fields: RawMetadata = field(repr=False)
    unparsed: Mapping[str, list[str]] = field(repr=False)
    # Validation (every field through packaging, a third of a parse) runs when
    # ``valid``, ``problems`` or ``metadata`` is first read: most callers read none.
    _decoding: tuple[str, ...] = field(default=(), repr=False)
    _verdict: tuple[bool, tuple[str, ...]] | None = field(default=None, repr=False)
    _metadata: Metadata | _Unset | None = field(default=_UNSET, repr=False)
    _json: dict[str, str | list[str]] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"CoreMetadata(url={self.url!r}, valid={self.valid}, problems={self.problems})"

    @property
    def valid(self) -> bool:
        """Whether every field validated, the file was UTF-8 and nothing was left
        unparsed; see the module documentation."""
        return self._judged()[0]

    @property
    def problems(self) -> tuple[str, ...]:
        """What is wrong with the metadata, one sentence each (empty when valid)."""
        return self._judged()[1]

    @property
    def metadata(self) -> Metadata | None:
        """The validated (or salvaged) :class:`~packaging.metadata.Metadata`; see the
        module documentation."""
        valid = self.valid  # judging a valid file keeps its validated Metadata
        built = self._metadata
        if isinstance(built, _Unset):
            built = _build_metadata(self.raw_fields, self.unparsed, valid)
            object.__setattr__(self, "_metadata", built)
        return built

    def _judged(self) -> tuple[bool, tuple[str, ...]]:
        verdict = self._verdict
        if verdict is None:
            valid, problems, strict = _judge(self.raw_fields, self.unparsed, self._decoding)
            verdict = (valid, problems)
            object.__setattr__(self, "_verdict", verdict)
            if valid and isinstance(self._metadata, _Unset):
                object.__setattr__(self, "_metadata", strict)
        return verdict

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CoreMetadata):
            return NotImplemented
        return (self.url, self.raw) == (other.url, other.raw)

    def __hash__(self) -> int:
        return hash((self.url, self.raw))

    @property
    def metadata_version(self) -> str | None:
        """``Metadata-Version`` as written, or ``None``."""
        return self.raw_fields.get("metadata_version")

    @property
    def name(self) -> str:
        """``Name`` as written."""
        return self.raw_fields["name"]

    @property
    def canonical_name(self) -> NormalizedName:
        """``Name``, PEP 503-normalised."""
        return canonical_name(self.name)

    @property
    def version(self) -> str:
        """``Version`` as written (it may not be a valid PEP 440 version)."""
        return self.raw_fields["version"]

    @property
    def requires_dist(self) -> tuple[str, ...]:
        """Every ``Requires-Dist`` value as written; see ``metadata`` for parsed ones."""
        return tuple(self.raw_fields.get("requires_dist", ()))

    @property
    def requires_python(self) -> str | None:
        """``Requires-Python`` as written, or ``None``."""
        return self.raw_fields.get("requires_python")

    @property
    def provides_extra(self) -> tuple[str, ...]:
        """Every ``Provides-Extra`` value as written."""
        return tuple(self.raw_fields.get("provides_extra", ()))

    @property
    def dynamic(self) -> tuple[str, ...]:
        """The PEP 643 ``Dynamic`` fields, lower-cased."""
        return tuple(v.strip().lower() for v in self.raw_fields.get("dynamic", ()))

    def to_json(self) -> dict[str, str | list[str]]:
        """The JSON-compatible form (PEP 566, as the core metadata spec now words it).

        Keys are lower-cased with ``-`` turned into ``_``; multiple-use fields are
        lists; ``keywords`` is split on commas (the spec's current rule; PEP 566 said
        whitespace); the message body, if any, is ``description``. Unknown fields are
        included; a single-use field given more than once becomes a list rather than
        losing values.
        """
        fields = self._json
        if fields is None:
            fields = _json_fields(self.text)
            object.__setattr__(self, "_json", fields)
        # A copy: callers may change what they are given, the memo must not change.
        return {k: list(v) if isinstance(v, list) else v for k, v in fields.items()}

    def to_memo(self) -> dict[str, object]:
        """Everything :meth:`from_memo` needs to rebuild this without parsing (the raw
        bytes included), as JSON data. The verdict is stored when it was reached, and
        left to be reached on first use otherwise: validating every field (and
        importing packaging's validator) is most of the cost of remembering a parse,
        and a run that only reads the fields never needs it."""
        verdict = self._verdict
        return {
            # Latin-1 maps every byte to one character: the bytes come back exactly.
            "raw": self.raw.decode("latin-1"),
            "raw_fields": self.raw_fields,
            "unparsed": self.unparsed,
            "valid": None if verdict is None else verdict[0],
            "problems": None if verdict is None else list(verdict[1]),
            "json": self.to_json(),
        }

    @classmethod
    def from_memo(cls, url: str, memo: object) -> CoreMetadata | None:
        """The metadata stored by :meth:`to_memo`, as read from ``url``; None when
        ``memo`` is not such a value."""
        if not isinstance(memo, dict):
            return None
        raw, fields, unparsed = memo.get("raw"), memo.get("raw_fields"), memo.get("unparsed")
        json_fields, problems, valid = memo.get("json"), memo.get("problems"), memo.get("valid")
        if not (
            isinstance(raw, str)
            and isinstance(fields, dict)
            and isinstance(unparsed, dict)
            and isinstance(json_fields, dict)
            and (
                (isinstance(valid, bool) and isinstance(problems, list))
                or (valid is None and problems is None)
            )
        ):
            return None
        try:
            data = raw.encode("latin-1")
        except UnicodeEncodeError:
            return None
        text, decoding = _decode(data)
        verdict = None
        if isinstance(valid, bool) and isinstance(problems, list):
            verdict = (valid, tuple(str(p) for p in problems))
        return cls(
            url=url,
            raw=data,
            text=text,
            raw_fields=cast("RawMetadata", fields),
            unparsed=unparsed,
            _decoding=tuple(decoding),
            _verdict=verdict,
            _json=json_fields,
        )


def _json_fields(text: str) -> dict[str, str | list[str]]:
    read = _headers.read_headers(text)
    body: object
    if read is None:
        message = _email_parser().parsestr(text)
        headers = [(name, str(value)) for name, value in message.items()]
        body = message.get_payload()
    else:
        headers, body = read
    result: dict[str, str | list[str]] = {}
    for header, value in headers:
        name = header.lower()
        key = name.replace("-", "_")
        if name == "keywords":
            words = [w.strip() for w in value.split(",") if w.strip()]
            result[key] = [*result.get(key, []), *words]
        elif name in _MULTIPLE_USE:
            result[key] = [*result.get(key, []), value]
        elif key in result:
            previous = result[key]
            result[key] = [*([previous] if isinstance(previous, str) else previous), value]
        else:
            result[key] = value
    if isinstance(body, str) and body:
        result["description"] = body
    return result


def _decode(raw: bytes) -> tuple[str, list[str]]:
    """The text of metadata bytes, and the problems decoding it."""
    problems: list[str] = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        problems.append("not valid UTF-8; decoded as Latin-1")
    return text.removeprefix("\ufeff"), problems


def _build_metadata(
    fields: RawMetadata, unparsed: Mapping[str, list[str]], valid: bool
) -> Metadata | None:
    """``metadata`` from the parsed fields; see the module documentation."""
    if valid:
        built: Metadata = _packaging_metadata().Metadata.from_raw(fields, validate=True)
        return built
    declared = fields.get("metadata_version")
    known = declared is not None and _version_known(declared)
    if any(key in _CRITICAL_EMAIL for key in unparsed):
        return None
    return _salvage(fields, declared if known else None)


def _as_text(value: object) -> str:
    """An unparsed value as text. The email package gives a body declared multipart
    (``Content-Type: multipart/...``, which a hostile file may say) as message
    objects; kept as such they could not be remembered (JSON) nor shown."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_as_text(part) for part in value)
    return str(value)


def parse_metadata(raw: bytes, url: str) -> CoreMetadata:
    """Parse core metadata bytes read from ``url``; see the module documentation.

    Raises :class:`MetadataError` when there is no ``Name`` or ``Version`` or the
    ``Metadata-Version`` is 3.0 or later; never for anything else.
    """
    raw = bytes(raw)
    text, problems = _decode(raw)
    parsed = _headers.parse_email(text, decoded=True)
    if parsed is None:
        try:
            fields, odd = _packaging_metadata().parse_email(text)
        except (ValueError, TypeError, LookupError) as exc:  # pragma: no cover - defensive
            raise MetadataError(url, f"cannot parse the metadata: {exc}") from None
        parsed = fields, {key: [_as_text(v) for v in values] for key, values in odd.items()}
    fields, unparsed = parsed
    for required, header in (("name", "Name"), ("version", "Version")):
        value: Any = fields.get(required)
        if not isinstance(value, str) or not value.strip():
            how = "repeated" if required in unparsed else "missing or empty"
            raise MetadataError(url, f"the {header} field is {how}")
    declared = fields.get("metadata_version")
    match = _VERSION_RE.match(declared) if declared is not None else None
    if match and int(match[1]) > 2:
        raise MetadataError(url, f"Metadata-Version {declared} is not supported (major > 2)")
    return CoreMetadata(
        url=url,
        raw=raw,
        text=text,
        raw_fields=fields,
        unparsed=unparsed,
        _decoding=tuple(problems),
    )


def _judge(
    fields: RawMetadata, unparsed: Mapping[str, list[str]], decoding: tuple[str, ...]
) -> tuple[bool, tuple[str, ...], Metadata | None]:
    """``valid``, ``problems`` and, when valid, the validated Metadata."""
    problems = list(decoding)
    declared = fields.get("metadata_version")
    known = declared is not None and _version_known(declared)
    if not known:
        what = "missing" if declared is None else f"{declared!r}, which is not known"
        problems.append(f"Metadata-Version is {what}; validated as {newest_known_version()}")
    for key in sorted(unparsed):
        if key in _MULTIPLE_USE or key in _SINGLE_USE:
            problems.append(f"{key}: invalid or repeated value(s) left unparsed")
    try:
        strict: Metadata | None = _packaging_metadata().Metadata.from_raw(fields, validate=True)
    except _validation_errors() as exc:
        strict = None
        if known:  # else already reported, and every field would be listed
            problems.extend(_messages(exc))
    valid = strict is not None and not problems
    return valid, tuple(problems), strict if valid else None


def _messages(exc: BaseException) -> list[str]:
    """Flatten a validation error (group) into ``field: message`` strings."""
    packaging_metadata = _packaging_metadata()
    if isinstance(exc, packaging_metadata.ExceptionGroup):
        return [m for sub in exc.exceptions for m in _messages(sub)]
    if isinstance(exc, packaging_metadata.InvalidMetadata):
        return [f"{exc.field}: {exc}"]
    return [str(exc) or type(exc).__name__]


def _salvage(fields: RawMetadata, declared: str | None) -> Metadata | None:
    """A Metadata of the fields that validate on their own; see the module docs."""
    newest = newest_known_version()
    metadata_class = _packaging_metadata().Metadata
    kept: dict[str, object] = {}
    for key, value in fields.items():
        if key == "metadata_version":
            continue
        probe = {"metadata_version": newest, "name": "x", "version": "0", key: value}
        try:
            metadata_class.from_raw(cast("RawMetadata", probe), validate=True)
        except _validation_errors():
            if key in _CRITICAL_RAW:
                return None
            continue
        kept[key] = value
    kept["metadata_version"] = declared or newest
    salvaged: Metadata = metadata_class.from_raw(cast("RawMetadata", kept), validate=False)
    try:
        # Convert (and cache) every field now, so reading one later cannot raise.
        for key in kept:
            getattr(salvaged, key)
    except _validation_errors():  # pragma: no cover - each field validated above
        return None
    return salvaged
