"""Reminders: one-off and repeating, room or personal; never lost, never sent twice.

SQLite is the truth. Only reminders due within ``schedule_ahead_minutes`` get a timer; the
sweeper sends anything due and unsent and pulls the next window. Each occurrence is claimed in
``reminder_sends`` (UNIQUE), sent, then recorded with the move to the next occurrence in one
transaction; a claim left by a crash is sent again at start (the only possible duplicate).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from bot.context import Context, Services
from bot.errors import Refusal, UsageError
from bot.i18n import _, format_datetime
from bot.message import Button, Delivery, Outgoing
from bot.router import Router
from bot.text import clip, read_number
from bot.timeparse import describe_rule, next_occurrence, parse_when
from storage.reminders import ACTIVE, CANCELLED, MISSED, PAUSED, SENT, Reminder
from storage.rooms import RoomRecord

log = logging.getLogger(__name__)
router = Router("reminders")

PERSONAL_WORDS = ("moi", "me", "perso", "personnel", "personal", "private")
URGENT_WORDS = ("urgent", "urgente")
EVERYWHERE_WORDS = ("partout", "everywhere")
QUIET_OFF_WORDS = ("off", "non", "no", "aucune", "none", "0")
_CLOCK = r"([01]?[0-9]|2[0-3])(?:[:h]([0-5][0-9])?)?"
_QUIET = re.compile(rf"^{_CLOCK}\s*-\s*{_CLOCK}$")
JOB_PREFIX = "reminders:"
BUTTON = "rem"


# Commands -------------------------------------------------------------------------------------


@router.command(
    "remind",
    "rappel",
    usage=_("[me] when text"),
    help=_("Set a reminder: one-off or repeating, for the room or just for you."),
    examples=(
        _("/remind tomorrow at 6pm Bring the keys"),
        _("/remind every monday at 9 Weekly call"),
        _("/remind me in 20 minutes Call the town hall"),
    ),
)
async def remind(ctx: Context) -> None:
    text = ctx.text.strip()
    if not text:
        raise UsageError("Say when, then what to remind.")
    personal = ctx.room.private or not ctx.is_organizer
    urgent = everywhere = False
    while True:
        first_word, _sep, after = text.partition(" ")
        word = first_word.casefold()
        if word in PERSONAL_WORDS:
            personal = True
        elif word in URGENT_WORDS:
            urgent = True
        elif word in EVERYWHERE_WORDS:
            everywhere = True
        else:
            break
        text = after.strip()
    if everywhere and (personal or not ctx.is_organizer):
        raise Refusal("Only an organizer's room reminder can go to every linked room.")
    settings = ctx.config.reminders
    when = parse_when(
        text, ctx.now(), ctx.lang, ctx.room.timezone, default_hour=settings.default_hour
    )
    _check_limits(ctx, ctx.room.key)
    if not when.rest:
        raise UsageError("Write what to remind after the date.")
    if len(when.rest) > 1000:
        raise UsageError("A reminder's text is limited to 1,000 characters.")
    reminder = ctx.store.reminders.add(
        room_key=ctx.room.key,
        creator_key=ctx.sender.key,
        creator_name=ctx.sender.handle,
        personal=personal,
        text=when.rest,
        rule=when.rule,
        start_local=when.start,
        timezone=ctx.room.timezone,
        first=when.first,
        now=ctx.now(),
        urgent=urgent,
        everywhere=everywhere,
    )
    arm(ctx.services, reminder)
    lines = [
        ctx.t(
            "Noted: {when} ({zone}). Reminder #{id}.",
            when=ctx.format_datetime(when.first),
            zone=ctx.room.timezone,
            id=reminder.id,
        )
    ]
    if when.rule is not None and when.start is not None:
        lines.append(
            ctx.t("Repeats: {rule}.", rule=describe_rule(when.rule, when.start, ctx.lang))
        )
    if personal and not ctx.room.private:
        lines.append(ctx.t("Personal reminder: only you will get it (others can join)."))
        # Open the private chat now (on Matrix: a direct room the member is invited to), so
        # the member can accept it before the reminder is due and can read it when it comes.
        await ctx.private_room()
    if everywhere:
        rooms = ctx.store.rooms.linked_to(ctx.room.key) or [ctx.room]
        lines.append(
            ctx.tn(
                "It will be sent in {n} room, each in its language and timezone.",
                "It will be sent in all {n} rooms of the association, each in its language "
                "and timezone.",
                len(rooms),
            )
        )
    release = None if urgent else quiet_release(ctx.services, ctx.room, when.first)
    if release is not None:
        lines.append(
            ctx.t(
                "That is in quiet hours: postponed to {time} (quiet hours). "
                "Say “urgent” before the date to send it anyway.",
                time=ctx.format_datetime(release),
            )
        )
    elif urgent:
        lines.append(ctx.t("Urgent: sent even in quiet hours."))
    buttons: list[list[Button]] = []
    if not ctx.room.private:
        buttons.append([Button(ctx.t("Me too"), f"{BUTTON}:join:{reminder.id}", reaction="👍")])
    await ctx.reply("\n".join(lines), buttons)


def _check_limits(ctx: Context, room_key: str) -> None:
    """Refuse a new reminder beyond the configured limits (a flood of reminders, by one member
    or in one room): active ones, and ones set in the last hour."""
    settings = ctx.config.reminders
    store = ctx.store.reminders
    hour_ago = ctx.now() - timedelta(hours=1)
    n = settings.max_active_per_member
    if store.count_active(room_key, ctx.sender.key) >= n:
        raise Refusal(
            ctx.tn(
                "You already have {n} active reminder here, the most allowed: cancel one "
                "first (/{name} number).",
                "You already have {n} active reminders here, the most allowed: cancel one "
                "first (/{name} number).",
                n,
                name=ctx.command_name("cancel"),
            )
        )
    n = settings.max_active_per_room
    if store.count_active(room_key) >= n:
        raise Refusal(
            ctx.tn(
                "This room already has {n} active reminder, the most allowed: an organizer "
                "can cancel some (/{name} number).",
                "This room already has {n} active reminders, the most allowed: an organizer "
                "can cancel some (/{name} number).",
                n,
                name=ctx.command_name("cancel"),
            )
        )
    n = settings.max_new_per_member_hour
    if store.count_created_since(room_key, hour_ago, ctx.sender.key) >= n:
        raise Refusal(
            ctx.tn(
                "You have set {n} reminder here in the last hour, the most allowed: try "
                "again later.",
                "You have set {n} reminders here in the last hour, the most allowed: try "
                "again later.",
                n,
            )
        )
    n = settings.max_new_per_room_hour
    if store.count_created_since(room_key, hour_ago) >= n:
        raise Refusal(
            ctx.tn(
                "{n} reminder was set in this room in the last hour, the most allowed: try "
                "again later.",
                "{n} reminders were set in this room in the last hour, the most allowed: try "
                "again later.",
                n,
            )
        )


@router.command(
    "reminders",
    "rappels",
    help=_("List the reminders of this room and your own."),
)
async def list_reminders(ctx: Context) -> None:
    found = ctx.store.reminders.visible_to(ctx.room.key, ctx.sender.key)
    if not found:
        await ctx.reply(
            ctx.t(
                "No reminder here. Set one with /{name} tomorrow 6pm Bring the keys.",
                name=ctx.command_name("remind"),
            )
        )
        return
    lines = [ctx.tn("{n} reminder:", "{n} reminders:", len(found))]
    for reminder in found[:50]:
        lines.append(_line(ctx, reminder))
    if len(found) > 50:
        lines.append(ctx.t("… and {n} more.", n=len(found) - 50))
    await ctx.reply("\n".join(lines))


def _line(ctx: Context, reminder: Reminder) -> str:
    sending = _sending_at(ctx.services, reminder, ctx.room)
    when = ctx.format_datetime(sending) if sending else "—"
    parts = [f"#{reminder.id} — {when} — {reminder.text}"]
    if sending is not None and sending != reminder.next_at:
        parts.append(ctx.t("(postponed for quiet hours)"))
    if reminder.rule and reminder.start_local:
        parts.append(f"({describe_rule(reminder.rule, reminder.start_local, ctx.lang)})")
    if reminder.personal:
        parts.append(ctx.t("[personal]"))
    if reminder.status == PAUSED:
        parts.append(ctx.t("[paused]"))
    if reminder.urgent:
        parts.append(ctx.t("[urgent]"))
    if reminder.everywhere:
        parts.append(ctx.t("[every room]"))
    return " ".join(parts)


def _target(ctx: Context) -> Reminder:
    """The reminder named by ``ctx.args[0]`` that the sender may change: its creator, or an
    organizer of the room where it lives (never a private chat's "organizer")."""
    if len(ctx.args) != 1:
        raise UsageError("Give the reminder's number, as shown by /{name}.", name=_list_name(ctx))
    number = ctx.number(ctx.args[0], low=1)
    reminder = ctx.store.reminders.get(number)
    # Shown to exist here: in this room, or anywhere to its creator or to an organizer of a
    # room linked to its own.
    reachable = reminder is not None and (
        reminder.room_key == ctx.room.key
        or ctx.may_act_on(reminder.room_key, reminder.creator_key)
    )
    if reminder is None or not reachable or reminder.status not in (ACTIVE, PAUSED):
        raise Refusal("No reminder #{id} here.", id=number)
    if reminder.personal and reminder.creator_key != ctx.sender.key:
        raise Refusal("Only its creator can change a personal reminder.")
    if not ctx.may_act_on(reminder.room_key, reminder.creator_key):
        raise Refusal("Only its creator or an organizer can change this reminder.")
    return reminder


def _list_name(ctx: Context) -> str:
    return ctx.command_name("reminders")


@router.command(
    "cancel",
    "annuler",
    usage=_("number"),
    help=_("Cancel a reminder."),
    examples=(_("/cancel 12"),),
)
async def cancel(ctx: Context) -> None:
    reminder = _target(ctx)
    ctx.store.reminders.set_status(reminder.id, CANCELLED, ctx.now())
    ctx.scheduler.cancel(f"{JOB_PREFIX}{reminder.id}")
    await ctx.reply(ctx.t("Reminder #{id} cancelled: {text}", id=reminder.id, text=reminder.text))


@router.command(
    "skip",
    "sauter",
    usage=_("number"),
    help=_("Skip the next occurrence of a repeating reminder."),
    examples=(_("/skip 12"),),
)
async def skip(ctx: Context) -> None:
    reminder = _target(ctx)
    if reminder.rule is None or reminder.start_local is None or reminder.next_at is None:
        raise UsageError("Only a repeating reminder can skip one time; cancel this one instead.")
    following = next_occurrence(
        reminder.rule, reminder.start_local, reminder.timezone, reminder.next_at
    )
    ctx.store.reminders.set_next(reminder.id, following, ctx.now())
    ctx.scheduler.cancel(f"{JOB_PREFIX}{reminder.id}")
    updated = ctx.store.reminders.get(reminder.id)
    if updated is not None:
        arm(ctx.services, updated)
    if following is None:
        await ctx.reply(ctx.t("That was its last time: reminder #{id} is over.", id=reminder.id))
        return
    await ctx.reply(
        ctx.t(
            "Skipped {skipped}. Next: {when}.",
            skipped=ctx.format_datetime(reminder.next_at),
            when=ctx.format_datetime(following),
        )
    )


@router.command(
    "pause",
    "suspendre",
    usage=_("number"),
    help=_("Pause a reminder until it is resumed."),
    examples=(_("/pause 12"),),
)
async def pause(ctx: Context) -> None:
    reminder = _target(ctx)
    if reminder.status == PAUSED:
        raise Refusal("Reminder #{id} is already paused.", id=reminder.id)
    ctx.store.reminders.set_status(reminder.id, PAUSED, ctx.now())
    ctx.scheduler.cancel(f"{JOB_PREFIX}{reminder.id}")
    await ctx.reply(
        ctx.t(
            "Reminder #{id} paused. Resume it with /{name} {id}.",
            id=reminder.id,
            name=ctx.command_name("unpause"),
        )
    )


@router.command(
    "unpause",
    "reprendre",
    usage=_("number"),
    help=_("Resume a paused reminder."),
    examples=(_("/unpause 12"),),
)
async def unpause(ctx: Context) -> None:
    reminder = _target(ctx)
    if reminder.status != PAUSED:
        raise Refusal("Reminder #{id} is not paused.", id=reminder.id)
    now = ctx.now()
    following = reminder.next_at
    if following is not None and following <= now:
        if reminder.rule is None or reminder.start_local is None:
            following = None
        else:
            following = next_occurrence(
                reminder.rule, reminder.start_local, reminder.timezone, now
            )
    if following is None:
        ctx.store.reminders.set_next(reminder.id, None, now)
        await ctx.reply(ctx.t("Reminder #{id} fell due while paused: it is over.", id=reminder.id))
        return
    ctx.store.reminders.set_next(reminder.id, following, now)
    ctx.store.reminders.set_status(reminder.id, ACTIVE, now)
    updated = ctx.store.reminders.get(reminder.id)
    if updated is not None:
        arm(ctx.services, updated)
    await ctx.reply(
        ctx.t(
            "Reminder #{id} resumed. Next: {when}.",
            id=reminder.id,
            when=ctx.format_datetime(following),
        )
    )


# Buttons --------------------------------------------------------------------------------------


@router.button(BUTTON)
async def press(ctx: Context) -> None:
    action, _sep, number = ctx.text.partition(":")
    reminder_id = read_number(number, low=1)  # button data can be forged: never trust it
    reminder = ctx.store.reminders.get(reminder_id) if reminder_id is not None else None
    if reminder is None:
        return
    if action == "join":
        if reminder.creator_key == ctx.sender.key:
            await ctx.reply(ctx.t("{name}, this is your own reminder.", name=ctx.sender.handle))
            return
        if ctx.store.reminders.subscribe(
            reminder.id, ctx.sender.key, ctx.sender.handle, ctx.now()
        ):
            await ctx.reply(
                ctx.t(
                    "{name} will be reminded too (#{id}).", name=ctx.sender.handle, id=reminder.id
                )
            )
        return
    if action in ("hour", "tomorrow"):
        due = _snooze_time(ctx, action)
        _check_limits(ctx, reminder.room_key)
        copy = ctx.store.reminders.add(
            room_key=reminder.room_key,
            creator_key=ctx.sender.key,
            creator_name=ctx.sender.handle,
            personal=True,
            text=reminder.text,
            rule=None,
            start_local=None,
            timezone=ctx.room.timezone,
            first=due,
            now=ctx.now(),
        )
        arm(ctx.services, copy)
        await ctx.reply(
            ctx.t(
                "{name}: reminded again {when} (#{id}).",
                name=ctx.sender.handle,
                when=ctx.format_datetime(due),
                id=copy.id,
            )
        )
        return
    if action == "done" and ctx.message.message_id:
        await ctx.edit(
            ctx.room.key,
            ctx.message.message_id,
            Outgoing(
                ctx.t("⏰ {text}\n✅ Done ({name}).", text=reminder.text, name=ctx.sender.handle)
            ),
        )


def _snooze_time(ctx: Context, action: str) -> datetime:
    now = ctx.now()
    if action == "hour":
        return now + timedelta(hours=1)
    zone = ZoneInfo(ctx.room.timezone)
    tomorrow = (now.astimezone(zone) + timedelta(days=1)).date()
    hour = ctx.config.reminders.default_hour
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, hour, tzinfo=zone)


