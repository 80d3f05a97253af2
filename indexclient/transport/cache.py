"""An HTTP cache on disk for index pages and metadata files (RFC 9111, the parts we need).

* What is stored: 200 answers, and 404 and 410 ones (RFC 9111 4.2.2 names them
  heuristically cacheable), so that "not on this index" is remembered like a page and a
  warm run with several indexes asks none of them (docs/security.md, "The cache"). A
  404 or 410 is stored without its body, which nothing reads.
* Freshness: ``Cache-Control: max-age`` (``s-maxage`` is for shared caches: ignored),
  else ``Expires``, else the heuristic of RFC 9111 4.2.2 (10% of the time since
  ``Last-Modified``, at most a day), for every stored status alike. ``no-store``
  responses are not stored; ``no-cache`` ones are stored but always revalidated.
* Age (RFC 9111 4.2.3): an entry's age is the ``Age`` its response arrived with (the
  time it spent in caches on the way) plus the time since it was stored; it is fresh
  while that is below its lifetime, and a stale one is revalidated.
* Revalidation: a stale entry is asked for with ``If-None-Match`` / ``If-Modified-Since``;
  a 304 refreshes it and its body is used.
* ``Vary``: an entry records the request headers it varies on and only serves requests
  with the same values; ``Vary: *`` is not stored.
* Entries are rows of the cache's database (:mod:`indexclient.transport.store`), a head
  (the metadata below, with the entry's key and format) and a body, written in one
  transaction, so a reader in another process sees a whole entry or none. A warm run
  reads the head alone. An entry that fails its checks (a head that does not parse, a
  body that does not match its recorded length and sha256, a row holding another key,
  another format) is ignored, fetched again and rewritten.
* Offline: entries are served whatever their age; a missing one is an error.
* Trust and credential boundaries: every entry records how it was fetched, its
  :class:`FetchProfile`: over verified TLS, unverified TLS (allow-insecure-host) or plain
  http (the weakest over the redirect hops), and a keyed digest of the Authorization
  values sent (never the values). The HTTP client serves an entry, fresh or offline, only
  to a request that would be made the same way (docs/security.md, "The cache"). The
  digest is an HMAC whose key is a random file in the cache directory (mode 0600), so an
  entry cannot be used to test guesses of a password without that file too.

The answers computed from cached bodies (a choice from a page, a parsed metadata file)
are kept beside the entries by :class:`indexclient.memo.Memo`, in the same database
(:func:`open_store`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from indexclient.userfiles import UnreadableFile, read_user_file

if TYPE_CHECKING:
    from indexclient.transport.store import Store

__all__ = ["CacheEntry", "FetchProfile", "HttpCache", "open_store", "row_id", "stored_json"]

# The format of an entry's head. Version 2 records each entry's FetchProfile: entries of
# version 1 do not say how they were fetched, so they are treated as unknown and fetched
# again. Version 3 is a row of the database (head and body apart), holding its key.
_MAGIC = b"indexclient-cache-3\n"
_HEURISTIC_CAP = 24 * 3600.0
#: The statuses stored: a page, and "not here" (RFC 9111 4.2.2, heuristically cacheable).
STORED_STATUSES = frozenset({200, 404, 410})
#: The statuses stored without their body: an error page nobody reads.
_BODILESS = frozenset({404, 410})
#: The HMAC key for credential digests, beside the entries (see HttpCache.credential_digest).
KEY_FILE = "credentials.key"
_KEY_SIZE = 32
#: How an entry was fetched, weakest first.
MODES = ("http", "unverified", "verified")
# Only headers that matter to a reader of a cached page are kept. Bodies are stored
# decoded, so Content-Encoding is not among them.
_KEPT_HEADERS = (
    "content-type",
    "etag",
    "last-modified",
    "cache-control",
    "expires",
    "date",
    "vary",
    "age",
)


@functools.lru_cache(maxsize=256)
def _directives(cache_control: str | None) -> Mapping[str, str | None]:
    # Kept by value: a warm run reads thousands of entries with the same one or two
    # Cache-Control values. The mapping is shared: never changed by a caller.
    found: dict[str, str | None] = {}
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.lower()] = value.strip().strip('"') or None
    return found


# The json module's own scanner (its C one where there is one): json.loads around it
# detects the encoding, skips whitespace with regular expressions and builds a decoder on
# each call, which costs as much as scanning the few hundred bytes of a stored head.
_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def stored_json(data: bytes) -> object:
    """``json.loads(data)``, the same value or the same error, faster for what this
    cache and the memo store (an object of UTF-8 JSON with nothing around it): those
    are scanned directly, anything else is left to ``json.loads``."""
    if data[:1] == b"{" and data[1:2] != b"\x00":  # json.detect_encoding's UTF-8
        text = data.decode("utf-8", "surrogatepass")  # as json.loads decodes it
        try:
            value, end = _SCAN(text, 0)
        except (StopIteration, ValueError):
            end = -1
        if end == len(text):
            return value
    return json.loads(data)


def http_date(value: str | None) -> float | None:
    """An HTTP-date (Expires, Last-Modified, Retry-After) as a timestamp, or None.

    The email package parses it, loaded here on first use (a seam: most answers carry
    max-age and most retries delay-seconds, so a warm run never needs it).
    """
    if not value:
        return None
    import email.utils

    try:
        moment: float = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return moment


def _age_value(value: str | None) -> float:
    """An Age header's seconds; 0 when absent or invalid (RFC 9111 5.1: the first member
    of a list is used, anything but a non-negative integer is ignored)."""
    return _seconds((value or "").split(",")[0]) or 0.0


def _seconds(value: str | None) -> float | None:
    """delta-seconds (RFC 9111 1.2.2): ASCII digits only. str.isdigit alone accepts
    characters float() refuses ("\u00b2"), and a header is the server's to choose."""
    value = (value or "").strip()
    return float(value) if value.isascii() and value.isdigit() else None


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)

