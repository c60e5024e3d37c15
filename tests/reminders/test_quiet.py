"""Quiet hours (/silence): reminders due then wait, unless urgent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from handlers.reminders.settings import RemindersSettings
from tests.harness import Harness, make_config


def fired(bot: Harness, text: str) -> list[str]:
    return [line.text for line in bot.replies if line.text.startswith("⏰") and text in line.text]


async def test_quiet_hours_hold_a_reminder_until_they_end(bot: Harness) -> None:
    replies = await bot.say("/silence 22h-8h")
    assert replies[0].startswith("Heures calmes : 22:00-08:00 (Europe/Paris).")
    replies = await bot.say("/rappel demain 23h Sortir les poubelles")
    assert "reporté au jeudi 3 décembre 2026 à 08:00 (heures calmes)" in replies[0]
    await bot.advance(timedelta(days=1, hours=14, minutes=30))  # Wednesday 23:30
    assert [] == fired(bot, "poubelles")
    await bot.advance(timedelta(hours=9))  # Thursday 08:30
    assert [
        "⏰ Rappel : Sortir les poubelles\n(reporté à 08:00 pour les heures calmes ; prévu "
        "mercredi 2 décembre 2026 à 23:00)"
    ] == fired(bot, "poubelles")


async def test_urgent_reminder_ignores_quiet_hours(bot: Harness) -> None:
    await bot.say("/silence 22:00-08:00")
    replies = await bot.say("/rappel urgent demain 23h Fermer le local")
    assert "Urgent : envoyé même pendant les heures calmes." in replies[0]
    await bot.advance(timedelta(days=1, hours=14, minutes=5))  # Wednesday 23:05
    assert ["⏰ Rappel : Fermer le local"] == fired(bot, "Fermer")


async def test_quiet_hours_default_from_config_and_off(data_dir: Path) -> None:
    config = make_config(data_dir, RemindersSettings(quiet_hours="22:00-08:00"))
    bot = await Harness.start(config)
    try:
        assert ["Heures calmes de ce salon : 22:00-08:00."] == await bot.say("/silence")
        assert ["Heures calmes désactivées : les rappels partent à toute heure."] == (
            await bot.say("/silence off")
        )
        await bot.say("/rappel demain 23h Dernier train")
        await bot.advance(timedelta(days=1, hours=14, minutes=5))
        assert ["⏰ Rappel : Dernier train"] == fired(bot, "Dernier train")
    finally:
        await bot.stop()


async def test_quiet_hours_bad_span_is_explained(bot: Harness) -> None:
    replies = await bot.say("/silence 25h-8h")
    assert replies[0].startswith(
        "Donnez une plage horaire comme 22h-8h ou 22:00-08:00 (ou « off »), pas « 25h-8h »."
    )


async def test_silence_echo_of_a_long_value_is_clipped(bot: Harness) -> None:
    bot.organizer("alice")
    replies = await bot.say("/silence " + "9" * 5000)
    assert len(replies[0]) < 400
