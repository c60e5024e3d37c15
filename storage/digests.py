"""Digests: subscriptions, the ledger of sends (each period once), editors' removals and pins,
and the reads a digest is composed from (events, reminders, polls, announcements, links)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.sql import fetch_all, fetch_one
from storage.times import from_db, to_db

# The answers of a frozen poll result: a plain choice is a "yes" (storage/polls.py).
YES, MAYBE = 2, 1


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """A room or a member's private chat receiving a digest."""

    id: int
    room_key: str
    member_key: str  # '' for a room's subscription
    cadence: str  # 'weekly' | 'daily'
    weekday: int  # 0 = Monday (weekly only)
    hour: int
    minute: int
    timezone: str
    language: str
    active: bool
    blocked: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SendRecord:
    """One digest of one period for one subscription, claimed then recorded."""

    id: int
    subscription_id: int
    period: str
    since: datetime
    due: datetime
    parts_sent: int
    state: str
    text: str
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventItem:
    id: int
    room_key: str
    title: str
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class ReminderItem:
    id: int
    room_key: str
    text: str
    next_at: datetime


@dataclass(frozen=True, slots=True)
class PollItem:
    """A poll closed in the period (with its frozen result) or still open."""

    id: int
    room_key: str
    kind: str
    question: str
    closes_at: datetime | None
    closed_at: datetime | None
    outcome: str = ""
    voters: int = 0
    # (option position, answer) -> count, and option labels by position
    counts: tuple[tuple[int, int, int], ...] = ()
    labels: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AnnouncementItem:
    id: int
    room_key: str
    author_name: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LinkItem:
    id: int
    room_key: str
    url: str
    title: str
    poster_name: str
    tags: tuple[str, ...]
    shares: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DigestEdits:
    """What editors removed (item keys such as ``link:12``) and pinned (link ids)."""

    removed: frozenset[str]
    pinned: tuple[tuple[int, datetime], ...]


def _subscription(row: dict[str, Any]) -> SubscriptionRecord:
    return SubscriptionRecord(
        id=row["id"],
        room_key=row["room_key"],
        member_key=row["member_key"],
        cadence=row["cadence"],
        weekday=row["weekday"],
        hour=row["hour"],
        minute=row["minute"],
        timezone=row["timezone"],
        language=row["language"],
        active=bool(row["active"]),
        blocked=bool(row["blocked"]),
        created_at=from_db(row["created_at"]),
    )


