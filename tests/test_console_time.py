"""Moving the console clock is time passing, not down-time: timers fire on the way, in order."""

from __future__ import annotations

from tests.harness import Harness


async def test_time_jump_sends_what_fell_due_on_the_way_in_order(bot: Harness) -> None:
    # The harness starts on Tuesday 1 December 2026 at 09:00 (Paris).
    await bot.say("/rappel demain 9h Apporter les clés")
    await bot.say("/rappel tous les jours à 8h Café")

    shown = await bot.say(":time +2d")

    assert [
        "⏰ Rappel : Café",
        "⏰ Rappel : Apporter les clés",
        "⏰ Rappel : Café",
        "Il est maintenant jeudi 3 décembre 2026 à 09:00.",
    ] == [text[: len("Il est maintenant jeudi 3 décembre 2026 à 09:00.")] for text in shown]


async def test_time_to_an_absolute_moment(bot: Harness) -> None:
    shown = await bot.say(":time 2026-12-24 18:00")
    assert ["Il est maintenant jeudi 24 décembre 2026 à 18:00."] == [
        text[: len("Il est maintenant jeudi 24 décembre 2026 à 18:00.")] for text in shown
    ]
