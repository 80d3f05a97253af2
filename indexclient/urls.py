"""URL helpers shared by configuration and transport (no aiohttp import)."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

__all__ = ["redact_url", "split_credentials"]


def _netloc(parts: SplitResult, userinfo: str) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{userinfo}{host}{port}"


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``****`` (the user name is kept)."""
    if "@" not in url:  # no userinfo, so nothing to hide: the common case, kept cheap
        return url
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=_netloc(parts, f"{user}:****@")))
    except ValueError:
        # An unparsable URL may still hold a secret: show only its scheme.
        return url.split(":", 1)[0] + ":(unparsable URL)"


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without ``user:password@``, and the credentials (percent-decoded)."""
    from urllib.parse import unquote

    if "@" not in url:  # no userinfo possible: skip parsing, done for every request
        return url, None
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    clean = urlunsplit(parts._replace(netloc=_netloc(parts, "")))
    return clean, (unquote(parts.username or ""), unquote(parts.password or ""))
