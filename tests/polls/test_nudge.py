"""/relancer (/nudge): who has not voted, privacy of the names, once an hour per poll."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import START, Harness, make_config
from tests.polls.helpers import (
    link_bureau,
)


async def _members(bot: Harness, *names: str) -> None:
    """Let the bot see these members in the room (they said something)."""
    for name in names:
        await bot.say("bonjour", member=name)


async def test_nudge_names_who_has_not_voted_in_a_public_poll(bot: Harness) -> None:
    await _members(bot, "alice", "bob", "carol", "dan")
    await bot.say("/sondage Pizza ? | Reine | Calzone | jusqu'à vendredi 18h", member="alice")
    await bot.say("/vote 1", member="alice")
    await bot.say("/vote 2", member="bob")

    replies = await bot.say("/relancer", member="alice")

    assert [
        "🔔 📊 Sondage n°1 : Pizza ?\n"
        "2 membres n'ont pas encore voté : @carol, @dan.\n"
        "Clôture le vendredi 4 décembre 2026 à 18:00.\n"
        "Votez avec les boutons, ou tapez /voter 1 N."
    ] == replies


async def test_nudge_in_english_by_the_polls_creator(bot: Harness) -> None:
    await bot.say("/language en", member="alice")
    await _members(bot, "bob", "carol")

    await bot.say("/poll Pizza? | Margherita | Calzone", member="bob")
    replies = await bot.say("/nudge 1", member="bob")

    assert [
        "🔔 📊 Poll #1: Pizza?\n"
        "3 members have not voted yet: @alice, @bob, @carol.\n"
        "Vote with the buttons, or type /vote 1 N."
    ] == replies


@pytest.mark.parametrize("privacy", ["secret", "anonyme"])
async def test_nudge_only_counts_in_a_secret_or_anonymous_poll(bot: Harness, privacy: str) -> None:
    await _members(bot, "alice", "bob", "carol")
    await bot.say(f"/sondage Trésorier ? | Alice | Bob | {privacy}", member="alice")
    await bot.say("/vote 1", member="bob")

    replies = await bot.say("/relancer 1", member="alice")

    assert replies[0].startswith(
        "🔔 📊 Sondage n°1 : Trésorier ?\n2 membres n'ont pas encore voté."
    )
    assert "@" not in replies[0]


async def test_nudge_at_most_once_an_hour_per_poll(bot: Harness) -> None:
    await _members(bot, "alice", "bob")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice")
    await bot.say("/sondage Boisson ? | Eau | Jus", member="alice")

    first = await bot.say("/relancer 1", member="alice")
    again = await bot.say("/relancer 1", member="alice")
    other_poll = await bot.say("/relancer 2", member="alice")
    await bot.advance(timedelta(minutes=59))
    still = await bot.say("/relancer 1", member="alice")
    await bot.advance(timedelta(minutes=1))
    later = await bot.say("/relancer 1", member="alice")

    assert first[0].startswith("🔔 📊 Sondage n°1 : Pizza ?")
    assert (
        [
            "Le sondage n°1 a été relancé il y a moins d'une heure ; pour éviter d'importuner, la "
            "prochaine relance est possible à partir du mardi 1 décembre 2026 à 10:00."
        ]
        == again
        == still
    )
    assert other_poll[0].startswith("🔔 📊 Sondage n°2 : Boisson ?")
    assert later[0].startswith("🔔 📊 Sondage n°1 : Pizza ?")


async def test_nudge_limit_survives_a_restart(data_dir: Path) -> None:
    config = make_config(data_dir)
    first = await Harness.start(config)
    try:
        await _members(first, "alice", "bob")
        await first.say("/sondage Pizza ? | Reine | Calzone", member="alice")
        await first.say("/relancer", member="alice")
    finally:
        await first.stop()

    second = await Harness.start(config, start=START + timedelta(minutes=30))
    try:
        refused = await second.say("/relancer 1", member="alice")
    finally:
        await second.stop()

    assert refused[0].startswith("Le sondage n°1 a été relancé il y a moins d'une heure")


async def test_nudge_refusals_are_explained(bot: Harness) -> None:
    await _members(bot, "alice", "bob")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice")

    not_allowed = await bot.say("/relancer 1", member="bob")
    bad = await bot.say("/relancer 1 vite", member="alice")
    unknown = await bot.say("/relancer 7", member="alice")
    await bot.say("/vote 1", member="alice")
    await bot.say("/vote 2", member="bob")
    everyone = await bot.say("/relancer", member="alice")
    await bot.say("/cloturer 1", member="alice")
    closed = await bot.say("/relancer 1", member="alice")
    no_poll = await bot.say("/relancer", member="alice")

    assert ["Seul l'auteur du sondage ou un organisateur peut faire cela."] == not_allowed
    assert bad[0].startswith("Donnez un numéro de sondage, par exemple /relancer 12.")
    assert ["Il n'y a pas de sondage n°7 ici."] == unknown
    assert ["Tous les membres que le bot connaît ont voté au sondage n°1."] == everyone
    assert ["Le sondage n°1 est clôturé : les votes ne sont plus acceptés."] == closed
    assert no_poll[0].startswith("Il n'y a pas de sondage ouvert dans ce salon.")


async def test_closing_soon_notice_of_an_anonymous_poll_only_counts(bot: Harness) -> None:
    await _members(bot, "alice", "bob")
    await bot.say("/sondage Pizza ? | Reine | Calzone | anonyme | jusqu'à demain 18h")
    await bot.say("/vote 1", member="alice")

    await bot.advance(timedelta(days=1, hours=8))

    notice = bot.replies[-1].text
    assert notice.startswith("⏳ 📊 Sondage n°1 : Pizza ? — clôture le mercredi 2 décembre")
    assert "1 membre n'a pas encore voté.\n" in notice
    assert "@bob" not in notice


async def test_nudge_names_only_members_seen_in_its_room(bot: Harness) -> None:
    await link_bureau(bot)
    for member in ("bob", "carol"):
        await bot.say("bonjour", member=member, room="asso")
    await bot.say("ordre du jour", member="tresoriere_secrete", room="bureau")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")
    await bot.say("/vote 1", member="alice", room="asso")

    replies = await bot.say("/relancer", member="alice", room="asso")

    assert "tresoriere" not in replies[0]
    assert "3 membres n'ont pas encore voté : @bob, @carol et 1 autre." in replies[0]


async def test_nudge_in_a_room_where_no_missing_member_was_seen_only_counts(
    bot: Harness,
) -> None:
    await link_bureau(bot)
    await bot.say("ordre du jour", member="tresoriere_secrete", room="bureau")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")
    await bot.say("/vote 1", member="alice", room="asso")

    replies = await bot.say("/relancer", member="alice", room="asso")

    assert "\n1 membre n'a pas encore voté.\n" in replies[0]