def _send(row: dict[str, Any]) -> SendRecord:
    return SendRecord(
        id=row["id"],
        subscription_id=row["subscription_id"],
        period=row["period"],
        since=from_db(row["since_at"]),
        due=from_db(row["due_at"]),
        parts_sent=row["parts_sent"],
        state=row["state"],
        text=row["text"],
        sent_at=from_db(row["sent_at"]) if row["sent_at"] else None,
    )


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class DigestRepo:
    """Digest subscriptions, sends and edits, and the reads digests are composed from."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Subscriptions ---------------------------------------------------------------------------

    def subscribe(
        self,
        room_key: str,
        member_key: str,
        *,
        cadence: str,
        weekday: int,
        hour: int,
        minute: int,
        timezone: str,
        language: str,
        now: datetime,
    ) -> SubscriptionRecord:
        """Subscribe a room (or a private chat), or change its schedule; active again."""
        self.db.execute(
            """INSERT INTO digest_subscriptions (room_key, member_key, cadence, weekday, hour,
                   minute, timezone, language, active, blocked, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?)
               ON CONFLICT (room_key) DO UPDATE SET member_key = excluded.member_key,
                   cadence = excluded.cadence, weekday = excluded.weekday,
                   hour = excluded.hour, minute = excluded.minute,
                   timezone = excluded.timezone, language = excluded.language,
                   active = 1, blocked = 0, created_at = excluded.created_at,
                   updated_at = excluded.updated_at""",
            [
                room_key,
                member_key,
                cadence,
                weekday,
                hour,
                minute,
                timezone,
                language,
                to_db(now),
                to_db(now),
            ],
        )
        found = self.of_room(room_key)
        assert found is not None
        return found

    def unsubscribe(self, room_key: str, now: datetime) -> bool:
        """Stop a room's digest (its archive stays); False when it had none."""
        cursor = self.db.execute(
            """UPDATE digest_subscriptions SET active = 0, blocked = 0, updated_at = ?
               WHERE room_key = ? AND active = 1""",
            [to_db(now), room_key],
        )
        return cursor.rowcount == 1

    def of_room(self, room_key: str) -> SubscriptionRecord | None:
        row = fetch_one(
            self.db, "SELECT * FROM digest_subscriptions WHERE room_key = ?", [room_key]
        )
        return _subscription(row) if row else None

    def get(self, subscription_id: int) -> SubscriptionRecord | None:
        row = fetch_one(
            self.db, "SELECT * FROM digest_subscriptions WHERE id = ?", [subscription_id]
        )
        return _subscription(row) if row else None

    def active(self) -> list[SubscriptionRecord]:
        """Every active subscription, oldest first."""
        rows = fetch_all(
            self.db, "SELECT * FROM digest_subscriptions WHERE active = 1 ORDER BY id"
        )
        return [_subscription(row) for row in rows]

    def mark_blocked(self, subscription_id: int, now: datetime) -> None:
        """The member blocked the bot: no digest until they write again."""
        self.db.execute(
            """UPDATE digest_subscriptions SET active = 0, blocked = 1, updated_at = ?
               WHERE id = ?""",
            [to_db(now), subscription_id],
        )

    def unblock(self, room_key: str, now: datetime) -> bool:
        """A member who had blocked the bot wrote again: their digest resumes."""
        cursor = self.db.execute(
            """UPDATE digest_subscriptions SET active = 1, blocked = 0, updated_at = ?
               WHERE room_key = ? AND blocked = 1""",
            [to_db(now), room_key],
        )
        return cursor.rowcount == 1

    # The ledger ------------------------------------------------------------------------------

    def new_boot(self, now: datetime) -> int:
        """Number this start of the bot (claims made from now on belong to it)."""
        cursor = self.db.execute("INSERT INTO digest_boots (started_at) VALUES (?)", [to_db(now)])
        return int(cursor.lastrowid or 0)

    def boot(self) -> int:
        """The running bot's start number (one process per data folder: the latest)."""
        row = fetch_one(self.db, "SELECT max(id) AS boot FROM digest_boots")
        return int(row["boot"] or 0) if row else 0

    def claim(
        self, subscription_id: int, period: str, since: datetime, due: datetime, now: datetime
    ) -> SendRecord | None:
        """Claim the send of one period before sending. A claim left unfinished by an earlier
        run of the bot (stopped or killed in the middle) is taken over, to resume from the
        parts already sent; one held by this run is not (another fan-out has it). None when
        the period's digest is sent or being sent."""
        boot = self.boot()
        with self.db.atomic():
            cursor = self.db.execute(
                """INSERT INTO digest_sends (subscription_id, period, since_at, due_at,
                       claimed_at, boot) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (subscription_id, period) DO UPDATE SET boot = excluded.boot,
                       claimed_at = excluded.claimed_at
                   WHERE digest_sends.state = 'sending' AND digest_sends.boot < excluded.boot""",
                [subscription_id, period, to_db(since), to_db(due), to_db(now), boot],
            )
            if cursor.rowcount != 1:
                return None
            row = fetch_one(
                self.db,
                "SELECT * FROM digest_sends WHERE subscription_id = ? AND period = ?",
                [subscription_id, period],
            )
        return _send(row) if row else None

    def finished_since(self, since: datetime) -> set[tuple[int, str]]:
        """(subscription, period) of the sends finished for periods due since ``since``: a
        fan-out skips them without a write."""
        rows = fetch_all(
            self.db,
            """SELECT subscription_id, period FROM digest_sends
               WHERE due_at >= ? AND state != 'sending'""",
            [to_db(since)],
        )
        return {(row["subscription_id"], row["period"]) for row in rows}

    def release(self, send_id: int) -> None:
        """Give a claim back (a send failed): the next fan-out tries again."""
        self.db.execute(
            "UPDATE digest_sends SET boot = -1 WHERE id = ? AND state = 'sending'", [send_id]
        )

    def part_sent(self, send_id: int, parts: int, text: str) -> None:
        """Record each message of a digest as it goes (a crash re-sends at most the next)."""
        self.db.execute(
            "UPDATE digest_sends SET parts_sent = ?, text = ? WHERE id = ?",
            [parts, text, send_id],
        )

    def finish(self, send_id: int, state: str, text: str, now: datetime) -> None:
        """Record the end of a send: ``sent`` (with the text, for the archive), ``empty``,
        ``blocked`` or ``failed``."""
        self.db.execute(
            "UPDATE digest_sends SET state = ?, text = ?, sent_at = ? WHERE id = ?",
            [state, text, to_db(now), send_id],
        )

    def sends(self, subscription_id: int, limit: int = -1) -> list[SendRecord]:
        """The digests sent to a subscription, newest first (at most ``limit``; -1: all)."""
        rows = fetch_all(
            self.db,
            """SELECT * FROM digest_sends WHERE subscription_id = ? AND state = 'sent'
               ORDER BY due_at DESC, id DESC LIMIT ?""",
            [subscription_id, limit],
        )
        return [_send(row) for row in rows]

    def send_of(self, subscription_id: int, period: str) -> SendRecord | None:
        row = fetch_one(
            self.db,
            "SELECT * FROM digest_sends WHERE subscription_id = ? AND period = ?",
            [subscription_id, period],
        )
        return _send(row) if row else None

    # Editors' choices ------------------------------------------------------------------------

    def edit(
        self, association_id: int, action: str, item: str, member_key: str, now: datetime
    ) -> bool:
        """Remove an item from the coming digests or pin a link; False when already done."""
        cursor = self.db.execute(
            """INSERT INTO digest_edits (association_id, action, item, created_by, created_at)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT (association_id, action, item) DO NOTHING""",
            [association_id, action, item, member_key, to_db(now)],
        )
        return cursor.rowcount == 1

    def edits(self, association_ids: Sequence[int]) -> DigestEdits:
        rows = fetch_all(
            self.db,
            f"""SELECT action, item, created_at FROM digest_edits
                WHERE association_id IN ({_marks(len(association_ids))}) ORDER BY id""",
            list(association_ids),
        )
        removed = frozenset(row["item"] for row in rows if row["action"] == "remove")
        pinned = tuple(
            (int(row["item"].partition(":")[2]), from_db(row["created_at"]))
            for row in rows
            if row["action"] == "pin"
        )
        return DigestEdits(removed, pinned)

    # What a digest is made of ----------------------------------------------------------------

    def member_associations(self, member_key: str) -> list[int]:
        """The associations of the (non-private) rooms a member was seen in."""
        rows = fetch_all(
            self.db,
            """SELECT DISTINCT r.association_id FROM room_members m
               JOIN rooms r ON r.key = m.room_key
               WHERE m.member_key = ? AND r.private = 0 ORDER BY r.association_id""",
            [member_key],
        )
        return [row["association_id"] for row in rows]

    def association_titles(self, association_ids: Sequence[int]) -> list[str]:
        rows = fetch_all(
            self.db,
            f"""SELECT title FROM rooms WHERE association_id IN ({_marks(len(association_ids))})
                AND private = 0 ORDER BY association_id, created_at, key""",
            list(association_ids),
        )
        return [row["title"] for row in rows]

    def private_rooms(self, association_ids: Sequence[int]) -> frozenset[str]:
        """Rooms whose items stay in their own digest (links marked private there)."""
        rows = fetch_all(
            self.db,
            f"""SELECT s.room_key FROM link_room_settings s JOIN rooms r ON r.key = s.room_key
                WHERE s.private = 1 AND r.association_id IN ({_marks(len(association_ids))})""",
            list(association_ids),
        )
        return frozenset(row["room_key"] for row in rows)

    def events(
        self, association_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[EventItem]:
        rows = fetch_all(
            self.db,
            f"""SELECT e.id, e.room_key, e.title, e.starts_at FROM events e
                JOIN rooms r ON r.key = e.room_key
                WHERE r.association_id IN ({_marks(len(association_ids))})
                AND e.status = 'active' AND e.starts_at >= ? AND e.starts_at < ?
                ORDER BY e.starts_at, e.id""",
            [*association_ids, to_db(since), to_db(until)],
        )
        return [
            EventItem(row["id"], row["room_key"], row["title"], from_db(row["starts_at"]))
            for row in rows
        ]

    def reminders(
        self, association_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[ReminderItem]:
        """Room reminders (not personal ones, not an event's warnings) due in a window."""
        rows = fetch_all(
            self.db,
            f"""SELECT m.id, m.room_key, m.text, m.next_at FROM reminders m
                JOIN rooms r ON r.key = m.room_key
                WHERE r.association_id IN ({_marks(len(association_ids))}) AND r.private = 0
                AND m.status = 'active' AND m.personal = 0 AND m.event_id IS NULL
                AND m.next_at >= ? AND m.next_at < ? ORDER BY m.next_at, m.id""",
            [*association_ids, to_db(since), to_db(until)],
        )
        return [
            ReminderItem(row["id"], row["room_key"], row["text"], from_db(row["next_at"]))
            for row in rows
        ]

    def polls(
        self, association_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[PollItem]:
        """Polls closed in the period with their frozen result, then polls still open."""
        marks = _marks(len(association_ids))
        rows = fetch_all(
            self.db,
            f"""SELECT p.id, p.room_key, p.kind, p.question, p.closes_at, p.closed_at,
                       p.hide_results, x.outcome, x.voters FROM polls p
                LEFT JOIN poll_results x ON x.poll_id = p.id
                WHERE p.association_id IN ({marks})
                AND ((p.closed_at >= ? AND p.closed_at < ?) OR p.closed_at IS NULL)
                ORDER BY p.closed_at IS NULL, p.closed_at, p.closes_at IS NULL, p.closes_at,
                         p.id""",
            [*association_ids, to_db(since), to_db(until)],
        )
        ids = [row["id"] for row in rows if row["closed_at"]]
        counts: dict[int, list[tuple[int, int, int]]] = {}
        labels: dict[int, list[tuple[int, str]]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in fetch_all(
                self.db,
                f"""SELECT poll_id, position, answer, count FROM poll_result_counts
                    WHERE poll_id IN ({_marks(len(chunk))})""",
                chunk,
            ):
                counts.setdefault(row["poll_id"], []).append(
                    (row["position"], row["answer"], row["count"])
                )
            for row in fetch_all(
                self.db,
                f"""SELECT poll_id, position, label FROM poll_options
                    WHERE poll_id IN ({_marks(len(chunk))}) ORDER BY poll_id, position""",
                chunk,
            ):
                labels.setdefault(row["poll_id"], []).append((row["position"], row["label"]))
        return [
            PollItem(
                id=row["id"],
                room_key=row["room_key"],
                kind=row["kind"],
                question=row["question"],
                closes_at=from_db(row["closes_at"]) if row["closes_at"] else None,
                closed_at=from_db(row["closed_at"]) if row["closed_at"] else None,
                outcome=row["outcome"] or "",
                voters=row["voters"] or 0,
                counts=tuple(sorted(counts.get(row["id"], ()))),
                labels=tuple(labels.get(row["id"], ())),
            )
            for row in rows
            # a closed poll whose result was never frozen has nothing to show yet
            if row["closed_at"] is None or row["outcome"] is not None
        ]

    def announcements(
        self, association_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[AnnouncementItem]:
        rows = fetch_all(
            self.db,
            f"""SELECT a.id, a.room_key, a.author_name, a.text, a.created_at FROM announcements a
                JOIN rooms r ON r.key = a.room_key
                WHERE r.association_id IN ({_marks(len(association_ids))})
                AND a.created_at >= ? AND a.created_at < ? ORDER BY a.created_at, a.id""",
            [*association_ids, to_db(since), to_db(until)],
        )
        return [
            AnnouncementItem(
                row["id"],
                row["room_key"],
                row["author_name"],
                row["text"],
                from_db(row["created_at"]),
            )
            for row in rows
        ]

    def links(
        self,
        association_ids: Sequence[int],
        since: datetime,
        until: datetime,
        extra_ids: Sequence[int] = (),
    ) -> list[LinkItem]:
        """Links first shared in the period (and the pinned ones), with their tags and how
        many times they were shared."""
        extra = list(extra_ids)
        rows = fetch_all(
            self.db,
            f"""SELECT l.id, l.room_key, l.url, l.title, l.poster_name, l.created_at,
                   (SELECT count(*) FROM link_shares s WHERE s.link_id = l.id) AS shares,
                   (SELECT json_group_array(tag) FROM (SELECT tag FROM link_tags t
                        WHERE t.link_id = l.id ORDER BY tag)) AS tags
                FROM links l WHERE l.association_id IN ({_marks(len(association_ids))})
                AND ((l.created_at >= ? AND l.created_at < ?) OR l.id IN ({_marks(len(extra))}))
                ORDER BY l.created_at, l.id""",
            [*association_ids, to_db(since), to_db(until), *extra],
        )
        return [
            LinkItem(
                id=row["id"],
                room_key=row["room_key"],
                url=row["url"],
                title=row["title"],
                poster_name=row["poster_name"],
                tags=tuple(json.loads(row["tags"] or "[]")),
                shares=row["shares"],
                created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]

    def link_in(self, association_id: int, link_id: int) -> bool:
        row = fetch_one(
            self.db,
            "SELECT 1 AS found FROM links WHERE id = ? AND association_id = ?",
            [link_id, association_id],
        )
        return row is not None
