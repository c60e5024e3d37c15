"""Golden tables for the shared date/time parser (FR and EN, fixed clocks, DST, other zones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.timeparse import (
    TimeParseError,
    describe_rule,
    next_occurrence,
    parse_moment,
    parse_when,
)

PARIS = "Europe/Paris"


def local(text: str, zone: str = PARIS) -> datetime:
    """``2026-12-01 09:00`` in ``zone`` as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))


def shown(moment: datetime, zone: str = PARIS) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


# (language, zone, now (local), text, expected first (local), expected rest)
ONE_OFF = [
    # Tuesday 1 December 2026, 09:00 in Paris: the harness's start.
    (
        "fr",
        PARIS,
        "2026-12-01 09:00",
        "demain 18h Apporter les clés",
        "2026-12-02 18:00",
        "Apporter les clés",
    ),
    (
        "fr",
        PARIS,
        "2026-12-01 09:00",
        "dans 2 heures Appeler la mairie",
        "2026-12-01 11:00",
        "Appeler la mairie",
    ),
    (
        "fr",
        PARIS,
        "2026-12-01 09:00",
        "le 3 décembre à 9h Dossier de subvention",
        "2026-12-03 09:00",
        "Dossier de subvention",
    ),
    (
        "fr",
        PARIS,
        "2026-12-01 09:00",
        "mardi prochain 18h30 Réunion",
        "2026-12-08 18:30",
        "Réunion",
    ),
    (
        "fr",
        PARIS,
        "2026-12-01 09:00",
        "mardi Réunion",
        "2026-12-08 09:00",
        "Réunion",
    ),  # said on a Tuesday
    ("fr", PARIS, "2026-12-01 09:00", "mercredi 14h x", "2026-12-02 14:00", "x"),
    ("fr", PARIS, "2026-12-01 09:00", "ce soir apéro", "2026-12-01 19:00", "apéro"),
    ("fr", PARIS, "2026-12-01 09:00", "demain matin courses", "2026-12-02 09:00", "courses"),
    ("fr", PARIS, "2026-12-01 09:00", "demain soir 8h dîner", "2026-12-02 20:00", "dîner"),
    ("fr", PARIS, "2026-12-01 09:00", "8h du soir dîner", "2026-12-01 20:00", "dîner"),
    ("fr", PARIS, "2026-12-01 09:00", "midi pique-nique", "2026-12-01 12:00", "pique-nique"),
    ("fr", PARIS, "2026-12-01 09:00", "minuit feu", "2026-12-02 00:00", "feu"),
    ("fr", PARIS, "2026-12-01 09:00", "demain à minuit feu", "2026-12-03 00:00", "feu"),
    ("fr", PARIS, "2026-12-01 09:00", "à 8h café", "2026-12-02 08:00", "café"),  # passed today
    ("fr", PARIS, "2026-12-01 09:00", "3/12 x", "2026-12-03 09:00", "x"),
    ("fr", PARIS, "2026-12-01 09:00", "2026-12-24 Noël", "2026-12-24 09:00", "Noël"),
    ("fr", PARIS, "2026-12-01 09:00", "le 5 loyer", "2026-12-05 09:00", "loyer"),
    ("fr", PARIS, "2026-12-20 09:00", "le 5 loyer", "2027-01-05 09:00", "loyer"),
    (
        "fr",
        PARIS,
        "2026-12-01 09:00",
        "1er janvier 2027 bonne année",
        "2027-01-01 09:00",
        "bonne année",
    ),
    ("fr", PARIS, "2026-12-01 09:00", "30 novembre bilan", "2027-11-30 09:00", "bilan"),
    ("fr", PARIS, "2026-12-01 09:00", "dans 3 jours à 18h x", "2026-12-04 18:00", "x"),
    ("fr", PARIS, "2026-12-01 09:00", "dans 20 min x", "2026-12-01 09:20", "x"),
    ("fr", PARIS, "2026-12-01 09:00", "jusqu'à vendredi 18h", "2026-12-04 18:00", ""),
    (
        "en",
        PARIS,
        "2026-12-01 09:00",
        "tomorrow at 6pm Bring the keys",
        "2026-12-02 18:00",
        "Bring the keys",
    ),
    (
        "en",
        PARIS,
        "2026-12-01 09:00",
        "in 20 minutes Call the town hall",
        "2026-12-01 09:20",
        "Call the town hall",
    ),
    ("en", PARIS, "2026-12-01 09:00", "in an hour x", "2026-12-01 10:00", "x"),
    ("en", PARIS, "2026-12-01 09:00", "friday 6pm x", "2026-12-04 18:00", "x"),
    ("en", PARIS, "2026-12-01 09:00", "next tuesday x", "2026-12-08 09:00", "x"),
    ("en", PARIS, "2026-12-01 09:00", "december 3rd at 9 x", "2026-12-03 09:00", "x"),
    ("en", PARIS, "2026-12-01 09:00", "tonight party", "2026-12-01 19:00", "party"),
    ("en", PARIS, "2026-12-01 09:00", "noon lunch", "2026-12-01 12:00", "lunch"),
    ("en", PARIS, "2026-12-01 09:00", "midnight x", "2026-12-02 00:00", "x"),
    # 29 February and month ends.
    ("fr", PARIS, "2026-12-01 09:00", "29 février x", "2028-02-29 09:00", "x"),
    ("en", PARIS, "2028-02-28 10:00", "tomorrow 10am x", "2028-02-29 10:00", "x"),
    ("fr", PARIS, "2027-01-31 10:00", "dans 1 mois x", "2027-02-28 10:00", "x"),
    ("fr", PARIS, "2026-12-31 22:00", "demain 9h x", "2027-01-01 09:00", "x"),
    ("fr", PARIS, "2026-04-30 10:00", "demain x", "2026-05-01 09:00", "x"),
    # DST in Paris: 2026-03-29 (02:00 -> 03:00) and 2026-10-25 (03:00 -> 02:00).
    ("fr", PARIS, "2026-03-28 10:00", "demain 9h x", "2026-03-29 09:00", "x"),
    ("fr", PARIS, "2026-03-28 10:00", "demain 2h30 x", "2026-03-29 03:30", "x"),  # skipped hour
    ("fr", PARIS, "2026-03-29 01:30", "dans 2 heures x", "2026-03-29 04:30", "x"),  # real hours
    ("fr", PARIS, "2026-10-24 10:00", "demain 9h x", "2026-10-25 09:00", "x"),
    # Other zones: the day and hour are the room's.
    ("fr", "America/Montreal", "2026-12-01 03:00", "demain 18h x", "2026-12-02 18:00", "x"),
    ("en", "Pacific/Noumea", "2026-12-01 19:00", "tomorrow 9am x", "2026-12-02 09:00", "x"),
]


