"""Find every translatable string in the code and keep the fr/en .po catalogs in step.

``python -m bot.i18n_catalogs`` adds new message ids to both languages (French left empty for a
translator) and drops unused ones; the test suite fails while a French translation is missing.
Each feature module (``handlers/x.py``, ``bot/adapters/x.py``) or feature package
(``handlers/x/**``) has its own catalog ``x.po``;
everything else is in ``core.po``.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n import LANGUAGES, LOCALES_DIR, catalog_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers")
HEADER_DATE = datetime(2026, 1, 1, tzinfo=UTC)
# Calls whose first literal argument is a message id (``tn`` also has a plural second).
SINGULAR_CALLS = {"_", "t", "UsageError", "Refusal", "_notice"}
PLURAL_CALLS = {"tn"}
# Pinned plural rules: Babel 2.19 gives French a third CLDR form ("many", for millions) that
# gettext catalogs never had; a newer Babel must not add empty forms to every plural message.
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "en": "nplurals=2; plural=(n != 1);"}


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
        if first is None or first in LANGUAGES:
            continue  # Translator.t("fr", msgid) takes the language first: not a message
        if name in SINGULAR_CALLS:
            yield first
        elif name in PLURAL_CALLS and len(node.args) > 1:
            second = _literal(node.args[1])
            if second is not None:
                yield (first, second)


def catalog_of(path: Path) -> str:
    """Which catalog a source file's messages belong to."""
    relative = path.relative_to(ROOT)
    if relative.parts[0] == "handlers" and len(relative.parts) > 2:
        return relative.parts[1]  # a feature package: handlers/polls/** -> polls.po
    feature_module = relative.parts[0] == "handlers" or relative.parts[:2] == ("bot", "adapters")
    if feature_module and path.stem not in ("__init__", "base"):
        return path.stem
    return "core"


Message = str | tuple[str, str]


def all_messages() -> dict[str, dict[str, Message]]:
    """Every message id in the code: catalog name -> {singular form: message}."""
    found: dict[str, dict[str, Message]] = {"core": {}}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            catalog = found.setdefault(catalog_of(path), {})
            for message in messages_in(path):
                key = message[0] if isinstance(message, tuple) else message
                catalog.setdefault(key, message)
    # Console role names are translated through a variable.
    for word in ("organizer", "member"):
        found["core"].setdefault(word, word)
    return {name: messages for name, messages in found.items() if messages}


def read_catalog(language: str, name: str = "core") -> Catalog:
    path = catalog_path(language, name)
    if not path.exists():
        return Catalog(locale=language, domain=name)
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language)


def update() -> None:
    """Bring every catalog of both languages in step with the code.

    Each file is replaced atomically (written aside, then renamed) and only a catalog whose
    feature has no message left is removed, so a run never leaves a half-written or missing
    catalog behind, even next to another run.
    """
    wanted = all_messages()
    for language in LANGUAGES:
        folder = LOCALES_DIR / language / "LC_MESSAGES"
        # Translations are found in any catalog, so a message may move between them.
        known: dict[object, object] = {}
        for path in sorted(folder.glob("*.po")):
            for old in read_catalog(language, path.stem):
                if old.id and old.string:
                    known.setdefault(old.id, old.string)
        for name, messages in wanted.items():
            # A fixed header date keeps catalogs free of churn between runs.
            new = Catalog(
                locale=language,
                domain=name,
                project="assobot",
                creation_date=HEADER_DATE,
                revision_date=HEADER_DATE,
            )
            new.mime_headers = [("Plural-Forms", PLURAL_FORMS[language])]
            for _key, message in sorted(messages.items()):
                new.add(message, known.get(message, ""))  # type: ignore[arg-type]
            path = catalog_path(language, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with aside.open("wb") as po_file:
                write_po(po_file, new, width=0, omit_header=False, sort_output=True)
            aside.replace(path)
        for path in folder.glob("*.po"):
            if path.stem not in wanted:
                path.unlink()


def missing_french() -> list[tuple[str, str]]:
    """(catalog, message id) pairs that still lack a French translation."""
    missing: list[tuple[str, str]] = []
    for path in sorted((LOCALES_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        for message in read_catalog("fr", path.stem):
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                key = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
                missing.append((path.stem, key))
    return missing


if __name__ == "__main__":
    update()
    for catalog, key in missing_french():
        print(f"missing French translation in {catalog}.po: {key!r}", file=sys.stderr)
