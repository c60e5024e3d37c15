"""The association's export: one JSON and one CSV file per table, the calendar (.ics), the
decision register (Markdown) and a manifest, written row by row into a folder or a zip.

Nothing is loaded whole: each table is read through a cursor and written as it comes, and the
calendar is built a few hundred items at a time, so a million votes export in bounded memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from bot import __version__
from bot.csvsafe import safe_cell
from bot.ics import CalendarItem, calendar, event_item, reminder_start
from storage.export import (
    Database,
    calendar_events,
    calendar_reminders,
    decisions,
    exported_tables,
    schema_version,
    table_rows,
)
from storage.reminders import ReminderRepo

FORMAT = "assobot-export"
FORMAT_VERSION = 1
CALENDAR_FILE = "calendar.ics"
DECISIONS_FILE = "decisions.md"
MANIFEST_FILE = "manifest.json"
README_FILE = "README.txt"
CALENDAR_BATCH = 500

# Called after each batch of rows: the table being written and how many rows so far.
Progress = Callable[[str, int], None]


class ExportError(Exception):
    """The export cannot be written; the message says why in one line."""


class Sink(Protocol):
    """Where the files go: a folder or a zip archive."""

    parallel: bool  # whether two files may be open for writing at once

    def open(self, name: str) -> IO[bytes]: ...


@dataclass(slots=True)
class Manifest:
    """What an export holds: counts per table, the schema it was read from."""

    association: int | None
    include_personal: bool
    created_at: str
    schema: str
    tables: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    calendar_items: int = 0
    decisions: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "assobot": __version__,
            "schema": self.schema,
            "created_at": self.created_at,
            "association": self.association,
            "include_personal": self.include_personal,
            "tables": self.tables,
            "calendar_items": self.calendar_items,
            "decisions": self.decisions,
            "files": self.files,
        }


class FolderSink:
    """Files in a folder."""

    parallel = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self, name: str) -> IO[bytes]:
        return (self.folder / name).open("wb")


class ZipSink:
    """Entries of a zip archive (deflated), each streamed in."""

    parallel = False

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def open(self, name: str) -> IO[bytes]:
        info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return self.archive.open(info, "w", force_zip64=True)


def _cell(value: Any) -> Any:
    """A value as JSON holds it (text, numbers, null; bytes as hex)."""
    return value.hex() if isinstance(value, bytes) else value


def write_table(
    sink: Sink,
    db: Database,
    table: str,
    association: int | None,
    *,
    include_personal: bool,
    progress: Progress | None = None,
) -> int:
    """``<table>.json`` (an array of objects) and ``<table>.csv`` (a header row, cells safe
    for spreadsheets, UTF-8 with BOM), written together from one cursor; the row count."""
    columns, rows = table_rows(db, table, association, include_personal=include_personal)
    if sink.parallel:
        with sink.open(f"{table}.json") as raw_json, sink.open(f"{table}.csv") as raw_csv:
            count = _write_rows(table, columns, rows, raw_json, raw_csv, progress)
    else:
        # A zip takes one entry at a time: the CSV waits in a temporary file meanwhile.
        with tempfile.TemporaryFile() as spool:
            with sink.open(f"{table}.json") as raw_json:
                count = _write_rows(table, columns, rows, raw_json, spool, progress)
            spool.seek(0)
            with sink.open(f"{table}.csv") as raw_csv:
                shutil.copyfileobj(spool, raw_csv, 1024 * 1024)
    if progress is not None:
        progress(table, count)
    return count


def _write_rows(
    table: str,
    columns: list[str],
    rows: Iterator[tuple[Any, ...]],
    raw_json: IO[bytes],
    raw_csv: IO[bytes],
    progress: Progress | None,
) -> int:
    count = 0
    text_json = io.TextIOWrapper(raw_json, encoding="utf-8", newline="\n")
    text_csv = io.TextIOWrapper(raw_csv, encoding="utf-8-sig", newline="")
    writer = csv.writer(text_csv, lineterminator="\n")
    writer.writerow([safe_cell(name) for name in columns])
    text_json.write("[")
    for row in rows:
        record = dict(zip(columns, map(_cell, row), strict=True))
        text_json.write(",\n" if count else "\n")
        text_json.write(json.dumps(record, ensure_ascii=False))
        writer.writerow([safe_cell(value) for value in row])
        count += 1
        if progress is not None and count % 10_000 == 0:
            progress(table, count)
    text_json.write("\n]\n" if count else "]\n")
    text_json.flush()
    text_csv.flush()
    text_json.detach()
    text_csv.detach()
    return count


def _batches(items: Iterable[CalendarItem], size: int) -> Iterator[list[CalendarItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _components(text: str) -> Iterator[tuple[str, str]]:
    """The top-level components of a VCALENDAR (name, text with CRLFs)."""
    lines = text.split("\r\n")
    depth, start, name = 0, 0, ""
    for index, line in enumerate(lines):
        if line.startswith("BEGIN:"):
            depth += 1
            if depth == 2:
                start, name = index, line[6:]
        elif line.startswith("END:"):
            if depth == 2:
                yield name, "\r\n".join(lines[start : index + 1]) + "\r\n"
            depth -= 1


def calendar_items(
    db: Database, association: int | None, *, include_personal: bool, now: datetime
) -> Iterator[CalendarItem]:
    """Events then reminders (personal ones only when asked) as calendar items; a repeating
    reminder's skipped dates as EXDATE (read a batch of reminders at a time)."""
    for record in calendar_events(db, association):
        yield event_item(record, now)
    reminders = calendar_reminders(db, association, include_personal=include_personal)
    while batch := list(islice(reminders, CALENDAR_BATCH)):
        skipped = ReminderRepo(db).skipped([r.id for r in batch if r.rule])
        for reminder in batch:
            start = reminder_start(reminder)
            if start is None:
                continue
            yield CalendarItem(
                uid=f"reminder-{reminder.id}@assobot",
                summary=reminder.text,
                start=start.astimezone(ZoneInfo(reminder.timezone)),
                stamp=now,
                rrule=reminder.rule,
                exdates=tuple(skipped.get(reminder.id, ())),
            )


