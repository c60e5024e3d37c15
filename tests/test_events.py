"""Events, the agenda and its .ics, quiet hours, reminders sent everywhere: what members see."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from icalendar import Calendar

from bot.cli import main as cli_main
from bot.config import RemindersConfig
from tests.harness import START, Harness, make_config

AG = "/evenement AG annuelle le 12 décembre à 14h rappels J-7 J-1 H-2"


def warnings_sent(bot: Harness, title: str) -> list[str]:
    return [line.text for line in bot.replies if line.text.startswith(f"📅 {title}")]


def fired(bot: Harness, text: str) -> list[str]:
    return [line.text for line in bot.replies if line.text.startswith("⏰") and text in line.text]


async def test_event_echoes_date_and_warnings_in_french(bot: Harness) -> None:
    replies = await bot.say(AG)
    assert replies[0].splitlines() == [
        "Événement n°1 : AG annuelle, samedi 12 décembre 2026 à 14:00 (Europe/Paris).",
        "Rappels : J-7 (samedi 5 décembre 2026 à 14:00), J-1 (vendredi 11 décembre 2026 à "
        "14:00), H-2 (samedi 12 décembre 2026 à 12:00).",
    ]


async def test_event_in_english_with_short_warnings(bot: Harness) -> None:
    await bot.say(":lang en")
    replies = await bot.say("/event Annual meeting on December 12 at 2pm reminders 7d 1d 2h")
    assert replies[0].startswith(
        "Event #1: Annual meeting, Saturday 12 December 2026 at 14:00 (Europe/Paris).\n"
        "Warnings: 7d (Saturday 5 December 2026 at 14:00)"
    )


async def test_event_sends_each_warning_once_at_its_time(bot: Harness) -> None:
    await bot.say(AG)
    await bot.advance(timedelta(days=4, hours=4, minutes=59))  # Saturday 5th, 13:59
    assert [] == warnings_sent(bot, "AG annuelle")
    await bot.advance(timedelta(minutes=1))
    assert ["📅 AG annuelle : samedi 12 décembre 2026 à 14:00 (dans 1 semaine)."] == (
        warnings_sent(bot, "AG annuelle")
    )
    await bot.advance(timedelta(days=10))
    assert [
        "📅 AG annuelle : samedi 12 décembre 2026 à 14:00 (dans 1 semaine).",
        "📅 AG annuelle : samedi 12 décembre 2026 à 14:00 (dans 1 jour).",
        "📅 AG annuelle : samedi 12 décembre 2026 à 14:00 (dans 2 heures).",
    ] == warnings_sent(bot, "AG annuelle")


async def test_agenda_lists_coming_events(bot: Harness) -> None:
    await bot.say(AG)
    await bot.say("/evenement Pot de fin d'année le 18 décembre à 19h")
    replies = await bot.say("/agenda")
    assert replies[0].splitlines() == [
        "2 événements à venir :",
        "#1 — samedi 12 décembre 2026 à 14:00 — AG annuelle (rappels : J-7, J-1, H-2)",
        "#2 — vendredi 18 décembre 2026 à 19:00 — Pot de fin d'année (rappels : J-1)",
    ]


async def test_event_cancel_stops_its_warnings(bot: Harness) -> None:
    await bot.say(AG)
    replies = await bot.say("/evenement annuler 1")
    assert ["Événement n°1 annulé : AG annuelle. Plus aucun rappel."] == replies
    await bot.advance(timedelta(days=12))
    assert [] == warnings_sent(bot, "AG annuelle")
    assert (await bot.say("/agenda"))[0].startswith("Aucun événement à venir.")


async def test_event_is_for_organizers_and_explains_bad_input(bot: Harness) -> None:
    assert ["Seuls les organisateurs peuvent utiliser /evenement."] == await bot.say(
        AG, member="bob"
    )
    replies = await bot.say("/evenement AG rappels J-7", member="alice")
    assert replies[0].startswith("Écrivez le nom de l'événement, puis sa date et son heure")
    replies = await bot.say("/evenement AG le 12 décembre rappels X-7")
    assert replies[0].startswith("« X-7 » n'est pas un rappel : écrivez J-7, J-1, H-2")
    replies = await bot.say("/evenement annuler ²")
    assert replies[0].startswith("² n’est pas un nombre : écrivez-le en chiffres")
    replies = await bot.say("/evenement annuler")
    assert replies[0].startswith("Donnez le numéro de l'événement")


async def test_agenda_ics_is_a_calendar_file_with_alarms(bot: Harness) -> None:
    await bot.say(AG)
    replies = await bot.say("/agenda ics")
    assert replies[0].startswith(
        "assobot.ics : un fichier d'agenda avec 1 événement et ses rappels ; ouvrez-le ou "
        "importez-le dans votre agenda."
    )
    calendar = Calendar.from_ical(bot.console.files[-1].read_bytes())
    events = calendar.walk("VEVENT")
    assert ["AG annuelle"] == [str(e["SUMMARY"]) for e in events]
    assert "2026-12-12 14:00:00+01:00" == str(events[0].decoded("DTSTART"))
    triggers = [alarm.decoded("TRIGGER") for alarm in events[0].walk("VALARM")]
    assert [-timedelta(days=7), -timedelta(days=1), -timedelta(hours=2)] == triggers


async def test_event_warning_missed_while_down_is_sent_once_late(data_dir: Path) -> None:
    first = await Harness.start(make_config(data_dir))
    await first.say("/evenement Réunion demain 12h rappels H-2")
    await first.stop()
    # Down from 09:00 on the 1st to 11:00 on the 2nd: the 10:00 warning is an hour late.
    again = await Harness.start(make_config(data_dir), start=START + timedelta(days=1, hours=2))
    try:
        await again.advance(timedelta(minutes=30))
        sent = warnings_sent(again, "Réunion")
        assert 1 == len(sent)
        assert "(en retard : prévu mercredi 2 décembre 2026 à 10:00" in sent[0]
    finally:
        await again.stop()


async def test_export_ics_reads_while_the_bot_runs(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    await bot.say(AG)
    await bot.say("/rappel tous les lundis à 9h Réunion")
    output = tmp_path / "all.ics"
    status = cli_main(["export", "--ics", "--data-dir", str(data_dir), "--output", str(output)])
    assert 0 == status
    events = Calendar.from_ical(output.read_bytes()).walk("VEVENT")
    assert ["AG annuelle", "Réunion"] == [str(e["SUMMARY"]) for e in events]
    assert {"FREQ": ["WEEKLY"], "BYDAY": ["MO"]} == dict(events[1]["RRULE"])
    assert "2026-12-07 09:00:00+01:00" == str(events[1].decoded("DTSTART"))
    assert 3 == len(events[0].walk("VALARM"))


def test_export_ics_without_a_database_says_so(tmp_path: Path) -> None:
    assert 2 == cli_main(["export", "--ics", "--data-dir", str(tmp_path / "none")])


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
    config = make_config(data_dir)
    config = replace(config, reminders=RemindersConfig(quiet_hours="22:00-08:00"))
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


async def _link(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    replies = await bot.say("/lier", room="asso", member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match, replies
    await bot.say(f"/lier {match.group(1)}", room="bureau")


async def test_everywhere_reaches_every_linked_room_in_its_language(bot: Harness) -> None:
    await _link(bot)
    await bot.say("/langue en", room="bureau")
    await bot.say("/fuseau America/Montreal", room="bureau")
    replies = await bot.say("/rappel partout demain 18h Vote en ligne", room="asso")
    assert "Il sera envoyé dans les 2 salons de l'association" in replies[0]
    await bot.advance(timedelta(days=1, hours=9))
    sent = [(line.room, line.text) for line in bot.replies if line.text.startswith("⏰")]
    assert [("asso", "⏰ Rappel : Vote en ligne"), ("bureau", "⏰ Reminder: Vote en ligne")] == (
        sent
    )


async def test_everywhere_is_refused_to_members(bot: Harness) -> None:
    replies = await bot.say("/rappel partout demain 18h Vote", member="bob")
    assert [
        "Seul un rappel de salon d'un organisateur peut aller dans tous les salons reliés."
    ] == replies


async def test_me_too_button_can_be_pressed_with_a_thumbs_up(bot: Harness) -> None:
    await bot.say("/rappel dans 1 heure Réunion")
    buttons = [b for row in bot.replies[-1].buttons for b in row]
    assert [("Moi aussi", "👍")] == [(b.label, b.reaction) for b in buttons]
