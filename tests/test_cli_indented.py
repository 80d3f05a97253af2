"""``indented`` writes what ``json.dumps(value, indent=2)`` writes (each line after the
first with the margin), on generated values and on the command's own answers."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexclient.cli.output import indented

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_leaves = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6)
)
_keys = st.text(max_size=4) | st.integers(-2, 2) | st.none() | st.booleans()
_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=4), inner, max_size=4)
        | st.dictionaries(_keys, inner, max_size=3)
    ),
    max_leaves=16,
)

_ANSWER = {
    "name": "bench-pkg-1",
    "version": "1.4.0",
    "filename": "bench_pkg_1-1.4.0-py3-none-any.whl",
    "index": None,
    "metadata": {
        "metadata_version": "2.2",
        "name": "bench-pkg-1",
        "summary": 'A généré package\n"quoted"',
        "requires_dist": ["a>=1", "b; extra == 'x'"],
        "classifier": [],
    },
}


@FUZZ
@given(value=_values, margin=st.sampled_from(["", "  ", "    "]))
@example(value=_ANSWER, margin="  ")
@example(value={"a": [], "b": {}, "c": [[]], "d": ({},)}, margin="")
@example(value={1: "a", "b": 2}, margin="  ")
def test_indented_is_json_dumps(value: object, margin: str) -> None:
    assert indented(value, margin) == json.dumps(value, indent=2).replace("\n", "\n" + margin)
