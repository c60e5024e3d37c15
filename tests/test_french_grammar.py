"""The French catalogs against the grammar slips members reported: gender (« la motion est
clôturé »), elision (« la voix de Odile »), a sentence starting in lower case, two numbering
styles (« N° » and « n° »), a platform's jargon in every platform's text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGS = sorted((Path(__file__).parent.parent / "bot/locales/fr/LC_MESSAGES").glob("*.po"))

# A name, a title or a list put into a sentence after « de » or « que »: « de Odile » needs
# « d'Odile », which a message cannot know; the sentence must be turned another way.
NAME_AFTER_DE = re.compile(
    r"(?<![\w'’-])(de|que|jusque|lorsque|puisque|le|la) "
    r"\{(name|names|giver|holder|member|creator|voter|who|candidate|association|rooms|room|"
    r"feed|zone|value|word|title)\}"
)
# « de » (and the like) before a vowel in the text itself: « Ce que assobot ».
ELISION = re.compile(
    r"(?<![\w'’-])(de|que|ne|se|je|me|te|jusque|lorsque|puisque) "
    r"(?=[aeiouyéèêàâîôûAEIOUYÉÈÊÀÂÎÔÛ])"
)
# A motion (feminine) with a masculine past participle in the same clause.
MOTION_MASCULINE = re.compile(
    r"\b[Mm]otion\b[^.;:]*?\b(clôturé|adopté|rejeté|ouvert|fermé|prolongé|enregistré|"
    r"supprimé|lancé|clos)\b(?!e)"
)
# A sentence ending, then the next one starting in lower case (« 14:00. rappel … »).
LOWER_AFTER_STOP = re.compile(r"(?<=[^\s0-9A-Z])[.?!] +[a-zà-ÿ]")
NUMBERING = re.compile(r"(?<!^)N°|n° [0-9{]|N° ")


def _messages() -> list[tuple[str, str, str]]:
    """(catalog, msgid, msgstr) of every translated French message (plural forms apart)."""
    found = []
    for path in CATALOGS:
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for index, string in enumerate(strings):
                if string:
                    found.append((path.name, ids[min(index, len(ids) - 1)], string))
    return found


MESSAGES = _messages()


def _offending(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    return [(name, text) for name, _, text in MESSAGES if pattern.search(text)]


def test_french_catalogs_are_read() -> None:
    assert len(MESSAGES) > 500
    assert {"polls.po", "reminders.po", "rooms.po", "core.po"} <= {p.name for p in CATALOGS}


@pytest.mark.parametrize(
    ("pattern", "sample"),
    [
        (MOTION_MASCULINE, "La motion n°3 est clôturé."),
        (MOTION_MASCULINE, "n°2, motion « Comptes », clôturé le 1 décembre"),
        (NAME_AFTER_DE, "Vous détenez la voix de {name}."),
        (ELISION, "Ce que assobot garde sur vous"),
        (LOWER_AFTER_STOP, "C'est noté. rappel n°1."),
        (NUMBERING, "/voter N° réponse"),
        (NUMBERING, "Rappel n° 3"),
    ],
)
def test_french_grammar_checks_catch_the_reported_slips(
    pattern: re.Pattern[str], sample: str
) -> None:
    assert pattern.search(sample)


@pytest.mark.parametrize(
    ("pattern", "sample"),
    [
        (MOTION_MASCULINE, "La motion n°3 est clôturée."),
        (MOTION_MASCULINE, "🔒 Vote clos : 🗳 Motion n°1"),
        (NAME_AFTER_DE, "{name} vous a confié sa voix."),
        (ELISION, "Reprenez-le avec /reprendre 3."),
        (LOWER_AFTER_STOP, "Sur Matrix, ! marche aussi."),
        (NUMBERING, "N°3 · 12 janvier"),
    ],
)
def test_french_grammar_checks_let_correct_french_pass(
    pattern: re.Pattern[str], sample: str
) -> None:
    assert not pattern.search(sample)


def test_french_motion_is_feminine() -> None:
    assert [] == _offending(MOTION_MASCULINE)


def test_french_no_name_after_de_or_que() -> None:
    assert [] == _offending(NAME_AFTER_DE)


def test_french_elision_before_a_vowel() -> None:
    assert [] == _offending(ELISION)


def test_french_sentences_start_with_a_capital() -> None:
    lower_start = [
        (name, text)
        for name, msgid, text in MESSAGES
        if msgid[:1].isupper() and text[:1].islower() and not text.startswith("n°")
    ]
    assert [] == lower_start
    assert [] == _offending(LOWER_AFTER_STOP)


def test_french_one_numbering_style() -> None:
    assert [] == _offending(NUMBERING)


def test_french_matrix_power_level_only_in_matrix_messages() -> None:
    assert [] == [
        (name, text)
        for name, msgid, text in MESSAGES
        if "niveau de pouvoir" in text and name != "matrix.po" and "Matrix" not in msgid
    ] + [
        (name, text)
        for name, msgid, text in MESSAGES
        if "niveau de pouvoir Matrix" in text and name != "matrix.po"
    ]
