"""Reading the association's data for export: table by table, row by row (a cursor, never a
whole table in memory), filtered by association through the inventory.

What never leaves the database in an export: who cast a secret ballot (only how many did,
per poll), the name of a voter in an anonymous poll, a member's personal reminders (unless the
host asks with ``include_personal``), and the technical tables (adapter state, job runs).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database as Database  # re-exported: core types its exports

from storage.events import EventRecord, EventStatus, _event
from storage.inventory import TABLES, schema_tables
from storage.reminders import ReminderRecord, ReminderStatus, _reminder

# Derived tables written instead of the ones that must never be exported row by row.
SECRET_BALLOT_COUNTS = "secret_ballot_counts"
# Columns emptied for polls that are not public: (columns, the value written instead).
MASKED: dict[str, tuple[tuple[str, ...], str]] = {
    "ballots": (("voter_key", "voter_name", "cast_at"), "''"),
    "poll_result_counts": (("names",), "'[]'"),
}
PERSONAL_REMINDER = "(SELECT personal FROM reminders WHERE reminders.id = {table}.reminder_id)"


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """A closed poll and its frozen figures, for the decision register."""

    poll_id: int
    question: str
    kind: str
    privacy: str
    closed_at: str
    outcome: str
    voters: int
    counts: tuple[tuple[str, int, int], ...]  # option label, answer, count


def schema_version(db: Database) -> str:
    """The name of the last migration applied (``m101_polls_quorum_fraction``)."""
    row = db.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'assobot' "
        "ORDER BY applied_at DESC, id DESC LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else ""


def is_assobot(db: Database) -> bool:
    """Whether ``db`` is an assobot database (its migrations table names the set)."""
    try:
        row = db.execute(
            "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'assobot'"
        ).fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row and row[0])


def exported_tables(db: Database) -> list[str]:
    """The tables an export writes (the inventory's exported ones present in this schema),
    plus the secret ballots' voter counts."""
    present = set(schema_tables(db))
    names = [name for name in sorted(TABLES) if name in present and TABLES[name].export]
    if "secret_voters" in present:
        names.append(SECRET_BALLOT_COUNTS)
    return names


def _select(db: Database, table: str, include_personal: bool) -> tuple[str, list[str]]:
    """The SELECT of one exported table (its columns, some masked) and its filters."""
    if table == SECRET_BALLOT_COUNTS:
        return (
            "SELECT poll_id, count(*) AS voters FROM secret_voters",
            [],
        )
    columns = [f'"{column.name}"' for column in db.table(table).columns]
    filters: list[str] = []
    masked = MASKED.get(table)
    if masked is not None:
        # An anonymous poll's voters stay unnamed in every file, as they were in the chat
        # (nor when they voted: a time can name someone seen in the chat at that minute).
        hidden, blank = masked
        public = f"(SELECT privacy FROM polls WHERE polls.id = {table}.poll_id) = 'public'"
        columns = [
            f"CASE WHEN {public} THEN {name} ELSE {blank} END AS {name}"
            if name.strip('"') in hidden
            else name
            for name in columns
        ]
    if not include_personal:
        if table == "reminders":
            filters.append("reminders.personal = 0")
        elif table in ("reminder_sends", "reminder_subscribers"):
            filters.append(f"coalesce({PERSONAL_REMINDER.format(table=table)}, 0) = 0")
    return f"SELECT {', '.join(columns)} FROM {table}", filters


def _association_filter(table: str) -> str | None:
    if table == SECRET_BALLOT_COUNTS:
        return TABLES["secret_voters"].association
    return TABLES[table].association


def table_rows(
    db: Database, table: str, association: int | None, *, include_personal: bool = False
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """The column names of ``table`` and an iterator over its rows (a live cursor)."""
    select, filters = _select(db, table, include_personal)
    params: list[Any] = []
    if association is not None:
        expression = _association_filter(table)
        if expression is None:
            return _names(db, select), iter(())
        filters.append(f"? IN ({expression})")
        params.append(association)
    sql = select + (" WHERE " + " AND ".join(filters) if filters else "")
    if table == SECRET_BALLOT_COUNTS:
        sql += " GROUP BY poll_id ORDER BY poll_id"
    cursor = db.conn.execute(sql, params)
    return [column[0] for column in cursor.description], iter(cursor)


def _names(db: Database, select: str) -> list[str]:
    cursor = db.conn.execute(select + " LIMIT 0")
    return [column[0] for column in cursor.description]


def calendar_events(db: Database, association: int | None) -> Iterator[EventRecord]:
    """Active events (of one association), soonest first, one at a time."""
    sql = "SELECT * FROM events WHERE status = ?"
    params: list[Any] = [EventStatus.ACTIVE.value]
    if association is not None:
        sql += f" AND ? IN ({TABLES['events'].association})"
        params.append(association)
    yield from (_event(row) for row in _dicts(db, sql + " ORDER BY starts_at", params))


def calendar_reminders(
    db: Database, association: int | None, *, include_personal: bool = False
) -> Iterator[ReminderRecord]:
    """Active and paused reminders that are not event warnings, personal ones only when
    asked, one at a time."""
    sql = "SELECT * FROM reminders WHERE status IN (?, ?) AND event_id IS NULL"
    params: list[Any] = [ReminderStatus.ACTIVE.value, ReminderStatus.PAUSED.value]
    if not include_personal:
        sql += " AND personal = 0"
    if association is not None:
        sql += f" AND ? IN ({TABLES['reminders'].association})"
        params.append(association)
    yield from (_reminder(row) for row in _dicts(db, sql + " ORDER BY id", params))


def decisions(db: Database, association: int | None) -> Iterator[DecisionRow]:
    """Closed polls with their frozen result, oldest first."""
    sql = """SELECT p.id, p.question, p.kind, p.privacy, p.closed_at,
                    coalesce(r.outcome, '') AS outcome, coalesce(r.voters, 0) AS voters
             FROM polls p LEFT JOIN poll_results r ON r.poll_id = p.id
             WHERE p.closed_at IS NOT NULL"""
    params: list[Any] = []
    if association is not None:
        sql += " AND p.association_id = ?"
        params.append(association)
    for row in _dicts(db, sql + " ORDER BY p.closed_at, p.id", params):
        counts = db.execute(
            """SELECT coalesce(o.label, ''), c.answer, c.count FROM poll_result_counts c
               LEFT JOIN poll_options o ON o.poll_id = c.poll_id AND o.position = c.position
               WHERE c.poll_id = ? ORDER BY c.position, c.answer""",
            [row["id"]],
        ).fetchall()
        yield DecisionRow(
            poll_id=row["id"],
            question=row["question"],
            kind=row["kind"],
            privacy=row["privacy"],
            closed_at=row["closed_at"],
            outcome=row["outcome"],
            voters=row["voters"],
            counts=tuple((str(a), int(b), int(c)) for a, b, c in counts),
        )


def association_ids(db: Database) -> list[int]:
    """Every association id, in order."""
    return [int(row[0]) for row in db.execute("SELECT id FROM associations ORDER BY id")]


def _dicts(db: Database, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))
