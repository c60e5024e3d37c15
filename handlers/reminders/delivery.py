"""Delivery of reminders: timers, the sweep, sending (grouped when due together), catch-up.

SQLite is the truth. Only reminders due within ``schedule_ahead_minutes`` get a timer; the
sweeper sends anything due and unsent and pulls the next window. Each occurrence is claimed in
``reminder_sends`` (UNIQUE), sent, then recorded with the move to the next occurrence in one
transaction; a claim left by a crash is sent again at start (the only possible duplicate).
Timer ids (``reminders:<id>``) are built here only: other parts call ``arm``, ``disarm`` and
``cancel_warnings``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.context import Services
from bot.message import Button, Delivery, Outgoing
from bot.router import Router
from bot.timeparse import next_occurrence
from handlers.reminders.quiet import quiet_release
from handlers.reminders.settings import RemindersSettings
from storage.reminders import ReminderRecord, ReminderStatus, SendState
from storage.rooms import RoomRecord

log = logging.getLogger(__name__)
router = Router("reminders")

JOB_PREFIX = "reminders:"
BUTTON = "rem"


# Timers ---------------------------------------------------------------------------------------


def arm(services: Services, reminder: ReminderRecord) -> None:
    """Give the reminder a timer if it is due within the window (the sweeper does the rest)."""
    job_id = f"{JOB_PREFIX}{reminder.id}"
    if reminder.status != ReminderStatus.ACTIVE or reminder.next_at is None:
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


def disarm(services: Services, reminder_id: int) -> None:
    """Stop the reminder's timer, if it has one (cancelled, paused, or moved)."""
    services.scheduler.cancel(f"{JOB_PREFIX}{reminder_id}")


def cancel_warnings(services: Services, event_id: int, now: datetime) -> None:
    """Cancel every warning of an event not sent yet, and their timers."""
    for warning in services.store.reminders.of_event(event_id):
        disarm(services, warning.id)
    services.store.reminders.cancel_event(event_id, now)


def sending_at(services: Services, reminder: ReminderRecord, room: RoomRecord) -> datetime | None:
    """When the reminder will really go out: its next occurrence, or the end of the quiet
    hours that hold it (or will hold it when it falls due)."""
    if reminder.next_at is None:
        return None
    due = _due_at(reminder)
    if reminder.urgent or due != reminder.next_at or reminder.status != ReminderStatus.ACTIVE:
        return due
    home = room if room.key == reminder.room_key else services.store.rooms.get(reminder.room_key)
    release = quiet_release(services, home, due) if home is not None else None
    return release or due


def _due_at(reminder: ReminderRecord) -> datetime:
    """When the reminder should go out: its next occurrence, or the end of its hold."""
    assert reminder.next_at is not None
    if reminder.hold_until is not None and reminder.hold_until > reminder.next_at:
        return reminder.hold_until
    return reminder.next_at


def _window(services: Services) -> timedelta:
    return timedelta(minutes=services.config.feature(RemindersSettings).schedule_ahead_minutes)


@router.on_start
async def restore(services: Services) -> None:
    """Finish sends a crash interrupted, then set timers for the next window only."""
    now = services.clock.now()
    groups: dict[tuple[str, datetime], list[tuple[ReminderRecord, datetime]]] = {}
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
                if one
                and one.status == ReminderStatus.ACTIVE
                and one.next_at
                and _due_at(one) <= now
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
        groups: dict[tuple[str, datetime], list[tuple[ReminderRecord, datetime]]] = {}
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
    groups: dict[tuple[str, datetime], list[tuple[ReminderRecord, datetime]]],
    now: datetime,
) -> None:
    """Send claimed room reminders, one message per room and due second."""
    for (room_key, _second), group in groups.items():
        if len(group) == 1:
            await _deliver(services, group[0][0], group[0][1], now)
        else:
            await _deliver_group(services, room_key, group, now)


def _held_by_quiet_hours(services: Services, reminder: ReminderRecord, now: datetime) -> bool:
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
    services: Services, reminder: ReminderRecord, occurrence: datetime, now: datetime
) -> bool:
    """A plain room reminder, on time or within the grace window (not held, not an event's
    warning, not personal, not for every room): it can share a message with others."""
    grace = timedelta(hours=services.config.feature(RemindersSettings).grace_hours)
    return (
        not reminder.personal
        and not reminder.everywhere
        and reminder.event_id is None
        and reminder.hold_until is None
        and now - occurrence <= grace
    )


def _claim_companions(
    services: Services, room_key: str, second: datetime, now: datetime, tried: set[int]
) -> list[tuple[ReminderRecord, datetime]]:
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
    services: Services, room_key: str, group: list[tuple[ReminderRecord, datetime]], now: datetime
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
    late_after = timedelta(minutes=services.config.feature(RemindersSettings).late_after_minutes)
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
            state=SendState.SENT,
            late=late,
            message_id=delivery.message_id or "sent",
            now=services.clock.now(),
        )
        for reminder_id, _occurrence, following in records:
            if following is not None:
                updated = store.get(reminder_id)
                if updated is not None:
                    arm(services, updated)


