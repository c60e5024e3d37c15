"""Hostile review (2026-12-03): a member's long text is never echoed whole in an error reply
(the bot would repeat 20,000 characters into the group for them)."""

from __future__ import annotations

import pytest

from tests.harness import Harness

LONG = "x" * 20_000


@pytest.mark.parametrize(
    ("member", "command", "start"),
    [
        ("bob", "/agenda " + LONG, "Option inconnue « xxxx"),
        ("alice", "/prolonger 1 demain " + LONG, "Je n'ai pas compris « xxxx"),
        ("alice", "/prolonger demain 18h " + LONG, "Je n'ai pas compris « xxxx"),
        ("alice", "/resolution Comptes | " + LONG, "Règle inconnue"),
        ("alice", "/evenement AG le 12 décembre à 14h rappels J-1 " + LONG, "« xxxx"),
    ],
)
async def test_long_value_is_clipped_in_the_error_reply(
    bot: Harness, member: str, command: str, start: str
) -> None:
    await bot.say("/sondage Quoi ? | A | B", member="alice")
    reply = await bot.say(command, member=member)
    assert reply
    assert reply[0].startswith(start) or start in reply[0]
    assert max(len(text) for text in reply) < 1_000
    assert "…" in reply[0]


async def test_unknown_agenda_option_clipped_short(bot: Harness) -> None:
    reply = await bot.say("/agenda " + LONG, member="bob")
    assert len(reply[0].splitlines()[0]) < 100
