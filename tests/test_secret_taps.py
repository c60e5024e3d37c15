"""Choices that must stay private: a tap the room saw is not counted (a private ballot is sent
instead), and any answer to a tap on an anonymous or secret poll goes to the tapper alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.message import Gesture
from tests.harness import Harness


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
