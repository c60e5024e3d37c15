"""Every reply, error and help text exists in French and English."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES, Translator
from bot.i18n_catalogs import all_messages, missing_french, read_catalog
from handlers import ROUTERS


def _catalog_ids(language: str, name: str) -> set[str]:
    ids = set()
    for message in read_catalog(language, name):
        if message.id:
            ids.add(str(message.id[0] if isinstance(message.id, tuple | list) else message.id))
    return ids


def test_no_message_lacks_a_french_translation() -> None:
    assert [] == missing_french()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_in_the_catalogs(language: str) -> None:
    missing = [
        f"{name}.po: {key!r}"
        for name, messages in all_messages().items()
        for key in messages
        if key not in _catalog_ids(language, name)
    ]
    assert [] == missing, "run `make catalogs` and translate the new French strings"


def test_every_command_help_and_usage_is_translated() -> None:
    translator = Translator.load()
    for router in ROUTERS:
        for command in router.commands:
            for text in (command.help, command.usage, *command.examples):
                if text:
                    assert (
                        translator.t("fr", text) != text
                        or text.startswith("[")
                        or (text.isupper())
                    ), f"/{command.name}: {text!r} has no French translation"


@pytest.mark.parametrize(
    ("expected", "msgid", "n"),
    [
        ("Annonce envoyée dans 1 salon.", "Announcement sent to {n} room.", 1),
        ("Annonce envoyée dans 0 salon.", "Announcement sent to {n} room.", 0),
        ("Annonce envoyée dans 2 salons.", "Announcement sent to {n} room.", 2),
    ],
)
def test_french_plural_forms(expected: str, msgid: str, n: int) -> None:
    translator = Translator.load()
    assert expected == translator.tn("fr", msgid, "Announcement sent to {n} rooms.", n)


def test_english_plural_forms() -> None:
    translator = Translator.load()
    assert "Announcement sent to 0 rooms." == translator.tn(
        "en", "Announcement sent to {n} room.", "Announcement sent to {n} rooms.", 0
    )


@pytest.mark.parametrize(
    ("expected", "relative"),
    [
        ("polls", "handlers/polls/vote.py"),
        ("polls", "handlers/polls/__init__.py"),
        ("reminders", "handlers/reminders/delivery.py"),
        ("rooms", "handlers/rooms.py"),
        ("matrix", "bot/adapters/matrix.py"),
        ("core", "bot/adapters/base.py"),
        ("core", "handlers/__init__.py"),
        ("core", "bot/timeparse.py"),
    ],
)
def test_catalog_of_a_feature_package_is_the_features(expected: str, relative: str) -> None:
    from bot.i18n_catalogs import ROOT, catalog_of

    assert expected == catalog_of(ROOT / relative)


def test_a_message_shared_by_two_catalogs_has_one_translation() -> None:
    """All catalogs of a language are merged into one translation: a message id used by two
    features with two translations would silently take one of them in both (the polls CSV
    header once read « clos » because the digest used the same word)."""
    from bot.i18n import LOCALES_DIR

    found: dict[str, dict[str, object]] = {}
    for path in sorted((LOCALES_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        for message in read_catalog("fr", path.stem):
            if message.id:
                key = str(message.id if isinstance(message.id, str) else message.id[0])
                found.setdefault(key, {})[path.stem] = message.string
    conflicts = {
        key: by_catalog
        for key, by_catalog in found.items()
        if len({str(s) for s in by_catalog.values()}) > 1
    }
    assert {} == conflicts
