"""The checks of the values a configuration file holds, shared by reading and writing.

Each check returns the value it accepts, or raises :class:`Invalid` with the reason,
which shows no credentials (docs/security.md, "Secrets").
"""

from __future__ import annotations

import datetime
from pathlib import Path

from indexclient.settings.values import normalise_index_url
from indexclient.tls.hosts import parse_insecure_host
from indexclient.urls import redact_text, redact_url


class Invalid(Exception):
    """Why a file or a value cannot be used (the message, without the key or the file)."""


def describe(value: object) -> str:
    """A TOML value's type in words, with the value itself when it is short and scalar."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a float ({value})"
    if isinstance(value, str):
        # A URL's userinfo is hidden before shortening, which could cut the "@" off.
        text = shown(value)
        text = text if len(text) <= 40 else text[:37] + "..."
        return f"a string ({text!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.datetime):
        return "a date-time"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, datetime.time):
        return "a time"
    return f"a {type(value).__name__}"  # pragma: no cover - TOML has no other types


def shown(text: str) -> str:
    """A string from a file, safe to show: the userinfo of every URL in it hidden, and
    that of a host written ``user:token@host`` without a scheme."""
    if "@" in text and "://" not in text:
        return redact_url(f"https://{text}").removeprefix("https://")
    return redact_text(text)


def check_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid(f"expected a boolean (true or false), got {describe(value)}")


def check_positive_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value > 0:
            return value
        raise Invalid(f"expected a positive integer, got {value}")
    raise Invalid(f"expected a positive integer, got {describe(value)}")


def check_url(value: object) -> str:
    """An index URL as a file holds it: an http, https or file URL, as it stands."""
    if not isinstance(value, str):
        raise Invalid(f"expected a URL string, got {describe(value)}")
    try:
        return normalise_index_url(value, paths=False)
    except ValueError as exc:
        raise Invalid(f"{exc} ({redact_url(value)!r})") from None


def check_insecure_host(value: str) -> str:
    try:
        parse_insecure_host(value, "")
    except ValueError as exc:  # the message hides any userinfo of the entry
        raise Invalid(str(exc)) from None
    return value


def check_choice(value: object, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (``index-strategy``, ``format``, ``authenticate``...)."""
    if isinstance(value, str) and value in choices:
        return value
    expected = ", ".join(f'"{c}"' for c in choices)
    raise Invalid(f"expected one of {expected}, got {describe(value)}")


def check_status_codes(value: object) -> tuple[int, ...]:
    """``ignore-error-codes``: a list of HTTP statuses (100 to 599), as uv takes them."""
    if not isinstance(value, list):
        raise Invalid(f"expected a list of HTTP status codes, got {describe(value)}")
    codes = []
    for position, item in enumerate(value, start=1):
        if isinstance(item, bool) or not isinstance(item, int):
            raise Invalid(
                f"expected a list of HTTP status codes, got {describe(item)} as item {position}"
            )
        if not 100 <= item <= 599:
            raise Invalid(f"{item} is not an HTTP status code (100 to 599)")
        codes.append(item)
    return tuple(dict.fromkeys(codes))


def check_header_value(value: object) -> str:
    """A header value as written in a file: visible ASCII and blanks, no line breaks."""
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {describe(value)}")
    if not all(c == "\t" or " " <= c <= "~" for c in value):
        raise Invalid(f"{describe(value)} is not a valid HTTP header value")
    return value


def check_find_links(value: str, base: Path) -> str:
    """A find-links location: an http, https or file URL, or a path (relative to the
    directory of the file that names it, as uv takes it), as a URL."""
    if "://" in value or value.lower().startswith("file:"):
        return check_url(value)
    if not value.strip():
        raise Invalid("the location is empty")
    path = Path(value).expanduser()
    return (path if path.is_absolute() else base / path).resolve().as_uri()
