"""Layering without cycles: the import graph of the apps under src/grassroots.

What counts as an import: every `import grassroots.<app>...` / `from grassroots.<app>... import` in an
app's code, at module level AND inside functions. A function-level import is still a dependency at run
time (it is how cycles hide), so it counts the same. Not counted:
- string references resolved by Django (`ForeignKey("regions.Region")`, dotted task paths, settings);
- `demo.py` modules and the `demo` app, and the `bench` package: they are composition roots that build
  or measure data across every app by design, and nothing imports them back;
- migrations (frozen history) and tests.

Where two apps' models reference each other (party <-> units, accounts' role assignments on party orgs,
a grid patrol's cases), the lower app reaches the upper app's model through its own declared relation
(`Model._meta.get_field(...).related_model`) instead of importing it: the relation is declared once, in
the model, and the layering of the code stays one-way.

Asserted: core imports no other app (features reach core through its registries: navigation, rules,
schedule, metrics, importing kinds, ...), and the graph of the apps has no cycle.
"""

import ast
import pathlib

from django.conf import settings

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "grassroots"
COMPOSITION_ROOTS = {"demo", "bench"}


def _apps() -> set[str]:
    return {
        a.split(".")[1]
        for a in settings.INSTALLED_APPS
        if a.startswith("grassroots.") and a.split(".")[1] not in COMPOSITION_ROOTS
    }


def _imported_modules(node) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return []


def import_edges() -> dict[str, dict[str, list[str]]]:
    """app -> imported app -> ["file:line", ...]."""
    apps = _apps()
    edges: dict[str, dict[str, list[str]]] = {a: {} for a in apps}
    for app in sorted(apps):
        for path in sorted((SRC / app).rglob("*.py")):
            rel = path.relative_to(SRC)
            if "migrations" in rel.parts or path.name == "demo.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                for name in _imported_modules(node):
                    parts = name.split(".")
                    if len(parts) >= 2 and parts[0] == "grassroots" and parts[1] in apps and parts[1] != app:
                        edges[app].setdefault(parts[1], []).append(f"{rel}:{node.lineno}")
                        break
    return edges


def cycles(edges) -> list[list[str]]:
    """The strongly connected components with more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_core_imports_no_app():
    edges = import_edges()
    assert edges["core"] == {}, f"core imports other apps: {edges['core']}"


def test_no_cycle_between_apps():
    edges = import_edges()
    found = cycles(edges)
    detail = []
    for component in found:
        for a in component:
            for b in component:
                if b in edges[a]:
                    detail.append(f"{a} -> {b}: {', '.join(edges[a][b][:3])}")
    assert not found, "import cycles between apps:\n" + "\n".join(detail)


def test_the_cycle_finder_can_fail():
    assert cycles({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": []}, "b": {}}) == []
