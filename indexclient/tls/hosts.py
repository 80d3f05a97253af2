"""Parsing and matching of ``allow-insecure-host`` entries.

An insecure host is one whose certificate is not verified. The entries come from
``--allow-insecure-host`` (alias ``--trusted-host``), the whitespace-separated
``UV_INSECURE_HOST`` environment variable and ``allow-insecure-host = [...]`` in
configuration files; the caller unions them into one :class:`InsecureHosts`, which the
connector asks once per new connection.

Entry syntax (surrounding whitespace is ignored)::

    example.com                  every scheme, every port
    example.com:8443             every scheme, port 8443 only
    https://example.com          https only, every port
    http://example.com:8080/x    http on port 8080 only; the path is ignored
    [::1]  [::1]:8443  ::1       IPv6; a bare literal only when the whole entry is one
    *                            every host, scheme and port

Matching is case-insensitive, ignores one trailing dot on either side, compares IPv6
addresses as addresses and compares ports with the URL's *effective* port (443 for
https, 80 for http when the URL names none). Internationalised names must be written
in their IDNA ``xn--`` form; a host that is not ASCII only matches ``*``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

from indexclient.urls import redact_url

__all__ = [
    "DEFAULT_PORTS",
    "InsecureHost",
    "InsecureHosts",
    "parse_insecure_host",
    "split_env_value",
]

#: The port a URL of each scheme uses when it names none.
DEFAULT_PORTS: Final[Mapping[str, int]] = MappingProxyType({"http": 80, "https": 443})

_WILDCARD = "*"
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_LABEL_RE = re.compile(r"[a-z0-9_-]+")
_MAX_LABEL = 63
_MAX_HOST = 253


def _effective_port(scheme: str, port: int | None) -> int | None:
    """``port``, or the default port of ``scheme`` (lower-case) when ``port`` is ``None``."""
    return DEFAULT_PORTS.get(scheme) if port is None else port


def _normalise_url_host(host: str) -> str | None:
    """Normalise a host taken from a URL the way entries are normalised.

    Returns ``None`` when the host cannot equal any normalised entry (empty, not ASCII,
    or an IPv6 literal that does not parse or carries a zone), so that only ``*``
    matches it.
    """
    if not host or not host.isascii():
        return None
    host = host.lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.endswith("."):
        host = host[:-1]
    if ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            return None
        if address.scope_id is not None:
            return None
        return str(address)
    return host or None


@dataclass(frozen=True, slots=True)
class InsecureHost:
    """One allow-insecure-host entry.

    Build it with :func:`parse_insecure_host`: :meth:`matches` relies on the fields
    being normalised.
    """

    __module__ = "indexclient"

    #: The entry as written.
    raw: str
    #: Where it came from, e.g. ``--allow-insecure-host`` or
    #: ``UV_INSECURE_HOST (environment)``.
    origin: str
    #: ``"http"`` or ``"https"``; ``None`` when the entry names no scheme.
    scheme: str | None
    #: Lower-case, no trailing dot, IPv6 without brackets in compressed form;
    #: ``"*"`` for the wildcard.
    host: str
    #: ``None`` when the entry names no port (every port matches).
    port: int | None

    @property
    def is_wildcard(self) -> bool:
        """Whether this entry is ``*`` (every host, scheme and port)."""
        return self.host == _WILDCARD

    @property
    def key(self) -> tuple[str | None, str, int | None]:
        """What makes two entries the same: ``(scheme, host, port)``."""
        return (self.scheme, self.host, self.port)

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        """Whether a connection to ``scheme://host:port`` is covered by this entry.

        ``host`` may be given with or without IPv6 brackets and in any case; ``port``
        ``None`` means the scheme's default port.
        """
        if self.is_wildcard:
            return True
        normalised = _normalise_url_host(host)
        if normalised != self.host:
            return False
        scheme = scheme.lower()
        return self._accepts(scheme, _effective_port(scheme, port))

    def _accepts(self, scheme: str, effective_port: int | None) -> bool:
        """Scheme and port check, for an already matched host (``scheme`` lower-case)."""
        if self.scheme is not None and self.scheme != scheme:
            return False
        return self.port is None or self.port == effective_port

    def __str__(self) -> str:
        """A canonical form for diagnostics, e.g. ``[::1]:8443`` or ``https://example.com``."""
        if self.is_wildcard:
            return _WILDCARD
        host = f"[{self.host}]" if ":" in self.host else self.host
        prefix = f"{self.scheme}://" if self.scheme is not None else ""
        suffix = f":{self.port}" if self.port is not None else ""
        return f"{prefix}{host}{suffix}"


