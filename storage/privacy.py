"""Members' rights over their data: a copy of everything stored about them (``/mydata``), its
erasure (``/forgetme``), and the retention rules the daily job applies.

Everything is driven by the inventory (``storage/inventory.py``): a table's ``people`` columns
say where a member's key is, ``names`` where their name is, ``erase`` what /forgetme does.

Erasure replaces a key kept in a record with ``forgotten:<random>`` — one pseudonym per erasure,
the same in every record kept (an attendance sheet's line and the proxies that member held still
name the same person), tied to no account — and empties the names paired with it. Votes kept in
closed polls get a different token each, so that a forgotten member's votes cannot be put side
by side again. During a general assembly not closed yet the member leaves it: checked out of an
open session at the moment of the erasure, the proxies they gave withdrawn, the proxies they
hold lapsed (the report names their givers, to be told). Votes: removed from open polls; in
closed polls they stay as counts with no name. A secret ballot never held the choice beside the
voter: the "has voted" mark of an open secret poll is kept until the poll closes (removing it
would let the member vote twice), and is deleted after.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from storage.inventory import TABLES, TablePolicy, schema_tables
from storage.sql import fetch_all
from storage.times import to_db

TOKEN = "'forgotten:' || lower(hex(randomblob(8)))"
LinksChoice = Literal["anonymous", "deleted"]


@dataclass(slots=True)
class ForgetReport:
    """What /forgetme did: rows deleted and anonymised per table, what stays and why."""

    deleted: Counter[str] = field(default_factory=Counter)
    anonymised: Counter[str] = field(default_factory=Counter)
    open_votes_removed: int = 0
    closed_votes_kept: int = 0  # as anonymous counts
    secret_marks_kept: int = 0  # "has voted" in open secret polls, no choice
    links_deleted: int = 0
    links_anonymised: int = 0
    reminders_deleted: int = 0
    legal_records: int = 0  # general-assembly records kept with the name
    roll_names_kept: int = 0  # names the member (an organizer) put on a roll: others' data
    checked_out: int = 0  # open assembly sessions the member was checked out of
    proxies_withdrawn: int = 0  # proxies the member gave for assemblies not closed
    lapsed: list[LapsedProxy] = field(default_factory=list)  # proxies the member held

    @property
    def total(self) -> int:
        return sum(self.deleted.values()) + sum(self.anonymised.values())

    @property
    def substantive(self) -> int:
        """Rows erased beyond the member's own record and rooms seen (which the bot writes
        again whenever the member speaks or taps, the confirmation's tap included)."""
        return self.total - self.deleted["members"] - self.deleted["room_members"]


