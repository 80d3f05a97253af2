"""Helpers only this project's tests and benchmarks use (not shipped in the wheel).

Imported as ``support.*``: ``tests/`` is on ``sys.path`` under pytest (rootdir conftest),
for mypy (``mypy_path``) and for ``python -m benchmarks`` (``benchmarks/__init__.py``).
"""
