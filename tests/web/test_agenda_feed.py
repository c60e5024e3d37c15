"""The agenda subscription: a calendar parser reads the association's coming events with their
place, the group rooms' repeating reminders, the general assembly once convened; a calendar app
knows to refresh it; a revoked address opens nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest

from tests.harness import Harness
from tests.web.archive_kit import archive, get, start


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await start(tmp_path)
    yield harness
    await harness.stop()


def events_of(body: bytes) -> dict[str, icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


async def test_events_reminders_and_the_assembly_in_a_calendar(bot: Harness) -> None:
    await bot.say(
        "/evenement Fête du quartier le 9 janvier à 19h | Salle des fêtes, 3 rue des Lilas",
        member="alice",
    )
    await bot.say("/rappel tous les lundis à 9h Réunion du bureau", member="alice")
    await bot.say(
        "/ag convoquer 20 janvier 19h | Mairie | ordre du jour: Budget; Élection du bureau",
        member="alice",
    )
    given = await archive(bot)

    answer = await get(bot, given.agenda)
    calendar = icalendar.Calendar.from_ical(answer.body)
    events = events_of(answer.body)

    assert 200 == answer.status and "text/calendar" == answer.content_type
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H" in answer.body
    assert b"X-PUBLISHED-TTL:PT6H" in answer.body
    assert "Agenda de l'association asso" == str(calendar["X-WR-CALNAME"])
    party = events["Fête du quartier"]
    assert "Salle des fêtes, 3 rue des Lilas" == str(party["LOCATION"])
    assert (2027, 1, 9, 19) == party.decoded("DTSTART").timetuple()[:4]
    meeting = events["Réunion du bureau"]
    assert "WEEKLY" in meeting["RRULE"]["FREQ"] and ["MO"] == meeting["RRULE"]["BYDAY"]
    assembly = [event for name, event in events.items() if "ssemblée générale" in name]
    assert 1 == len(assembly), list(events)
    assert "Mairie" == str(assembly[0]["LOCATION"])
    assert (2027, 1, 20, 19) == assembly[0].decoded("DTSTART").timetuple()[:4]
    # Unique beyond this bot: another association's agenda in the same app never clashes.
    assert all(str(e["UID"]).endswith("@asso.example.org") for e in events.values()), [
        str(e["UID"]) for e in events.values()
    ]
    description = str(assembly[0]["DESCRIPTION"])
    assert "Ordre du jour de l'assemblée générale :" in description
    assert "1. Budget" in description and "2. Élection du bureau" in description


async def test_the_feed_follows_the_chat(bot: Harness) -> None:
    given = await archive(bot)
    assert {} == events_of((await get(bot, given.agenda)).body)
    await bot.say("/evenement Galette le 9 janvier à 16h", member="alice")
    assert ["Galette"] == list(events_of((await get(bot, given.agenda)).body))
    await bot.say("/evenement annuler 1", member="alice")
    assert {} == events_of((await get(bot, given.agenda)).body)


async def test_events_of_linked_rooms_and_past_events(bot: Harness) -> None:
    await bot.say("bonjour", member="alice", room="asso")
    await bot.say("bonjour", member="alice", room="bureau")
    assert bot.app.store.rooms.link("console:asso", "console:bureau")
    bot.organizer("alice", "bureau")
    await bot.say("/evenement CA le 9 janvier à 18h", member="alice", room="bureau")
    await bot.say("/evenement Réunion demain à 10h", member="alice", room="asso")
    await bot.advance(timedelta(days=2))
    given = await archive(bot)

    assert ["CA"] == list(events_of((await get(bot, given.agenda)).body))


async def test_revoked_and_replaced_agenda_addresses_open_nothing(bot: Harness) -> None:
    first = await archive(bot)
    second = await archive(bot, "nouvelle")
    assert 404 == (await get(bot, first.agenda)).status
    assert 200 == (await get(bot, second.agenda)).status
    await bot.say("/archive revoquer", member="alice", room="asso")
    answer = await get(bot, second.agenda)
    assert 404 == answer.status
    assert b"BEGIN:VCALENDAR" not in answer.body
