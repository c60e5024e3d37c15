"""General assembly, from the hostile review of 2026-12-03: the roll (the quorum's base) only
grows by an organizer's or the secretary's hand, /oubliemoi during a session counts nobody twice
and tells those whose proxy lapsed, plurals agree with each number, names typed as @handles
become the member's name once tied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import Harness, make_config

CONVENE = "/ag convoquer 20 décembre 19h | Salle | ordre du jour: Budget; Élection du bureau"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(tmp_path / "data"))
    try:
        yield harness
    finally:
        await harness.stop()


async def _assembly(bot: Harness, *members: str) -> None:
    """alice organizer, everyone has written once, an assembly convened."""
    bot.organizer("alice")
    for member in ("alice", *members):
        await bot.say("bonjour", member=member)
    await bot.say(CONVENE, member="alice")


async def _open(bot: Harness) -> None:
    await bot.say("/ag ouvrir", member="alice", room="asso")


# Finding 1 ---------------------------------------------------------------------------------


async def test_member_cannot_add_names_to_the_roll_with_proxies_to_unknown_handles(
    bot: Harness,
) -> None:
    await _assembly(bot, "bob", "fay")
    replies = []
    for i in range(5):
        replies.append("\n".join(await bot.say(f"/procuration @ghost{i}", member="fay")))
    await bot.say("/procuration retirer", member="fay")
    roll = "\n".join(await bot.say("/membres", member="fay"))

    assert "Liste des membres : 3 personnes." in roll
    assert "@ghost" not in roll
    assert "Personne n'a encore écrit sous le nom « @ghost0 »" in replies[0]
    assert not any("Ajouté à la liste des membres" in reply for reply in replies)


async def test_member_still_gives_a_proxy_to_a_member_or_a_name_on_the_roll(
    bot: Harness,
) -> None:
    await _assembly(bot, "bob", "fay")
    await bot.say("/membres ajouter Odile Martin", member="alice")

    to_member = "\n".join(await bot.say("/procuration @bob", member="fay"))
    to_name = "\n".join(await bot.say("/procuration Odile Martin", member="fay"))
    roll = "\n".join(await bot.say("/membres", member="fay"))

    assert "Bob votera pour Fay" in to_member or "Bob" in to_member
    assert "Odile Martin" in to_name and "Personne n'a" not in to_name
    assert "Liste des membres : 4 personnes." in roll


async def test_replaced_or_withdrawn_paper_proxy_leaves_the_roll_as_it_was(bot: Harness) -> None:
    await _assembly(bot, "bob")
    await bot.say("/membres ajouter Paul Durand", member="alice")
    await bot.advance(timedelta(minutes=1))

    first = "\n".join(await bot.say("/procuration Odile Martin → Bob", member="alice"))
    # Replaced: the new giver's name is added, Odile's paper proxy stays (another giver).
    await bot.say("/procuration Jean Dupont → Paul Durand", member="alice")
    await bot.advance(timedelta(minutes=1))
    # Odile's proxy replaced by one to a name it adds, then that one taken back.
    await bot.say("/procuration Odile Martin → Zoé Zèbre", member="alice")
    with_zoe = "\n".join(await bot.say("/membres", member="alice"))
    await bot.advance(timedelta(minutes=1))
    await bot.say("/procuration Odile Martin → Bob", member="alice")
    replaced = "\n".join(await bot.say("/membres", member="alice"))
    await bot.say("/procuration retirer Odile Martin", member="alice")
    await bot.say("/procuration retirer Jean Dupont", member="alice")
    withdrawn = "\n".join(await bot.say("/membres", member="alice"))

    assert "Ajouté à la liste des membres : Odile Martin." in first
    assert "Zoé Zèbre" in with_zoe
    assert "Zoé Zèbre" not in replaced and "Odile Martin" in replaced
    assert "Odile Martin" not in withdrawn and "Jean Dupont" not in withdrawn
    # Names put on the roll otherwise stay.
    assert "Paul Durand" in withdrawn
    assert "Liste des membres : 3 personnes." in withdrawn


# Findings 2 and 3: /oubliemoi during a session -------------------------------------------


async def test_forgetme_then_present_does_not_count_the_member_twice(bot: Harness) -> None:
    await _assembly(bot, "bob")
    await _open(bot)
    await bot.say("/present", member="alice")
    await bot.say("/present", member="bob")
    await bot.say("/oubliemoi", member="bob")
    erased = "\n".join(await bot.tap(1, member="bob"))
    alone = "\n".join(await bot.say("/ag quorum", member="alice"))
    await bot.say("/present", member="bob")
    quorum = "\n".join(await bot.say("/ag quorum", member="alice"))
    minutes = "\n".join(await bot.say("/ag clore", member="alice"))

    assert "Vous avez quitté l'assemblée générale en cours" in erased
    assert "Quorum : 1 présent ou représenté sur 1," in alone
    assert "Quorum : 2 présents ou représentés sur 2" in quorum
    assert "Bob, Bob" not in minutes
    assert "Présents : Alice, Bob." in minutes


async def test_forgetme_of_a_present_holder_tells_the_giver_her_proxy_lapsed(
    bot: Harness,
) -> None:
    await _assembly(bot, "bob", "carol")
    await bot.say("/procuration @bob", member="carol")
    await _open(bot)
    await bot.say("/present", member="alice")
    await bot.say("/present", member="bob")
    before = "\n".join(await bot.say("/ag quorum", member="alice"))
    await bot.say("/oubliemoi", member="bob")
    erased = "\n".join(await bot.tap(1, member="bob"))
    after = "\n".join(await bot.say("/ag quorum", member="alice"))
    told = [s.out.text for s in bot.sent if s.room == "dm-carol"]
    await bot.say("/present", member="bob")
    back = "\n".join(await bot.say("/ag quorum", member="alice"))
    await bot.say("/procuration @bob", member="carol")
    again = "\n".join(await bot.say("/ag quorum", member="alice"))

    assert "Quorum : 3 présents ou représentés" in before
    assert "Carol en est informé·e." in erased
    # Bob left the session: the proxy he held no longer counts, and Carol is told in private.
    assert "Quorum : 1 présent ou représenté" in after
    assert any("Votre procuration à Bob" in text for text in told), told
    # Bob comes back as a new member: his own voice, not Carol's (she gives it again).
    assert "Quorum : 2 présents ou représentés" in back
    assert "Quorum : 3 présents ou représentés" in again


async def test_forgetme_of_a_giver_withdraws_the_proxy_so_no_voice_counts_twice(
    bot: Harness,
) -> None:
    await _assembly(bot, "bob")
    await bot.say("/procuration @alice", member="bob")
    await _open(bot)
    await bot.say("/present", member="alice")
    await bot.say("/oubliemoi", member="bob")
    erased = "\n".join(await bot.tap(1, member="bob"))
    await bot.say("/present", member="bob")
    quorum = "\n".join(await bot.say("/ag quorum", member="alice"))

    assert "La procuration que vous aviez donnée pour une assemblée générale est retirée." in (
        erased
    )
    assert "Quorum : 2 présents ou représentés sur 2" in quorum


# Finding 7: each number agrees with its own word ------------------------------------------


async def test_quorum_line_agrees_represented_in_number(bot: Harness) -> None:
    await _assembly(bot, "bob", "carol")
    await bot.say("/procuration @bob", member="carol")
    await _open(bot)
    await bot.say("/present", member="bob")
    status = "\n".join(await bot.say("/ag", member="alice"))
    quorum = "\n".join(await bot.say("/ag quorum", member="alice"))
    minutes = "\n".join(await bot.say("/ag clore", member="alice"))

    assert "1 présent (0 à distance), 1 représenté par procuration." in status
    assert "1 présent, 1 représenté." in quorum
    assert "Quorum : 2 présents ou représentés sur 3" in quorum
    assert "1 membre représenté par procuration." in minutes
    assert "Au total, 2 présents ou représentés sur 3 membres." in minutes
    assert "représentés" not in status.replace("présents ou représentés", "")


async def test_no_proxy_is_singular_in_french_and_plural_in_english(bot: Harness) -> None:
    await _assembly(bot, "bob")
    await _open(bot)
    await bot.say("/present", member="bob")
    french = "\n".join(await bot.say("/ag quorum", member="alice"))
    await bot.say("/langue en", member="alice")
    english = "\n".join(await bot.say("/ag quorum", member="alice"))

    assert "1 présent, 0 représenté." in french
    assert "Quorum : 1 présent ou représenté sur 2" in french
    assert "1 present, 0 represented." in english


# A group that moves (Telegram group → supergroup) keeps no stale voices ---------------------


async def test_a_room_move_forgets_the_voices_kept_in_memory(bot: Harness) -> None:
    await _assembly(bot, "bob")
    await _open(bot)
    await bot.say("/present", member="bob")
    store = bot.app.services.store
    room = store.rooms.get("console:asso")
    assert room is not None
    assembly = store.assembly.current(room.association_id)
    assert assembly is not None
    assert 1 == store.assembly.voices(assembly.id).count
    # A write the repository did not make: only forgetting what it keeps shows it.
    store.owned.db.execute("DELETE FROM attendance WHERE assembly_id = ?", [assembly.id])

    assert store.rooms.migrate("console:asso", "console:asso-super")

    assert 0 == store.assembly.voices(assembly.id).count


# Officers named by @handle before they wrote take their name once tied ---------------------


async def test_secretary_named_by_handle_is_called_by_name_once_checked_in(bot: Harness) -> None:
    await _assembly(bot, "bob")
    await _open(bot)
    named = "\n".join(await bot.say("/ag secretaire @dan", member="alice"))
    await bot.say("/ag president @erin", member="alice")
    await bot.say("/present", member="dan")
    await bot.say("/present", member="erin")
    status = "\n".join(await bot.say("/ag", member="alice"))
    minutes = "\n".join(await bot.say("/ag clore", member="alice"))

    assert "@dan" in named
    assert "Secrétariat : Dan" in status and "@dan" not in status
    assert "@erin" not in status
    assert "@dan" not in minutes and "@erin" not in minutes
    assert "Dan" in minutes and "Erin" in minutes


async def test_forgetme_of_a_holder_tells_a_paper_giver_in_the_room(bot: Harness) -> None:
    await _assembly(bot, "bob")
    await _open(bot)
    await bot.say("/procuration Odile Martin → Bob", member="alice")
    await bot.say("/present", member="bob")
    await bot.say("/oubliemoi", member="bob")
    await bot.tap(1, member="bob")

    in_room = [s.out.text for s in bot.sent if s.room == "asso"]
    assert any(
        text.startswith("Odile Martin : la procuration confiée à Bob ne compte plus")
        for text in in_room
    ), in_room[-3:]


# Finding 10 --------------------------------------------------------------------------------


async def test_secretary_paper_proxy_never_silently_replaces_a_members_own_proxy(
    bot: Harness,
) -> None:
    await _assembly(bot, "bob", "carol", "dan")
    await bot.say("/procuration @dan", member="carol")
    await _open(bot)
    await bot.say("/ag secretaire @bob", member="alice")
    await bot.say("/present", member="bob")
    await bot.say("/present", member="dan")

    reply = "\n".join(await bot.say("/procuration Carol → Bob", member="bob"))

    assert (
        "Carol a confié sa voix à Dan dans la discussion. Pour enregistrer cette procuration "
        "papier, retirez d'abord celle-là : /procuration retirer Carol."
    ) == reply
    listed = "\n".join(await bot.say("/procuration", member="alice"))
    assert "1 procuration pour cette assemblée :\n• Carol → Dan" == listed


async def test_secretary_records_the_paper_once_the_members_own_proxy_is_withdrawn(
    bot: Harness,
) -> None:
    await _assembly(bot, "bob", "carol", "dan")
    await bot.say("/procuration @dan", member="carol")
    await _open(bot)
    await bot.say("/ag secretaire @bob", member="alice")

    await bot.say("/procuration retirer Carol", member="bob")
    reply = "\n".join(await bot.say("/procuration Carol → Bob", member="bob"))

    assert reply.startswith("Procuration papier enregistrée : Carol → Bob.")
