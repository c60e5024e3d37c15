"""Find every translatable string in the code and keep the fr/en .po catalogs in step.

``python -m bot.i18n_catalogs`` adds new message ids to both catalogs (French left empty for a
translator) and drops unused ones; the test suite fails while a French translation is missing.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, catalog_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers")
# Calls whose first literal argument is a message id (``tn`` also has a plural second).
SINGULAR_CALLS = {"_", "t", "UsageError", "Refusal", "_notice"}
PLURAL_CALLS = {"tn"}


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def messages_in(path: Path) -> Iterator[str | tuple[str, str]]:
    """Message ids used in one Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = _call_name(node)
        first = _literal(node.args[0])
        if first is None:
            continue
        if name in SINGULAR_CALLS:
            yield first
        elif name in PLURAL_CALLS and len(node.args) > 1:
            second = _literal(node.args[1])
            if second is not None:
                yield (first, second)


def all_messages() -> dict[str, str | tuple[str, str]]:
    """Every message id in the code, keyed by its singular form."""
    found: dict[str, str | tuple[str, str]] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for message in messages_in(path):
                key = message[0] if isinstance(message, tuple) else message
                found.setdefault(key, message)
    # Console role names are translated through a variable.
    for word in ("organizer", "member"):
        found.setdefault(word, word)
    return found


def read_catalog(language: str) -> Catalog:
    path = catalog_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language)


def update() -> None:
    """Bring both catalogs in step with the code."""
    messages = all_messages()
    for language in LANGUAGES:
        old = read_catalog(language)
        new = Catalog(locale=language, domain=DOMAIN, project="assobot")
        for key, message in sorted(messages.items()):
            previous = old.get(message)
            new.add(message, previous.string if previous is not None else "")
        path = catalog_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po_file:
            write_po(po_file, new, width=0, omit_header=False, sort_output=True)


if __name__ == "__main__":
    update()
    missing = [m.id for m in read_catalog("fr") if m.id and not m.string]
    print(f"{len(missing)} French translation(s) missing", file=sys.stderr)
