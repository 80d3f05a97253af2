"""Integration tests against real servers (nginx, pypiserver); see conftest.py.

A package so that its conftest.py is imported as ``integration.conftest`` and does not take
the top-level name ``conftest`` from tests/conftest.py, which the other test files import.
"""
