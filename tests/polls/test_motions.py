"""Motions (/motion, /resolution): for organizers, for/against/abstain, quorum and majority, the
decision frozen at close."""

from __future__ import annotations

import pytest

from tests.harness import Harness
from tests.polls.helpers import (
    capture_sends,
    poll_line,
    tap,
)


async def _budget_rejected(bot: Harness) -> None:
    """« Budget 2027 » closed rejected 1–1; Dan has not voted."""
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    await bot.say("/motion Budget 2027", member="alice")
    await bot.say("/vote pour", member="bob")
    await bot.say("/vote contre", member="carol")
    await bot.say("/cloturer", member="alice")


async def test_motion_is_for_organizers(bot: Harness) -> None:
    replies = await bot.say("/motion Approbation des comptes 2025", member="bob")

    assert ["Seuls les organisateurs peuvent utiliser /motion."] == replies


async def test_motion_adopted_with_figures(bot: Harness) -> None:
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    replies = await bot.say("/motion Approbation des comptes 2025", member="alice")
    await bot.say("/vote pour", member="alice")
    await tap(bot, 1, "bob")
    await tap(bot, 2, "carol")
    await bot.say("/vote abstention", member="dan")

    closed = await bot.say("/cloturer", member="alice")

    line = poll_line(bot)
    assert replies[0].startswith("🗳 Motion n°1 : Approbation des comptes 2025\n1. Pour\n")
    assert (
        "Règles : majorité simple (plus de pour que de contre), abstentions et blancs non "
        "comptés dans les exprimés." in replies[0]
    )
    assert (
        "Adoptée. Pour : 2 · Contre : 1 · Abstentions : 1 · Blancs : 0 · Suffrages exprimés : 3"
        " · Présents ou représentés : 4 sur 4 membres." in closed[0]
    )
    assert "Adoptée" in line.text


async def test_motion_in_english_with_buttons(bot: Harness) -> None:
    await bot.say("/language en")

    await bot.say("/resolution Approval of the accounts")

    line = poll_line(bot)
    assert [["✅ For", "❌ Against", "⚪ Abstain", "⬜ Blank"]] == [
        [b.label for b in r] for r in line.buttons
    ]


async def test_motion_quorum_not_reached(bot: Harness) -> None:
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    await bot.say("/motion Dissolution | quorum 75% | deux tiers", member="alice")
    await bot.say("/vote pour", member="alice")
    await bot.say("/vote pour", member="bob")

    closed = await bot.say("/cloturer", member="alice")

    assert (
        "Quorum non atteint (3 requis). Pour : 2 · Contre : 0 · Abstentions : 0 · Blancs : 0"
        " · Suffrages exprimés : 2 · Présents ou représentés : 2 sur 4 membres." in closed[0]
    )


@pytest.mark.parametrize(
    "after", [["/procuration @bob"], ["/procuration @bob", "/procuration retirer"]]
)
async def test_closed_motion_outcome_does_not_change_with_later_proxies(
    bot: Harness, after: list[str]
) -> None:
    await _budget_rejected(bot)
    before = await bot.say("/decisions", member="alice")
    sent = capture_sends(bot)
    csv_before = (await bot.say("/decisions csv", member="alice"), sent[-1].attachment)

    for command in after:
        await bot.say(command, member="dan")
    listing = await bot.say("/decisions", member="alice")
    await bot.say("/decisions csv", member="alice")
    markdown = await bot.say("/decisions markdown", member="alice")

    assert "« Budget 2027 » → Rejetée. Pour : 1 · Contre : 1 ·" in listing[0]
    assert before == listing
    assert csv_before[1] is not None and sent[-2].attachment is not None
    assert csv_before[1].content == sent[-2].attachment.content
    assert sent[-1].attachment is not None
    # Issue 13: the Markdown register is sentences, not a pipe table.
    assert (
        "La motion est rejetée (la majorité simple requise) : 1 pour, 1 contre"
        in sent[-1].attachment.content.decode()
    )
    assert markdown


async def test_closed_motion_result_is_stored_with_the_rule_applied(bot: Harness) -> None:
    await _budget_rejected(bot)

    frozen = bot.app.store.polls.frozen(1)

    assert frozen is not None
    assert ("rejected", 2, 2, "simple", "cast") == (
        frozen.outcome,
        frozen.voters,
        frozen.votes_cast,
        frozen.majority,
        frozen.majority_of,
    )
    assert {(1, 2): 1, (2, 2): 1} == frozen.counts
