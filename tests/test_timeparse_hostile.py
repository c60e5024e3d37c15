"""Times and rules a member might type that used to be read wrong or flood a listing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.timeparse import TimeParseError, parse_when

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 09:00 in Paris


def paris(text: str, language: str) -> tuple[str, str | None, str]:
    found = parse_when(text, NOW, language, "Europe/Paris")
    local = found.first.astimezone(found.first.tzinfo).strftime("%Y-%m-%d %H:%M UTC")
    return local, found.rule, found.rest


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (("2026-12-02 18:00 UTC", None, "Meeting"), "tomorrow at 7 pm Meeting"),
        (("2026-12-02 18:00 UTC", None, "Meeting"), "tomorrow 7 pm Meeting"),
        (("2026-12-02 18:00 UTC", None, "Meeting"), "tomorrow 7 PM Meeting"),
        (("2026-12-02 18:00 UTC", None, "Meeting"), "tomorrow at 7 p.m. Meeting"),
        (("2026-12-02 18:30 UTC", None, "x"), "tomorrow 7:30 pm x"),
        (("2026-12-01 23:00 UTC", None, "x"), "tomorrow 12 am x"),
        (
            ("2026-12-07 20:00 UTC", "FREQ=WEEKLY;BYDAY=MO", "Meeting"),
            "every monday at 9 pm Meeting",
        ),
    ],
)
def test_english_time_with_a_spaced_pm(expected: tuple[str, str | None, str], text: str) -> None:
    assert expected == paris(text, "en")


@pytest.mark.parametrize(
    ("expected", "text", "language"),
    [
        ("“{value}” is not a time of day.", "tomorrow 13 pm x", "en"),
        ("“{value}” is not a time of day.", "demain 99999999999999999999h x", "fr"),
        ("A rule repeats at most {n} times.", "tous les jours 1001 fois x", "fr"),
        ("A rule repeats at most {n} times.", "every day at 9 99999999999999999999 times x", "en"),
        (
            "This rule is too long: at most {n} characters.",
            "rrule FREQ=DAILY;BYHOUR=" + "1," * 200 + "2 x",
            "fr",
        ),
        (
            "Invalid RRULE “{value}”: {part} gives the same value twice.",
            "rrule FREQ=DAILY;BYHOUR=1,1 x",
            "fr",
        ),
        (
            "Invalid RRULE “{value}”: {part} gives the same value twice.",
            "rrule FREQ=WEEKLY;BYDAY=MO,MO x",
            "fr",
        ),
        (
            "“{value}” after a date is not understood: a repeating reminder starts with its "
            "rule, like “tous les 15 du mois” or “every monday”.",
            "le 29 février de chaque année x",
            "fr",
        ),
        (
            "“{value}” after a repeating rule is not understood: a yearly date is written "
            "“rrule FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28”.",
            "every year on 29 february x",
            "en",
        ),
    ],
)
def test_hostile_or_unsure_phrases_are_refused(expected: str, text: str, language: str) -> None:
    with pytest.raises(TimeParseError) as refused:
        parse_when(text, NOW, language, "Europe/Paris")
    assert expected == refused.value.msgid


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (("2026-12-02 17:00 UTC", None, "chaque jour compte"), "demain 18h chaque jour compte"),
        (
            ("2026-12-07 08:00 UTC", "FREQ=WEEKLY;BYDAY=MO", "Réunion de juin"),
            "tous les lundis à 9h Réunion de juin",
        ),
        (("2026-12-02 08:00 UTC", "FREQ=DAILY;COUNT=10", "x"), "tous les jours 10 fois x"),
    ],
)
def test_ordinary_texts_after_a_date_stay_text(
    expected: tuple[str, str | None, str], text: str
) -> None:
    assert expected == paris(text, "fr")
