"""Requirements files in pip's syntax, parsed without IO (the reader of files and their
``-r``/``-c`` includes is :mod:`indexclient.reqfile_io`).

pip's documented format is the reference, and uv's reading of it where pip's is
ambiguous. Preprocessing runs in pip's order:

1. physical lines (``\\n``, ``\\r\\n`` or ``\\r``) ending in ``\\`` are joined to the
   next (the backslash removed); a comment line (``#`` after optional whitespace)
   never continues, and it ends a continuation in progress;
2. comments go: ``#`` at the start of a line or after whitespace, to the end of the
   logical line (``#`` inside a URL, as in ``#sha256=``, is not one);
3. ``${NAME}`` (upper-case letters, digits and ``_`` only) is replaced by the
   variable's value when it is set and not empty, and left as written otherwise.

A logical line is then a requirement, up to the first word that starts with ``-``,
followed by its own options (``--hash`` only has an effect there), or a line of
options (``-r``, ``-c``, ``-i``, ``--extra-index-url``, ``-f``, ``--no-index``,
``--pre``...). Options are spelt as pip's optparse spells them: ``--opt=value``,
``--opt value``, ``-xvalue``, ``-x value``, and a long option may be shortened to a
prefix only it has. Nothing here raises on bad input: problems and warnings are
values, each naming ``FILE:LINE`` (the line where the logical line starts).

:func:`indexclient.reqfile_io.read_requirements_file` is the IO: it reads files with
:func:`~indexclient.userfiles.read_user_file` (bounded, never blocking on a FIFO),
follows includes relative to the including file, refuses cycles and remote includes,
checks hash-checking mode over the whole set, and raises one
:class:`~indexclient.errors.ConfigurationError` listing every problem.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from indexclient import requirements as _pep508
from indexclient.errors import DigestMismatchError
from indexclient.select import is_plain_name
from indexclient.simple.filenames import parse_filename
from indexclient.urls import redact_text, redact_url

__all__ = [
    "MAX_LINE",
    "STRONG_HASHES",
    "FileOption",
    "FileRequirement",
    "Hashes",
    "Include",
    "Location",
    "Notice",
    "RequirementsFile",
    "applies",
    "decode",
    "excerpt",
    "hash_problems",
    "join_lines",
    "parse",
]

#: pip's ``--hash`` algorithms (pip's STRONG_HASHES): at least as collision-resistant
#: as sha256. md5, sha1 and sha224 are refused, as pip refuses them.
STRONG_HASHES = {"sha256": 64, "sha384": 96, "sha512": 128}
#: A logical line (continuations joined, variables expanded). A hashed requirement
#: for a project of hundreds of files is tens of KB.
MAX_LINE = 1024 * 1024

_NEWLINE = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"(^|\s+)#.*$", re.DOTALL)
_COMMENT_LINE = re.compile(r"\s*#")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_VCS = re.compile(r"(?i)(?:^|[\s@])(git|hg|svn|bzr)\+")
_URL_START = re.compile(r"(?i)^[a-z][a-z0-9+.-]*://")
_HEX = re.compile(r"[0-9a-f]+")
# What shlex (POSIX mode) treats specially: quotes and escapes; and the whitespace it
# does not split on, which str.split would.
_SHELL_SPECIAL = re.compile(r"[\'\"\\]|[^\S \t\r\n]")
#: How much of a line a message quotes.
_EXCERPT = 200
_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".egg")

# pip's options in a requirements file (req_file.SUPPORTED_OPTIONS and _REQ), by long
# name: whether each takes a value.
_LONG: dict[str, bool] = {
    "--index-url": True,
    "--pypi-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "--constraint": True,
    "--requirement": True,
    "--editable": True,
    "--find-links": True,
    "--no-binary": True,
    "--only-binary": True,
    "--prefer-binary": False,
    "--require-hashes": False,
    "--no-require-hashes": False,
    "--pre": False,
    "--all-releases": True,
    "--only-final": True,
    "--trusted-host": True,
    "--use-feature": True,
    "--global-option": True,
    "--hash": True,
    "--config-settings": True,
}
_SHORT = {
    "-i": "--index-url",
    "-c": "--constraint",
    "-r": "--requirement",
    "-e": "--editable",
    "-f": "--find-links",
    "-C": "--config-settings",
}
_ALIASES = {"--pypi-url": "--index-url"}
#: Options recorded in :attr:`RequirementsFile.options` (they matter to an index client).
_RECORDED = frozenset(
    {
        "index-url",
        "extra-index-url",
        "find-links",
        "no-index",
        "pre",
        "prefer-binary",
        "require-hashes",
        "no-require-hashes",
        "trusted-host",
        "no-binary",
        "only-binary",
    }
)
_IGNORED = {
    "all-releases": "pre-release control per project is not supported; use --pre",
    "only-final": "pre-release control per project is not supported",
    "use-feature": "pip's feature flags do not apply",
    "global-option": "build options do not apply: nothing is built",
    "config-settings": "build options do not apply: nothing is built",
}


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where a logical line starts: ``file`` as given, ``line`` counted from 1 (0: the
    file as a whole, shown as ``-r FILE``)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else f"-r {self.file}"


@dataclass(frozen=True, slots=True)
class Notice:
    """A problem or a warning, at ``location``."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, slots=True)
