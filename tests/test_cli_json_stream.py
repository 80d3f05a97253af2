"""The command's JSON: the json module's text (written faster), whole or item by item."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from indexclient.cli.output import Console
from indexclient.urls import redact_text

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner)
        | st.dictionaries(st.integers() | st.none(), inner, max_size=2)
    ),
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
    # The json module's own text, item by item and whole.
    assert whole.getvalue() == redact_text(json.dumps(items, indent=2)) + "\n"
    assert streamed.getvalue() == whole.getvalue()


def test_streamed_items_are_redacted() -> None:
    out = io.StringIO()
    array = _console(out).json_array()
    array.add({"url": "https://user:s3cret@index.example/simple/"})
    array.close()
    assert "s3cret" not in out.getvalue()
    assert json.loads(out.getvalue())[0]["url"].startswith("https://")