def _following(reminder: ReminderRecord, occurrence: datetime, now: datetime) -> datetime | None:
    if reminder.rule is None or reminder.start_local is None:
        return None
    return next_occurrence(
        reminder.rule, reminder.start_local, reminder.timezone, max(occurrence, now)
    )


GROUP_MESSAGE_CHARS = 3500  # under Telegram's 4,096 and far under Matrix's 64 KB per event


def _group_messages(
    services: Services, room: RoomRecord, group: list[tuple[ReminderRecord, datetime]], late: bool
) -> list[tuple[str, list[tuple[ReminderRecord, datetime]]]]:
    """``⏰ 12 reminders:`` then one line each (with who joined it); split when too long."""
    voice = services.voice(room)
    footer = ""
    if late:
        footer = voice.t(
            "(late: they were due {when}; the bot was unavailable)", when=voice.when(group[0][1])
        )
    chunks: list[list[tuple[str, tuple[ReminderRecord, datetime]]]] = [[]]
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
        header = voice.tn("⏰ {n} reminder:", "⏰ {n} reminders:", len(chunk))
        lines = [header, *(line for line, _item in chunk)]
        if footer:
            lines.append(footer)
        messages.append(("\n".join(lines), [item for _line, item in chunk]))
    return messages


def _latest_occurrence(reminder: ReminderRecord, now: datetime) -> datetime:
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
    services: Services, reminder: ReminderRecord, occurrence: datetime, now: datetime
) -> None:
    """Send one claimed occurrence, record it, and move the reminder to its next one."""
    settings = services.config.feature(RemindersSettings)
    store = services.store.reminders
    room = services.store.rooms.get(reminder.room_key)
    following = _following(reminder, occurrence, now)
    held = reminder.hold_until is not None and reminder.hold_until > occurrence
    lateness = now - (reminder.hold_until if held and reminder.hold_until else occurrence)
    if room is None or reminder.status == ReminderStatus.CANCELLED:
        store.complete(
            reminder.id,
            occurrence,
            state=SendState.MISSED,
            late=True,
            message_id="",
            now=now,
            next_at=following,
        )
        return
    late = lateness > timedelta(minutes=settings.late_after_minutes)
    if lateness > timedelta(hours=settings.grace_hours):
        delivered = await _tell_missed(services, reminder, room, occurrence)
        state = SendState.MISSED
    else:
        delivered = await _send_reminder(services, reminder, room, occurrence, late, held)
        state = SendState.SENT
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
    reminder: ReminderRecord,
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
    reminder: ReminderRecord,
    room: RoomRecord,
    occurrence: datetime,
    late: bool,
    held: bool,
) -> list[str]:
    """The text of a fired reminder (or event warning) in one room's language and timezone."""
    from babel.dates import format_timedelta  # Babel loads at the first reminder sent

    voice = services.voice(room)
    event = services.store.events.get(reminder.event_id) if reminder.event_id else None
    if event is not None:
        left = event.starts_at - services.clock.now()
        lines = [
            voice.t(
                "📅 {title}: {when} ({delay}).",
                title=event.title,
                when=voice.when(event.starts_at),
                delay=format_timedelta(left, add_direction=True, locale=voice.language)
                if left > timedelta(0)
                else voice.t("started"),
            )
        ]
        if event.place:
            lines.append(f"📍 {event.place}")
        if reminder.text.strip() != event.title.strip():
            lines.append(reminder.text)  # what the event's author asked to repeat (an AG)
    else:
        lines = [voice.t("⏰ Reminder: {text}", text=reminder.text)]
    if held and reminder.hold_until is not None:
        lines.append(
            voice.t(
                "(postponed to {time} for quiet hours; it was due {when})",
                time=reminder.hold_until.astimezone(ZoneInfo(voice.timezone)).strftime("%H:%M"),
                when=voice.when(occurrence),
            )
        )
    elif late:
        lines.append(
            voice.t(
                "(late: it was due {when}; the bot was unavailable)", when=voice.when(occurrence)
            )
        )
    return lines


def _fired_buttons(
    services: Services, reminder: ReminderRecord, room: RoomRecord
) -> tuple[tuple[Button, ...], ...]:
    if reminder.event_id is not None:
        return ()
    voice = services.voice(room)
    return (
        (
            Button(voice.t("+1 hour"), f"{BUTTON}:hour:{reminder.id}"),
            Button(voice.t("Tomorrow"), f"{BUTTON}:tomorrow:{reminder.id}"),
            Button(voice.t("Done"), f"{BUTTON}:done:{reminder.id}"),
        ),
    )


async def _tell_missed(
    services: Services, reminder: ReminderRecord, room: RoomRecord, occurrence: datetime
) -> str | None:
    """Beyond the grace window: tell the creator instead of sending a stale reminder."""
    voice = services.voice(room)
    text = voice.t(
        "While the bot was unavailable, reminder #{id} was not sent: “{text}” "
        "(due {when}). It is too late to send it now.",
        id=reminder.id,
        text=reminder.text,
        when=voice.when(occurrence),
    )
    target = await services.private_room(reminder.creator_key)
    if target is None:
        target, text = room.key, f"{reminder.creator_name} {text}"
    delivery = await services.send(target, Outgoing(text))
    return (delivery.message_id or "told") if delivery.ok else None
