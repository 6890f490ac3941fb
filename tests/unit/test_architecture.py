"""The direction of imports (docs/architecture.md), read from the source with no module imported.

- each module imports only from its own layer and the earlier ones (LAYERS);
- only ``xmux_sim.providers`` imports an engine's SDK (docker, testcontainers);
- the pure packages (checkers, topology, the scenario file model, history and timeline,
  report, workload, faults, parameters) import nothing that reaches ``providers.docker``
  or an SDK, not even through another module;
- nothing outside ``xmux_sim.providers`` imports ``providers.docker``: the rest chooses a
  provider by name and talks to it through ``providers.base``;
- no two modules import each other, directly or round a loop.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "xmux_sim"
SDKS = ("docker", "testcontainers")
PURE = (
    "xmux_sim.checkers",
    "xmux_sim.topology",
    "xmux_sim.scenario",
    "xmux_sim.history",
    "xmux_sim.timeline",
    "xmux_sim.report",
    "xmux_sim.workload",
    "xmux_sim.faults",
    "xmux_sim.params",
    "xmux_sim.values",
    "xmux_sim.inputfile",
    "xmux_sim.registry",
)

# docs/architecture.md, "Direction of imports": each layer imports only from itself and those above.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "xmux_sim",
        "xmux_sim.params",
        "xmux_sim.values",
        "xmux_sim.inputfile",
        "xmux_sim.registry",
        "xmux_sim.errors",
        "xmux_sim.xmus",
        "xmux_sim.images",
        "xmux_sim.terminal",
    ),
    ("xmux_sim.topology",),
    (
        "xmux_sim.faults",
        "xmux_sim.faults.kind",
        "xmux_sim.faults.kinds",
        "xmux_sim.faults.role",
        "xmux_sim.faults.spec",
    ),
    ("xmux_sim.timeline", "xmux_sim.history"),
    ("xmux_sim.faults.base", "xmux_sim.faults.together"),
    ("xmux_sim.checkers",),
    ("xmux_sim.scenario", "xmux_sim.fabric", "xmux_sim.report"),
    ("xmux_sim.services", "xmux_sim.clients", "xmux_sim.workload"),
    ("xmux_sim.providers", "xmux_sim.providers.base"),
    ("xmux_sim.providers.docker",),
    ("xmux_sim.providers.kind",),
    ("xmux_sim.session", "xmux_sim.experiment"),
    ("xmux_sim.load", "xmux_sim.smoke", "xmux_sim.api", "xmux_sim.suite"),
    ("xmux_sim.cli", "xmux_sim.pytest_plugin"),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, except the programs copied into images (they run there)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "images" and len(path.relative_to(PACKAGE).parts) > 2:
            continue
        found[_module_name(path)] = path
    return found


def _imported(tree: ast.AST, here: str) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here.rsplit(".", node.level)[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                # `from pkg import submodule` imports the submodule.
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base


@cache
def imports() -> dict[str, frozenset[str]]:
    """Module -> every module it imports anywhere in its source (also inside functions)."""
    return {
        name: frozenset(_imported(ast.parse(path.read_text(), str(path)), name))
        for name, path in modules().items()
    }


def _closure(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [m for m in imports().get(module, ()) if m in modules() or m.split(".")[0] in SDKS]
    return seen


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer(module: str) -> int:
    """The layer of the longest prefix of ``module`` that LAYERS names."""
    best, found = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if _in(module, name) and len(name) > best:
                best, found = len(name), i
    assert found >= 0, f"{module} is in no layer of docs/architecture.md"
    return found


def test_each_module_imports_only_from_its_layer_or_below() -> None:
    upward = {
        module: sorted(m for m in imported if m in modules() and layer(m) > layer(module))
        for module, imported in imports().items()
    }
    assert {m: found for m, found in upward.items() if found} == {}


def test_only_providers_import_an_engine_sdk() -> None:
    offenders = {
        module: sorted(m for m in imported if m.split(".")[0] in SDKS)
        for module, imported in imports().items()
        if not _in(module, "xmux_sim.providers")
    }
    assert {m: sdk for m, sdk in offenders.items() if sdk} == {}


def test_nothing_outside_providers_imports_the_docker_provider() -> None:
    offenders = {
        module: sorted(m for m in imported if _in(m, "xmux_sim.providers.docker"))
        for module, imported in imports().items()
        if not _in(module, "xmux_sim.providers")
    }
    assert {m: found for m, found in offenders.items() if found} == {}


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_reach_no_engine(package: str) -> None:
    for module in (m for m in modules() if _in(m, package)):
        reached = _closure(module)
        engine = sorted(m for m in reached if _in(m, "xmux_sim.providers") or m.split(".")[0] in SDKS)
        assert engine == [], f"{module} reaches {engine}"


def test_no_module_cycles() -> None:
    graph = {m: {i for i in imported if i in modules() and i != m} for m, imported in imports().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_graph_sees_what_it_should() -> None:
    # The scan must see lazy imports, or the tests above would pass on an empty graph.
    assert "xmux_sim.providers.docker.provider" in imports()["xmux_sim.providers.docker"]
    assert "docker" in imports()["xmux_sim.providers.docker.engine"]
    assert "xmux_sim.timeline" in imports()["xmux_sim.checkers.recovery"]
