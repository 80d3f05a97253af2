"""Helpers shared by the HTML and JSON parsers: URLs, names, hash fragments, time."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote, urljoin, urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from indexclient.errors import ParseError, UnsafeLinkError
from indexclient.simple.models import EMPTY_HASHES, FrozenDict
from indexclient.urls import redact_url

# A relative-path reference that urljoin would append to the base's directory
# unchanged: no scheme (no ':'), no leading '/', no '.'/'..' or empty segments, no
# query, fragment, ';' (urlparse "params"), backslash, whitespace or control
# characters. Anything else goes through urljoin (RFC 3986 section 5.2). A property
# test checks the shortcut against urljoin.
_SEG = r"(?!\.\.?(?:/|\Z))[^/?#:;\\\x00-\x20\x7f]+"
_PLAIN_RELATIVE = re.compile(rf"(?:{_SEG}/)*(?:{_SEG})?\Z")
# A base URL of the usual shape: http(s), then a path of such segments, no query,
# fragment or credentials. Its directory and parent directories are slices of it,
# exactly what urljoin computes (parents stop at the root, as RFC 3986 says).
_PLAIN_BASE = re.compile(rf"(https?://[^/?#@\\\x00-\x20\x7f]+)/((?:{_SEG}/)*)(?:{_SEG})?\Z")


def _references(*, shortcuts: bool, fragments: bool) -> re.Pattern[str]:
    """References joined by single spaces, each of which :meth:`Resolver.resolve` takes
    a shortcut for (and so cannot refuse): an absolute http(s) URL, and when the base
    allows the relative shortcuts, a plain relative path, alone or after a run of
    "../". No ASCII control character anywhere (the caller checks the rest of
    printable, and that no reference holds a space, as the absolute shortcut requires).
    ``fragments``: each may end in "#<anything but a space>" (an HTML href, whose
    fragment is cut off first). A property test checks that every reference this
    accepts resolves by a shortcut.
    """
    end = "[ #]" if fragments else " "
    seg = rf"(?!\.\.?(?:/|{end}|\Z))[^/?#:;\\\x00-\x20\x7f]+"
    # _PLAIN_RELATIVE's (seg/)*(seg)?, written so that a failed "/" does not make the
    # engine take a segment back one character at a time.
    relative = rf"{seg}(?:/{seg})*/?"
    token = r"https?://[^ #\x00-\x1f\x7f]*" if fragments else r"https?://[^ \x00-\x1f\x7f]*"
    if shortcuts:
        # resolve(): a plain relative path, or "../" * depth + a plain path that
        # starts with neither "." nor "/" (what ref.lstrip("./") must leave).
        token += rf"|{relative}|(?:\.\./)+(?![./]){relative}"
    token = rf"(?:{token})" + (r"(?:#[^ \x00-\x1f\x7f]*)?" if fragments else "")
    return re.compile(rf"{token}(?: {token})*")


_CONTROLS = bytes(range(0x20)) + b"\x7f"
_absolute = operator.methodcaller("startswith", ("https://", "http://"))

_REFERENCES = {
    (shortcuts, fragments): _references(shortcuts=shortcuts, fragments=fragments)
    for shortcuts in (False, True)
    for fragments in (False, True)
}

# A URL-path-safe normalised name needs no quoting.
_SAFE_NAME = re.compile(r"[a-z0-9-]+\Z")
# PEP 503: "#<hashname>=<hashvalue>", hashname lower-case, value hex. Names are
# accepted by shape (sha256, sha3_512, blake2b...), not checked against hashlib, so
# a page parses the same on every machine whatever its OpenSSL offers.
_HASH_PART = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)=([0-9A-Fa-f]+)\Z")
# Index files a static (file://) repository may name instead of the directory.
_INDEX_FILES = frozenset({"index.html", "index.htm", "index.json"})


# What a page may link, by the page's own scheme (docs/security.md, "Links"): a page
# from a server only http(s); a page of a local index also its files, which LocalIndex
# then keeps under its root. Any other page URL is treated as a remote one.
_REMOTE_SCHEMES = frozenset({"http", "https"})
_LOCAL_SCHEMES = frozenset({"http", "https", "file"})


def _scheme_of(url: str) -> str:
    """The text before the first ':', lower-cased: urlsplit's scheme when the URL starts
    with one, and anything else (leading blanks or controls urlsplit would strip, no
    scheme at all) is not a scheme any rule allows."""
    return url.partition(":")[0].lower()


class Resolver:
    """Resolves references against one base URL, skipping urljoin when it can, and
    refuses links the page may not have (:class:`UnsafeLinkError`).

    urljoin costs several microseconds; a page may hold tens of thousands of links,
    nearly all either absolute http(s) URLs or plain relative paths. Both shortcuts give
    http(s) URLs when the base is http(s) (checked once, here): only the slow path
    checks each result.
    """

    __slots__ = ("_allowed", "_base", "_dir", "_page_url", "_parents", "_root", "_shortcuts")

    def __init__(self, base: str, page_url: str) -> None:
        self._base = base
        self._page_url = page_url
        self._allowed = _LOCAL_SCHEMES if _scheme_of(page_url) == "file" else _REMOTE_SCHEMES
        # "../" * k -> the directory it names (0: the base's own directory).
        self._parents: dict[int, str] = {}
        plain = _PLAIN_BASE.match(base)
        if plain is not None:
            # Pages are small and many: two urljoin calls per page cost more than
            # parsing a page of five files. Slices give the same directories.
            origin, path = plain.group(1), plain.group(2)
            segments = path.split("/")[:-1]
            for depth in range(len(segments) + 1):
                kept = segments[: len(segments) - depth]
                self._parents[depth] = origin + "/" + "".join(s + "/" for s in kept)
            self._dir = self._parents[0]
            self._root = self._parents[len(segments)]
        else:
            # urljoin of a plain one-segment reference gives exactly "<dir>x"; using
            # urljoin here keeps its quirks (it drops empty segments) consistent.
            self._dir = join_url(base, "x", page_url)[:-1]
            self._root = ""
        # Relative shortcuts append to the base's directory, so they keep its scheme: a
        # base the page may not link (<base href="file:///">) sends every relative link
        # through the checked path instead.
        self._shortcuts = _scheme_of(self._dir) in self._allowed

    def resolve(self, ref: str) -> str:
        """``urljoin(base, ref)``; absolute http(s) URLs are returned as given.

        Raises :class:`UnsafeLinkError` when the result is a link the page may not have.
        """
        # isprintable() rejects the control characters urlsplit would strip; a
        # space it lets through is checked separately (both are C-speed scans).
        if ref.startswith(("https://", "http://")) and ref.isprintable() and " " not in ref:
            return ref
        if self._shortcuts:
            if ref and _PLAIN_RELATIVE.match(ref):
                return self._dir + ref
            if ref.startswith("../"):
                # Static mirrors link "../../files/x": a run of parent steps, then a
                # plain relative path, is the parent directory plus that path.
                rest = ref.lstrip("./")
                depth = (len(ref) - len(rest)) // 3
                if ref == "../" * depth + rest and rest and _PLAIN_RELATIVE.match(rest):
                    parent = self._parents.get(depth) or self._root
                    if not parent:
                        parent = join_url(self._base, "../" * depth + "x", self._page_url)[:-1]
                        self._parents[depth] = parent
                    return parent + rest
        resolved = join_url(self._base, ref, self._page_url)
        if _scheme_of(resolved) not in self._allowed:
            raise self._unsafe(resolved)
        return resolved

    def cannot_fail(self, refs: Sequence[str], *, fragments: bool = False) -> bool:
        """Whether :meth:`resolve` accepts every one of ``refs`` whatever it is given,
        so that resolving them may wait until their files are built.

        Checks over the references joined cost a fraction of resolving each (a page
        may hold tens of thousands); a False answer only means the caller resolves
        them one by one, as before. ``fragments``: the refs are HTML hrefs, whose
        fragment is cut off (and outer whitespace stripped) before resolving.

        Every reference must be printable and hold no space: no whitespace at all then
        (every other whitespace character is unprintable), so stripping changes
        nothing and urlsplit strips or removes nothing. Then any of:

        * all absolute http(s) URLs: resolve() keeps them as they are;
        * when the base may be linked, no ':' anywhere and none starting with '/':
          no scheme and no authority, so urljoin can neither fail (its errors are an
          authority's) nor leave the base's scheme, which the page may link;
        * each one a reference a shortcut of resolve() takes (one regular expression).
        """
        if not refs:
            return True
        joined = " ".join(refs)
        if joined.count(" ") != len(refs) - 1:
            return False
        if joined.isascii():
            # Printable: no control character (deleting them, at C speed, leaves all).
            if len(joined.encode("ascii").translate(None, _CONTROLS)) != len(joined):
                return False
        elif not joined.isprintable():
            return False
        if all(map(_absolute, refs)):
            return True
        relative = ":" not in joined and not joined.startswith("/") and " /" not in joined
        if relative and self._shortcuts:
            return True
        pattern = _REFERENCES[self._shortcuts, fragments]
        return pattern.fullmatch(joined) is not None

    def _unsafe(self, link: str) -> UnsafeLinkError:
        page_scheme = _scheme_of(self._page_url)
        if self._allowed is _LOCAL_SCHEMES:
            rule = "a local index may link only its own files and http and https URLs"
        else:
            served = f"over {page_scheme}" if page_scheme in _REMOTE_SCHEMES else "by a server"
            rule = f"a page served {served} may link only http and https URLs"
        return UnsafeLinkError(redact_url(self._page_url), redact_url(link), rule)


def join_url(base: str, ref: str, page_url: str) -> str:
    """``urljoin`` that raises :class:`ParseError` (for ``page_url``), not ``ValueError``."""
    try:
        return urljoin(base, ref)
    except ValueError as exc:  # e.g. "Invalid IPv6 URL" from urlsplit
        raise ParseError(page_url, f"cannot resolve URL {ref!r}: {exc}") from None


def parse_hash_fragment(fragment: str) -> FrozenDict:
    """Hashes from a URL fragment such as ``sha256=ab12`` (PEP 503).

    Several ``&``-separated pairs are accepted, as pip does; parts that are not
    ``name=hex`` (``egg=...``, say) are ignored. Names are lower-cased.
    """
    if not fragment:
        return EMPTY_HASHES
    if "&" not in fragment:
        # The usual "sha256=<hex>": one match, and a dict nobody else holds.
        m = _HASH_PART.match(fragment)
        if m is None:
            return EMPTY_HASHES
        name, value = m.groups()
        return FrozenDict.adopt({name.lower(): value})
    found: dict[str, str] = {}
    for part in fragment.split("&"):
        m = _HASH_PART.match(part)
        if m is not None:
            found.setdefault(m.group(1).lower(), m.group(2))
    return FrozenDict.adopt(found) if found else EMPTY_HASHES


def last_segment(url: str, *, skip_index_file: bool = False) -> str:
    """The last non-empty, percent-decoded path segment of ``url`` ("" if none)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    segments = [s for s in path.split("/") if s]
    if skip_index_file and segments and segments[-1].lower() in _INDEX_FILES:
        segments.pop()
    return unquote(segments[-1]) if segments else ""


def project_name_from_url(url: str) -> NormalizedName | None:
    """The project a PEP 503 project URL (``.../<project>/``) is for, if any."""
    segment = last_segment(url, skip_index_file=True)
    return canonicalize_name(segment) if segment else None


def index_directory(url: str, page_url: str) -> str:
    """The URL project paths are relative to on an index page.

    PEP 503 index URLs end in '/'; one that does not is taken as the directory
    itself (``.../simple`` means ``.../simple/``) unless it names an index file.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ParseError(page_url, f"invalid page URL: {exc}") from None
    path = parts.path
    tail = path.rsplit("/", 1)[-1]
    if tail and tail.lower() not in _INDEX_FILES:
        path += "/"
    return join_url(parts._replace(path=path, query="", fragment="").geturl(), ".", page_url)


def project_url(directory: str, name: NormalizedName) -> str:
    """``<directory><name>/``, percent-encoding the name if it needs it (PEP 503)."""
    if _SAFE_NAME.match(name):
        return f"{directory}{name}/"
    return f"{directory}{quote(name, safe='')}/"


# PEP 700 asks for "yyyy-mm-ddThh:mm:ss.ffffffZ". datetime.fromisoformat reads that
# on 3.11+, but on 3.10 it accepts neither "Z" nor 1-5 fraction digits: this regex is
# the fallback so every supported Python reads the same strings.
_ISO_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?\Z",
    re.ASCII | re.IGNORECASE,
)


def parse_upload_time(value: str) -> datetime:
    """An ISO 8601 timestamp as an aware datetime; naive times are taken as UTC.

    Raises ``ValueError`` if ``value`` is not a timestamp.
    """
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _parse_iso_fallback(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _parse_iso_fallback(value: str) -> datetime:
    m = _ISO_TIME.match(value)
    if m is None:
        raise ValueError(f"not an ISO 8601 date and time: {value!r}")
    year, month, day, hour, minute, second, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    tz: timezone | None = None
    if zone is not None:
        if zone.upper() == "Z":
            tz = timezone.utc
        else:
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            tz = timezone(-offset if zone[0] == "-" else offset)
    return datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second or 0),
        micro,
        tzinfo=tz,
    )
