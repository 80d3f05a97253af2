"""parse_filename's shortcuts give exactly the answers packaging alone gives.

``parse_filename`` parses common wheel and sdist names itself (with cached tag sets,
versions and names) and leaves every other name to packaging. The reference below is
the same function without the shortcuts: packaging decides everything. Both must agree
on every field, and on the error message, for valid and invalid names alike.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexclient.simple import FilenameInfo, parse_filename
from indexclient.simple import filenames as filenames_module

FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# The reference: packaging's functions alone, without the shortcuts.
_reference = filenames_module._parse_with_packaging


def _assert_as_packaging_says(filename: str) -> FilenameInfo:
    info = parse_filename(filename)
    expected = _reference(filename)
    assert info == expected
    assert hash(info) == hash(expected)
    # Equal Versions may still be spelled differently ("1.0" == "1.0.0").
    assert str(info.version) == str(expected.version)
    assert type(info) is FilenameInfo
    assert info.error == expected.error
    return info


# Realistic names, all of which the shortcuts must answer (so the differential tests
# below compare the shortcuts, not packaging with itself).
COMMON = [
    "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "numpy-2.1.0-cp311-cp311-win_amd64.whl",
    "numpy-2.1.0.tar.gz",
    "six-1.16.0-py2.py3-none-any.whl",
    "Foo_Bar-1.0.post1-7abc-cp312-abi3-manylinux_2_17_x86_64.whl",
    "foo-1.0-0-py3-none-any.whl",
    "zope.interface-6.0-cp311-cp311-macosx_11_0_arm64.whl",
    "foo-bar-1.0.tar.gz",
    "Foo.Bar-2.0rc1.zip",
    "pkg-1!2.0a1.dev3+local.7-PY3-NONE-ANY.whl",
    "_private-1.0-py3-none-any.whl",
    "x-01.02-py3-none-any.whl",
]

# Names the shortcuts hand to packaging, valid or not.
UNCOMMON = [
    "",
    "-",
    ".whl",
    ".zip",
    ".tar.gz",
    "-1.0.tar.gz",
    "foo.tar.gz",
    "foo-1.0.TAR.GZ",
    "foo-1.0.tar.bz2",
    "foo-1.0-py2.7.egg",
    "foo-1.0.whl",
    "foo-1.0-py3-none.whl",
    "foo-1.0-x-py3-none-any.whl",
    "foo-1.0-py3-none-any.WHL",
    "foo-1.0-py3-none-any.whl\n",
    "foo__bar-1.0-py3-none-any.whl",
    "foo\n-1.0-py3-none-any.whl",
    "fóo-1.0-py3-none-any.whl",
    "f\u0661-1.0-py3-none-any.whl",
    "-1.0-py3-none-any.whl",
    "foo-bar-1.0-py3-none-any.whl",
    "foo-not.a.version-py3-none-any.whl",
    "foo-1.0-1\n-py3-none-any.whl",
    "foo-1.0-\u0661-py3-none-any.whl",
    "foo-1.0-1é-py3-none-any.whl",
    "foo-1.0--py3-none-any.whl",
    "foo-1.0-" + "1" * 5000 + "-py3-none-any.whl",
    "foo-" + "1" * 5000 + "-py3-none-any.whl",
    "foo-" + "1" * 5000 + ".tar.gz",
    "foo-1.0-3py-none-any.whl",
    "foo-1.0-py3..py2-none-any.whl",
    "foo-1.0-py3--any.whl",
    "foo-1.0-py3-none-.whl",
    "foo-1.0-py3-none-any..win32.whl",
    "foo-1.0-pý3-none-any.whl",
    "foo-1.0-py3-nöne-any.whl",
    "foo-1.0-py3-none-any-x.whl",
    "foo-1.0-py3.py2-none-any.whl",
    "foo-not a version.zip",
    "foo- 1.0 .tar.gz",
]


@pytest.mark.parametrize("filename", COMMON)
def test_common_names_take_the_shortcut(filename: str) -> None:
    shortcut = (
        filenames_module._common_wheel
        if filename.endswith(".whl")
        else filenames_module._common_sdist
    )
    assert shortcut(filename) is not None
    assert _assert_as_packaging_says(filename).kind != "unknown"


@pytest.mark.parametrize("filename", UNCOMMON)
def test_uncommon_names_are_left_to_packaging(filename: str) -> None:
    _assert_as_packaging_says(filename)


def test_cached_parts_do_not_change_answers() -> None:
    first = [parse_filename(f) for f in COMMON + UNCOMMON]
    filenames_module._wheel_tags.cache_clear()
    filenames_module._version.cache_clear()
    filenames_module._canonical_name.cache_clear()
    for filename, info in zip(COMMON + UNCOMMON, first, strict=True):
        again = _assert_as_packaging_says(filename)
        assert again == info
        assert pickle.loads(pickle.dumps(again)) == info


def test_fast_constructor_sets_every_field() -> None:
    fields = tuple(f.name for f in dataclasses.fields(FilenameInfo))
    assert fields == filenames_module._INFO_FIELDS
    info = parse_filename("foo-1.0-2b-py3-none-any.whl")
    rebuilt = FilenameInfo(*(getattr(info, name) for name in fields))
    assert info == rebuilt
    assert repr(info) == repr(rebuilt)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.kind = "sdist"  # type: ignore[misc]


# Pieces on both sides of every rule: mostly ones packaging accepts, so that the
# shortcuts are exercised, and some it rejects or that its releases judge differently
# (non-ASCII, newlines, empty parts, digits past int()'s limit).
def _mostly(good: list[str], bad: list[str], alphabet: str) -> st.SearchStrategy[str]:
    choices = [st.sampled_from(good)] * 8 + [st.sampled_from(bad), st.text(alphabet, max_size=6)]
    return st.integers(0, len(choices) - 1).flatmap(choices.__getitem__)


names = _mostly(
    ["foo", "Foo_Bar", "a.b", "_x", "x_", "A1", ".", "zope.interface"],
    ["a__b", "", "é", "a\n", "\u0661", "a b"],
    "aZ09._é\n ",
)
versions = _mostly(
    ["1.0", "1.0.0", "2!1.0rc1.post2.dev3+local.7", "1.0a", "01.02", "v1.0"],
    ["1..2", "", "1_0", "\u0661", "1.0\n", " 1.0", "1.0+", "1" * 5000],
    "0123.abcrpostdev!+_ ",
)
builds = _mostly(
    ["1", "1abc", "007", "1.x_y"],
    ["abc", "", "\u0661", "1\n", "1é", "1 ", "1" * 5000],
    "01a._é\n",
)
tag_words = _mostly(
    ["py3", "PY3", "cp311", "py2", "_x", "none", "abi3", "any", "manylinux_2_17_x86_64"],
    ["3py", "", "pý3", "a b", "é"],
    "ap3_9é. ",
)
tag_sets = st.lists(tag_words, min_size=1, max_size=3).map(".".join)
odd_suffixes = st.sampled_from([".WHL", ".ZIP", ".tar.bz2", ".whl\n", ""])


@st.composite
def filenames(draw: st.DrawFn) -> str:
    parts = [draw(names), draw(versions)]
    shape = draw(st.integers(0, 9))
    if shape < 4:  # a wheel
        if draw(st.booleans()):
            parts.append(draw(builds))
        parts += [draw(tag_sets), draw(tag_sets), draw(tag_sets)]
        return "-".join(parts) + ".whl"
    if shape < 7:  # an sdist, its name perhaps with dashes
        if draw(st.booleans()):
            parts.insert(1, draw(names))
        return "-".join(parts) + draw(st.sampled_from([".tar.gz", ".zip"]))
    parts += draw(st.lists(tag_sets, max_size=4))
    return "-".join(parts) + draw(odd_suffixes | st.sampled_from([".whl", ".tar.gz", ".zip"]))


@FUZZ
@given(filename=filenames() | st.text(max_size=40))
@example(filename="foo-1.0-py3-none-any.whl")
@example(filename="foo-1.0.tar.gz")
def test_same_answer_as_packaging(filename: str) -> None:
    _assert_as_packaging_says(filename)
