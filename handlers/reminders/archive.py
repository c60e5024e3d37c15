"""The archive page's coming events: what /agenda lists, from the association's group rooms
only (an event announced in a private chat stays there)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.context import RoomVoice, Services
from bot.router import Router
from bot.text import clip
from bot.web import ArchiveSection
from handlers.reminders.events import PLACE_LIMIT, TITLE_LIMIT
from storage.events import EventRecord

router = Router("reminders")

SHOWN = 50  # as /agenda


def group_rooms(services: Services, association_id: int) -> frozenset[str]:
    """The association's rooms that are not private chats."""
    return frozenset(
        room.key for room in services.store.rooms.groups_in_association(association_id)
    )


def coming(
    services: Services, association_id: int, now: datetime, limit: int
) -> list[EventRecord]:
    """The association's coming events announced in its group rooms, soonest first."""
    rooms = group_rooms(services, association_id)
    found = services.store.events.upcoming_in_association(association_id, now)
    return [event for event in found if event.room_key in rooms][:limit]


@router.archive_section(order=20)
async def coming_events(
    services: Services, association_id: int, voice: RoomVoice, query: Mapping[str, str]
) -> ArchiveSection | None:
    events = coming(services, association_id, services.clock.now(), SHOWN)
    rooms = {r.key: r.title for r in services.store.rooms.in_association(association_id)}
    several = len({event.room_key for event in events}) > 1
    return ArchiveSection(
        title=voice.t("Coming events"),
        template="archive_events.html",
        anchor="events",
        context={
            "empty": voice.t("No event coming."),
            "events": [
                {
                    "title": clip(event.title, TITLE_LIMIT),
                    "room": voice.t("(in {room})", room=clip(rooms.get(event.room_key) or "?", 60))
                    if several
                    else "",
                    "when": voice.when(event.starts_at),
                    "datetime": event.starts_at.isoformat(),
                    "place": bool(event.place),
                    "place_text": voice.t("Place: {place}", place=clip(event.place, PLACE_LIMIT)),
                }
                for event in events
            ],
        },
    )
