"""Calendars and events: /quand ics per slot, an event's place (LOCATION) and alarms, the same
event twice, events of linked rooms, /agenda ics with the room's repeating reminders."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from handlers.polls.settings import PollsSettings
from tests.harness import Harness, make_config

PARIS = ZoneInfo("Europe/Paris")


def last_calendar(bot: Harness) -> tuple[str, Any]:
    """The file name and the parsed calendar of the last file the bot sent."""
    attachment = next(s.out.attachment for s in reversed(bot.sent) if s.out.attachment)
    assert attachment is not None
    assert "text/calendar" == attachment.mime
    return attachment.filename, Calendar.from_ical(attachment.content)


def events_of(calendar: Any) -> list[Any]:
    return list(calendar.walk("VEVENT"))


async def _link(bot: Harness) -> None:
    """Room ``bureau`` joins ``asso``'s association (alice organizes both)."""
    bot.organizer("alice", "asso")
    bot.organizer("alice", "bureau")
    replies = await bot.say("/lier", room="asso", member="alice")
    code = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert code is not None, replies
    await bot.say(f"/lier {code.group(1)}", room="bureau", member="alice")
    asso = bot.app.store.rooms.get("console:asso")
    bureau = bot.app.store.rooms.get("console:bureau")
    assert asso is not None and bureau is not None
    assert asso.association_id == bureau.association_id


# /quand ics: each slot its own UID and file, DTEND from slot_minutes ---------------------------


async def test_quand_ics_each_slot_has_its_own_uid_file_name_and_end(data_dir: Path) -> None:
    bot = await Harness.start(make_config(data_dir, PollsSettings(slot_minutes=90)))
    try:
        await bot.say("/quand Réunion de rentrée ? | lun 7/12 18h | mar 8/12 18h | jeu 10/12")
        await bot.say("/vote 1,2", member="bob")
        await bot.say("/cloturer", member="alice")
        found = {}
        for position in (1, 2, 3):
            await bot.say(f"/quand ics 1 {position}", member="alice")
            name, calendar = last_calendar(bot)
            [event] = events_of(calendar)
            found[position] = (name, str(event["UID"]), event.decoded("DTSTART"), event)
        assert [
            "reunion-de-rentree-2026-12-07-1800.ics",
            "reunion-de-rentree-2026-12-08-1800.ics",
            "reunion-de-rentree-2026-12-10.ics",
        ] == [found[p][0] for p in (1, 2, 3)]
        assert 3 == len({found[p][1] for p in (1, 2, 3)})
        first = found[1][3]
        assert datetime(2026, 12, 7, 18, 0, tzinfo=PARIS) == first.decoded("DTSTART")
        assert datetime(2026, 12, 7, 19, 30, tzinfo=PARIS) == first.decoded("DTEND")
        whole_day = found[3][3]
        assert timedelta(days=1) == whole_day.decoded("DTEND") - whole_day.decoded("DTSTART")
    finally:
        await bot.stop()


# /evenement: the place --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "title", "place", "start"),
    [
        (
            "/evenement Galette le 12 janvier à 19h salle des fêtes",
            "Galette",
            "salle des fêtes",
            datetime(2027, 1, 12, 19, 0, tzinfo=PARIS),
        ),
        (
            "/evenement Galette le 12 janvier à 19h à la salle des fêtes rappels J-1",
            "Galette",
            "la salle des fêtes",
            datetime(2027, 1, 12, 19, 0, tzinfo=PARIS),
        ),
        (
            "/evenement AG annuelle le 12 janvier à 19h | Salle des fêtes, 3 rue des Lilas",
            "AG annuelle",
            "Salle des fêtes, 3 rue des Lilas",
            datetime(2027, 1, 12, 19, 0, tzinfo=PARIS),
        ),
        (
            "/evenement AG annuelle le 12 janvier à 19h | Salle B rappels J-7 J-1",
            "AG annuelle",
            "Salle B",
            datetime(2027, 1, 12, 19, 0, tzinfo=PARIS),
        ),
        (
            "/evenement Pot samedi à 18h30 chez Paul",
            "Pot",
            "chez Paul",
            datetime(2026, 12, 5, 18, 30, tzinfo=PARIS),
        ),
        (
            "/evenement AG le 12 janvier à 19h",
            "AG",
            "",
            datetime(2027, 1, 12, 19, 0, tzinfo=PARIS),
        ),
    ],
)
async def test_event_place_after_the_time_or_a_bar(
    bot: Harness, command: str, title: str, place: str, start: datetime
) -> None:
    replies = await bot.say(command)
    [record] = bot.app.store.events.active()
    assert (title, place, start) == (record.title, record.place, record.starts_at)
    assert (f"Lieu : {place}" in replies[0]) == bool(place)


