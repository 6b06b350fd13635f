"""The layout holds: no import loop between files, imports follow the layering, and SQL lives
only in the store modules.

Layering (lower may never import higher, peers never import each other):
contracts <- common (ground) <- edge | gateway | sim <- models tools <- anju (the roof).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PACKAGES = {
    "anju_contracts": ROOT / "contracts" / "anju_contracts",
    "anju_common": ROOT / "common" / "anju_common",
    "anju_edge": ROOT / "edge" / "anju_edge",
    "anju_gateway": ROOT / "gateway" / "anju_gateway",
    "anju_sim": ROOT / "firmware-sim" / "anju_sim",
    "anju_models": ROOT / "models" / "anju_models",
    "anju": ROOT / "anju",
}
LAYER = {
    "anju_contracts": 0,
    "anju_common": 1,
    "anju_edge": 2,
    "anju_gateway": 2,
    "anju_sim": 2,
    "anju_models": 3,
    "anju": 4,
}

# SQL statements as string literals; upper-case keywords, as every store writes them.
SQL = re.compile(
    r"\b(SELECT\s|PRAGMA\s|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)|ALTER\s+TABLE|DROP\s+TABLE)\b",
    re.S,
)
DB_CALLS = {"execute", "executemany", "executescript"}


def is_store_module(path: Path) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    return (
        rel.startswith("gateway/anju_gateway/store/")
        or rel == "common/anju_common/sqlite.py"
        or (rel.startswith("edge/anju_edge/") and path.stem in {"store", "outbox"})
    )


def modules() -> Iterator[tuple[str, Path]]:
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join([package, *parts]), path


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(module: str, path: Path, *, top_level_only: bool) -> Iterator[str]:
    """Modules imported by `module`; with top_level_only, only what runs at import time (and
    TYPE_CHECKING blocks, which are loops in the design even when not at run time)."""
    tree = ast.parse(path.read_text("utf-8"))
    is_package = path.name == "__init__.py"
    nodes: list[ast.stmt] = []
    if top_level_only:
        stack = list(tree.body)
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, ast.If | ast.Try):
                stack.extend(stmt.body)
                stack.extend(stmt.orelse)
                if isinstance(stmt, ast.Try):
                    for handler in stmt.handlers:
                        stack.extend(handler.body)
            else:
                nodes.append(stmt)
    else:
        nodes = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, is_package, node)
            yield target
            for alias in node.names:
                yield f"{target}.{alias.name}"  # a submodule, when it is one


def test_no_import_loop_between_files() -> None:
    known = dict(modules())
    graph: dict[str, set[str]] = {
        name: {m for m in imports(name, path, top_level_only=True) if m in known and m != name}
        for name, path in known.items()
    }
    # Tarjan's strongly connected components: any component of two or more files is a loop.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
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
                loops.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert loops == [], f"import loops between files: {loops}"


def test_imports_follow_the_layering() -> None:
    wrong = []
    for name, path in modules():
        own = name.split(".")[0]
        for target in imports(name, path, top_level_only=False):
            other = target.split(".")[0]
            if other in LAYER and other != own and LAYER[other] >= LAYER[own]:
                wrong.append(f"{name} imports {target}")
    assert sorted(set(wrong)) == []


def test_sql_lives_only_in_store_modules() -> None:
    found = []
    for _name, path in modules():
        if is_store_module(path):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            sql_text = (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SQL.search(node.value)
            )
            db_call = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in DB_CALLS
            )
            if sql_text or db_call:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], f"SQL outside the store modules: {found}"
