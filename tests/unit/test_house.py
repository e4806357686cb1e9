"""The rooms import only what docs/architecture.md allows them, and no import runs in a circle."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("workflow", "models", "services", "notifications", "scheduler", "web")
#: What each room may import of the others.
ALLOWED = {
    "workflow": set(),
    "models": {"workflow"},
    "services": {"workflow", "models", "notifications"},
    "notifications": {"workflow"},
    "scheduler": {"workflow", "services", "notifications"},
    "web": {"workflow", "services", "notifications", "scheduler"},
}
#: The wiring places, the only modules of services/ that reach into models/.
WIRING = {"services/core.py", "services/setup.py"}


def modules() -> dict[str, set[str]]:
    """Each module of the house (as a dotted name) and the house modules it imports."""
    found = {}
    for room in ROOMS:
        for path in (ROOT / room).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            imports = set()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    imports |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imports |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            found[name] = {i for i in imports if i.split(".")[0] in ROOMS}
    return found


@pytest.mark.parametrize("room", ROOMS)
def test_a_room_imports_only_the_rooms_below_it(room):
    for module, imports in modules().items():
        if module.split(".")[0] != room:
            continue
        path = module.replace(".", "/") + ".py"
        for imported in imports:
            other = imported.split(".")[0]
            if other == room:
                continue
            assert other in ALLOWED[room], f"{module} imports {imported}"
            if room == "services" and other == "models":
                assert path in WIRING, f"{module} imports {imported}: only the wiring may"


def test_no_import_runs_in_a_circle():
    graph = modules()
    known = set(graph)

    def targets(module):
        return {i for i in graph[module] if i in known} | {i.rsplit(".", 1)[0] for i in graph[module]
                                                            if i.rsplit(".", 1)[0] in known and i not in known}

    state: dict[str, int] = {}

    def visit(module, path):
        state[module] = 1
        for target in targets(module) - {module}:
            if state.get(target) == 1:
                raise AssertionError(" -> ".join([*path, module, target]))
            if target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [])
