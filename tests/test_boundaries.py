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
    # Outbound HTTP goes through the one guarded fetcher (public addresses only, pinned).
    "httpx": "bot/fetch.py",
    "httpcore": "bot/fetch.py",
    "aiohttp": "bot/fetch.py",
    "requests": "bot/fetch.py",
    "urllib3": "bot/fetch.py",
    # The web page's templates are rendered by its server only.
    "jinja2": "bot/web/server.py",
}
# Inbound HTTP: the web page's server is aiohttp's (web side only, never a client).
SERVERS = {"aiohttp": "bot/web/server.py"}
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
        if name in OWNERS and _rel(path) not in (OWNERS[name], SERVERS.get(name))
    ]
    assert [] == offences


def test_the_web_server_makes_no_outbound_request() -> None:
    """The web page's module may import aiohttp for its server, never for a client: every
    outbound request goes through the guarded fetcher."""
    text = (ROOT / SERVERS["aiohttp"]).read_text(encoding="utf-8")
    assert [] == [word for word in ("ClientSession", "request(", "TCPConnector") if word in text]


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


# The arrows (docs/architecture.md): which modules a part of the code may never import.
WIRING = {"bot/app.py", "bot/cli.py", "bot/__main__.py", "bot/docs.py", "bot/i18n_catalogs.py"}


def _full_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every absolute import's full dotted module name, TYPE_CHECKING blocks included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # ``from bot import app`` imports bot.app
                yield node.lineno, f"{node.module}.{alias.name}"


def _feature_of(module: str) -> str | None:
    """``handlers.polls.vote`` -> ``polls``; ``handlers`` itself -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "handlers" and len(parts) > 1 else None


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def arrow_offences(relative: str, tree: ast.AST) -> list[str]:
    """The forbidden arrows out of one source file (``relative`` to the repository root), one
    per offending import line."""
    offences: dict[int, str] = {}
    for line, module in _full_imports(tree):
        why = ""
        if relative.startswith("bot/adapters/"):
            if _under(module, "bot.app") or _under(module, "handlers"):
                why = "an adapter talks to the host port only"
            elif _under(module, "storage"):
                why = "an adapter keeps its state through host.state, not storage"
        elif relative.startswith("bot/") and relative not in WIRING:
            if _under(module, "handlers") or _under(module, "bot.adapters"):
                why = "core never imports a feature or an adapter"
            elif _under(module, "bot.app") or _under(module, "bot.cli"):
                why = "core never imports the wiring"
        elif relative.startswith("storage/"):
            if _under(module, "bot") and not _under(module, "bot.message"):
                why = "storage imports nothing from bot but bot.message"
            elif _under(module, "handlers"):
                why = "storage never imports a feature"
        elif relative.startswith("handlers/"):
            parts = Path(relative).with_suffix("").parts
            own = parts[1] if len(parts) > 2 else None  # a package's parts share a feature
            other = _feature_of(module)
            if _under(module, "bot.app") or _under(module, "bot.adapters"):
                why = "a feature never imports the wiring or an adapter"
            elif other is not None and other != own and module != "handlers":
                why = "one feature never imports another (shared code goes to core)"
        if why:
            offences.setdefault(line, f"{relative}:{line} imports {module}: {why}")
    return [offences[line] for line in sorted(offences)]


def test_the_arrows_hold() -> None:
    offences = [
        offence
        for path in _sources("bot", "handlers", "storage")
        if _rel(path) != "handlers/__init__.py"  # the explicit list of features
        for offence in arrow_offences(_rel(path), _tree(path))
    ]
    assert [] == offences


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("bot/adapters/telegram.py", "from bot.app import App"),
        ("bot/adapters/matrix.py", "if TYPE_CHECKING:\n    from bot.app import App"),
        ("bot/adapters/console.py", "from bot import app"),
        ("bot/adapters/matrix.py", "from storage.adapters import AdapterStateRepo"),
        ("bot/router.py", "from handlers import ROUTERS"),
        ("bot/context.py", "from bot.adapters.console import ConsoleAdapter"),
        ("bot/scheduler.py", "import bot.app"),
        ("storage/polls.py", "from bot.context import Context"),
        ("storage/rooms.py", "from handlers.rooms import router"),
        ("handlers/rooms.py", "from handlers.polls import close_poll"),
        ("handlers/polls/vote.py", "from handlers.reminders.delivery import arm"),
        ("handlers/events.py", "from handlers.reminders import arm"),
        ("handlers/polls/vote.py", "from bot.adapters.telegram import TelegramAdapter"),
    ],
)
def test_each_forbidden_arrow_is_caught(relative: str, source: str) -> None:
    assert 1 == len(arrow_offences(relative, ast.parse(source)))


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("bot/adapters/telegram.py", "from bot.message import Outgoing"),
        ("bot/adapters/base.py", "from bot.context import RoomVoice"),
        ("bot/app.py", "from handlers import ROUTERS"),
        ("storage/polls.py", "from bot.message import Member"),
        ("handlers/polls/vote.py", "from handlers.polls.render import outgoing"),
        ("handlers/polls/vote.py", "from bot.context import Context"),
        ("handlers/rooms.py", "from storage.rooms import RoomRecord"),
    ],
)
def test_allowed_arrows_pass(relative: str, source: str) -> None:
    assert [] == arrow_offences(relative, ast.parse(source))