class _EntryError(Exception):
    """Internal: why an entry is invalid; turned into a ValueError naming the entry."""


def _parse_port(text: str) -> int:
    if not text:
        raise _EntryError("missing port after ':'")
    if not (text.isascii() and text.isdigit()):
        raise _EntryError(f"port {text!r} is not a number between 1 and 65535")
    port = int(text)
    if not 1 <= port <= 65535:
        raise _EntryError(f"port {text!r} is not a number between 1 and 65535")
    return port


def _parse_ipv6(text: str) -> str:
    if "%" in text:
        raise _EntryError("IPv6 zone identifiers are not supported")
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        raise _EntryError(f"{text!r} is not a valid IPv6 address") from None


def _parse_hostname(text: str) -> str:
    if not text:
        raise _EntryError("missing host")
    if not text.isascii():
        raise _EntryError(
            "the host is not ASCII; write internationalised names in IDNA (xn--) form"
        )
    host = text.lower()
    if host.endswith("."):
        host = host[:-1]
    if len(host) > _MAX_HOST:
        raise _EntryError(f"the host is longer than {_MAX_HOST} characters")
    for label in host.split("."):
        if not label:
            raise _EntryError("the host has an empty label")
        if _WILDCARD in label:
            raise _EntryError("'*' is only allowed as the whole entry, meaning every host")
        if not _LABEL_RE.fullmatch(label):
            bad = next(c for c in label if not _LABEL_RE.fullmatch(c))
            raise _EntryError(f"invalid character {bad!r} in the host")
        if len(label) > _MAX_LABEL:
            raise _EntryError(f"the host has a label longer than {_MAX_LABEL} characters")
    return host


def _parse_authority(authority: str, bare_ipv6_allowed: bool) -> tuple[str, int | None]:
    """Split ``host[:port]`` / ``[v6][:port]`` into a normalised host and a port."""
    if not authority:
        raise _EntryError("missing host")
    if "@" in authority:
        raise _EntryError("user information ('user@') is not allowed")
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise _EntryError("unclosed '[' in IPv6 address")
        host = _parse_ipv6(authority[1:end])
        rest = authority[end + 1 :]
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise _EntryError(f"unexpected {rest!r} after ']'")
        return host, _parse_port(rest[1:])
    if authority.count(":") > 1:
        if bare_ipv6_allowed:
            try:
                return _parse_ipv6(authority), None
            except _EntryError:
                pass
        raise _EntryError("too many ':'; write IPv6 addresses in brackets, e.g. [::1]:8443")
    host, colon, port = authority.partition(":")
    return _parse_hostname(host), (_parse_port(port) if colon else None)


def _parse(entry: str) -> tuple[str | None, str, int | None]:
    text = entry.strip()
    if not text:
        raise _EntryError("the entry is empty")
    if any(c.isspace() for c in text):
        raise _EntryError("the entry contains whitespace")
    if text == _WILDCARD:
        return None, _WILDCARD, None
    scheme: str | None = None
    rest = text
    if "://" in text:
        written_scheme, _, rest = text.partition("://")
        if not written_scheme:
            raise _EntryError("missing scheme before '://'")
        if not _SCHEME_RE.fullmatch(written_scheme):
            raise _EntryError(f"invalid scheme {written_scheme!r}")
        scheme = written_scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise _EntryError(f"unsupported scheme {written_scheme!r}; use http or https")
    # Anything after the authority (a path, query or fragment) is ignored.
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host, port = _parse_authority(authority, bare_ipv6_allowed=scheme is None and authority == text)
    return scheme, host, port