class Hashes:
    """Known-good digests: ``(algorithm, lower-case hex)`` pairs, any one of which a
    file may match (pip's rule: every hash given for a requirement is an alternative,
    one per file the requirement may end up with)."""

    __module__ = "indexclient"

    pairs: frozenset[tuple[str, str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.pairs)

    @property
    def algorithms(self) -> frozenset[str]:
        """The algorithms to compute over a file to check it."""
        return frozenset(alg for alg, _ in self.pairs)

    def by_algorithm(self) -> dict[str, frozenset[str]]:
        """The digests grouped by algorithm."""
        grouped: dict[str, set[str]] = {}
        for alg, digest in self.pairs:
            grouped.setdefault(alg, set()).add(digest)
        return {alg: frozenset(digests) for alg, digests in grouped.items()}

    def allows(self, algorithm: str, hexdigest: str) -> bool:
        """Whether a file whose ``algorithm`` digest is ``hexdigest`` is one of these."""
        return (algorithm, hexdigest.lower()) in self.pairs

    def allows_any(self, digests: Mapping[str, str]) -> bool:
        """Whether any of a file's digests (algorithm -> hex, as an index page or a
        download gives them) is one of these. An algorithm absent from either side
        proves nothing: the caller must compute one of :attr:`algorithms`."""
        return any(self.allows(alg, digest) for alg, digest in digests.items())

    def check(self, data: bytes, url: str) -> str:
        """The algorithm by which ``data`` is one of these files; raises
        :class:`~indexclient.errors.DigestMismatchError` (``url`` shown redacted as
        given) when it is none of them."""
        grouped = self.by_algorithm()
        actual = {alg: hashlib.new(alg, data).hexdigest() for alg in grouped}
        for alg, digests in sorted(grouped.items()):
            if actual[alg] in digests:
                return alg
        alg = "sha256" if "sha256" in grouped else min(grouped)
        allowed = sorted(grouped[alg])
        expected = allowed[0] if len(allowed) == 1 else "one of " + ", ".join(allowed)
        raise DigestMismatchError(url, alg, expected, actual[alg])

    def __and__(self, other: Hashes) -> Hashes:
        """pip's intersection of a requirement's hashes and a constraint's: when one
        side has none, the other's hold; otherwise only those in both."""
        if not other:
            return self
        if not self:
            return other
        return Hashes(self.pairs & other.pairs)


@dataclass(frozen=True, slots=True)
class FileRequirement:
    """A requirement line: its PEP 508 ``text`` (markers kept), ``name`` (normalised),
    ``hashes`` (from ``--hash`` and a direct URL's ``#sha256=`` fragment),
    ``hash_options`` (whether ``--hash`` gave any: only those turn hash-checking mode
    on, as in pip), ``url`` (a direct reference, else None), ``constraint`` (it came
    from a ``-c`` file) and where it starts."""

    text: str
    name: NormalizedName
    location: Location
    hashes: Hashes = Hashes()
    hash_options: bool = False
    url: str | None = None
    constraint: bool = False

    def __repr__(self) -> str:
        return (
            f"FileRequirement({redact_text(self.text)!r}, {self.location}, "
            f"hashes={len(self.hashes.pairs)}, constraint={self.constraint})"
        )

    @property
    def pinned(self) -> bool:
        """pip's "pinned": one specifier, ``==`` (no wildcard) or ``===``."""
        if is_plain_name(self.text):
            return False  # a name alone pins nothing
        specifier = _pep508.parse(self.text).specifier
        if len(specifier) != 1:
            return False
        (only,) = specifier
        return only.operator == "===" or (only.operator == "==" and not only.version.endswith(".*"))


@dataclass(frozen=True, slots=True)
class FileOption:
    """An option line that matters to an index client, by pip's long name without
    dashes (``index-url``, ``extra-index-url``, ``find-links``, ``no-index``, ``pre``,
    ``prefer-binary``, ``require-hashes``, ``no-require-hashes``, ``trusted-host``,
    ``no-binary``, ``only-binary``); ``value`` is None for a flag. A ``find-links``
    path is as written: relative to the directory of ``location.file``."""

    name: str
    value: str | None
    location: Location

    def __repr__(self) -> str:
        shown = None if self.value is None else redact_text(self.value)
        return f"FileOption({self.name!r}, {shown!r}, {self.location})"


@dataclass(frozen=True, slots=True)
class Include:
    """``-r PATH`` (``constraint`` False) or ``-c PATH``, the path as written (variables
    expanded), relative to the directory of the including file."""

    path: str
    constraint: bool
    location: Location


Entry = FileRequirement | FileOption | Include


@dataclass(frozen=True, slots=True)
class RequirementsFile:
    """What a requirements file says, in order: requirements, options and includes
    (``entries``), and the ``warnings`` and ``problems`` found. From
    :func:`read_requirements_file`, includes are followed (their contents are in
    ``entries`` in place) and ``files`` lists every file read."""

    entries: tuple[Entry, ...] = ()
    warnings: tuple[Notice, ...] = ()
    problems: tuple[Notice, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def requirements(self) -> tuple[FileRequirement, ...]:
        return tuple(e for e in self.entries if isinstance(e, FileRequirement))

    @property
    def options(self) -> tuple[FileOption, ...]:
        return tuple(e for e in self.entries if isinstance(e, FileOption))

    @property
    def includes(self) -> tuple[Include, ...]:
        return tuple(e for e in self.entries if isinstance(e, Include))

    def _values(self, name: str) -> tuple[str, ...]:
        return tuple(o.value for o in self.options if o.name == name and o.value is not None)

    def _flag(self, name: str) -> bool:
        return any(o.name == name for o in self.options)

    @property
    def index_url(self) -> str | None:
        """The last ``--index-url`` given (uv's reading: each replaces the previous)."""
        found = self._values("index-url")
        return found[-1] if found else None

    @property
    def extra_index_urls(self) -> tuple[str, ...]:
        return self._values("extra-index-url")

    @property
    def find_links(self) -> tuple[str, ...]:
        return self._values("find-links")

    @property
    def trusted_hosts(self) -> tuple[str, ...]:
        return self._values("trusted-host")

    @property
    def no_index(self) -> bool:
        return self._flag("no-index")

    @property
    def pre(self) -> bool:
        return self._flag("pre")

    @property
    def prefer_binary(self) -> bool:
        return self._flag("prefer-binary")

    @property
    def require_hashes(self) -> bool:
        return self._flag("require-hashes")

    @property
    def no_require_hashes(self) -> bool:
        return self._flag("no-require-hashes")

    @property
    def binary_options(self) -> tuple[tuple[Literal["no-binary", "only-binary"], str], ...]:
        """``--no-binary``/``--only-binary`` values in order (pip's format control:
        comma-separated names, ``:all:``, ``:none:``; a later one can undo an earlier)."""
        found: list[tuple[Literal["no-binary", "only-binary"], str]] = []
        for option in self.options:
            if option.value is not None and option.name in ("no-binary", "only-binary"):
                kind: Literal["no-binary", "only-binary"] = (
                    "no-binary" if option.name == "no-binary" else "only-binary"
                )
                found.append((kind, option.value))
        return tuple(found)

    @property
    def hash_checking(self) -> bool:
        """Whether pip's hash-checking mode is on: ``--require-hashes``, or a ``--hash``
        on any requirement or constraint, unless ``--no-require-hashes``."""
        if self.no_require_hashes:
            return False
        return self.require_hashes or any(r.hash_options for r in self.requirements)


# --------------------------------------------------------------------------- preprocessing


def _pieces(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each logical line as its physical pieces (backslashes removed), with the number
    of the line it starts on."""
    start = 0
    pending: list[str] = []
    for number, line in enumerate(_NEWLINE.split(text), start=1):
        comment = _COMMENT_LINE.match(line) is not None
        if line.endswith("\\") and not comment:
            if not pending:
                start = number
            pending.append(line[:-1])
            continue
        if pending:
            # A comment line ends the continuation; the space keeps it a comment.
            pending.append(" " + line if comment else line)
            yield start, pending
            pending = []
        else:
            yield number, [line]
    if pending:
        yield start, pending


def join_lines(text: str) -> Iterator[tuple[int, str]]:
    """The logical lines of ``text`` with the number of the line each starts on:
    a line ending in ``\\`` is joined to the next, the backslash removed; a comment
    line never continues and ends a continuation (pip's join_lines)."""
    for number, pieces in _pieces(text):
        yield number, "".join(pieces)


def _expand(line: str, environ: Mapping[str, str]) -> str:
    # pip leaves a variable that is unset or empty as written.
    return _ENV_VAR.sub(lambda m: environ.get(m.group(1)) or m.group(0), line)


def decode(data: bytes) -> str | None:
    """The text of a requirements file: UTF-8, or UTF-16/32 with a byte-order mark (as
    Windows shells write ``pip freeze > file``); None when it is none of these."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            data, chosen = data[len(bom) :], encoding
            break
    else:
        chosen = "utf-8"
    try:
        return data.decode(chosen)
    except UnicodeDecodeError:
        return None


# --------------------------------------------------------------------------- one line


def excerpt(text: str) -> str:
    """``text`` as a message quotes it: credentials redacted, at most a few hundred
    characters (a line can be a megabyte)."""
    shown = redact_text(text[: _EXCERPT * 4])
    return (
        shown if len(shown) <= _EXCERPT and len(text) <= _EXCERPT * 4 else shown[:_EXCERPT] + "..."
    )


class _Line:
    """Findings on one logical line, gathered into the file's lists."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.warnings: list[Notice] = []
        self.problems: list[Notice] = []

    def warn(self, message: str) -> None:
        self.warnings.append(Notice(self.location, message))

    def problem(self, message: str) -> None:
        self.problems.append(Notice(self.location, message))


def _split(line: str) -> tuple[str, str]:
    """The requirement (words up to the first starting with ``-``) and the options:
    pip splits the requirement by hand, since shlex would mangle a marker's quotes.
    Words are split on spaces and tabs (uv's reading; pip splits on spaces only)."""
    found = re.search(r"(?:^|[ \t])-", line)
    if found is None:
        return line.strip(), ""
    cut = found.start() if line[found.start()] == "-" else found.start() + 1
    return line[:cut].strip(), line[cut:]


def _long_name(given: str, at: _Line) -> str | None:
    """The long option ``given`` means: itself, or the one option it is a prefix of
    (optparse's abbreviations), else None with a warning."""
    if given in _LONG:
        return _ALIASES.get(given, given)
    candidates = [name for name in _LONG if name.startswith(given)]
    if len(candidates) == 1:
        return _ALIASES.get(candidates[0], candidates[0])
    if candidates:
        at.warn(f"ignored the ambiguous option {excerpt(given)} ({', '.join(sorted(candidates))})")
    else:
        at.warn(f"ignored the option {excerpt(given)}: indexclient does not know it")
    return None


def _options(text: str, at: _Line) -> list[tuple[str, str | None]]:
    """``(name without dashes, value)`` for each option in ``text``, read as optparse
    reads pip's options; stray words and unknown options are warnings."""
    if _SHELL_SPECIAL.search(text) is None:
        # What shlex would give, without its per-character loop (long hashed lines).
        words = text.split()
    else:
        try:
            words = shlex.split(text)
        except ValueError as exc:
            at.problem(f"cannot split the options ({exc})")
            return []
    found: list[tuple[str, str | None]] = []
    index = 0
    skipping = False  # the words after an unknown option are its values
    while index < len(words):
        word = words[index]
        index += 1
        value: str | None = None
        if word.startswith("--"):
            given, eq, attached = word.partition("=")
            name = _long_name(given, at)
            if name is not None and eq:
                value = attached
        elif word.startswith("-") and len(word) > 1:
            name = _SHORT.get(word[:2])
            if name is None:
                at.warn(f"ignored the option {excerpt(word[:2])}: indexclient does not know it")
            elif len(word) > 2:
                value = word[2:]
        else:
            if not skipping:
                at.warn(f"ignored {excerpt(word)!r}: a requirement must come first on its line")
            continue
        skipping = name is None
        if name is None:
            continue
        if _LONG[name] and value is None:
            if index >= len(words):
                at.problem(f"{name} needs a value")
                continue
            value = words[index]
            index += 1
        elif not _LONG[name] and value is not None:
            at.problem(f"{name} takes no value (given {excerpt(value)!r})")
            continue
        found.append((name[2:], value))
    return found


def _hash(value: str, at: _Line) -> tuple[str, str] | None:
    algorithm, colon, digest = value.partition(":")
    if not colon:
        at.problem(f"--hash={excerpt(value)} is not ALGORITHM:HEX, like --hash=sha256:abcd...")
        return None
    if algorithm not in STRONG_HASHES:
        at.problem(
            f"--hash algorithm {excerpt(algorithm)!r}: pip accepts only {', '.join(STRONG_HASHES)}"
        )
        return None
    digest = digest.lower()
    if len(digest) != STRONG_HASHES[algorithm] or not _HEX.fullmatch(digest):
        # pip compares as given, so a mistyped digest fails at download; say so now.
        at.problem(
            f"--hash={algorithm}:{excerpt(digest)} is not a {algorithm} digest "
            f"({STRONG_HASHES[algorithm]} hex digits)"
        )
        return None
    return algorithm, digest


def _looks_like_path_or_url(text: str) -> bool:
    first = re.split(r"[\s;]", text, maxsplit=1)[0]
    return (
        _URL_START.match(first) is not None
        or first.lower().startswith("file:")
        or first.startswith((".", "/", "~", "\\"))
        or "/" in first
        or "\\" in first
        or first.lower().endswith(_ARCHIVES)
    )


def _direct_url(url: str, name: NormalizedName, at: _Line) -> Hashes | None:
    """The hash a direct reference's URL fragment gives (``#sha256=...``), once the URL
    is one indexclient can read: http(s), to a wheel or sdist of ``name``."""
    shown = excerpt(redact_url(url))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        at.problem(
            f"direct reference {shown}: only http(s) URLs to a wheel or an sdist are read "
            "(a local file or directory needs a build or an index: use --find-links)"
        )
        return None
    filename = unquote(parts.path.rpartition("/")[2])
    info = parse_filename(filename)
    if info.kind == "unknown":
        at.problem(f"direct reference {shown}: not a wheel or .tar.gz/.zip sdist ({info.error})")
        return None
    if info.name != name:
        at.problem(f"direct reference {shown}: the file is of {info.name}, not of {name}")
        return None
    pairs: set[tuple[str, str]] = set()
    for part in parts.fragment.split("&"):
        algorithm, eq, digest = part.partition("=")
        if eq and algorithm in STRONG_HASHES:
            found = _hash(f"{algorithm}:{digest}", at)
            if found is None:
                return None
            pairs.add(found)
    return Hashes(frozenset(pairs))


def _requirement(
    text: str, options: list[tuple[str, str | None]], constraint: bool, at: _Line
) -> FileRequirement | None:
    shown = excerpt(text)
    vcs = _VCS.search(text)
    if vcs is not None:
        at.problem(
            f"{shown}: {vcs.group(1).lower()}+ (VCS) requirements are not supported: "
            "they need a checkout and a build; name a released version or a wheel URL"
        )
        return None
    pairs: set[tuple[str, str]] = set()
    for option, value in options:
        if option == "hash" and value is not None:
            found = _hash(value, at)
            if found is not None:
                pairs.add(found)
        elif option in _IGNORED:
            at.warn(f"ignored --{option}: {_IGNORED[option]}")
        else:
            at.warn(f"ignored --{option} after a requirement (pip applies only --hash there)")
    if is_plain_name(text):
        # A name alone (most lines of a long file): packaging's parser would say the
        # same, at a cost a file of thousands of names notices.
        return _plain_requirement(text, pairs, constraint, at)
    try:
        why = _pep508.problem(text)
    except (RecursionError, ValueError) as exc:  # packaging's own limits, to be safe
        why = type(exc).__name__
    if why is None:
        requirement = _pep508.parse(text)
        name = canonicalize_name(requirement.name)
        if requirement.url is None and requirement.name.lower().endswith(_ARCHIVES):
            why = "a file name"
    if why is not None:
        if _looks_like_path_or_url(text):
            at.problem(
                f"{shown}: a bare URL or path is not supported; write it as "
                "'NAME @ https://...whl' (the project's name is needed to ask an index "
                "and to check the file is the project's)"
            )
        else:
            at.problem(f"{shown}: not a PEP 508 requirement ({why})")
        return None
    if constraint and requirement.extras:
        at.problem(f"{shown}: a constraint cannot have extras (pip's rule)")
        return None
    hash_options = bool(pairs)
    if requirement.url is not None:
        from_url = _direct_url(requirement.url, name, at)
        if from_url is None:
            return None
        pairs |= from_url.pairs
    if at.problems:
        return None
    return FileRequirement(
        text=text,
        name=name,
        location=at.location,
        hashes=Hashes(frozenset(pairs)),
        hash_options=hash_options,
        url=requirement.url,
        constraint=constraint,
    )


def _plain_requirement(
    text: str, pairs: set[tuple[str, str]], constraint: bool, at: _Line
) -> FileRequirement | None:
    """A requirement that is a project name alone, read as packaging reads it: no
    extras, specifier, marker or URL."""
    if text.lower().endswith(_ARCHIVES):
        at.problem(
            f"{excerpt(text)}: a bare URL or path is not supported; write it as "
            "'NAME @ https://...whl' (the project's name is needed to ask an index "
            "and to check the file is the project's)"
        )
        return None
    if at.problems:
        return None
    return FileRequirement(
        text=text,
        name=canonicalize_name(text),
        location=at.location,
        hashes=Hashes(frozenset(pairs)),
        hash_options=bool(pairs),
        constraint=constraint,
    )


def _option_line(options: list[tuple[str, str | None]], constraint: bool, at: _Line) -> list[Entry]:
    entries: list[Entry] = []
    for name, value in options:
        if name in ("requirement", "constraint") and value is not None:
            # uv's reading: what a constraints file includes is constraints too.
            nested = constraint or name == "constraint"
            entries.append(Include(value, nested, at.location))
        elif name == "editable":
            at.problem(
                f"-e {excerpt(value or '')}: editable requirements are not supported: "
                "they need a local checkout and a build"
            )
        elif name == "hash":
            at.warn("--hash with no requirement on its line is ignored (as pip does)")
        elif name in _IGNORED:
            at.warn(f"ignored --{name}: {_IGNORED[name]}")
        elif name in _RECORDED:
            entries.append(FileOption(name, value, at.location))
    return entries


def _swallowed(pieces: list[str], at: _Line) -> None:
    """Warn when a comment ends in ``\\``: pip joins before it strips comments, so the
    next line becomes part of the comment and is ignored (uv would read it)."""
    for offset, piece in enumerate(pieces[:-1]):
        if _COMMENT.search(piece) is not None:
            first = at.location.line + offset + 1
            at.warn(
                f"a comment ends in '\\' on line {first - 1}: line {first} is joined to "
                "the comment and ignored (pip's rule); remove the backslash to keep it"
            )
            return


def parse(
    text: str,
    source: str,
    *,
    constraint: bool = False,
    environ: Mapping[str, str] | None = None,
) -> RequirementsFile:
    """The requirements file ``text``, named ``source`` in every location. Includes are
    listed, not followed. ``constraint``: the text is a constraints file (``-c``).
    ``environ``: the variables ``${NAME}`` may name (none by default). Never raises
    on bad input: see :attr:`RequirementsFile.problems`."""
    environ = {} if environ is None else environ
    entries: list[Entry] = []
    warnings: list[Notice] = []
    problems: list[Notice] = []
    for number, pieces in _pieces(text):
        at = _Line(Location(source, number))
        raw = "".join(pieces)
        if len(raw) > MAX_LINE:
            at.problem(f"the line is longer than {MAX_LINE} characters")
        else:
            _swallowed(pieces, at)
            line = _expand(_COMMENT.sub("", raw).strip(), environ)
            if len(line) > MAX_LINE:
                at.problem(f"the line is longer than {MAX_LINE} characters once expanded")
            elif line:
                requirement, rest = _split(line)
                options = _options(rest, at) if rest else []
                if requirement:
                    found = _requirement(requirement, options, constraint, at)
                    if found is not None:
                        entries.append(found)
                else:
                    entries += _option_line(options, constraint, at)
        warnings += at.warnings
        problems += at.problems
    return RequirementsFile(tuple(entries), tuple(warnings), tuple(problems), (source,))


# --------------------------------------------------------------------------- the whole set


def applies(requirement: FileRequirement, environment: Mapping[str, str]) -> bool:
    """Whether the requirement's marker holds for the target ``environment`` (PEP 508
    marker variables; any not given are the running interpreter's, as packaging
    fills them). A requirement with no marker always applies."""
    if is_plain_name(requirement.text):
        return True  # a name alone has no marker
    marker = _pep508.parse(requirement.text).marker
    if marker is None:
        return True
    try:
        return marker.evaluate({"extra": "", **environment})
    except Exception:  # packaging raises several kinds for values it cannot compare
        return False


def hash_problems(
    found: RequirementsFile, environment: Mapping[str, str] | None = None
) -> tuple[Notice, ...]:
    """pip's hash-checking mode over a whole set of requirements (includes merged).

    When it is on (:attr:`RequirementsFile.hash_checking`), every requirement needs
    hashes, its own or from constraints on its project (pip intersects the two), and
    one that is not a direct reference must be pinned with ``==`` or ``===`` unless a
    constraint's hashes decide its file. With ``environment``, requirements whose
    markers do not hold for it are passed over, as pip passes them over.
    """
    problems: list[Notice] = []
    if found.require_hashes and found.no_require_hashes:
        where = next(o.location for o in found.options if o.name == "no-require-hashes")
        problems.append(Notice(where, "--require-hashes and --no-require-hashes conflict"))
    if not found.hash_checking:
        return tuple(problems)
    why = _why_hash_checking(found)
    from_constraints: dict[NormalizedName, Hashes] = {}
    for constraint in found.requirements:
        if constraint.constraint and constraint.hashes:
            known = from_constraints.get(constraint.name)
            hashes = constraint.hashes if known is None else known & constraint.hashes
            from_constraints[constraint.name] = hashes
    for requirement in found.requirements:
        if requirement.constraint:
            continue
        if environment is not None and not applies(requirement, environment):
            continue
        shown = excerpt(requirement.text)
        constrained = from_constraints.get(requirement.name)
        hashes = requirement.hashes if constrained is None else requirement.hashes & constrained
        if not hashes:
            reason = (
                "no hash in common with its constraints"
                if requirement.hashes and constrained is not None
                else "no --hash"
            )
            problems.append(
                Notice(
                    requirement.location,
                    f"{shown}: {reason}; in hash-checking mode ({why}) every requirement "
                    "needs the hashes of the files it may use",
                )
            )
        elif requirement.url is None and constrained is None and not requirement.pinned:
            problems.append(
                Notice(
                    requirement.location,
                    f"{shown}: not pinned with == or ===; in hash-checking mode ({why}) "
                    "every requirement must be pinned to one version",
                )
            )
    return tuple(problems)


def _why_hash_checking(found: RequirementsFile) -> str:
    for entry in found.entries:
        if isinstance(entry, FileOption) and entry.name == "require-hashes":
            return f"--require-hashes at {entry.location}"
        if isinstance(entry, FileRequirement) and entry.hash_options:
            return f"turned on by the --hash at {entry.location}"
    return "--require-hashes"  # pragma: no cover -- hash_checking implies one of the two
