"""Calibration's modules: no import cycle among them, and selectors never reach a service."""

import ast
from pathlib import Path

import apps.calibration

PACKAGE = "apps.calibration"
ROOT = Path(apps.calibration.__file__).parent


def import_graph() -> dict[str, set[str]]:
    """Module -> the calibration modules it imports, at module level or inside a function."""
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join((PACKAGE, *parts)).removesuffix(".__init__")
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t.startswith(PACKAGE)}
    return {m: {t for t in targets if t in graph and t != m} for m, targets in graph.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


# Left for now, and the only one: the promise report's service queues its Celery task, and the
# task calls the service (the service imports the task inside the function that queues it).
KNOWN_CYCLE = {"apps.calibration.promise_services", "apps.calibration.tasks"}


def test_no_calibration_module_imports_itself_through_others():
    graph = import_graph()
    cycles = {m for m in graph if m in reachable(graph, m)}
    assert cycles <= KNOWN_CYCLE, f"modules in an import cycle: {sorted(cycles - KNOWN_CYCLE)}"


def test_selectors_never_import_services():
    graph = import_graph()
    for selectors in (m for m in graph if m.endswith("selectors")):
        services = {m for m in reachable(graph, selectors) if m.endswith("services")}
        assert not services, f"{selectors} reaches {sorted(services)}"