# Timers ---------------------------------------------------------------------------------------


def arm(services: Services, reminder: Reminder) -> None:
    """Give the reminder a timer if it is due within the window (the sweeper does the rest)."""
    job_id = f"{JOB_PREFIX}{reminder.id}"
    if reminder.status != ACTIVE or reminder.next_at is None:
        services.scheduler.cancel(job_id)
        return
    due = _due_at(reminder)
    horizon = services.clock.now() + _window(services)
    if due > horizon:
        return
    if services.scheduler.due_of(job_id) == due:
        return

    async def fire() -> None:
        await fire_due(services, services.clock.now(), only=reminder.id)

    services.scheduler.at(job_id, due, fire)


def _sending_at(services: Services, reminder: Reminder, room: RoomRecord) -> datetime | None:
    """When the reminder will really go out: its next occurrence, or the end of the quiet
    hours that hold it (or will hold it when it falls due)."""
    if reminder.next_at is None:
        return None
    due = _due_at(reminder)
    if reminder.urgent or due != reminder.next_at or reminder.status != ACTIVE:
        return due
    home = room if room.key == reminder.room_key else services.store.rooms.get(reminder.room_key)
    release = quiet_release(services, home, due) if home is not None else None
    return release or due


def _due_at(reminder: Reminder) -> datetime:
    """When the reminder should go out: its next occurrence, or the end of its hold."""
    assert reminder.next_at is not None
    if reminder.hold_until is not None and reminder.hold_until > reminder.next_at:
        return reminder.hold_until
    return reminder.next_at


