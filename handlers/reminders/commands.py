"""The /rappel family: set, list, cancel, skip, pause and resume reminders, and their buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Button, Outgoing
from bot.router import Router
from bot.text import read_number
from bot.timeparse import describe_rule, next_occurrence, parse_when
from handlers.reminders.delivery import BUTTON, arm, disarm, sending_at
from handlers.reminders.quiet import quiet_release
from handlers.reminders.settings import RemindersSettings
from storage.reminders import ReminderRecord, ReminderStatus

router = Router("reminders")

PERSONAL_WORDS = ("moi", "me", "perso", "personnel", "personal", "private")
URGENT_WORDS = ("urgent", "urgente")
EVERYWHERE_WORDS = ("partout", "everywhere")


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
    settings = ctx.settings(RemindersSettings)
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
        # The zone is said only when the room does not use the bot's default one.
        ctx.t(
            "Noted: {when}. Reminder #{id}.", when=ctx.format_datetime(when.first), id=reminder.id
        )
        if ctx.room.timezone == ctx.config.timezone
        else ctx.t(
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
    settings = ctx.settings(RemindersSettings)
    store = ctx.store.reminders
    hour_ago = ctx.now() - timedelta(hours=1)
    # An organizer setting up the year's reminders is bound by the room's limits only; a
    # private chat gives no such trust.
    per_member = ctx.room.private or not ctx.is_organizer
    n = settings.max_active_per_member
    if per_member and store.count_active(room_key, ctx.sender.key) >= n:
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
    if per_member and store.count_created_since(room_key, hour_ago, ctx.sender.key) >= n:
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
    if ctx.room.private:  # a private chat also lists the member's own, set in any room
        listed = {reminder.id for reminder in found}
        found += [r for r in ctx.store.reminders.personal_of(ctx.sender.key) if r.id not in listed]
        found.sort(key=lambda r: (r.next_at is None, r.next_at or ctx.now(), r.id))
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


def _line(ctx: Context, reminder: ReminderRecord) -> str:
    home = ctx.room
    if reminder.room_key != ctx.room.key:  # listed in a private chat, set in a room
        home = ctx.store.rooms.get(reminder.room_key) or ctx.room
    sending = sending_at(ctx.services, reminder, home)
    when = ctx.format_datetime(sending) if sending else "—"
    parts = [f"#{reminder.id} — {when} — {reminder.text}"]
    if sending is not None and sending != reminder.next_at:
        parts.append(ctx.t("(postponed for quiet hours)"))
    if reminder.rule and reminder.start_local:
        parts.append(f"({describe_rule(reminder.rule, reminder.start_local, ctx.lang)})")
    if reminder.personal:
        parts.append(ctx.t("[personal]"))
    if reminder.status == ReminderStatus.PAUSED:
        parts.append(ctx.t("[paused]"))
    if reminder.urgent:
        parts.append(ctx.t("[urgent]"))
    if reminder.everywhere:
        parts.append(ctx.t("[every room]"))
    return " ".join(parts)


def _target(ctx: Context) -> ReminderRecord:
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
    if (
        reminder is None
        or not reachable
        or reminder.status not in (ReminderStatus.ACTIVE, ReminderStatus.PAUSED)
    ):
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
    ctx.store.reminders.set_status(reminder.id, ReminderStatus.CANCELLED, ctx.now())
    disarm(ctx.services, reminder.id)
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
    # Kept as a skipped occurrence: never sent later, and an EXDATE in the room's calendar.
    ctx.store.reminders.skip(reminder.id, reminder.next_at, ctx.now())
    ctx.store.reminders.set_next(reminder.id, following, ctx.now())
    disarm(ctx.services, reminder.id)
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
    if reminder.status == ReminderStatus.PAUSED:
        raise Refusal("Reminder #{id} is already paused.", id=reminder.id)
    ctx.store.reminders.set_status(reminder.id, ReminderStatus.PAUSED, ctx.now())
    disarm(ctx.services, reminder.id)
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
    if reminder.status != ReminderStatus.PAUSED:
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
    ctx.store.reminders.set_status(reminder.id, ReminderStatus.ACTIVE, now)
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
    hour = ctx.settings(RemindersSettings).default_hour
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, hour, tzinfo=zone)
