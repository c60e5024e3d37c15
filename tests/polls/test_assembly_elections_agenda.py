"""/ag suivant recognises an election in the agenda whatever its wording, in French and in
English (accents, case, the word anywhere), and a motion about elections stays a motion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.message import Room
from handlers.polls.assembly.agm import _is_election
from tests.harness import Harness


@pytest.mark.parametrize(
    "text",
    [
        "Élection du bureau",
        "ELECTION DU BUREAU",
        "election du bureau",
        "Élections au conseil d'administration",
        "Renouvellement du bureau (élection)",
        "Renouvellement du bureau – élection",
        "Élire le bureau",
        "Board election",
        "Election of the board",
        "Elections to the committee",
        "Elect the treasurer",
        "4. Board election",
    ],
)
def test_an_election_item_is_recognised(text: str) -> None:
    assert _is_election(text)


@pytest.mark.parametrize(
    "text",
    [
        "Rapport moral",
        "Comptes 2026",
        "Modification du règlement électoral",
        "Modification des règles d'élection",
        "Mode d'élection du bureau",
        "Rules of election",
        "Electoral rules",
        "Selection of the caterer",
        "Sélection du traiteur",
        "Collection of dues",
        "Annual report",
    ],
)
def test_a_motion_item_is_not_an_election(text: str) -> None:
    assert not _is_election(text)


async def _open(bot: Harness, convene: str) -> list[str]:
    bot.organizer("alice")
    await bot.say(convene, member="alice", room="asso")
    await bot.say("/ag ouvrir", member="alice")
    return await bot.say("/ag suivant", member="alice")


async def test_ag_suivant_french_renewal_of_the_board_is_an_election(bot: Harness) -> None:
    told = await _open(
        bot,
        "/ag convoquer 12 janvier 19h | Salle des fêtes | ordre du jour: "
        "Renouvellement du bureau (élection); Budget",
    )

    assert told[0].startswith(
        "Le point n°1, « Renouvellement du bureau (élection) », est une élection"
    ), told
    assert [] == bot.app.services.store.assembly.open_polls(_assembly(bot))


async def test_ag_suivant_english_board_election_is_an_election(bot: Harness) -> None:
    bot.app.set_room_language(Room("console", "asso", title="asso"), "en")
    told = await _open(
        bot,
        "/agm convene January 12 7pm | Town hall | agenda: Board election; Budget",
    )

    assert told[0].startswith("Item 1, “Board election”, is an election"), told
    assert [] == bot.app.services.store.assembly.open_polls(_assembly(bot))


def _assembly(bot: Harness) -> int:
    room = bot.app.services.store.rooms.get("console:asso")
    assert room is not None
    found = bot.app.services.store.assembly.current(room.association_id)
    assert found is not None
    return found.id


# « Questions diverses » is talked about, not voted -----------------------------------------


@pytest.mark.parametrize(
    ("item", "language"),
    [
        ("Questions diverses", "fr"),
        ("QUESTIONS diverses", "fr"),
        ("Points divers", "fr"),
        ("Divers", "fr"),
        ("Any other business", "en"),
        ("AOB", "en"),
    ],
)
async def test_ag_suivant_any_other_business_is_not_put_to_the_vote(
    bot: Harness, item: str, language: str
) -> None:
    if language == "en":
        bot.app.set_room_language(Room("console", "asso", title="asso"), "en")
    told = await _open(
        bot,
        f"/ag convoquer 12 janvier 19h | Salle | ordre du jour: {item}; Budget",
    )

    expected = {
        "fr": f"Point n°1, « {item} », traité sans vote.",
        "en": f"Item 1, “{item}”, dealt with without a vote.",
    }[language]
    assert [expected] == told
    assert [] == bot.app.services.store.assembly.open_polls(_assembly(bot))
    # The next item is a motion again.
    await bot.say("/ag suivant", member="alice")
    assert 1 == len(bot.app.services.store.assembly.open_polls(_assembly(bot)))


@pytest.mark.parametrize("text", ["Questions diverses sur le budget 2027", "Divers travaux"])
def test_an_item_only_starting_like_aob_is_voted(text: str) -> None:
    from handlers.polls.assembly.agm import _not_voted

    assert not _not_voted(text)


# The minutes and the register speak no chat command -----------------------------------------


async def test_minutes_of_an_election_with_a_seat_left_name_no_command(bot: Harness) -> None:
    await _open(
        bot,
        "/ag convoquer 12 janvier 19h | Salle | ordre du jour: Élection du bureau",
    )
    await bot.say("/present", member="alice")
    await bot.say("/present", member="bob")
    await bot.say("/election Bureau | 2 postes | Martine | Paul | Sophie", member="alice")
    await bot.say("/vote 1 1", member="alice")
    await bot.say("/vote 1 2", member="bob")
    closed = await bot.say("/cloturer 1", member="alice")
    await bot.say("/ag clore", member="alice")
    minutes = await bot.say("/ag pv", member="alice")

    # The close announcement says how to go on; the minutes state the fact only.
    assert "2 postes ne sont pas pourvus : /election 2e tour ouvre le tour suivant." in (
        closed[0].split("\n")
    )
    lines = minutes[0].split("\n")
    assert "2 postes ne sont pas pourvus à ce tour." in lines, minutes[0]
    assert not any("/election" in line for line in lines), minutes[0]


async def test_agm_close_in_english_says_on_which_day(bot: Harness) -> None:
    bot.app.set_room_language(Room("console", "asso", title="asso"), "en")
    await _open(bot, "/agm convene January 12 7pm | Town hall | agenda: Any other business")

    closed = await bot.say("/agm close", member="alice")

    assert closed[0].startswith("The session is closed on Tuesday 1 December 2026 at "), closed


# A refused paper proxy leaves the roll as it was --------------------------------------------


async def test_refused_paper_proxy_adds_no_name_to_the_roll(bot: Harness) -> None:
    await bot.say("bonjour", member="bob")
    await _open(bot, "/ag convoquer 12 janvier 19h | Salle | ordre du jour: Budget")
    store = bot.app.services.store
    room = store.rooms.get("console:asso")
    assert room is not None
    store.statutes.set(room.association_id, "proxy_cap", 1, "x", bot.app.now())
    await bot.say("/procuration Odile Martin → @bob", member="alice")
    before = store.assembly.roll_length(room.association_id)

    capped = await bot.say("/procuration Jean Nouveau → @bob", member="alice")
    to_self = await bot.say("/procuration Zoé Zed → Zoé Zed", member="alice")
    listed = await bot.say("/membres", member="alice")

    assert [
        "Bob détient déjà le nombre maximal de procurations permis par les statuts (1)."
    ] == capped
    assert ["Personne ne peut se confier son propre vote."] == to_self
    assert before == store.assembly.roll_length(room.association_id)
    assert "Jean Nouveau" not in listed[0] and "Zoé Zed" not in listed[0], listed


async def test_present_list_with_one_refused_name_records_nobody(bot: Harness) -> None:
    await bot.say("bonjour", member="bob")
    await _open(bot, "/ag convoquer 12 janvier 19h | Salle | ordre du jour: Budget")
    store = bot.app.services.store
    room = store.rooms.get("console:asso")
    assert room is not None
    before = store.assembly.roll_length(room.association_id)

    refused = await bot.say(
        "/present Odile Martin\nPaul Durand\n" + "X" * 81, member="alice", room="asso"
    )

    assert refused[0].startswith("Un nom est limité à 80 caractères."), refused
    assert [] == store.assembly.attendance(_assembly(bot))
    assert before == store.assembly.roll_length(room.association_id)


# The minutes' date is the day the session was held ---------------------------------------


async def test_minutes_of_a_postponed_session_ending_after_midnight(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("/ag convoquer 2 décembre 19h | Salle | ordre du jour: Budget", member="alice")
    # Postponed by a day: opened on Thursday 3 December at 20:00 (Paris), closed after midnight.
    await bot.advance(datetime(2026, 12, 3, 19, 0, tzinfo=UTC) - bot.app.now())
    await bot.say("/ag ouvrir", member="alice")
    await bot.say("/ag passer", member="alice")
    await bot.advance(timedelta(hours=4, minutes=30))
    await bot.say("/ag clore", member="alice")

    lines = (await bot.say("/ag pv", member="alice"))[0].split("\n")

    assert "Date : jeudi 3 décembre 2026." in lines, lines
    assert "Séance ouverte à 20:00." in lines, lines
    assert "Séance levée le vendredi 4 décembre 2026 à 00:30." in lines, lines
    assert (
        "L'ordre du jour étant épuisé, la séance est levée le vendredi 4 décembre 2026 à 00:30."
        in lines
    ), lines