def _window(services: Services) -> timedelta:
    return timedelta(minutes=services.config.reminders.schedule_ahead_minutes)


@router.on_start
async def restore(services: Services) -> None:
    """Finish sends a crash interrupted, then set timers for the next window only."""
    now = services.clock.now()
    groups: dict[tuple[str, datetime], list[tuple[Reminder, datetime]]] = {}
    for claim in services.store.reminders.unconfirmed():
        reminder = services.store.reminders.get(claim.reminder_id)
        if reminder is None:
            continue
        if _groupable(services, reminder, claim.occurrence, now):
            key = (reminder.room_key, claim.occurrence.replace(microsecond=0))
            groups.setdefault(key, []).append((reminder, claim.occurrence))
        else:
            await _deliver(services, reminder, claim.occurrence, now)
    await _send_groups(services, groups, now)
    _arm_window(services, now)

    async def catch_up() -> None:
        await fire_due(services, services.clock.now())

    # Right after the adapters connect: what fell due while the bot was down.
    services.scheduler.at(f"{JOB_PREFIX}catch-up", now, catch_up)


def _arm_window(services: Services, now: datetime) -> None:
    for reminder_id, due in services.store.reminders.due_between(now, now + _window(services)):
        job_id = f"{JOB_PREFIX}{reminder_id}"
        if services.scheduler.due_of(job_id) == due:
            continue
        reminder = services.store.reminders.get(reminder_id)
        if reminder is not None:
            arm(services, reminder)


