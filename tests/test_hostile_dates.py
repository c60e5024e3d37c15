"""Hostile dates and stored rules read by the parser: a date is refused or the one typed, and a
rule is evaluated within bounds (the same inputs through /rappel and /evenement are in
tests/reminders/test_dates.py)."""

from __future__ import annotations

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