async def test_event_place_with_warnings_after_the_bar_keeps_them(bot: Harness) -> None:
    await bot.say("/evenement AG le 12 janvier à 19h | Salle B rappels J-7 J-1")
    [record] = bot.app.store.events.active()
    assert (10080, 1440) == record.warnings


async def test_event_place_in_english(bot: Harness) -> None:
    await bot.say(":lang en")
    replies = await bot.say("/event Party on January 12 at 7pm | Town hall, 3 Main Street")
    assert "Place: Town hall, 3 Main Street" in replies[0]


async def test_event_unreadable_date_is_still_refused_with_a_place(bot: Harness) -> None:
    replies = await bot.say("/evenement AG le 31 février à 19h salle des fêtes")
    assert [] == bot.app.store.events.active()
    assert "31 février" in replies[0] or "date" in replies[0]


async def test_event_warning_says_the_place(bot: Harness) -> None:
    await bot.say("/evenement Réunion demain à 12h salle 3 rappels H-2")
    await bot.advance(timedelta(days=1, hours=1))
    sent = [line.text for line in bot.replies if line.text.startswith("📅 Réunion")]
    assert ["📅 Réunion : mercredi 2 décembre 2026 à 12:00 (dans 2 heures).\n📍 salle 3"] == sent


async def test_event_same_name_same_day_warns_but_is_created(bot: Harness) -> None:
    await bot.say("/evenement AG annuelle le 12 janvier à 19h")
    replies = await bot.say("/evenement ag  ANNUELLE le 12 janvier à 14h | Mairie")
    assert 2 == len(bot.app.store.events.active())
    assert (
        "⚠️ L'événement n°1 porte le même nom le même jour (mardi 12 janvier 2027 à 19:00) : "
        "s'il s'agit d'un doublon, annulez-en un avec /evenement annuler 1."
    ) == replies[0].splitlines()[-1]
    other_day = await bot.say("/evenement AG annuelle le 13 janvier à 19h")
    assert "⚠️" not in other_day[0]
    other_name = await bot.say("/evenement Galette le 12 janvier à 19h")
    assert "⚠️" not in other_name[0]


async def test_event_same_name_in_a_linked_room_warns(bot: Harness) -> None:
    await _link(bot)
    await bot.say("/evenement AG le 12 janvier à 19h", room="asso", member="alice")
    replies = await bot.say("/evenement AG le 12 janvier à 19h", room="bureau", member="alice")
    assert "⚠️ L'événement n°1" in replies[0]


# Hostile places -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Salle; des fêtes, 3 rue\\n X", "Salle; des fêtes, 3 rue\\n X"),
        ("Salle\x1b[31m des\x00 fêtes\u202e", "Salle[31m des fêtes"),
        ("<b>Mairie</b> | annexe", "<b>Mairie</b> | annexe"),
        ("BEGIN:VEVENT", "BEGIN:VEVENT"),
    ],
)
async def test_event_hostile_place_is_cleaned_and_escaped_in_the_calendar(
    bot: Harness, typed: str, stored: str
) -> None:
    await bot.say(f"/evenement AG le 12 janvier à 19h | {typed}")
    [record] = bot.app.store.events.active()
    assert stored == record.place
    await bot.say("/agenda ics")
    _, calendar = last_calendar(bot)
    [event] = events_of(calendar)
    assert stored == str(event["LOCATION"])
    assert 1 == len(events_of(calendar))