@router.on_sweep
async def sweep(services: Services, now: datetime) -> None:
    """Send anything due and unsent, then set timers for the next window."""
    await fire_due(services, now)
    _arm_window(services, services.clock.now())


async def fire_due(services: Services, now: datetime, *, only: int | None = None) -> int:
    """Send every due occurrence (or only reminder ``only``, with the room reminders due in the
    same second in its room); return how many were handled."""
    handled = 0
    tried: set[int] = set()
    while True:
        if only is not None:  # one timer: read that reminder alone, not the whole due list
            one = services.store.reminders.get(only)
            due = (
                [one]
                if one and one.status == ACTIVE and one.next_at and _due_at(one) <= now
                else []
            )
        else:
            due = services.store.reminders.due(now, limit=500)
        due = [r for r in due if r.id not in tried]
        if not due:
            return handled
        progressed = False
        # Room reminders due in the same second in one room go out as one message. No await
        # between a claim and the claims of its companions: concurrent timers find them taken.
        groups: dict[tuple[str, datetime], list[tuple[Reminder, datetime]]] = {}
        for reminder in due:
            assert reminder.next_at is not None
            tried.add(reminder.id)
            if _held_by_quiet_hours(services, reminder, now):
                continue
            occurrence = _latest_occurrence(reminder, now)
            if not services.store.reminders.claim(reminder.id, occurrence, now):
                continue
            progressed = True
            handled += 1
            if not _groupable(services, reminder, occurrence, now):
                await _deliver(services, reminder, occurrence, now)
                continue
            key = (reminder.room_key, occurrence.replace(microsecond=0))
            group = groups.setdefault(key, [])
            group.append((reminder, occurrence))
            if only is not None:
                companions = _claim_companions(services, reminder.room_key, key[1], now, tried)
                group.extend(companions)
                handled += len(companions)
        await _send_groups(services, groups, now)
        if not progressed or only is not None:
            return handled


