"""Convening a general assembly: reading the convocation (date, place, agenda, kind), the
calendar event with its warnings J-15 and J-1, the notice period, the convocation sent to every
linked room with its calendar file, and individually in private chats (logged per member)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.context import Context, RoomVoice, Services
from bot.errors import Refusal, UsageError
from bot.ics import calendar, event_item, file_name
from bot.message import Attachment, Outgoing
from bot.text import clip
from bot.timeparse import parse_moment
from handlers.polls.assembly.session import kind_title
from handlers.polls.requests import norm
from storage.assembly import AgendaItem, AssemblyKind, AssemblyRecord

PLACE_LIMIT = 300
ITEM_LIMIT = 300
AGENDA_LIMIT = 30
LENGTH = timedelta(hours=2)  # a session's expected length (the calendar's DTEND)
WARNINGS = (15 * 24 * 60, 24 * 60)  # J-15 and J-1, in minutes before the start
PRIVATE_CAP = 2000  # individual convocations sent by one command

EXTRA_WORDS = frozenset({"extraordinaire", "extraordinary", "age", "ext"})
ORDINARY_WORDS = frozenset({"ordinaire", "ordinary", "ago"})
_AGENDA_PREFIX = re.compile(
    r"^\s*(?:ordre du jour|odj|agenda|order of business|order of the day)\s*:?\s*",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-•*]|\d{1,2}[.)])\s*")


def _is_agenda(part: str) -> bool:
    return bool(_AGENDA_PREFIX.match(part))


def parse_agenda(text: str) -> list[str]:
    """Agenda items separated by « ; » or one per line (bullets and numbers dropped)."""
    items: list[str] = []
    for line in text.splitlines():
        for part in line.split(";"):
            raw = _BULLET.sub("", part).strip()
            if not raw:
                continue
            item = clip(raw, ITEM_LIMIT + 1)
            if len(item) > ITEM_LIMIT:
                raise UsageError("An agenda item is limited to {n} characters.", n=ITEM_LIMIT)
            if item:
                items.append(item)
    if len(items) > AGENDA_LIMIT:
        raise UsageError("An agenda has at most {n} items.", n=AGENDA_LIMIT)
    return items


def _strip_agenda_prefix(part: str) -> str:
    """The items after « ordre du jour : »."""
    match = _AGENDA_PREFIX.match(part)
    return part[match.end() :] if match else part


def parse_convocation(ctx: Context, text: str) -> tuple[AssemblyKind, datetime, str, list[str]]:
    """``12 janvier 19h | Salle des fêtes | ordre du jour: A; B`` (``extraordinaire``
    anywhere in the first part): the kind, the start (UTC), the place and the agenda."""
    parts = text.split("|")
    words = parts[0].split()
    kind = AssemblyKind.ORDINARY
    kept = []
    for word in words:
        if norm(word) in EXTRA_WORDS:
            kind = AssemblyKind.EXTRAORDINARY
        elif norm(word) not in ORDINARY_WORDS:
            kept.append(word)
    if not kept:
        raise UsageError(
            "Say when, like: /{agm} convene 12 January 7pm | Town hall | agenda: "
            "Annual report; Accounts.",
            agm=ctx.command_name("agm"),
        )
    starts_at = parse_moment(
        " ".join(kept), ctx.now(), ctx.lang, ctx.room.timezone, default_hour=18
    )
    place = ""
    agenda: list[str] = []
    for part in parts[1:]:
        if _is_agenda(part):
            agenda.extend(parse_agenda(_strip_agenda_prefix(part)))
        elif part.strip() and not place:
            place = clip(part, PLACE_LIMIT + 1)
            if len(place) > PLACE_LIMIT:
                raise UsageError("A place is limited to {n} characters.", n=PLACE_LIMIT)
        elif part.strip():
            agenda.extend(parse_agenda(part))
    if len(agenda) > AGENDA_LIMIT:
        raise UsageError("An agenda has at most {n} items.", n=AGENDA_LIMIT)
    return kind, starts_at, place, agenda


def agenda_lines(voice: RoomVoice, items: list[AgendaItem] | list[str]) -> list[str]:
    texts = [item.text if isinstance(item, AgendaItem) else item for item in items]
    if not texts:
        return [voice.t("Agenda: not set yet.")]
    return [voice.t("Agenda:")] + [f"{n}. {text}" for n, text in enumerate(texts, start=1)]


def proxy_help(voice: RoomVoice) -> str:
    return voice.t(
        "If you cannot come, give your vote to another member with /{proxy} @member, or give "
        "the secretary a signed paper proxy.",
        proxy=voice.command("proxy"),
    )


def essentials(voice: RoomVoice, assembly: AssemblyRecord, items: list[AgendaItem]) -> list[str]:
    """What a convocation and its warnings repeat: kind, date, place, agenda, proxies."""
    lines = [
        voice.t(
            "{kind}: {when}.",
            kind=kind_title(voice, assembly),
            when=voice.when(assembly.starts_at),
        ),
    ]
    if assembly.place:
        lines.append(voice.t("Place: {place}", place=assembly.place))
    lines.extend(agenda_lines(voice, items))
    lines.append(proxy_help(voice))
    return lines


def convocation_text(voice: RoomVoice, assembly: AssemblyRecord, items: list[AgendaItem]) -> str:
    lines = [voice.t("📣 Convocation")]
    lines.extend(essentials(voice, assembly, items))
    return "\n".join(lines)


def notice_warning(ctx: Context, starts_at: datetime) -> str | None:
    """A warning when the statutes' notice period is not respected (never a refusal)."""
    days = ctx.store.statutes.get(ctx.room.association_id).notice_days
    if days <= 0:
        return None
    left = starts_at - ctx.now()
    if left >= timedelta(days=days):
        return None
    return ctx.tn(
        "⚠️ Your statutes ask for {n} day of notice and this assembly is in {left}: it is "
        "convened anyway; check that your statutes allow it.",
        "⚠️ Your statutes ask for {n} days of notice and this assembly is in {left}: it is "
        "convened anyway; check that your statutes allow it.",
        days,
        left=ctx.tn("{n} day", "{n} days", left.days) if left.days else ctx.t("less than a day"),
    )