@pytest.mark.parametrize(("language", "zone", "now", "text", "expected", "rest"), ONE_OFF)
def test_parse_when_one_off(
    language: str, zone: str, now: str, text: str, expected: str, rest: str
) -> None:
    found = parse_when(text, local(now, zone), language, zone)
    assert (expected, rest, None) == (shown(found.first, zone), found.rest, found.rule)
    assert found.first.tzinfo == UTC


def test_parse_when_counts_real_hours_across_the_autumn_change() -> None:
    now = local("2026-10-25 01:30")  # CEST, UTC+2
    found = parse_when("dans 2 heures x", now, "fr", PARIS)
    assert datetime(2026, 10, 25, 1, 30, tzinfo=UTC) == found.first  # 02:30 CET


def test_parse_when_in_noumea_uses_the_room_day_not_utc() -> None:
    found = parse_when(
        "demain 9h x", datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "fr", "Pacific/Noumea"
    )
    assert datetime(2026, 12, 1, 22, 0, tzinfo=UTC) == found.first


# (language, now (Paris), text, rule, first (Paris), rest, in words)
RECURRING = [
    (
        "fr",
        "2026-12-01 09:00",
        "tous les lundis à 9h Réunion",
        "FREQ=WEEKLY;BYDAY=MO",
        "2026-12-07 09:00",
        "Réunion",
        "tous les lundis à 09:00",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "chaque jour à 8h x",
        "FREQ=DAILY",
        "2026-12-02 08:00",
        "x",
        "tous les jours à 08:00",
    ),
    (
        "fr",
        "2026-12-01 07:00",
        "tous les jours x",
        "FREQ=DAILY",
        "2026-12-01 09:00",
        "x",
        "tous les jours à 09:00",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "en semaine à 7h30 x",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "2026-12-02 07:30",
        "x",
        "en semaine à 07:30",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "toutes les 2 semaines le jeudi à 20h x",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        "2026-12-03 20:00",
        "x",
        "un jeudi sur deux à 20:00",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "le premier mardi du mois à 20h x",
        "FREQ=MONTHLY;BYDAY=1TU",
        "2026-12-01 20:00",
        "x",
        "le premier mardi du mois à 20:00",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "tous les premiers mardis du mois à 20h Réunion du bureau",
        "FREQ=MONTHLY;BYDAY=1TU",
        "2026-12-01 20:00",
        "Réunion du bureau",
        "le premier mardi du mois à 20:00",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "le dernier vendredi du mois x",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "2026-12-25 09:00",
        "x",
        "le dernier vendredi du mois à 09:00",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "le 15 de chaque mois x",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "2026-12-15 09:00",
        "x",
        "le 15 de chaque mois à 09:00",
    ),
    (
        "fr",
        "2027-02-10 09:00",
        "le dernier jour du mois x",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "2027-02-28 09:00",
        "x",
        "le dernier jour du mois à 09:00",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "tous les jours 10 fois x",
        "FREQ=DAILY;COUNT=10",
        "2026-12-02 09:00",
        "x",
        "tous les jours à 09:00, 10 fois",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "tous les lundis à 9h jusqu'au 30 juin x",
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270630T235959",
        "2026-12-07 09:00",
        "x",
        "tous les lundis à 09:00, jusqu'au 30/06/2027",
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "cron 0 9 * * 1-5 x",
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
        "2026-12-02 09:00",
        "x",
        None,
    ),
    (
        "fr",
        "2026-12-01 09:00",
        "rrule FREQ=WEEKLY;BYDAY=MO x",
        "FREQ=WEEKLY;BYDAY=MO",
        "2026-12-07 09:00",
        "x",
        "tous les lundis à 09:00",
    ),
    (
        "en",
        "2026-12-01 09:00",
        "every monday at 9 Weekly call",
        "FREQ=WEEKLY;BYDAY=MO",
        "2026-12-07 09:00",
        "Weekly call",
        "every Monday at 09:00",
    ),
    (
        "en",
        "2026-12-01 09:00",
        "every monday 9:00 Weekly call",
        "FREQ=WEEKLY;BYDAY=MO",
        "2026-12-07 09:00",
        "Weekly call",
        "every Monday at 09:00",
    ),
    (
        "en",
        "2026-12-01 09:00",
        "every weekday at 7:30 x",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "2026-12-02 07:30",
        "x",
        "every weekday at 07:30",
    ),
    (
        "en",
        "2026-12-01 09:00",
        "every other thursday 8pm x",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        "2026-12-03 20:00",
        "x",
        "every other Thursday at 20:00",
    ),
    (
        "en",
        "2026-12-01 09:00",
        "first tuesday of the month x",
        "FREQ=MONTHLY;BYDAY=1TU",
        "2027-01-05 09:00",
        "x",
        "the first Tuesday of the month at 09:00",
    ),
    (
        "en",
        "2026-12-01 09:00",
        "every day at 9 until June 30 x",
        "FREQ=DAILY;UNTIL=20270630T235959",
        "2026-12-02 09:00",
        "x",
        "every day at 09:00, until 2027-06-30",
    ),
    (
        "en",
        "2026-12-01 09:00",
        "every day 10 times x",
        "FREQ=DAILY;COUNT=10",
        "2026-12-02 09:00",
        "x",
        "every day at 09:00, 10 times",
    ),
]


