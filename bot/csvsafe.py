"""CSV files the bot writes, safe to open in a spreadsheet: no cell is read as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell's text, prefixed with a single quote when a spreadsheet would run it as a formula
    (``=HYPERLINK(…)``, ``+1``, ``@SUM(…)``…); the quote shows the text as typed."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Sequence[object]], *, delimiter: str = ",") -> bytes:
    """Rows as a UTF-8 CSV file with a byte-order mark (so spreadsheets open the accents right),
    one ``\\n`` per line, every cell through ``safe_cell``; ``delimiter=";"`` for French
    spreadsheets (where the comma is the decimal mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=delimiter)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
