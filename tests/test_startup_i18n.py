"""The .po reader that replaced Babel's at start-up gives gettext exactly what Babel gave."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po as babel_read_po

from bot.i18n import LOCALES_DIR, compile_mo, read_po

CATALOGS = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))

HEADER = """# A test catalog.
#, fuzzy
msgid ""
msgstr ""
"Language: fr\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

"""

HOSTILE = [
    # escapes, multi-line strings and a translation that spans lines
    'msgid "Line\\\\none \\\\"quoted\\\\" \\\\t tab \\\\\\\\ slash"\n'
    'msgstr ""\n"Ligne\\\\nune "\n"« citée »"\n',
    # a fuzzy entry is not used, the next one is
    '#, fuzzy\nmsgid "Draft"\nmsgstr "Brouillon"\n\nmsgid "Kept"\nmsgstr "Gardé"\n',
    # an untranslated entry falls back to the English id
    'msgid "Untranslated"\nmsgstr ""\n',
    # plural forms, one of them empty
    'msgid "{n} vote"\nmsgid_plural "{n} votes"\nmsgstr[0] "{n} voix"\nmsgstr[1] ""\n',
    # obsolete entries are left out
    '#~ msgid "Gone"\n#~ msgstr "Parti"\n\nmsgid "Here"\nmsgstr "Ici"\n',
    # a context
    'msgctxt "menu"\nmsgid "Open"\nmsgstr "Ouvrir"\n',
    # names with |, <b>, RTL marks and control characters travel untouched
    'msgid "a|b <b>x</b> \u200f\u202e"\nmsgstr "« a|b » <b>x</b> \u200f\u202e \x07"\n',
    # comments between entries, translator notes, references
    '# note\n#. extracted\n#: handlers/x.py:3\nmsgid "One"\nmsgstr "Un"\n# after\n'
    'msgid "Two"\nmsgstr "Deux"\n',
    # a huge entry
    'msgid "' + "x" * 10_000 + '"\nmsgstr "' + "é" * 10_000 + '"\n',
]


def babel_translations(text: str, language: str) -> gettext.GNUTranslations:
    catalog = babel_read_po(io.BytesIO(text.encode()), locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def our_translations(text: str) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(compile_mo(read_po(text))))


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_catalog_reads_as_babel_read_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    theirs = babel_translations(text, path.parts[-3])
    ours = our_translations(text)
    assert theirs._catalog == ours._catalog  # type: ignore[attr-defined]
    assert [theirs.plural(n) for n in range(4)] == [ours.plural(n) for n in range(4)]  # type: ignore[attr-defined]


def messages(translations: gettext.GNUTranslations) -> dict[object, str]:
    """The translations, without the header (Babel writes its own header fields)."""
    catalog: dict[object, str] = translations._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in catalog.items() if key != ""}


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_entries_read_as_babel_reads_them(body: str) -> None:
    theirs = babel_translations(HEADER + body, "fr")
    ours = our_translations(HEADER + body)
    assert messages(theirs) == messages(ours)
    assert [theirs.plural(n) for n in range(4)] == [ours.plural(n) for n in range(4)]  # type: ignore[attr-defined]


def test_plural_entry_translates_by_count() -> None:
    body = 'msgid "{n} vote"\nmsgid_plural "{n} votes"\nmsgstr[0] "{n} voix"\nmsgstr[1] ""\n'
    ours = our_translations(HEADER + body)
    assert ["{n} voix", "{n} voix", "{n} votes"] == [
        ours.ngettext("{n} vote", "{n} votes", n) for n in (0, 1, 2)
    ]


def test_garbage_never_raises() -> None:
    for text in ("", "msgstr", '"orphan"\n', "msgid\nmsgstr\n", "\x00\x01", 'msgid "a\nmsgstr'):
        our_translations(HEADER + text)
