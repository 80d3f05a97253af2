"""PEP 508 requirements and PEP 440 specifiers, parsed with packaging.

packaging's requirement parser (its tokenizer, markers and specifiers) costs about ten
milliseconds to import, and a run whose requirements are plain names answered from the
cache needs none of it: :mod:`indexclient.select` loads this module the first time a
requirement is more than a name, or a Requires-Python must be read. That is its one seam.
"""

from __future__ import annotations

import functools

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

__all__ = ["parse", "problem", "requires_python"]


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Requirement:
    """``Requirement(text)``, parsed once per process: the command checks every
    requirement before any IO and the client parses it again when choosing. Callers
    share the object, so they must not change it. Raises InvalidRequirement."""
    return Requirement(text)


def problem(text: str) -> str | None:
    """Why ``text`` is not a PEP 508 requirement (packaging's first line), or None."""
    try:
        parse(text)
    except InvalidRequirement as exc:
        # packaging's message goes on with the text and a caret: keep its first line.
        return str(exc).splitlines()[0]
    return None


@functools.lru_cache(maxsize=1024)
def requires_python(text: str) -> SpecifierSet | None:
    """A Requires-Python value, or None when it does not parse (ignored, as pip and uv
    do). A project's files share a handful of these: each is parsed once."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None
