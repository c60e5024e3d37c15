"""/oubliemoi by an organizer erases the organizer, not what they recorded about others: the
names they put on the roll stay (without the link to them); and who has a voice at an open
assembly is read again after an erasure and after the retention job."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from handlers.data.jobs import apply_retention
from tests.harness import Harness

ALICE = "console:alice"


def _rows(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(data_dir / "assobot.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def _forget(bot: Harness, member: str) -> list[str]:
    await bot.say("/oubliemoi", member=member, room="asso")
    return await bot.tap(1, member=member, room="asso")


async def test_oubliemoi_by_an_organizer_keeps_the_names_they_put_on_the_roll(
    bot: Harness, data_dir: Path
) -> None:
    bot.organizer("alice")
    await bot.say("/membres ajouter Odile Martin\nPaul Durand", member="alice", room="asso")

    replies = await _forget(bot, "alice")

    assert "vos données sont effacées" in "\n".join(replies)
    assert (
        "2 noms que vous avez mis sur la liste des membres restent, sans votre nom : ce sont "
        "ceux d'autres membres." in replies[-1].split("\n")
    ), replies
    listed = await bot.say("/membres", member="bob", room="asso")
    assert "• Odile Martin (pas dans la discussion)" in listed[0].split("\n"), listed
    assert "• Paul Durand (pas dans la discussion)" in listed[0].split("\n"), listed
    kept = _rows(data_dir, "SELECT name, added_by FROM roll_entries ORDER BY name")
    assert ["Odile Martin", "Paul Durand"] == [name for name, _by in kept]
    assert all(str(by).startswith("forgotten:") for _name, by in kept), kept
    assert [] == _rows(data_dir, f"SELECT * FROM roll_entries WHERE added_by = '{ALICE}'")


async def test_oubliemoi_removes_the_members_own_roll_entry(bot: Harness, data_dir: Path) -> None:
    bot.organizer("alice")
    await bot.say("/membres ajouter Bob", member="alice", room="asso")
    await bot.say("bonjour", member="bob", room="asso")  # Bob is seen: the name is tied to him
    await bot.say("/membres", member="alice", room="asso")

    await _forget(bot, "bob")

    names = [name for (name,) in _rows(data_dir, "SELECT name FROM roll_entries")]
    tied = _rows(data_dir, "SELECT member_key FROM roll_entries WHERE member_key IS NOT NULL")
    assert ("console:bob",) not in tied
    assert names in ([], ["Bob"])  # the name stays only when it was never tied to Bob


async def _session_with_a_resolution(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say(
        "/ag convoquer 12 janvier 19h | Salle | ordre du jour: Rapport moral",
        member="alice",
        room="asso",
    )
    await bot.say("/ag ouvrir", member="alice", room="asso")
    await bot.say("/present", member="bob", room="asso")
    await bot.say("/ag suivant", member="alice", room="asso")


async def test_after_oubliemoi_the_forgotten_member_has_no_voice_left(bot: Harness) -> None:
    await _session_with_a_resolution(bot)
    assert ["Vote enregistré pour le n°1 : Pour."] == await bot.say(
        "/vote 1 pour", member="bob", room="asso"
    )

    await _forget(bot, "bob")
    again = await bot.say("/vote 1 pour", member="bob", room="asso")

    assert again[0].startswith("Seuls les membres présents ou représentés"), again


async def test_retention_forgets_the_voices_kept_in_memory(bot: Harness) -> None:
    await _session_with_a_resolution(bot)
    store = bot.app.services.store
    room = store.rooms.get("console:asso")
    assert room is not None
    assembly = store.assembly.current(room.association_id)
    assert assembly is not None
    assert 1 == store.assembly.voices(assembly.id).count
    # A write the repository did not make (another process, a restore): the job reads again.
    store.owned.db.execute("DELETE FROM attendance WHERE assembly_id = ?", [assembly.id])

    await apply_retention(bot.app.services, bot.app.services.clock.now())

    assert 0 == store.assembly.voices(assembly.id).count
