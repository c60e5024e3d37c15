"""Linking two associations loses nothing of the one absorbed: its statutes (kept when the
surviving association set none), its roll (a name on both rolls kept once, what was recorded
under it following), its assemblies, its digest choices; every row naming it by id moves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.message import Member, Room
from storage.assembly import AssemblyKind, AttendanceMode
from storage.store import Store
from tests.harness import Harness

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ASSO = Room("console", "asso", title="asso")
BUREAU = Room("console", "bureau", title="bureau")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "a.db", language="fr", timezone="Europe/Paris")
    yield opened
    opened.close()


def _two(store: Store) -> tuple[int, int]:
    return (
        store.rooms.ensure(ASSO, NOW).association_id,
        store.rooms.ensure(BUREAU, NOW).association_id,
    )


def _convene(store: Store, association_id: int, room: Room) -> int:
    return store.assembly.create(
        association_id=association_id,
        room_key=room.key,
        kind=AssemblyKind.ORDINARY,
        starts_at=NOW + timedelta(days=20),
        ends_at=None,
        timezone="Europe/Paris",
        place="Salle",
        agenda=("Rapport moral",),
        created_by="console:alice",
        now=NOW,
    ).id


def test_statutes_of_the_absorbed_association_carry_over_when_the_survivor_set_none(
    store: Store,
) -> None:
    asso, bureau = _two(store)
    store.statutes.set(bureau, "quorum_ordinary", "1/4", "console:bob", NOW)
    store.statutes.set(bureau, "proxy_cap", 3, "console:bob", NOW)

    assert store.rooms.link(ASSO.key, BUREAU.key)

    rules = store.statutes.get(asso)
    assert ("1/4", 3) == (rules.quorum_ordinary, rules.proxy_cap)
    assert {"quorum_ordinary", "proxy_cap"} == set(store.statutes.changed(asso))


def test_statutes_of_the_survivor_are_kept_when_both_set_some(store: Store) -> None:
    asso, bureau = _two(store)
    store.statutes.set(asso, "notice_days", 21, "console:alice", NOW)
    store.statutes.set(bureau, "quorum_ordinary", "1/4", "console:bob", NOW)
    assert store.statutes.replaced_by_link(asso, bureau)
    assert not store.statutes.replaced_by_link(bureau, bureau)

    assert store.rooms.link(ASSO.key, BUREAU.key)

    rules = store.statutes.get(asso)
    assert (21, "0") == (rules.notice_days, rules.quorum_ordinary)
    assert {"notice_days"} == set(store.statutes.changed(asso))


def test_same_statutes_on_both_sides_are_not_reported_replaced(store: Store) -> None:
    asso, bureau = _two(store)
    store.statutes.set(asso, "notice_days", 21, "console:alice", NOW)
    store.statutes.set(bureau, "notice_days", 21, "console:bob", NOW)
    assert not store.statutes.replaced_by_link(asso, bureau)
    # The survivor with no rules set takes the other's: nothing is replaced.
    store.statutes.set(asso, "notice_days", None, "console:alice", NOW)
    assert not store.statutes.replaced_by_link(asso, bureau)


def test_a_name_on_both_rolls_is_kept_once_with_what_was_recorded_under_it(
    store: Store,
) -> None:
    asso, bureau = _two(store)
    (ours,), _ = store.assembly.add_names(asso, [("Odile Martin", "odile martin")], "a", NOW)
    (theirs, _paul), _ = store.assembly.add_names(
        bureau, [("Odile MARTIN", "odile martin"), ("Paul", "paul")], "b", NOW
    )
    aid = _convene(store, bureau, BUREAU)
    store.assembly.check_in(aid, "console:bob", "Bob", AttendanceMode.IN_PERSON, "", NOW)
    store.assembly.give_proxy(
        aid,
        giver_key=theirs.key,
        giver_name="Odile MARTIN",
        holder_key="console:bob",
        holder_name="Bob",
        paper=True,
        recorded_by="console:bob",
        now=NOW,
    )
    store.assembly.set_chair(aid, theirs.key, "Odile MARTIN")
    assert 2 == store.assembly.voices(aid).weight("console:bob")

    assert store.rooms.link(ASSO.key, BUREAU.key)

    names = [(e.name, e.key) for e in store.assembly.roll(asso) if e.entry_id]
    assert [("Odile Martin", ours.key), ("Paul", names[1][1])] == names
    assert [ours.key] == [p.giver_key for p in store.assembly.proxies(aid)]
    record = store.assembly.get(aid)
    assert record is not None and (asso, ours.key) == (record.association_id, record.chair_key)
    # The giver checking in under the surviving name takes the voice back.
    store.assembly.forget_cached()
    store.assembly.check_in(aid, ours.key, "Odile Martin", AttendanceMode.RECORDED, "", NOW)
    assert 1 == store.assembly.voices(aid).weight("console:bob")


def test_a_name_tied_to_a_member_only_in_the_absorbed_roll_stays_tied(store: Store) -> None:
    asso, bureau = _two(store)
    (ours,), _ = store.assembly.add_names(asso, [("Odile", "odile")], "a", NOW)
    (theirs,), _ = store.assembly.add_names(bureau, [("Odile", "odile")], "b", NOW)
    store.members.seen(BUREAU.key, Member("console", "odile", "Odile"), NOW)
    assert theirs.entry_id is not None
    assert store.assembly.tie(bureau, theirs.entry_id, "console:odile")

    assert store.rooms.link(ASSO.key, BUREAU.key)

    roll = store.assembly.roll(asso)
    assert [("Odile", "console:odile", ours.entry_id)] == [
        (e.name, e.key, e.entry_id) for e in roll
    ]


def test_nothing_keeps_the_absorbed_association_id(store: Store) -> None:
    """Every column named association_id: no row still names the absorbed association, and
    every row that had no twin on the surviving side is still there."""
    asso, bureau = _two(store)
    store.statutes.set(bureau, "quorum_ordinary", "1/4", "console:bob", NOW)
    store.assembly.add_names(bureau, [("Paul", "paul")], "b", NOW)
    _convene(store, bureau, BUREAU)
    store.digests.edit(bureau, "remove", "announcement:1", "console:bob", NOW)
    store.digests.edit(asso, "remove", "announcement:1", "console:alice", NOW)
    store.digests.edit(bureau, "remove", "announcement:2", "console:bob", NOW)
    db = store.owned.db
    tables = [
        table
        for table in db.table_names()
        if "association_id" in {column.name for column in db[table].columns}
    ]
    before = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    assert store.rooms.link(ASSO.key, BUREAU.key)

    for table in tables:
        left = db.execute(
            f"SELECT COUNT(*) FROM {table} WHERE association_id = ?", [bureau]
        ).fetchone()[0]
        assert 0 == left, table
    after = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    assert before["association_statutes"] == after["association_statutes"]
    assert before["roll_entries"] == after["roll_entries"]
    assert before["assemblies"] == after["assemblies"]
    assert before["digest_edits"] - 1 == after["digest_edits"]  # announcement:1 kept once
    edits = store.digests.edits([asso])
    assert {"announcement:1", "announcement:2"} == set(edits.removed)


# What the rooms are told ------------------------------------------------------------------


async def _code(bot: Harness) -> str:
    replies = await bot.say("/lier", room="asso", member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match, replies
    return match.group(1)


async def test_link_says_the_joining_rooms_statutes_were_replaced(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    await bot.say("/statuts quorum un quart", room="asso", member="alice")
    await bot.say("/statuts quorum la moitié", room="bureau", member="alice")

    replies = await bot.say(f"/lier {await _code(bot)}", room="bureau", member="alice")

    assert any(
        "Les statuts que ce salon avait fixés sont remplacés par ceux du salon asso (console) : "
        "voir /statuts." in reply
        for reply in replies
    ), replies
    shown = " ".join(await bot.say("/statuts", room="bureau", member="alice"))
    assert "un quart" in shown, shown


async def test_link_says_the_absorbed_statutes_now_apply(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    await bot.say("/statuts quorum la moitié", room="bureau", member="alice")

    replies = await bot.say(f"/lier {await _code(bot)}", room="bureau", member="alice")

    assert any(
        "Les statuts fixés dans bureau (console) s'appliquent maintenant à ce salon aussi : "
        "voir /statuts." in reply
        for reply in replies
    ), replies
    assert not any("remplacés" in reply for reply in replies), replies
    shown = " ".join(await bot.say("/statuts", room="asso", member="alice"))
    assert "la moitié" in shown, shown


async def test_link_without_statutes_says_nothing_of_them(bot: Harness) -> None:
    bot.organizer("alice", "bureau")

    replies = await bot.say(f"/lier {await _code(bot)}", room="bureau", member="alice")

    assert not any("statuts" in reply.replace("/statuts", "") for reply in replies), replies


def test_a_members_count_alone_does_not_stop_the_absorbed_rules(store: Store) -> None:
    asso, bureau = _two(store)
    store.statutes.set(asso, "members_count", 40, "console:alice", NOW)
    store.statutes.set(bureau, "quorum_ordinary", "1/4", "console:bob", NOW)
    store.statutes.set(bureau, "members_count", 30, "console:bob", NOW)
    assert store.statutes.carried_by_link(asso, bureau)
    assert store.statutes.replaced_by_link(asso, bureau)  # the count of 30 gives way to 40

    assert store.rooms.link(ASSO.key, BUREAU.key)

    rules = store.statutes.get(asso)
    assert ("1/4", 40) == (rules.quorum_ordinary, rules.members_count)


def test_a_members_count_is_carried_to_a_survivor_without_one(store: Store) -> None:
    asso, bureau = _two(store)
    store.statutes.set(asso, "notice_days", 21, "console:alice", NOW)
    store.statutes.set(bureau, "members_count", 30, "console:bob", NOW)
    assert store.statutes.carried_by_link(asso, bureau)
    assert not store.statutes.replaced_by_link(asso, bureau)

    assert store.rooms.link(ASSO.key, BUREAU.key)

    rules = store.statutes.get(asso)
    assert (21, 30) == (rules.notice_days, rules.members_count)
