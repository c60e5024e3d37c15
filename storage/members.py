"""Members seen in rooms, and organizer grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.message import Member
from storage.sql import fetch_all
from storage.times import from_db, to_db

# A member's "last seen" is refreshed at most this often, so chatting costs no write per message.
SEEN_REFRESH = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A platform identity as stored."""

    key: str
    platform: str
    external_id: str
    name: str
    username: str

    @property
    def handle(self) -> str:
        return f"@{self.username}" if self.username else self.name


def _member(row: dict[str, Any]) -> MemberRecord:
    return MemberRecord(
        key=row["key"],
        platform=row["platform"],
        external_id=row["external_id"],
        name=row["name"],
        username=row["username"],
    )


class MemberRepo:
    """Who has been seen in which room (so ``@name`` can be resolved)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._seen: dict[tuple[str, str], tuple[str, str, datetime]] = {}

    def forget_cached(self) -> None:
        """Forget who was seen recently (after an erasure: a member writing again is seen
        again, and recorded, at once)."""
        self._seen.clear()

    def seen(self, room_key: str, member: Member, now: datetime) -> None:
        """Record that ``member`` spoke in ``room_key`` (a write only when something changed)."""
        cache_key = (room_key, member.key)
        known = self._seen.get(cache_key)
        if known is not None:
            name, username, at = known
            if name == member.name and username == member.username and now - at < SEEN_REFRESH:
                return
        with self.db.atomic():
            self.db.execute(
                """INSERT INTO members (key, platform, external_id, name, username, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET name = excluded.name,
                     username = excluded.username, updated_at = excluded.updated_at""",
                [member.key, member.platform, member.id, member.name, member.username, to_db(now)],
            )
            self.db.execute(
                """INSERT INTO room_members (room_key, member_key, last_seen_at) VALUES (?, ?, ?)
                   ON CONFLICT (room_key, member_key) DO UPDATE
                   SET last_seen_at = excluded.last_seen_at""",
                [room_key, member.key, to_db(now)],
            )
        self._seen[cache_key] = (member.name, member.username, now)

    def find_in_room(self, room_key: str, handle: str) -> list[MemberRecord]:
        """Members of a room matching ``@username``, a user id or a display name."""
        wanted = handle.strip().removeprefix("@").casefold()
        rows = fetch_all(
            self.db,
            """SELECT m.* FROM members m JOIN room_members rm ON rm.member_key = m.key
               WHERE rm.room_key = ? ORDER BY rm.last_seen_at DESC""",
            [room_key],
        )
        members = [_member(row) for row in rows]
        # Most precise first: the platform id, then the @username, then the display name.
        for found in (
            [m for m in members if m.external_id.removeprefix("@").casefold() == wanted],
            [m for m in members if m.username.casefold() == wanted],
            [m for m in members if m.name.casefold() == wanted],
        ):
            if found:
                return found
        return []

    def keys_in_room(self, room_key: str) -> set[str]:
        """Keys of the members seen in one room (a nudge there names only them)."""
        rows = fetch_all(
            self.db, "SELECT member_key FROM room_members WHERE room_key = ?", [room_key]
        )
        return {row["member_key"] for row in rows}

    def last_seen(self, room_key: str, member_key: str) -> datetime | None:
        """When the member last spoke in the room (to the hour), or None."""
        rows = fetch_all(
            self.db,
            "SELECT last_seen_at FROM room_members WHERE room_key = ? AND member_key = ?",
            [room_key, member_key],
        )
        return from_db(rows[0]["last_seen_at"]) if rows else None


class OrganizerRepo:
    """Organizer roles granted with a command (platform admins are organizers anyway)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def grant(self, room_key: str, member_key: str, granted_by: str, now: datetime) -> bool:
        """Make a member organizer of a room; False when they already were."""
        cursor = self.db.execute(
            """INSERT INTO organizers (room_key, member_key, granted_by, granted_at)
               VALUES (?, ?, ?, ?) ON CONFLICT (room_key, member_key) DO NOTHING""",
            [room_key, member_key, granted_by, to_db(now)],
        )
        return cursor.rowcount == 1

    def revoke(self, room_key: str, member_key: str) -> bool:
        """Take the role back; False when the member did not have it."""
        cursor = self.db.execute(
            "DELETE FROM organizers WHERE room_key = ? AND member_key = ?", [room_key, member_key]
        )
        return cursor.rowcount == 1

    def is_granted(self, room_key: str, member_key: str) -> bool:
        """Whether the role was granted by command in this room."""
        rows = fetch_all(
            self.db,
            "SELECT 1 FROM organizers WHERE room_key = ? AND member_key = ?",
            [room_key, member_key],
        )
        return any(True for _ in rows)

    def granted(self, room_key: str) -> list[MemberRecord]:
        """Members who were granted the role in this room."""
        rows = fetch_all(
            self.db,
            """SELECT m.* FROM members m JOIN organizers o ON o.member_key = m.key
               WHERE o.room_key = ? ORDER BY o.granted_at""",
            [room_key],
        )
        return [_member(row) for row in rows]
