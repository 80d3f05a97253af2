"""verify_digest's shortcut for a lone sha256 gives what the general check gives: the
same algorithms checked, or the same error with the same attributes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexclient.errors import DigestMismatchError, UnsupportedDigestError
from indexclient.simple.metadata import SUPPORTED_DIGESTS, verify_digest

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
URL = "https://127.0.0.1/files/demo-1.0-py3-none-any.whl.metadata"


def _reference(data: bytes, hashes: Mapping[str, str], url: str) -> tuple[str, ...]:
    """verify_digest as it was, without the shortcut."""
    known = sorted(
        ((n.lower(), v) for n, v in hashes.items() if n.lower() in SUPPORTED_DIGESTS),
        key=lambda item: (item[0] != "sha256", item[0]),
    )
    if not known:
        raise UnsupportedDigestError(url, tuple(sorted(hashes)))
    for name, expected in known:
        actual = hashlib.new(name, data).hexdigest()
        if actual != expected.strip().lower():
            raise DigestMismatchError(url, name, expected, actual)
    return tuple(name for name, _ in known)


def _outcome(check: object, data: bytes, hashes: Mapping[str, str]) -> tuple[object, ...]:
    try:
        return ("ok", check(data, hashes, URL))  # type: ignore[operator]
    except (DigestMismatchError, UnsupportedDigestError) as exc:
        return (type(exc).__name__, str(exc), vars(exc))


@st.composite
def _hashes(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    data = draw(st.binary(max_size=40))
    names = st.sampled_from(["sha256", "SHA256", "md5", "sha512", "blake2b", "nope", "Sha256"])
    chosen = draw(st.lists(names, max_size=3, unique=True))
    hashes = {}
    for name in chosen:
        right = hashlib.new(name.lower(), data).hexdigest() if name != "nope" else "00"
        hashes[name] = draw(
            st.sampled_from([right, right.upper(), f" {right}\n", "0" * 64, "", right[:-1]])
        )
    return data, hashes


@FUZZ
@given(case=_hashes())
@example(case=(b"x", {"sha256": hashlib.sha256(b"x").hexdigest().upper()}))
@example(case=(b"x", {"sha256": "0" * 64}))
@example(case=(b"x", {"sha256": f" {hashlib.sha256(b'x').hexdigest()}\n"}))
@example(case=(b"x", {}))
def test_verify_digest_is_the_general_check(case: tuple[bytes, dict[str, str]]) -> None:
    data, hashes = case
    assert _outcome(verify_digest, data, hashes) == _outcome(_reference, data, hashes)