async def _send_groups(
    services: Services,
    groups: dict[tuple[str, datetime], list[tuple[Reminder, datetime]]],
    now: datetime,
) -> None:
    """Send claimed room reminders, one message per room and due second."""
    for (room_key, _second), group in groups.items():
        if len(group) == 1:
            await _deliver(services, group[0][0], group[0][1], now)
        else:
            await _deliver_group(services, room_key, group, now)


def _held_by_quiet_hours(services: Services, reminder: Reminder, now: datetime) -> bool:
    """In the room's quiet hours (and not urgent): hold it until they end, and say True."""
    if reminder.hold_until is not None or reminder.urgent:
        return False
    room = services.store.rooms.get(reminder.room_key)
    release = quiet_release(services, room, now) if room else None
    if release is None:
        return False
    services.store.reminders.hold(reminder.id, release)
    held = services.store.reminders.get(reminder.id)
    if held is not None:
        arm(services, held)
    return True


def _groupable(
    services: Services, reminder: Reminder, occurrence: datetime, now: datetime
) -> bool:
    """A plain room reminder, on time or within the grace window (not held, not an event's
    warning, not personal, not for every room): it can share a message with others."""
    grace = timedelta(hours=services.config.reminders.grace_hours)
    return (
        not reminder.personal
        and not reminder.everywhere
        and reminder.event_id is None
        and reminder.hold_until is None
        and now - occurrence <= grace
    )


