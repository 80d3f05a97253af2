"""URL helpers shared by configuration and transport (no aiohttp import).

:func:`redact_url` is the one redaction function: every URL that may reach a person
(errors, logs at every level, ``config show``, ``tls show``/``check``, ``--json``,
reprs) goes through it, and :func:`redact_text` applies it to every URL inside a text
(a log line, a traceback). The rules are in docs/security.md ("Secrets").
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

__all__ = [
    "UnusableURL",
    "check_authority",
    "index_url_problem",
    "redact_text",
    "redact_url",
    "split_credentials",
]

#: The schemes an index or a find-links location may have.
INDEX_SCHEMES = ("http", "https", "file")

_HIDDEN = "****"
# A URL inside free text: a scheme, "://", then everything up to whitespace or a
# character no URL holds unencoded. A "'" may be part of a password, so it does not end
# the match: a repr's closing quote is then kept as part of the "path", harmlessly.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"<>`]+")


class UnusableURL(ValueError):
    """A URL whose authority cannot be read safely; the message holds no secret."""


def _netloc(parts: SplitResult, userinfo: str) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{userinfo}{host}{port}"


def _hidden_userinfo(url: str) -> tuple[str, str, str] | None:
    """``(scheme://, userinfo, rest)`` when ``url`` holds userinfo by the loosest reading,
    else None.

    Loose on purpose: ``https://user:pa/ss@host/`` is, to a URL parser, host ``user`` and
    a path holding ``ss@host``, but to the person who wrote it a password with a ``/``
    in it. Everything from the scheme's ``//`` to the last ``@`` before any query or
    fragment is treated as secret.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        # No scheme: a host entry such as "token@host:8443" (allow-insecure-host).
        scheme, rest = "", url
    if "@" not in rest:
        return None
    end = len(rest)
    for stop in ("?", "#"):
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    at = rest.rfind("@", 0, end)
    if at == -1:
        return None
    return scheme + sep, rest[:at], rest[at + 1 :]


def redact_url(url: str) -> str:
    """``url`` safe to show: any userinfo is hidden, as uv shows it.

    ``https://user:pass@host/`` becomes ``https://user:****@host/`` (the user name of a
    user-and-password pair is kept: it says which account is used); a user name alone is
    often a token, so ``https://TOKEN@host/`` becomes ``https://****@host/``. Userinfo
    that does not parse (a password with an unencoded ``/`` or ``?``, odd characters) is
    hidden whole, up to the last ``@``.
    """
    if "@" not in url:  # no userinfo possible: the common case, kept cheap
        return url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for an unparsable port
    except ValueError:
        # Unparsable: whatever precedes the last "@" may be secret.
        scheme, sep, _ = url.partition("://")
        return f"{scheme}{sep}{_HIDDEN}@{url.rpartition('@')[2]}"
    loose = _hidden_userinfo(url)
    if loose is None:
        return url  # the "@" is in a query or fragment
    prefix, userinfo, rest = loose
    if not prefix or parts.netloc.rpartition("@")[0] != userinfo:
        # No scheme (a host entry), or the parser sees other userinfo than the loose
        # reading (an "@" after a "/"): the whole span may be secret.
        return f"{prefix}{_HIDDEN}@{rest}"
    user, has_password, _ = userinfo.partition(":")
    if has_password and user:
        shown = f"{user}:{_HIDDEN}"
    elif has_password:
        shown = f":{_HIDDEN}"
    else:
        shown = _HIDDEN
    return f"{prefix}{shown}@{rest}"


def redact_text(text: str) -> str:
    """``text`` with :func:`redact_url` applied to every URL in it (log lines, tracebacks,
    messages built by other libraries)."""
    if "@" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def check_authority(url: str) -> None:
    """Raise :class:`UnusableURL` when ``url``'s authority cannot be used safely.

    Catches what would otherwise send a secret to the wrong place or fail deep inside a
    request: a password with an unencoded ``/``, ``?`` or ``#`` (the parser would take
    part of it for the host and the rest for the path, query or fragment), so any ``@``
    after the host; a port that is not a number. The message does not show the URL
    (callers add it redacted).
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for an unparsable port
    except ValueError as exc:
        # "Port could not be cast to integer value as 'pa'" would show part of a password.
        reason = "its port is not a number" if "cast" in str(exc) else str(exc)
        raise UnusableURL(_unusable(reason, userinfo="@" in url)) from None
    rest = url.partition("://")[2]
    after_host = rest.partition(parts.netloc)[2] if parts.netloc else rest
    if "@" in after_host:
        raise UnusableURL(_unusable("it has an '@' after the host", userinfo=True))


def index_url_problem(text: str) -> str | None:
    """Why ``text`` cannot be an index URL (http, https or file), or None when it can.

    The reason does not show the URL. A ``file://`` URL names a local path: one with a
    host (``file://server/share``) would be read from wherever the platform maps that
    host, so it is refused rather than guessed (docs/security.md, "Local indexes").
    """
    if not text.strip():
        return "the URL is empty"
    if any(c.isspace() for c in text):
        return "the URL contains whitespace"
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "Invalid IPv6 URL": shows no part of the URL
        return f"cannot parse the URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in INDEX_SCHEMES:
        found = f"scheme {parts.scheme!r}" if scheme else "no scheme"
        return f"expected an http, https or file URL, got {found}"
    try:
        check_authority(text)
    except UnusableURL as exc:
        return str(exc)
    if scheme != "file" and not parts.hostname:
        return f"the {scheme} URL has no host"
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            return (
                f"a file URL with a host ({parts.netloc!r}) is not supported; "
                "a local index is file:///absolute/path"
            )
        if not parts.path:
            return "the file URL has no path"
    return None


def _unusable(reason: str, *, userinfo: bool) -> str:
    advice = (
        "; a user name or password holding '/', '?', '#' or '@' must be percent-encoded "
        "(%2F, %3F, %23, %40)"
        if userinfo
        else ""
    )
    return f"cannot parse the URL: {reason}{advice}"


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without ``user:password@``, and the credentials (percent-decoded)."""
    if "@" not in url:  # no userinfo possible: skip parsing, done for every request
        return url, None
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    clean = urlunsplit(parts._replace(netloc=_netloc(parts, "")))
    return clean, (unquote(parts.username or ""), unquote(parts.password or ""))
