"""ARCHITECTURE.md's boundaries, checked by reading the code (an ``ast`` scan)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA)\b", re.I)
# Which single module may import each platform / library (None: anywhere in storage/).
OWNERS = {
    "telegram": "bot/adapters/telegram.py",
    "nio": "bot/adapters/matrix.py",
    "apscheduler": "bot/scheduler.py",
}
STORAGE_ONLY = ("sqlite_utils", "sqlite3")
FORBIDDEN_IN_HANDLERS = (*OWNERS, *STORAGE_ONLY, "os", "subprocess", "threading")


def _sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_platform_and_scheduler_libraries_have_one_owner() -> None:
    offences = [
        f"{_rel(path)}:{line} imports {name}"
        for path in _sources("bot", "handlers", "storage")
        for line, name in _imports(_tree(path))
        if name in OWNERS and _rel(path) != OWNERS[name]
    ]
    assert [] == offences


def test_database_libraries_only_in_storage() -> None:
    offences = [
        f"{_rel(path)}:{line} imports {name}"
        for path in _sources("bot", "handlers")
        for line, name in _imports(_tree(path))
        if name in STORAGE_ONLY
    ]
    assert [] == offences


def test_no_sql_outside_storage() -> None:
    offences = [
        f"{_rel(path)}:{node.lineno}"
        for path in _sources("bot", "handlers")
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
    ]
    assert [] == offences


def test_handlers_import_no_platform_database_or_system_module() -> None:
    offences = [
        f"{_rel(path)}:{line} imports {name}"
        for path in _sources("handlers")
        for line, name in _imports(_tree(path))
        if name in FORBIDDEN_IN_HANDLERS
    ]
    assert [] == offences


def _mutable(value: ast.expr) -> bool:
    if isinstance(
        value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp
    ):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id in {"list", "dict", "set", "defaultdict", "deque", "Counter"}
    return False


def test_handlers_keep_no_module_level_mutable_state() -> None:
    offences = []
    for path in _sources("handlers"):
        for node in _tree(path).body:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            for target in targets:
                # UPPER_CASE names are constants by convention; anything else is state.
                if isinstance(target, ast.Name) and not target.id.isupper() and _mutable(value):
                    offences.append(f"{_rel(path)}:{node.lineno} {target.id}")
    assert [] == offences


def test_handlers_start_no_bare_tasks_and_read_no_files() -> None:
    offences = []
    for path in _sources("handlers"):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"create_task", "ensure_future", "open", "read_text", "getenv"}:
                offences.append(f"{_rel(path)}:{node.lineno} {name}()")
    assert [] == offences


@pytest.mark.parametrize("path", list(_sources("bot", "handlers", "storage")), ids=_rel)
def test_modules_use_future_annotations(path: Path) -> None:
    tree = _tree(path)
    has_code = any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for n in tree.body
    )
    has_future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in tree.body)
    assert has_future or not has_code
