"""The command's streamed JSON: item by item, the same text as the whole list."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from indexclient.cli.output import Console

_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _console(out: io.StringIO) -> Console:
    return Console(out, io.StringIO(), json_mode=True, quiet=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(_VALUES, max_size=6))
def test_streamed_array_is_the_whole_list(items: list[object]) -> None:
    whole, streamed = io.StringIO(), io.StringIO()
    _console(whole).json(items)
    array = _console(streamed).json_array()
    for item in items:
        array.add(item)
    array.close()
    assert streamed.getvalue() == whole.getvalue()
    assert json.loads(streamed.getvalue()) == items


def test_streamed_items_are_redacted() -> None:
    out = io.StringIO()
    array = _console(out).json_array()
    array.add({"url": "https://user:s3cret@index.example/simple/"})
    array.close()
    assert "s3cret" not in out.getvalue()
    assert json.loads(out.getvalue())[0]["url"].startswith("https://")