def _claim_companions(
    services: Services, room_key: str, second: datetime, now: datetime, tried: set[int]
) -> list[tuple[Reminder, datetime]]:
    """Claim the room's other reminders due in ``second``: they go in the same message."""
    claimed = []
    for other in services.store.reminders.due_in_room(room_key, now):
        if other.id in tried:
            continue
        occurrence = _latest_occurrence(other, now)
        if occurrence.replace(microsecond=0) != second:
            continue
        if not _groupable(services, other, occurrence, now):
            continue
        tried.add(other.id)
        if _held_by_quiet_hours(services, other, now):
            continue
        if services.store.reminders.claim(other.id, occurrence, now):
            claimed.append((other, occurrence))
    return claimed


async def _deliver_group(
    services: Services, room_key: str, group: list[tuple[Reminder, datetime]], now: datetime
) -> None:
    """Send claimed room reminders due together as one message (several when it is long),
    then record each occurrence once and move each reminder to its next one."""
    store = services.store.reminders
    room = services.store.rooms.get(room_key)
    if room is None:
        for reminder, occurrence in group:
            await _deliver(services, reminder, occurrence, now)
        return
    group = sorted(group, key=lambda item: item[0].id)
    late_after = timedelta(minutes=services.config.reminders.late_after_minutes)
    late = any(now - occurrence > late_after for _reminder, occurrence in group)
    for text, items in _group_messages(services, room, group, late):
        delivery = await services.send(room.key, Outgoing(text))
        if not delivery.ok:  # the platform refused: the next sweep retries these
            for reminder, occurrence in items:
                store.release(reminder.id, occurrence)
            continue
        records = [
            (reminder.id, occurrence, _following(reminder, occurrence, now))
            for reminder, occurrence in items
        ]
        store.complete_many(
            records,
            state=SENT,
            late=late,
            message_id=delivery.message_id or "sent",
            now=services.clock.now(),
        )
        for reminder_id, _occurrence, following in records:
            if following is not None:
                updated = store.get(reminder_id)
                if updated is not None:
                    arm(services, updated)


def _following(reminder: Reminder, occurrence: datetime, now: datetime) -> datetime | None:
    if reminder.rule is None or reminder.start_local is None:
        return None
    return next_occurrence(
        reminder.rule, reminder.start_local, reminder.timezone, max(occurrence, now)
    )


GROUP_MESSAGE_CHARS = 3500  # under Telegram's 4,096 and far under Matrix's 64 KB per event


