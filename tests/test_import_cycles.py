"""No import cycle among the backend's modules, nor among the dialogs' (imports inside functions count).

A module-level cycle breaks at start-up in whichever order the modules happen to load; one hidden in a
function breaks later, in front of a person. Importing a package's submodule runs the package's
__init__ too, but that is Python's doing, not an edge: `backend.api.dialog` importing
`backend.api.blueprint` does not depend on `backend.api` registering the routes.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Map each module's dotted name to its file (migrations' version scripts are not modules)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "versions" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Return module -> the project modules it imports, anywhere in its file."""
    known = modules(root, packages)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                # "from package import module" imports the module; "from module import name" the module.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
            for target in targets:
                resolved = resolve(target)
                if resolved and resolved != name:
                    graph[name].add(resolved)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter[0]
                    counter[0] += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_no_import_cycle_among_the_backend_modules():
    assert cycles(import_graph(ROOT, ("backend",))) == []


def test_no_import_cycle_among_the_dialogs_modules():
    assert cycles(import_graph(ROOT, ("dialogs",))) == []


def test_a_cycle_is_found_even_when_one_side_imports_inside_a_function(tmp_path):
    package = tmp_path / "app"
    (package / "services").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "services" / "__init__.py").write_text("")
    (package / "services" / "outbox.py").write_text("def wake():\n    from app.services import delivery\n")
    (package / "services" / "delivery.py").write_text("from app.services.outbox import wake\n")
    (package / "services" / "audit.py").write_text("from . import outbox\n")
    assert cycles(import_graph(tmp_path, ("app",))) == [["app.services.delivery", "app.services.outbox"]]


def test_a_package_that_imports_its_own_route_modules_is_no_cycle_when_they_import_a_sibling(tmp_path):
    package = tmp_path / "web"
    package.mkdir()
    (package / "__init__.py").write_text("from web.blueprint import bp\nfrom web import routes\n")
    (package / "blueprint.py").write_text("bp = object()\n")
    (package / "routes.py").write_text("from web.blueprint import bp\n")
    assert cycles(import_graph(tmp_path, ("web",))) == []
    # The classic Flask knot: the routes import the package that imports them.
    (package / "routes.py").write_text("from web import bp\n")
    assert cycles(import_graph(tmp_path, ("web",))) == [["web", "web.routes"]]
