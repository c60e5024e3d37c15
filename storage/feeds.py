"""Followed feeds: one row per feed URL (fetched once for every room following it), the rooms
following it, and the entries seen.

A subscription belongs to a room; its association is the room's (read through ``rooms``), so
linking rooms moves nothing here. Entries found when a feed is followed, entries too old and
entries beyond the per-fetch cap are kept as seen but not ``shown``: the digest and the rooms
never get them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.sql import fetch_all, fetch_one
from storage.times import from_db, to_db


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A feed: its normalised URL (the key), the URL fetched, what the last fetch said."""

    id: int
    url: str
    fetch_url: str
    title: str
    etag: str
    last_modified: str
    next_fetch_at: datetime
    last_fetch_at: datetime | None
    last_ok_at: datetime | None
    last_error: str
    failing_since: datetime | None
    failures: int
    failure_notified: bool
    paused: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedSubscription:
    """A room following a feed; ``direct``: new entries are posted there as they come."""

    feed_id: int
    room_key: str
    direct: bool
    added_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to record: its keys for de-duplication, what members read, and whether it is
    shown (False: seen at follow time, too old, or beyond the per-fetch cap)."""

    guid: str
    link: str  # normalised, "" when none
    url: str  # as the feed gave it
    content_hash: str
    title: str
    summary: str
    published_at: datetime
    shown: bool


@dataclass(frozen=True, slots=True)
class FeedEntryRecord:
    """An entry found after a room followed its feed (what the digest lists)."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    link: str
    summary: str
    published_at: datetime  # UTC; the time it was first seen when the feed gives none
    seen_at: datetime


