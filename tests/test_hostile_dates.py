"""Hostile rules and dates: no input blocks the bot, and no date is silently wrong."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.timeparse import TimeParseError, next_occurrence, parse_when
from tests.harness import Harness

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # the harness's start: Tuesday 09:00 in Paris


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """A hang detector (not a performance assertion): a handler spinning in a synchronous loop
    never gives the event loop back, so ``asyncio.wait_for`` alone could not stop it; an alarm
    signal interrupts it in the main thread."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"no answer within {seconds} s: the bot is blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


async def answered(bot: Harness, text: str) -> list[str]:
    with deadline(5):
        return await asyncio.wait_for(bot.say(text), 5)


HOSTILE_RULES = [
    "FREQ=HOURLY;INTERVAL=0",
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2",
    "FREQ=HOURLY;BYMONTHDAY=31;BYMONTH=2",
    "FREQ=DAILY;BYMONTHDAY=31;BYMONTH=2",
    "FREQ=YEARLY;BYWEEKNO=53",
    "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
    "FREQ=HOURLY;BYYEARDAY=366;BYMONTH=1",
    "FREQ=DAILY;COUNT=99999999999999999999",
    "FREQ=DAILY;INTERVAL=99999999999999999999",
    "FREQ=DAILY;UNTIL=99991231T000000Z",
    "FREQ=DAILY;UNTIL=99999999999999999999",
    "FREQ=MONTHLY;BYSETPOS=99999999999999999999",
    "FREQ=HOURLY;BYSETPOS=366",
    "FREQ=MONTHLY;BYDAY=99MO",
    "FREQ=YEARLY;BYDAY=53MO;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=HOURLY;INTERVAL=24;BYHOUR=3",
    "FREQ=WEEKLY;WKST=XX",
    "FREQ=DAILY;BYHOUR=" + ",".join(["1"] * 5000),
]


@pytest.mark.parametrize("rule", HOSTILE_RULES)
async def test_remind_hostile_rule_never_blocks_the_next_command(bot: Harness, rule: str) -> None:
    replies = await answered(bot, f"/rappel rrule {rule} zero")
    assert 1 == len(replies)
    assert "Rappel n°" in replies[0] or "Utilisation : /rappel" in replies[0]
    assert 1 == len(await answered(bot, "/rappels"))


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=HOURLY;INTERVAL=0", "INTERVAL doit être un nombre entier de 1 à 365"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL doit être un nombre entier de 1 à 365"),
        ("FREQ=DAILY;COUNT=99999999999999999999", "COUNT doit être un nombre entier de 1 à 1000"),
        ("FREQ=DAILY;UNTIL=99991231T000000Z", "La date de fin de cette règle est dans plus de"),
        (
            "FREQ=DAILY;BYMONTHDAY=31;BYMONTH=2",
            "Cette règle ne tombe sur aucune date dans les années",
        ),
        ("FREQ=MONTHLY;BYSETPOS=99999999999999999999", "BYSETPOS doit être un nombre entier"),
    ],
)
async def test_remind_hostile_rule_is_refused_with_a_reason(
    bot: Harness, rule: str, reason: str
) -> None:
    replies = await answered(bot, f"/rappel rrule {rule} zero")
    assert reason in replies[0]
    assert ["Aucun rappel ici."] == [(await bot.say("/rappels"))[0].split(" Créez")[0]]


@pytest.mark.parametrize(
    "rule",
    [
        "rrule FREQ=HOURLY;BYMINUTE=" + ",".join(str(m) for m in range(60)),
        "rrule FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30",
        "rrule FREQ=WEEKLY;BYDAY=MO;BYHOUR=9,10;BYMINUTE=0,59",
        "cron */15 * * * *",
        "cron 0,30 9 * * *",
    ],
)
async def test_remind_rule_repeating_more_than_hourly_is_refused(bot: Harness, rule: str) -> None:
    replies = await answered(bot, f"/rappel {rule} Flood")
    assert replies[0].startswith("Un rappel ne peut pas se répéter plus d'une fois par heure")


async def test_remind_long_rule_never_leaks_into_the_text(bot: Harness) -> None:
    hours = ",".join(str(h) for h in range(24))
    replies = await answered(bot, f"/rappel rrule FREQ=DAILY;BYHOUR={hours};BYMINUTE=5 Flood")
    assert "Rappel n°1" in replies[0]
    assert (
        (await bot.say("/rappels"))[0]
        .splitlines()[1]
        .endswith(f" — Flood (règle FREQ=DAILY;BYHOUR={hours};BYMINUTE=5)")
    )


