"""The curated public namespace: everything in __all__ resolves, nothing else leaks."""

from __future__ import annotations

import subprocess
import sys

import pytest

import indexclient


def test_all_names_resolve() -> None:
    for name in indexclient.__all__:
        assert getattr(indexclient, name) is not None, name


def test_all_is_unique() -> None:
    assert len(set(indexclient.__all__)) == len(indexclient.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        indexclient.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_every_error_derives_from_the_root() -> None:
    for name in indexclient.__all__:
        value = getattr(indexclient, name)
        if isinstance(value, type) and issubclass(value, Exception) and name.endswith("Error"):
            assert issubclass(value, indexclient.IndexClientError), name


def test_importing_the_package_does_not_import_aiohttp() -> None:
    code = "import indexclient, sys; print('aiohttp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    # The HTTP client imports aiohttp only for its first request (see test_lazy_network);
    # the connector is aiohttp's own subclass, so reaching it imports aiohttp.
    code = "import indexclient, sys; indexclient.HttpClient; print('aiohttp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout.strip() == "False"
    code = "import indexclient, sys; indexclient.TrustConnector; print('aiohttp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout.strip() == "True"


def test_settings_types_are_exported() -> None:
    # What Settings holds and IndexClient takes is importable from the package root.
    from indexclient.settings import IndexSpec, Origin, Settings, Value

    assert indexclient.IndexSpec is IndexSpec
    assert indexclient.Origin is Origin
    assert indexclient.Settings is Settings
    assert indexclient.Value is Value