async def convene(ctx: Context, text: str) -> None:
    """``/ag convoquer …``: the assembly, its event and warnings, the convocations."""
    if not text.strip():
        raise UsageError(
            "Say when, where and the agenda, like: /{agm} convene 12 January 7pm | Town hall | "
            "agenda: Annual report; Accounts.",
            agm=ctx.command_name("agm"),
        )
    association = ctx.room.association_id
    existing = ctx.store.assembly.current(association)
    if existing is not None:
        raise Refusal(
            "A general assembly is already convened for {when}: cancel it with /{agm} cancel "
            "or close it with /{agm} close first.",
            when=ctx.format_datetime(existing.starts_at),
            agm=ctx.command_name("agm"),
        )
    kind, starts_at, place, agenda = parse_convocation(ctx, text)
    now = ctx.now()
    assembly = ctx.store.assembly.create(
        association_id=association,
        room_key=ctx.room.key,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + LENGTH,
        timezone=ctx.room.timezone,
        place=place,
        agenda=agenda,
        created_by=ctx.sender.key,
        now=now,
    )
    items = ctx.store.assembly.agenda(assembly.id)
    voice = ctx.voice
    event = ctx.store.events.add(
        room_key=ctx.room.key,
        creator_key=ctx.sender.key,
        creator_name=ctx.sender.handle,
        title=kind_title(voice, assembly),
        starts_at=starts_at,
        timezone=ctx.room.timezone,
        warnings=WARNINGS,
        now=now,
        place=place,
        ends_at=starts_at + LENGTH,
    )
    ctx.store.assembly.set_event(assembly.id, event.id)
    assembly = ctx.store.assembly.get(assembly.id) or assembly
    # The warnings repeat the agenda and how to give a proxy (the date and the place come
    # with every event warning); the sweeper delivers them to every room of the association.
    reminder_text = "\n".join([*agenda_lines(voice, items), proxy_help(voice)])
    planned: list[str] = []
    for minutes in WARNINGS:
        due = starts_at - timedelta(minutes=minutes)
        if due <= now:
            continue
        ctx.store.reminders.add(
            room_key=ctx.room.key,
            creator_key=ctx.sender.key,
            creator_name=ctx.sender.handle,
            personal=False,
            text=reminder_text,
            rule=None,
            start_local=None,
            timezone=ctx.room.timezone,
            first=due,
            now=now,
            everywhere=True,
            event_id=event.id,
        )
        planned.append(ctx.format_datetime(due))
    rooms = await send_convocations(ctx, assembly)
    lines = [
        ctx.t(
            "General assembly convened: {kind}, {when}.",
            kind=kind_title(voice, assembly),
            when=ctx.format_datetime(starts_at),
        ),
        ctx.tn(
            "Convocation sent to {n} room with its calendar file.",
            "Convocation sent to {n} rooms with its calendar file.",
            rooms,
        ),
    ]
    if planned:
        lines.append(ctx.t("Reminders: {list}.", list=", ".join(planned)))
    warning = notice_warning(ctx, starts_at)
    if warning:
        lines.append(warning)
    lines.append(
        ctx.t(
            "Edit the agenda with /{agm} agenda until the session opens; send the convocation "
            "to each member privately with /{agm} convocations send.",
            agm=ctx.command_name("agm"),
        )
    )
    await ctx.reply("\n".join(lines))


