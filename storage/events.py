"""Events (an AG, a party) and their warnings; a read-only view of the database for exports."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage.sql import fetch_all
from storage.times import from_db, to_db


class EventStatus(StrEnum):
    """An event is announced (its warnings go out) or cancelled."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event of a room; ``warnings`` are minutes before the start (``10080,1440,120``)."""

    id: int
    room_key: str
    creator_key: str
    creator_name: str
    title: str
    starts_at: datetime
    timezone: str
    warnings: tuple[int, ...]
    status: EventStatus
    created_at: datetime
    place: str = ""  # where it happens (the .ics LOCATION)
    ends_at: datetime | None = None


def _event(row: dict[str, Any]) -> EventRecord:
    return EventRecord(
        id=row["id"],
        room_key=row["room_key"],
        creator_key=row["creator_key"],
        creator_name=row["creator_name"],
        title=row["title"],
        starts_at=from_db(row["starts_at"]),
        timezone=row["timezone"],
        warnings=tuple(int(w) for w in row["warnings"].split(",") if w),
        status=EventStatus(row["status"]),
        created_at=from_db(row["created_at"]),
        place=row["place"],
        ends_at=from_db(row["ends_at"]) if row["ends_at"] else None,
    )


class EventRepo:
    """Events; their warnings are reminders (``reminders.event_id``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        *,
        room_key: str,
        creator_key: str,
        creator_name: str,
        title: str,
        starts_at: datetime,
        timezone: str,
        warnings: tuple[int, ...],
        now: datetime,
        place: str = "",
        ends_at: datetime | None = None,
    ) -> EventRecord:
        """Store a new event (the caller adds its warnings as reminders)."""
        cursor = self.db.execute(
            """INSERT INTO events (room_key, creator_key, creator_name, title, starts_at,
               timezone, warnings, status, created_at, place, ends_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                room_key,
                creator_key,
                creator_name,
                title,
                to_db(starts_at),
                timezone,
                ",".join(str(w) for w in warnings),
                EventStatus.ACTIVE,
                to_db(now),
                place,
                to_db(ends_at) if ends_at else None,
            ],
        )
        found = self.get(int(cursor.lastrowid or 0))
        assert found is not None
        return found

    def get(self, event_id: int) -> EventRecord | None:
        """One event, or None."""
        rows = fetch_all(self.db, "SELECT * FROM events WHERE id = ?", [event_id])
        return _event(rows[0]) if rows else None

    def upcoming(self, room_key: str, now: datetime) -> list[EventRecord]:
        """Active events of a room that have not started yet, soonest first."""
        rows = fetch_all(
            self.db,
            """SELECT * FROM events WHERE room_key = ? AND status = ? AND starts_at > ?
               ORDER BY starts_at, id""",
            [room_key, EventStatus.ACTIVE, to_db(now)],
        )
        return [_event(row) for row in rows]

    def upcoming_in_association(self, association_id: int, now: datetime) -> list[EventRecord]:
        """Active events not started yet in every room of an association, soonest first."""
        rows = fetch_all(
            self.db,
            """SELECT e.* FROM events e JOIN rooms r ON r.key = e.room_key
               WHERE r.association_id = ? AND e.status = ? AND e.starts_at > ?
               ORDER BY e.starts_at, e.id""",
            [association_id, EventStatus.ACTIVE, to_db(now)],
        )
        return [_event(row) for row in rows]

    def between_in_association(
        self, association_id: int, after: datetime, before: datetime
    ) -> list[EventRecord]:
        """Active events of an association starting in ``[after, before)`` (same-day checks)."""
        rows = fetch_all(
            self.db,
            """SELECT e.* FROM events e JOIN rooms r ON r.key = e.room_key
               WHERE r.association_id = ? AND e.status = ? AND e.starts_at >= ?
               AND e.starts_at < ? ORDER BY e.starts_at, e.id""",
            [association_id, EventStatus.ACTIVE, to_db(after), to_db(before)],
        )
        return [_event(row) for row in rows]

    def active(self, room_key: str | None = None) -> list[EventRecord]:
        """Every active event (of one room, or of all rooms), soonest first."""
        where, params = "status = ?", [EventStatus.ACTIVE.value]
        if room_key is not None:
            where, params = "status = ? AND room_key = ?", [EventStatus.ACTIVE, room_key]
        rows = fetch_all(self.db, f"SELECT * FROM events WHERE {where} ORDER BY starts_at", params)
        return [_event(row) for row in rows]

    def cancel(self, event_id: int) -> None:
        """Cancel an event (the caller cancels its warnings)."""
        self.db.execute(
            "UPDATE events SET status = ? WHERE id = ?", [EventStatus.CANCELLED, event_id]
        )


def open_read_only(path: Path) -> Database:
    """Open the database for reading without taking the owner's lock (exports while the bot
    runs): SQLite's read-only URI; WAL readers never block the writer."""
    if not path.exists():
        raise FileNotFoundError(path)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout = 5000")
    return Database(conn)