@dataclass(frozen=True, slots=True)
class LapsedProxy:
    """A proxy a forgotten member held for an assembly not closed: it no longer counts, and
    its giver is to be told."""

    assembly_id: int
    room_key: str
    giver_key: str
    giver_name: str
    holder_name: str


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What the daily retention job reduced."""

    ballots_reduced: int = 0
    names_cleared: int = 0
    secret_marks_deleted: int = 0
    processed_events_deleted: int = 0


def _pairs(policy: TablePolicy) -> dict[str, tuple[str, ...]]:
    """Each people column and the name columns paired with it (``giver_key`` ↔
    ``giver_name``; a table with one people column pairs all its names with it)."""
    if len(policy.people) == 1:
        return {policy.people[0]: policy.names}
    paired: dict[str, tuple[str, ...]] = {}
    for person in policy.people:
        stem = person.removesuffix("_key").removesuffix("_by")
        paired[person] = tuple(n for n in policy.names if n.removesuffix("_name") == stem)
    return paired


class PrivacyRepo:
    """A member's data: the copy, the erasure; the retention rules."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        self._pseudonym = ""  # the forgotten member's, during an erasure
        # What other repositories keep in memory about members, forgotten after an erasure.
        self.on_forget: list[Callable[[], None]] = []

    def reader(self) -> Database:
        """A read-only connection of its own (for an export built in a worker thread)."""
        from storage.events import open_read_only

        if self.path is None:
            raise FileNotFoundError("in-memory database")
        return open_read_only(self.path)

    # The copy ------------------------------------------------------------------------------

    def member_data(self, key: str) -> dict[str, list[dict[str, Any]]]:
        """Every row about the member (by key), table by table; their votes with their
        choices; secret ballots only as "voted in poll N" (the choice was never stored with
        them). A row the member only recorded for someone else is not theirs (see
        ``recorded_for_others``); in the rows copied, other people's keys are emptied, and
        their names too where the inventory says so."""
        present = set(schema_tables(self.db))
        found: dict[str, list[dict[str, Any]]] = {}
        for table, policy in sorted(TABLES.items()):
            subjects = tuple(c for c in policy.people if c not in policy.recorders)
            if table not in present or not subjects:
                continue
            where = " OR ".join(f'"{column}" = ?' for column in subjects)
            rows = fetch_all(
                self.db, f"SELECT * FROM {table} WHERE {where}", [key] * len(subjects)
            )
            if rows:
                found[table] = [_only_theirs(row, policy, key) for row in rows]
        choices = fetch_all(
            self.db,
            """SELECT b.poll_id, p.question, o.position, o.label, c.answer
               FROM ballots b JOIN polls p ON p.id = b.poll_id
               JOIN ballot_choices c ON c.ballot_id = b.id
               JOIN poll_options o ON o.id = c.option_id
               WHERE b.voter_key = ? ORDER BY b.poll_id, o.position""",
            [key],
        )
        if choices:
            found["ballot_choices"] = choices
        return found

    def recorded_for_others(self, key: str) -> dict[str, int]:
        """How many rows about other people the member recorded (a secretary's check-ins, an
        organizer's roll names), table by table: counted in their copy, not copied."""
        present = set(schema_tables(self.db))
        counts: dict[str, int] = {}
        for table, policy in sorted(TABLES.items()):
            subjects = tuple(c for c in policy.people if c not in policy.recorders)
            if table not in present or not policy.recorders:
                continue
            recorded = " OR ".join(f'"{column}" = ?' for column in policy.recorders)
            mine = " OR ".join(f'"{column}" = ?' for column in subjects) or "0"
            n = self.db.execute(
                f"SELECT count(*) FROM {table} WHERE ({recorded}) AND NOT ({mine})",
                [key] * (len(policy.recorders) + len(subjects)),
            ).fetchone()[0]
            if n:
                counts[table] = int(n)
        return counts

    # The erasure ---------------------------------------------------------------------------

    def forget(self, key: str, links: LinksChoice, now: datetime | None = None) -> ForgetReport:
        """Erase the member ``key`` everywhere (one transaction); see the module's doc. ``now``
        is when a session in progress sees the member leave (the current time if not given)."""
        report = ForgetReport()
        present = set(schema_tables(self.db))
        self._pseudonym = f"forgotten:{secrets.token_hex(8)}"
        with self.db.atomic():
            if {"assemblies", "attendance", "assembly_proxies"} <= present:
                self._leave_assemblies(key, now or datetime.now().astimezone(), report)
            self._forget_votes(key, report)
            self._forget_links(key, links, report)
            self._forget_reminders(key, report)
            self._forget_private_rooms(key, report)
            for table, policy in sorted(TABLES.items()):
                if table in present and policy.people and policy.erase != "custom":
                    self._by_policy(table, policy, key, report)
            # Their own organizer roles go; roles they granted stay, without their key.
            report.deleted["organizers"] += self.db.execute(
                "DELETE FROM organizers WHERE member_key = ?", [key]
            ).rowcount
            self._anonymise_column("organizers", "granted_by", (), key, report)
            self._forget_roll(key, report)
        for forget_cached in self.on_forget:
            forget_cached()
        return report

    def _leave_assemblies(self, key: str, now: datetime, report: ForgetReport) -> None:
        """The member leaves the assemblies not closed yet: checked out of an open session (the
        attendance line stays, with its times), the proxies they gave withdrawn (were they to
        come back as a new member, their voice would count twice), the proxies they hold
        lapsed (an erased account votes no more)."""
        live = "SELECT id FROM assemblies WHERE status != 'closed'"
        report.checked_out += self.db.execute(
            f"""UPDATE attendance SET checked_out_at = ? WHERE person_key = ?
                AND checked_out_at IS NULL AND assembly_id IN ({live})""",
            [to_db(now), key],
        ).rowcount
        withdrawn = self.db.execute(
            f"DELETE FROM assembly_proxies WHERE giver_key = ? AND assembly_id IN ({live})",
            [key],
        ).rowcount
        report.proxies_withdrawn += withdrawn
        report.deleted["assembly_proxies"] += withdrawn
        rows = fetch_all(
            self.db,
            f"""SELECT p.assembly_id, a.room_key, p.giver_key, p.giver_name, p.holder_name
                FROM assembly_proxies p JOIN assemblies a ON a.id = p.assembly_id
                WHERE p.holder_key = ? AND p.assembly_id IN ({live})
                ORDER BY p.created_at, p.giver_key""",
            [key],
        )
        report.lapsed += [LapsedProxy(**row) for row in rows]

    def _forget_roll(self, key: str, report: ForgetReport) -> None:
        """The member's own entry on a roll goes; the names they added (other members, put
        on the roll by an organizer) stay, no longer linked to them."""
        # The web page's links issued to the member's roll name (roll:<id>) go with it.
        report.deleted["web_tokens"] += self.db.execute(
            """DELETE FROM web_tokens WHERE person_key IN
               (SELECT 'roll:' || id FROM roll_entries WHERE member_key = ?)""",
            [key],
        ).rowcount
        report.deleted["roll_entries"] += self.db.execute(
            "DELETE FROM roll_entries WHERE member_key = ?", [key]
        ).rowcount
        report.roll_names_kept += self._anonymise_column(
            "roll_entries", "added_by", (), key, report
        )

    def _forget_votes(self, key: str, report: ForgetReport) -> None:
        open_ballots = self.db.execute(
            """DELETE FROM ballots WHERE voter_key = ? AND poll_id IN
               (SELECT id FROM polls WHERE closed_at IS NULL)""",
            [key],
        ).rowcount
        report.open_votes_removed += open_ballots
        report.deleted["ballots"] += open_ballots
        # Closed polls: the frozen counts keep the vote; the names lists lose the member's.
        closed = fetch_all(
            self.db, "SELECT id, poll_id, voter_name FROM ballots WHERE voter_key = ?", [key]
        )
        for ballot in closed:
            self._strip_name(ballot["poll_id"], ballot["voter_name"])
        if closed:
            changed = self.db.execute(
                f"UPDATE ballots SET voter_key = {TOKEN}, voter_name = '' WHERE voter_key = ?",
                [key],
            ).rowcount
            report.closed_votes_kept += changed
            report.anonymised["ballots"] += changed
        report.secret_marks_kept += self.db.execute(
            """SELECT count(*) FROM secret_voters WHERE (voter_key = ? OR holder_key = ?)
               AND poll_id IN (SELECT id FROM polls WHERE closed_at IS NULL)""",
            [key, key],
        ).fetchone()[0]
        closed_marks = """poll_id IN (SELECT id FROM polls WHERE closed_at IS NOT NULL)"""
        gone = self.db.execute(
            f"""DELETE FROM secret_voters WHERE voter_key = ? AND {closed_marks}
                AND poll_id IN (SELECT poll_id FROM poll_results)""",
            [key],
        ).rowcount
        # A closed poll not frozen yet counts its voters from these rows: keep one, unnamed.
        gone += self.db.execute(
            f"UPDATE secret_voters SET voter_key = {TOKEN} WHERE voter_key = ? AND {closed_marks}",
            [key],
        ).rowcount
        self.db.execute(
            f"UPDATE secret_voters SET holder_key = NULL WHERE holder_key = ? AND {closed_marks}",
            [key],
        )
        report.deleted["secret_voters"] += gone

    def _strip_name(self, poll_id: int, name: str) -> None:
        if not name:
            return
        rows = fetch_all(
            self.db,
            "SELECT position, answer, names FROM poll_result_counts WHERE poll_id = ?",
            [poll_id],
        )
        for row in rows:
            names = json.loads(row["names"] or "[]")
            if name in names:
                names.remove(name)
                self.db.execute(
                    """UPDATE poll_result_counts SET names = ?
                       WHERE poll_id = ? AND position = ? AND answer = ?""",
                    [
                        json.dumps(names, ensure_ascii=False),
                        poll_id,
                        row["position"],
                        row["answer"],
                    ],
                )

    def _forget_links(self, key: str, links: LinksChoice, report: ForgetReport) -> None:
        if links == "deleted":
            # A link someone else shared too stays (theirs), without the member's name.
            gone = self.db.execute(
                """DELETE FROM links WHERE poster_key = ? AND NOT EXISTS (SELECT 1 FROM
                   link_shares s WHERE s.link_id = links.id AND s.member_key != ?)""",
                [key, key],
            ).rowcount
            report.links_deleted += gone
            report.deleted["links"] += gone
            shares = self.db.execute("DELETE FROM link_shares WHERE member_key = ?", [key])
            report.deleted["link_shares"] += shares.rowcount
        else:
            shares = self.db.execute(
                """UPDATE link_shares SET member_key = ?, member_name = ''
                    WHERE member_key = ?""",
                [self._pseudonym, key],
            )
            report.anonymised["link_shares"] += shares.rowcount
        kept = self.db.execute(
            "UPDATE links SET poster_key = ?, poster_name = '' WHERE poster_key = ?",
            [self._pseudonym, key],
        ).rowcount
        report.links_anonymised += kept
        report.anonymised["links"] += kept

    def _forget_reminders(self, key: str, report: ForgetReport) -> None:
        gone = self.db.execute(
            "DELETE FROM reminders WHERE creator_key = ? AND personal = 1", [key]
        ).rowcount
        report.reminders_deleted += gone
        report.deleted["reminders"] += gone
        self._anonymise_column("reminders", "creator_key", ("creator_name",), key, report)

    def _forget_private_rooms(self, key: str, report: ForgetReport) -> None:
        """The member's private chats with the bot, and everything kept under them."""
        rooms = [
            row[0]
            for row in self.db.execute(
                """SELECT r.key FROM rooms r WHERE r.private = 1 AND (r.key = ? OR EXISTS
                   (SELECT 1 FROM room_members m WHERE m.room_key = r.key
                    AND m.member_key = ?))""",
                [key, key],
            )
        ]
        for room in rooms:
            for table, column in _room_columns(self.db):
                self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", [room])
            report.deleted["rooms"] += self.db.execute(
                "DELETE FROM rooms WHERE key = ?", [room]
            ).rowcount

    def _by_policy(self, table: str, policy: TablePolicy, key: str, report: ForgetReport) -> None:
        if policy.erase == "delete":
            where = " OR ".join(f'"{column}" = ?' for column in policy.people)
            report.deleted[table] += self.db.execute(
                f"DELETE FROM {table} WHERE {where}", [key] * len(policy.people)
            ).rowcount
            return
        for person, names in _pairs(policy).items():
            kept = () if policy.erase == "anonymise" else names
            wiped = tuple(n for n in names if n not in kept)
            changed = self._anonymise_column(table, person, wiped, key, report)
            if policy.erase == "keep":
                report.legal_records += changed

    def _anonymise_column(
        self,
        table: str,
        column: str,
        names: Iterable[str],
        key: str,
        report: ForgetReport,
    ) -> int:
        sets = ", ".join(['"' + column + '" = ?', *(f"\"{name}\" = ''" for name in names)])
        count = self.db.execute(
            f"UPDATE {table} SET {sets} WHERE {column} = ?", [self._pseudonym, key]
        ).rowcount
        report.anonymised[table] += count
        return count

    # Retention -----------------------------------------------------------------------------

    def reduce_votes(self, closed_before: datetime, *, assembly: bool) -> RetentionReport:
        """Polls (of a general assembly, or not) closed before ``closed_before`` and frozen:
        their ballots (who voted what) and the voters' names in the frozen counts are
        removed, the counts stay; secret ballots' "has voted" marks go too."""
        kind = "IS NOT NULL" if assembly else "IS NULL"
        frozen = f"""SELECT p.id FROM polls p JOIN poll_results r ON r.poll_id = p.id
                    WHERE p.closed_at IS NOT NULL AND p.closed_at < ?
                    AND p.assembly_id {kind}"""
        moment = to_db(closed_before)
        with self.db.atomic():
            ballots = self.db.execute(
                f"DELETE FROM ballots WHERE poll_id IN ({frozen})", [moment]
            ).rowcount
            names = self.db.execute(
                f"""UPDATE poll_result_counts SET names = '[]'
                    WHERE names != '[]' AND poll_id IN ({frozen})""",
                [moment],
            ).rowcount
            marks = self.db.execute(
                f"DELETE FROM secret_voters WHERE poll_id IN ({frozen})", [moment]
            ).rowcount
        return RetentionReport(ballots, names, marks)

    def prune_links(self, before: datetime) -> int:
        """Links shared before ``before`` (with their shares and tags)."""
        return self.db.execute("DELETE FROM links WHERE created_at < ?", [to_db(before)]).rowcount

    def prune_processed_events(self, before: datetime) -> int:
        """Platform event ids older than ``before`` (only needed to drop redeliveries)."""
        return self.db.execute(
            "DELETE FROM processed_events WHERE processed_at < ?", [to_db(before)]
        ).rowcount

    def retained_counts(self, now: datetime, days: int) -> int:
        """How many closed polls still keep their voters' names (the next runs' work)."""
        moment = to_db(now - timedelta(days=days))
        return int(
            self.db.execute(
                """SELECT count(DISTINCT poll_id) FROM ballots WHERE poll_id IN
                   (SELECT id FROM polls WHERE closed_at IS NOT NULL AND closed_at < ?)""",
                [moment],
            ).fetchone()[0]
        )


def _only_theirs(row: dict[str, Any], policy: TablePolicy, key: str) -> dict[str, Any]:
    """A row of a member's copy: other people's account keys emptied (and their names, where
    the inventory keeps others unnamed)."""
    copy = dict(row)
    for person, names in _pairs(policy).items():
        if copy.get(person) in (None, "", key):
            continue
        copy[person] = ""
        if not policy.others_named and person not in policy.recorders:
            for name in names:
                copy[name] = ""
    return copy


def _room_columns(db: Database) -> list[tuple[str, str]]:
    """Every (table, column) holding a room key, from the rooms module's list."""
    from storage.rooms import ROOM_KEY_COLUMNS

    present = set(schema_tables(db))
    return [(table, column) for table, column in ROOM_KEY_COLUMNS if table in present]
