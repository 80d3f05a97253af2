"""The curated public namespace: everything in __all__ resolves, nothing else leaks."""

from __future__ import annotations

import ast
import builtins
import subprocess
import sys
from pathlib import Path

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


# --------------------------------------------------------------------------- one name each

PACKAGE = Path(indexclient.__file__).parent


def _public_classes() -> list[type]:
    return [
        value
        for name in indexclient.__all__
        if isinstance(value := getattr(indexclient, name), type)
    ]


def test_public_classes_are_named_from_the_package_root() -> None:
    for cls in _public_classes():
        assert cls.__module__ == "indexclient", cls
        assert repr(cls) == f"<class 'indexclient.{cls.__name__}'>"
        assert getattr(indexclient, cls.__name__) is cls


def test_no_builtin_is_shadowed() -> None:
    shadowed = set(indexclient.__all__) & set(dir(builtins))
    assert not shadowed
    errors_module = ast.parse((PACKAGE / "errors.py").read_text())
    defined = {n.name for n in errors_module.body if isinstance(n, ast.ClassDef)}
    assert not defined & set(dir(builtins))


def _module_all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return value
    return []


def test_each_exception_has_one_import_path() -> None:
    # Defined in indexclient.errors, exported by the root; no other module re-exports one.
    exceptions = {
        cls.__name__ for cls in _public_classes() if issubclass(cls, BaseException | Warning)
    }
    for path in PACKAGE.rglob("*.py"):
        if path in (PACKAGE / "__init__.py", PACKAGE / "errors.py"):
            continue
        assert not exceptions & set(_module_all(path)), path


def _names_in(annotation: ast.expr | None) -> set[str]:
    if annotation is None:
        return set()
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        annotation = ast.parse(annotation.value, mode="eval").body
    return {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute)
    }


def test_what_the_api_takes_and_returns_is_exported() -> None:
    """Every indexclient type named in the signature or fields of a public class is
    importable from the package root: a caller never needs a private module's path."""
    defined: dict[str, Path] = {}  # top-level classes and type aliases of the package
    trees = {path: ast.parse(path.read_text()) for path in PACKAGE.rglob("*.py")}
    for path, tree in trees.items():
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                defined.setdefault(node.name, path)
    public = set(indexclient.__all__)
    classes = {cls.__name__ for cls in _public_classes()}
    missing: set[str] = set()
    for tree in trees.values():
        for node in tree.body:
            if not (isinstance(node, ast.ClassDef) and node.name in classes):
                continue
            for member in node.body:
                names: set[str] = set()
                if isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name):
                    if not member.target.id.startswith("_"):
                        names = _names_in(member.annotation)
                elif isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    if member.name.startswith("_") and member.name != "__init__":
                        continue
                    arguments = member.args
                    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
                    for argument in every:
                        names |= _names_in(argument.annotation)
                    names |= _names_in(member.returns)
                missing |= {n for n in names if n in defined and n not in public}
    assert not missing, f"used by the public API but not exported: {sorted(missing)}"
