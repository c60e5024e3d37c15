"""Quiet hours: a room's span of hours when reminders wait (``/silence 22h-8h``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.context import Context, Services
from bot.errors import UsageError
from bot.i18n import _
from bot.router import Router
from bot.text import clip
from handlers.reminders.settings import RemindersSettings
from storage.rooms import RoomRecord

router = Router("reminders")

QUIET_OFF_WORDS = ("off", "non", "no", "aucune", "none", "0")
_CLOCK = r"([01]?[0-9]|2[0-3])(?:[:h]([0-5][0-9])?)?"
_QUIET = re.compile(rf"^{_CLOCK}\s*-\s*{_CLOCK}$")


def parse_quiet_hours(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``22h-8h``, ``22:00-08:00``, ``22h30-7h`` → ((22, 0), (8, 0)); None if not a span."""
    match = _QUIET.match(text.strip().casefold().replace(" ", ""))
    if match is None:
        return None
    start_h, start_m, end_h, end_m = match.groups()
    start = (int(start_h), int(start_m) if start_m else 0)
    end = (int(end_h), int(end_m) if end_m else 0)
    return (start, end) if start != end else None


def room_quiet_hours(services: Services, room_key: str) -> str:
    """The room's quiet hours (``22:00-08:00``) or ``""``: its own setting, else the default."""
    own = services.store.reminders.quiet_hours(room_key)
    return services.config.feature(RemindersSettings).quiet_hours if own is None else own


def quiet_release(services: Services, room: RoomRecord, moment: datetime) -> datetime | None:
    """When the quiet hours around ``moment`` end in the room, or None if it is not quiet."""
    span = parse_quiet_hours(room_quiet_hours(services, room.key))
    if span is None:
        return None
    (start_h, start_m), (end_h, end_m) = span
    zone = ZoneInfo(room.timezone)
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    quiet = start <= minute < end if start < end else minute >= start or minute < end
    if not quiet:
        return None
    day = local.date()
    if start > end and minute >= start:
        day += timedelta(days=1)
    naive = datetime(day.year, day.month, day.day, end_h, end_m)
    return naive.replace(tzinfo=zone).astimezone(moment.tzinfo)


@router.command(
    "quiet",
    "silence",
    usage=_("[start-end | off]"),
    help=_("Show the room's quiet hours, when reminders wait; organizers set them."),
    examples=(_("/quiet 22:00-08:00"), _("/quiet off")),
)
async def quiet(ctx: Context) -> None:
    text = ctx.text.strip()
    if not text:
        current = room_quiet_hours(ctx.services, ctx.room.key)
        if current:
            await ctx.reply(ctx.t("Quiet hours here: {span}.", span=current))
        else:
            await ctx.reply(ctx.t("No quiet hours here."))
        return
    ctx.require_organizer()
    if text.casefold() in QUIET_OFF_WORDS:
        ctx.store.reminders.set_quiet_hours(ctx.room.key, "")
        await ctx.reply(ctx.t("Quiet hours off: reminders go out at any hour."))
        return
    span = parse_quiet_hours(text)
    if span is None:
        raise UsageError(
            "Give a span of hours like 22h-8h or 22:00-08:00 (or “off”), not “{value}”.",
            value=clip(text, 24),
        )
    (start_h, start_m), (end_h, end_m) = span
    value = f"{start_h:02d}:{start_m:02d}-{end_h:02d}:{end_m:02d}"
    ctx.store.reminders.set_quiet_hours(ctx.room.key, value)
    await ctx.reply(
        ctx.t(
            "Quiet hours: {span} ({zone}). Reminders due then wait until {end}, "
            "unless marked urgent.",
            span=value,
            zone=ctx.room.timezone,
            end=value[-5:],
        )
    )
