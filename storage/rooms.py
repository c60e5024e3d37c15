"""Rooms, associations (groups of linked rooms), pairing codes and announcements."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.message import Member, Room
from storage.assembly import merge_rolls
from storage.links import merge_associations, move_room_links
from storage.sql import fetch_all
from storage.statutes import merge_statutes
from storage.times import from_db, to_db

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
CODE_LENGTH = 8

# Every column that holds a room key, rewritten when a room moves to a new id
# (``RoomRepo.migrate``). A new table with a room column must be added here: a test scans the
# schema and names any column left out.
ROOM_KEY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("room_members", "room_key"),
    ("organizers", "room_key"),
    ("pairing_codes", "room_key"),
    ("announcements", "room_key"),
    ("polls", "room_key"),
    ("poll_messages", "room_key"),
    ("reminders", "room_key"),
    ("events", "room_key"),
    ("room_quiet_hours", "room_key"),
    ("link_requests", "origin_key"),
    ("link_requests", "joining_key"),
    ("links", "room_key"),
    ("link_shares", "room_key"),
    ("link_room_settings", "room_key"),
    ("digest_subscriptions", "room_key"),
    ("feed_subscriptions", "room_key"),
    ("assemblies", "room_key"),
    ("convocations", "room_key"),
    ("assembly_messages", "room_key"),
)
# Room columns that follow by themselves (triggers), and must not be rewritten twice.
ROOM_KEY_DERIVED: dict[tuple[str, str], str] = {
    ("link_tag_counts", "room_key"): "kept in step by the triggers on links.room_key",
}


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
class PairingCode:
    """A used-up linking code: the room that gave it and the organizer who asked for it."""

    room_key: str
    created_by: str


@dataclass(frozen=True, slots=True)
class LinkRequest:
    """A room asking to join another room's association, until an organizer there answers."""

    id: int
    origin_key: str
    joining_key: str
    requested_by: str
    requested_by_name: str


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
        # Called after linking or unlinking moved rows of other repositories (polls, proxies),
        # so they drop what they cached.
        self.on_move: list[Callable[[], None]] = []

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

    def groups_in_association(self, association_id: int) -> list[RoomRecord]:
        """The association's rooms that are not private chats, oldest first (what its web
        page may show comes only from these)."""
        return [room for room in self.in_association(association_id) if not room.private]

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

    def take_pairing_code(self, code: str, now: datetime) -> PairingCode | None:
        """Use up a code: the room that issued it and who asked for it, or None if unknown or
        expired."""
        # A write: db.query commits it (fetch_all is for reads only).
        rows = list(
            self.db.query(
                """DELETE FROM pairing_codes WHERE code = ?
                   RETURNING room_key, created_by, expires_at""",
                [code.upper()],
            )
        )
        if not rows or from_db(rows[0]["expires_at"]) <= now:
            return None
        return PairingCode(str(rows[0]["room_key"]), str(rows[0]["created_by"]))

    def link(self, origin_key: str, joining_key: str) -> bool:
        """Move the joining room, and every room already linked to it, into the origin's
        association, with their polls, motions and proxies (the register follows the rooms).
        Return False when they were already linked."""
        with self.db.atomic():
            origin = self.get(origin_key)
            joining = self.get(joining_key)
            if origin is None or joining is None:
                raise KeyError(origin_key if origin is None else joining_key)
            if origin.association_id == joining.association_id:
                return False
            if origin.private or joining.private:
                raise ValueError("a private chat never joins an association")
            self._join(origin.association_id, joining.association_id)
        self._moved()
        return True

    def _join(self, into: int, moving: int) -> None:
        """Every room of association ``moving`` joins ``into``, with its polls, motions,
        proxies and links (inside the caller's transaction)."""
        pair = [into, moving]
        self.db.execute("UPDATE rooms SET association_id = ? WHERE association_id = ?", pair)
        self.db.execute("UPDATE polls SET association_id = ? WHERE association_id = ?", pair)
        # A member who gave a general proxy in both keeps the one of the room that asked.
        self.db.execute(
            "UPDATE OR IGNORE proxies SET association_id = ? WHERE association_id = ?", pair
        )
        self.db.execute("DELETE FROM proxies WHERE association_id = ?", [moving])
        # The roll and the assemblies follow (a name on both rolls is kept once, what was
        # recorded under it following); the survivor keeps its statutes, or takes the other's
        # when it set none.
        merge_rolls(self.db, into, moving)
        self.db.execute("UPDATE assemblies SET association_id = ? WHERE association_id = ?", pair)
        merge_statutes(self.db, into, moving)
        # Digest choices (an item removed, a link pinned) follow, one made on both kept once.
        self.db.execute(
            "UPDATE OR IGNORE digest_edits SET association_id = ? WHERE association_id = ?", pair
        )
        self.db.execute("DELETE FROM digest_edits WHERE association_id = ?", [moving])
        merge_associations(self.db, into, moving)  # shared links too, a page kept once
        # The web page's voting links follow their polls, the archive and agenda addresses
        # their association (where both had one, the survivor's is kept).
        self.db.execute(
            "UPDATE OR IGNORE web_tokens SET association_id = ? WHERE association_id = ?", pair
        )
        self.db.execute("DELETE FROM associations WHERE id = ?", [moving])

    def migrate(self, old_key: str, new_key: str) -> bool:
        """The platform gave a room a new id (a Telegram group upgraded to a supergroup): in
        one transaction, everything stored under ``old_key`` (every ``ROOM_KEY_COLUMNS``
        column) moves to ``new_key`` and the old room is forgotten. When the bot had already
        seen the new room, it joins the old one's association (with what it holds) and keeps
        its own title; the old room's language and timezone win, and where both have a row a
        single one may hold (a member seen, a setting) the new room's is kept. A room already
        moved is moved again: a row written under the old key since (a message id recorded
        just after the send that revealed the move) follows too. Return whether anything
        moved."""
        if old_key == new_key:
            return False
        platform, _sep, external_id = new_key.partition(":")
        moved = 0
        with self.db.atomic():
            old = self.get(old_key)
            new = self.get(new_key)
            if old is not None and new is None:
                self.db.execute(
                    """INSERT INTO rooms (key, platform, external_id, title, private,
                           association_id, language, timezone, created_at)
                       SELECT ?, ?, ?, title, private, association_id, language, timezone,
                           created_at FROM rooms WHERE key = ?""",
                    [new_key, platform, external_id, old_key],
                )
            elif old is not None and new is not None:
                if new.association_id != old.association_id:
                    self._join(old.association_id, new.association_id)
                self.db.execute(
                    """UPDATE rooms SET language = ?, timezone = ?,
                           title = CASE WHEN title = '' THEN ? ELSE title END WHERE key = ?""",
                    [old.language, old.timezone, old.title, new_key],
                )
            tables = set(self.db.table_names())
            for table, column in ROOM_KEY_COLUMNS:
                if table not in tables:  # a feature not installed in this database yet
                    continue
                moved += self.db.execute(
                    f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?",
                    [new_key, old_key],
                ).rowcount
                # What could not move duplicates a row the new room has (kept).
                self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", [old_key])
            self.db.execute("DELETE FROM rooms WHERE key = ?", [old_key])
        if old is None and not moved:
            return False
        self._moved()
        return True

    def unlink(self, key: str, now: datetime) -> bool:
        """Give the room an association of its own again, taking with it the polls and motions
        created in it, their proxies, and a copy of the general proxies its members gave.
        Return False if it was alone."""
        with self.db.atomic():
            room = self.get(key)
            if room is None or len(self.linked_to(key)) <= 1:
                return False
            old = room.association_id
            new = self.db.execute(
                "INSERT INTO associations (created_at) VALUES (?)", [to_db(now)]
            ).lastrowid
            self.db.execute("UPDATE rooms SET association_id = ? WHERE key = ?", [new, key])
            self.db.execute(
                "UPDATE polls SET association_id = ? WHERE association_id = ? AND room_key = ?",
                [new, old, key],
            )
            self.db.execute(
                """UPDATE proxies SET association_id = ? WHERE association_id = ?
                   AND poll_id IN (SELECT id FROM polls WHERE room_key = ?)""",
                [new, old, key],
            )
            move_room_links(self.db, key, old, int(new or 0))
            self.db.execute(
                """UPDATE web_tokens SET association_id = ? WHERE kind = 'vote'
                   AND poll_id IN (SELECT id FROM polls WHERE room_key = ?)""",
                [new, key],
            )
            # A general proxy belongs to the giver's membership: it stays valid on both sides
            # for a giver seen in the leaving room (and only there: no vote for a stranger).
            self.db.execute(
                """INSERT INTO proxies (association_id, giver_key, giver_name, holder_key,
                       holder_name, poll_id, created_at)
                   SELECT ?, giver_key, giver_name, holder_key, holder_name, NULL, created_at
                   FROM proxies WHERE association_id = ? AND poll_id IS NULL
                   AND giver_key IN (SELECT member_key FROM room_members WHERE room_key = ?)""",
                [new, old, key],
            )
        self._moved()
        return True

    def _moved(self) -> None:
        self._cache.clear()
        for forget in self.on_move:
            forget()

    def request_link(
        self, origin_key: str, joining_key: str, member: Member, now: datetime, ttl: timedelta
    ) -> int:
        """Record that ``joining_key`` asks to join ``origin_key``'s association; an organizer
        of the origin confirms it (``take_link_request``). Returns the request's id."""
        self.db.execute("DELETE FROM link_requests WHERE expires_at <= ?", [to_db(now)])
        cursor = self.db.execute(
            """INSERT INTO link_requests (origin_key, joining_key, requested_by,
                   requested_by_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)""",
            [origin_key, joining_key, member.key, member.name, to_db(now), to_db(now + ttl)],
        )
        return int(cursor.lastrowid or 0)

    def take_link_request(
        self, request_id: int, origin_key: str, now: datetime
    ) -> LinkRequest | None:
        """Use up a pending request made to ``origin_key``: None if unknown, already answered,
        expired, or made to another room."""
        # A write: db.query commits it (fetch_all is for reads only).
        rows = list(
            self.db.query(
                "DELETE FROM link_requests WHERE id = ? AND origin_key = ? RETURNING *",
                [request_id, origin_key],
            )
        )
        if not rows or from_db(rows[0]["expires_at"]) <= now:
            return None
        row = rows[0]
        return LinkRequest(
            id=row["id"],
            origin_key=row["origin_key"],
            joining_key=row["joining_key"],
            requested_by=row["requested_by"],
            requested_by_name=row["requested_by_name"],
        )

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