def ics_file(services: Services, voice: RoomVoice, assembly: AssemblyRecord) -> Attachment | None:
    """The assembly's calendar file: its event with place, end and the agenda as description."""
    if assembly.event_id is None:
        return None
    event = services.store.events.get(assembly.event_id)
    if event is None:
        return None
    items = services.store.assembly.agenda(assembly.id)
    description = "\n".join([*agenda_lines(voice, items), proxy_help(voice)])
    content = calendar([event_item(event, services.clock.now(), description)], "general assembly")
    local = assembly.starts_at.astimezone(ZoneInfo(assembly.timezone))
    name = file_name(kind_title(voice, assembly), "assembly", local)
    return Attachment(name, content, "text/calendar")


async def send_convocations(ctx: Context, assembly: AssemblyRecord) -> int:
    """The convocation in every room of the association (with its .ics), logged; how many
    rooms got it."""
    items = ctx.store.assembly.agenda(assembly.id)
    sent = 0
    for room in ctx.store.rooms.linked_to(ctx.room.key):
        if room.private:
            continue
        voice = ctx.services.voice(room)
        out = Outgoing(
            convocation_text(voice, assembly, items),
            attachment=ics_file(ctx.services, voice, assembly),
        )
        delivery = await ctx.send(room.key, out)
        if delivery.ok:
            ctx.store.assembly.log_convocation(
                assembly.id, delivery.room_key or room.key, "room", ctx.now()
            )
            sent += 1
    return sent


async def send_private(
    services: Services, assembly: AssemblyRecord, voice: RoomVoice
) -> tuple[int, int]:
    """The convocation to each member seen, in a private chat where the platform allows one;
    each one delivered is logged with its time; members already convened are skipped.
    (sent, not reached)."""
    store = services.store.assembly
    items = store.agenda(assembly.id)
    text = convocation_text(voice, assembly, items)
    attachment = ics_file(services, voice, assembly)
    already = {c.target for c in store.convocations(assembly.id) if c.channel == "private"}
    sent = missed = 0
    for entry in store.roll(assembly.association_id)[:PRIVATE_CAP]:
        if entry.member_key is None or entry.member_key in already:
            continue
        private = await services.private_room(entry.member_key)
        if private is None:
            missed += 1
            continue
        delivery = await services.send(private, Outgoing(text, attachment=attachment))
        if delivery.ok:
            store.log_convocation(assembly.id, entry.member_key, "private", services.clock.now())
            sent += 1
        else:
            missed += 1
    return sent, missed


# From a date poll to a convocation ---------------------------------------------------------


def command_for(voice: RoomVoice, moment: datetime, timed: bool) -> str:
    """The /ag convoquer line for a moment, in the room's language, to complete."""
    local = moment.astimezone(ZoneInfo(voice.timezone))
    if voice.language == "fr":
        day = f"{local.day}/{local.month}/{local.year}"
        hour = f" {local.hour}h{local.minute:02d}" if timed else ""
        return voice.t(
            "/{agm} convene {when} | <place> | agenda: <items>",
            agm=voice.command("agm"),
            when=day + hour,
        )
    hour = f" {local.hour:02d}:{local.minute:02d}" if timed else ""
    return voice.t(
        "/{agm} convene {when} | <place> | agenda: <items>",
        agm=voice.command("agm"),
        when=f"{local.year}-{local.month:02d}-{local.day:02d}{hour}",
    )
