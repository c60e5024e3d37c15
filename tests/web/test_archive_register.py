"""The archive's register of decisions and minutes: closed polls, motions and elections of the
association's rooms with their frozen results, the minutes of closed assemblies; nothing from
a private room, no voter's name, secret ballots as counts only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest

from tests.harness import Harness
from tests.web.archive_kit import archive, get, start


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await start(tmp_path)
    yield harness
    await harness.stop()


def register(html: str) -> str:
    match = re.search(r'<section id="decisions">(.*?)</section>', html, re.DOTALL)
    assert match is not None, "no register section"
    return unescape(match.group(1))


async def test_decisions_with_their_results_and_no_voter_names(bot: Harness) -> None:
    for member in ("bob", "carol", "dan"):
        await bot.say("bonjour", member=member)
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice")
    await bot.say("/vote 2", member="bob")
    await bot.say("/cloturer 1", member="alice")
    await bot.say("/motion Budget 2027", member="alice")
    await bot.say("/vote pour", member="bob")
    await bot.say("/vote pour", member="carol")
    await bot.say("/vote contre", member="dan")
    await bot.say("/cloturer 2", member="alice")
    await bot.say("/election Bureau | 2 postes | Paul | Sophie | Yannick", member="alice")
    await bot.say("/voter 3 1,2", member="bob", room="dm-bob")
    await bot.say("/voter 3 1", member="carol", room="dm-carol")
    await bot.say("/cloturer 3", member="alice", room="asso")
    await bot.say("/sondage Local ? | Mairie | Café | anonyme", member="alice", room="asso")
    await bot.say("/vote 1", member="dan", room="asso")
    await bot.say("/cloturer 4", member="alice", room="asso")
    await bot.say("/sondage Encore ouvert ? | Oui | Non", member="alice", room="asso")
    given = await archive(bot)

    page = await get(bot, given.archive)
    french = register(page.text)

    assert 200 == page.status
    assert "<h2>Registre des décisions</h2>" in french
    assert "Pizza ?" in french and "Résultat : Calzone (1 voix)." in french
    assert "Budget 2027" in french and "La motion est adoptée" in french
    assert "Bureau" in french and "Paul" in french
    assert "Local ?" in french and "Résultat : Mairie (1 voix)." in french
    assert "Encore ouvert" not in french  # still open
    assert french.index("Pizza ?") < french.index("Budget 2027") < french.index("Local ?")
    for name in ("Bob", "Carol", "Dan"):
        assert name not in french
    english = register((await get(bot, given.archive, lang="en")).text)
    assert "<h2>Register of decisions</h2>" in english
    assert "The motion is adopted" in english


async def test_nothing_from_a_private_room(bot: Harness) -> None:
    await bot.say("/sondage Public ? | Oui | Non", member="alice", room="asso")
    await bot.say("/cloturer 1", member="alice", room="asso")
    await bot.say("/sondage Secret de Alice ? | Oui | Non", member="alice", room="asso")
    await bot.say("/cloturer 2", member="alice", room="asso")
    # A decision kept in a private chat of the association (no command makes one today: the
    # page must not show it if one ever exists).
    await bot.say("/aide", member="alice", room="dm-alice")
    db = bot.app.store.owned.db
    db.execute("UPDATE polls SET room_key = 'console:dm-alice' WHERE id = 2")
    bot.app.store.polls.forget_cached()
    assert bot.app.store.rooms.get("console:dm-alice") is not None
    assert [2, 1] == [p.id for p in bot.app.store.polls.closed_in_association(1)]
    given = await archive(bot)

    french = register((await get(bot, given.archive)).text)

    assert "Public ?" in french
    assert "Secret de Alice" not in french


async def test_empty_register(bot: Harness) -> None:
    given = await archive(bot)
    french = register((await get(bot, given.archive)).text)
    assert "Rien n'a encore été clôturé : ni sondage, ni motion." in french


async def test_minutes_of_a_closed_assembly(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say(
        "/ag convoquer 12 janvier 19h | Salle | ordre du jour: Rapport moral",
        member="alice",
        room="asso",
    )
    await bot.say("/ag ouvrir", member="alice", room="asso")
    await bot.say("/present", member="bob", room="asso")
    await bot.say("/ag suivant", member="alice", room="asso")
    await bot.say("/vote 1 pour", member="bob", room="asso")
    given = await archive(bot)
    await bot.say("/cloturer 1", member="alice", room="asso")
    before = register((await get(bot, given.archive)).text)
    await bot.say("/ag clore", member="alice", room="asso")

    french = register((await get(bot, given.archive)).text)

    assert "Procès-verbaux des assemblées générales" not in before  # not closed yet
    assert "Procès-verbaux des assemblées générales" in french
    assert "Rapport moral" in french
    assert "Résolution n°1 adoptée" in french


async def test_minutes_of_every_closed_assembly_even_one_without_a_vote(bot: Harness) -> None:
    bot.organizer("alice")
    for agenda in ("Rapport moral", "Projet de jardin partagé"):
        await bot.say(
            f"/ag convoquer 12 janvier 19h | Salle | ordre du jour: {agenda}",
            member="alice",
            room="asso",
        )
        await bot.say("/ag ouvrir", member="alice", room="asso")
        await bot.say("/present", member="bob", room="asso")
        await bot.say("/ag clore", member="alice", room="asso")
    given = await archive(bot)

    french = register((await get(bot, given.archive)).text)

    assert "Rapport moral" in french
    assert "Projet de jardin partagé" in french


async def test_an_election_result_keeps_one_line_per_candidate(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("/election Bureau | 1 poste | Martine | Paul", member="alice", room="asso")
    await bot.say("/cloturer 1", member="alice", room="asso")
    given = await archive(bot)

    html = (await get(bot, given.archive)).text

    cell = re.search(r'<td class="outcome">(.*?)</td>', html, re.DOTALL)
    assert cell is not None
    assert "\nMartine : 0 voix\nPaul : 0 voix\n" in unescape(cell.group(1))


async def test_the_latest_hundred_decisions_and_where_to_find_the_rest(bot: Harness) -> None:
    bot.organizer("alice")
    for number in range(1, 102):
        await bot.say(f"/sondage Q{number} ? | A | B", member="alice", room="asso")
        await bot.say(f"/cloturer {number}", member="alice", room="asso")
    given = await archive(bot)

    french = register((await get(bot, given.archive)).text)

    assert 100 == french.count("<tr><td>")
    assert "Q101 ?" in french and "Q1 ?" not in french
    assert (
        "Les 100 dernières décisions ; le registre complet : /decisions csv dans le groupe de "
        "l’association." in french
    )