# Dates that were silently wrong (issue 9, item 17) --------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "/evenement AG le 31 février à 14h",
            "Je n'ai pas compris la date « le 31 février à 14h ».",
        ),
        ("/evenement AG le 12 décembre 9999 à 14h", "c'est dans plus de dix ans."),
        ("/evenement AG le 12 décembre 99999 à 14h", "Je n'ai pas compris la date"),
        ("/evenement AG on February 31 at 2pm", "Je n'ai pas compris la date"),
        (
            "/rappel tous les jours jusqu'au 31 février x",
            "Je n'ai pas pu lire la date de fin « 31 février » de cette règle.",
        ),
        ("/rappel le 12/13/2027 x", "Je n'ai pas compris la date « le 12/13/2027 »."),
        ("/rappel tous les 0 jours x", "« 0 » n'est pas un intervalle : écrivez un nombre de 1"),
        ("/rappel tous les lundis sauf en août x", "Les exceptions comme « sauf en août x »"),
        ("/rappel every monday except in August x", "Les exceptions comme « except in August"),
        ("/rappel vendredi 3 décembre 2026 x", "Je n'ai pas compris la date"),
    ],
)
async def test_dates_not_sure_are_refused_with_what_was_read(
    bot: Harness, command: str, expected: str
) -> None:
    bot.organizer("alice")
    replies = await answered(bot, command)
    assert expected in replies[0]
    assert not replies[0].startswith(("C'est noté", "Événement n°"))


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/rappel demain à 19 h Réunion", "2 décembre 2026 à 19:00 — Réunion"),
        ("/rappel demain 19 h 30 Réunion", "2 décembre 2026 à 19:30 — Réunion"),
        ("/rappel demain à 19 heures Réunion", "2 décembre 2026 à 19:00 — Réunion"),
        ("/rappel le 13/12/2027 Réunion", "13 décembre 2027 à 09:00 — Réunion"),
    ],
)
async def test_remind_spaced_hours_and_day_first_dates(
    bot: Harness, command: str, expected: str
) -> None:
    await answered(bot, command)
    assert expected in (await bot.say("/rappels"))[0]


# Property: a date either is refused or is the date typed ---------------------------------------

FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]  # fmt: skip


@st.composite
def typed_dates(draw: st.DrawFn) -> tuple[str, str, int, int, int | None, int | None]:
    """(language, phrase, day, month, year or None, hour or None)."""
    language = draw(st.sampled_from(["fr", "en"]))
    day = draw(st.integers(min_value=0, max_value=35))
    month = draw(st.integers(min_value=1, max_value=12))
    year = draw(st.one_of(st.none(), st.sampled_from([2026, 2027, 2028, 2030, 2036, 9999])))
    hour = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=23)))
    clock = ""
    if hour is not None:
        style = draw(st.sampled_from(["{h}h", "{h} h", "{h}:00", "{h:02d}:00"]))
        clock = style.format(h=hour)
    shape = draw(st.sampled_from(["words", "numeric"]))
    if shape == "numeric":
        when = f"{day}/{month}" + (f"/{year}" if year else "")
        phrase = ("le " if language == "fr" else "on ") + when
    elif language == "fr":
        phrase = f"le {day} {FR_MONTHS[month - 1]}" + (f" {year}" if year else "")
    else:
        phrase = f"on {EN_MONTHS[month - 1]} {day}" + (f" {year}" if year else "")
    if clock:
        phrase += (" à " if language == "fr" else " at ") + clock
    return language, phrase + " Réunion", day, month, year, hour


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_dates())
def test_parse_when_date_is_refused_or_the_one_typed(
    typed: tuple[str, str, int, int, int | None, int | None],
) -> None:
    language, phrase, day, month, year, hour = typed
    try:
        found = parse_when(phrase, NOW, language, "Europe/Paris")
    except TimeParseError:
        return
    local = found.first.astimezone(PARIS)
    assert (day, month) == (local.day, local.month), phrase
    if year is not None:
        assert year == local.year, phrase
    if hour is not None:
        wall = local.replace(hour=hour, minute=0)
        skipped = wall.astimezone(UTC).astimezone(PARIS).hour != hour  # 02:00 on a DST day
        assert (hour + 1 if skipped else hour) == local.hour, phrase
    assert "Réunion" == found.rest, phrase
    assert not re.search(r"\d", found.rest)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY;INTERVAL=0",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5",
        "FREQ=YEARLY;BYDAY=53MO;BYMONTH=2",
    ],
)
def test_next_occurrence_of_a_stored_hostile_rule_is_none_not_a_hang(rule: str) -> None:
    """A rule stored before these checks (or by hand) is still evaluated within bounds."""
    with deadline(5):
        assert None is next_occurrence(rule, datetime(2026, 12, 1, 9), "Europe/Paris", NOW)
