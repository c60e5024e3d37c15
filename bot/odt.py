"""A small OpenDocument text writer (odfpy): headings, paragraphs, lists, tables and signature
lines → the bytes of an ``.odt`` that LibreOffice and Word open (minutes, attendance sheets).

odfpy is imported when a document is built, not when the bot starts.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

CELL_LIMIT = 2000  # characters in one table cell
TEXT_LIMIT = 20_000  # characters in one paragraph


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading; level 1 is the document's title."""

    text: str
    level: int = 1


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph; line breaks in ``text`` stay line breaks."""

    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Items:
    """A bulleted or numbered list."""

    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a header row (repeated on each printed page)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Signatures:
    """Signature lines side by side: one per signer (« Le président de séance, Martine … »)."""

    signers: tuple[str, ...]
    label: str = "Signature"


Block = Heading | Paragraph | Items | Table | Signatures


def clean(text: str, limit: int = TEXT_LIMIT) -> str:
    """Text safe in XML: control and invisible format characters gone (line breaks and tabs
    kept), cut to ``limit`` characters."""
    kept = "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs")
    )
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def document(blocks: Iterable[Block], *, title: str = "", language: str = "fr") -> bytes:
    """The ``.odt`` file of ``blocks``, in ``language`` (spell checking, hyphenation)."""
    from odf import dc, teletype
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        ListLevelProperties,
        ParagraphProperties,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TableProperties,
        TextProperties,
    )
    from odf.table import Table as OdfTable
    from odf.table import TableCell, TableColumn, TableHeaderRows, TableRow
    from odf.text import (
        H,
        List,
        ListItem,
        ListLevelStyleBullet,
        ListLevelStyleNumber,
        ListStyle,
        P,
    )

    doc = OpenDocumentText()
    country = {"fr": "FR", "en": "GB"}.get(language, "")
    if title:
        doc.meta.addElement(dc.Title(text=clean(title, 500)))
    doc.meta.addElement(dc.Language(text=f"{language}-{country}" if country else language))

    default = Style(name="Standard", family="paragraph")
    default.addElement(
        TextProperties(
            fontfamily="Liberation Serif", fontsize="11pt", language=language, country=country
        )
    )
    default.addElement(ParagraphProperties(margintop="0cm", marginbottom="0.18cm"))
    doc.styles.addElement(default)
    headings = {}
    for level, size in ((1, "16pt"), (2, "13pt"), (3, "11.5pt")):
        style = Style(
            name=f"Heading_20_{level}",
            displayname=f"Heading {level}",
            family="paragraph",
            parentstylename="Standard",
            defaultoutlinelevel=str(level),
        )
        style.addElement(TextProperties(fontsize=size, fontweight="bold"))
        style.addElement(
            ParagraphProperties(
                margintop="0.35cm",
                marginbottom="0.2cm",
                keepwithnext="always",
                textalign="center" if level == 1 else "start",
            )
        )
        doc.styles.addElement(style)
        headings[level] = style
    bold = Style(name="Bold", family="paragraph", parentstylename="Standard")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    cell_text = Style(name="CellText", family="paragraph", parentstylename="Standard")
    cell_text.addElement(ParagraphProperties(marginbottom="0cm"))
    cell_text.addElement(TextProperties(fontsize="10pt"))
    doc.automaticstyles.addElement(cell_text)
    head_text = Style(name="CellHead", family="paragraph", parentstylename="CellText")
    head_text.addElement(TextProperties(fontweight="bold", fontsize="10pt"))
    doc.automaticstyles.addElement(head_text)
    table_style = Style(name="Grid", family="table")
    table_style.addElement(TableProperties(width="17cm", align="margins"))
    doc.automaticstyles.addElement(table_style)
    cell = Style(name="GridCell", family="table-cell")
    cell.addElement(TableCellProperties(border="0.5pt solid #000000", padding="0.08cm"))
    doc.automaticstyles.addElement(cell)
    sign_cell = Style(name="SignCell", family="table-cell")
    sign_cell.addElement(TableCellProperties(border="none", padding="0.2cm"))
    doc.automaticstyles.addElement(sign_cell)
    sign_line = Style(name="SignLine", family="paragraph", parentstylename="Standard")
    sign_line.addElement(
        ParagraphProperties(margintop="1.8cm", borderbottom="0.5pt solid #000000")
    )
    doc.automaticstyles.addElement(sign_line)
    bullets = ListStyle(name="Bullets")
    bullet = ListLevelStyleBullet(level="1", bulletchar="•")
    bullet.addElement(ListLevelProperties(spacebefore="0.3cm", minlabelwidth="0.5cm"))
    bullets.addElement(bullet)
    doc.automaticstyles.addElement(bullets)
    numbers = ListStyle(name="Numbers")
    number = ListLevelStyleNumber(level="1", numformat="1", numsuffix=".")
    number.addElement(ListLevelProperties(spacebefore="0.3cm", minlabelwidth="0.6cm"))
    numbers.addElement(number)
    doc.automaticstyles.addElement(numbers)

    def paragraph(text: str, style: Any, limit: int = TEXT_LIMIT) -> Any:
        element = P(stylename=style)
        teletype.addTextToElement(element, clean(text, limit))
        return element

    def grid(columns: int, name: str) -> Any:
        table = OdfTable(name=name, stylename=table_style)
        width = Style(name=f"{name}.col", family="table-column")
        width.addElement(TableColumnProperties(relcolumnwidth="1000*"))
        doc.automaticstyles.addElement(width)
        table.addElement(TableColumn(numbercolumnsrepeated=str(columns), stylename=width))
        return table

    def row_of(values: Sequence[str], columns: int, style: Any, limit: int) -> Any:
        row = TableRow()
        for index in range(columns):
            entry = TableCell(stylename=cell, valuetype="string")
            entry.addElement(paragraph(values[index] if index < len(values) else "", style, limit))
            row.addElement(entry)
        return row

    tables = 0
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 3)
            element = H(outlinelevel=level, stylename=headings[level])
            teletype.addTextToElement(element, clean(block.text, 500))
            doc.text.addElement(element)
        elif isinstance(block, Paragraph):
            doc.text.addElement(paragraph(block.text, bold if block.bold else default))
        elif isinstance(block, Items):
            found = List(stylename=numbers if block.numbered else bullets)
            for text in block.items:
                item = ListItem()
                item.addElement(paragraph(text, default))
                found.addElement(item)
            doc.text.addElement(found)
        elif isinstance(block, Table):
            tables += 1
            columns = max([len(block.header), *(len(row) for row in block.rows)], default=1)
            table = grid(columns, f"Table{tables}")
            if block.header:
                header = TableHeaderRows()
                header.addElement(row_of(block.header, columns, head_text, CELL_LIMIT))
                table.addElement(header)
            for values in block.rows:
                table.addElement(row_of(values, columns, cell_text, CELL_LIMIT))
            doc.text.addElement(table)
        else:
            tables += 1
            signers = block.signers or ("",)
            table = grid(len(signers), f"Signatures{tables}")
            row = TableRow()
            for signer in signers:
                entry = TableCell(stylename=sign_cell, valuetype="string")
                entry.addElement(paragraph(signer, bold, 500))
                entry.addElement(paragraph(block.label, default, 200))
                entry.addElement(paragraph("", sign_line))
                row.addElement(entry)
            table.addElement(row)
            doc.text.addElement(table)
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()


def text_of(content: bytes) -> str:
    """The plain text of an ``.odt`` (tests, and checking what was written)."""
    from odf import teletype
    from odf.opendocument import load

    loaded = load(io.BytesIO(content))
    parts = []
    for element in loaded.text.childNodes:
        parts.append(teletype.extractText(element))
    return "\n".join(parts)
