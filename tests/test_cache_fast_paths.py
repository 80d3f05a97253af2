"""The cache's fast paths give what the slower code they replace gives, on generated
and stored inputs: reading a stored head or memo value (``stored_json`` against
``json.loads``), and matching an entry's Vary values (against the lowered dict)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexclient.transport.cache import CacheEntry, HttpCache, stored_json

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from('"\\\x00\ud800/'))
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


@st.composite
def _stored(draw: st.DrawFn) -> bytes:
    """JSON as this cache writes it, or written otherwise, or damaged."""
    value = draw(st.dictionaries(st.text(max_size=6), _values, max_size=5) | _values)
    style = draw(st.sampled_from(["compact", "spaced", "indented", "unicode"]))
    if style == "compact":
        text = json.dumps(value, separators=(",", ":"))
    elif style == "spaced":
        text = json.dumps(value)
    elif style == "indented":
        text = json.dumps(value, indent=draw(st.integers(0, 3)))
    else:
        text = json.dumps(value, ensure_ascii=False)
    data = text.encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none", "cut", "insert", "around", "encoding"]))
    if damage == "cut" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "insert":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    elif damage == "around":
        data = (
            draw(st.sampled_from([b" ", b"\n", b"", b"x"]))
            + data
            + draw(st.sampled_from([b" ", b"\r\n", b"", b"}", b"0"]))
        )
    elif damage == "encoding":
        data = text.encode(draw(st.sampled_from(["utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])))
    return data


def _outcome(read: object, data: bytes) -> tuple[str, str]:
    try:
        value = read(data)  # type: ignore[operator]
    except (ValueError, RecursionError) as exc:
        return (type(exc).__name__, str(exc))
    return ("value", repr(value))


@FUZZ
@given(data=_stored())
@example(data=b'{"key":"GET x","status":200}')
@example(data=b'{"a":1} ')
@example(data=b'{"a":1}{}')
@example(data=b"{\x00")
@example(data=b'{"\xff":1}')
@example(data=b'{"a":"\xed\xa0\x80"}')
@example(data=b"")
@example(data=b"[]")
def test_stored_json_is_json_loads(data: bytes) -> None:
    assert _outcome(stored_json, data) == _outcome(json.loads, data)


def test_stored_json_reads_stored_rows(tmp_path: object) -> None:
    """A head as the cache writes it reads back as json.loads reads it."""
    cache = HttpCache(str(tmp_path))
    cache.put(
        "https://127.0.0.1/simple/demo/",
        {"Accept": "text/html"},
        final_url="https://127.0.0.1/simple/demo/",
        status=200,
        headers={"Cache-Control": "max-age=600", "Vary": "Accept", "ETag": '"é"'},
        body=b"<a>",
    )
    store = cache._db()
    rows = [bytes(r[0]) for r in store._open().execute("SELECT head FROM heads")]  # type: ignore[union-attr]
    assert rows
    for row in rows:
        data = row[row.index(b"\n") + 1 :]
        assert stored_json(data) == json.loads(data)


def _reference_checked(entry: CacheEntry, request_headers: Mapping[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in request_headers.items()}
    return not any(lowered.get(name, "") != value for name, value in entry.vary.items())


_names = st.sampled_from(["accept", "Accept", "ACCEPT", "x-a", "X-A", "user-agent"])


@FUZZ
@given(
    vary=st.dictionaries(
        st.sampled_from(["accept", "x-a", "user-agent"]), st.sampled_from(["", "a", "b"])
    ),
    request=st.lists(st.tuples(_names, st.sampled_from(["", "a", "b"])), max_size=4),
)
def test_vary_matching_is_the_lowered_dicts(
    vary: dict[str, str], request: list[tuple[str, str]]
) -> None:
    headers = dict(request)
    entry = CacheEntry("u", 200, {}, b"", 0.0, vary)
    expected = _reference_checked(entry, headers)
    assert (HttpCache._checked(entry, headers) is entry) == expected
