"""Polls, options, ballots (public, anonymous, secret), the messages showing them, and proxies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from storage.db import forget_history
from storage.members import MemberRecord
from storage.sql import fetch_all, fetch_one
from storage.times import from_db, to_db

YES, MAYBE = 2, 1  # ballot_choices.answer: a plain choice is a "yes"


class PollKind(StrEnum):
    """What a poll asks: one or more options, a date (yes or maybe per slot), or a motion."""

    CHOICE = "choice"
    WHEN = "when"
    MOTION = "motion"


class Privacy(StrEnum):
    """Who may know a member's choice: the room (names shown), the bot only (anonymous: names
    hidden, the ballot kept so it can change), or nobody (secret: counted apart from who voted)."""

    PUBLIC = "public"
    ANONYMOUS = "anonymous"
    SECRET = "secret"


class AlreadyVoted(Exception):
    """A secret ballot (or a proxy holder's vote) already counted this member."""


@dataclass(frozen=True, slots=True)
class NewPoll:
    """What a member asked for, before it is stored."""

    association_id: int
    room_key: str
    creator_key: str
    creator_name: str
    kind: PollKind
    question: str
    privacy: Privacy = Privacy.PUBLIC
    max_choices: int = 1
    hide_results: bool = False
    everywhere: bool = False
    closes_at: datetime | None = None
    quorum_percent: int = 0
    majority: str = "simple"
    majority_of: str = "cast"
    abstention: str = "excluded"
    members: int | None = None
    blank: str = "excluded"
    assembly_id: int | None = None  # a general assembly's resolution or election
    seats: int | None = None  # an election: seats to fill
    round: int | None = None  # an election: 1, 2
    parent_id: int | None = None  # an election's previous round
    quorum: str = ""  # a fraction of the electorate ("1/4"); empty: quorum_percent
    casting_vote: bool = False  # the chair's vote breaks a tie (public votes only)


@dataclass(frozen=True, slots=True)
class PollRecord:
    """A stored poll."""

    id: int
    association_id: int
    room_key: str
    creator_key: str
    creator_name: str
    kind: PollKind
    question: str
    privacy: Privacy
    max_choices: int
    hide_results: bool
    everywhere: bool
    quorum_percent: int
    majority: str
    majority_of: str
    abstention: str
    members: int | None
    created_at: datetime
    closes_at: datetime | None
    notice_sent: bool
    closed_at: datetime | None
    nudged_at: datetime | None = None
    blank: str = "excluded"
    assembly_id: int | None = None
    seats: int | None = None
    round: int | None = None
    parent_id: int | None = None
    quorum: str = ""
    casting_vote: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def secret(self) -> bool:
        return self.privacy == Privacy.SECRET


@dataclass(frozen=True, slots=True)
class OptionRecord:
    """One answer of a poll; ``position`` is its number (1, 2, ...)."""

    id: int
    poll_id: int
    position: int
    label: str


@dataclass(frozen=True, slots=True)
class Ballot:
    """A named ballot: option position -> answer (YES or MAYBE)."""

    voter_key: str
    voter_name: str
    choices: dict[int, int]


@dataclass(frozen=True, slots=True)
class Proxy:
    """A member's vote given to another member, for one motion or every motion."""

    giver_key: str
    giver_name: str
    holder_key: str
    holder_name: str
    poll_id: int | None


@dataclass(frozen=True, slots=True)
class FrozenResult:
    """A poll's result as it stood at close: figures, names shown, and for a motion the
    decision with the rule applied (``outcome`` is empty for other polls)."""

    voters: int
    counts: dict[tuple[int, int], int]
    names: dict[tuple[int, int], list[str]]
    represented: int = 0
    members: int = 0
    outcome: str = ""
    participants: int = 0
    quorum_needed: int = 0
    votes_cast: int = 0
    majority_base: int = 0
    yes_needed: int = 0
    quorum_percent: int = 0
    majority: str = ""
    majority_of: str = ""
    abstention: str = ""
    blank: str = ""


_RESULT_FIELDS = (
    "voters",
    "represented",
    "members",
    "outcome",
    "participants",
    "quorum_needed",
    "votes_cast",
    "majority_base",
    "yes_needed",
    "quorum_percent",
    "majority",
    "majority_of",
    "abstention",
    "blank",
)


# A proxy still in force: for every motion, or for one that is not closed yet.
_NOT_CLOSED = "(poll_id IS NULL OR poll_id IN (SELECT id FROM polls WHERE closed_at IS NULL))"


def _datetime(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def _poll(row: Mapping[str, Any]) -> PollRecord:
    return PollRecord(
        id=row["id"],
        association_id=row["association_id"],
        room_key=row["room_key"],
        creator_key=row["creator_key"],
        creator_name=row["creator_name"],
        kind=PollKind(row["kind"]),
        question=row["question"],
        privacy=Privacy(row["privacy"]),
        max_choices=row["max_choices"],
        hide_results=bool(row["hide_results"]),
        everywhere=bool(row["everywhere"]),
        quorum_percent=row["quorum_percent"],
        majority=row["majority"],
        majority_of=row["majority_of"],
        abstention=row["abstention"],
        members=row["members"],
        created_at=from_db(row["created_at"]),
        closes_at=_datetime(row["closes_at"]),
        notice_sent=bool(row["notice_sent"]),
        closed_at=_datetime(row["closed_at"]),
        nudged_at=_datetime(row["nudged_at"]),
        blank=row["blank"],
        assembly_id=row["assembly_id"],
        seats=row["seats"],
        round=row["round"],
        parent_id=row["parent_id"],
        quorum=row["quorum"],
        casting_vote=bool(row["casting_vote"]),
    )


class PollRepo:
    """Every poll table. One write is one ``db.execute`` (sqlite-utils commits it); writes
    that belong together (a poll and its options, a ballot, a frozen result) share one
    ``with self.db.atomic():``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Every vote reads its poll: keep the records, forgotten whenever a poll row changes.
        self._cache: dict[int, PollRecord] = {}
        self._options: dict[int, tuple[OptionRecord, ...]] = {}

    # Polls ----------------------------------------------------------------------------------

    def create(self, poll: NewPoll, options: Iterable[str], now: datetime) -> PollRecord:
        """Store a poll and its options (numbered from 1)."""
        with self.db.atomic():
            poll_id = self.db.execute(
                """INSERT INTO polls (association_id, room_key, creator_key, creator_name, kind,
                   question, privacy, max_choices, hide_results, everywhere, quorum_percent,
                   majority, majority_of, abstention, blank, members, created_at, closes_at,
                   assembly_id, seats, round, parent_id, quorum, casting_vote)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                   ?, ?, ?, ?, ?, ?)""",
                [
                    poll.association_id,
                    poll.room_key,
                    poll.creator_key,
                    poll.creator_name,
                    poll.kind,
                    poll.question,
                    poll.privacy,
                    poll.max_choices,
                    int(poll.hide_results),
                    int(poll.everywhere),
                    poll.quorum_percent,
                    poll.majority,
                    poll.majority_of,
                    poll.abstention,
                    poll.blank,
                    poll.members,
                    to_db(now),
                    to_db(poll.closes_at) if poll.closes_at else None,
                    poll.assembly_id,
                    poll.seats,
                    poll.round,
                    poll.parent_id,
                    poll.quorum,
                    int(poll.casting_vote),
                ],
            ).lastrowid
            for position, label in enumerate(options, start=1):
                self.db.execute(
                    "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
                    [poll_id, position, label],
                )
        record = self.get(int(poll_id or 0))
        assert record is not None
        return record

    def get(self, poll_id: int) -> PollRecord | None:
        """One poll, or None."""
        cached = self._cache.get(poll_id)
        if cached is not None:
            return cached
        row = fetch_one(self.db, "SELECT * FROM polls WHERE id = ?", [poll_id])
        if row is None:
            return None
        record = _poll(row)
        self._cache[poll_id] = record
        return record

    def forget_cached(self) -> None:
        """Drop the cached records: another repository moved poll rows (linking rooms)."""
        self._cache.clear()

    def delete(self, poll_id: int) -> bool:
        """Remove a poll with everything attached to it (options, ballots, counts, proxies)."""
        self._cache.pop(poll_id, None)
        self._options.pop(poll_id, None)
        return self.db.execute("DELETE FROM polls WHERE id = ?", [poll_id]).rowcount == 1

    def options(self, poll_id: int) -> list[OptionRecord]:
        """The poll's options in order (they do not change once the poll is created)."""
        cached = self._options.get(poll_id)
        if cached is not None:
            return list(cached)
        rows = fetch_all(
            self.db, "SELECT * FROM poll_options WHERE poll_id = ? ORDER BY position", [poll_id]
        )
        options = tuple(
            OptionRecord(r["id"], r["poll_id"], r["position"], r["label"]) for r in rows
        )
        if options:
            self._options[poll_id] = options
        return list(options)

    def latest_open_in_room(self, room_key: str) -> PollRecord | None:
        """The most recent open poll shown in (or started from) a room."""
        rows = fetch_all(
            self.db,
            """SELECT p.* FROM polls p WHERE p.closed_at IS NULL AND (p.room_key = ?
                     OR p.id IN (SELECT poll_id FROM poll_messages WHERE room_key = ?))
                   ORDER BY p.id DESC LIMIT 1""",
            [room_key, room_key],
        )
        return _poll(rows[0]) if rows else None

    def open_polls(self) -> list[PollRecord]:
        """Every open poll (to restore timers at start-up)."""
        return [
            _poll(r) for r in fetch_all(self.db, "SELECT * FROM polls WHERE closed_at IS NULL")
        ]

    def due(self, now: datetime) -> list[PollRecord]:
        """Open polls whose deadline has passed."""
        rows = fetch_all(
            self.db,
            "SELECT * FROM polls WHERE closed_at IS NULL AND closes_at <= ? ORDER BY closes_at",
            [to_db(now)],
        )
        return [_poll(r) for r in rows]

    def closed_in_association(self, association_id: int, limit: int = 1000) -> list[PollRecord]:
        """Closed polls and motions of an association, most recently closed first."""
        rows = fetch_all(
            self.db,
            """SELECT * FROM polls WHERE association_id = ? AND closed_at IS NOT NULL
               ORDER BY closed_at DESC, id DESC LIMIT ?""",
            [association_id, limit],
        )
        return [_poll(r) for r in rows]

    def close(self, poll_id: int, now: datetime, members: int | None) -> bool:
        """Close a poll (and fix its electorate); False when it was already closed."""
        cursor = self.db.execute(
            """UPDATE polls SET closed_at = ?, members = COALESCE(members, ?)
               WHERE id = ? AND closed_at IS NULL""",
            [to_db(now), members, poll_id],
        )
        self._cache.pop(poll_id, None)
        return cursor.rowcount == 1

    def extend(self, poll_id: int, closes_at: datetime) -> bool:
        """Move an open poll's deadline (the closing notice will be sent again)."""
        cursor = self.db.execute(
            """UPDATE polls SET closes_at = ?, notice_sent = 0
               WHERE id = ? AND closed_at IS NULL""",
            [to_db(closes_at), poll_id],
        )
        self._cache.pop(poll_id, None)
        return cursor.rowcount == 1

    def mark_notice_sent(self, poll_id: int) -> bool:
        """Remember the "closing soon" notice went out; False when it already had."""
        cursor = self.db.execute(
            "UPDATE polls SET notice_sent = 1 WHERE id = ? AND notice_sent = 0", [poll_id]
        )
        self._cache.pop(poll_id, None)
        return cursor.rowcount == 1

    def claim_nudge(self, poll_id: int, now: datetime, not_since: datetime) -> bool:
        """Record a nudge unless the last one is more recent than ``not_since``; False then
        (one statement, so two nudges at once cannot both pass)."""
        cursor = self.db.execute(
            """UPDATE polls SET nudged_at = ?
               WHERE id = ? AND (nudged_at IS NULL OR nudged_at <= ?)""",
            [to_db(now), poll_id, to_db(not_since)],
        )
        self._cache.pop(poll_id, None)
        return cursor.rowcount == 1

    # Results frozen at close -----------------------------------------------------------------

    def freeze(self, poll_id: int, result: FrozenResult, now: datetime) -> bool:
        """Store a closed poll's result once; False (nothing changed) when it already was."""
        with self.db.atomic():
            cursor = self.db.execute(
                f"""INSERT INTO poll_results (poll_id, {", ".join(_RESULT_FIELDS)}, frozen_at)
                    VALUES ({", ".join("?" * (len(_RESULT_FIELDS) + 2))})
                    ON CONFLICT (poll_id) DO NOTHING""",
                [poll_id, *(getattr(result, f) for f in _RESULT_FIELDS), to_db(now)],
            )
            if cursor.rowcount != 1:
                return False
            for (position, answer), count in sorted(result.counts.items()):
                names = result.names.get((position, answer), [])
                self.db.execute(
                    """INSERT INTO poll_result_counts (poll_id, position, answer, count, names)
                       VALUES (?, ?, ?, ?, ?)""",
                    [poll_id, position, answer, count, json.dumps(names, ensure_ascii=False)],
                )
            for (position, answer), names in sorted(result.names.items()):
                if (position, answer) not in result.counts:
                    self.db.execute(
                        """INSERT INTO poll_result_counts (poll_id, position, answer, count,
                           names) VALUES (?, ?, ?, 0, ?)""",
                        [poll_id, position, answer, json.dumps(names, ensure_ascii=False)],
                    )
        return True

    def frozen(self, poll_id: int) -> FrozenResult | None:
        """A closed poll's frozen result, or None (still open, or closed before results were
        frozen)."""
        row = fetch_one(self.db, "SELECT * FROM poll_results WHERE poll_id = ?", [poll_id])
        if row is None:
            return None
        counts: dict[tuple[int, int], int] = {}
        names: dict[tuple[int, int], list[str]] = {}
        for r in fetch_all(
            self.db,
            """SELECT position, answer, count, names FROM poll_result_counts
               WHERE poll_id = ? ORDER BY position, answer""",
            [poll_id],
        ):
            key = (r["position"], r["answer"])
            if r["count"]:
                counts[key] = r["count"]
            shown = [str(name) for name in json.loads(r["names"])]
            if shown:
                names[key] = shown
        return FrozenResult(counts=counts, names=names, **{f: row[f] for f in _RESULT_FIELDS})

    # Messages -------------------------------------------------------------------------------

    def add_message(self, poll_id: int, room_key: str, message_id: str) -> None:
        """Remember which message shows the poll in a room (to edit it in place)."""
        self.db.execute(
            """INSERT INTO poll_messages (poll_id, room_key, message_id) VALUES (?, ?, ?)
               ON CONFLICT (poll_id, room_key) DO UPDATE SET message_id = excluded.message_id""",
            [poll_id, room_key, message_id],
        )

    def messages(self, poll_id: int) -> list[tuple[str, str]]:
        """(room key, message id) of every message showing the poll."""
        rows = fetch_all(
            self.db,
            "SELECT room_key, message_id FROM poll_messages WHERE poll_id = ? ORDER BY room_key",
            [poll_id],
        )
        return [(r["room_key"], r["message_id"]) for r in rows]

    # Named ballots (public and anonymous) ---------------------------------------------------

    def cast(
        self,
        poll_id: int,
        voter_key: str,
        voter_name: str,
        choices: Mapping[int, int],
        now: datetime,
    ) -> None:
        """Record or replace a member's ballot: option position -> answer. One transaction;
        UNIQUE(poll_id, voter_key) makes a second ballot replace the first."""
        with self.db.atomic():
            ballot_id = next(
                iter(
                    self.db.execute(
                        """INSERT INTO ballots (poll_id, voter_key, voter_name, cast_at)
                           VALUES (?, ?, ?, ?)
                           ON CONFLICT (poll_id, voter_key) DO UPDATE
                           SET voter_name = excluded.voter_name, cast_at = excluded.cast_at
                           RETURNING id""",
                        [poll_id, voter_key, voter_name, to_db(now)],
                    )
                )
            )[0]
            self.db.execute("DELETE FROM ballot_choices WHERE ballot_id = ?", [ballot_id])
            for position, answer in sorted(choices.items()):
                self.db.execute(
                    """INSERT INTO ballot_choices (ballot_id, option_id, answer)
                       SELECT ?, id, ? FROM poll_options WHERE poll_id = ? AND position = ?""",
                    [ballot_id, answer, poll_id, position],
                )

    def withdraw(self, poll_id: int, voter_key: str) -> bool:
        """Remove a member's named ballot; False when there was none."""
        cursor = self.db.execute(
            "DELETE FROM ballots WHERE poll_id = ? AND voter_key = ?", [poll_id, voter_key]
        )
        return cursor.rowcount == 1

    def ballot_of(self, poll_id: int, voter_key: str) -> dict[int, int] | None:
        """A member's named ballot (position -> answer), or None."""
        rows = fetch_all(
            self.db,
            """SELECT b.id, o.position, c.answer FROM ballots b
                   LEFT JOIN ballot_choices c ON c.ballot_id = b.id
                   LEFT JOIN poll_options o ON o.id = c.option_id
                   WHERE b.poll_id = ? AND b.voter_key = ?""",
            [poll_id, voter_key],
        )
        if not rows:
            return None
        return {r["position"]: r["answer"] for r in rows if r["position"] is not None}

    def ballots(self, poll_id: int) -> list[Ballot]:
        """Every named ballot of a poll, oldest first."""
        rows = fetch_all(
            self.db,
            """SELECT b.id, b.voter_key, b.voter_name, o.position, c.answer FROM ballots b
               LEFT JOIN ballot_choices c ON c.ballot_id = b.id
               LEFT JOIN poll_options o ON o.id = c.option_id
               WHERE b.poll_id = ? ORDER BY b.cast_at, b.id""",
            [poll_id],
        )
        found: dict[int, Ballot] = {}
        for r in rows:
            ballot = found.setdefault(r["id"], Ballot(r["voter_key"], r["voter_name"], {}))
            if r["position"] is not None:
                ballot.choices[r["position"]] = r["answer"]
        return list(found.values())

    def names(self, poll_id: int, per_answer: int) -> dict[tuple[int, int], list[str]]:
        """The first ``per_answer`` voter names of each (option position, answer), by vote time."""
        rows = fetch_all(
            self.db,
            """SELECT position, answer, voter_name FROM (
                 SELECT o.position, c.answer, b.voter_name, ROW_NUMBER() OVER (
                   PARTITION BY c.option_id, c.answer ORDER BY b.cast_at, b.id) AS rank
                 FROM ballots b JOIN ballot_choices c ON c.ballot_id = b.id
                 JOIN poll_options o ON o.id = c.option_id WHERE b.poll_id = ?)
               WHERE rank <= ? ORDER BY position, answer, rank""",
            [poll_id, per_answer],
        )
        found: dict[tuple[int, int], list[str]] = {}
        for r in rows:
            found.setdefault((r["position"], r["answer"]), []).append(r["voter_name"])
        return found

    # Secret ballots -------------------------------------------------------------------------

    def cast_secret(
        self,
        poll_id: int,
        voter_keys: Iterable[str],
        positions: Iterable[int],
        holder_key: str | None = None,
    ) -> None:
        """Count a secret ballot for one or more members (a proxy holder, ``holder_key``, votes
        for the givers too): mark them as having voted and add one per member to each chosen
        option's total. Raises ``AlreadyVoted`` (and changes nothing) when one of them had
        already voted."""
        voters = sorted(set(voter_keys))
        with self.db.atomic():
            for voter in voters:
                cursor = self.db.execute(
                    """INSERT INTO secret_voters (poll_id, voter_key, holder_key)
                       VALUES (?, ?, ?) ON CONFLICT (poll_id, voter_key) DO NOTHING""",
                    [poll_id, voter, holder_key if voter != holder_key else None],
                )
                if cursor.rowcount != 1:
                    raise AlreadyVoted(voter)
            for position in sorted(set(positions)):
                self.db.execute(
                    """INSERT INTO secret_counts (option_id, answer, count)
                       SELECT id, ?, ? FROM poll_options WHERE poll_id = ? AND position = ?
                       ON CONFLICT (option_id, answer) DO UPDATE
                       SET count = count + excluded.count""",
                    [YES, len(voters), poll_id, position],
                )
        forget_history(self.db)  # no WAL frame may keep this vote's before and after

    def secret_holder(self, poll_id: int, voter_key: str) -> str | None:
        """The proxy holder who cast a member's secret vote, or None (the member voted, or has
        not voted)."""
        row = fetch_one(
            self.db,
            "SELECT holder_key FROM secret_voters WHERE poll_id = ? AND voter_key = ?",
            [poll_id, voter_key],
        )
        return None if row is None else row["holder_key"]

    # Both kinds -----------------------------------------------------------------------------

    def voter_keys(self, poll_id: int) -> set[str]:
        """Who has voted (named or secret ballot)."""
        rows = fetch_all(
            self.db,
            """SELECT voter_key FROM ballots WHERE poll_id = ?
               UNION SELECT voter_key FROM secret_voters WHERE poll_id = ?""",
            [poll_id, poll_id],
        )
        return {r["voter_key"] for r in rows}

    def has_voted(self, poll_id: int, voter_key: str) -> bool:
        """Whether a member has a ballot (named or secret) in a poll."""
        rows = fetch_all(
            self.db,
            """SELECT 1 FROM ballots WHERE poll_id = ? AND voter_key = ?
               UNION ALL SELECT 1 FROM secret_voters WHERE poll_id = ? AND voter_key = ?""",
            [poll_id, voter_key, poll_id, voter_key],
        )
        return any(True for _ in rows)

    def counts(self, poll_id: int) -> dict[tuple[int, int], int]:
        """(option position, answer) -> number of ballots, named and secret together."""
        rows = fetch_all(
            self.db,
            """SELECT o.position, c.answer, COUNT(*) AS n FROM ballot_choices c
               JOIN poll_options o ON o.id = c.option_id WHERE o.poll_id = ?
               GROUP BY o.position, c.answer
               UNION ALL
               SELECT o.position, s.answer, s.count FROM secret_counts s
               JOIN poll_options o ON o.id = s.option_id WHERE o.poll_id = ?""",
            [poll_id, poll_id],
        )
        totals: dict[tuple[int, int], int] = {}
        for r in rows:
            key = (r["position"], r["answer"])
            totals[key] = totals.get(key, 0) + r["n"]
        return totals

    def voter_count(self, poll_id: int) -> int:
        """How many members voted (named or secret ballot)."""
        rows = fetch_all(
            self.db,
            """SELECT (SELECT COUNT(*) FROM ballots WHERE poll_id = ?)
                        + (SELECT COUNT(*) FROM secret_voters WHERE poll_id = ?) AS n""",
            [poll_id, poll_id],
        )
        return int(rows[0]["n"])

    # Members and proxies --------------------------------------------------------------------

    def association_members(self, association_id: int) -> list[MemberRecord]:
        """Members seen in any room of an association (one per platform identity)."""
        rows = fetch_all(
            self.db,
            """SELECT DISTINCT m.* FROM members m
               JOIN room_members rm ON rm.member_key = m.key
               JOIN rooms r ON r.key = rm.room_key
               WHERE r.association_id = ? AND r.private = 0 ORDER BY m.name, m.key""",
            [association_id],
        )
        return [
            MemberRecord(r["key"], r["platform"], r["external_id"], r["name"], r["username"])
            for r in rows
        ]

    def member_in_association(self, association_id: int, member_key: str) -> bool:
        """Whether a member has been seen in a (group) room of the association."""
        rows = fetch_all(
            self.db,
            """SELECT 1 FROM room_members rm JOIN rooms r ON r.key = rm.room_key
               WHERE r.association_id = ? AND r.private = 0 AND rm.member_key = ? LIMIT 1""",
            [association_id, member_key],
        )
        return any(True for _ in rows)

    def give_proxy(
        self,
        association_id: int,
        giver: MemberRecord,
        holder: MemberRecord,
        poll_id: int | None,
        now: datetime,
    ) -> None:
        """Give (or move) a member's proxy, for one motion or for all of them."""
        self.db.execute(
            """INSERT INTO proxies (association_id, giver_key, giver_name, holder_key,
                 holder_name, poll_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (association_id, giver_key, COALESCE(poll_id, 0)) DO UPDATE
               SET holder_key = excluded.holder_key, holder_name = excluded.holder_name,
                   created_at = excluded.created_at""",
            [
                association_id,
                giver.key,
                giver.name,
                holder.key,
                holder.name,
                poll_id,
                to_db(now),
            ],
        )

    def revoke_proxies(self, association_id: int, giver_key: str) -> int:
        """Take back every proxy a member gave in an association (those of closed motions
        stay: they are part of a decision taken); how many there were."""
        cursor = self.db.execute(
            f"""DELETE FROM proxies WHERE association_id = ? AND giver_key = ?
                AND {_NOT_CLOSED}""",
            [association_id, giver_key],
        )
        return cursor.rowcount

    def proxies(self, association_id: int, poll_id: int | None = None) -> list[Proxy]:
        """Proxies of an association: all those in force (a closed motion's are history), or
        those that apply to one motion (a proxy for that motion wins over a general one)."""
        rows = fetch_all(
            self.db,
            f"""SELECT * FROM proxies WHERE association_id = ?
                    AND (? IS NULL OR poll_id IS NULL OR poll_id = ?)
                    AND (? IS NOT NULL OR {_NOT_CLOSED})
                    ORDER BY poll_id IS NULL, created_at, id""",
            [association_id, poll_id, poll_id, poll_id],
        )
        found: dict[str, Proxy] = {}
        for r in rows:
            if poll_id is not None and r["giver_key"] in found:
                continue  # the motion's own proxy came first
            key = r["giver_key"] if poll_id is not None else f"{r['giver_key']}:{r['id']}"
            found[key] = Proxy(
                r["giver_key"], r["giver_name"], r["holder_key"], r["holder_name"], r["poll_id"]
            )
        return list(found.values())
