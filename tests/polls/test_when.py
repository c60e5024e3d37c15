"""Date polls (/quand, /when): yes/maybe/no per slot, the best slot, its calendar file (at close
and /quand ics), slots whose weekday contradicts their date."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.message import Attachment
from bot.timeparse import Slot, read_slot
from handlers.polls.settings import PollsSettings
from tests.harness import START, Harness, make_config
from tests.polls.helpers import (
    capture_sends,
    poll_line,
    tap,
)

PARIS = ZoneInfo("Europe/Paris")


def event_of(attachment: Attachment | None) -> dict[str, object]:
    """The one event of a calendar file, as plain values."""
    assert attachment is not None
    assert "text/calendar" == attachment.mime
    calendar = Calendar.from_ical(attachment.content)
    [event] = calendar.walk("VEVENT")
    return {
        "summary": str(event["SUMMARY"]),
        "start": event.decoded("DTSTART"),
        "end": event.decoded("DTEND"),
        "description": str(event["DESCRIPTION"]),
    }


async def test_quand_finds_the_best_slot(bot: Harness) -> None:
    replies = await bot.say(
        "/quand Réunion de rentrée ? | lun 6/9 18h | mar 7/9 18h | jeu 9/9 19h"
    )
    await bot.say("/vote 1,2?", member="bob")
    await tap(bot, 5, "carol")  # slot 2, maybe
    await tap(bot, 4, "carol")  # slot 2, yes (replaces maybe)
    await tap(bot, 1, "dan")  # slot 1, yes
    await tap(bot, 3, "dan")  # slot 1, no
    await tap(bot, 8, "dan")  # slot 3, maybe
    closed = await bot.say("/cloturer", member="alice")

    assert replies[0].startswith("📅 Date n°1 : Réunion de rentrée ?\n1. lun 6/9 18h\n")
    assert "2. mar 7/9 18h\n   ✅ 1 · 🤷 1 — ✅ Carol — 🤷 Bob" in closed[0]
    assert "Meilleur créneau : mar 7/9 18h (1 oui, 1 peut-être)." in closed[0]


async def test_when_in_english_shows_yes_maybe_no_buttons(bot: Harness) -> None:
    await bot.say("/language en")

    await bot.say("/when Meeting? | Mon 6pm | Tue 6pm")

    line = poll_line(bot)
    assert [["1 ✅", "1 🤷", "1 ❌"], ["2 ✅", "2 🤷", "2 ❌"]] == [
        [b.label for b in row] for row in line.buttons
    ]
    assert "Vote with the buttons, or type /vote 1 1,3,4? (yes to 1 and 3, maybe to 4)." in (
        line.text
    )


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("lun 7/12 18h", "fr", Slot(datetime(2026, 12, 7, 17, 0, tzinfo=UTC), timed=True)),
        ("mar. 8/12 18h30", "fr", Slot(datetime(2026, 12, 8, 17, 30, tzinfo=UTC), timed=True)),
        (
            "jeudi 10 décembre 19h",
            "fr",
            Slot(datetime(2026, 12, 10, 18, 0, tzinfo=UTC), timed=True),
        ),
        ("sam 12/12", "fr", Slot(datetime(2026, 12, 12, 8, 0, tzinfo=UTC), timed=False)),
        ("Mon 7/12 6pm", "en", Slot(datetime(2026, 12, 7, 17, 0, tzinfo=UTC), timed=True)),
        (
            "thursday 10 december 7pm",
            "en",
            Slot(datetime(2026, 12, 10, 18, 0, tzinfo=UTC), timed=True),
        ),
        ("lun 8/12 18h", "fr", None),  # 8 December 2026 is a Tuesday: no wrong file
        ("chez Paul", "fr", None),
        ("soirée pizza", "fr", None),
        ("", "en", None),
    ],
)
def test_read_slot(text: str, language: str, expected: Slot | None) -> None:
    assert expected == read_slot(text, START, language, "Europe/Paris")


async def test_closed_date_poll_carries_the_calendar_file_of_the_best_slot(
    bot: Harness,
) -> None:
    await bot.say(
        "/quand Réunion de rentrée ? | lun 7/12 18h | mar 8/12 18h | jeudi 10 décembre 19h"
    )
    await bot.say("/vote 1,2", member="bob")
    await bot.say("/vote 2", member="carol")
    sent = capture_sends(bot)

    closed = await bot.say("/cloturer", member="alice")

    assert "Meilleur créneau : mar 8/12 18h (2 oui, 0 peut-être)." in closed[0]
    assert "📎 Fichier agenda du créneau retenu : mardi 8 décembre 2026 à 18:00." in closed[0]
    assert sent[-1].attachment is not None
    assert "reunion-de-rentree-2026-12-08-1800.ics" == sent[-1].attachment.filename
    assert {
        "summary": "Réunion de rentrée ?",
        "start": datetime(2026, 12, 8, 18, 0, tzinfo=PARIS),
        "end": datetime(2026, 12, 8, 20, 0, tzinfo=PARIS),
        "description": "mar 8/12 18h",
    } == event_of(sent[-1].attachment)
    [path] = bot.console.files
    assert sent[-1].attachment.content == path.read_bytes()


async def test_unreadable_best_slot_is_said_and_no_file_is_attached(bot: Harness) -> None:
    await bot.say("/quand Où se retrouver ? | Chez Paul | Au parc")
    await bot.say("/vote 2", member="bob")
    sent = capture_sends(bot)

    closed = await bot.say("/cloturer", member="alice")

    assert "Meilleur créneau : Au parc (1 oui, 0 peut-être)." in closed[0]
    assert (
        "La date de « Au parc » n'a pas pu être lue : aucun fichier agenda n'est joint."
        in (closed[0])
    )
    assert sent[-1].attachment is None
    assert [] == bot.console.files


async def test_date_poll_without_votes_closes_without_a_file(bot: Harness) -> None:
    await bot.say("/quand Réunion ? | lun 7/12 18h | mar 8/12 18h")
    sent = capture_sends(bot)

    closed = await bot.say("/cloturer", member="alice")

    assert "Personne n'est encore disponible." in closed[0]
    assert "agenda" not in closed[0]
    assert sent[-1].attachment is None


async def test_tie_gives_no_file_but_says_how_to_get_one(bot: Harness) -> None:
    await bot.say("/quand Réunion ? | lun 7/12 18h | mar 8/12 18h")
    await bot.say("/vote 1", member="bob")
    await bot.say("/vote 2", member="carol")
    sent = capture_sends(bot)

    closed = await bot.say("/cloturer", member="alice")
    tie = await bot.say("/quand ics 1")
    chosen = await bot.say("/quand ics 1 2")

    assert (
        "Égalité entre créneaux : obtenez le fichier agenda de celui que vous retenez avec "
        "/quand ics 1 N." in closed[0]
    )
    assert tie[0].startswith(
        "Le sondage de date n°1 s'est terminé par une égalité entre les créneaux 1, 2 : "
        "choisissez-en un, par exemple /quand ics 1 1."
    )
    assert chosen[0].startswith(
        "📎 Fichier agenda de « mar 8/12 18h » (sondage de date n°1) : "
        "mardi 8 décembre 2026 à 18:00."
    )
    attachment = sent[-1].attachment
    assert datetime(2026, 12, 8, 18, 0, tzinfo=PARIS) == event_of(attachment)["start"]


async def test_when_ics_in_english_with_a_configured_length(data_dir: Path) -> None:
    config = make_config(data_dir, PollsSettings(slot_minutes=90))
    bot = await Harness.start(config)
    try:
        await bot.say("/language en")
        await bot.say("/when Kick-off? | Mon 7/12 6pm | Sat 12/12")
        await bot.say("/vote 1", member="bob")
        closed = await bot.say("/close", member="alice")
        sent = capture_sends(bot)
        again = await bot.say("/when ics")
    finally:
        await bot.stop()

    assert "📎 Calendar file of the chosen slot: Monday 7 December 2026 at 18:00." in closed[0]
    assert again[0].startswith("📎 Calendar file of “Mon 7/12 6pm” (date poll #1): Monday")
    event = event_of(sent[-1].attachment)
    assert datetime(2026, 12, 7, 18, 0, tzinfo=PARIS) == event["start"]
    assert datetime(2026, 12, 7, 19, 30, tzinfo=PARIS) == event["end"]


async def test_whole_day_slot_gives_a_whole_day_event(bot: Harness) -> None:
    await bot.say("/quand Pique-nique ? | sam 12/12 | dim 13/12")
    await bot.say("/vote 2", member="bob")
    sent = capture_sends(bot)

    closed = await bot.say("/cloturer", member="alice")

    assert "📎 Fichier agenda du créneau retenu : dimanche 13 décembre 2026." in closed[0]
    event = event_of(sent[-1].attachment)
    assert (event["start"], event["end"]) == (
        datetime(2026, 12, 13).date(),
        datetime(2026, 12, 14).date(),
    )


@pytest.mark.parametrize(
    ("setup", "command", "expected"),
    [
        ([], "/quand ics", "Aucun sondage de date n'a encore été clôturé."),
        ([], "/quand ics 9", "Il n'y a pas de sondage n°9 ici."),
        (
            ["/sondage Pizza ? | Reine | Calzone", "/cloturer"],
            "/quand ics 1",
            "Le sondage n°1 n'est pas un sondage de date : il n'a pas de créneau à mettre "
            "dans un agenda.",
        ),
        (
            ["/quand Réunion ? | lun 7/12 18h | mar 8/12 18h"],
            "/quand ics 1",
            "Le sondage de date n°1 est encore ouvert : son fichier agenda sera disponible une "
            "fois clôturé.",
        ),
        (
            ["/quand Réunion ? | lun 7/12 18h | mar 8/12 18h", "/cloturer"],
            "/quand ics 1",
            "Personne n'était disponible dans le sondage de date n°1 : aucun créneau à mettre "
            "dans un agenda.",
        ),
        (
            ["/quand Réunion ? | lun 7/12 18h | mar 8/12 18h", "/cloturer"],
            "/quand ics 1 5",
            "Le sondage n°1 a les options 1 à 2 : « 5 » n'en fait pas partie.",
        ),
        (
            ["/quand Réunion ? | Chez Paul | Au parc", "/vote 1", "/cloturer"],
            "/quand ics 1",
            "La date de « Chez Paul » n'a pas pu être lue : pas de fichier agenda.",
        ),
        ([], "/quand ics deux", "Donnez le numéro d'un sondage de date clôturé, par exemple "),
    ],
)
async def test_when_ics_refusals_are_explained(
    bot: Harness, setup: list[str], command: str, expected: str
) -> None:
    for line in setup:
        await bot.say(line, member="alice")

    replies = await bot.say(command)

    assert replies[0].startswith(expected)
    assert [] == bot.console.files


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        (
            "mardi 5 janvier 2027 | lundi 5 janvier 2027",
            "Le créneau « lundi 5 janvier 2027 » ne correspond pas à sa date : mardi 5 janvier "
            "2027. Corrigez le jour ou la date.",
        ),
        (
            "lun 7/12 18h | mer 8/12 18h",
            "Le créneau « mer 8/12 18h » ne correspond pas à sa date : mardi 8 décembre 2026. "
            "Corrigez le jour ou la date.",
        ),
    ],
)
async def test_when_slot_whose_weekday_contradicts_its_date_is_refused(
    bot: Harness, slots: str, expected: str
) -> None:
    replies = await bot.say(f"/quand Réunion ? | {slots}")

    assert replies[0].startswith(expected)
    assert bot.app.store.polls.get(1) is None


async def test_when_slot_weekday_contradiction_in_english(bot: Harness) -> None:
    await bot.say("/language en")

    replies = await bot.say("/when Meeting? | Tue 5 January 2027 | Mon 5 January 2027")

    assert replies[0].startswith(
        "The slot “Mon 5 January 2027” does not match its date: Tuesday 5 January 2027. "
        "Correct the day or the date.\n"
    )


@pytest.mark.parametrize(
    "slots", ["mardi 5 janvier 2027 | mercredi 6 janvier 2027", "Chez Paul | Au parc", "lun | mar"]
)
async def test_when_slots_that_agree_or_are_no_dates_are_accepted(
    bot: Harness, slots: str
) -> None:
    await bot.say(f"/quand Réunion ? | {slots}")

    assert bot.app.store.polls.get(1) is not None
