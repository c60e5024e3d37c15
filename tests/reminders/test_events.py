"""Events, their warnings, the agenda and its .ics: what members see."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.cli import main as cli_main
from tests.harness import START, Harness, make_config

AG = "/evenement AG annuelle le 12 décembre à 14h rappels J-7 J-1 H-2"


def warnings_sent(bot: Harness, title: str) -> list[str]:
    return [line.text for line in bot.replies if line.text.startswith(f"📅 {title}")]


async def test_event_echoes_date_and_warnings_in_french(bot: Harness) -> None:
    replies = await bot.say(AG)
    assert replies[0].splitlines() == [
        "Événement n°1 : AG annuelle, samedi 12 décembre 2026 à 14:00.",
        "Rappels : J-7 (samedi 5 décembre 2026 à 14:00), J-1 (vendredi 11 décembre 2026 à "
        "14:00), H-2 (samedi 12 décembre 2026 à 12:00).",
    ]


async def test_event_in_english_with_short_warnings(bot: Harness) -> None:
    await bot.say(":lang en")
    replies = await bot.say("/event Annual meeting on December 12 at 2pm reminders 7d 1d 2h")
    assert replies[0].startswith(
        "Event #1: Annual meeting, Saturday 12 December 2026 at 14:00.\n"
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


@pytest.mark.parametrize("room", ["dm-bob", "autre"])
async def test_event_of_a_room_is_not_cancelled_from_a_private_chat_or_another_room(
    bot: Harness, room: str
) -> None:
    bot.organizer("alice", "asso")
    bot.organizer("bob", "autre")
    await bot.say("/evenement AG le 12 décembre à 14h", member="alice", room="asso")
    assert ["Pas d'événement n°1 dans ce salon."] == (
        await bot.say("/evenement annuler 1", member="bob", room=room)
    )
    assert "AG" in (await bot.say("/agenda", member="alice", room="asso"))[0]


async def test_event_cancel_usage_names_the_command_in_the_room_language(bot: Harness) -> None:
    bot.organizer("alice")
    replies = await bot.say("/evenement annuler")
    assert "tel qu'affiché par /agenda" in replies[0] or "/agenda" in replies[0]
    assert "/calendar" not in replies[0]


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