#: ``(scheme, host, port)`` of one hop (see indexclient.transport.auth.origin_of).
Origin = tuple[str, str, int | None]


@dataclass(frozen=True, slots=True)
class FetchProfile:
    """How a response was fetched: what decides whether it may answer another request.

    ``mode`` is ``"verified"`` (TLS, certificate verified), ``"unverified"`` (TLS to a host
    under allow-insecure-host) or ``"http"`` (plain), the weakest over the redirect hops;
    ``auth`` the keyed digest of the Authorization values sent to the hops (empty when
    none was sent); ``hops`` the origins (scheme, host, port) of the hops, in order.
    """

    __module__ = "indexclient"

    mode: str
    auth: str
    hops: tuple[Origin, ...]

    def same_way(self, other: FetchProfile) -> bool:
        """Whether a request made as ``other`` is made the way this one was."""
        return self.mode == other.mode and self.auth == other.auth

    def to_json(self) -> dict[str, object]:
        """The form stored in an entry."""
        return {"mode": self.mode, "auth": self.auth, "hops": [list(h) for h in self.hops]}

    @classmethod
    def from_json(cls, data: object) -> FetchProfile | None:
        """The profile stored in an entry, or None when it is not one."""
        if not isinstance(data, dict):
            return None
        mode, auth, hops = data.get("mode"), data.get("auth"), data.get("hops")
        if mode not in MODES or not isinstance(auth, str) or not isinstance(hops, list):
            return None
        origins: list[Origin] = []
        for hop in hops:
            if not (isinstance(hop, list) and len(hop) == 3):
                return None
            scheme, host, port = hop
            if not (isinstance(scheme, str) and isinstance(host, str)):
                return None
            if port is not None and not (isinstance(port, int) and not isinstance(port, bool)):
                return None
            origins.append((scheme, host, port))
        return cls(str(mode), auth, tuple(origins)) if origins else None


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A stored response: final URL, status, the kept headers, body, and when stored.

    ``digest`` is the body's sha256 (hex), checked when the entry is read; ``profile``
    how the response was fetched (None when nobody said: such an entry answers nothing).
    """

    __module__ = "indexclient"

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    stored_at: float
    vary: dict[str, str]
    digest: str = ""
    profile: FetchProfile | None = None

    def freshness_lifetime(self) -> float:
        """How long the entry is fresh for, in seconds (0 when it must be revalidated).

        The same rules for a 404 or 410 as for a page. Without max-age or Expires the
        lifetime is RFC 9111's heuristic from Last-Modified, which a 404 seldom has: it
        is then 0, so "not on this index" is asked again on the next run, unless
        offline. A longer guess would be allowed (4.2.2), but a project published on
        the first index would then go on coming from a later one for that long, the
        dependency-confusion window; a server that wants its 404 kept says so.
        """
        directives = _directives(self.headers.get("cache-control"))
        if "no-cache" in directives:
            return 0.0
        max_age = directives.get("max-age")
        if max_age is not None:
            return _seconds(max_age) or 0.0
        expires = http_date(self.headers.get("expires"))
        date = http_date(self.headers.get("date")) or self.stored_at
        if expires is not None:
            return max(0.0, expires - date)
        modified = http_date(self.headers.get("last-modified"))
        if modified is not None:
            return min(_HEURISTIC_CAP, max(0.0, (date - modified) / 10))
        return 0.0

    def age(self, now: float | None = None) -> float:
        """The entry's current age in seconds (RFC 9111 4.2.3): the Age it arrived with
        plus the time since it was stored. The apparent age from Date is left out: it
        measures the server's clock against this one, and a skewed clock would make
        fresh entries stale (or stale ones fresh)."""
        resident = (time.time() if now is None else now) - self.stored_at
        return _age_value(self.headers.get("age")) + max(0.0, resident)

    def is_fresh(self, now: float | None = None) -> bool:
        """Whether the entry may be used without asking the server."""
        return self.age(now) < self.freshness_lifetime()

    def validators(self) -> dict[str, str]:
        """Conditional request headers that ask the server whether this is current."""
        headers = {}
        if etag := self.headers.get("etag"):
            headers["If-None-Match"] = etag
        if modified := self.headers.get("last-modified"):
            headers["If-Modified-Since"] = modified
        return headers


def open_store(directory: str) -> Store:
    """The cache database of ``directory``, shared in this process by the HttpCache and
    the Memo there (:mod:`indexclient.transport.store`; nothing is opened until it is
    used). The store's module, and sqlite3, are loaded here, on first use: a run without
    a cache, or that never reaches it, loads neither."""
    from indexclient.transport.store import shared

    return shared(directory)


@functools.lru_cache(maxsize=1024)
def row_id(text: str) -> int:
    """The database row of ``text`` (the key of a cached request or of a remembered
    answer): the first 8 bytes of its sha256, as SQLite's signed 64-bit rowid. The row
    holds ``text`` too, which its reader checks: a collision is only no answer. Kept
    for the last keys: a warm run reads its rows ahead in batches, then each again."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