async def test_event_place_with_line_breaks_stays_one_line(bot: Harness) -> None:
    incoming = bot.incoming("/evenement AG le 12 janvier à 19h | Salle\r\nBEGIN:VALARM\r\n;x,y")
    await bot.app.receive(incoming)
    [record] = bot.app.store.events.active()
    assert "Salle BEGIN:VALARM ;x,y" == record.place
    await bot.say("/agenda ics")
    _, calendar = last_calendar(bot)
    [event] = events_of(calendar)
    assert "Salle BEGIN:VALARM ;x,y" == str(event["LOCATION"])
    assert [] == [a for a in event.walk("VALARM") if "BEGIN" in str(a.get("DESCRIPTION"))]


async def test_event_place_of_10_kb_is_refused(bot: Harness) -> None:
    replies = await bot.say("/evenement AG le 12 janvier à 19h | " + "x" * 10_000)
    assert replies[0].startswith("Le lieu d'un événement est limité à 300 caractères.")
    assert [] == bot.app.store.events.active()


async def test_event_trailing_place_in_a_10_kb_text_answers(bot: Harness) -> None:
    replies = await bot.say("/evenement AG le 12 janvier à 19h " + "salle " * 1700)
    assert 1 == len(replies)
    assert [] == bot.app.store.events.active()


async def test_event_is_for_organizers_with_a_place_too(bot: Harness) -> None:
    bot.organizer("bob", on=False)
    replies = await bot.say("/evenement AG le 12 janvier à 19h | Mairie", member="bob")
    assert ["Seuls les organisateurs peuvent utiliser /evenement."] == replies
    assert [] == bot.app.store.events.active()


# /agenda: linked rooms; /agenda ics ---------------------------------------------------------


async def test_agenda_lists_events_of_every_linked_room(bot: Harness) -> None:
    await _link(bot)
    await bot.say("/evenement AG le 12 janvier à 19h | Mairie", room="asso", member="alice")
    await bot.say("/evenement Bureau le 5 janvier à 18h", room="bureau", member="alice")
    titles = {room.key: room.title for room in bot.app.store.rooms.linked_to("console:asso")}
    in_bureau = await bot.say("/agenda", room="bureau", member="bob")
    assert [
        "2 événements à venir :",
        "#2 — mardi 5 janvier 2027 à 18:00 — Bureau (rappels : J-1)",
        f"#1 — mardi 12 janvier 2027 à 19:00 — AG — Mairie (dans {titles['console:asso']}) "
        "(rappels : J-1)",
    ] == in_bureau[0].splitlines()
    in_asso = await bot.say("/agenda", room="asso", member="bob")
    assert 3 == len(in_asso[0].splitlines())


async def test_agenda_of_an_unlinked_room_does_not_show_others(bot: Harness) -> None:
    bot.organizer("alice", "autre")
    await bot.say("/evenement AG le 12 janvier à 19h", room="autre", member="alice")
    replies = await bot.say("/agenda", room="asso", member="alice")
    assert replies[0].startswith("Aucun événement à venir.")


async def test_agenda_ics_has_location_end_and_alarms(bot: Harness) -> None:
    await bot.say("/evenement AG le 12 janvier à 19h | Salle des fêtes rappels J-7 H-2")
    await bot.say("/agenda ics")
    name, calendar = last_calendar(bot)
    assert "assobot.ics" == name
    [event] = events_of(calendar)
    assert "Salle des fêtes" == str(event["LOCATION"])
    assert datetime(2027, 1, 12, 19, 0, tzinfo=PARIS) == event.decoded("DTSTART")
    alarms = event.walk("VALARM")
    assert [-timedelta(days=7), -timedelta(hours=2)] == [a.decoded("TRIGGER") for a in alarms]
    assert {"DISPLAY"} == {str(a["ACTION"]) for a in alarms}


async def test_agenda_ics_has_the_room_repeating_reminders_never_personal_ones(
    bot: Harness,
) -> None:
    await bot.say("/rappel tous les lundis à 9h Réunion d'équipe")
    await bot.say("/rappel demain 10h Appeler la mairie")  # one-off: not a repeating reminder
    await bot.say("/rappel moi tous les jours à 8h payer la facture OVH")
    await bot.say("/rappel tous les mardis à 9h Ailleurs", room="autre")
    replies = await bot.say("/agenda ics", room="asso")
    assert (
        "Il contient aussi 1 rappel récurrent de ce salon (les rappels personnels n'y "
        "figurent pas)."
    ) == replies[0].splitlines()[1]
    _, calendar = last_calendar(bot)
    [event] = events_of(calendar)
    assert "Réunion d'équipe" == str(event["SUMMARY"])
    assert {"FREQ": ["WEEKLY"], "BYDAY": ["MO"]} == dict(event["RRULE"])
    assert datetime(2026, 12, 7, 9, 0, tzinfo=PARIS) == event.decoded("DTSTART")
    assert "OVH" not in calendar.to_ical().decode()


