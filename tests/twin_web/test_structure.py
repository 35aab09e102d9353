"""The code stays changeable: no import cycle, selectors that only read, and modules and
functions small enough to hold in one's head, or saying beside them why they are not.

CONVENTIONS: a module past ~400 lines is split by concept; a function past ~60 lines is
split or carries a comment saying why (a `# Long:` comment just above its `def`, or for a
module, anywhere in its first lines). Complexity is ruff's C901 (pyproject.toml).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("apps", "twin_web")
MODULE_LINES = 400
FUNCTION_LINES = 60
REASON = "# Long:"


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, module: str, modules: dict[str, Path]) -> set[str]:
    """Modules of ours that `module` imports, at module level or inside a function (an
    import inside a function hides a cycle; it does not remove it), but not those imported
    for type checking only."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = module.split(".")[: -node.level]
                base = ".".join([*package, node.module])
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    ours = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            ours.add(name)
    return ours


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: _imported(ast.parse(path.read_text()), name, modules)
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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
            connect(node)
    return found


def test_no_module_imports_itself_through_others():
    assert _cycles(_import_graph()) == []


def test_the_cycle_finder_finds_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_an_import_inside_a_function_counts_and_one_for_type_checking_does_not():
    modules = {"apps.x.services": Path(), "apps.x.tasks": Path(), "apps.x.models": Path()}
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from apps.x.models import Thing\n"
        "def run():\n    from apps.x.tasks import go\n"
    )
    assert _imported(ast.parse(source), "apps.x.services", modules) == {"apps.x.tasks"}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), set()) - seen:
            seen.add(target)
            todo.append(target)
    return seen


def _is(module: str, kind: str) -> bool:
    return module.rpartition(".")[2].startswith(kind)


def test_selectors_never_reach_a_service():
    """Selectors read, services write: a selector imports no service, not even through
    another module."""
    graph = _import_graph()
    offending = {
        name: sorted(m for m in _reachable(graph, name) if _is(m, "services"))
        for name in graph
        if _is(name, "selectors")
    }
    assert {name: found for name, found in offending.items() if found} == {}


def _long_without_reason() -> list[str]:
    found = []
    for name, path in _modules().items():
        lines = path.read_text().splitlines()
        if len(lines) > MODULE_LINES and not any(REASON in line for line in lines[:30]):
            found.append(f"{name}: {len(lines)} lines")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno + 1
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if length > FUNCTION_LINES and REASON not in lines[first - 2]:
                found.append(f"{name}.{node.name}: {length} lines")
    return found


def test_modules_and_functions_are_short_or_say_why():
    assert _long_without_reason() == []
