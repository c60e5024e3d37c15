"""/ag suivant recognises an election in the agenda whatever its wording, in French and in
English (accents, case, the word anywhere), and a motion about elections stays a motion."""

from __future__ import annotations

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
