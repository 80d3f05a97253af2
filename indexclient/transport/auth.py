"""Credentials for HTTP Basic auth: from index URLs and from netrc, per origin.

Credentials written in an index URL (``https://user:token@host/simple/``) belong to
that URL's origin (scheme, host, port) and are sent there only. A netrc entry (the file
named by ``NETRC``, else ``~/.netrc``) belongs to its host. Nothing is ever sent to
another origin because a redirect went there; the caller asks again for each hop.
"""

from __future__ import annotations

import base64
import netrc
import os
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from indexclient.errors import ConfigurationWarning
from indexclient.urls import split_credentials

if TYPE_CHECKING:
    from yarl import URL

__all__ = ["Credentials"]

Origin = tuple[str, str, int | None]


def _origin(url: URL) -> Origin:
    return (url.scheme, (url.host or "").lower(), url.port)


def _basic(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class Credentials:
    """Basic-auth headers by origin. ``environ`` locates netrc (``NETRC``, ``HOME``)."""

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
            # yarl normalises the origin as the requests will (default port, IDNA);
            # imported here because a run served from the cache never needs it.
            from yarl import URL

            self._by_origin.setdefault(_origin(URL(clean)), _basic(*pair))
        return clean

    def header_for(self, url: URL) -> str | None:
        """The Authorization value for a request to ``url``, or None."""
        found = self._by_origin.get(_origin(url))
        if found is not None:
            return found
        entry = self._load_netrc()
        if entry is None or not url.host:
            return None
        auth = entry.authenticators(url.host)
        if auth is None:
            return None
        login, _account, password = auth
        return _basic(login or "", password or "")

    def _load_netrc(self) -> netrc.netrc | None:
        if self._netrc_loaded:
            return self._netrc
        self._netrc_loaded = True
        path = self._environ.get("NETRC") or os.path.join(
            self._environ.get("HOME", os.path.expanduser("~")), ".netrc"
        )
        if not os.path.isfile(path):
            return None
        try:
            self._netrc = netrc.netrc(path)
        except (netrc.NetrcParseError, OSError) as exc:
            # A broken netrc must not stop anonymous access; say why it is ignored.
            warnings.warn(f"ignoring {path}: {exc}", ConfigurationWarning, stacklevel=2)
        return self._netrc
