"""Benchmarks run by `make bench`; results are medians and ratios from one run."""

import sys
from pathlib import Path

# The nginx runner and the static index writer are test helpers (tests/support/), not part
# of the package: put tests/ on the path so they import as ``support.*``, the one name the
# tests and mypy (mypy_path = "tests") also use.
_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
