"""iCalendar (RFC 5545) files: one builder for every feature (events, reminders, date polls).

The icalendar library is imported where a file is built, not when the bot starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.text import clip, fold
from bot.timeparse import next_occurrence
from storage.events import EventRecord
from storage.reminders import ReminderRecord

SUMMARY_LIMIT = 200
LOCATION_LIMIT = 300
DESCRIPTION_LIMIT = 4000
DESCRIPTION_LINES = 60


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """One VEVENT: ``start`` is an aware datetime (shown in its own zone) or a whole day."""

    uid: str
    summary: str
    start: datetime | date
    stamp: datetime
    end: datetime | date | None = None
    description: str = ""
    rrule: str | None = None
    alarms: tuple[timedelta, ...] = ()  # how long before the start each alarm rings
    location: str = ""
    exdates: tuple[datetime, ...] = ()  # occurrences of ``rrule`` that will not happen


def one_line(text: str, limit: int) -> str:
    """A member's text as one calendar line: control characters and line breaks gone, clipped
    (icalendar escapes ``;``, ``,`` and backslashes itself)."""
    return clip(text, limit)


def paragraph(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """A member's text kept on its lines (a description, an agenda), each line cleaned."""
    lines = [clip(line, limit) for line in text.splitlines()]
    kept = "\n".join(line for line in lines[:DESCRIPTION_LINES] if line)
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"


def calendar(
    items: Iterable[CalendarItem],
    product: str,
    *,
    name: str = "",
    refresh: timedelta | None = None,
) -> bytes:
    """An RFC 5545 calendar file of ``items`` (with the VTIMEZONEs they need); a subscribed
    calendar has a ``name`` and tells apps how often to ``refresh`` it."""
    from icalendar import Alarm, Calendar, vDuration, vRecur
    from icalendar import Event as CalendarEvent

    document = Calendar()
    document.add("prodid", f"-//assobot//{product}//EN")
    document.add("version", "2.0")
    if name:
        document.add("x-wr-calname", one_line(name, SUMMARY_LIMIT))
    if refresh is not None:
        document.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
        document.add("x-published-ttl", vDuration(refresh))
    for item in items:
        event = CalendarEvent()
        summary = one_line(item.summary, SUMMARY_LIMIT)
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp.astimezone(UTC))
        event.add("dtstart", item.start)
        if item.end is not None:
            event.add("dtend", item.end)
        event.add("summary", summary)
        location = one_line(item.location, LOCATION_LIMIT)
        if location:
            event.add("location", location)
        description = paragraph(item.description)
        if description:
            event.add("description", description)
        if item.rrule:
            event.add("rrule", vRecur.from_ical(item.rrule.removeprefix("RRULE:")))
            for skipped in item.exdates:
                zone = item.start.tzinfo if isinstance(item.start, datetime) else None
                event.add("exdate", skipped.astimezone(zone) if zone else skipped)
        for before in item.alarms:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", -before)
            event.add_component(alarm)
        document.add_component(event)
    document.add_missing_timezones()
    return bytes(document.to_ical())


def event_item(record: EventRecord, now: datetime, description: str = "") -> CalendarItem:
    """An event as a VEVENT: its place, its end when known, an alarm per warning."""
    zone = ZoneInfo(record.timezone)
    return CalendarItem(
        uid=f"event-{record.id}@assobot",
        summary=record.title,
        start=record.starts_at.astimezone(zone),
        end=record.ends_at.astimezone(zone) if record.ends_at else None,
        stamp=now,
        location=record.place,
        description=description,
        alarms=tuple(timedelta(minutes=minutes) for minutes in record.warnings),
    )


def agenda(
    events: Iterable[EventRecord],
    reminders: Iterable[ReminderRecord],
    now: datetime,
    skipped: Mapping[int, Sequence[datetime]] | None = None,
) -> bytes:
    """The association's agenda: events with an alarm per warning, reminders with their RRULE
    and, from ``skipped`` (reminder id → occurrences), the dates skipped as EXDATE."""
    items = [event_item(record, now) for record in events]
    for reminder in reminders:
        item = reminder_item(reminder, now, (skipped or {}).get(reminder.id, ()))
        if item is not None:
            items.append(item)
    return calendar(items, "reminders and events")


def reminder_item(
    reminder: ReminderRecord, now: datetime, exdates: Sequence[datetime] = ()
) -> CalendarItem | None:
    """A reminder as a VEVENT (its series with its RRULE and the dates skipped), or None when
    it has no time left."""
    start = reminder_start(reminder)
    if start is None:
        return None
    return CalendarItem(
        uid=f"reminder-{reminder.id}@assobot",
        summary=reminder.text,
        start=start.astimezone(ZoneInfo(reminder.timezone)),
        stamp=now,
        rrule=reminder.rule,
        alarms=(timedelta(0),),
        exdates=tuple(exdates),
    )


def reminder_start(reminder: ReminderRecord) -> datetime | None:
    """A one-off: its time; a repeating one: the first occurrence of its rule."""
    if reminder.rule is None or reminder.start_local is None:
        return reminder.next_at
    zone = ZoneInfo(reminder.timezone)
    just_before = reminder.start_local.replace(tzinfo=zone) - timedelta(seconds=1)
    return next_occurrence(reminder.rule, reminder.start_local, reminder.timezone, just_before)


def file_name(title: str, fallback: str, moment: datetime | date | None = None) -> str:
    """A calendar file's name from its title (ASCII words) and, when given, its date:
    ``ag-annuelle-2027-01-12-1900.ics``."""
    words = "-".join(re.findall(r"[a-z0-9]+", fold(title)))[:40].strip("-") or fallback
    if isinstance(moment, datetime):
        words += moment.strftime("-%Y-%m-%d-%H%M")
    elif moment is not None:
        words += moment.strftime("-%Y-%m-%d")
    return f"{words}.ics"
