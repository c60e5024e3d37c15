"""iCalendar (RFC 5545) files: one builder for every feature (events, reminders, date polls)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, vRecur
from icalendar import Event as CalendarEvent

from bot.timeparse import next_occurrence
from storage.events import EventRecord
from storage.reminders import ReminderRecord


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


def calendar(items: Iterable[CalendarItem], product: str) -> bytes:
    """An RFC 5545 calendar file of ``items`` (with the VTIMEZONEs they need)."""
    document = Calendar()
    document.add("prodid", f"-//assobot//{product}//EN")
    document.add("version", "2.0")
    for item in items:
        event = CalendarEvent()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp.astimezone(UTC))
        event.add("dtstart", item.start)
        if item.end is not None:
            event.add("dtend", item.end)
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.rrule:
            event.add("rrule", vRecur.from_ical(item.rrule.removeprefix("RRULE:")))
        for before in item.alarms:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", item.summary)
            alarm.add("trigger", -before)
            event.add_component(alarm)
        document.add_component(event)
    document.add_missing_timezones()
    return bytes(document.to_ical())


def agenda(
    events: Iterable[EventRecord], reminders: Iterable[ReminderRecord], now: datetime
) -> bytes:
    """The association's agenda: events with an alarm per warning, reminders with their RRULE."""
    items = [
        CalendarItem(
            uid=f"event-{record.id}@assobot",
            summary=record.title,
            start=record.starts_at.astimezone(ZoneInfo(record.timezone)),
            stamp=now,
            alarms=tuple(timedelta(minutes=minutes) for minutes in record.warnings),
        )
        for record in events
    ]
    for reminder in reminders:
        start = reminder_start(reminder)
        if start is None:
            continue
        items.append(
            CalendarItem(
                uid=f"reminder-{reminder.id}@assobot",
                summary=reminder.text,
                start=start.astimezone(ZoneInfo(reminder.timezone)),
                stamp=now,
                rrule=reminder.rule,
                alarms=(timedelta(0),),
            )
        )
    return calendar(items, "reminders and events")


def reminder_start(reminder: ReminderRecord) -> datetime | None:
    """A one-off: its time; a repeating one: the first occurrence of its rule."""
    if reminder.rule is None or reminder.start_local is None:
        return reminder.next_at
    zone = ZoneInfo(reminder.timezone)
    just_before = reminder.start_local.replace(tzinfo=zone) - timedelta(seconds=1)
    return next_occurrence(reminder.rule, reminder.start_local, reminder.timezone, just_before)
