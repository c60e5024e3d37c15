"""The agenda subscription (``/agenda/<token>/agenda.ics``): the calendar a calendar app
subscribes to and refreshes by itself — the association's coming events with their place
(the general assembly once convened is one, with its agenda), and the repeating reminders of
its group rooms (never personal ones, never a private chat's).

The address comes from /archive (token kind "agenda"); a revoked token is a 404.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot import ics
from bot.context import RoomVoice, Services
from bot.router import Router
from bot.text import clip
from bot.web import WebRequest, WebResponse
from handlers.reminders.archive import coming
from storage.events import EventRecord
from storage.reminders import ReminderRecord

router = Router("reminders")

MAX_EVENTS = 500
MAX_REMINDERS = 200
AGENDA_ITEMS = 30
REFRESH = timedelta(hours=6)
NAME_LIMIT = 80


def repeating(services: Services, rooms: frozenset[str]) -> list[ReminderRecord]:
    """The repeating reminders of the group rooms (each once), never personal ones."""
    found: dict[int, ReminderRecord] = {}
    for room_key in sorted(rooms):
        for reminder in services.store.reminders.repeating_for_room(room_key):
            if not reminder.personal and reminder.room_key in rooms:
                found.setdefault(reminder.id, reminder)
    return sorted(found.values(), key=lambda r: r.id)[:MAX_REMINDERS]


def assembly_agendas(services: Services, association_id: int, voice: RoomVoice) -> dict[int, str]:
    """The convened general assembly's event and its agenda, as the event's description."""
    assembly = services.store.assembly.current(association_id)
    if assembly is None or assembly.event_id is None:
        return {}
    items = services.store.assembly.agenda(assembly.id)[:AGENDA_ITEMS]
    lines = [voice.t("Agenda of the general assembly:")] if items else []
    lines.extend(f"{item.position}. {item.text}" for item in items)
    return {assembly.event_id: "\n".join(lines)}


def items(
    services: Services,
    events: list[EventRecord],
    reminders: list[ReminderRecord],
    descriptions: dict[int, str],
    now: datetime,
) -> list[ics.CalendarItem]:
    """The calendar's VEVENTs: events (place, end, alarms), then the reminders' series."""
    found = [ics.event_item(e, now, descriptions.get(e.id, "")) for e in events]
    skipped = services.store.reminders.skipped([r.id for r in reminders])
    for reminder in reminders:
        item = ics.reminder_item(reminder, now, skipped.get(reminder.id, ()))
        if item is not None:
            found.append(item)
    return found


@router.page("GET", "/agenda/{token}/agenda.ics", token="agenda")
async def agenda_feed(services: Services, request: WebRequest) -> WebResponse:
    token = request.token
    assert token is not None
    association_id = token.association_id
    public = services.store.rooms.groups_in_association(association_id)
    voice = services.voice(public[0] if public else None)
    now = services.clock.now()
    rooms = frozenset(room.key for room in public)
    events = coming(services, association_id, now, MAX_EVENTS)
    reminders = repeating(services, rooms)
    descriptions = assembly_agendas(services, association_id, voice)
    # UIDs unique beyond this bot: two associations' agendas in one calendar app never clash.
    host = urlsplit(services.config.web.public_url).hostname or "assobot"
    found = [
        replace(item, uid=item.uid.replace("@assobot", f"@{host}"))
        for item in items(services, events, reminders, descriptions, now)
    ]
    titles = ", ".join(r.title for r in public if r.title)
    name = voice.t("Agenda of {name}", name=clip(titles, NAME_LIMIT)) if titles else ""
    # Writing the file is pure computation (about 1 ms an event): in a worker thread, so the
    # chat's commands are not held while a calendar app (or anyone) fetches a long agenda.
    body = await asyncio.to_thread(
        ics.calendar,
        found,
        "agenda",
        name=name or voice.t("Calendar of the association"),
        refresh=REFRESH,
    )
    return WebResponse.file(body, "text/calendar", "agenda.ics")
