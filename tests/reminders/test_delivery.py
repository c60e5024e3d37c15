"""Sending reminders: on time, by the sweeper, repeating, grouped, caught up after down-time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.harness import START, Harness, make_config


def fired(bot: Harness, text: str) -> list[str]:
    return [line.text for line in bot.replies if line.text.startswith("⏰") and text in line.text]


async def test_remind_fires_once_at_its_time(bot: Harness) -> None:
    await bot.say("/rappel dans 2 heures Appeler la mairie")
    await bot.advance(timedelta(hours=1, minutes=59))
    assert [] == fired(bot, "Appeler la mairie")
    await bot.advance(timedelta(minutes=1))
    assert ["⏰ Rappel : Appeler la mairie"] == fired(bot, "Appeler la mairie")
    await bot.advance(timedelta(days=2))
    assert 1 == len(fired(bot, "Appeler la mairie"))


async def test_remind_far_ahead_is_sent_by_the_sweeper(bot: Harness) -> None:
    await bot.say("/rappel le 3 décembre à 9h Dossier de subvention")
    assert not any(job.startswith("reminders:1") for job in bot.app.scheduler.pending())
    for _hour in range(48):
        await bot.advance(timedelta(hours=1))
    assert ["⏰ Rappel : Dossier de subvention"] == fired(bot, "Dossier")


async def test_remind_repeating_keeps_local_time_and_describes_rule(bot: Harness) -> None:
    replies = await bot.say("/rappel tous les lundis à 9h Réunion")
    assert "Répétition : tous les lundis à 09:00." in replies[0]
    await bot.advance(timedelta(days=6))  # Monday 7 December, 09:00
    await bot.advance(timedelta(days=7))
    await bot.advance(timedelta(days=7))
    assert 3 == len(fired(bot, "Réunion"))


async def test_catch_up_after_down_time_is_sent_once_marked_late(data_dir: Path) -> None:
    first = await Harness.start(make_config(data_dir))
    await first.say("/rappel dans 1 heure Appeler la mairie")
    await first.say("/rappel tous les jours à 8h Café")
    await first.stop()
    # Down from 09:00 to 13:00: the 10:00 reminder is 3 hours late, within the grace window.
    again = await Harness.start(make_config(data_dir), start=START + timedelta(hours=4))
    try:
        await again.advance(timedelta(seconds=1))
        await again.advance(timedelta(minutes=5))
        late = fired(again, "Appeler la mairie")
        assert [
            "⏰ Rappel : Appeler la mairie\n(en retard : prévu mardi 1 décembre 2026 à 10:00 ;"
            " le bot était indisponible)"
        ] == late
    finally:
        await again.stop()


async def test_catch_up_beyond_grace_tells_the_creator(data_dir: Path) -> None:
    first = await Harness.start(make_config(data_dir))
    await first.say("/rappel dans 1 heure Appeler la mairie")
    await first.stop()
    again = await Harness.start(make_config(data_dir), start=START + timedelta(hours=12))
    try:
        await again.advance(timedelta(seconds=1))
        assert [] == fired(again, "Appeler la mairie")
        told = [line.text for line in again.replies if "n'a pas été envoyé" in line.text]
        assert 1 == len(told)
        assert "« Appeler la mairie » (prévu mardi 1 décembre 2026 à 10:00)" in told[0]
    finally:
        await again.stop()


async def test_catch_up_repeating_sends_only_the_latest_missed(data_dir: Path) -> None:
    first = await Harness.start(make_config(data_dir))
    await first.say("/rappel toutes les heures Ping")
    await first.stop()
    again = await Harness.start(
        make_config(data_dir), start=START + timedelta(hours=5, minutes=30)
    )
    try:
        await again.advance(timedelta(seconds=1))
        late = fired(again, "Ping")
        assert 1 == len(late)
        assert "prévu mardi 1 décembre 2026 à 14:00" in late[0]
        await again.advance(timedelta(minutes=30))
        assert 2 == len(fired(again, "Ping"))
    finally:
        await again.stop()


async def test_reminders_due_together_in_a_room_go_out_as_one_message(bot: Harness) -> None:
    await bot.say("/rappel demain 18h Apporter les clés")
    await bot.say("/rappel demain 18h Réserver la salle")
    await bot.say(":as bob")
    await bot.say(":tap 1")  # Bob joins the second one
    await bot.say(":as alice")
    await bot.say("/rappel demain 18h30 Fermer la salle")

    await bot.advance(timedelta(days=1, hours=9))  # Wednesday 18:00
    await bot.advance(timedelta(hours=1))

    sent = [line.text for line in bot.replies if line.text.startswith("⏰")]
    assert [
        "⏰ 2 rappels :\n• Apporter les clés\n• Réserver la salle — @bob",
        "⏰ Rappel : Fermer la salle",
    ] == sent
    store = bot.app.store.reminders
    assert [["sent"], ["sent"], ["sent"]] == [
        [state for _occurrence, state, _late in store.sends(n)] for n in (1, 2, 3)
    ]


async def test_grouped_reminders_late_after_down_time_say_so_once(data_dir: Path) -> None:
    first = await Harness.start(make_config(data_dir))
    await first.say("/rappel dans 1 heure Appeler la mairie")
    await first.say("/rappel dans 1 heure Poster le courrier")
    await first.stop()
    again = await Harness.start(make_config(data_dir), start=START + timedelta(hours=3))
    try:
        await again.advance(timedelta(seconds=1))
        await again.advance(timedelta(minutes=5))
        sent = [line.text for line in again.replies if line.text.startswith("⏰")]
        assert [
            "⏰ 2 rappels :\n• Appeler la mairie\n• Poster le courrier\n(en retard : prévus "
            "mardi 1 décembre 2026 à 10:00 ; le bot était indisponible)"
        ] == sent
    finally:
        await again.stop()


async def test_personal_reminders_due_together_stay_separate(bot: Harness) -> None:
    await bot.say("/rappel moi demain 18h Acheter du pain")
    await bot.say("/rappel demain 18h Apporter les clés")

    await bot.advance(timedelta(days=1, hours=9, minutes=1))

    sent = sorted((line.room, line.text) for line in bot.replies if line.text.startswith("⏰"))
    assert [
        ("asso", "⏰ Rappel : Apporter les clés"),
        ("dm-alice", "⏰ Rappel : Acheter du pain"),
    ] == sent
