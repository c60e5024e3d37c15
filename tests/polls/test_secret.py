"""Private choices: anonymous polls and secret ballots, votes in a private chat, taps the room
could see answered with a private ballot."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.message import Gesture
from tests.harness import Harness
from tests.polls.helpers import (
    poll_line,
    settle,
    tap,
)


async def test_anonymous_poll_hides_names_and_tells_the_creator(bot: Harness) -> None:
    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | anonyme")
    await bot.say("/vote 1", member="bob")
    await settle(bot)

    assert replies[1].startswith("Sondage anonyme : les noms ne sont jamais affichés, mais")
    text = poll_line(bot).text
    assert "1. Reine\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %)\n" in text
    assert "Bob" not in text
    assert "anonyme" in text


async def test_secret_ballot_counts_once_and_shows_results_at_close(bot: Harness) -> None:
    replies = await bot.say("/sondage Trésorier ? | Alice | Bob | secret")
    first = await bot.say("/vote 2", member="carol")
    again = await bot.say("/vote 1", member="carol")
    await tap(bot, 1, "dan")
    await settle(bot)
    live = poll_line(bot).text
    closed = await bot.say("/cloturer", member="alice")

    assert "Un vote ne peut donc pas être modifié" in replies[1]
    assert ["Votre bulletin secret pour le n°1 est compté."] == first
    assert again[0].startswith("Vous avez déjà voté à ce scrutin secret")
    assert "2 votants · scrutin secret · résultats à la clôture" in live
    assert "▓" not in live and "Carol" not in live and "Dan" not in live
    assert "1. Alice\n   ▓▓▓▓▓░░░░░ 1 (50 %)\n2. Bob\n   ▓▓▓▓▓░░░░░ 1 (50 %)" in closed[0]


async def test_secret_vote_in_a_private_chat_counts_for_the_groups_poll(bot: Harness) -> None:
    await bot.say("/sondage Trésorier ? | Alice | Bob | secret")
    await bot.say("bonjour", member="bob")  # bob is a member of the association

    replies = await bot.say("/vote 1 2", member="bob", room="dm-bob")
    stranger = await bot.say("/vote 1 2", member="zoe", room="dm-zoe")
    closed = await bot.say("/cloturer 1", member="alice", room="asso")

    assert ["Votre bulletin secret pour le n°1 est compté."] == replies
    assert ["Il n'y a pas de sondage n°1 ici."] == stranger
    assert "Résultat : Bob (1 voix)." in closed[0]


async def test_tap_beyond_at_most_on_anonymous_poll_is_answered_privately(bot: Harness) -> None:
    await bot.say("/sondage Garnitures ? | Jambon | Olives | Ananas | au plus 2 | anonyme")
    await bot.say(":tap 1", member="bob")
    await bot.say(":tap 2", member="bob")

    shown = await bot.say_lines(":tap 3", member="bob")

    assert [("bob", "Bob : le sondage n°1 permet au plus 2 choix")] == [
        (line.private_to, line.text.partition(" ;")[0]) for line in shown
    ]
    assert [] == [line for line in bot.replies if "au plus 2" in line.text]


@pytest.mark.parametrize(
    "modifier",
    ["secret", "anonyme", "caché"],
)
async def test_tap_seen_by_the_room_is_not_counted_and_a_private_ballot_is_sent(
    bot: Harness, modifier: str
) -> None:
    await bot.say(f"/sondage Président ? | Alice | Bob | {modifier}")
    bot.console.state.member = "bob"
    press = bot.console.tap(2)
    assert press is not None
    mark = len(bot.console.lines)

    await bot.app.press(replace(press, gesture=Gesture(public=True, event_id="$reaction")))

    assert 0 == bot.app.store.polls.voter_count(1)
    shown = bot.console.lines[mark:]
    assert ["dm-bob", "dm-bob"] == [line.room for line in shown]
    assert shown[0].text.startswith(
        "Votre choix au sondage n°1 n'a pas été compté : tout le salon pouvait le voir."
    )
    assert shown[1].text.startswith("📊 Sondage n°1 : Président ?")
    assert shown[1].buttons  # the private ballot


async def test_tap_on_the_private_ballot_counts_and_says_so(bot: Harness) -> None:
    await bot.say("/sondage Président ? | Alice | Bob | secret")
    await bot.say("bonjour", member="bob")
    bot.console.state.member = "bob"
    press = bot.console.tap(2)
    assert press is not None
    await bot.app.press(replace(press, gesture=Gesture(public=True, event_id="$reaction")))

    shown = await bot.say_lines(":tap 2", member="bob", room="dm-bob")

    assert ["Votre vote au sondage n°1 est enregistré."] == [line.text for line in shown]
    assert 1 == bot.app.store.polls.voter_count(1)


async def test_tap_seen_by_the_room_on_a_public_poll_counts(bot: Harness) -> None:
    await bot.say("/sondage Président ? | Alice | Bob")
    bot.console.state.member = "bob"
    press = bot.console.tap(2)
    assert press is not None

    await bot.app.press(replace(press, gesture=Gesture(public=True, event_id="$reaction")))

    assert 1 == bot.app.store.polls.voter_count(1)