async def test_agenda_ics_skipped_dates_are_exdates(bot: Harness) -> None:
    await bot.say("/rappel tous les lundis à 9h Réunion d'équipe")
    [reminder] = bot.app.store.reminders.active()
    await bot.say(f"/sauter {reminder.id}")
    await bot.say(f"/sauter {reminder.id}")
    await bot.say("/agenda ics")
    _, calendar = last_calendar(bot)
    [event] = events_of(calendar)
    skipped = [d.dt for exdate in _as_list(event["EXDATE"]) for d in exdate.dts]
    assert [
        datetime(2026, 12, 7, 9, 0, tzinfo=PARIS),
        datetime(2026, 12, 14, 9, 0, tzinfo=PARIS),
    ] == skipped
    assert datetime(2026, 12, 7, 9, 0, tzinfo=PARIS) == event.decoded("DTSTART")


async def test_skipped_occurrence_is_never_sent(bot: Harness) -> None:
    await bot.say("/rappel tous les lundis à 9h Réunion d'équipe")
    [reminder] = bot.app.store.reminders.active()
    await bot.say(f"/sauter {reminder.id}")
    await bot.advance(timedelta(days=14))  # Tuesday 15th: past Mondays 7th and 14th
    sent = [line.text for line in bot.replies if "Réunion d'équipe" in line.text]
    assert 1 == sum("⏰" in text for text in sent)  # the 14th only, not the 7th
    states = [state for _, state, _ in bot.app.store.reminders.sends(reminder.id)]
    assert ["skipped", "sent"] == [str(s) for s in states]


async def test_agenda_ics_includes_everywhere_reminders_of_linked_rooms(bot: Harness) -> None:
    await _link(bot)
    await bot.say("/rappel partout tous les lundis à 9h Permanence", room="bureau", member="alice")
    await bot.say("/rappel tous les mardis à 9h Bureau seul", room="bureau", member="alice")
    await bot.say("/agenda ics", room="asso", member="bob")
    _, calendar = last_calendar(bot)
    assert ["Permanence"] == [str(e["SUMMARY"]) for e in events_of(calendar)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# The zone in confirmations ------------------------------------------------------------------


async def test_event_and_reminder_say_the_zone_only_when_not_the_default(bot: Harness) -> None:
    event = await bot.say("/evenement AG le 12 janvier à 19h")
    reminder = await bot.say("/rappel demain 18h Appeler la mairie")
    assert "Événement n°1 : AG, mardi 12 janvier 2027 à 19:00." == event[0].splitlines()[0]
    assert reminder[0].startswith("C'est noté : mercredi 2 décembre 2026 à 18:00. Rappel n°")
    await bot.say("/fuseau America/Montreal")
    event = await bot.say("/evenement Galette le 12 janvier à 19h")
    reminder = await bot.say("/rappel demain 18h Appeler la mairie")
    assert (
        "Événement n°2 : Galette, mardi 12 janvier 2027 à 19:00 (America/Montreal)."
        == event[0].splitlines()[0]
    )
    assert "(America/Montreal). Rappel n°" in reminder[0]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mot " * 2500, "Le nom d'un événement est limité à 200 caractères."),
        (
            "le 31 février à 19h salle des fêtes de la mairie du 3e arrondissement",
            "Je n'ai pas compris la date « le 31 février à 19h ».",
        ),
    ],
)
async def test_event_long_or_misread_text_gets_its_reason(
    bot: Harness, typed: str, expected: str
) -> None:
    replies = await bot.say("/evenement AG " + typed)
    assert replies[0].startswith(expected)
    assert [] == bot.app.store.events.active()


async def test_event_place_of_45_words_after_the_time(bot: Harness) -> None:
    await bot.say("/evenement AG le 12 janvier à 19h " + "salle " * 45)
    [record] = bot.app.store.events.active()
    assert ("AG", 45) == (record.title, len(record.place.split()))
