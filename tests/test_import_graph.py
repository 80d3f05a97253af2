"""The import graph of indexclient has no cycle, function-level imports included.

Every module is parsed with :mod:`ast` (nothing is imported). An import of a module of the
package is an edge to the most specific module that exists: ``import a.b.c`` and
``from a.b import c`` go to ``a.b.c`` when it is a module, else to ``a.b``; a package's
``__init__`` is a module of its own. Imports under ``if TYPE_CHECKING:`` are left out
(they never run); imports inside functions count, since a cycle through them still ties
the modules together. Names loaded through :func:`indexclient._lazy.lazy_attributes` are
strings, not imports, and are not edges.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import indexclient

PACKAGE = "indexclient"
ROOT = Path(indexclient.__file__).parent


def _modules(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements under ``node`` that can run (not the TYPE_CHECKING ones)."""
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        for statement in node.orelse:
            yield from _runtime_imports(statement)
        return
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    for child in ast.iter_child_nodes(node):
        yield from _runtime_imports(child)


def _most_specific(name: str, modules: Mapping[str, Path]) -> str | None:
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, path: Path, modules: Mapping[str, Path]
) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            target = _most_specific(alias.name, modules)
            if target is not None:
                yield target
        return
    if node.level:
        # Relative to the package holding the module (a package's __init__ is in itself).
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    for alias in node.names:
        target = _most_specific(f"{base}.{alias.name}", modules)
        if target is not None:
            yield target


def import_graph(
    modules: Mapping[str, Path] | None = None,
) -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports at run time."""
    modules = _modules() if modules is None else modules
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges = {
            target
            for node in _runtime_imports(tree)
            for target in _targets(node, module, path, modules)
        }
        edges.discard(module)
        graph[module] = edges
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def shortest_cycle(component: list[str], graph: Mapping[str, set[str]]) -> list[str]:
    """One cycle through the first module of ``component``, as a path back to it."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & members):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"not a cycle: {component}")  # pragma: no cover


def test_no_import_cycle() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles (each: its modules, then one path round):\n" + "\n".join(
        f"  {', '.join(component)}\n    {' -> '.join(shortest_cycle(component, graph))}"
        for component in found
    )


def test_the_settings_layers_import_downward() -> None:
    graph = import_graph()
    # The leaf: what every other part of the settings imports, importing none of them.
    assert graph["indexclient.settings.values"] == {
        "indexclient.errors",
        "indexclient.tls.hosts",
        "indexclient.urls",
    }
    for module, targets in graph.items():
        # The files package reads values, never the module holding Settings (nor the
        # package, whose __init__ imports it).
        if module.startswith("indexclient.settings.files"):
            assert not targets & {"indexclient.settings", "indexclient.settings.load"}, module
        # pip's configuration has one reader, a leaf the settings and tls both use.
        if module == "indexclient.pipconf":
            assert targets <= {"indexclient.userfiles", "indexclient.errors"}, targets
        # Transport is below the settings: it takes its defaults from the leaf only.
        if module.startswith("indexclient.transport"):
            settings = {t for t in targets if t.split(".")[:2] == ["indexclient", "settings"]}
            assert settings <= {"indexclient.settings.values"}, module


# The checks of the checker: it must see what it is meant to see, or the tests above
# would pass vacuously.


def test_the_graph_covers_the_package() -> None:
    graph = import_graph()
    # A package's __init__ is a module; `from indexclient.errors import X` is an edge to
    # the module errors.
    assert "indexclient.errors" in graph["indexclient"]
    # A function-level import is an edge: Settings.discover imports the files package.
    assert "indexclient.settings.files" in graph["indexclient.settings.load"]
    # Both readers of pip's configuration reach it through the one module.
    assert "indexclient.pipconf" in graph["indexclient.settings.pip"]
    assert "indexclient.pipconf" in graph["indexclient.tls.alternatives"]


def _write(root: Path, files: Mapping[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return _modules(root, "pkg")


def test_a_function_level_and_a_relative_import_close_a_cycle(tmp_path: Path) -> None:
    modules = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "def f():\n    from pkg.sub import b\n",
            "sub/__init__.py": "",
            "sub/b.py": "from .. import a\n",
        },
    )
    graph = import_graph(modules)
    assert cycles(graph) == [["pkg.a", "pkg.sub.b"]]
    assert shortest_cycle(["pkg.a", "pkg.sub.b"], graph) == ["pkg.a", "pkg.sub.b", "pkg.a"]


def test_type_checking_imports_and_attributes_are_not_edges(tmp_path: Path) -> None:
    modules = _write(
        tmp_path,
        {
            "__init__.py": "from pkg.a import NAME\n",
            "a.py": (
                "import typing\nfrom typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    import pkg.b\nelse:\n    import pkg.c\n"
                "if typing.TYPE_CHECKING:\n    from pkg import b\nNAME = 1\n"
            ),
            "b.py": "import pkg.a\n",
            "c.py": "from pkg import NAME\n",
        },
    )
    graph = import_graph(modules)
    assert graph["pkg.a"] == {"pkg.c"}
    # `from pkg import NAME` (an attribute) is an edge to the package itself.
    assert graph["pkg.c"] == {"pkg"}
    assert cycles(graph) == [["pkg", "pkg.a", "pkg.c"]]


# The README's layout, bottom up: a module may import only from its own layer or those
# before it. The package root (the public namespace) and __main__ sit above them all.
LAYERS = (
    ("errors", "_version", "_lazy"),
    ("urls", "userfiles", "pipconf"),
    ("tls",),
    ("settings", "target"),
    ("transport",),
    ("simple",),
    ("select", "requirements", "pyproject", "reqfile", "reqfile_io"),
    ("indexes",),
    ("search",),
    ("memo",),
    ("fetching",),
    ("remembered",),
    ("download",),
    ("client", "sync"),
    ("lock",),
    ("diagnostics",),
    ("cli",),
    ("testing",),
)


def _layer(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    for rank, names in enumerate(LAYERS):
        if part in names:
            return rank
    return len(LAYERS)  # the package root and __main__


def test_imports_follow_the_readme_layout() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    )
    assert not upward, "imports reaching up the layout:\n" + "\n".join(upward)
