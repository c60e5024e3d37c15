"""French and English dates, times and repeating rules, read from the start of a text.

Pure functions, no state. The public API (stable; reminders and polls use it):

``parse_when(text, now, language, timezone, *, default_hour=9, recurring=True) -> When``
    Read the date/time expression at the start of ``text``: a one-off moment (``demain 18h``,
    ``dans 2 heures``, ``le 3 décembre à 9h``, ``tomorrow at 6pm``, ``friday 6pm``) or, when
    ``recurring`` is true, a repeating rule (``tous les lundis à 9h``, ``every other thursday
    8pm``, ``le premier mardi du mois``, ``cron 0 9 * * 1-5``, ``rrule FREQ=...``). ``When.rest``
    is the text after the expression (the reminder's text); ``When.consumed`` how many characters
    of ``text`` the expression used. ``now`` is aware; ``timezone`` an IANA name; the result is
    in UTC. A day without a time means ``default_hour``:00; a time without a day that has passed
    today means tomorrow; anything else in the past is refused.

``parse_moment(text, now, language, timezone, *, default_hour=9) -> datetime``
    The whole text must be one future moment (poll deadlines: ``vendredi 18h``); a leading
    ``jusqu'à`` / ``until`` / ``avant`` / ``before`` is allowed.

``next_occurrence(rule, start, timezone, after) -> datetime | None``
    The first occurrence of an RRULE strictly after ``after`` (UTC), computed in local wall time
    from ``start`` (the local, naive first occurrence) so 09:00 stays 09:00 across DST.

``describe_rule(rule, start, language) -> str``
    The rule in words: ``tous les lundis à 09:00`` / ``every Monday at 09:00``.

Every bad input raises ``TimeParseError`` (a ``UsageError`` and a ``ValueError``) whose
``msgid``/``params`` the dispatcher translates; its messages live in ``core.po``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import YEARLY, rrule, rrulestr

from bot.errors import UsageError
from bot.i18n import _, format_datetime
from bot.text import clip, fold

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

MAX_TOKENS = 24
MAX_YEARS_AHEAD = 10
_WINDOW_YEARS = 5  # a rule with no occurrence in this window is refused


class TimeParseError(UsageError, ValueError):
    """A date, time or rule that cannot be used; ``msgid`` is an English message id."""


@dataclass(frozen=True, slots=True)
class When:
    """What the start of a text said: a first moment (UTC), maybe a repeating rule."""

    first: datetime
    timezone: str
    rule: str | None = None
    start: datetime | None = None  # local naive first occurrence, the rule's DTSTART
    consumed: int = 0
    rest: str = ""
    late_hint: bool = False

    @property
    def recurring(self) -> bool:
        return self.rule is not None

    def after(self, moment: datetime) -> datetime | None:
        """The next occurrence strictly after ``moment`` (None for one-off or finished rules)."""
        if self.rule is None or self.start is None:
            return None
        return next_occurrence(self.rule, self.start, self.timezone, moment)


# Vocabulary ---------------------------------------------------------------------------------

WEEKDAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MONTHS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
DAY_WORDS = {
    "aujourd'hui": 0,
    "aujourdhui": 0,
    "today": 0,
    "demain": 1,
    "tomorrow": 1,
    "apres-demain": 2,
    "apres-demains": 2,
    # Understood so that they are refused as past with the date, not as unreadable.
    "hier": -1,
    "yesterday": -1,
    "avant-hier": -2,
}
PERIODS = {  # period of the day: default time, and whether an hour < 12 means pm
    "matin": (9, False),
    "morning": (9, False),
    "apres-midi": (14, True),
    "aprem": (14, True),
    "afternoon": (14, True),
    "soir": (19, True),
    "evening": (19, True),
    "tonight": (19, True),
    "soiree": (19, True),
}
CONNECTORS = {
    "le",
    "la",
    "l'",
    "a",
    "at",
    "on",
    "the",
    "de",
    "du",
    "des",
    "of",
    "vers",
    "around",
    "ce",
    "cet",
    "cette",
    "this",
    "en",
    "for",
    "pour",
}
LEADING = {"jusqu'a", "jusqu'au", "until", "till", "avant", "before", "by", "d'ici"}
MODIFIERS = {"prochain", "prochaine", "next"}
UNITS = {
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "mn": "minutes",
    "heure": "hours",
    "heures": "hours",
    "h": "hours",
    "hour": "hours",
    "hours": "hours",
    "hr": "hours",
    "hrs": "hours",
    "jour": "days",
    "jours": "days",
    "day": "days",
    "days": "days",
    "j": "days",
    "semaine": "weeks",
    "semaines": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "mois": "months",
    "month": "months",
    "months": "months",
}
SMALL_NUMBERS = {
    "un": 1,
    "une": 1,
    "a": 1,
    "an": 1,
    "one": 1,
    "deux": 2,
    "two": 2,
    "trois": 3,
    "three": 3,
    "quatre": 4,
    "four": 4,
    "cinq": 5,
    "five": 5,
    "dix": 10,
    "ten": 10,
    "quinze": 15,
    "fifteen": 15,
    "vingt": 20,
    "twenty": 20,
    "trente": 30,
    "thirty": 30,
}
ORDINALS = {
    "premier": 1,
    "premiers": 1,
    "premiere": 1,
    "premieres": 1,
    "1er": 1,
    "1ers": 1,
    "1re": 1,
    "1res": 1,
    "first": 1,
    "1st": 1,
    "deuxieme": 2,
    "deuxiemes": 2,
    "second": 2,
    "seconds": 2,
    "2e": 2,
    "2eme": 2,
    "2nd": 2,
    "troisieme": 3,
    "troisiemes": 3,
    "third": 3,
    "3e": 3,
    "3eme": 3,
    "3rd": 3,
    "quatrieme": 4,
    "quatriemes": 4,
    "fourth": 4,
    "4e": 4,
    "4eme": 4,
    "4th": 4,
    "dernier": -1,
    "derniers": -1,
    "derniere": -1,
    "dernieres": -1,
    "last": -1,
    "avant-dernier": -2,
}

_CLOCK_FR = re.compile(r"^(\d{1,2})h(\d{2})?$")
_CLOCK_COLON = re.compile(r"^(\d{1,2}):(\d{2})$")
_CLOCK_AMPM = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?\.?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_ORDINAL = re.compile(r"^(\d{1,2})(?:er|re|st|nd|rd|th|e|eme)?$")


@dataclass(frozen=True, slots=True)
class _Token:
    word: str  # folded, trailing punctuation removed
    end: int  # end offset in the original text
    start: int = 0


_WORD = re.compile(r"[^\s,;]+")


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    found = []
    for match in _WORD.finditer(text, offset):
        word = fold(match.group()).strip('.!?:()"«»“”')
        found.append(_Token(word, match.end(), match.start()))
        if len(found) >= MAX_TOKENS:
            break
    return found


def _clock(word: str) -> tuple[int, int, bool] | None:
    """``18h``, ``18h30``, ``18:30``, ``6pm``, ``midi``... -> (hour, minute, explicit_pm)."""
    if word in ("midi", "noon"):
        return 12, 0, True
    if word in ("minuit", "midnight"):
        return 24, 0, True
    if re.fullmatch(r"[0-9]{3,}(?:h[0-9]*|:[0-9]+)", word):  # ``99999h``: not a time, not text
        raise TimeParseError(_("“{value}” is not a time of day."), value=clip(word, 24))
    match = _CLOCK_FR.match(word) or _CLOCK_COLON.match(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour > 23 or minute > 59:
            raise TimeParseError(_("“{value}” is not a time of day."), value=word)
        return hour, minute, hour >= 13
    match = _CLOCK_AMPM.match(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise TimeParseError(_("“{value}” is not a time of day."), value=word)
        pm = match.group(3) == "pm"
        return (hour % 12) + (12 if pm else 0), minute, True
    return None


# Time of day shared by one-off and recurring phrases -----------------------------------------


@dataclass(slots=True)
class _TimeOfDay:
    hour: int | None = None
    minute: int = 0
    explicit_pm: bool = False
    period: tuple[int, bool] | None = None

    def resolve(self, default_hour: int) -> tuple[int, int, bool]:
        """(hour, minute, next_day) — ``minuit`` is the midnight ending the given day."""
        if self.hour is None:
            if self.period is not None:
                return self.period[0], 0, False
            return default_hour, 0, False
        hour = self.hour
        if hour == 24:
            return 0, 0, True
        if self.period is not None and self.period[1] and hour < 12 and not self.explicit_pm:
            hour += 12
        return hour, self.minute, False


def _take_time(tokens: list[_Token], i: int, tod: _TimeOfDay) -> int:
    """Consume time-of-day tokens from ``i`` (``à 9h``, ``at 9``, ``du soir``); return the new
    index (``i`` when nothing was taken)."""
    start = i
    while i < len(tokens):
        word = tokens[i].word
        spaced = _spaced_clock(tokens, i) if tod.hour is None else None
        if spaced is not None:
            tod.hour, tod.minute, i = spaced
            tod.explicit_pm = tod.hour >= 13
            continue
        clock = _clock(word)
        if clock is not None and tod.hour is None:
            tod.hour, tod.minute, tod.explicit_pm = clock
            i += 1
            continue
        if word in PERIODS and tod.period is None:
            tod.period = PERIODS[word]
            i += 1
            continue
        if word in ("a", "at", "vers", "around", "du", "in", "the", "dans", "le", "l'"):
            nxt = tokens[i + 1].word if i + 1 < len(tokens) else ""
            if (
                word in ("a", "at", "vers", "around")
                and tod.hour is None
                and _spaced_clock(tokens, i + 1) is not None
            ):
                i += 1
                continue
            if (
                word in ("a", "at", "vers", "around")
                and tod.hour is None
                and re.fullmatch(r"[0-9]{1,2}", nxt)
                and int(nxt) <= 23
            ):
                tod.hour, tod.minute = int(nxt), 0
                i += 2
                continue
            if nxt and (_safe_clock(nxt) is not None or nxt in PERIODS):
                i += 1
                continue
            if (
                word == "in"
                and nxt == "the"
                and i + 2 < len(tokens)
                and tokens[i + 2].word in PERIODS
            ):
                i += 1
                continue
        break
    return i if i > start else start


_HOUR_WORDS = ("h", "heure", "heures", "hour", "hours", "o'clock")
_AM_PM = {"am": False, "a.m": False, "pm": True, "p.m": True}
_SPACED_AM_PM = re.compile(r"([0-9]{1,2})(?::([0-5][0-9]))?")


def _spaced_clock(tokens: list[_Token], i: int) -> tuple[int, int, int] | None:
    """``19 h``, ``19 h 30``, ``19 heures`` (French typography puts a space before ``h``) at
    ``i``: (hour, minute, index after it), or None."""
    words = [t.word for t in tokens[i : i + 3]] + ["", "", ""]
    am_pm = _SPACED_AM_PM.fullmatch(words[0])
    if am_pm and words[1] in _AM_PM:  # ``7 pm``, ``7:30 p.m.`` (English spacing)
        hour, minute = int(am_pm.group(1)), int(am_pm.group(2) or 0)
        if not 1 <= hour <= 12:
            raise TimeParseError(
                _("“{value}” is not a time of day."), value=f"{words[0]} {words[1]}"
            )
        return hour % 12 + (12 if _AM_PM[words[1]] else 0), minute, i + 2
    if not re.fullmatch(r"[0-9]{1,2}", words[0]) or words[1] not in _HOUR_WORDS:
        return None
    hour = int(words[0])
    if hour > 23:
        raise TimeParseError(_("“{value}” is not a time of day."), value=f"{words[0]} {words[1]}")
    if words[1] == "h" and re.fullmatch(r"[0-5][0-9]", words[2]):
        return hour, int(words[2]), i + 3
    return hour, 0, i + 2


def _safe_clock(word: str) -> tuple[int, int, bool] | None:
    try:
        return _clock(word)
    except TimeParseError:
        return None


def _localize(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """Local wall time -> UTC; a time skipped by DST moves forward, a repeated one is the
    first of the two."""
    local = datetime.combine(day, time(hour, minute), tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).astimezone(UTC)


# One-off moments ----------------------------------------------------------------------------


def _date_parser(language: str, today: date) -> DateDataParser:
    # dateparser and its language data (about 45 ms and 4 MB) load at the first date read,
    # not at start-up.
    from dateparser.date import DateDataParser

    other = "en" if language == "fr" else "fr"
    return DateDataParser(
        languages=[language if language in ("fr", "en") else "fr", other],
        settings={
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PREFER_DAY_OF_MONTH": "first",
            "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
        },
    )


def _is_date_word(tokens: list[_Token], i: int, *, loose: bool = False) -> bool:
    """Does ``tokens[i]`` belong to a date? ``loose``: any day number or year counts (after
    ``jusqu'au``, where a date must follow)."""
    word = tokens[i].word
    if loose and (re.fullmatch(r"[0-9]{4}", word) or _DAY_ORDINAL.match(word)):
        return True
    if word in WEEKDAYS or word in MONTHS or word in MODIFIERS:
        return True
    if _NUMERIC_DATE.match(word) or _ISO_DATE.match(word):
        return True
    prev = tokens[i - 1].word if i > 0 else ""
    nxt = tokens[i + 1].word if i + 1 < len(tokens) else ""
    match = _DAY_ORDINAL.match(word)
    if match:
        number = int(match.group(1))
        suffixed = word != match.group(1)
        if 1 <= number <= 31 and (suffixed or prev in ("le", "the", "on") or prev in WEEKDAYS):
            return True
        if nxt in MONTHS or prev in MONTHS:
            return True  # "le 0 janvier", "February 31": part of the date, then refused
    if re.fullmatch(r"\d{4}", word):
        before = tokens[i - 2].word if i > 1 else ""
        # "décembre 2027", and "December 12 2027" (the year after the day after the month).
        return prev in MONTHS or (_DAY_ORDINAL.match(prev) is not None and before in MONTHS)
    return False


def _relative(tokens: list[_Token], i: int) -> tuple[timedelta | None, str, int]:
    """``dans 2 heures`` / ``in 20 minutes`` / ``dans 1h30`` at ``i``: (delta, unit, next i)."""
    if i >= len(tokens) or tokens[i].word not in ("dans", "in"):
        return None, "", i
    j = i + 1
    if j >= len(tokens):
        return None, "", i
    word = tokens[j].word
    compact = re.fullmatch(r"(\d{1,4})(h|min|mn|j|d)(\d{2})?", word)
    if compact:
        amount = int(compact.group(1))
        unit = {"h": "hours", "min": "minutes", "mn": "minutes", "j": "days", "d": "days"}[
            compact.group(2)
        ]
        delta = timedelta(**{unit: amount})
        if compact.group(3):
            delta += timedelta(minutes=int(compact.group(3)))
        return delta, unit, j + 1
    if word.isdecimal() and len(word) <= 4:
        amount = int(word)
    elif word in SMALL_NUMBERS:
        amount = SMALL_NUMBERS[word]
    else:
        return None, "", i
    if j + 1 >= len(tokens) or tokens[j + 1].word not in UNITS:
        return None, "", i
    unit = UNITS[tokens[j + 1].word]
    if unit == "months":
        return timedelta(days=0), f"months:{amount}", j + 2
    return timedelta(**{unit: amount}), unit, j + 2


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _one_off(
    text: str,
    tokens: list[_Token],
    start: int,
    now: datetime,
    language: str,
    zone: ZoneInfo,
    default_hour: int,
) -> tuple[datetime, int] | None:
    """A one-off moment at ``tokens[start:]``: (moment in UTC, index after it), or None."""
    local_now = now.astimezone(zone)
    delta, unit, i = _relative(tokens, start)
    if unit:
        tod = _TimeOfDay()
        j = _take_time(tokens, i, tod)
        if unit.startswith("months:"):
            day = _add_months(local_now.date(), int(unit.split(":")[1]))
            if tod.hour is None and tod.period is None:
                return now + (
                    _localize(day, 0, 0, zone) - _localize(local_now.date(), 0, 0, zone)
                ), i
            hour, minute, next_day = tod.resolve(default_hour)
            return _localize(day + timedelta(days=next_day), hour, minute, zone), j
        assert delta is not None
        if unit in ("days", "weeks") and j > i:
            hour, minute, next_day = tod.resolve(default_hour)
            day = (local_now + delta).date() + timedelta(days=next_day)
            return _localize(day, hour, minute, zone), j
        return now.astimezone(UTC) + delta, i

    # Day words, weekdays, dates, times, in any order, as far as they go.
    i = start
    day_offset: int | None = None
    date_words: list[str] = []
    tod = _TimeOfDay()
    last_good = start
    while i < len(tokens):
        word = tokens[i].word
        j = _take_time(tokens, i, tod)
        if j > i:
            i = last_good = j
            continue
        if word in DAY_WORDS and day_offset is None and not date_words:
            day_offset = DAY_WORDS[word]
            i = last_good = i + 1
            continue
        if word == "tonight" and day_offset is None:
            day_offset, tod.period = 0, PERIODS["tonight"]
            i = last_good = i + 1
            continue
        if day_offset is None and _is_date_word(tokens, i):
            if word not in MODIFIERS:
                date_words.append(_canonical_date_word(word))
            i += 1
            last_good = i
            continue
        if word in CONNECTORS and i + 1 < len(tokens):
            i += 1
            continue
        break
    if last_good == start:
        return None
    if tod.hour is None and tod.period is None and not date_words and day_offset is None:
        return None
    if date_words:
        read = _read_date(date_words, language, local_now.date())
        if read is None:
            raise TimeParseError(
                _("I could not read the date “{value}”."),
                value=text[tokens[start].start : tokens[last_good - 1].end].strip(),
            )
        day = read
    else:
        day = local_now.date() + timedelta(days=day_offset or 0)
    hour, minute, next_day = tod.resolve(default_hour)
    moment = _localize(day + timedelta(days=next_day), hour, minute, zone)
    if moment <= now and not date_words and day_offset is None:
        moment = _localize(day + timedelta(days=1 + next_day), hour, minute, zone)
    return moment, last_good


def _canonical_date_word(word: str) -> str:
    if word in MONTHS:
        return _MONTH_NAMES[MONTHS[word] - 1]
    if word in WEEKDAYS:
        return _ENGLISH_DAYS[WEEKDAYS[word]]
    match = _DAY_ORDINAL.match(word)
    if match:
        return match.group(1)
    return word


_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _read_date(words: list[str], language: str, today: date) -> date | None:
    """The day named by canonical date words, never before ``today``.

    A weekday alone counts from the room's today (``mardi`` said on a Tuesday: next week);
    a day without a month rolls to the next month, a day and month without a year to the
    next year that has it (29 February included)."""
    if len(words) == 1 and words[0] in _ENGLISH_DAYS:
        ahead = (_ENGLISH_DAYS.index(words[0]) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    weekdays = [_ENGLISH_DAYS.index(w) for w in words if w in _ENGLISH_DAYS]
    words = [w for w in words if w not in _ENGLISH_DAYS]
    found = _plain_date(words, language, today)
    if found is None or (weekdays and weekdays != [found.weekday()]):
        return None  # "le 31 février", "12/13/2027", "vendredi 3 décembre" (a Thursday)
    return found


def _plain_date(words: list[str], language: str, today: date) -> date | None:
    """``_read_date`` without weekdays: numbers read day first, never swapped."""
    if len(words) == 1 and (numeric := _NUMERIC_DATE.match(words[0])):
        day, month, year_text = numeric.groups()
        year = int(year_text) + (2000 if len(year_text) == 2 else 0) if year_text else None
        return _day_month(int(day), int(month), year, today)
    if len(words) == 1 and _ISO_DATE.match(words[0]):
        try:
            return date.fromisoformat(words[0])
        except ValueError:
            return None
    numbers = [w for w in words if re.fullmatch(r"[0-9]{1,4}", w)]
    months = [w for w in words if w in _MONTH_NAMES]
    if len(months) == 1 and len(numbers) <= 2 and len(numbers) + 1 == len(words):
        days = [int(w) for w in numbers if len(w) <= 2]
        years = [int(w) for w in numbers if len(w) == 4]
        if len(days) == 1 and len(years) <= 1:
            month = _MONTH_NAMES.index(months[0]) + 1
            return _day_month(days[0], month, years[0] if years else None, today)
        if not days and len(years) <= 1:  # "juin 2027": its first day
            month = _MONTH_NAMES.index(months[0]) + 1
            return _day_month(1, month, years[0] if years else None, today)
        return None
    if not months and len(words) == 1 and re.fullmatch(r"[0-9]{1,2}", words[0]):
        # "le 15": this month's, or the next month that has it ("le 31" in November).
        for ahead in range(3):
            month_start = _add_months(today.replace(day=1), ahead)
            found = _day_month(int(words[0]), month_start.month, month_start.year, today)
            if found is not None and found >= today:
                return found
        return None
    try:
        parsed = _date_parser(language, today).get_date_data(" ".join(words))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.date_obj is None:
        return None
    read: date = parsed.date_obj.date()
    has_year = any(re.fullmatch(r"\d{4}", w) or _ISO_DATE.match(w) for w in words) or any(
        (m := _NUMERIC_DATE.match(w)) is not None and m.group(3) for w in words
    )
    has_month = has_year or any(w in _MONTH_NAMES or _NUMERIC_DATE.match(w) for w in words)
    if read < today and not has_year:
        if not has_month:
            read = _add_months(read, 1)
        else:
            for ahead in range(1, 9):
                try:
                    candidate = read.replace(year=read.year + ahead)
                except ValueError:
                    continue
                if candidate >= today:
                    read = candidate
                    break
    return read


def _day_month(day: int, month: int, year: int | None, today: date) -> date | None:
    """A valid day of a month (of ``year``, else the next year that has it from ``today``)."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for ahead in range(9):  # 29 February comes back within eight years
        try:
            found = date(today.year + ahead, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


# Repeating rules -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Rule:
    freq: str = ""
    interval: int = 1
    byday: list[str] | None = None
    bymonthday: int | None = None
    until: date | None = None
    count: int | None = None

    def text(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(self.byday))
        if self.bymonthday is not None:
            parts.append(f"BYMONTHDAY={self.bymonthday}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)


_EVERY = {"tous", "toutes", "chaque", "every", "each"}
_WEEKDAY_PLURAL = re.compile(r"^(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s$")
_EN_PLURAL_DAY = re.compile(r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s$")


def _weekday(word: str) -> int | None:
    if word in WEEKDAYS:
        return WEEKDAYS[word]
    match = _WEEKDAY_PLURAL.match(word) or _EN_PLURAL_DAY.match(word)
    return WEEKDAYS[match.group(1)] if match else None


def _weekday_list(tokens: list[_Token], i: int) -> tuple[list[int], int]:
    """``lundis et jeudis``, ``monday, thursday``: weekdays from ``i``."""
    days: list[int] = []
    while i < len(tokens):
        day = _weekday(tokens[i].word)
        if day is None:
            break
        days.append(day)
        i += 1
        if (
            i + 1 < len(tokens)
            and tokens[i].word in ("et", "and")
            and _weekday(tokens[i + 1].word) is not None
        ):
            i += 1
    return days, i


_MONTH_TAIL = (
    ("du", "mois"),
    ("de", "chaque", "mois"),
    ("de", "tous", "les", "mois"),
    ("of", "the", "month"),
    ("of", "every", "month"),
    ("of", "each", "month"),
    ("each", "month"),
    ("every", "month"),
    ("chaque", "mois"),
    ("par", "mois"),
    ("a", "month"),
)


def _month_tail(tokens: list[_Token], i: int) -> int:
    for tail in _MONTH_TAIL:
        words = tuple(t.word for t in tokens[i : i + len(tail)])
        if words == tail:
            return i + len(tail)
    return i


def _frequency(tokens: list[_Token], i: int, rule: _Rule) -> int:
    """The frequency part of a repeating phrase at ``i``; return the index after it (``i``
    when this is not a repeating phrase)."""
    words = [t.word for t in tokens]
    n = len(words)

    def at(k: int) -> str:
        return words[k] if k < n else ""

    start = i
    if at(i) in ("cron", "rrule"):
        return i
    if at(i) in ("daily", "quotidien", "quotidiennement"):
        rule.freq = "DAILY"
        return i + 1
    if at(i) in ("weekly", "hebdo", "hebdomadaire"):
        rule.freq = "WEEKLY"
        return i + 1
    if at(i) in ("monthly", "mensuel", "mensuellement"):
        rule.freq = "MONTHLY"
        return i + 1
    if (at(i), at(i + 1)) in (("en", "semaine"), ("on", "weekdays")) or at(i) == "weekdays":
        rule.freq, rule.byday = "WEEKLY", list(RRULE_DAYS[:5])
        return i + (1 if at(i) == "weekdays" else 2)
    every = at(i) in _EVERY
    if every:
        i += 1
        if at(i) in ("les", "the"):
            i += 1
    elif at(i) in ("le", "the", "on", "les"):
        i += 1
    elif at(i) not in ORDINALS:
        return start
    if at(i) in ("other", "autre") and every:
        rule.interval = 2
        i += 1
    elif at(i).isdecimal() and every and at(i + 1) not in ("du", "de", "of"):
        if not re.fullmatch(r"[0-9]{1,4}", at(i)) or not 1 <= int(at(i)) <= MAX_INTERVAL:
            raise TimeParseError(
                _("“{value}” is not an interval: write a number from 1 to {high}."),
                value=at(i)[:24],
                high=MAX_INTERVAL,
            )
        rule.interval = int(at(i))
        i += 1
    elif at(i) in SMALL_NUMBERS and at(i) not in ("a", "an", "un", "une") and every:
        rule.interval = SMALL_NUMBERS[at(i)]
        i += 1
    word = at(i)
    plain = {
        "jour": "DAILY",
        "jours": "DAILY",
        "day": "DAILY",
        "days": "DAILY",
        "semaine": "WEEKLY",
        "semaines": "WEEKLY",
        "week": "WEEKLY",
        "weeks": "WEEKLY",
        "mois": "MONTHLY",
        "month": "MONTHLY",
        "months": "MONTHLY",
        "an": "YEARLY",
        "ans": "YEARLY",
        "annee": "YEARLY",
        "annees": "YEARLY",
        "year": "YEARLY",
        "years": "YEARLY",
        "heure": "HOURLY",
        "heures": "HOURLY",
        "hour": "HOURLY",
        "hours": "HOURLY",
    }
    if word in ("minute", "minutes", "min"):
        raise TimeParseError(_("A reminder cannot repeat more often than once an hour."))
    if every and word in plain:
        rule.freq = plain[word]
        i += 1
        if rule.freq == "DAILY" and (
            (at(i), at(i + 1)) in (("de", "semaine"), ("ouvres", "")) or at(i) == "ouvres"
        ):
            rule.freq, rule.byday = "WEEKLY", list(RRULE_DAYS[:5])
            i += 1 if at(i) == "ouvres" else 2
        return i
    if every and word in ("weekday", "weekdays", "week-day"):
        rule.freq, rule.byday = "WEEKLY", list(RRULE_DAYS[:5])
        return i + 1
    if every and word in ("week-end", "week-ends", "weekend", "weekends"):
        rule.freq, rule.byday = "WEEKLY", ["SA", "SU"]
        return i + 1
    days, j = _weekday_list(tokens, i)
    if days and every:
        rule.freq = "WEEKLY"
        rule.byday = [RRULE_DAYS[d] for d in days]
        return j
    if word in ORDINALS:
        position = ORDINALS[word]
        if at(i + 1) in ("jour", "day") and position == -1:
            end = _month_tail(tokens, i + 2)
            if end > i + 2:
                rule.freq, rule.bymonthday = "MONTHLY", -1
                return end
        days, j = _weekday_list(tokens, i + 1)
        if len(days) == 1:
            end = _month_tail(tokens, j)
            if end > j:
                rule.freq = "MONTHLY"
                rule.byday = [f"{position}{RRULE_DAYS[days[0]]}"]
                return end
        return start
    match = _DAY_ORDINAL.match(word)
    if match and 1 <= int(match.group(1)) <= 31:
        end = _month_tail(tokens, i + 1)
        if end > i + 1:
            rule.freq, rule.bymonthday = "MONTHLY", int(match.group(1))
            return end
    return start


def _until_date(
    text: str, tokens: list[_Token], k: int, language: str, today: date
) -> tuple[date, int]:
    """The end date of a rule at ``tokens[k:]`` (``30 juin``, ``30/06/2027``, ``demain``) and
    the index after it; every date word there must make one valid date, or it is refused."""
    if k < len(tokens) and tokens[k].word in DAY_WORDS:
        return today + timedelta(days=DAY_WORDS[tokens[k].word]), k + 1
    end = k
    while end < len(tokens) and end - k < 4 and _is_date_word(tokens, end, loose=True):
        end += 1
    if end == k:
        raise TimeParseError(_("I could not read the end date of this rule."))
    found = _read_date([_canonical_date_word(t.word) for t in tokens[k:end]], language, today)
    if found is None:
        raise TimeParseError(
            _("I could not read the end date “{value}” of this rule."),
            value=text[tokens[k].start : tokens[end - 1].end],
        )
    return found, end


def _modifiers(
    text: str,
    tokens: list[_Token],
    i: int,
    rule: _Rule,
    tod: _TimeOfDay,
    language: str,
    now: datetime,
    zone: ZoneInfo,
) -> int:
    """Time of day, ``le jeudi``, ``jusqu'au 30 juin``, ``10 fois`` after the frequency."""
    while i < len(tokens):
        word = tokens[i].word
        j = _take_time(tokens, i, tod)
        if j > i:
            i = j
            continue
        if word in ("le", "on", "the", "les") and i + 1 < len(tokens):
            days, j = _weekday_list(tokens, i + 1)
            if days and rule.freq == "WEEKLY" and not rule.byday:
                rule.byday = [RRULE_DAYS[d] for d in days]
                i = j
                continue
            break
        days, j = _weekday_list(tokens, i)
        if days and rule.freq == "WEEKLY" and not rule.byday:
            rule.byday = [RRULE_DAYS[d] for d in days]
            i = j
            continue
        if word in ("jusqu'au", "jusqu'a", "until", "till") and rule.until is None:
            k = i + 1
            if k < len(tokens) and tokens[k].word in ("le", "the"):
                k += 1
            rule.until, i = _until_date(text, tokens, k, language, now.astimezone(zone).date())
            continue
        if (
            word.isascii()
            and word.isdigit()
            and i + 1 < len(tokens)
            and tokens[i + 1].word in ("fois", "times")
            and rule.count is None
        ):
            if len(word) > 4 or int(word) > MAX_COUNT:
                raise TimeParseError(_("A rule repeats at most {n} times."), n=MAX_COUNT)
            rule.count = int(word)
            if rule.count < 1:
                raise TimeParseError(_("A rule must happen at least once."))
            i += 2
            continue
        break
    return i


def _cron(tokens: list[_Token], i: int, text: str) -> tuple[str, int, int, int]:
    """``cron M H DOM MON DOW`` -> (rule, hour, minute, end offset in ``text``); the fields
    are read from the text (``0,30`` is one field, not two words)."""
    found = list(re.finditer(r"\S+", text[: tokens[i].end + 400]))
    found = [m for m in found if m.start() >= tokens[i].end][:5]
    fields = [m.group().casefold() for m in found]
    shown = clip(" ".join(fields), 40)
    if len(fields) != 5:
        raise TimeParseError(
            _("A cron rule has five fields, like “cron 0 9 * * 1-5”."),
        )
    minute, hour, monthday, month, weekday = fields

    def values(field: str, low: int, high: int) -> list[int] | None:
        if field == "*":
            return None
        out: list[int] = []
        for part in field.split(","):
            step = 1
            if "/" in part:
                part, step_text = part.split("/", 1)
                if not step_text.isdecimal() or int(step_text) < 1:
                    raise ValueError(field)
                step = int(step_text)
            if part == "*":
                first, last = low, high
            elif "-" in part:
                a, b = part.split("-", 1)
                first, last = int(a), int(b)
            else:
                first = last = int(part)
            if not low <= first <= last <= high:
                raise ValueError(field)
            out.extend(range(first, last + 1, step))
        return sorted(set(out))

    try:
        minutes = values(minute, 0, 59)
        hours = values(hour, 0, 23)
        monthdays = values(monthday, 1, 31)
        months = values(month, 1, 12)
        weekdays = values(weekday.replace("7", "0"), 0, 6)
    except ValueError:
        raise TimeParseError(
            _("Invalid cron rule “{value}”: write five fields like “cron 0 9 * * 1-5”."),
            value=shown,
        ) from None
    if minutes is None or len(minutes) > 4:
        raise TimeParseError(_("A reminder cannot repeat more often than once an hour."))
    if monthdays is not None and weekdays is not None:
        raise TimeParseError(
            _("A cron rule with both a day of the month and a day of the week is not supported.")
        )
    parts = ["FREQ=HOURLY" if hours is None else "FREQ=DAILY"]
    if months:
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if monthdays:
        parts.append("BYMONTHDAY=" + ",".join(map(str, monthdays)))
    if weekdays is not None:
        parts.append("BYDAY=" + ",".join(RRULE_DAYS[(d - 1) % 7] for d in weekdays))
    if hours is not None:
        parts.append("BYHOUR=" + ",".join(map(str, hours)))
    parts.append("BYMINUTE=" + ",".join(map(str, minutes)))
    return ";".join(parts), (hours or [0])[0], minutes[0], found[-1].end()


_RRULE_KEYS = {
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYHOUR",
    "BYMINUTE",
    "BYSETPOS",
    "BYYEARDAY",
    "BYWEEKNO",
    "WKST",
}
_FREQS = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Each BY part: (lowest, highest, zero allowed, frequencies it may be used with), as RFC 5545.
_BY_RANGES: dict[str, tuple[int, int, bool, tuple[str, ...]]] = {
    "BYMONTH": (1, 12, False, _FREQS),
    "BYMONTHDAY": (-31, 31, False, ("HOURLY", "DAILY", "MONTHLY", "YEARLY")),
    "BYYEARDAY": (-366, 366, False, ("HOURLY", "YEARLY")),
    "BYWEEKNO": (-53, 53, False, ("YEARLY",)),
    "BYHOUR": (0, 23, True, _FREQS),
    "BYMINUTE": (0, 59, True, _FREQS),
    "BYSETPOS": (-366, 366, False, _FREQS),
}
_BYDAY = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})Z?)?$")
MAX_INTERVAL = 365
MAX_COUNT = 1000
MAX_RULE_LENGTH = 300  # a real rule is far shorter; a longer one would flood every listing
MIN_GAP = timedelta(hours=1)
_GAP_SAMPLE = 12  # occurrences compared for the minimum gap between two sends
# dateutil's rrule looks for the next occurrence until the year 9999 when there is none (an
# hourly rule on 30 February takes seconds, INTERVAL=0 forever): every evaluation is given a
# budget of candidate days, counted by ``_Counted``, beyond which it stops with no occurrence.
_RULE_STEPS = 20_000


