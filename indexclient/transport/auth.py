"""Credentials for HTTP Basic auth, found where uv finds them and in its order.

For a request, the sources are (docs/security.md, "Secrets"):

1. **the URL**: userinfo written in an index URL, for the requests under that index
   (its URL, or its root: the URL without a last ``simple`` segment, as uv takes it),
   else userinfo in any URL asked for, for that URL's origin;
2. **UV_INDEX_<NAME>_USERNAME / _PASSWORD**, for a named index whose URL holds no
   userinfo (the name upper-cased, every other character than a letter or digit
   ``_``, as uv writes it); either may be set alone;
3. **netrc** (``NETRC``, else ``~/.netrc``): the entry for the host (or ``default``),
   whose login must be the user name when one is known;
4. **a keyring** (``keyring-provider = "subprocess"``), asked only with a user name
   from 1 or 2, or for an index with ``authenticate = "always"`` (see
   :mod:`~indexclient.transport.keyring` for the command and its arguments).

The first two are sent with the first request. The other two are looked for only when
the server refuses a request made without a password (401, 403, or 404: uv's statuses),
and the request is then made again with what they gave (:meth:`Credentials.late`); or
before the first request, for an index with ``authenticate = "always"``, which then
fails when none are found. ``authenticate = "never"`` looks for none: only credentials
written in the index URL itself are sent, with its pages, as uv does. Credentials a server accepted
(an answer below 400) are reused for their origin (scheme, host, port) for the rest of
the process; they are never written anywhere, and never sent to another origin.

netrc is a file the user names: it is read as one (a regular file, at most
:data:`~indexclient.userfiles.MAX_NETRC_FILE` bytes, never blocking on a FIFO), and one
that cannot be used is ignored with a :class:`~indexclient.errors.ConfigurationWarning`
that names it but none of its contents (docs/security.md, "Files you name").
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import io
import ipaddress
import netrc
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from indexclient.errors import ConfigurationWarning
from indexclient.tls.hosts import DEFAULT_PORTS
from indexclient.urls import split_credentials
from indexclient.userfiles import MAX_NETRC_FILE, UnreadableFile, read_user_file

if TYPE_CHECKING:
    from yarl import URL

    from indexclient.settings.values import IndexSpec

__all__ = ["LATE_STATUSES", "AuthAttempt", "BasicAuth", "Credentials", "Origin", "origin_of"]

#: ``(scheme, host, port)``: lower-case scheme and host (IDNA-encoded, IPv6 compressed,
#: no brackets), the port always set for http and https.
Origin = tuple[str, str, int | None]

#: The statuses after which a request made without a password is made again with the
#: credentials netrc or a keyring give (uv's: its auth middleware retries on these).
LATE_STATUSES = frozenset({401, 403, 404})
#: Seconds a keyring lookup may take (see indexclient.transport.keyring.KEYRING_TIMEOUT).
DEFAULT_KEYRING_TIMEOUT = 60.0


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
    return _authority_origin(scheme, rest[: _authority_end(rest)])


def _authority_end(rest: str) -> int:
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    return end


def _path(url: str) -> str:
    """The path of ``url`` (after the authority, before any query), ``/`` when empty."""
    rest = url.partition("://")[2]
    tail = rest[_authority_end(rest) :]
    path = tail.split("?", 1)[0].split("#", 1)[0]
    return path or "/"


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


def env_name(index_name: str) -> str:
    """``UV_INDEX_<NAME>`` of a named index, as uv spells it: upper-case ASCII letters
    and digits, every other character ``_`` (``my-index`` is ``UV_INDEX_MY_INDEX``)."""
    mangled = "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in index_name)
    return f"UV_INDEX_{mangled}"


@dataclass(frozen=True, slots=True, repr=False)
class BasicAuth:
    """A user name and password for Basic auth, and the source that gave them.

    ``password`` is None when only a user name is known (a URL ``https://user@host/``):
    such credentials are sent as they are, and a password is looked for when the
    server refuses them. ``identity`` is what the cache's keyed digest records instead
    of the Authorization value, for credentials a warm run cannot know without asking
    (a keyring's: the lookup that gave them). The repr shows the source only.
    """

    __module__ = "indexclient"

    username: str
    password: str | None
    source: str
    identity: str | None = None

    @property
    def header(self) -> str:
        """The Authorization value."""
        token = base64.b64encode(f"{self.username}:{self.password or ''}".encode())
        return f"Basic {token.decode('ascii')}"

    @property
    def complete(self) -> bool:
        """Whether there is a password (possibly empty)."""
        return self.password is not None

    @property
    def recorded(self) -> str:
        """What the cache digests for these credentials (docs/security.md, "The cache")."""
        return self.identity or self.header

    def __repr__(self) -> str:
        return f"<credentials from {self.source}>"


def _from_url(pair: tuple[str, str] | None, source: str = "URL") -> BasicAuth | None:
    """Credentials from a URL's userinfo; an empty password is none, as uv reads it."""
    if pair is None:
        return None
    user, password = pair
    return BasicAuth(user, password or None, source)


@dataclass(frozen=True, slots=True, repr=False)
class _Index:
    """What a configured index says about credentials for the requests under it."""

    url: str  # without userinfo, as written: the keyring's service
    origin: Origin
    prefixes: tuple[str, ...]
    policy: str
    name: str | None
    from_url: BasicAuth | None
    from_env: BasicAuth | None
    env: str | None  # "UV_INDEX_<NAME>_USERNAME/PASSWORD"

    @property
    def given(self) -> BasicAuth | None:
        """The URL's credentials, else the environment's (uv: the request's own
        userinfo comes first)."""
        return self.from_url or self.from_env


def _is_path_prefix(prefix: str, path: str) -> bool:
    """uv's rule: ``prefix`` is a whole-segment prefix of ``path`` (``/simple`` is one of
    ``/simple/x`` but not of ``/simpler``)."""
    if prefix == path:
        return True
    if not path.startswith(prefix):
        return False
    return prefix.endswith("/") or path[len(prefix)] == "/"


def _prefixes(clean: str) -> tuple[str, ...]:
    """The index URL's path and its root (without a last ``simple`` or ``+simple``
    segment, devpi's), under which requests are the index's (uv's ``root_url``)."""
    path = _path(clean)
    segments = path.rstrip("/").split("/")
    if segments[-1].lower() in ("simple", "+simple"):
        return (path, "/".join(segments[:-1]) or "/")
    return (path,)


@dataclass(frozen=True, slots=True, repr=False)
class AuthAttempt:
    """How a request (one hop) is made: the credentials sent, the index it is under and
    that index's ``authenticate`` policy. ``given`` is the caller's own Authorization
    value, which goes unchanged. The repr shows no credential."""

    __module__ = "indexclient"

    url: str
    origin: Origin
    sent: BasicAuth | None
    index: _Index | None = None
    policy: str = "auto"
    given: str | None = None

    @property
    def header(self) -> str | None:
        """The Authorization value sent, or None."""
        if self.given is not None:
            return self.given
        return None if self.sent is None else self.sent.header

    @property
    def recorded(self) -> str | None:
        """What the cache records for it (see :attr:`BasicAuth.recorded`)."""
        if self.given is not None:
            return self.given
        return None if self.sent is None else self.sent.recorded

    @property
    def username(self) -> str | None:
        """The user name a later lookup must match, when one is known."""
        return self.sent.username if self.sent is not None and self.sent.username else None

    @property
    def may_look_late(self) -> bool:
        """Whether credentials may be looked for (netrc, keyring) for this request: not
        when it has a password already, nor under ``authenticate = "never"``."""
        return (
            self.policy != "never"
            and self.given is None
            and (self.sent is None or not self.sent.complete)
        )

    @property
    def looks_first(self) -> bool:
        """Whether they are looked for before the request (``authenticate = "always"``)."""
        return self.policy == "always" and self.may_look_late

    @property
    def key(self) -> tuple[str, str]:
        """What a lookup is done once for: the index (else the origin) and user name."""
        where = self.index.url if self.index is not None else "{}://{}:{}".format(*self.origin)
        return (where, self.username or "")

    @property
    def service(self) -> str:
        """The keyring's first service: the index URL, else the URL asked for."""
        return self.index.url if self.index is not None else self.url


class _TextNetrc(netrc.netrc):
    """netrc parsed from text already read (netrc.netrc itself opens a path, which
    could block on a FIFO or read a device without end)."""

    def __init__(self, path: str, text: str) -> None:
        self.hosts = {}
        self.macros = {}
        # default_netrc=False: the ownership check is for a file netrc opened itself.
        self._parse(path, io.StringIO(text), False)  # type: ignore[attr-defined]


class Credentials:
    """Basic-auth credentials for requests, found as uv finds them (see the module).

    ``indexes`` are the configured indexes (their URLs' userinfo, names and
    ``authenticate`` policies); ``urls`` more URLs whose userinfo counts for their
    origin. ``environ`` gives ``UV_INDEX_<NAME>_USERNAME``/``_PASSWORD``, ``NETRC``,
    ``HOME`` and, for the keyring command, ``PATH`` (default: ``os.environ``).
    ``keyring`` is uv's ``keyring-provider``: ``"subprocess"`` asks the ``keyring``
    command, ``"disabled"`` or None none; each lookup may take ``keyring_timeout``
    seconds at most.
    """

    __module__ = "indexclient"

    def __init__(
        self,
        urls: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        *,
        indexes: Iterable[IndexSpec] = (),
        keyring: str | None = None,
        keyring_timeout: float = DEFAULT_KEYRING_TIMEOUT,
    ) -> None:
        if keyring not in (None, "disabled", "subprocess"):
            raise ValueError(f"keyring must be 'subprocess', 'disabled' or None, not {keyring!r}")
        self.keyring = keyring or "disabled"
        self.keyring_timeout = keyring_timeout
        self._environ = os.environ if environ is None else environ
        self._by_origin: dict[Origin, BasicAuth] = {}
        self._indexes: dict[Origin, list[_Index]] = {}
        self._proven: dict[Origin, BasicAuth] = {}
        self._found: dict[tuple[str, str], BasicAuth | None] = {}
        self._notes: dict[tuple[str, str], str] = {}
        self._pending: dict[tuple[str, str], asyncio.Task[BasicAuth | None]] = {}
        self._netrc: netrc.netrc | None = None
        self._netrc_loaded = False
        self._netrc_label = ""
        self._netrc_problem = ""
        # Answers computed from this object's state (see :meth:`derived`), dropped by
        # every change to it.
        self._derived: dict[object, object] = {}
        for spec in indexes:
            self.add_index(spec)
        for url in urls:
            self.strip(url)

    # ------------------------------------------------------------------ configuration

    def add_index(self, spec: IndexSpec) -> None:
        """Take ``spec``'s credentials and policy for the requests under its URL (the
        first index of a URL counts; local ones have none)."""
        clean, pair = split_credentials(spec.url)
        if clean[:7].lower() != "http://" and clean[:8].lower() != "https://":
            return
        origin = origin_of(clean)
        known = self._indexes.setdefault(origin, [])
        if any(index.url == clean for index in known):
            return
        env = from_env = None
        if spec.name:
            prefix = env_name(spec.name)
            env = f"{prefix}_USERNAME/PASSWORD"
            user = self._environ.get(f"{prefix}_USERNAME")
            password = self._environ.get(f"{prefix}_PASSWORD")
            if user is not None or password is not None:
                from_env = BasicAuth(user or "", password, env)
        index = _Index(
            clean,
            origin,
            _prefixes(clean),
            spec.authenticate,
            spec.name,
            _from_url(pair),
            from_env,
            env,
        )
        known.append(index)
        self._changed()
        # As in uv, an index's credentials count for its whole origin too (uv's realm),
        # unless the index may send none.
        if index.policy != "never" and index.given is not None:
            self._by_origin.setdefault(origin, index.given)

    def strip(self, url: str) -> str:
        """Remember the URL's credentials for its origin; the URL without them."""
        clean, pair = split_credentials(url)
        if pair is not None:
            origin = origin_of(clean)
            index = self._index_for(origin, _path(clean))
            if (index is None or index.policy != "never") and origin not in self._by_origin:
                self._by_origin[origin] = BasicAuth(pair[0], pair[1] or None, "URL")
                self._changed()
        return clean

    # ------------------------------------------------------------------ derived answers

    def _changed(self) -> None:
        """Called by every change to what :meth:`attempt` and the lookups after a
        refusal answer (indexes, URL credentials, proven ones, lookups done)."""
        self._derived.clear()

    def derived(self) -> dict[object, object]:
        """A dict for answers computed from this object's state alone (with the other
        inputs in their keys): emptied whenever that state changes, so an answer kept
        in it is the one computing it again would give. A warm run asks how each of
        thousands of cached answers would be fetched now, on a handful of origins
        (:func:`indexclient.transport.profile.expected_profile`)."""
        return self._derived

    def scope(self, url: str, origin: Origin) -> object:
        """What, besides ``origin`` (``url``'s) and this object's state, decides how
        a request for ``url`` is made (:meth:`attempt`): the index it is under (for
        ``authenticate = "never"``, also whether it is under the index's own URL), or
        the URL itself when it is under none (a keyring is then asked for it)."""
        path = _path(url)
        index = self._index_for(origin, path)
        if index is None:
            return url
        if index.policy == "never":
            return (id(index), _is_path_prefix(index.prefixes[0], path))
        return id(index)

    # ------------------------------------------------------------------ the first request

    def _index_for(self, origin: Origin, path: str) -> _Index | None:
        """The index a request is under: the longest matching prefix, on its origin."""
        best, length = None, -1
        for index in self._indexes.get(origin, ()):
            for prefix in index.prefixes:
                if len(prefix) > length and _is_path_prefix(prefix, path):
                    best, length = index, len(prefix)
        return best

    def attempt(
        self, url: str, first: Origin | None = None, given: str | None = None
    ) -> AuthAttempt:
        """How a request for ``url`` (without userinfo) is first made: the caller's
        ``given`` Authorization to the request's ``first`` origin; else the URL's or
        the environment's credentials, or those accepted earlier for the origin."""
        origin = origin_of(url)
        if given is not None and (first is None or origin == first):
            return AuthAttempt(url, origin, None, given=given)
        index = self._index_for(origin, _path(url))
        if index is not None and index.policy == "never":
            # uv looks for nothing, and sends only what the index URL itself holds, with
            # the requests built from that URL (its pages: reqwest sends a URL's
            # userinfo); a file the page links to, elsewhere on the host, gets none.
            own = _is_path_prefix(index.prefixes[0], _path(url))
            return AuthAttempt(url, origin, index.from_url if own else None, index, "never")
        sent = index.given if index is not None else None
        sent = sent or self._by_origin.get(origin)
        proven = self._proven.get(origin)
        if proven is not None and (
            sent is None or (not sent.complete and sent.username == proven.username)
        ):
            sent = proven
        return AuthAttempt(url, origin, sent, index, index.policy if index is not None else "auto")

    def _hop_attempt(
        self, hop: Origin, first: Origin, given: str | None, url: str | None
    ) -> AuthAttempt:
        """The attempt for a hop known by its origin only (a cache entry records no
        more): ``url``'s when the hop is on the first origin, else the origin's own."""
        if given is not None and hop == first:
            return AuthAttempt("", hop, None, given=given)
        if url is not None and hop == first:
            return self.attempt(url)
        sent = self._proven.get(hop) or self._by_origin.get(hop)
        return AuthAttempt("{}://{}:{}".format(*hop), hop, sent)

    def for_hop(
        self, hop: Origin, first: Origin, given: str | None, url: str | None = None
    ) -> str | None:
        """What the cache records for the credentials of a hop made now as a first
        request would be made (see :meth:`late_for_hop` for the other way)."""
        return self._hop_attempt(hop, first, given, url).recorded

    def late_for_hop(
        self, hop: Origin, first: Origin, given: str | None, url: str | None = None
    ) -> str | None:
        """The same, for a hop that the server refused until it got what netrc or a
        keyring give: what those would give now, known without asking anyone (a
        keyring's credentials by the lookup that gives them)."""
        attempt = self._hop_attempt(hop, first, given, url)
        if attempt.may_look_late:
            found = self._predict(attempt)
            if found is not None:
                return found.recorded
        return attempt.recorded

    def header_for(self, url: URL) -> str | None:
        """The Authorization value a first request to ``url`` is sent with, or None."""
        return self.attempt(str(url)).header

    def for_origin(self, origin: Origin) -> str | None:
        """The Authorization value held for ``origin`` without asking anyone: a URL's,
        else netrc's entry for its host (which is sent only when a server asks)."""
        found = self._by_origin.get(origin)
        if found is not None:
            return found.header
        entry = self._netrc_entry(origin[1], None)
        return None if entry is None else entry.header

    # ------------------------------------------------------------------ after a refusal

    def prove(self, origin: Origin, found: BasicAuth) -> None:
        """``found`` was accepted by ``origin``: it is sent there from now on."""
        self._proven[origin] = found
        self._changed()

    def _proven_for(self, attempt: AuthAttempt) -> BasicAuth | None:
        proven = self._proven.get(attempt.origin)
        if proven is None or (attempt.username and proven.username != attempt.username):
            return None
        return None if attempt.sent is not None and proven.header == attempt.sent.header else proven

    def _predict(self, attempt: AuthAttempt) -> BasicAuth | None:
        """What :meth:`late` would give, without running anything."""
        found = self._proven_for(attempt)
        if found is not None:
            return found
        if attempt.key in self._found:
            return self._found[attempt.key]
        found = self._netrc_entry(attempt.origin[1], attempt.username)
        if found is None and self._keyring_applies(attempt):
            found = BasicAuth(attempt.username or "", None, "keyring", _identity(attempt))
        return found

    def _keyring_applies(self, attempt: AuthAttempt) -> bool:
        """uv's rule: the keyring is asked with a user name, or without one for an
        index with ``authenticate = "always"``."""
        return self.keyring == "subprocess" and (
            attempt.username is not None
            or (attempt.policy == "always" and attempt.index is not None)
        )

    async def late(self, attempt: AuthAttempt, end: float | None = None) -> BasicAuth | None:
        """Credentials for a request made as ``attempt`` that the server refused (or,
        ``authenticate = "always"``, before it is made): those accepted earlier for
        its origin, else netrc's, else the keyring's, looked up once per index (or
        origin) and user name for the process, by ``end`` (the loop's time)."""
        found = self._proven_for(attempt)
        if found is not None:
            return found
        key = attempt.key
        if key in self._found:
            return self._found[key]
        found = self._netrc_entry(attempt.origin[1], attempt.username)
        if found is None and self._keyring_applies(attempt):
            task = self._pending.get(key)
            if task is None or task.done():
                task = self._pending[key] = asyncio.ensure_future(self._ask(attempt, end))
            return await asyncio.shield(task)
        self._found[key] = found
        self._changed()
        return found

    async def _ask(self, attempt: AuthAttempt, end: float | None) -> BasicAuth | None:
        # The one seam of the keyring: a run that asks none never loads it.
        from indexclient.transport import keyring

        key = attempt.key
        timeout = self.keyring_timeout
        if end is not None:
            timeout = min(timeout, end - asyncio.get_running_loop().time())
        if timeout <= 0:
            return None  # the request's deadline has passed: it says so
        try:
            answer = await keyring.ask(
                keyring.services_for(attempt.service),
                attempt.username,
                environ=self._environ,
                timeout=timeout,
            )
        finally:
            self._pending.pop(key, None)
        self._notes[key] = answer.note
        found = None
        if answer.password is not None:
            found = BasicAuth(answer.username or "", answer.password, "keyring", _identity(attempt))
        self._found[key] = found
        self._changed()
        return found

    async def aclose(self) -> None:
        """Stop any keyring lookup still running (its process is killed)."""
        pending, self._pending = list(self._pending.values()), {}
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # ------------------------------------------------------------------ messages

    def tried(self, url: str) -> tuple[str, ...]:
        """The sources consulted for a request for ``url``, each with what it held, for
        a message: names only, never a value."""
        attempt = self.attempt(split_credentials(url)[0])
        index = attempt.index
        from_url = index.from_url if index is not None else self._by_origin.get(attempt.origin)
        if from_url is not None and from_url.source != "URL":
            from_url = None
        found = [f"URL ({_held(from_url)})"]
        if index is not None and index.env is not None:
            state = "not set" if index.from_env is None else _held(index.from_env)
            if index.from_env is not None and index.from_url is not None:
                state += ", not used: the URL's come first"
            found.append(f"{index.env} ({state})")
        if attempt.policy == "never":
            found.append('netrc and keyring (not asked: authenticate = "never")')
            return tuple(found)
        if not attempt.may_look_late:
            return (*found, "netrc and keyring (not asked: a password was given)")
        found.append(f"netrc ({self._netrc_state(attempt)})")
        found.append(f"keyring ({self._keyring_state(attempt)})")
        return tuple(found)

    def sent(self, url: str) -> BasicAuth | None:
        """The credentials a request for ``url`` ended up sent with: those found after a
        refusal when there were, else those of the first request."""
        attempt = self.attempt(split_credentials(url)[0])
        if attempt.may_look_late:
            later = self._proven_for(attempt) or self._found.get(attempt.key)
            if later is not None:
                return later
        return attempt.sent

    def index_name(self, url: str) -> tuple[str | None, str | None]:
        """The name of the index ``url`` is under, and its ``UV_INDEX_`` variables."""
        attempt = self.attempt(split_credentials(url)[0])
        index = attempt.index
        return (None, None) if index is None else (index.name, index.env)

    def _netrc_state(self, attempt: AuthAttempt) -> str:
        host = attempt.origin[1]
        entry = self._load_netrc()
        if entry is None:
            return self._netrc_problem or f"{self._netrc_label}: none"
        auth = entry.authenticators(host)
        if auth is None:
            return f"{self._netrc_label}: no entry for {host}"
        if attempt.username is not None and auth[0] != attempt.username:
            return f"{self._netrc_label}: its entry for {host} is for another user"
        return f"{self._netrc_label}: an entry for {host}"

    def _keyring_state(self, attempt: AuthAttempt) -> str:
        if self.keyring != "subprocess":
            return "not enabled"
        if not self._keyring_applies(attempt):
            return "not asked: no user name to ask for"
        note = self._notes.get(attempt.key)
        if note is None:
            return "not asked: netrc answered" if attempt.key in self._found else "not asked"
        return note

    # ------------------------------------------------------------------ netrc

    def _netrc_entry(self, host: str, username: str | None) -> BasicAuth | None:
        """netrc's credentials for ``host`` (or its ``default``), when its login is
        ``username`` (uv's rule) or no user name is known."""
        entry = self._load_netrc()
        if entry is None or not host:
            return None
        auth = entry.authenticators(host)
        if auth is None:
            return None
        login, _account, password = auth
        if username is not None and login != username:
            return None
        return BasicAuth(login or "", password or "", "netrc")

    def _load_netrc(self) -> netrc.netrc | None:
        if self._netrc_loaded:
            return self._netrc
        self._netrc_loaded = True
        named = self._environ.get("NETRC")
        if named:
            path, label = named, f"NETRC={named} (environment)"
            self._netrc_label = f"NETRC={named}"
        else:
            home = self._environ.get("HOME") or os.path.expanduser("~")
            path = os.path.join(home, ".netrc")
            label = f"the netrc file {path}"
            self._netrc_label = "~/.netrc"
        if path == os.devnull:
            self._netrc_problem = f"{self._netrc_label}: none"
            return None  # NETRC=/dev/null: the usual way to say "no netrc"
        try:
            data = read_user_file(path, limit=MAX_NETRC_FILE)
        except UnreadableFile as exc:
            if not exc.missing:
                # A broken netrc must not stop anonymous access; say why it is ignored.
                _warn(f"ignoring {label}: {exc.reason}")
                self._netrc_problem = f"{self._netrc_label}: ignored, unusable"
            else:
                self._netrc_problem = f"no {self._netrc_label}"
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
            self._netrc_problem = f"{self._netrc_label}: ignored, it does not parse"
        return self._netrc


def _identity(attempt: AuthAttempt) -> str:
    """How the cache knows a keyring's credentials: by the lookup that gives them (a
    warm run does not ask the keyring; docs/security.md, "The cache")."""
    return f"keyring\x00{attempt.service}\x00{attempt.username or ''}"


def _held(found: BasicAuth | None) -> str:
    if found is None:
        return "none"
    return "user name and password" if found.complete else "user name only"


def with_sent(attempt: AuthAttempt, found: BasicAuth) -> AuthAttempt:
    """``attempt`` made again with ``found``."""
    return replace(attempt, sent=found)


def _warn(message: str) -> None:
    warnings.warn(message, ConfigurationWarning, stacklevel=4)
