"""What a refusal for want of credentials says: HTTP 401, 403 and 407 from a server, and
an index with ``authenticate = "always"`` for which none were found.

Each message names the credential sources consulted for the request, in uv's order,
with what each held (never a value: docs/security.md, "Secrets"), and the hint that fits:
how to give an index credentials (a named one by its ``UV_INDEX_<NAME>_`` variables),
the keyring provider, or, for a 407, the proxy URL. A proxy's own 407 is
:func:`~indexclient.transport.errors.proxy_refusal`'s. No aiohttp here: the index layer
builds these errors from a status.
"""

from __future__ import annotations

from indexclient.errors import AuthenticationError, ConfigurationError
from indexclient.transport.auth import AuthAttempt, Credentials, origin_of
from indexclient.urls import redact_url, split_credentials

__all__ = ["AUTH_REFUSALS", "missing_credentials", "refused"]

#: The statuses that become an AuthenticationError when they end a request.
AUTH_REFUSALS = frozenset({401, 403, 407})

_PHRASES = {401: "Unauthorized", 403: "Forbidden", 407: "Proxy Authentication Required"}
_PROXY_HINT = (
    "HTTP 407 means a proxy wants credentials: put them in the proxy URL, percent-encoded, "
    "HTTPS_PROXY=http://user:password@proxy:port (HTTP_PROXY for http URLs)."
)


def refused(url: str, status: int, what: str, credentials: Credentials) -> AuthenticationError:
    """The error for ``status`` (401, 403 or 407) answering a request for ``url`` (shown
    redacted), made with ``credentials``; ``what`` names what was asked for."""
    shown = redact_url(url)
    phrase = _PHRASES.get(status, "refused")
    if status == 407:
        reason = f"{phrase}: {what}"
        return AuthenticationError(shown, status, reason, hint=_PROXY_HINT)
    clean = split_credentials(url)[0]
    sent = credentials.sent(clean)
    if sent is None:
        detail = "no credentials were sent"
    elif sent.complete:
        detail = f"the credentials from {sent.source} were refused"
    else:
        detail = f"a user name from {sent.source} was sent, and no password was found for it"
    hint = _hint(credentials, clean, status, sent is not None and sent.complete)
    reason = f"{phrase}: {what}; {detail}"
    return AuthenticationError(shown, status, reason, tried=credentials.tried(clean), hint=hint)


def missing_credentials(
    credentials: Credentials, url: str, attempt: AuthAttempt, *, incomplete: bool = False
) -> ConfigurationError:
    """The error of an index with ``authenticate = "always"`` for whose request no
    credentials (or only a user name) were found: no request is made (uv's rule)."""
    clean = split_credentials(url)[0]
    index = attempt.index
    label = repr(index.name) if index is not None and index.name else redact_url(attempt.service)
    what = "only a user name, no password," if incomplete else "no credentials"
    tried = ", ".join(credentials.tried(clean))
    return ConfigurationError.single(
        f'index {label} (authenticate = "always")',
        f"{what} found for {redact_url(clean)}; tried: {tried}",
        hint=_how(credentials, clean),
    )


def _hint(credentials: Credentials, url: str, status: int, refused_password: bool) -> str:
    if refused_password:
        text = (
            "Check the credentials (a token may have expired, or lack access to this index)."
            if status == 401
            else "The account may lack access to this index or project."
        )
    else:
        text = _how(credentials, url)
    if status == 403:
        text += (
            " If this index answers 403 for a project it does not have, add "
            "ignore-error-codes = [403] to its [[index]] table, and the next index is asked."
        )
    return text


def _how(credentials: Credentials, url: str) -> str:
    """How to give credentials for ``url``'s index (or origin)."""
    host = origin_of(url)[1]
    name, env = credentials.index_name(url)
    if name is not None and env is not None:
        prefix = env.removesuffix("_USERNAME/PASSWORD")
        text = (
            f"Give index {name!r} credentials: set {prefix}_USERNAME and {prefix}_PASSWORD, "
            f"or put them in its URL (https://user:password@host/..., percent-encoded), "
            f"or add a netrc entry for {host}."
        )
    else:
        text = (
            "Give credentials: put them in the index URL (https://user:password@host/..., "
            f"percent-encoded), add a netrc entry for {host}, or name the index in an "
            "[[index]] table and set UV_INDEX_<NAME>_USERNAME and UV_INDEX_<NAME>_PASSWORD."
        )
    if credentials.keyring != "subprocess":
        text += (
            " For a password kept in a keyring, use --keyring-provider subprocess "
            "(UV_KEYRING_PROVIDER) with a user name in the index URL."
        )
    else:
        text += (
            " The keyring is asked with the user name of the index URL (https://user@host/...), "
            'or, with authenticate = "always", for a user name and password.'
        )
    return text