def _checked_rrule(raw: str, now: datetime | None, zone: ZoneInfo | None) -> str:
    """An RRULE whose every part is known and in range (RFC 5545), or TimeParseError.

    ``now`` (with ``zone``) also bounds UNTIL: not past, not more than ten years away."""
    shown = clip(raw, 80)
    if len(raw) > MAX_RULE_LENGTH:
        raise TimeParseError(
            _("This rule is too long: at most {n} characters."), n=MAX_RULE_LENGTH
        )
    pairs: dict[str, str] = {}
    for part in raw.split(";"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or key not in _RRULE_KEYS or key in pairs or not value:
            raise TimeParseError(_("Invalid RRULE “{value}”."), value=shown)
        pairs[key] = value
    freq = pairs.get("FREQ", "")
    if freq in ("SECONDLY", "MINUTELY"):
        raise TimeParseError(_("A reminder cannot repeat more often than once an hour."))
    if freq not in _FREQS:
        raise TimeParseError(_("Invalid RRULE “{value}”."), value=shown)

    def number(key: str, text: str, low: int, high: int, zero: bool = True) -> int:
        value = int(text) if re.fullmatch(r"[+-]?\d{1,4}", text) else None
        if value is None or not low <= value <= high or (value == 0 and not zero):
            raise TimeParseError(
                _("Invalid RRULE “{value}”: {part} must be a whole number from {low} to {high}."),
                value=shown,
                part=key,
                low=low,
                high=high,
            )
        return value

    def misplaced(key: str) -> TimeParseError:
        return TimeParseError(
            _("Invalid RRULE “{value}”: {part} cannot be used with FREQ={freq}."),
            value=shown,
            part=key,
            freq=freq,
        )

    if "INTERVAL" in pairs:
        number("INTERVAL", pairs["INTERVAL"], 1, MAX_INTERVAL)
    if "COUNT" in pairs:
        number("COUNT", pairs["COUNT"], 1, MAX_COUNT)
    for key, (low, high, zero, freqs) in _BY_RANGES.items():
        if key in pairs:
            if freq not in freqs:
                raise misplaced(key)
            values = pairs[key].split(",")
            for value in values:
                number(key, value, low, high, zero)
            if len({int(value) for value in values}) != len(values):
                raise TimeParseError(
                    _("Invalid RRULE “{value}”: {part} gives the same value twice."),
                    value=shown,
                    part=key,
                )
    if "WKST" in pairs and pairs["WKST"] not in RRULE_DAYS:
        raise TimeParseError(_("Invalid RRULE “{value}”."), value=shown)
    days = pairs["BYDAY"].split(",") if "BYDAY" in pairs else []
    if len(set(days)) != len(days):
        raise TimeParseError(
            _("Invalid RRULE “{value}”: {part} gives the same value twice."),
            value=shown,
            part="BYDAY",
        )
    for day in days:
        match = _BYDAY.match(day)
        if match is None:
            raise TimeParseError(_("Invalid RRULE “{value}”."), value=shown)
        if match.group(2) is not None:
            if freq not in ("MONTHLY", "YEARLY") or (freq == "YEARLY" and "BYWEEKNO" in pairs):
                raise misplaced("BYDAY")
            most = 53 if freq == "YEARLY" and "BYMONTH" not in pairs else 5
            number("BYDAY", match.group(1) + match.group(2), -most, most, False)
    if "UNTIL" in pairs:
        match = _UNTIL.match(pairs["UNTIL"])
        try:
            assert match is not None
            until = datetime.strptime(
                match.group(1) + (match.group(2) or "235959"), "%Y%m%d%H%M%S"
            )
        except (AssertionError, ValueError):
            raise TimeParseError(_("Invalid RRULE “{value}”."), value=shown) from None
        if now is not None and zone is not None:
            local_now = now.astimezone(zone).replace(tzinfo=None)
            if until <= local_now:
                raise TimeParseError(_("The end date of this rule is already past."))
            if until > local_now + timedelta(days=365 * MAX_YEARS_AHEAD):
                raise TimeParseError(_("The end date of this rule is more than ten years away."))
    return ";".join(f"{key}={value}" for key, value in pairs.items())


def _raw_rrule(text: str, tokens: list[_Token], i: int) -> tuple[str, int]:
    """The rule after ``rrule`` (one word, up to the next space): (rule, its end offset)."""
    if i + 1 >= len(tokens):
        raise TimeParseError(_("Write the rule after “rrule”, like “rrule FREQ=WEEKLY;BYDAY=MO”."))
    match = re.compile(r"\S+").match(text, tokens[i + 1].start)
    assert match is not None
    raw = match.group().strip().upper().removeprefix("RRULE:")
    return raw, match.end()


class _OutOfSteps(Exception):
    """A rule evaluation used up its budget of candidate days."""


class _Steps:
    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left


class _Counted:
    """Stands for an rrule's BYMONTH or BYWEEKDAY set (same members) and counts each look-up:
    dateutil tests every candidate day against it, so the count bounds the work."""

    __slots__ = ("steps", "values")

    def __init__(self, values: tuple[int, ...], steps: _Steps) -> None:
        self.values = values
        self.steps = steps

    def __contains__(self, value: object) -> bool:
        self.steps.left -= 1
        if self.steps.left < 0:
            raise _OutOfSteps
        return value in self.values

    def __iter__(self) -> Iterator[int]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def __bool__(self) -> bool:
        return True


def _bounded_rule(rule: str, start: datetime, budget: int) -> rrule | None:
    """``rule`` from the naive local ``start``, its evaluation stopped after ``budget``
    candidate days (``_OutOfSteps``); None when dateutil cannot read it."""
    try:
        parsed = rrulestr(rule, dtstart=start.replace(tzinfo=None))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        return None
    if not isinstance(parsed, rrule):
        return None
    steps = _Steps(budget)
    # dateutil reads these private sets only to filter candidate days (BYMONTH also to place
    # a yearly "first Monday", so it is left alone there when absent): all months and all
    # weekdays filter nothing out, and the look-ups are counted.
    inside: Any = parsed
    if inside._bymonth or not (inside._freq == YEARLY and inside._bynweekday):
        inside._bymonth = _Counted(tuple(inside._bymonth or range(1, 13)), steps)
    inside._byweekday = _Counted(tuple(inside._byweekday or range(7)), steps)
    return parsed


def _rebased(rule: str, start: datetime, after: datetime) -> datetime:
    """A later start for an hourly, daily or weekly rule without COUNT, whole periods after
    ``start`` and just before ``after``: the same occurrences, without walking through years
    of past ones."""
    parts = dict(part.partition("=")[::2] for part in rule.split(";"))
    steps = {"HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(7)}
    unit = steps.get(parts.get("FREQ", ""))
    interval = parts.get("INTERVAL", "1")
    if unit is None or "COUNT" in parts or not interval.isdecimal() or int(interval) < 1:
        return start
    period = unit * int(interval)
    periods = (after - start) // period - 1
    return start + period * periods if periods > 0 else start


def _budget(rule: str, start: datetime, after: datetime) -> int:
    """Candidate days allowed: a fixed budget plus the days (hours, for an hourly rule) a
    long-lived rule has to walk through from its start."""
    span = max(after - start.replace(tzinfo=None), timedelta(0))
    per_day = 48 if "FREQ=HOURLY" in rule else 2
    return _RULE_STEPS + per_day * span.days


def _occurrences_after(
    rule: str, start: datetime, after_local: datetime, limit: int
) -> list[datetime] | None:
    """Up to ``limit`` local naive occurrences strictly after ``after_local`` and within
    ``_WINDOW_YEARS``; None when the rule cannot be read or its evaluation ran out of steps
    before finding any."""
    start = _rebased(rule, start.replace(tzinfo=None), after_local)
    parsed = _bounded_rule(rule, start, _budget(rule, start, after_local))
    if parsed is None:
        return None
    try:
        window = after_local.replace(year=after_local.year + _WINDOW_YEARS)
    except ValueError:
        window = after_local + timedelta(days=365 * _WINDOW_YEARS)
    found: list[datetime] = []
    try:
        for occurrence in parsed:
            if occurrence > window:
                break
            if occurrence > after_local:
                found.append(occurrence)
                if len(found) >= limit:
                    break
    except (_OutOfSteps, ValueError, OverflowError, IndexError, KeyError, TypeError):
        # Out of steps, or a rule dateutil cannot follow (a 5th Monday of a short month…).
        return found or None
    return found


def _first_of_rule(
    rule_text: str, start_local: datetime, zone: ZoneInfo, now: datetime, value: str
) -> datetime:
    """The first occurrence after ``now`` of a rule being created, checked: readable, with
    a date in the coming years, never two sends less than an hour apart."""
    rule_text = _checked_rrule(rule_text, now, zone)
    if _bounded_rule(rule_text, start_local, 1) is None:
        raise TimeParseError(_("Invalid RRULE “{value}”."), value=value[:80])
    after_local = now.astimezone(zone).replace(tzinfo=None)
    found = _occurrences_after(rule_text, start_local, after_local, _GAP_SAMPLE)
    if not found:
        raise TimeParseError(_("This rule has no date in the coming years."))
    if any(later - earlier < MIN_GAP for earlier, later in itertools.pairwise(found)):
        raise TimeParseError(_("A reminder cannot repeat more often than once an hour."))
    return _localize(found[0].date(), found[0].hour, found[0].minute, zone)


def _next_local(
    rule: str, start: datetime, after_local: datetime, zone: ZoneInfo
) -> datetime | None:
    found = _occurrences_after(rule, start, after_local, 1)
    if not found:
        return None
    return _localize(found[0].date(), found[0].hour, found[0].minute, zone)


def _recurring(
    text: str,
    tokens: list[_Token],
    start: int,
    now: datetime,
    language: str,
    zone: ZoneInfo,
    default_hour: int,
) -> When | None:
    local_now = now.astimezone(zone)
    word = tokens[start].word if start < len(tokens) else ""
    if word == "cron":
        rule_text, hour, minute, end = _cron(tokens, start, text)
        start_local = datetime.combine(local_now.date(), time(hour, minute))
        first = _first_of_rule(rule_text, start_local, zone, now, rule_text)
        return _when_at(text, end, first, zone, rule_text, start_local)
    if word == "rrule":
        raw, rule_end = _raw_rrule(text, tokens, start)
        rule_text = _checked_rrule(raw, now, zone)
        # The rule is one word however many commas it has: the time and text follow it.
        after = _tokens(text, rule_end)
        tod = _TimeOfDay()
        end = _take_time(after, 0, tod)
        hour, minute, _next = tod.resolve(default_hour)
        start_local = datetime.combine(local_now.date(), time(hour, minute))
        first = _first_of_rule(rule_text, start_local, zone, now, raw)
        consumed = after[end - 1].end if end > 0 else rule_end
        return _when_at(text, consumed, first, zone, rule_text, start_local)
    rule = _Rule()
    tod = _TimeOfDay()
    i = _frequency(tokens, start, rule)
    if i == start:
        return None
    if rule.interval > 365:
        raise TimeParseError(_("This interval is too long."))
    i = _modifiers(text, tokens, i, rule, tod, language, now, zone)
    hour, minute, next_day = tod.resolve(default_hour)
    if rule.freq == "HOURLY":
        hour = local_now.hour if tod.hour is None else hour
        if tod.hour is None:
            minute = 0
    if next_day:  # "tous les jours à minuit": midnight starts each day
        hour, minute = 0, 0
    start_local = datetime.combine(local_now.date(), time(hour, minute))
    rule_text = rule.text()
    if rule.count is not None:
        # COUNT counts from DTSTART: start on the first future occurrence.
        first = _first_of_rule(
            rule.text().replace(f";COUNT={rule.count}", ""), start_local, zone, now, rule_text
        )
        start_local = datetime.combine(first.astimezone(zone).date(), time(hour, minute))
    if rule.until is not None:
        until_local = datetime.combine(rule.until, time(23, 59, 59))
        if until_local <= local_now.replace(tzinfo=None):
            raise TimeParseError(_("The end date of this rule is already past."))
        rule_text += ";UNTIL=" + until_local.strftime("%Y%m%dT%H%M%S")
    first = _first_of_rule(rule_text, start_local, zone, now, rule_text)
    return _when(text, tokens, i, first, zone, rule_text, start_local)


def _when(
    text: str,
    tokens: list[_Token],
    end: int,
    first: datetime,
    zone: ZoneInfo,
    rule: str | None = None,
    start: datetime | None = None,
) -> When:
    return _when_at(text, tokens[end - 1].end if end > 0 else 0, first, zone, rule, start)


def _when_at(
    text: str,
    consumed: int,
    first: datetime,
    zone: ZoneInfo,
    rule: str | None = None,
    start: datetime | None = None,
) -> When:
    return When(
        first=first.astimezone(UTC),
        timezone=str(zone.key),
        rule=rule,
        start=start,
        consumed=consumed,
        rest=text[consumed:].lstrip(" \t\n,;:-–—").strip(),
    )


# Public API ----------------------------------------------------------------------------------


def parse_when(
    text: str,
    now: datetime,
    language: str,
    timezone: str,
    *,
    default_hour: int = 9,
    recurring: bool = True,
) -> When:
    """Read the date, time or repeating rule at the start of ``text`` (see the module doc)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(timezone)
    tokens = _tokens(text)
    start = 0
    while start < len(tokens) and tokens[start].word in LEADING:
        start += 1
    if start >= len(tokens):
        raise TimeParseError(_("Say when: a date, a time or a repeating rule."))
    if recurring:
        found = _recurring(text, tokens, start, now, language, zone, default_hour)
        if found is not None:
            return _without_exceptions(found)
    one_off = _one_off(text, tokens, start, now, language, zone, default_hour)
    if one_off is None:
        raise TimeParseError(
            _(
                "I did not find a date or time at the start: write it like “tomorrow 6pm”, "
                "“in 2 hours” or “every monday at 9”."
            )
        )
    moment, end = one_off
    if moment <= now:
        raise TimeParseError(
            _("{when} is already past: give a moment in the future."),
            when=format_datetime(moment, language, timezone),
        )
    if moment > now + timedelta(days=365 * MAX_YEARS_AHEAD):
        raise TimeParseError(
            _("{when} is more than ten years away."),
            when=format_datetime(moment, language, timezone),
        )
    if end < len(tokens) and re.fullmatch(r"[0-9]{5,}", tokens[end].word):
        # "le 12 décembre 99999": a year the date could not take, not the reminder's text.
        raise TimeParseError(
            _("I could not read the date “{value}”."),
            value=clip(text[tokens[start].start : tokens[end].end], 40),
        )
    return _without_exceptions(_when(text, tokens, end, moment, zone))


_EXCEPT_WORDS = {"sauf", "except", "excepte", "hors", "but", "excluding", "exclu"}
_EXCEPT_TARGETS = {"ferie", "feries", "vacances", "holiday", "holidays", "weekend", "weekends"}


def _without_exceptions(found: When) -> When:
    """Refuse ``sauf en août`` / ``except in August`` after a date: it would silently become
    the reminder's text while the reminder is sent anyway."""
    words = [t.word for t in _tokens(found.rest)[:5]]
    dated = any(w in MONTHS or _weekday(w) is not None or w in _EXCEPT_TARGETS for w in words)
    if words and words[0] in _EXCEPT_WORDS and dated:
        raise TimeParseError(
            _(
                "Exceptions like “{value}” are not understood: set the reminder without "
                "it, then skip the dates you do not want."
            ),
            value=clip(" ".join(found.rest.split()[:5]), 40),
        )
    if found.rule is None and _repeats_after(words):
        raise TimeParseError(
            _(
                "“{value}” after a date is not understood: a repeating reminder starts with "
                "its rule, like “tous les 15 du mois” or “every monday”."
            ),
            value=clip(" ".join(found.rest.split()[:4]), 40),
        )
    if found.rule is not None and _date_after_rule(words):
        raise TimeParseError(
            _(
                "“{value}” after a repeating rule is not understood: a yearly date is written "
                "“rrule FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28”."
            ),
            value=clip(" ".join(found.rest.split()[:4]), 40),
        )
    return found


def _repeats_after(words: list[str]) -> bool:
    """``de chaque année`` / ``of every year`` left after a one-off date."""
    return (
        len(words) >= 3
        and words[0] in ("de", "d'", "of")
        and words[1] in ("chaque", "every", "each", "tous", "toutes")
        and any(w in _FREQ_WORDS for w in words[2:4])
    )


def _date_after_rule(words: list[str]) -> bool:
    """``on 29 february`` left after ``every year``: the date would silently become text."""
    rest = words[1:] if words and words[0] in ("on", "le", "the") else words
    return len(rest) >= 2 and rest[0].isdigit() and len(rest[0]) <= 2 and rest[1] in MONTHS


_FREQ_WORDS = frozenset(
    (
        *("jour", "jours", "semaine", "semaines", "mois", "an", "ans", "annee", "annees"),
        *("day", "days", "week", "weeks", "month", "months", "year", "years"),
    )
)


def parse_moment(
    text: str, now: datetime, language: str, timezone: str, *, default_hour: int = 9
) -> datetime:
    """The whole of ``text`` as one future moment (UTC); raise ``TimeParseError``."""
    found = parse_when(text, now, language, timezone, default_hour=default_hour, recurring=False)
    if found.rest:
        raise TimeParseError(_("I did not understand “{value}” in this date."), value=found.rest)
    return found.first


def next_occurrence(rule: str, start: datetime, timezone: str, after: datetime) -> datetime | None:
    """The first occurrence of ``rule`` (from local naive ``start``) strictly after ``after``."""
    zone = ZoneInfo(timezone)
    start = start.replace(tzinfo=None)
    after_local = after.astimezone(zone).replace(tzinfo=None)
    found = _next_local(rule, start, after_local, zone)
    if found is not None and found <= after:
        # A wall time repeated by DST (fold) maps to the first instant: look one hour later.
        found = _next_local(rule, start, after_local + timedelta(hours=1), zone)
    return found


# Rules in words ------------------------------------------------------------------------------

_DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_POSITIONS = {
    "fr": {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", -1: "dernier"},
    "en": {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"},
}


def describe_rule(rule: str, start: datetime, language: str) -> str:
    """A repeating rule in words, e.g. ``tous les lundis à 09:00`` / ``every Monday at 09:00``."""
    lang = "fr" if language == "fr" else "en"
    try:
        parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    except ValueError:
        return rule
    freq = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1") or 1)
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    clock = f"{start.hour:02d}:{start.minute:02d}"
    fr = lang == "fr"
    names = _DAY_NAMES[lang]
    core = ""
    if set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT"}:
        core = ("règle " if fr else "rule ") + rule
        return core
    if freq == "DAILY":
        core = (
            ("tous les jours" if interval == 1 else f"tous les {interval} jours")
            if fr
            else ("every day" if interval == 1 else f"every {interval} days")
        )
    elif freq == "WEEKLY":
        if days == list(RRULE_DAYS[:5]):
            core = "en semaine" if fr else "every weekday"
        else:
            labels = [names[RRULE_DAYS.index(d)] for d in days if d in RRULE_DAYS]
            if not labels:
                labels = [names[start.weekday()]]
            joined = (" et " if fr else " and ").join(
                [", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels
            )
            if interval == 1:
                core = f"tous les {joined}s".replace(" et ", "s et ") if fr else f"every {joined}"
            elif interval == 2:
                core = f"un {joined} sur deux" if fr else f"every other {joined}"
            else:
                core = (
                    f"toutes les {interval} semaines le {joined}"
                    if fr
                    else f"every {interval} weeks on {joined}"
                )
    elif freq == "MONTHLY":
        monthday = parts.get("BYMONTHDAY")
        every_n = "" if interval == 1 else (f" (tous les {interval} mois)" if fr else "")
        if days and re.fullmatch(r"[+-]?\d[A-Z]{2}", days[0]):
            position = int(days[0][:-2])
            day = names[RRULE_DAYS.index(days[0][-2:])]
            word = _POSITIONS[lang].get(position, str(position))
            core = f"le {word} {day} du mois" if fr else f"the {word} {day} of the month"
        elif monthday == "-1":
            core = "le dernier jour du mois" if fr else "the last day of the month"
        elif monthday:
            core = f"le {monthday} de chaque mois" if fr else f"the {monthday} of every month"
        else:
            core = f"le {start.day} de chaque mois" if fr else f"the {start.day} of every month"
        core += every_n if fr else (f" (every {interval} months)" if interval > 1 else "")
    elif freq == "YEARLY":
        core = "tous les ans" if fr else "every year"
    elif freq == "HOURLY":
        core = "toutes les heures" if fr else "every hour"
        clock = f"xx:{start.minute:02d}"
    else:
        return rule
    text = f"{core} à {clock}" if fr else f"{core} at {clock}"
    if "COUNT" in parts:
        text += f", {parts['COUNT']} fois" if fr else f", {parts['COUNT']} times"
    if "UNTIL" in parts:
        until = parts["UNTIL"][:8]
        stamp = f"{until[6:8]}/{until[4:6]}/{until[:4]}"
        text += f", jusqu'au {stamp}" if fr else f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return text


# Date-poll slots -----------------------------------------------------------------------------
# A date poll's slots are free text (``lun 7/9 18h``, ``Chez Paul``): read as a moment when they
# can be, for the chosen slot's calendar file and to refuse a weekday contradicting its date.

_SLOT_WEEKDAY_ABBREVIATIONS = {
    "lun": "lundi",
    "mar": "mardi",
    "mer": "mercredi",
    "jeu": "jeudi",
    "ven": "vendredi",
    "sam": "samedi",
    "dim": "dimanche",
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
_SLOT_LEADING_WORD = re.compile(r"^\s*([^\W\d_]+)\.?(?=[\s,]|$)")


@dataclass(frozen=True, slots=True)
class Slot:
    """A date-poll slot read as a moment: a start (UTC) with a time, or a whole day."""

    start: datetime
    timed: bool


def read_slot(text: str, after: datetime, language: str, timezone: str) -> Slot | None:
    """A slot's text (``lun 7/9 18h``, ``jeudi 10 septembre 19h``) as a moment after ``after``
    (when the poll was created), or None when it cannot be read. A weekday that does not match
    the date makes it unreadable: better no calendar file than a wrong one."""
    read = _read_slot(text, after, language, timezone)
    return read[0] if read is not None and read[1] else None


def contradicted_slot(text: str, after: datetime, language: str, timezone: str) -> Slot | None:
    """The date a slot names when its weekday says another day (``lundi 5 janvier 2027``, a
    Tuesday); None when the slot agrees with itself or is no date at all (``Chez Paul``)."""
    read = _read_slot(text, after, language, timezone)
    return read[0] if read is not None and not read[1] else None


def _read_slot(
    text: str, after: datetime, language: str, timezone: str
) -> tuple[Slot, bool] | None:
    """A slot's moment and whether its weekday (if one is written) matches the date."""
    weekday = None
    rest = text
    match = _SLOT_LEADING_WORD.match(text)
    if match:
        word = fold(match.group(1))
        full = _SLOT_WEEKDAY_ABBREVIATIONS.get(word, word)
        weekday = WEEKDAYS.get(full)
        if weekday is not None:
            rest = text[match.end() :].strip(" ,")
            text = full + text[match.end() :]
    slot = _parse_slot(text, after, language, timezone)
    if slot is None and weekday is not None and rest:
        # The date reader refuses a weekday that contradicts the date: read the date alone
        # to say which day it really is.
        slot = _parse_slot(rest, after, language, timezone)
        if slot is None:
            return None
    if slot is None:
        return None
    agrees = weekday is None or slot.start.astimezone(ZoneInfo(timezone)).weekday() == weekday
    return slot, agrees


def _parse_slot(text: str, after: datetime, language: str, timezone: str) -> Slot | None:
    try:
        # Read twice with different default hours: if they differ, no time was given.
        start = parse_moment(text, after, language, timezone, default_hour=9)
        other = parse_moment(text, after, language, timezone, default_hour=10)
    except UsageError:
        return None
    return Slot(start, timed=start == other)


_SLOT_NUMERIC_DATE = re.compile(
    r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?(?![\d/.])"
)


def impossible_slot_date(text: str) -> str | None:
    """The date written in a slot when no calendar has it (``31 février``, ``12/13``,
    ``lun 31/04``): a slot members would answer for, and no day could match. None otherwise."""
    for match in _SLOT_NUMERIC_DATE.finditer(text):
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else None
        if not _real_date(day, month, year):
            return match.group()
    shown = text.split()
    words = [re.sub(r"^(\d{1,2})(st|nd|rd|th|er|e)$", r"\1", fold(w).strip(".,;:")) for w in shown]
    for i in range(len(words) - 1):
        pair = (words[i], words[i + 1])
        for day_word, month_word in (pair, pair[::-1]):
            named = MONTHS.get(month_word)
            if not (named and day_word.isdigit() and len(day_word) <= 2):
                continue
            if not _real_date(int(day_word), named, None):
                return f"{shown[i]} {shown[i + 1]}"
    return None


def _real_date(day: int, month: int, year: int | None) -> bool:
    if year is not None and year < 100:
        year += 2000
    try:
        date(year or 2028, month, day)  # 2028 is a leap year: 29/02 exists in some year
    except ValueError:
        return False
    return True
