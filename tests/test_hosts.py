"""Tests for indexclient.tls.hosts: allow-insecure-host parsing and matching."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexclient.tls.hosts import (
    InsecureHost,
    InsecureHosts,
    parse_insecure_host,
    split_env_value,
)

ORIGIN = "--allow-insecure-host"
ENV_ORIGIN = "UV_INSECURE_HOST (environment)"


def parse(entry: str, origin: str = ORIGIN) -> InsecureHost:
    return parse_insecure_host(entry, origin)


def hosts(*entries: str) -> InsecureHosts:
    return InsecureHosts(parse(e) for e in entries)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("entry", "scheme", "host", "port", "canonical"),
    [
        ("example.com", None, "example.com", None, "example.com"),
        ("Example.COM", None, "example.com", None, "example.com"),
        ("example.com.", None, "example.com", None, "example.com"),
        ("example.com:8443", None, "example.com", 8443, "example.com:8443"),
        ("example.com.:8443", None, "example.com", 8443, "example.com:8443"),
        ("example.com:08443", None, "example.com", 8443, "example.com:8443"),
        ("example.com:1", None, "example.com", 1, "example.com:1"),
        ("example.com:65535", None, "example.com", 65535, "example.com:65535"),
        ("localhost", None, "localhost", None, "localhost"),
        ("my_host.internal", None, "my_host.internal", None, "my_host.internal"),
        ("xn--bcher-kva.example", None, "xn--bcher-kva.example", None, "xn--bcher-kva.example"),
        ("127.0.0.1", None, "127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1:8080", None, "127.0.0.1", 8080, "127.0.0.1:8080"),
        ("  example.com\t", None, "example.com", None, "example.com"),
        ("https://example.com", "https", "example.com", None, "https://example.com"),
        ("HTTPS://Example.com", "https", "example.com", None, "https://example.com"),
        ("http://example.com:8080", "http", "example.com", 8080, "http://example.com:8080"),
        ("https://example.com/simple/", "https", "example.com", None, "https://example.com"),
        ("https://example.com:8443/a/b", "https", "example.com", 8443, "https://example.com:8443"),
        ("https://example.com?x=1", "https", "example.com", None, "https://example.com"),
        ("https://example.com#frag", "https", "example.com", None, "https://example.com"),
        ("https://example.com.:443/", "https", "example.com", 443, "https://example.com:443"),
        ("example.com/simple", None, "example.com", None, "example.com"),
        ("example.com:8080/simple", None, "example.com", 8080, "example.com:8080"),
        ("[::1]", None, "::1", None, "[::1]"),
        ("[::1]:8443", None, "::1", 8443, "[::1]:8443"),
        ("::1", None, "::1", None, "[::1]"),
        ("[0:0::1]", None, "::1", None, "[::1]"),
        ("[2001:DB8:0:0:0:0:0:1]", None, "2001:db8::1", None, "[2001:db8::1]"),
        ("2001:db8::1", None, "2001:db8::1", None, "[2001:db8::1]"),
        ("https://[::1]", "https", "::1", None, "https://[::1]"),
        ("https://[::1]:8443/simple", "https", "::1", 8443, "https://[::1]:8443"),
        ("*", None, "*", None, "*"),
        (" * ", None, "*", None, "*"),
    ],
)
def test_parse_valid(
    entry: str, scheme: str | None, host: str, port: int | None, canonical: str
) -> None:
    parsed = parse(entry, ENV_ORIGIN)
    assert (parsed.scheme, parsed.host, parsed.port) == (scheme, host, port)
    assert parsed.raw == entry
    assert parsed.origin == ENV_ORIGIN
    assert str(parsed) == canonical
    # The canonical form parses back to the same entry.
    assert parse(canonical).key == parsed.key


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("example.com:0", "between 1 and 65535"),
        ("example.com:99999", "between 1 and 65535"),
        ("example.com:65536", "between 1 and 65535"),
        ("example.com:abc", "between 1 and 65535"),
        ("example.com:-1", "between 1 and 65535"),
        ("example.com:+80", "between 1 and 65535"),
        ("example.com:", "missing port"),
        ("[::1]:", "missing port"),
        ("[::1]:0", "between 1 and 65535"),
        ("[::1", "unclosed '['"),
        ("[::1:8443", "unclosed '['"),
        ("[]", "not a valid IPv6 address"),
        ("[example.com]", "not a valid IPv6 address"),
        ("[127.0.0.1]", "not a valid IPv6 address"),
        ("[::1]x", "unexpected 'x' after ']'"),
        ("[::1]8443", "unexpected '8443' after ']'"),
        ("[fe80::1%eth0]", "zone identifiers"),
        ("example .com", "whitespace"),
        ("example.com :80", "whitespace"),
        ("example.com\t:80", "whitespace"),
        ("exa$mple.com", "invalid character '$'"),
        ("exa%2emple.com", "invalid character '%'"),
        ("ex[ample.com", "invalid character '['"),
        ("b\u00fccher.example", "IDNA"),
        ("example..com", "empty label"),
        (".example.com", "empty label"),
        ("example.com..", "empty label"),
        (".", "empty label"),
        ("a" * 64 + ".example", "longer than 63"),
        (".".join(["a" * 63] * 4) + ".com", "longer than 253"),
        ("https://", "missing host"),
        ("http://", "missing host"),
        ("https:///simple", "missing host"),
        ("https://:8443", "missing host"),
        (":8443", "missing host"),
        ("/simple", "missing host"),
        ("://example.com", "missing scheme"),
        ("1http://example.com", "invalid scheme"),
        ("ftp://example.com", "unsupported scheme 'ftp'"),
        ("file://example.com", "unsupported scheme 'file'"),
        ("user@example.com", "user information"),
        ("user:secret@example.com", "user information"),
        ("https://user@example.com", "user information"),
        ("example.com:80:90", "too many ':'"),
        ("https://::1", "brackets"),
        ("::1/128", "brackets"),
        ("fe80::1:99999", "brackets"),
        ("*.example.com", "'*' is only allowed as the whole entry"),
        ("*:8443", "'*' is only allowed as the whole entry"),
        ("https://*", "'*' is only allowed as the whole entry"),
        ("**", "'*' is only allowed as the whole entry"),
    ],
)
def test_parse_invalid(entry: str, reason: str) -> None:
    with pytest.raises(ValueError, match="invalid allow-insecure-host entry") as info:
        parse(entry)
    message = str(info.value)
    if "@" in entry:  # named with its userinfo hidden (docs/security.md)
        assert "secret" not in message
        assert "****@example.com'" in message
    else:
        assert repr(entry) in message  # the entry is named
    assert reason in message


def test_parse_error_is_not_chained_to_internal_error() -> None:
    with pytest.raises(ValueError, match=r"example\.com:0") as info:
        parse("example.com:0")
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_insecure_host_is_frozen_and_hashable() -> None:
    entry = parse("example.com")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.host = "example.org"  # type: ignore[misc]
    assert hash(entry) == hash(parse("example.com"))
    assert not hasattr(entry, "__dict__")  # slotted


# --------------------------------------------------------------------------- matching

# (entry, scheme, host, port, expected)
MATCH_CASES: list[tuple[str, str, str, int | None, bool]] = [
    # No port: every port, every scheme.
    ("example.com", "https", "example.com", None, True),
    ("example.com", "http", "example.com", None, True),
    ("example.com", "https", "example.com", 8443, True),
    ("example.com", "https", "example.org", None, False),
    ("example.com", "https", "sub.example.com", None, False),
    ("example.com", "https", "example.com.evil.example", None, False),
    # Case-insensitivity and trailing dots, on both sides.
    ("example.com", "https", "Example.COM", None, True),
    ("EXAMPLE.com", "https", "example.com", None, True),
    ("example.com.", "https", "example.com", None, True),
    ("example.com", "https", "example.com.", None, True),
    ("Example.COM.", "HTTPS", "EXAMPLE.com.", 443, True),
    ("example.com", "https", "example.com..", None, False),
    # With a port: that port only, compared with the effective port.
    ("example.com:8443", "https", "example.com", 8443, True),
    ("example.com:8443", "https", "example.com", 8444, False),
    ("example.com:8443", "https", "example.com", None, False),
    ("example.com:443", "https", "example.com", None, True),
    ("example.com:443", "https", "example.com", 443, True),
    ("example.com:443", "http", "example.com", None, False),
    ("example.com:443", "http", "example.com", 443, True),
    ("example.com:80", "http", "example.com", None, True),
    ("example.com:80", "HTTP", "example.com", None, True),
    ("example.com:80", "https", "example.com", None, False),
    ("example.com:80", "https", "example.com", 80, True),
    ("example.com:443", "ws", "example.com", None, False),  # no known default port
    # Scheme-restricted entries.
    ("https://example.com", "https", "example.com", None, True),
    ("https://example.com", "https", "example.com", 8443, True),
    ("https://example.com", "HTTPS", "example.com", 8443, True),
    ("https://example.com", "http", "example.com", None, False),
    ("https://example.com", "http", "example.com", 443, False),
    ("http://example.com", "http", "example.com", 8080, True),
    ("http://example.com", "https", "example.com", None, False),
    ("https://example.com:8443", "https", "example.com", 8443, True),
    ("https://example.com:8443", "https", "example.com", None, False),
    ("https://example.com:8443", "http", "example.com", 8443, False),
    ("https://example.com:443/simple", "https", "example.com", None, True),
    ("http://example.com:80", "http", "example.com", None, True),
    # IPv4.
    ("127.0.0.1", "https", "127.0.0.1", 8443, True),
    ("127.0.0.1:8443", "https", "127.0.0.1", 8443, True),
    ("127.0.0.1:8443", "https", "127.0.0.2", 8443, False),
    # IPv6, with and without brackets on either side.
    ("[::1]", "https", "::1", None, True),
    ("[::1]", "https", "[::1]", 8443, True),
    ("::1", "https", "::1", 8443, True),
    ("::1", "https", "[::1]", None, True),
    ("[::1]:8443", "https", "::1", 8443, True),
    ("[::1]:8443", "https", "[::1]", 8443, True),
    ("[::1]:8443", "https", "::1", 8444, False),
    ("[::1]:8443", "https", "::1", None, False),
    ("[::1]:443", "https", "[::1]", None, True),
    ("[0:0::1]", "https", "::1", None, True),
    ("[::1]", "https", "0:0:0:0:0:0:0:1", None, True),
    ("[::1]", "https", "[0000::0001]", None, True),
    ("[2001:db8::1]", "https", "2001:DB8:0:0::1", None, True),
    ("[::1]", "https", "::2", None, False),
    ("[::1]", "https", "127.0.0.1", None, False),
    ("[::1]", "https", "[::1", None, False),
    ("[::1]", "https", "::1%25eth0", None, False),
    ("[fe80::1]", "https", "fe80::1%eth0", None, False),
    ("https://[::1]:8443", "https", "::1", 8443, True),
    ("https://[::1]:8443", "http", "::1", 8443, False),
    ("[::1]", "https", ":::", None, False),
    # Wildcard: every host, scheme and port.
    ("*", "https", "example.com", None, True),
    ("*", "http", "example.org", 8080, True),
    ("*", "ws", "::1", 1, True),
    ("*", "https", "[::1]", None, True),
    ("*", "https", "b\u00fccher.example", None, True),
    # Non-ASCII hosts only match the wildcard.
    ("xn--bcher-kva.example", "https", "b\u00fccher.example", None, False),
    ("xn--bcher-kva.example", "https", "XN--BCHER-KVA.example", None, True),
    # Empty host never matches a named entry.
    ("example.com", "https", "", None, False),
]


@pytest.mark.parametrize(("entry", "scheme", "host", "port", "expected"), MATCH_CASES)
def test_entry_matches(
    entry: str, scheme: str, host: str, port: int | None, expected: bool
) -> None:
    assert parse(entry).matches(scheme, host, port) is expected


@pytest.mark.parametrize(("entry", "scheme", "host", "port", "expected"), MATCH_CASES)
def test_collection_match_agrees_with_entry(
    entry: str, scheme: str, host: str, port: int | None, expected: bool
) -> None:
    parsed = parse(entry)
    collection = InsecureHosts([parse("unrelated.example.org"), parsed])
    assert collection.match(scheme, host, port) == (parsed if expected else None)


@pytest.mark.parametrize(
    ("entries", "url", "expected"),
    [
        (["example.com"], "https://example.com/simple/", "example.com"),
        (["example.com"], "https://EXAMPLE.com./simple/", "example.com"),
        (["example.com:443"], "https://example.com/simple/", "example.com:443"),
        (["example.com:443"], "https://example.com:443/", "example.com:443"),
        (["example.com:443"], "http://example.com/", None),
        (["example.com:80"], "http://example.com/", "example.com:80"),
        (["example.com:8443"], "https://example.com/", None),
        (["example.com:8443"], "https://user:pw@example.com:8443/x", "example.com:8443"),
        (["https://example.com"], "http://example.com/", None),
        (["https://example.com"], "https://example.com:1234/", "https://example.com"),
        (["[::1]:8443"], "https://[::1]:8443/simple/", "[::1]:8443"),
        (["::1"], "http://[0::1]/", "::1"),
        (["*"], "https://example.org/", "*"),
        (["example.com"], "https://example.com:99999/", None),  # bad port
        (["example.com"], "https://[::1/", None),  # does not parse
        (["*"], "https://[::1/", None),
        (["*"], "file:///etc/hosts", None),  # no host
        (["*"], "not a url", None),
    ],
)
def test_match_url(entries: list[str], url: str, expected: str | None) -> None:
    found = hosts(*entries).match_url(url)
    assert (found.raw if found is not None else None) == expected


def test_match_returns_first_matching_entry() -> None:
    collection = InsecureHosts(
        [
            parse("example.com:8443", "config"),
            parse("https://example.com", "env"),
            parse("*", "cli"),
            parse("example.com", "later"),
        ]
    )
    first = collection.match("https", "example.com", 8443)
    assert first is not None
    assert first.origin == "config"
    second = collection.match("https", "example.com", 443)
    assert second is not None
    assert second.origin == "env"
    # The wildcard comes before the plain "example.com" entry.
    third = collection.match("http", "example.com", None)
    assert third is not None
    assert third.origin == "cli"
    other = collection.match("http", "example.org", None)
    assert other is not None
    assert other.origin == "cli"


def test_wildcard_after_specific_entry() -> None:
    collection = InsecureHosts([parse("example.com", "a"), parse("*", "b")])
    found = collection.match("https", "example.com", None)
    assert found is not None
    assert found.origin == "a"
    found = collection.match("https", "example.org", None)
    assert found is not None
    assert found.origin == "b"


# --------------------------------------------------------------------------- collection


def test_empty_collection() -> None:
    empty = InsecureHosts()
    assert not empty
    assert len(empty) == 0
    assert list(empty) == []
    assert empty.match("https", "example.com", None) is None
    assert empty.match_url("https://example.com/") is None
    assert empty == InsecureHosts([])
    assert hash(empty) == hash(InsecureHosts([]))


def test_dedup_keeps_first_origin() -> None:
    collection = InsecureHosts(
        [
            parse("example.com", "--allow-insecure-host"),
            parse("Example.COM.", ENV_ORIGIN),
            parse("example.com:443", ENV_ORIGIN),
            parse("[::1]", "config"),
            parse("::1", ENV_ORIGIN),
            parse("[0::1]", ENV_ORIGIN),
            parse("https://example.com/simple", "config"),
            parse("HTTPS://example.com", ENV_ORIGIN),
            parse("*", "config"),
            parse(" * ", ENV_ORIGIN),
        ]
    )
    assert [(str(e), e.origin) for e in collection] == [
        ("example.com", "--allow-insecure-host"),
        ("example.com:443", ENV_ORIGIN),
        ("[::1]", "config"),
        ("https://example.com", "config"),
        ("*", "config"),
    ]
    assert len(collection) == 5
    assert collection


def test_equality_and_hash() -> None:
    a = hosts("example.com", "[::1]:8443")
    b = hosts("example.com", "[::1]:8443", "EXAMPLE.com")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert a != hosts("[::1]:8443", "example.com")  # order decides which entry is reported
    assert a != hosts("example.com")
    assert a != InsecureHosts(
        [parse("example.com", ENV_ORIGIN), parse("[::1]:8443")]
    )  # a different origin is reported
    assert a != ["example.com", "[::1]:8443"]


def test_collection_is_immutable() -> None:
    collection = hosts("example.com")
    with pytest.raises(AttributeError):
        collection.extra = 1  # type: ignore[attr-defined]
    source = [parse("example.com")]
    built = InsecureHosts(source)
    source.append(parse("example.org"))
    assert len(built) == 1


def test_accepts_any_iterable_once() -> None:
    collection = InsecureHosts(parse(e) for e in ["example.com", "example.org"])
    assert [e.host for e in collection] == ["example.com", "example.org"]
    assert [e.host for e in collection] == ["example.com", "example.org"]


def test_repr() -> None:
    assert (
        repr(hosts("Example.com", "[::1]:8443")) == "InsecureHosts(['example.com', '[::1]:8443'])"
    )


# --------------------------------------------------------------------------- environment


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("   ", []),
        ("\t\n", []),
        ("example.com", ["example.com"]),
        ("example.com example.org", ["example.com", "example.org"]),
        ("  example.com    example.org  ", ["example.com", "example.org"]),
        ("example.com\texample.org", ["example.com", "example.org"]),
        ("example.com\nexample.org\r\n[::1]:8443", ["example.com", "example.org", "[::1]:8443"]),
        ("\t example.com \n\n\t*\n", ["example.com", "*"]),
    ],
)
def test_split_env_value(value: str, expected: list[str]) -> None:
    assert split_env_value(value) == expected


def test_env_value_round_trip() -> None:
    entries = [parse(e, ENV_ORIGIN) for e in split_env_value("example.com:8443\thttps://[::1]\n")]
    collection = InsecureHosts(entries)
    assert collection.match_url("https://example.com:8443/") is not None
    assert collection.match_url("https://[::1]:9999/") is not None
    assert collection.match_url("http://[::1]/") is None


# --------------------------------------------------------------------------- properties

_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True)
_HOSTNAME = st.lists(_LABEL, min_size=1, max_size=4).map(".".join)
_PORT = st.integers(min_value=1, max_value=65535)
_SCHEME = st.sampled_from(["http", "https", "HTTPS", "ws"])


@given(h=_HOSTNAME, p=_PORT, scheme=_SCHEME)
def test_property_host_port_entry(h: str, p: int, scheme: str) -> None:
    entry = parse_insecure_host(f"{h}:{p}", ORIGIN)
    other_port = p % 65535 + 1
    assert entry.matches(scheme, h.upper(), p)
    assert entry.matches(scheme, h + ".", p)
    assert not entry.matches(scheme, h.upper(), other_port)
    collection = InsecureHosts([entry])
    assert collection.match(scheme, h.upper(), p) is entry
    assert collection.match(scheme, h.upper(), other_port) is None
    # The canonical form parses back to the same entry.
    assert parse_insecure_host(str(entry), ORIGIN).key == entry.key


@given(address=st.ip_addresses(v=6), p=st.one_of(st.none(), _PORT), scheme=_SCHEME)
def test_property_ipv6_entry(address: object, p: int | None, scheme: str) -> None:
    text = str(address)
    entry = parse_insecure_host(f"[{text}]" if p is None else f"[{text}]:{p}", ORIGIN)
    port = 8443 if p is None else p
    assert entry.matches(scheme, text, port)
    assert entry.matches(scheme, f"[{text.upper()}]", port)
    assert parse_insecure_host(str(entry), ORIGIN).key == entry.key