def _group_messages(
    services: Services, room: RoomRecord, group: list[tuple[Reminder, datetime]], late: bool
) -> list[tuple[str, list[tuple[Reminder, datetime]]]]:
    """``⏰ 12 reminders:`` then one line each (with who joined it); split when too long."""
    t = services.translator
    lang = room.language
    tn = partial(t.tn, lang)
    footer = ""
    if late:
        footer = t.t(
            lang,
            _("(late: they were due {when}; the bot was unavailable)"),
            when=format_datetime(group[0][1], lang, room.timezone),
        )
    chunks: list[list[tuple[str, tuple[Reminder, datetime]]]] = [[]]
    size = 0
    for item in group:
        reminder = item[0]
        line = f"• {reminder.text}"
        subscribers = services.store.reminders.subscribers(reminder.id)
        if subscribers:
            line += " — " + " ".join(s.name for s in subscribers)
        if chunks[-1] and size + len(line) + 1 > GROUP_MESSAGE_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append((line, item))
        size += len(line) + 1
    messages = []
    for chunk in chunks:
        header = tn("⏰ {n} reminder:", "⏰ {n} reminders:", len(chunk))
        lines = [header, *(line for line, _item in chunk)]
        if footer:
            lines.append(footer)
        messages.append(("\n".join(lines), [item for _line, item in chunk]))
    return messages


def _latest_occurrence(reminder: Reminder, now: datetime) -> datetime:
    """A repeating reminder missed several times sends only its latest missed occurrence."""
    assert reminder.next_at is not None
    occurrence = reminder.next_at
    if reminder.rule is None or reminder.start_local is None:
        return occurrence
    for _step in range(100_000):
        following = next_occurrence(
            reminder.rule, reminder.start_local, reminder.timezone, occurrence
        )
        if following is None or following > now:
            return occurrence
        occurrence = following
    return occurrence


async def _deliver(
    services: Services, reminder: Reminder, occurrence: datetime, now: datetime
) -> None:
    """Send one claimed occurrence, record it, and move the reminder to its next one."""
    settings = services.config.reminders
    store = services.store.reminders
    room = services.store.rooms.get(reminder.room_key)
    following = None
    if reminder.rule is not None and reminder.start_local is not None:
        following = next_occurrence(
            reminder.rule, reminder.start_local, reminder.timezone, max(occurrence, now)
        )
    held = reminder.hold_until is not None and reminder.hold_until > occurrence
    lateness = now - (reminder.hold_until if held and reminder.hold_until else occurrence)
    if room is None or reminder.status == CANCELLED:
        store.complete(
            reminder.id,
            occurrence,
            state=MISSED,
            late=True,
            message_id="",
            now=now,
            next_at=following,
        )
        return
    late = lateness > timedelta(minutes=settings.late_after_minutes)
    if lateness > timedelta(hours=settings.grace_hours):
        delivered = await _tell_missed(services, reminder, room, occurrence)
        state = MISSED
    else:
        delivered = await _send_reminder(services, reminder, room, occurrence, late, held)
        state = SENT
    if delivered is None:
        store.release(reminder.id, occurrence)  # the platform refused: the next sweep retries
        return
    store.complete(
        reminder.id,
        occurrence,
        state=state,
        late=late,
        message_id=delivered,
        now=services.clock.now(),
        next_at=following,
    )
    if following is not None:
        updated = store.get(reminder.id)
        if updated is not None:
            arm(services, updated)


