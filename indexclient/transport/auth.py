"""Credentials for HTTP Basic auth: from index URLs and from netrc, per origin.

Credentials written in an index URL (``https://user:token@host/simple/``) belong to
that URL's origin (scheme, host, port) and are sent there only. A netrc entry (the file
named by ``NETRC``, else ``~/.netrc``) belongs to its host. Nothing is ever sent to
another origin because a redirect went there; the caller asks again for each hop.

netrc is a file the user names: it is read as one (a regular file, at most
:data:`~indexclient.userfiles.MAX_NETRC_FILE` bytes, never blocking on a FIFO), and one
that cannot be used is ignored with a :class:`~indexclient.errors.ConfigurationWarning`
that names it but none of its contents (docs/security.md, "Files you name").
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import ipaddress
import netrc
import os
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from indexclient.errors import ConfigurationWarning
from indexclient.tls.hosts import DEFAULT_PORTS
from indexclient.urls import split_credentials
from indexclient.userfiles import MAX_NETRC_FILE, UnreadableFile, read_user_file

if TYPE_CHECKING:
    from yarl import URL

__all__ = ["Credentials", "Origin", "origin_of"]

#: ``(scheme, host, port)``: lower-case scheme and host (IDNA-encoded, IPv6 compressed,
#: no brackets), the port always set for http and https.
Origin = tuple[str, str, int | None]


def origin_of(url: str) -> Origin:
    """The origin of ``url``, by which credentials are looked up and cache entries record
    their hops. From the string, with urllib: a run answered from the cache never imports
    yarl. The same URL as the user wrote it and as yarl prints it gives the same origin.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "\t" in url or "\r" in url or "\n" in url:
        return _origin(url)  # urllib's own reading, which drops those characters
    # The authority ends where urllib ends it; a warm run asks for hundreds of URLs on
    # a handful of authorities, so each is parsed once.
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    return _authority_origin(scheme, rest[:end])


@functools.lru_cache(maxsize=64)
def _authority_origin(scheme: str, authority: str) -> Origin:
    return _origin(f"{scheme}://{authority}")


def _origin(url: str) -> Origin:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = DEFAULT_PORTS.get(scheme)
    if not host.isascii():
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")  # as it goes on the wire
    elif ":" in host:
        with contextlib.suppress(ValueError):
            host = ipaddress.IPv6Address(host).compressed
    return (scheme, host, port)


def _basic(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class _TextNetrc(netrc.netrc):
    """netrc parsed from text already read (netrc.netrc itself opens a path, which
    could block on a FIFO or read a device without end)."""

    def __init__(self, path: str, text: str) -> None:
        self.hosts = {}
        self.macros = {}
        # default_netrc=False: the ownership check is for a file netrc opened itself.
        self._parse(path, io.StringIO(text), False)  # type: ignore[attr-defined]


class Credentials:
    """Basic-auth headers by origin. ``environ`` locates netrc (``NETRC``, ``HOME``)."""

    __module__ = "indexclient"

    def __init__(self, urls: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> None:
        self._by_origin: dict[Origin, str] = {}
        self._environ = os.environ if environ is None else environ
        self._netrc: netrc.netrc | None = None
        self._netrc_loaded = False
        for url in urls:
            self.strip(url)

    def strip(self, url: str) -> str:
        """Remember the URL's credentials for its origin; the URL without them."""
        clean, pair = split_credentials(url)
        if pair is not None:
            self._by_origin.setdefault(origin_of(clean), _basic(*pair))
        return clean

    def header_for(self, url: URL) -> str | None:
        """The Authorization value for a request to ``url``, or None."""
        return self.for_origin(origin_of(str(url)))

    def for_origin(self, origin: Origin) -> str | None:
        """The Authorization value for a request to ``origin``, or None."""
        found = self._by_origin.get(origin)
        if found is not None:
            return found
        host = origin[1]
        entry = self._load_netrc()
        if entry is None or not host:
            return None
        auth = entry.authenticators(host)
        if auth is None:
            return None
        login, _account, password = auth
        return _basic(login or "", password or "")

    def for_hop(self, hop: Origin, first: Origin, given: str | None) -> str | None:
        """The Authorization value for one hop of a request whose first hop went to
        ``first``: the caller's own ``given`` value goes to that origin only; elsewhere,
        and when none was given, the credentials known for the hop's origin."""
        if given is not None and hop == first:
            return given
        return self.for_origin(hop)

    def _load_netrc(self) -> netrc.netrc | None:
        if self._netrc_loaded:
            return self._netrc
        self._netrc_loaded = True
        named = self._environ.get("NETRC")
        if named:
            path, label = named, f"NETRC={named} (environment)"
        else:
            home = self._environ.get("HOME") or os.path.expanduser("~")
            path = os.path.join(home, ".netrc")
            label = f"the netrc file {path}"
        if path == os.devnull:
            return None  # NETRC=/dev/null: the usual way to say "no netrc"
        try:
            data = read_user_file(path, limit=MAX_NETRC_FILE)
        except UnreadableFile as exc:
            if not exc.missing:
                # A broken netrc must not stop anonymous access; say why it is ignored.
                _warn(f"ignoring {label}: {exc.reason}")
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # every byte kept, as written
        try:
            self._netrc = _TextNetrc(path, text)
        except netrc.NetrcParseError as exc:
            # netrc's message quotes the token it did not expect, which may well be a
            # password (a forgotten "password" keyword): only the line is shown.
            _warn(f"ignoring {label}: it does not parse (line {exc.lineno})")
        return self._netrc


def _warn(message: str) -> None:
    warnings.warn(message, ConfigurationWarning, stacklevel=4)