def _time(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def _feed(row: dict[str, Any]) -> FeedRecord:
    return FeedRecord(
        id=row["id"],
        url=row["url"],
        fetch_url=row["fetch_url"],
        title=row["title"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        next_fetch_at=from_db(row["next_fetch_at"]),
        last_fetch_at=_time(row["last_fetch_at"]),
        last_ok_at=_time(row["last_ok_at"]),
        last_error=row["last_error"],
        failing_since=_time(row["failing_since"]),
        failures=row["failures"],
        failure_notified=bool(row["failure_notified"]),
        paused=bool(row["paused"]),
        created_at=from_db(row["created_at"]),
    )


def _entry(row: dict[str, Any]) -> FeedEntryRecord:
    return FeedEntryRecord(
        id=row["id"],
        feed_id=row["feed_id"],
        feed_title=row["feed_title"],
        title=row["title"],
        link=row["url"],
        summary=row["summary"],
        published_at=from_db(row["published_at"]),
        seen_at=from_db(row["seen_at"]),
    )


_FOLLOWED_BY = """EXISTS (SELECT 1 FROM feed_subscriptions s JOIN rooms r ON r.key = s.room_key
                   WHERE s.feed_id = e.feed_id AND r.association_id = ?
                   AND s.created_at <= e.seen_at)"""


class FeedRepo:
    """Feeds, the rooms following them, their entries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Feeds -----------------------------------------------------------------------------

    def get(self, feed_id: int) -> FeedRecord | None:
        row = fetch_one(self.db, "SELECT * FROM feeds WHERE id = ?", [feed_id])
        return _feed(row) if row is not None else None

    def by_url(self, url: str) -> FeedRecord | None:
        """The feed whose normalised URL is ``url``."""
        row = fetch_one(self.db, "SELECT * FROM feeds WHERE url = ?", [url])
        return _feed(row) if row is not None else None

    def create(
        self,
        url: str,
        fetch_url: str,
        title: str,
        now: datetime,
        next_fetch_at: datetime,
        *,
        etag: str = "",
        last_modified: str = "",
        entries: Sequence[NewEntry] = (),
    ) -> FeedRecord:
        """A new feed with the entries it lists now (kept as seen); an existing one (a race
        between two rooms) is returned as it is."""
        at = to_db(now)
        with self.db.atomic():
            self.db.execute(
                """INSERT INTO feeds (url, fetch_url, title, etag, last_modified, next_fetch_at,
                       last_fetch_at, last_ok_at, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING""",
                [url, fetch_url, title, etag, last_modified, to_db(next_fetch_at), at, at, at],
            )
            feed = self.by_url(url)
            assert feed is not None
            self._insert_entries(feed.id, entries, now)
        return feed

    def due(self, now: datetime, limit: int) -> list[FeedRecord]:
        """Feeds to fetch now: not paused, followed by a room, due, soonest first."""
        rows = fetch_all(
            self.db,
            """SELECT * FROM feeds f WHERE paused = 0 AND next_fetch_at <= ?
               AND EXISTS (SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = f.id)
               ORDER BY next_fetch_at, id LIMIT ?""",
            [to_db(now), limit],
        )
        return [_feed(row) for row in rows]

    def fetched(
        self,
        feed_id: int,
        now: datetime,
        next_fetch_at: datetime,
        *,
        title: str = "",
        etag: str | None = None,
        last_modified: str | None = None,
        entries: Sequence[NewEntry] = (),
    ) -> bool:
        """Record a successful fetch (a 304 included) and its new entries; True when the feed
        was failing until now."""
        at = to_db(now)
        with self.db.atomic():
            row = self.db.execute("SELECT failures FROM feeds WHERE id = ?", [feed_id]).fetchone()
            if row is None:
                return False
            self.db.execute(
                """UPDATE feeds SET last_fetch_at = ?, last_ok_at = ?, next_fetch_at = ?,
                       last_error = '', failing_since = NULL, failures = 0,
                       failure_notified = 0, paused = 0,
                       title = CASE WHEN ? != '' THEN ? ELSE title END,
                       etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified)
                   WHERE id = ?""",
                [at, at, to_db(next_fetch_at), title, title, etag, last_modified, feed_id],
            )
            self._insert_entries(feed_id, entries, now)
        return bool(row[0])

    def failed(
        self, feed_id: int, now: datetime, next_fetch_at: datetime, error: str
    ) -> FeedRecord | None:
        """Record a failed fetch; the feed as it is now (failures counted)."""
        at = to_db(now)
        self.db.execute(
            """UPDATE feeds SET last_fetch_at = ?, next_fetch_at = ?, last_error = ?,
                   failing_since = COALESCE(failing_since, ?), failures = failures + 1
               WHERE id = ?""",
            [at, to_db(next_fetch_at), error[:300], at, feed_id],
        )
        return self.get(feed_id)

    def mark_notified(self, feed_id: int) -> None:
        self.db.execute("UPDATE feeds SET failure_notified = 1 WHERE id = ?", [feed_id])

    def pause(self, feed_id: int) -> None:
        self.db.execute("UPDATE feeds SET paused = 1 WHERE id = ?", [feed_id])

    def unpause(self, feed_id: int, next_fetch_at: datetime) -> None:
        """Fetch a paused feed again (from now on, failures counted afresh)."""
        self.db.execute(
            """UPDATE feeds SET paused = 0, failures = 0, failing_since = NULL,
                   failure_notified = 0, next_fetch_at = ? WHERE id = ?""",
            [to_db(next_fetch_at), feed_id],
        )

    # Entries ---------------------------------------------------------------------------

    def known(self, feed_id: int, guid: str, link: str, content_hash: str) -> bool:
        """Was this entry seen: same id, else same link, else same content?"""
        row = self.db.execute(
            """SELECT 1 FROM feed_entries WHERE feed_id = ? AND (guid = ? OR link = ?
                   OR content_hash = ?) LIMIT 1""",
            [feed_id, guid or None, link or None, content_hash],
        ).fetchone()
        return row is not None

    def _insert_entries(self, feed_id: int, entries: Sequence[NewEntry], now: datetime) -> None:
        at = to_db(now)
        self.db.conn.executemany(
            """INSERT INTO feed_entries (feed_id, guid, link, url, content_hash, title, summary,
                   published_at, seen_at, shown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    feed_id,
                    entry.guid or None,
                    entry.link or None,
                    entry.url,
                    entry.content_hash,
                    entry.title,
                    entry.summary,
                    to_db(entry.published_at),
                    at,
                    int(entry.shown),
                )
                for entry in entries
            ],
        )

    def latest_entry(self, feed_id: int) -> str | None:
        """The title of the feed's newest entry, if it has any."""
        row = self.db.execute(
            """SELECT title FROM feed_entries WHERE feed_id = ?
               ORDER BY published_at DESC, id DESC LIMIT 1""",
            [feed_id],
        ).fetchone()
        return str(row[0]) if row is not None else None

    def entries_between(
        self, association_id: int, since: datetime, until: datetime
    ) -> list[FeedEntryRecord]:
        """Entries found in ``[since, until)`` in the feeds the association follows (only those
        found after it followed them), by feed then newest first."""
        rows = fetch_all(
            self.db,
            f"""SELECT e.*, f.title AS feed_title FROM feed_entries e
                JOIN feeds f ON f.id = e.feed_id
                WHERE e.shown = 1 AND e.seen_at >= ? AND e.seen_at < ? AND {_FOLLOWED_BY}
                ORDER BY f.title, e.feed_id, e.published_at DESC, e.id DESC""",
            [to_db(since), to_db(until), association_id],
        )
        return [_entry(row) for row in rows]

    def count_since(self, feed_id: int, association_id: int, since: datetime) -> int:
        """Entries of one feed the association got since ``since``."""
        row = self.db.execute(
            f"""SELECT count(*) FROM feed_entries e WHERE e.feed_id = ? AND e.shown = 1
                AND e.seen_at >= ? AND {_FOLLOWED_BY}""",
            [feed_id, to_db(since), association_id],
        ).fetchone()
        return int(row[0])

    # Subscriptions ---------------------------------------------------------------------

    def follow(self, feed_id: int, room_key: str, member_key: str, now: datetime) -> bool:
        """The room follows the feed; False when it already did."""
        cursor = self.db.execute(
            """INSERT INTO feed_subscriptions (feed_id, room_key, added_by, created_at)
               VALUES (?, ?, ?, ?) ON CONFLICT (feed_id, room_key) DO NOTHING""",
            [feed_id, room_key, member_key, to_db(now)],
        )
        return cursor.rowcount > 0

    def followed_by(self, association_id: int) -> list[FeedRecord]:
        """The feeds the association's rooms follow, oldest followed first."""
        rows = fetch_all(
            self.db,
            """SELECT f.* FROM feeds f WHERE EXISTS (SELECT 1 FROM feed_subscriptions s
                   JOIN rooms r ON r.key = s.room_key
                   WHERE s.feed_id = f.id AND r.association_id = ?) ORDER BY f.id""",
            [association_id],
        )
        return [_feed(row) for row in rows]

    def subscriptions(self, feed_id: int) -> list[FeedSubscription]:
        rows = fetch_all(
            self.db,
            "SELECT * FROM feed_subscriptions WHERE feed_id = ? ORDER BY created_at, room_key",
            [feed_id],
        )
        return [
            FeedSubscription(
                row["feed_id"],
                row["room_key"],
                bool(row["direct"]),
                row["added_by"],
                from_db(row["created_at"]),
            )
            for row in rows
        ]

    def association_rooms_following(self, feed_id: int, association_id: int) -> list[str]:
        rows = self.db.execute(
            """SELECT s.room_key FROM feed_subscriptions s JOIN rooms r ON r.key = s.room_key
               WHERE s.feed_id = ? AND r.association_id = ?""",
            [feed_id, association_id],
        ).fetchall()
        return [str(row[0]) for row in rows]

    def set_direct(self, feed_id: int, room_key: str, direct: bool) -> None:
        self.db.execute(
            "UPDATE feed_subscriptions SET direct = ? WHERE feed_id = ? AND room_key = ?",
            [int(direct), feed_id, room_key],
        )

    def unfollow(self, feed_id: int, association_id: int) -> int:
        """The association's rooms stop following the feed; how many did. A feed nobody
        follows any more is deleted with its entries."""
        with self.db.atomic():
            cursor = self.db.execute(
                """DELETE FROM feed_subscriptions WHERE feed_id = ? AND room_key IN
                   (SELECT key FROM rooms WHERE association_id = ?)""",
                [feed_id, association_id],
            )
            removed = cursor.rowcount
            self.db.execute(
                """DELETE FROM feeds WHERE id = ? AND NOT EXISTS
                   (SELECT 1 FROM feed_subscriptions WHERE feed_id = ?)""",
                [feed_id, feed_id],
            )
        return removed
