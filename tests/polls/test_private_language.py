"""A private chat answers about a poll in the language of the poll's room: a member voting in
private for an English room's secret election is answered in English, and a French room's
poll stays French."""

from __future__ import annotations

from tests.harness import Harness


async def test_secret_vote_in_private_is_confirmed_in_the_language_of_the_polls_room(
    bot: Harness,
) -> None:
    bot.organizer("alice")
    await bot.say("hello", member="bob")
    await bot.say("/langue en", member="alice")
    await bot.say("/election Board | 1 seat | Ann | Ben", member="alice")

    reply = "\n".join(await bot.say("/vote 1 1", member="bob", room="dm-bob"))

    assert "Your secret ballot in poll #1 is counted." in reply


async def test_refusal_in_private_about_an_english_poll_is_in_english(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("hello", member="bob")
    await bot.say("/langue en", member="alice")
    await bot.say("/poll Pizza? | Yes | No", member="alice")

    reply = "\n".join(await bot.say("/vote 1 7", member="bob", room="dm-bob"))

    assert "Poll #1" in reply or "poll #1" in reply
    assert "sondage" not in reply.lower()


async def test_private_vote_for_a_french_polls_room_stays_french(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("bonjour", member="bob")
    await bot.say("/sondage Pizza ? | Oui | Non", member="alice")

    reply = "\n".join(await bot.say("/voter 1 2", member="bob", room="dm-bob"))

    assert "Vote enregistré pour le n°1 : Non." in reply
