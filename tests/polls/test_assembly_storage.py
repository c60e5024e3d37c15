"""General assemblies as stored: the roll merged with members seen, attendance, proxies whose
giver is present handing the voice back, agenda items, convocations, linked and moved rooms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.message import Member, Room
from storage.assembly import AssemblyKind, AssemblyStatus, AttendanceMode, Voices, roll_entry_id
from storage.store import Store

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ROOM = Room("console", "asso", title="asso")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "a.db", language="fr", timezone="Europe/Paris")
    yield opened
    opened.close()


def association(store: Store, room: Room = ROOM) -> int:
    return store.rooms.ensure(room, NOW).association_id


def convene(store: Store, association_id: int, agenda: tuple[str, ...] = ("A", "B")) -> int:
    return store.assembly.create(
        association_id=association_id,
        room_key=ROOM.key,
        kind=AssemblyKind.ORDINARY,
        starts_at=NOW + timedelta(days=20),
        ends_at=None,
        timezone="Europe/Paris",
        place="Salle",
        agenda=agenda,
        created_by="console:alice",
        now=NOW,
    ).id


def test_roll_merges_names_and_members_seen(store: Store) -> None:
    asso = association(store)
    store.members.seen(ROOM.key, Member("console", "alice", "Alice"), NOW)
    added, already = store.assembly.add_names(
        asso, [("Odile Martin", "odile martin"), ("Odile MARTIN", "odile martin")], "x", NOW
    )
    assert (["Odile Martin"], ["Odile MARTIN"]) == ([a.name for a in added], already)
    roll = store.assembly.roll(asso)
    assert [("Alice", ("console",)), ("Odile Martin", ())] == [(e.name, e.platforms) for e in roll]
    assert 2 == store.assembly.roll_size(asso) == store.assembly.roll_length(asso)
    assert roll_entry_id(roll[1].key) == roll[1].entry_id


def test_roll_size_is_the_statutes_count_when_set(store: Store) -> None:
    asso = association(store)
    store.statutes.set(asso, "members_count", 40, "x", NOW)
    assert 40 == store.assembly.roll_size(asso)


def test_roll_cap_stops_adding(store: Store) -> None:
    asso = association(store)
    names = [(f"N{i}", f"n{i}") for i in range(5)]
    added, _ = store.assembly.add_names(asso, names, "x", NOW, cap=3)
    assert 3 == len(added) == store.assembly.roll_names(asso)
    assert store.assembly.remove_name(asso, "n0")
    assert not store.assembly.remove_name(asso, "n0")


def test_assembly_lifecycle_and_agenda(store: Store) -> None:
    asso = association(store)
    aid = convene(store, asso)
    current = store.assembly.current(asso)
    assert current is not None and aid == current.id
    assert store.assembly.open_session(asso) is None
    assert [(1, "A", None), (2, "B", None)] == [
        (i.position, i.text, i.poll_id) for i in store.assembly.agenda(aid)
    ]
    assert store.assembly.start_session(aid, NOW)
    assert not store.assembly.start_session(aid, NOW)
    item = store.assembly.next_item(aid)
    assert item is not None and store.assembly.set_item_poll(aid, item.position, 7)
    store.assembly.set_agenda(aid, ["C", "D"])
    assert [(1, "A", 7), (2, "C", None), (3, "D", None)] == [
        (i.position, i.text, i.poll_id) for i in store.assembly.agenda(aid)
    ]
    assert store.assembly.close(aid, NOW)
    record = store.assembly.get(aid)
    assert record is not None and AssemblyStatus.CLOSED == record.status
    assert store.assembly.current(asso) is None


def test_voices_giver_present_takes_the_vote_back(store: Store) -> None:
    aid = convene(store, association(store))
    store.assembly.check_in(aid, "console:bob", "Bob", AttendanceMode.IN_PERSON, "", NOW)
    store.assembly.give_proxy(
        aid,
        giver_key="roll:1",
        giver_name="Odile",
        holder_key="console:bob",
        holder_name="Bob",
        paper=True,
        recorded_by="console:sec",
        now=NOW,
    )
    voices = store.assembly.voices(aid)
    assert Voices(frozenset({"console:bob"}), (("roll:1", "console:bob"),)) == voices
    assert (2, 2) == (voices.weight("console:bob"), voices.count)
    assert store.assembly.check_in(aid, "roll:1", "Odile", AttendanceMode.RECORDED, "s", NOW)
    assert not store.assembly.check_in(aid, "roll:1", "Odile", AttendanceMode.RECORDED, "s", NOW)
    voices = store.assembly.voices(aid)
    assert (1, 2) == (voices.weight("console:bob"), voices.count)
    assert store.assembly.check_out(aid, "roll:1", NOW)
    assert 2 == store.assembly.voices(aid).weight("console:bob")


def test_convocations_and_messages_follow_a_moved_room(store: Store) -> None:
    aid = convene(store, association(store))
    store.assembly.log_convocation(aid, ROOM.key, "room", NOW)
    store.assembly.log_convocation(aid, "console:bob", "private", NOW)
    store.assembly.add_message(aid, ROOM.key, "m1")
    assert store.rooms.migrate(ROOM.key, "console:new")
    assert ["console:new", "console:bob"] == [c.target for c in store.assembly.convocations(aid)]
    assert aid == store.assembly.by_message("console:new", "m1")


def test_roll_and_assembly_follow_a_linked_association(store: Store) -> None:
    asso = association(store)
    other = association(store, Room("console", "other", title="other"))
    store.assembly.add_names(other, [("Paul", "paul")], "x", NOW)
    aid = convene(store, other)
    store.rooms._join(asso, other)
    assert ["Paul"] == [e.name for e in store.assembly.roll(asso)]
    record = store.assembly.get(aid)
    assert record is not None and asso == record.association_id


def test_voices_absent_holder_represents_nobody(store: Store) -> None:
    aid = convene(store, association(store))
    store.assembly.give_proxy(
        aid,
        giver_key="console:ann",
        giver_name="Ann",
        holder_key="console:bob",
        holder_name="Bob",
        paper=False,
        recorded_by="console:ann",
        now=NOW,
    )
    assert 0 == store.assembly.voices(aid).count
    store.assembly.check_in(aid, "console:bob", "Bob", AttendanceMode.REMOTE, "", NOW)
    assert 2 == store.assembly.voices(aid).count


def test_members_named_most_precise_first_in_the_association_only(store: Store) -> None:
    asso = association(store)
    other = Room("console", "other", title="other")
    association(store, other)
    store.members.seen(ROOM.key, Member("console", "u1", "Bob", "robert"), NOW)
    store.members.seen(ROOM.key, Member("console", "u2", "Robert", "bob"), NOW)
    store.members.seen(other.key, Member("console", "u3", "Bob", "bobby"), NOW)

    assert [("console:u2", "Robert")] == store.assembly.members_named(asso, "@BOB")
    assert [("console:u1", "Bob")] == store.assembly.members_named(asso, "robert")
    assert [] == store.assembly.members_named(asso, "bobby")


def test_tie_moves_what_an_open_assembly_recorded_under_the_name(store: Store) -> None:
    asso = association(store)
    aid = convene(store, asso)
    (entry,), _ = store.assembly.add_names(asso, [("Odile", "odile")], "x", NOW)
    store.assembly.check_in(aid, "console:paul", "Paul", AttendanceMode.IN_PERSON, "", NOW)
    store.assembly.give_proxy(
        aid,
        giver_key=entry.key,
        giver_name="Odile",
        holder_key="console:paul",
        holder_name="Paul",
        paper=True,
        recorded_by="s",
        now=NOW,
    )
    store.assembly.set_secretary(aid, entry.key, "Odile")
    assert 2 == store.assembly.voices(aid).weight("console:paul")
    assert entry.entry_id is not None

    assert store.assembly.tie(asso, entry.entry_id, "console:odile")
    assert not store.assembly.tie(asso, entry.entry_id, "console:odile")

    assert ["console:odile"] == [p.giver_key for p in store.assembly.proxies(aid)]
    record = store.assembly.get(aid)
    assert record is not None and "console:odile" == record.secretary_key
    store.assembly.check_in(aid, "console:odile", "Odile", AttendanceMode.IN_PERSON, "", NOW)
    assert 1 == store.assembly.voices(aid).weight("console:paul")
    assert ["console:odile"] == [e.key for e in store.assembly.roll(asso) if e.entry_id]