class HttpCache:
    """Cache entries in the database in ``directory``, one per URL and variant."""

    __module__ = "indexclient"

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._root = os.fspath(self.directory)
        self._store: Store | None = None  # opened on first use
        self._key: bytes | None = None
        # Every answer from one index carries the same credentials: digested once.
        self._digests: dict[tuple[str | None, ...], str] = {}

    def credential_digest(self, values: Sequence[str | None]) -> str:
        """A keyed digest of the Authorization ``values`` sent to a request's hops (None
        for a hop sent none), or ``""`` when none was sent at all.

        HMAC-SHA256 under this directory's key: equal credentials give equal digests
        here, and nothing a cache file holds lets anyone test guesses of a password
        offline. The key is read (or made) only when there are credentials.
        """
        if not any(values):
            return ""
        known = tuple(values)
        digest = self._digests.get(known)
        if digest is None:
            key = self._key or self._load_key()
            # One line per hop: a header value never holds a line break.
            message = "\n".join(value or "" for value in known).encode()
            digest = self._digests[known] = hmac.digest(key, message, "sha256").hex()
        return digest

    def _load_key(self) -> bytes:
        path = os.path.join(self._root, KEY_FILE)
        try:
            key = read_user_file(path, limit=_KEY_SIZE)
        except UnreadableFile:
            key = b""
        if len(key) != _KEY_SIZE:
            key = _new_key(path)
        self._key = key
        return key

    @staticmethod
    def storable(status: int, headers: Mapping[str, str]) -> bool:
        """Whether a response may be stored at all: a 200, 404 or 410 without
        ``no-store`` or ``Vary: *``."""
        directives = _directives(headers.get("Cache-Control"))
        vary = headers.get("Vary", "")
        return status in STORED_STATUSES and "no-store" not in directives and vary.strip() != "*"

    def _db(self) -> Store:
        store = self._store
        if store is None:
            store = self._store = open_store(self._root)
        return store

    @staticmethod
    def _request_key(url: str, request_headers: Mapping[str, str]) -> str:
        # The key covers the Accept header, which every page request varies on; other
        # Vary headers are checked against the stored values when the entry is read.
        return f"GET {url}\n{request_headers.get('Accept', '')}"

    def get(self, url: str, request_headers: Mapping[str, str]) -> CacheEntry | None:
        """The stored entry for this request, or None (absent, corrupt, other variant)."""
        return self._read(url, request_headers, body=True)

    def head(self, url: str, request_headers: Mapping[str, str]) -> CacheEntry | None:
        """The stored entry without its body (``body`` is empty and not checked; ``digest``
        is the one recorded): enough to look up answers remembered for that digest
        without reading, hashing or parsing a page of megabytes."""
        return self._read(url, request_headers, body=False)

    def read_ahead(self, urls: Sequence[str], request_headers: Mapping[str, str]) -> None:
        """Read the stored heads of requests for ``urls`` (without credentials) now, in
        a batch, for :meth:`head` to give in this event loop iteration: what it gives is
        the same either way (see :meth:`Store.read_ahead_heads`)."""
        if urls:
            rows = [row_id(self._request_key(url, request_headers)) for url in urls]
            self._db().read_ahead_heads(rows)

    def _read(
        self, url: str, request_headers: Mapping[str, str], *, body: bool
    ) -> CacheEntry | None:
        key = self._request_key(url, request_headers)
        if body:
            found = self._db().entry(row_id(key))
            if found is None:
                return None
            return self._checked(self._decode(key, *found), request_headers)
        head = self._db().head(row_id(key))
        if head is None:
            return None
        return self._checked(self._decode(key, head, None), request_headers)

    @staticmethod
    def _checked(entry: CacheEntry | None, request_headers: Mapping[str, str]) -> CacheEntry | None:
        """``entry`` if it answers a request with these headers (its Vary values)."""
        if entry is None or not entry.vary:
            return entry
        for name, value in entry.vary.items():
            sent = ""
            for header, given in request_headers.items():
                if header.lower() == name:
                    sent = given  # the last of several spellings, as a lowered dict keeps
            if sent != value:
                return None
        return entry

    def put(
        self,
        url: str,
        request_headers: Mapping[str, str],
        *,
        final_url: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        profile: FetchProfile | None = None,
    ) -> CacheEntry | None:
        """Store a response (if storable) fetched as ``profile``; returns the entry written."""
        if not self.storable(status, headers):
            return None
        kept = {k.lower(): v for k, v in headers.items() if k.lower() in _KEPT_HEADERS}
        lowered = {k.lower(): v for k, v in request_headers.items()}
        if status in _BODILESS:
            body = b""
        vary_names = [v.strip().lower() for v in kept.get("vary", "").split(",") if v.strip()]
        entry = CacheEntry(
            url=final_url,
            status=status,
            headers=kept,
            body=body,
            stored_at=time.time(),
            vary={name: lowered.get(name, "") for name in vary_names},
            digest=hashlib.sha256(body).hexdigest(),
            profile=profile,
        )
        self._write(self._request_key(url, request_headers), entry)
        return entry

    def refresh(
        self,
        url: str,
        request_headers: Mapping[str, str],
        entry: CacheEntry,
        headers: Mapping[str, str],
        profile: FetchProfile | None = None,
    ) -> CacheEntry:
        """After a 304: the entry with the new headers, a new storage time, and the profile
        of the request the server answered (``None``: the entry's own)."""
        # The entry's age starts again with the answer that validated it: an Age stored
        # with the first answer would make it look older than it is (RFC 9111 4.2.3).
        updated = {k: v for k, v in entry.headers.items() if k != "age"}
        updated.update({k.lower(): v for k, v in headers.items() if k.lower() in _KEPT_HEADERS})
        fresh = CacheEntry(
            entry.url,
            entry.status,
            updated,
            entry.body,
            time.time(),
            entry.vary,
            entry.digest,
            entry.profile if profile is None else profile,
        )
        self._write(self._request_key(url, request_headers), fresh)
        return fresh

    @staticmethod
    def _decode(key: str, head: bytes, body: bytes | None) -> CacheEntry | None:
        """The entry stored as ``head`` and ``body`` (None: read without its body, which
        is then neither returned nor checked) for ``key``; None when they are not one."""
        if not head.startswith(_MAGIC):
            return None
        try:
            meta = stored_json(head[len(_MAGIC) :])
            # A row answers only its own key (another's, after a collision or damage).
            if not isinstance(meta, dict) or meta.get("key") != key:
                return None
            digest = meta["sha256"]
            if not (isinstance(digest, str) and len(digest) == 64):
                return None
            if body is None:
                content = b""
            elif meta.get("length") != len(body) or hashlib.sha256(body).hexdigest() != digest:
                return None
            else:
                content = body
            return CacheEntry(
                url=str(meta["url"]),
                status=int(meta["status"]),
                headers={str(k): str(v) for k, v in meta["headers"].items()},
                body=content,
                stored_at=float(meta["stored_at"]),
                vary={str(k): str(v) for k, v in meta["vary"].items()},
                digest=digest,
                profile=FetchProfile.from_json(meta.get("profile")),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def _write(self, key: str, entry: CacheEntry) -> None:
        meta = {
            "key": key,
            "url": entry.url,
            "status": entry.status,
            "headers": entry.headers,
            "stored_at": entry.stored_at,
            "vary": entry.vary,
            "length": len(entry.body),
            "sha256": entry.digest or hashlib.sha256(entry.body).hexdigest(),
            "profile": entry.profile.to_json() if entry.profile else None,
        }
        head = _MAGIC + json.dumps(meta, separators=(",", ":")).encode()
        self._db().put_entry(row_id(key), head, entry.body)


def _new_key(path: str) -> bytes:
    """A new random key, stored at ``path`` (mode 0600) unless another process stored
    one first, whose key is then used. When none can be stored the key lives for this
    process only: entries with credentials then never match in a later run, and are
    revalidated, which is slower but never wrong."""
    key = os.urandom(_KEY_SIZE)
    try:
        fd, temp = _new_temporary(path)
    except OSError:
        return key
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        try:
            os.link(temp, path)  # never replaces: the first key stored wins
        except FileExistsError:
            try:
                found = read_user_file(path, limit=_KEY_SIZE)
            except UnreadableFile:
                found = b""
            if len(found) == _KEY_SIZE:
                return found
            os.replace(temp, path)  # a damaged key: entries under it are revalidated
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    return key


def _new_temporary(path: str) -> tuple[int, str]:
    """A new file beside ``path``, mode 0600, named at random: tempfile's own machinery
    is more than a warm run should import."""
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    while True:
        temp = os.path.join(parent, f".tmp-{os.urandom(6).hex()}{os.path.splitext(path)[1]}")
        try:
            return os.open(temp, _TEMP_FLAGS, 0o600), temp
        except FileExistsError:
            continue
