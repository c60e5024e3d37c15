"""Periodic jobs' claims: which occurrence of each job already ran (SQLite is the truth)."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.sql import fetch_all
from storage.times import from_db, to_db


class JobRunRepo:
    """One row per periodic job: the latest occurrence claimed."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def last_due(self, name: str) -> datetime | None:
        """The latest occurrence of ``name`` that was claimed, or None if it never ran."""
        rows = fetch_all(self.db, "SELECT due_at FROM job_runs WHERE name = ?", [name])
        return from_db(rows[0]["due_at"]) if rows else None

    def claim(self, name: str, due: datetime, now: datetime) -> bool:
        """Claim occurrence ``due`` of ``name``; False when it (or a later one) was claimed
        already, so the same occurrence never runs twice, even across a restart."""
        with self.db.atomic():
            cursor = self.db.execute(
                """INSERT INTO job_runs (name, due_at, claimed_at) VALUES (?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET due_at = excluded.due_at,
                       claimed_at = excluded.claimed_at
                   WHERE job_runs.due_at < excluded.due_at""",
                [name, to_db(due), to_db(now)],
            )
        return cursor.rowcount == 1