def parse_insecure_host(entry: str, origin: str) -> InsecureHost:
    """Parse one allow-insecure-host entry.

    Raises :class:`ValueError` with a message naming the entry and why it is invalid.
    The message does not repeat ``origin``: callers report it next to the message
    (for example as a :class:`~indexclient.errors.ConfigProblem`).
    """
    try:
        if "@" in entry:
            # Checked before parsing: a password with a "/" would otherwise be read as a
            # host and port, and the port error would quote part of it.
            raise _EntryError("user information ('user@') is not allowed")
        scheme, host, port = _parse(entry)
    except _EntryError as exc:
        raise ValueError(
            f"invalid allow-insecure-host entry {redact_url(entry)!r}: {exc}"
        ) from None
    return InsecureHost(raw=entry, origin=origin, scheme=scheme, host=host, port=port)


def split_env_value(value: str) -> list[str]:
    """Split a ``UV_INSECURE_HOST`` value on any whitespace; an empty value gives ``[]``."""
    return value.split()


class InsecureHosts:
    """An immutable, hashable collection of entries; the connector asks it per connection.

    Entries are deduplicated by ``(scheme, host, port)``, keeping the first (and so its
    origin). Two collections are equal when they hold the same entries in the same
    order, i.e. when they answer every :meth:`match` identically.
    """

    __module__ = "indexclient"

    __slots__ = ("_by_host", "_entries", "_hash", "_wildcard")

    _entries: tuple[InsecureHost, ...]
    _by_host: dict[str, tuple[tuple[int, InsecureHost], ...]]
    _wildcard: tuple[int, InsecureHost] | None
    _hash: int

    def __init__(self, entries: Iterable[InsecureHost] = ()) -> None:
        unique: dict[tuple[str | None, str, int | None], InsecureHost] = {}
        for entry in entries:
            unique.setdefault(entry.key, entry)
        self._entries = tuple(unique.values())
        by_host: dict[str, list[tuple[int, InsecureHost]]] = {}
        self._wildcard = None
        for index, entry in enumerate(self._entries):
            if entry.is_wildcard:
                self._wildcard = (index, entry)  # only one survives deduplication
            else:
                by_host.setdefault(entry.host, []).append((index, entry))
        self._by_host = {host: tuple(found) for host, found in by_host.items()}
        self._hash = hash(self._entries)

    def match(self, scheme: str, host: str, port: int | None) -> InsecureHost | None:
        """The first entry covering ``scheme://host:port``, or ``None``.

        ``host`` may be given with or without IPv6 brackets; ``port`` ``None`` means
        the scheme's default port.
        """
        wildcard = self._wildcard
        normalised = _normalise_url_host(host)
        if normalised is not None:
            candidates = self._by_host.get(normalised)
            if candidates:
                scheme = scheme.lower()
                effective_port = _effective_port(scheme, port)
                for index, entry in candidates:
                    if wildcard is not None and wildcard[0] < index:
                        break
                    if entry._accepts(scheme, effective_port):
                        return entry
        return wildcard[1] if wildcard is not None else None

    def match_url(self, url: str) -> InsecureHost | None:
        """:meth:`match` for a URL string; ``None`` when it has no host or does not parse."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            return None
        if not host:
            return None
        return self.match(parts.scheme, host, port)

    def __iter__(self) -> Iterator[InsecureHost]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InsecureHosts):
            return NotImplemented
        return self._entries == other._entries

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"InsecureHosts([{', '.join(repr(str(e)) for e in self._entries)}])"