def write_calendar(out: IO[bytes], items: Iterable[CalendarItem], product: str = "export") -> int:
    """One .ics of ``items``, built a batch at a time (each VTIMEZONE once); the count."""
    out.write(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//assobot//{product}//EN\r\n".encode())
    zones: dict[str, str] = {}
    count = 0
    for batch in _batches(items, CALENDAR_BATCH):
        for name, text in _components(calendar(batch, product).decode("utf-8")):
            if name == "VTIMEZONE":
                tzid = next((ln for ln in text.split("\r\n") if ln.startswith("TZID")), text)
                zones.setdefault(tzid, text)
            else:
                out.write(text.encode("utf-8"))
                count += name == "VEVENT"
    for text in zones.values():
        out.write(text.encode("utf-8"))
    out.write(b"END:VCALENDAR\r\n")
    return count


def write_decisions(out: IO[bytes], db: Database, association: int | None) -> int:
    """The decision register as Markdown: one section per closed poll, its figures."""
    answers = {1: "maybe", 2: "yes"}  # a date poll's answers (ballot_choices.answer)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    text.write("# Decision register\n\n")
    count = 0
    for row in decisions(db, association):
        count += 1
        question = " ".join(row.question.split())
        text.write(f"## Poll {row.poll_id}: {question}\n\n")
        text.write(f"- Closed: {row.closed_at}\n- Kind: {row.kind} ({row.privacy})\n")
        text.write(f"- Voters: {row.voters}\n")
        if row.outcome:
            text.write(f"- Outcome: {row.outcome}\n")
        for label, answer, votes in row.counts:
            name = " ".join(label.split()) or "?"
            suffix = f" ({answers.get(answer, answer)})" if row.kind == "when" else ""
            text.write(f"- {name}{suffix}: {votes}\n")
        text.write("\n")
    if not count:
        text.write("No closed poll yet.\n")
    text.flush()
    text.detach()
    return count


def write_all(
    sink: Sink,
    db: Database,
    association: int | None,
    *,
    include_personal: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Manifest:
    """Every exported table, the calendar, the register, a README and the manifest."""
    moment = now or datetime.now(UTC)
    manifest = Manifest(
        association=association,
        include_personal=include_personal,
        created_at=moment.isoformat(timespec="seconds"),
        schema=schema_version(db),
    )
    for table in exported_tables(db):
        manifest.tables[table] = write_table(
            sink,
            db,
            table,
            association,
            include_personal=include_personal,
            progress=progress,
        )
        manifest.files += [f"{table}.json", f"{table}.csv"]
    items = calendar_items(db, association, include_personal=include_personal, now=moment)
    with sink.open(CALENDAR_FILE) as out:
        manifest.calendar_items = write_calendar(out, items)
    with sink.open(DECISIONS_FILE) as out:
        manifest.decisions = write_decisions(out, db, association)
    with sink.open(README_FILE) as out:
        out.write(README_TEXT.encode("utf-8"))
    manifest.files += [CALENDAR_FILE, DECISIONS_FILE, README_FILE, MANIFEST_FILE]
    with sink.open(MANIFEST_FILE) as out:
        out.write(json.dumps(manifest.as_json(), indent=2, ensure_ascii=False).encode("utf-8"))
    return manifest


README_TEXT = """assobot export

One JSON file (an array of objects) and one CSV file (UTF-8, first row the column names) per
table; dates are UTC ISO-8601. manifest.json lists the tables with their row counts and the
schema version. calendar.ics holds the active events and reminders; decisions.md the closed
polls and their results.

The JSON files hold the values exactly. In the CSV files, a cell that a spreadsheet would run
as a formula (starting with =, +, -, @, a tab or a carriage return) is prefixed with a single
quote ('-2+3): read the JSON when you load the data into another program.

Not in this export, by design: who cast a secret ballot (secret_ballot_counts gives how many
voted in each poll; what each voted was never stored with their name), the names of voters in
anonymous polls, members' personal reminders (unless the host asked for them), and the bot's
technical state.
"""


def prepare_folder(folder: Path) -> None:
    """Refuse a folder that exists with files in it, a path that is a file, or a place the
    bot cannot write; create the folder (and its parents) otherwise."""
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file, not a folder: give a new folder's name")
    if folder.is_dir() and any(folder.iterdir()):
        raise ExportError(f"{folder} already holds files: give a new or empty folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ExportError(f"{folder}: a parent of it is a file, not a folder") from None
    except PermissionError:
        raise ExportError(f"{folder}: permission denied (choose a folder you can write)") from None
    except OSError as error:
        raise ExportError(f"{folder}: {error.strerror or error}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{folder}: permission denied (choose a folder you can write)")


def export_folder(
    db: Database,
    folder: Path,
    association: int | None,
    *,
    include_personal: bool = False,
    progress: Progress | None = None,
) -> Manifest:
    """The export written into ``folder`` (new or empty); a half-written export is removed."""
    prepare_folder(folder)
    try:
        return write_all(
            FolderSink(folder),
            db,
            association,
            include_personal=include_personal,
            progress=progress,
        )
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise ExportError(f"{folder}: {error.strerror or error}") from None
    except BaseException:  # a database error, an interrupt: no half export left behind
        shutil.rmtree(folder, ignore_errors=True)
        raise


def export_zip(
    db: Database, target: IO[bytes], association: int | None, *, now: datetime | None = None
) -> Manifest:
    """The association's export as a zip archive written to ``target``."""
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        return write_all(ZipSink(archive), db, association, now=now)


def association_zip(
    open_reader: Callable[[], Database], association: int, *, now: datetime | None = None
) -> tuple[bytes, Manifest]:
    """The association's export as zip bytes, read on a connection of its own (call it in a
    worker thread: the bot's connection stays with the event loop)."""
    db = open_reader()
    try:
        buffer = io.BytesIO()
        manifest = export_zip(db, buffer, association, now=now)
        return buffer.getvalue(), manifest
    finally:
        db.close()
