"""What adapters keep between runs: resume points and the ids of events already handled."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.sql import fetch_all
from storage.times import from_db, to_db


class AdapterStateRepo:
    """Small key/value state per platform, and an event-id dedupe table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, platform: str, key: str) -> str | None:
        """A stored value (e.g. Telegram's last update_id), or None."""
        rows = fetch_all(
            self.db,
            "SELECT value FROM adapter_state WHERE platform = ? AND key = ?",
            [platform, key],
        )
        return str(rows[0]["value"]) if rows else None

    def get_entry(self, platform: str, key: str) -> tuple[str, datetime] | None:
        """A stored value and when it was stored, or None."""
        rows = fetch_all(
            self.db,
            "SELECT value, updated_at FROM adapter_state WHERE platform = ? AND key = ?",
            [platform, key],
        )
        return (str(rows[0]["value"]), from_db(rows[0]["updated_at"])) if rows else None

    def set(self, platform: str, key: str, value: str, now: datetime) -> None:
        """Store a value (after the events it covers have been handled)."""
        self.db.execute(
            """INSERT INTO adapter_state (platform, key, value, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (platform, key) DO UPDATE
               SET value = excluded.value, updated_at = excluded.updated_at""",
            [platform, key, value, to_db(now)],
        )

    def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an event id; True the first time it is seen, False for a repeat."""
        cursor = self.db.execute(
            """INSERT INTO processed_events (platform, event_id, processed_at) VALUES (?, ?, ?)
               ON CONFLICT (platform, event_id) DO NOTHING""",
            [platform, event_id, to_db(now)],
        )
        return cursor.rowcount == 1

    def forget_events_before(self, platform: str, moment: datetime) -> int:
        """Drop old event ids (they can no longer come back); return how many."""
        cursor = self.db.execute(
            "DELETE FROM processed_events WHERE platform = ? AND processed_at < ?",
            [platform, to_db(moment)],
        )
        return cursor.rowcount
