"""General assemblies: the association's roll, each assembly with its agenda, attendance,
proxies, convocations and session messages.

A person is keyed by a platform member's key (``telegram:123``, ``matrix:@a:b``) or by
``roll:<id>`` for a name only on the roll (a paper proxy, someone in the room who is not in the
chat, a member not seen yet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from storage.sql import fetch_all, fetch_one
from storage.statutes import StatuteRepo
from storage.times import from_db, to_db

ROLL_PREFIX = "roll:"


class AssemblyKind(StrEnum):
    """Ordinary or extraordinary general assembly."""

    ORDINARY = "ordinary"
    EXTRAORDINARY = "extraordinary"


class AssemblyStatus(StrEnum):
    """Where an assembly is in its life."""

    CONVENED = "convened"
    OPEN = "open"
    CLOSED = "closed"


class AttendanceMode(StrEnum):
    """How a person attends: checked in themselves in the room or remotely, or recorded by the
    secretary (someone in the room who is not in the chat)."""

    IN_PERSON = "in_person"
    REMOTE = "remote"
    RECORDED = "recorded"


@dataclass(frozen=True, slots=True)
class RollEntry:
    """A member of the association: a name on the roll, a member seen in its rooms, or both.

    ``key`` is the person key (the member's key, else ``roll:<entry_id>``); ``platforms`` the
    platforms where the person was seen (empty for a name only on the roll)."""

    key: str
    name: str
    entry_id: int | None
    member_key: str | None
    platforms: tuple[str, ...]
    last_seen_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AssemblyRecord:
    """An assembly as stored (times UTC; ``timezone`` the room's zone at convocation)."""

    id: int
    association_id: int
    room_key: str
    kind: AssemblyKind
    starts_at: datetime
    ends_at: datetime | None
    timezone: str
    place: str
    event_id: int | None
    status: AssemblyStatus
    chair_key: str | None
    chair_name: str
    secretary_key: str | None
    secretary_name: str
    opened_at: datetime | None
    closed_at: datetime | None
    convened_at: datetime
    created_by: str
    created_at: datetime

    @property
    def extraordinary(self) -> bool:
        return self.kind is AssemblyKind.EXTRAORDINARY


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One item of the agenda; ``poll_id`` once it was put to the vote."""

    position: int
    text: str
    poll_id: int | None


@dataclass(frozen=True, slots=True)
class Attendance:
    """One line of the attendance sheet."""

    person_key: str
    name: str
    mode: AttendanceMode
    checked_in_at: datetime
    checked_out_at: datetime | None
    recorded_by: str = ""

    @property
    def present(self) -> bool:
        return self.checked_out_at is None


@dataclass(frozen=True, slots=True)
class AssemblyProxy:
    """A proxy for one assembly: the giver's voice goes to the holder (``paper`` when the
    secretary recorded a signed paper)."""

    giver_key: str
    giver_name: str
    holder_key: str
    holder_name: str
    paper: bool
    created_at: datetime
    recorded_by: str = ""


@dataclass(frozen=True, slots=True)
class Convocation:
    """One convocation sent: ``target`` is a room key (channel ``room``) or a member key
    (channel ``private``)."""

    target: str
    channel: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Voices:
    """Who has a voice now: the people present, and the proxies (giver, holder) whose giver is
    not present."""

    present: frozenset[str]
    proxies: tuple[tuple[str, str], ...]

    def weight(self, person_key: str) -> int:
        """How many voices a person carries: their own when present, plus the proxies held."""
        own = 1 if person_key in self.present else 0
        return own + sum(1 for _giver, holder in self.proxies if holder == person_key)

    @property
    def count(self) -> int:
        """Present or represented."""
        return len(self.present) + len(self.proxies)

    def has_voice(self, person_key: str) -> bool:
        return self.weight(person_key) > 0

    def givers_for(self, holder_key: str) -> tuple[str, ...]:
        """The givers whose voice a holder carries."""
        return tuple(giver for giver, holder in self.proxies if holder == holder_key)


def _time(value: Any) -> datetime | None:
    return from_db(value) if value else None


def _assembly(row: dict[str, Any]) -> AssemblyRecord:
    return AssemblyRecord(
        id=row["id"],
        association_id=row["association_id"],
        room_key=row["room_key"],
        kind=AssemblyKind(row["kind"]),
        starts_at=from_db(row["starts_at"]),
        ends_at=_time(row["ends_at"]),
        timezone=row["timezone"],
        place=row["place"],
        event_id=row["event_id"],
        status=AssemblyStatus(row["status"]),
        chair_key=row["chair_key"],
        chair_name=row["chair_name"],
        secretary_key=row["secretary_key"],
        secretary_name=row["secretary_name"],
        opened_at=_time(row["opened_at"]),
        closed_at=_time(row["closed_at"]),
        convened_at=from_db(row["convened_at"]),
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
    )


def roll_key(entry_id: int) -> str:
    """The person key of a name only on the roll."""
    return f"{ROLL_PREFIX}{entry_id}"


def roll_entry_id(person_key: str) -> int | None:
    """The roll entry behind a ``roll:<id>`` key, else None."""
    if not person_key.startswith(ROLL_PREFIX):
        return None
    tail = person_key[len(ROLL_PREFIX) :]
    return int(tail) if tail.isdigit() else None


class AssemblyRepo:
    """The roll and general assemblies (``roll_entries``, ``assemblies`` and their tables)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.statutes = StatuteRepo(db)
        # Who has a voice, per assembly: read on every vote of a session, changed only by the
        # writes below (check-in, check-out, proxies), which forget it.
        self._voices: dict[int, Voices] = {}

    def forget_cached(self) -> None:
        """Forget the voices kept in memory (after a write made elsewhere, e.g. an erasure)."""
        self._voices.clear()

    # -- the roll -------------------------------------------------------------------------

    def roll(self, association_id: int) -> list[RollEntry]:
        """Names on the roll and members seen in the association's rooms, merged (a roll entry
        tied to a member is one person), ordered by name."""
        entries = fetch_all(
            self.db,
            """SELECT id, name, member_key FROM roll_entries WHERE association_id = ?""",
            [association_id],
        )
        seen = fetch_all(
            self.db,
            """SELECT m.key, m.name, m.platform, MAX(rm.last_seen_at) AS last_seen_at
               FROM room_members rm JOIN rooms r ON r.key = rm.room_key
               JOIN members m ON m.key = rm.member_key
               WHERE r.association_id = ? GROUP BY m.key""",
            [association_id],
        )
        by_member = {row["key"]: row for row in seen}
        people: list[RollEntry] = []
        tied: set[str] = set()
        for row in entries:
            member = by_member.get(row["member_key"]) if row["member_key"] else None
            if member is not None:
                tied.add(member["key"])
            people.append(
                RollEntry(
                    key=row["member_key"] or roll_key(row["id"]),
                    name=row["name"],
                    entry_id=row["id"],
                    member_key=row["member_key"],
                    platforms=(member["platform"],) if member else (),
                    last_seen_at=_time(member["last_seen_at"]) if member else None,
                )
            )
        for row in seen:
            if row["key"] in tied:
                continue
            people.append(
                RollEntry(
                    key=row["key"],
                    name=row["name"],
                    entry_id=None,
                    member_key=row["key"],
                    platforms=(row["platform"],),
                    last_seen_at=_time(row["last_seen_at"]),
                )
            )
        people.sort(key=lambda entry: (entry.name.casefold(), entry.key))
        return people

    def members_named(self, association_id: int, handle: str) -> list[tuple[str, str]]:
        """Members seen in the association's rooms whose platform id, @username or display
        name is ``handle`` (``@`` and ASCII case aside), most precise first: ``(key, name)``.
        Names differing only by the case of accented letters are not matched here."""
        wanted = handle.strip().removeprefix("@")
        rows = fetch_all(
            self.db,
            """SELECT DISTINCT m.key, m.name, m.external_id, m.username FROM members m
               JOIN room_members rm ON rm.member_key = m.key
               JOIN rooms r ON r.key = rm.room_key
               WHERE r.association_id = ? AND (lower(ltrim(m.external_id, '@')) = lower(?)
                   OR lower(m.username) = lower(?) OR lower(m.name) = lower(?))""",
            [association_id, wanted, wanted, wanted],
        )
        folded = wanted.casefold()
        for column, strip in (("external_id", "@"), ("username", ""), ("name", "")):
            found = [
                (r["key"], r["name"])
                for r in rows
                if str(r[column]).removeprefix(strip).casefold() == folded
            ]
            if found:
                return found
        return []

    def roll_length(self, association_id: int) -> int:
        """How many people the roll holds (names and members seen, merged)."""
        row = fetch_one(
            self.db,
            """SELECT
                 (SELECT COUNT(*) FROM roll_entries WHERE association_id = ?)
               + (SELECT COUNT(DISTINCT rm.member_key) FROM room_members rm
                  JOIN rooms r ON r.key = rm.room_key WHERE r.association_id = ?
                  AND rm.member_key NOT IN (SELECT member_key FROM roll_entries
                      WHERE association_id = ? AND member_key IS NOT NULL)) AS n""",
            [association_id, association_id, association_id],
        )
        return int(row["n"]) if row else 0

    def roll_size(self, association_id: int) -> int:
        """The electorate: the statutes' members count when set, else the roll's length."""
        count = self.statutes.get(association_id).members_count
        if count is not None and count > 0:
            return count
        return self.roll_length(association_id)

    def roll_names(self, association_id: int) -> int:
        """How many names were added to the roll (the cap counts these)."""
        row = fetch_one(
            self.db,
            "SELECT COUNT(*) AS n FROM roll_entries WHERE association_id = ?",
            [association_id],
        )
        return int(row["n"]) if row else 0

    def find_name(self, association_id: int, folded: str) -> RollEntry | None:
        """The roll entry with this folded name, or None."""
        row = fetch_one(
            self.db,
            """SELECT id, name, member_key FROM roll_entries
               WHERE association_id = ? AND folded = ?""",
            [association_id, folded],
        )
        if row is None:
            return None
        return RollEntry(
            key=row["member_key"] or roll_key(row["id"]),
            name=row["name"],
            entry_id=row["id"],
            member_key=row["member_key"],
            platforms=(),
        )

    def entry(self, entry_id: int) -> RollEntry | None:
        """A roll entry by id, or None."""
        row = fetch_one(
            self.db, "SELECT id, name, member_key FROM roll_entries WHERE id = ?", [entry_id]
        )
        if row is None:
            return None
        return RollEntry(
            key=row["member_key"] or roll_key(row["id"]),
            name=row["name"],
            entry_id=row["id"],
            member_key=row["member_key"],
            platforms=(),
        )

    def entry_association(self, entry_id: int) -> int | None:
        """The association whose roll holds an entry, or None."""
        row = fetch_one(
            self.db, "SELECT association_id FROM roll_entries WHERE id = ?", [entry_id]
        )
        return int(row["association_id"]) if row else None

    def add_names(
        self,
        association_id: int,
        names: Sequence[tuple[str, str]],
        by: str,
        now: datetime,
        *,
        cap: int | None = None,
    ) -> tuple[list[RollEntry], list[str]]:
        """Add ``(name, folded)`` pairs to the roll in one transaction. Return the entries
        added and the names already there; once the roll holds ``cap`` names the rest are
        neither added nor returned (the caller checks the cap first)."""
        added: list[RollEntry] = []
        already: list[str] = []
        with self.db.atomic():
            count = self.roll_names(association_id)
            for name, folded in names:
                if cap is not None and count >= cap:
                    break
                cursor = self.db.execute(
                    """INSERT INTO roll_entries (association_id, name, folded, member_key,
                       added_by, added_at) VALUES (?, ?, ?, NULL, ?, ?)
                       ON CONFLICT (association_id, folded) DO NOTHING""",
                    [association_id, name, folded, by, to_db(now)],
                )
                if cursor.rowcount:
                    count += 1
                    entry_id = int(cursor.lastrowid or 0)
                    added.append(RollEntry(roll_key(entry_id), name, entry_id, None, ()))
                else:
                    already.append(name)
        return added, already

    def ensure_name(
        self, association_id: int, name: str, folded: str, by: str, now: datetime
    ) -> RollEntry:
        """The roll entry of a name, added when missing (a paper proxy's giver)."""
        found = self.find_name(association_id, folded)
        if found is not None:
            return found
        self.db.execute(
            """INSERT INTO roll_entries (association_id, name, folded, member_key, added_by,
               added_at) VALUES (?, ?, ?, NULL, ?, ?)
               ON CONFLICT (association_id, folded) DO NOTHING""",
            [association_id, name, folded, by, to_db(now)],
        )
        found = self.find_name(association_id, folded)
        assert found is not None
        return found

    def tie(self, association_id: int, entry_id: int, member_key: str) -> bool:
        """A name on the roll is this member (seen in the chat since): the entry takes the
        member's key, and what the open assemblies recorded under ``roll:<id>`` (attendance,
        proxies, chair, secretary) moves to the member, in one transaction. Where both keys
        hold a row that allows one, the member's own is kept. Whether it was tied now."""
        old = roll_key(entry_id)
        # Both the name (by its link) and the member cast a ballot in the same open secret
        # vote: the two ballots cannot be told apart any more, so the two stay two people.
        both = fetch_one(
            self.db,
            """SELECT 1 AS found FROM secret_voters a JOIN secret_voters b
               ON a.poll_id = b.poll_id JOIN polls p ON p.id = a.poll_id
               WHERE a.voter_key = ? AND b.voter_key = ? AND p.closed_at IS NULL LIMIT 1""",
            [old, member_key],
        )
        if both:
            return False
        with self.db.atomic():
            cursor = self.db.execute(
                """UPDATE roll_entries SET member_key = ? WHERE id = ? AND association_id = ?
                   AND member_key IS NULL""",
                [member_key, entry_id, association_id],
            )
            if not cursor.rowcount:
                return False
            _rekey(self.db, old, member_key, live_of=association_id)
            self._take_member_name(association_id, member_key)
        self._voices.clear()
        return True

    def _take_member_name(self, association_id: int, member_key: str) -> None:
        """Once a name typed as ``@dan`` is tied to Dan, the assemblies not closed yet call
        him by his name (chair, secretary, proxies): the session message and the minutes
        say « Dan », not « @dan »."""
        row = fetch_one(self.db, "SELECT name FROM members WHERE key = ?", [member_key])
        if row is None or not row["name"]:
            return
        name = row["name"]
        live = """SELECT id FROM assemblies WHERE association_id = ? AND status != 'closed'"""
        for key, label in (("chair_key", "chair_name"), ("secretary_key", "secretary_name")):
            self.db.execute(
                f"UPDATE assemblies SET {label} = ? WHERE {key} = ? AND id IN ({live})",
                [name, member_key, association_id],
            )
        for key, label in (("giver_key", "giver_name"), ("holder_key", "holder_name")):
            self.db.execute(
                f"""UPDATE assembly_proxies SET {label} = ? WHERE {key} = ?
                    AND assembly_id IN ({live})""",
                [name, member_key, association_id],
            )

    def remove_name(self, association_id: int, folded: str) -> bool:
        """Remove a name from the roll; whether it was there."""
        cursor = self.db.execute(
            "DELETE FROM roll_entries WHERE association_id = ? AND folded = ?",
            [association_id, folded],
        )
        return bool(cursor.rowcount)

    # -- assemblies -----------------------------------------------------------------------

    def create(
        self,
        *,
        association_id: int,
        room_key: str,
        kind: AssemblyKind,
        starts_at: datetime,
        ends_at: datetime | None,
        timezone: str,
        place: str,
        agenda: Sequence[str],
        created_by: str,
        now: datetime,
    ) -> AssemblyRecord:
        """Store a convened assembly with its agenda, in one transaction."""
        with self.db.atomic():
            cursor = self.db.execute(
                """INSERT INTO assemblies (association_id, room_key, kind, starts_at, ends_at,
                   timezone, place, status, convened_at, created_by, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    association_id,
                    room_key,
                    kind,
                    to_db(starts_at),
                    to_db(ends_at) if ends_at else None,
                    timezone,
                    place,
                    AssemblyStatus.CONVENED,
                    to_db(now),
                    created_by,
                    to_db(now),
                ],
            )
            assembly_id = int(cursor.lastrowid or 0)
            self._write_agenda(assembly_id, agenda)
        found = self.get(assembly_id)
        assert found is not None
        return found

    def _write_agenda(self, assembly_id: int, agenda: Sequence[str]) -> None:
        self.db.execute(
            "DELETE FROM agenda_items WHERE assembly_id = ? AND poll_id IS NULL", [assembly_id]
        )
        start = self._max_voted_position(assembly_id)
        for offset, text in enumerate(agenda, start=1):
            self.db.execute(
                "INSERT INTO agenda_items (assembly_id, position, text) VALUES (?, ?, ?)",
                [assembly_id, start + offset, text],
            )

    def _max_voted_position(self, assembly_id: int) -> int:
        row = fetch_one(
            self.db,
            "SELECT MAX(position) AS p FROM agenda_items WHERE assembly_id = ?",
            [assembly_id],
        )
        return int(row["p"]) if row and row["p"] is not None else 0

    def get(self, assembly_id: int) -> AssemblyRecord | None:
        """One assembly, or None."""
        row = fetch_one(self.db, "SELECT * FROM assemblies WHERE id = ?", [assembly_id])
        return _assembly(row) if row else None

    def current(self, association_id: int) -> AssemblyRecord | None:
        """The newest assembly of the association that is not closed, or None."""
        return self._newest(association_id, "status != ?", [AssemblyStatus.CLOSED])

    def open_session(self, association_id: int) -> AssemblyRecord | None:
        """The assembly of the association whose session is open, or None."""
        return self._newest(association_id, "status = ?", [AssemblyStatus.OPEN])

    def latest(self, association_id: int) -> AssemblyRecord | None:
        """The newest assembly of the association, whatever its status."""
        return self._newest(association_id, "1", [])

    def closed(self, association_id: int, limit: int = 20) -> list[AssemblyRecord]:
        """The association's closed assemblies, newest first (for the archive's minutes)."""
        rows = self.db.query(
            """SELECT * FROM assemblies WHERE association_id = ? AND status = ?
               ORDER BY starts_at DESC, id DESC LIMIT ?""",
            [association_id, AssemblyStatus.CLOSED, limit],
        )
        return [_assembly(row) for row in rows]

    def _newest(
        self, association_id: int, condition: str, params: list[object]
    ) -> AssemblyRecord | None:
        row = fetch_one(
            self.db,
            f"""SELECT * FROM assemblies WHERE association_id = ? AND {condition}
               ORDER BY id DESC LIMIT 1""",
            [association_id, *params],
        )
        return _assembly(row) if row else None

    def set_event(self, assembly_id: int, event_id: int) -> None:
        """Tie the assembly to its calendar event."""
        self.db.execute("UPDATE assemblies SET event_id = ? WHERE id = ?", [event_id, assembly_id])

    def start_session(self, assembly_id: int, now: datetime) -> bool:
        """Open a convened session; whether it was convened."""
        cursor = self.db.execute(
            "UPDATE assemblies SET status = ?, opened_at = ? WHERE id = ? AND status = ?",
            [AssemblyStatus.OPEN, to_db(now), assembly_id, AssemblyStatus.CONVENED],
        )
        return bool(cursor.rowcount)

    def close(self, assembly_id: int, now: datetime) -> bool:
        """Close an open session (or cancel a convened one); whether it changed."""
        cursor = self.db.execute(
            "UPDATE assemblies SET status = ?, closed_at = ? WHERE id = ? AND status != ?",
            [AssemblyStatus.CLOSED, to_db(now), assembly_id, AssemblyStatus.CLOSED],
        )
        return bool(cursor.rowcount)

    def set_chair(self, assembly_id: int, person_key: str | None, name: str) -> None:
        """Who chairs the session."""
        self.db.execute(
            "UPDATE assemblies SET chair_key = ?, chair_name = ? WHERE id = ?",
            [person_key, name, assembly_id],
        )

    def set_secretary(self, assembly_id: int, person_key: str | None, name: str) -> None:
        """Who keeps the minutes."""
        self.db.execute(
            "UPDATE assemblies SET secretary_key = ?, secretary_name = ? WHERE id = ?",
            [person_key, name, assembly_id],
        )

    # -- agenda ---------------------------------------------------------------------------

    def agenda(self, assembly_id: int) -> list[AgendaItem]:
        """The agenda in order."""
        rows = fetch_all(
            self.db,
            """SELECT position, text, poll_id FROM agenda_items WHERE assembly_id = ?
               ORDER BY position""",
            [assembly_id],
        )
        return [AgendaItem(r["position"], r["text"], r["poll_id"]) for r in rows]

    def set_agenda(self, assembly_id: int, items: Sequence[str]) -> None:
        """Replace the items not yet put to the vote (those voted on stay first)."""
        with self.db.atomic():
            self._write_agenda(assembly_id, items)

    def next_item(self, assembly_id: int) -> AgendaItem | None:
        """The first item not yet put to the vote, or None."""
        row = fetch_one(
            self.db,
            """SELECT position, text, poll_id FROM agenda_items
               WHERE assembly_id = ? AND poll_id IS NULL ORDER BY position LIMIT 1""",
            [assembly_id],
        )
        return AgendaItem(row["position"], row["text"], row["poll_id"]) if row else None

    def set_item_poll(self, assembly_id: int, position: int, poll_id: int) -> bool:
        """Record the poll an item was put to the vote with; False when already set."""
        cursor = self.db.execute(
            """UPDATE agenda_items SET poll_id = ? WHERE assembly_id = ? AND position = ?
               AND poll_id IS NULL""",
            [poll_id, assembly_id, position],
        )
        return bool(cursor.rowcount)

    # -- attendance -----------------------------------------------------------------------

    def check_in(
        self,
        assembly_id: int,
        person_key: str,
        name: str,
        mode: AttendanceMode,
        recorded_by: str,
        now: datetime,
    ) -> bool:
        """Record a person present (again, after leaving: a new check-in time); whether they
        were not present before."""
        self._voices.pop(assembly_id, None)
        with self.db.atomic():
            row = fetch_one(
                self.db,
                """SELECT checked_out_at FROM attendance WHERE assembly_id = ?
                   AND person_key = ?""",
                [assembly_id, person_key],
            )
            if row is not None and row["checked_out_at"] is None:
                self.db.execute(
                    """UPDATE attendance SET mode = ?, name = ? WHERE assembly_id = ?
                       AND person_key = ?""",
                    [mode, name, assembly_id, person_key],
                )
                return False
            if row is None and self._rejoin(assembly_id, person_key, name, mode, recorded_by):
                return True
            self.db.execute(
                """INSERT INTO attendance (assembly_id, person_key, name, mode, recorded_by,
                   checked_in_at, checked_out_at) VALUES (?, ?, ?, ?, ?, ?, NULL)
                   ON CONFLICT (assembly_id, person_key) DO UPDATE SET name = excluded.name,
                   mode = excluded.mode, recorded_by = excluded.recorded_by,
                   checked_in_at = excluded.checked_in_at, checked_out_at = NULL""",
                [assembly_id, person_key, name, mode, recorded_by, to_db(now)],
            )
            return True

    def _rejoin(
        self, assembly_id: int, person_key: str, name: str, mode: str, recorded_by: str
    ) -> bool:
        """A member who erased their account during this session (/forgetme checked them
        out, their line kept under a ``forgotten:`` pseudonym) and checks in again under the
        same name takes their line back: the sheet lists one person once, never more people
        than came. Only the attendance line moves: proxies they held stay lapsed (their givers
        were told). Whether a line was taken back."""
        rows = fetch_all(
            self.db,
            """SELECT person_key, name FROM attendance WHERE assembly_id = ?
               AND person_key LIKE 'forgotten:%' AND checked_out_at IS NOT NULL
               AND assembly_id IN (SELECT id FROM assemblies WHERE status = 'open')""",
            [assembly_id],
        )
        wanted = " ".join(name.casefold().split())
        same = [r for r in rows if " ".join(str(r["name"]).casefold().split()) == wanted]
        if len(same) != 1:
            return False
        self.db.execute(
            """UPDATE attendance SET person_key = ?, name = ?, mode = ?, recorded_by = ?,
               checked_out_at = NULL WHERE assembly_id = ? AND person_key = ?""",
            [person_key, name, mode, recorded_by, assembly_id, same[0]["person_key"]],
        )
        return True

    def check_out(self, assembly_id: int, person_key: str, now: datetime) -> bool:
        """Record a person leaving; whether they were present."""
        self._voices.pop(assembly_id, None)
        cursor = self.db.execute(
            """UPDATE attendance SET checked_out_at = ? WHERE assembly_id = ?
               AND person_key = ? AND checked_out_at IS NULL""",
            [to_db(now), assembly_id, person_key],
        )
        return bool(cursor.rowcount)

    def attendance(self, assembly_id: int) -> list[Attendance]:
        """The attendance sheet, by check-in time."""
        rows = fetch_all(
            self.db,
            """SELECT * FROM attendance WHERE assembly_id = ?
               ORDER BY checked_in_at, name, person_key""",
            [assembly_id],
        )
        return [
            Attendance(
                person_key=r["person_key"],
                name=r["name"],
                mode=AttendanceMode(r["mode"]),
                checked_in_at=from_db(r["checked_in_at"]),
                checked_out_at=_time(r["checked_out_at"]),
                recorded_by=r["recorded_by"],
            )
            for r in rows
        ]

    def is_present(self, assembly_id: int, person_key: str) -> bool:
        """Whether a person is checked in and has not left."""
        row = fetch_one(
            self.db,
            """SELECT 1 AS x FROM attendance WHERE assembly_id = ? AND person_key = ?
               AND checked_out_at IS NULL""",
            [assembly_id, person_key],
        )
        return row is not None

    # -- proxies --------------------------------------------------------------------------

    def give_proxy(
        self,
        assembly_id: int,
        *,
        giver_key: str,
        giver_name: str,
        holder_key: str,
        holder_name: str,
        paper: bool,
        recorded_by: str,
        now: datetime,
    ) -> None:
        """Record (or replace) the giver's proxy for this assembly; the names the replaced
        proxy put on the roll go (see ``_drop_names``)."""
        self._voices.pop(assembly_id, None)
        with self.db.atomic():
            old = self._proxy_row(assembly_id, giver_key)
            self._write_proxy(
                assembly_id,
                giver_key=giver_key,
                giver_name=giver_name,
                holder_key=holder_key,
                holder_name=holder_name,
                paper=paper,
                recorded_by=recorded_by,
                now=now,
            )
            if old is not None:
                # A name the replaced proxy added and the new one names again is now the new
                # one's: it goes when that one is replaced or taken back.
                for key in {old["giver_key"], old["holder_key"]} & {giver_key, holder_key}:
                    entry_id = roll_entry_id(key)
                    if entry_id is not None:
                        self.db.execute(
                            """UPDATE roll_entries SET added_by = ?, added_at = ?
                               WHERE id = ? AND member_key IS NULL AND added_by = ?
                               AND added_at = ?""",
                            [
                                recorded_by,
                                to_db(now),
                                entry_id,
                                old["recorded_by"],
                                old["created_at"],
                            ],
                        )
                self._drop_names(assembly_id, old)

    def _write_proxy(
        self,
        assembly_id: int,
        *,
        giver_key: str,
        giver_name: str,
        holder_key: str,
        holder_name: str,
        paper: bool,
        recorded_by: str,
        now: datetime,
    ) -> None:
        self.db.execute(
            """INSERT INTO assembly_proxies (assembly_id, giver_key, giver_name, holder_key,
               holder_name, paper, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (assembly_id, giver_key) DO UPDATE SET
               giver_name = excluded.giver_name, holder_key = excluded.holder_key,
               holder_name = excluded.holder_name, paper = excluded.paper,
               recorded_by = excluded.recorded_by, created_at = excluded.created_at""",
            [
                assembly_id,
                giver_key,
                giver_name,
                holder_key,
                holder_name,
                int(paper),
                recorded_by,
                to_db(now),
            ],
        )

    def withdraw_proxy(self, assembly_id: int, giver_key: str) -> bool:
        """Remove the giver's proxy, and the names it put on the roll (see ``_drop_names``);
        whether there was one."""
        self._voices.pop(assembly_id, None)
        with self.db.atomic():
            old = self._proxy_row(assembly_id, giver_key)
            if old is None:
                return False
            self.db.execute(
                "DELETE FROM assembly_proxies WHERE assembly_id = ? AND giver_key = ?",
                [assembly_id, giver_key],
            )
            self._drop_names(assembly_id, old)
        return True

    def _proxy_row(self, assembly_id: int, giver_key: str) -> dict[str, Any] | None:
        return fetch_one(
            self.db,
            """SELECT giver_key, holder_key, recorded_by, created_at FROM assembly_proxies
               WHERE assembly_id = ? AND giver_key = ?""",
            [assembly_id, giver_key],
        )

    def _drop_names(self, assembly_id: int, proxy: dict[str, Any]) -> None:
        """A proxy replaced or taken back leaves the roll as it was before it: the names it
        added itself (put on the roll by its recorder at its very moment, never tied to a
        member) go, unless something else names them now (another proxy, the attendance
        sheet, a chair or secretary, a vote)."""
        for key in (proxy["giver_key"], proxy["holder_key"]):
            entry_id = roll_entry_id(key)
            if entry_id is None:
                continue
            self.db.execute(
                """DELETE FROM roll_entries WHERE id = :id AND member_key IS NULL
                   AND added_by = :by AND added_at = :at
                   AND association_id = (SELECT association_id FROM assemblies WHERE id = :a)
                   AND NOT EXISTS (SELECT 1 FROM assembly_proxies
                       WHERE giver_key = :key OR holder_key = :key)
                   AND NOT EXISTS (SELECT 1 FROM attendance WHERE person_key = :key)
                   AND NOT EXISTS (SELECT 1 FROM assemblies
                       WHERE chair_key = :key OR secretary_key = :key)
                   AND NOT EXISTS (SELECT 1 FROM ballots WHERE voter_key = :key)
                   AND NOT EXISTS (SELECT 1 FROM secret_voters WHERE voter_key = :key)""",
                {
                    "id": entry_id,
                    "by": proxy["recorded_by"],
                    "at": proxy["created_at"],
                    "a": assembly_id,
                    "key": key,
                },
            )

    def proxies(self, assembly_id: int) -> list[AssemblyProxy]:
        """Every proxy of the assembly (present givers included), oldest first."""
        rows = fetch_all(
            self.db,
            """SELECT * FROM assembly_proxies WHERE assembly_id = ?
               ORDER BY created_at, giver_key""",
            [assembly_id],
        )
        return [
            AssemblyProxy(
                giver_key=r["giver_key"],
                giver_name=r["giver_name"],
                holder_key=r["holder_key"],
                holder_name=r["holder_name"],
                paper=bool(r["paper"]),
                created_at=from_db(r["created_at"]),
                recorded_by=r["recorded_by"],
            )
            for r in rows
        ]

    def voices(self, assembly_id: int) -> Voices:
        """Who has a voice now: the people present, and the proxies whose giver is not present
        and whose holder is (an absent holder represents nobody)."""
        cached = self._voices.get(assembly_id)
        if cached is not None:
            return cached
        present = frozenset(
            r["person_key"]
            for r in fetch_all(
                self.db,
                """SELECT person_key FROM attendance WHERE assembly_id = ?
                   AND checked_out_at IS NULL""",
                [assembly_id],
            )
        )
        proxies = tuple(
            (r["giver_key"], r["holder_key"])
            for r in fetch_all(
                self.db,
                """SELECT giver_key, holder_key FROM assembly_proxies WHERE assembly_id = ?
                   ORDER BY created_at, giver_key""",
                [assembly_id],
            )
            if r["giver_key"] not in present and r["holder_key"] in present
        )
        found = Voices(present=present, proxies=proxies)
        self._voices[assembly_id] = found
        return found

    def open_polls(self, assembly_id: int) -> list[int]:
        """The assembly's polls (resolutions, elections) still open."""
        rows = fetch_all(
            self.db,
            "SELECT id FROM polls WHERE assembly_id = ? AND closed_at IS NULL ORDER BY id",
            [assembly_id],
        )
        return [int(r["id"]) for r in rows]

    def polls(self, assembly_id: int) -> list[int]:
        """Every poll of the assembly, in order."""
        rows = fetch_all(
            self.db, "SELECT id FROM polls WHERE assembly_id = ? ORDER BY id", [assembly_id]
        )
        return [int(r["id"]) for r in rows]

    # -- convocations and messages --------------------------------------------------------

    def log_convocation(self, assembly_id: int, target: str, channel: str, now: datetime) -> None:
        """Record one convocation sent (to a room, or privately to a member)."""
        room = target if channel == "room" else None
        member = target if channel != "room" else None
        self.db.execute(
            """INSERT INTO convocations (assembly_id, room_key, member_key, channel, sent_at)
               VALUES (?, ?, ?, ?, ?)""",
            [assembly_id, room, member, channel, to_db(now)],
        )

    def convocations(self, assembly_id: int) -> list[Convocation]:
        """Convocations sent, oldest first."""
        rows = fetch_all(
            self.db,
            """SELECT room_key, member_key, channel, sent_at FROM convocations
               WHERE assembly_id = ? ORDER BY sent_at, id""",
            [assembly_id],
        )
        return [
            Convocation(
                r["room_key"] or r["member_key"] or "", r["channel"], from_db(r["sent_at"])
            )
            for r in rows
        ]

    def add_message(self, assembly_id: int, room_key: str, message_id: str) -> None:
        """Remember a session message (edited as attendance changes)."""
        self.db.execute(
            """INSERT INTO assembly_messages (assembly_id, room_key, message_id)
               VALUES (?, ?, ?) ON CONFLICT DO NOTHING""",
            [assembly_id, room_key, message_id],
        )

    def messages(self, assembly_id: int) -> list[tuple[str, str]]:
        """The session messages as (room key, message id)."""
        rows = fetch_all(
            self.db,
            "SELECT room_key, message_id FROM assembly_messages WHERE assembly_id = ?",
            [assembly_id],
        )
        return [(r["room_key"], r["message_id"]) for r in rows]

    def by_message(self, room_key: str, message_id: str) -> int | None:
        """The assembly whose session message this is, or None."""
        row = fetch_one(
            self.db,
            """SELECT assembly_id FROM assembly_messages WHERE room_key = ?
               AND message_id = ?""",
            [room_key, message_id],
        )
        return int(row["assembly_id"]) if row else None


# Every column that holds a person key of an assembly (a member's or ``roll:<id>``).
_PERSON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("attendance", "person_key"),
    ("assembly_proxies", "giver_key"),
    ("assembly_proxies", "holder_key"),
)


def _rekey(db: Database, old: str, new: str, *, live_of: int | None) -> None:
    """What assemblies recorded under person key ``old`` (attendance, proxies, chair,
    secretary, a voice cast in a secret ballot) moves to ``new``: in the assemblies of
    association ``live_of`` not yet closed, or everywhere when None. Where both keys hold a row
    that allows one, ``new``'s is kept; a proxy naming one person on both ends goes."""
    params: list[int] = [] if live_of is None else [live_of]
    live = "1"
    open_polls = "1"
    status = ""
    if live_of is not None:
        live = """assembly_id IN (SELECT id FROM assemblies WHERE association_id = ?
                  AND status != 'closed')"""
        open_polls = """poll_id IN (SELECT id FROM polls WHERE association_id = ?
                        AND closed_at IS NULL)"""
        status = "AND association_id = ? AND status != 'closed'"
    for table, column in _PERSON_COLUMNS:
        db.execute(
            f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ? AND {live}",
            [new, old, *params],
        )
        db.execute(f"DELETE FROM {table} WHERE {column} = ? AND {live}", [old, *params])
    # A proxy that now names the member on both ends gives nothing.
    db.execute(f"DELETE FROM assembly_proxies WHERE giver_key = holder_key AND {live}", params)
    # A voice already cast for the name in an open secret ballot stays cast for the member:
    # "has voted" follows, so the member cannot vote a second time.
    db.execute(
        f"UPDATE OR IGNORE secret_voters SET voter_key = ? WHERE voter_key = ? AND {open_polls}",
        [new, old, *params],
    )
    # A ballot cast for the name in an open poll (by its personal link) becomes the member's:
    # one ballot per person, chat or page; where the member has voted too, theirs is kept.
    db.execute(
        f"UPDATE OR IGNORE ballots SET voter_key = ? WHERE voter_key = ? AND {open_polls}",
        [new, old, *params],
    )
    db.execute(f"DELETE FROM ballots WHERE voter_key = ? AND {open_polls}", [old, *params])
    for column in ("chair_key", "secretary_key"):
        db.execute(
            f"UPDATE assemblies SET {column} = ? WHERE {column} = ? {status}",
            [new, old, *params],
        )


def merge_rolls(db: Database, into: int, moving: int) -> None:
    """Association ``moving`` joins ``into`` (inside the caller's transaction): its roll
    follows. A name on both rolls (or two names tied to one member) is kept once, as
    ``into``'s entry, tied to the member ``moving``'s entry was tied to when ``into``'s was
    tied to nobody; what was recorded under the dropped entry's ``roll:<id>`` (attendance,
    proxies, chair, secretary, a secret ballot's "has voted") moves to the kept one."""
    twins = fetch_all(
        db,
        """SELECT m.id AS old_id, m.member_key AS old_member, s.id AS new_id,
               s.member_key AS new_member, s.folded = m.folded AS same_name
           FROM roll_entries m JOIN roll_entries s ON s.association_id = ?
               AND (s.folded = m.folded OR s.member_key = m.member_key)
           WHERE m.association_id = ? ORDER BY m.id, same_name DESC, s.id""",
        [into, moving],
    )
    done: set[int] = set()
    for twin in twins:
        old_id = int(twin["old_id"])
        if old_id in done:
            continue
        done.add(old_id)
        new_id = int(twin["new_id"])
        old_member: str | None = twin["old_member"]
        kept: str = twin["new_member"] or ""
        if not kept and old_member:
            taken = fetch_one(
                db,
                """SELECT 1 AS x FROM roll_entries WHERE association_id = ?
                   AND member_key = ?""",
                [into, old_member],
            )
            if taken is None:
                db.execute(
                    "UPDATE roll_entries SET member_key = ? WHERE id = ?", [old_member, new_id]
                )
                _rekey(db, roll_key(new_id), old_member, live_of=into)
                kept = old_member
        # What was recorded under the dropped name goes to the member it was tied to, else
        # to the kept entry.
        _rekey(db, roll_key(old_id), old_member or kept or roll_key(new_id), live_of=None)
        db.execute("DELETE FROM roll_entries WHERE id = ?", [old_id])
    db.execute(
        "UPDATE roll_entries SET association_id = ? WHERE association_id = ?", [into, moving]
    )
