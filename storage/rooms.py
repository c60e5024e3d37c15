"""Rooms, associations (groups of linked rooms), pairing codes and announcements."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.message import Room
from storage.sql import fetch_all
from storage.times import from_db, to_db

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
CODE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class RoomRecord:
    """A room as stored, with its settings."""

    key: str
    platform: str
    external_id: str
    title: str
    private: bool
    association_id: int
    language: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Announcement:
    """An announcement posted to every room of an association."""

    id: int
    room_key: str
    author_name: str
    text: str
    created_at: datetime


def _room(row: dict[str, Any]) -> RoomRecord:
    return RoomRecord(
        key=row["key"],
        platform=row["platform"],
        external_id=row["external_id"],
        title=row["title"],
        private=bool(row["private"]),
        association_id=row["association_id"],
        language=row["language"],
        timezone=row["timezone"],
    )


class RoomRepo:
    """Rooms and their settings; every room belongs to an association (its own by default)."""

    def __init__(self, db: Database, *, language: str, timezone: str) -> None:
        self.db = db
        self.default_language = language
        self.default_timezone = timezone
        self._cache: dict[str, RoomRecord] = {}

    def ensure(self, room: Room, now: datetime) -> RoomRecord:
        """Return the stored room, creating it (and its own association) on first sight."""
        cached = self._cache.get(room.key)
        if cached is not None and (not room.title or cached.title == room.title):
            return cached
        record = self.get(room.key)
        if record is None:
            with self.db.atomic():
                association = self.db.execute(
                    "INSERT INTO associations (created_at) VALUES (?)", [to_db(now)]
                ).lastrowid
                self.db.execute(
                    """INSERT INTO rooms (key, platform, external_id, title, private,
                       association_id, language, timezone, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        room.key,
                        room.platform,
                        room.id,
                        room.title,
                        int(room.private),
                        association,
                        self.default_language,
                        self.default_timezone,
                        to_db(now),
                    ],
                )
            record = self.get(room.key)
            assert record is not None
        elif room.title and record.title != room.title:
            self.db.execute("UPDATE rooms SET title = ? WHERE key = ?", [room.title, room.key])
            record = replace(record, title=room.title)
        self._cache[room.key] = record
        return record

    def get(self, key: str) -> RoomRecord | None:
        """Return one room, or None when the bot has never seen it."""
        rows = fetch_all(self.db, "SELECT * FROM rooms WHERE key = ?", [key])
        return _room(rows[0]) if rows else None

    def set_language(self, key: str, language: str) -> None:
        """Change a room's language."""
        self.db.execute("UPDATE rooms SET language = ? WHERE key = ?", [language, key])
        self._cache.pop(key, None)

    def set_timezone(self, key: str, timezone: str) -> None:
        """Change a room's timezone (an IANA name)."""
        self.db.execute("UPDATE rooms SET timezone = ? WHERE key = ?", [timezone, key])
        self._cache.pop(key, None)

    def in_association(self, association_id: int) -> list[RoomRecord]:
        """All rooms of one association, oldest first."""
        rows = fetch_all(
            self.db,
            "SELECT * FROM rooms WHERE association_id = ? ORDER BY created_at, key",
            [association_id],
        )
        return [_room(row) for row in rows]

    def linked_to(self, key: str) -> list[RoomRecord]:
        """All rooms of the association the room belongs to (the room included)."""
        rows = fetch_all(
            self.db,
            """SELECT r.* FROM rooms r JOIN rooms me ON me.association_id = r.association_id
               WHERE me.key = ? ORDER BY r.created_at, r.key""",
            [key],
        )
        return [_room(row) for row in rows]

    def create_pairing_code(
        self, room_key: str, created_by: str, now: datetime, ttl: timedelta
    ) -> str:
        """Store a one-time code that another room can use to join this room's association."""
        self.db.execute("DELETE FROM pairing_codes WHERE expires_at <= ?", [to_db(now)])
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            cursor = self.db.execute(
                """INSERT INTO pairing_codes (code, room_key, created_by, created_at, expires_at)
                   VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING""",
                [code, room_key, created_by, to_db(now), to_db(now + ttl)],
            )
            if cursor.rowcount == 1:
                return code

    def pairing_code_room(self, code: str, now: datetime) -> str | None:
        """The room that issued a still-valid code, without using it up."""
        rows = fetch_all(
            self.db,
            "SELECT room_key FROM pairing_codes WHERE code = ? AND expires_at > ?",
            [code.upper(), to_db(now)],
        )
        return str(rows[0]["room_key"]) if rows else None

    def take_pairing_code(self, code: str, now: datetime) -> str | None:
        """Use up a code: return the room that issued it, or None if unknown or expired."""
        # A write: db.query commits it (fetch_all is for reads only).
        rows = list(
            self.db.query(
                "DELETE FROM pairing_codes WHERE code = ? RETURNING room_key, expires_at",
                [code.upper()],
            )
        )
        if not rows or from_db(rows[0]["expires_at"]) <= now:
            return None
        return str(rows[0]["room_key"])

    def link(self, origin_key: str, joining_key: str) -> bool:
        """Move the joining room, and every room already linked to it, into the origin's
        association. Return False when they were already linked."""
        with self.db.atomic():
            origin = self.get(origin_key)
            joining = self.get(joining_key)
            if origin is None or joining is None:
                raise KeyError(origin_key if origin is None else joining_key)
            if origin.association_id == joining.association_id:
                return False
            self.db.execute(
                "UPDATE rooms SET association_id = ? WHERE association_id = ?",
                [origin.association_id, joining.association_id],
            )
            self.db.execute("DELETE FROM associations WHERE id = ?", [joining.association_id])
        self._cache.clear()
        return True

    def unlink(self, key: str, now: datetime) -> bool:
        """Give the room an association of its own again. Return False if it was alone."""
        if len(self.linked_to(key)) <= 1:
            return False
        with self.db.atomic():
            association = self.db.execute(
                "INSERT INTO associations (created_at) VALUES (?)", [to_db(now)]
            ).lastrowid
            self.db.execute(
                "UPDATE rooms SET association_id = ? WHERE key = ?", [association, key]
            )
        self._cache.pop(key, None)
        return True

    def add_announcement(
        self, room_key: str, author_key: str, author_name: str, text: str, now: datetime
    ) -> int:
        """Keep an announcement (digests show it later)."""
        cursor = self.db.execute(
            """INSERT INTO announcements (room_key, author_key, author_name, text, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            [room_key, author_key, author_name, text, to_db(now)],
        )
        return int(cursor.lastrowid or 0)

    def announcements_since(self, room_key: str, since: datetime) -> list[Announcement]:
        """Announcements made in any room linked to ``room_key`` since a moment, oldest first."""
        rows = fetch_all(
            self.db,
            """SELECT a.* FROM announcements a
               JOIN rooms r ON r.key = a.room_key
               JOIN rooms me ON me.association_id = r.association_id
               WHERE me.key = ? AND a.created_at >= ? ORDER BY a.created_at, a.id""",
            [room_key, to_db(since)],
        )
        return [
            Announcement(
                id=row["id"],
                room_key=row["room_key"],
                author_name=row["author_name"],
                text=row["text"],
                created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]