async def _send_reminder(
    services: Services,
    reminder: Reminder,
    room: RoomRecord,
    occurrence: datetime,
    late: bool,
    held: bool = False,
) -> str | None:
    """Post the reminder (room, every linked room, or private chats for a personal one);
    the first message id, or None when nothing could be sent."""
    subscribers = services.store.reminders.subscribers(reminder.id)
    if not reminder.personal:
        targets = [room]
        if reminder.everywhere:
            targets = services.store.rooms.linked_to(room.key) or [room]
        first_id: str | None = None
        for target in targets:
            lines = _fired_lines(services, reminder, target, occurrence, late, held)
            if subscribers and target.key == room.key:
                lines.append(" ".join(s.name for s in subscribers))
            out = Outgoing("\n".join(lines), _fired_buttons(services, reminder, target))
            delivery = await services.send(target.key, out)
            if delivery.ok and first_id is None:
                first_id = delivery.message_id or "sent"
        return first_id
    lines = _fired_lines(services, reminder, room, occurrence, late, held)
    buttons = _fired_buttons(services, reminder, room)
    first_id = None
    for member_key, name in [(reminder.creator_key, reminder.creator_name)] + [
        (s.member_key, s.name) for s in subscribers
    ]:
        target_key = await services.private_room(member_key)
        text = "\n".join(lines)
        private: Delivery | None = None
        if target_key is not None:
            private = await services.send(target_key, Outgoing(text, buttons))
        if private is None or not private.ok:
            # No private chat (or the platform refuses one, as Telegram does until the member
            # has started the bot): in the room, with the member's name in front.
            private = await services.send(room.key, Outgoing(f"{name} {text}", buttons))
        if private.ok and first_id is None:
            first_id = private.message_id or "sent"
    return first_id


def _fired_lines(
    services: Services,
    reminder: Reminder,
    room: RoomRecord,
    occurrence: datetime,
    late: bool,
    held: bool,
) -> list[str]:
    """The text of a fired reminder (or event warning) in one room's language and timezone."""
    t = services.translator.t
    lang = room.language
    event = services.store.events.get(reminder.event_id) if reminder.event_id else None
    if event is not None:
        left = event.starts_at - services.clock.now()
        lines = [
            t(
                lang,
                _("📅 {title}: {when} ({delay})."),
                title=event.title,
                when=format_datetime(event.starts_at, lang, room.timezone),
                delay=format_timedelta(left, add_direction=True, locale=lang)
                if left > timedelta(0)
                else t(lang, _("started")),
            )
        ]
    else:
        lines = [t(lang, _("⏰ Reminder: {text}"), text=reminder.text)]
    if held and reminder.hold_until is not None:
        lines.append(
            t(
                lang,
                _("(postponed to {time} for quiet hours; it was due {when})"),
                time=reminder.hold_until.astimezone(ZoneInfo(room.timezone)).strftime("%H:%M"),
                when=format_datetime(occurrence, lang, room.timezone),
            )
        )
    elif late:
        lines.append(
            t(
                lang,
                _("(late: it was due {when}; the bot was unavailable)"),
                when=format_datetime(occurrence, lang, room.timezone),
            )
        )
    return lines


def _fired_buttons(
    services: Services, reminder: Reminder, room: RoomRecord
) -> tuple[tuple[Button, ...], ...]:
    if reminder.event_id is not None:
        return ()
    t = services.translator.t
    lang = room.language
    return (
        (
            Button(t(lang, _("+1 hour")), f"{BUTTON}:hour:{reminder.id}"),
            Button(t(lang, _("Tomorrow")), f"{BUTTON}:tomorrow:{reminder.id}"),
            Button(t(lang, _("Done")), f"{BUTTON}:done:{reminder.id}"),
        ),
    )


# Quiet hours ----------------------------------------------------------------------------------


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
    return services.config.reminders.quiet_hours if own is None else own


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
    help=_("Set the room's quiet hours: reminders due then wait until they end."),
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


async def _tell_missed(
    services: Services, reminder: Reminder, room: RoomRecord, occurrence: datetime
) -> str | None:
    """Beyond the grace window: tell the creator instead of sending a stale reminder."""
    lang = room.language
    text = services.translator.t(
        lang,
        _(
            "While the bot was unavailable, reminder #{id} was not sent: “{text}” "
            "(due {when}). It is too late to send it now."
        ),
        id=reminder.id,
        text=reminder.text,
        when=format_datetime(occurrence, lang, room.timezone),
    )
    target = await services.private_room(reminder.creator_key)
    if target is None:
        target, text = room.key, f"{reminder.creator_name} {text}"
    delivery = await services.send(target, Outgoing(text))
    return (delivery.message_id or "told") if delivery.ok else None
