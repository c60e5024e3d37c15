"""Schema migrations (sqlite-utils ``Migrations``).

Each is a function named mNNN_<what>, never edited once released; add new ones at the end.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("assobot")


@MIGRATIONS()
def m001_rooms_and_members(db: Database) -> None:
    """Associations, rooms, members, organizer grants, pairing codes and announcements.

    Feature data is keyed by room; an association only groups rooms.
    """
    db.execute(
        """
        CREATE TABLE associations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE rooms (
            key TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            external_id TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            private INTEGER NOT NULL DEFAULT 0,
            association_id INTEGER NOT NULL REFERENCES associations(id),
            language TEXT NOT NULL,
            timezone TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (platform, external_id)
        )"""
    )
    db.execute("CREATE INDEX rooms_association ON rooms(association_id)")
    db.execute(
        """
        CREATE TABLE members (
            key TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            external_id TEXT NOT NULL,
            name TEXT NOT NULL,
            username TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE room_members (
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            member_key TEXT NOT NULL REFERENCES members(key) ON DELETE CASCADE,
            last_seen_at TEXT NOT NULL,
            PRIMARY KEY (room_key, member_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE organizers (
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            member_key TEXT NOT NULL REFERENCES members(key) ON DELETE CASCADE,
            granted_by TEXT NOT NULL,
            granted_at TEXT NOT NULL,
            PRIMARY KEY (room_key, member_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE pairing_codes (
            code TEXT PRIMARY KEY,
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE announcements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            author_key TEXT NOT NULL,
            author_name TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX announcements_room ON announcements(room_key, created_at)")


@MIGRATIONS()
def m002_adapter_state(db: Database) -> None:
    """Adapters' resume points (Telegram update_id, Matrix next_batch) and seen event ids."""
    db.execute(
        """
        CREATE TABLE adapter_state (
            platform TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE processed_events (
            platform TEXT NOT NULL,
            event_id TEXT NOT NULL,
            processed_at TEXT NOT NULL,
            PRIMARY KEY (platform, event_id)
        )"""
    )
    db.execute("CREATE INDEX processed_events_age ON processed_events(processed_at)")
