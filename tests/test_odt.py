"""bot/odt.py: the OpenDocument text writer, read back with odfpy."""

from __future__ import annotations

import io
import zipfile

import pytest
from odf import teletype
from odf.namespaces import TABLENS, TEXTNS
from odf.opendocument import load

from bot.odt import Heading, Items, Paragraph, Signatures, Table, clean, document, text_of

MINUTES = [
    Heading("Procès-verbal de l'assemblée générale ordinaire"),
    Heading("Présences", level=2),
    Paragraph("18 membres présents ou représentés sur 40.\nLe quorum est atteint."),
    Paragraph("Ordre du jour", bold=True),
    Items(("Rapport moral", "Comptes 2026"), numbered=True),
    Table(("Nom", "Arrivée"), (("Odile Martin", "19:02"), ("Paul Durand", "19:05"))),
    Signatures(("Le président de séance, Martine", "La secrétaire de séance, Sophie")),
]


def test_odt_is_a_zip_with_the_opendocument_mimetype_first() -> None:
    content = document(MINUTES, title="PV", language="fr")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        first = archive.infolist()[0]
        assert "mimetype" == first.filename
        assert b"application/vnd.oasis.opendocument.text" == archive.read("mimetype")
        assert zipfile.ZIP_STORED == first.compress_type


def test_odt_text_reads_back_in_order() -> None:
    content = document(MINUTES, title="PV", language="fr")
    assert [
        "Procès-verbal de l'assemblée générale ordinaire",
        "Présences",
        "18 membres présents ou représentés sur 40.",
        "Le quorum est atteint.",
        "Ordre du jour",
        "Rapport moralComptes 2026",
        "NomArrivéeOdile Martin19:02Paul Durand19:05",
        "Le président de séance, MartineSignatureLa secrétaire de séance, SophieSignature",
    ] == text_of(content).split("\n")


def test_odt_headings_are_outline_levels_and_tables_have_their_rows() -> None:
    loaded = load(io.BytesIO(document(MINUTES)))
    body = loaded.text
    headings = [n for n in body.childNodes if n.qname == (TEXTNS, "h")]
    assert [("1", "Procès-verbal de l'assemblée générale ordinaire"), ("2", "Présences")] == [
        (h.getAttrNS(TEXTNS, "outline-level"), teletype.extractText(h)) for h in headings
    ]
    tables = [n for n in body.childNodes if n.qname == (TABLENS, "table")]
    assert 2 == len(tables)
    grid = tables[0]
    header = [n for n in grid.childNodes if n.qname == (TABLENS, "table-header-rows")]
    rows = [n for n in grid.childNodes if n.qname == (TABLENS, "table-row")]
    assert (1, 2) == (len(header), len(rows))


def test_odt_language_is_in_the_metadata() -> None:
    content = document(MINUTES, title="Minutes", language="en")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        meta = archive.read("meta.xml").decode()
        styles = archive.read("styles.xml").decode()
    assert "<dc:language>en-GB</dc:language>" in meta
    assert "<dc:title>Minutes</dc:title>" in meta
    assert 'fo:language="en"' in styles


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Odile\x00 Martin\x1b[31m", "Odile Martin[31m"),
        ("<b>Paul</b> & Cie", "<b>Paul</b> & Cie"),
        ("\u202eniludo\u200b", "niludo"),
        ("Martine | Paul", "Martine | Paul"),
        ("a\tb", "a\tb"),
    ],
)
def test_odt_hostile_text_is_kept_as_text(typed: str, expected: str) -> None:
    content = document([Paragraph(typed), Table(("Nom",), ((typed,),))])
    assert f"{expected}\nNom{expected}" == text_of(content)


def test_odt_10_kb_cell_is_clipped_and_the_document_still_opens() -> None:
    content = document([Table(("Nom",), (("x" * 10_000,),)), Paragraph("y" * 50_000)])
    cell, paragraph = text_of(content).split("\n")
    assert 3 + 2000 == len(cell)
    assert cell.endswith("…")
    assert 20_000 == len(paragraph)


def test_odt_rows_shorter_than_the_header_get_empty_cells() -> None:
    content = document([Table(("A", "B", "C"), (("1",), ("1", "2", "3", "4")))])
    loaded = load(io.BytesIO(content))
    [table] = [n for n in loaded.text.childNodes if n.qname == (TABLENS, "table")]
    rows = [n for n in table.childNodes if n.qname == (TABLENS, "table-row")]
    assert [4, 4] == [len(r.childNodes) for r in rows]


def test_clean_keeps_line_breaks_and_drops_controls() -> None:
    assert "a\nb\tc" == clean("a\nb\tc\x07\x7f")
    assert "ab…" == clean("abcdef", 3)
