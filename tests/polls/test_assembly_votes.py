"""Votes at a general assembly: resolutions opened with open_resolution() follow the statutes,
only voices vote (present, or holding proxies of absent givers), a holder's ballot weighs the
voices held, each voice is its own secret ballot, and the close names the resolution."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.context import Context
from bot.router import Router
from handlers import ROUTERS
from handlers.polls.create import open_resolution
from storage.assembly import AssemblyKind, AttendanceMode
from tests.harness import START, Harness, make_config

probe = Router("probe")


@probe.command("probe_res", "probe_res", help="test: open a resolution")
async def probe_resolution(ctx: Context) -> None:
    assembly_id, number, extraordinary = (int(w) for w in ctx.args[:3])
    text = " ".join(ctx.args[3:])
    poll = await open_resolution(
        ctx,
        assembly_id=assembly_id,
        number=number,
        text=text,
        extraordinary=bool(extraordinary),
    )
    ctx.store.assembly.set_item_poll(assembly_id, number, poll.id)


@pytest.fixture
async def bot(data_dir: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(data_dir), routers=[*ROUTERS, probe])
    try:
        yield harness
    finally:
        await harness.stop()


async def assembly(bot: Harness, present: tuple[str, ...], proxies: dict[str, str]) -> int:
    """An open AG of the association of room ``asso``: ``present`` checked in, proxies given
    (giver → holder)."""
    for name in ("alice", "bob", "carol", "dan", "erin", "frank"):
        await bot.say("bonjour", member=name)
    store = bot.app.services.store
    room = store.rooms.get("console:asso")
    assert room is not None
    record = store.assembly.create(
        association_id=room.association_id,
        room_key=room.key,
        kind=AssemblyKind.ORDINARY,
        starts_at=START,
        ends_at=None,
        timezone="Europe/Paris",
        place="Salle des fêtes",
        agenda=["Rapport moral", "Comptes 2026", "Statuts"],
        created_by="console:alice",
        now=START,
    )
    store.assembly.start_session(record.id, START)
    for name in present:
        store.assembly.check_in(
            record.id, f"console:{name}", name.title(), AttendanceMode.IN_PERSON, "", START
        )
    for giver, holder in proxies.items():
        store.assembly.give_proxy(
            record.id,
            giver_key=f"console:{giver}",
            giver_name=giver.title(),
            holder_key=f"console:{holder}",
            holder_name=holder.title(),
            paper=False,
            recorded_by="console:alice",
            now=START,
        )
    return record.id


async def test_resolution_only_voices_vote_and_proxies_weigh(bot: Harness) -> None:
    aid = await assembly(bot, ("alice", "bob", "carol"), {"dan": "bob"})
    await bot.say(f"/probe_res {aid} 1 0 Rapport moral", member="alice")

    refused = await bot.say("/voter pour", member="erin")
    assert refused[0].startswith("Seuls les membres présents ou représentés à l'assemblée votent")
    await bot.say("/voter pour", member="alice")
    await bot.say("/voter pour", member="bob")  # and Dan's voice
    await bot.say("/voter contre", member="carol")
    closed = await bot.say("/cloturer", member="alice")

    assert (
        "Résolution n°1 adoptée à la majorité simple : 3 pour, 1 contre, 0 abstention, "
        "0 blanc." in closed[0]
    )
    assert "Bob (+1)" in closed[0]


async def test_resolution_follows_the_statutes_rules(bot: Harness) -> None:
    await bot.say("/statuts majorite extraordinaire 3/4", member="alice")
    await bot.say("/statuts quorum extraordinaire la moitié", member="alice")
    aid = await assembly(bot, ("alice", "bob", "carol", "dan"), {})
    created = await bot.say(f"/probe_res {aid} 3 1 Modification des statuts", member="alice")

    assert "Résolution n°3 — Modification des statuts" in created[0]
    assert "la majorité des trois quarts des suffrages exprimés" in created[0]
    for name in ("alice", "bob", "carol"):
        await bot.say("/voter pour", member=name)
    await bot.say("/voter contre", member="dan")
    closed = await bot.say("/cloturer", member="alice")
    # 6 members seen: a quorum of half is 3; 4 present. 3 of 4 cast = 75 % >= 75 %.
    assert (
        "Résolution n°3 adoptée à la majorité des trois quarts des suffrages exprimés : 3 pour, "
        "1 contre (75 %, il fallait 75 %), 0 abstention, 0 blanc." in closed[0]
    )


async def test_resolution_quorum_counts_attendance_not_voters(bot: Harness) -> None:
    await bot.say("/statuts quorum la moitié", member="alice")
    aid = await assembly(bot, ("alice", "bob"), {"carol": "bob"})
    await bot.say(f"/probe_res {aid} 1 0 Rapport moral", member="alice")
    await bot.say("/voter pour", member="alice")  # only one votes; 3 voices are there
    closed = await bot.say("/cloturer", member="alice")
    assert "Résolution n°1 adoptée à la majorité simple : 1 pour, 0 contre" in closed[0]


async def test_resolution_no_quorum_from_attendance(bot: Harness) -> None:
    await bot.say("/statuts quorum la moitié", member="alice")
    aid = await assembly(bot, ("alice",), {"carol": "alice"})
    await bot.say(f"/probe_res {aid} 2 0 Comptes", member="alice")
    await bot.say("/voter pour", member="alice")
    closed = await bot.say("/cloturer", member="alice")
    assert (
        "Résolution n°2 : quorum non atteint (2 présents ou représentés, il en fallait 3) ; "
        "aucune décision." in closed[0]
    )


async def test_resolution_posted_in_every_linked_room(bot: Harness) -> None:
    from tests.polls.helpers import link_bureau

    await link_bureau(bot)
    aid = await assembly(bot, ("alice",), {})
    await bot.say(f"/probe_res {aid} 1 0 Rapport moral", member="alice")
    rooms = {sent.room for sent in bot.sent if sent.out.text.startswith("🗳")}
    assert {"asso", "bureau"} <= rooms


async def test_secret_election_at_assembly_each_voice_its_own_ballot(bot: Harness) -> None:
    aid = await assembly(bot, ("alice", "bob"), {"carol": "bob", "dan": "bob"})
    assert aid
    await bot.say("/election Bureau | 1 poste | Paul | Sophie", member="alice")
    outsider = await bot.say("/voter 1 1", member="erin", room="dm-erin")
    assert outsider[0].startswith("Seuls les membres présents ou représentés")
    first = await bot.say("/voter 1 1", member="bob", room="dm-bob")
    assert "Il vous reste 2 voix à donner" in first[0]
    await bot.say("/voter 1 2", member="bob", room="dm-bob")
    await bot.say("/voter 1 3", member="bob", room="dm-bob")
    done = await bot.say("/voter 1 1", member="bob", room="dm-bob")
    assert done[0].startswith("Vous avez déjà donné toutes les voix")
    await bot.say("/voter 1 1", member="alice", room="dm-alice")
    closed = await bot.say("/cloturer 1", member="alice")
    assert "4 bulletins (blancs : 1), 3 suffrages exprimés" in closed[-1]
    assert "Paul : 2 voix — élu·e" in closed[-1]


async def test_resolution_quorum_of_those_present_only(bot: Harness) -> None:
    await bot.say("/statuts quorum la moitié", member="alice")
    await bot.say("/statuts quorum compte presents", member="alice")
    aid = await assembly(bot, ("alice", "bob"), {"carol": "bob", "dan": "bob"})
    await bot.say(f"/probe_res {aid} 1 0 Rapport moral", member="alice")
    await bot.say("/voter pour", member="alice")
    closed = await bot.say("/cloturer", member="alice")
    # 4 present or represented, but only 2 present in person: half of 6 is 3.
    assert "Résolution n°1 : quorum non atteint" in closed[0]
