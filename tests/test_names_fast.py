"""The fast paths for names give what packaging gives: ``canonical_name`` against
``canonicalize_name``, and ``project_name`` against its rule (a valid PEP 508 name,
then normalised; else a usage error), on generated names and stored ones."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from indexclient.errors import ConfigurationError
from indexclient.select import is_plain_name, project_name
from indexclient.simple.metadata import canonical_name

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_names = st.text(alphabet="aAzZ09-_.", max_size=12) | st.text(max_size=8)


@FUZZ
@given(name=_names)
@example(name="bench-pkg-1758")
@example(name="a--b")
@example(name="-a")
@example(name="a-")
@example(name="a\n")
@example(name="\u0131")
@example(name="")
@example(name="Foo.Bar_baz")
def test_canonical_name_is_canonicalize_name(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)


def _reference(name: str) -> str | None:
    return canonicalize_name(name) if is_plain_name(name) else None


@FUZZ
@given(name=_names)
@example(name="bench-pkg-1758")
@example(name="a--b")
@example(name="-a")
@example(name="a\n")
@example(name="")
def test_project_name_is_its_rule(name: str) -> None:
    expected = _reference(name)
    if expected is None:
        with pytest.raises(ConfigurationError):
            project_name(name)
    else:
        assert project_name(name) == expected