@pytest.mark.parametrize(("language", "now", "text", "rule", "first", "rest", "words"), RECURRING)
def test_parse_when_recurring(
    language: str, now: str, text: str, rule: str, first: str, rest: str, words: str | None
) -> None:
    found = parse_when(text, local(now), language, PARIS)
    assert (rule, first, rest) == (found.rule, shown(found.first), found.rest)
    assert found.start is not None
    if words is not None:
        assert words == describe_rule(rule, found.start, language)


@pytest.mark.parametrize(
    ("zone", "now", "expected_utc"),
    [
        # 09:00 stays 09:00 across both changes: the UTC hour moves instead.
        (PARIS, "2026-03-27 10:00", ["2026-03-28 08:00", "2026-03-29 07:00", "2026-03-30 07:00"]),
        (PARIS, "2026-10-23 10:00", ["2026-10-24 07:00", "2026-10-25 08:00", "2026-10-26 08:00"]),
        ("America/Montreal", "2026-10-30 10:00", ["2026-10-31 13:00", "2026-11-01 14:00"]),
    ],
)
def test_daily_rule_keeps_local_time_across_dst(
    zone: str, now: str, expected_utc: list[str]
) -> None:
    found = parse_when("tous les jours à 9h x", local(now, zone), "fr", zone)
    assert found.start is not None and found.rule is not None
    moments = [found.first]
    while len(moments) < len(expected_utc):
        following = next_occurrence(found.rule, found.start, zone, moments[-1])
        assert following is not None
        moments.append(following)
    assert expected_utc == [shown(m, "UTC") for m in moments]


def test_monthly_29th_skips_february() -> None:
    found = parse_when("le 29 de chaque mois x", local("2027-01-30 10:00"), "fr", PARIS)
    assert "2027-03-29 09:00" == shown(found.first)


def test_next_occurrence_ends_with_count() -> None:
    found = parse_when("tous les jours 2 fois x", local("2026-12-01 10:00"), "fr", PARIS)
    assert found.rule is not None and found.start is not None
    second = next_occurrence(found.rule, found.start, PARIS, found.first)
    assert second is not None
    assert next_occurrence(found.rule, found.start, PARIS, second) is None


@pytest.mark.parametrize(
    ("language", "text", "msgid_start"),
    [
        ("fr", "", "Say when"),
        ("fr", "bonjour à tous", "I did not find a date"),
        ("en", "5 people", "I did not find a date"),
        ("fr", "25h x", "“{value}” is not a time of day."),
        ("fr", "à 25h x", "“{value}” is not a time of day."),
        ("fr", "le 1er décembre 2026 à 8h x", "{when} is already past"),
        ("fr", "hier 9h Trop tard", "{when} is already past"),
        ("fr", "avant-hier réunion", "{when} is already past"),
        ("en", "yesterday at 9am late", "{when} is already past"),
        ("fr", "toutes les minutes x", "A reminder cannot repeat more often"),
        ("en", "cron * * * * * x", "A reminder cannot repeat more often"),
        ("en", "cron 0 9 x", "A cron rule has five fields"),
        ("en", "cron 0 99 * * * x", "Invalid cron rule"),
        ("en", "rrule FREQ=SECONDLY x", "A reminder cannot repeat more often"),
        ("en", "rrule BANANA=1 x", "Invalid RRULE"),
        ("fr", "tous les lundis jusqu'au 1er janvier 2020 x", "The end date of this rule"),
        ("fr", "le 3 décembre 2040 x", "{when} is more than ten years away."),
    ],
)
def test_parse_when_refuses_with_a_reason(language: str, text: str, msgid_start: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when(text, local("2026-12-01 09:00"), language, PARIS)
    assert caught.value.msgid.startswith(msgid_start)


def test_parse_moment_for_poll_deadlines() -> None:
    now = local("2026-12-01 09:00")
    assert "2026-12-04 18:00" == shown(parse_moment("jusqu'à vendredi 18h", now, "fr", PARIS))
    assert "2026-12-04 18:00" == shown(parse_moment("until friday 6pm", now, "en", PARIS))
    with pytest.raises(TimeParseError):
        parse_moment("vendredi 18h et puis", now, "fr", PARIS)
    with pytest.raises(TimeParseError):
        parse_moment("tous les lundis", now, "fr", PARIS)


VOCABULARY = [
    "demain",
    "tomorrow",
    "dans",
    "in",
    "2",
    "heures",
    "hours",
    "mardi",
    "prochain",
    "next",
    "tous",
    "les",
    "every",
    "other",
    "lundis",
    "monday",
    "le",
    "premier",
    "dernier",
    "du",
    "mois",
    "month",
    "of",
    "the",
    "à",
    "at",
    "18h",
    "18h30",
    "6pm",
    "midi",
    "minuit",
    "ce",
    "soir",
    "matin",
    "jusqu'au",
    "until",
    "30",
    "juin",
    "june",
    "10",
    "fois",
    "times",
    "cron",
    "rrule",
    "FREQ=DAILY",
    "*",
    "0",
    "9",
    "1-5",
    "29",
    "février",
    "2026-12-03",
    "3/12",
    "x",
    "semaine",
    "chaque",
    "jour",
    "25h",
    "99:99",
    "13pm",
    "31",
    "2",
    "/",
    "'",
    "«",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(
        st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8)), min_size=0, max_size=9
    ),
    language=st.sampled_from(["fr", "en"]),
    zone=st.sampled_from([PARIS, "America/Montreal", "Pacific/Noumea", "UTC"]),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 800),
)
def test_parse_when_never_crashes(
    words: list[str], language: str, zone: str, minutes: int
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    text = " ".join(words)
    try:
        found = parse_when(text, now, language, zone)
    except TimeParseError as error:
        assert error.msgid
        return
    assert found.first > now
    assert found.first.tzinfo is not None
    assert found.rest in text
