"""Date polls and calendars: a slot's calendar file (``/when ics``, and attached at close),
and slots whose weekday contradicts their date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import ics
from bot.context import Context, RoomVoice, Services
from bot.errors import Refusal, UsageError
from bot.message import Attachment
from bot.text import clip
from bot.timeparse import Slot, contradicted_slot, impossible_slot_date, read_slot
from handlers.polls.lookup import find_poll, option_position, read_poll_id
from handlers.polls.results import Tally, load_tally
from handlers.polls.settings import PollsSettings
from handlers.polls.tally import best_slots
from storage.polls import MAYBE, OptionRecord, PollKind, PollRecord


def slot_calendar(
    poll: PollRecord, label: str, slot: Slot, minutes: int, timezone: str, position: int = 0
) -> bytes:
    """An iCalendar file with one event: the poll's question at the chosen slot (each slot its
    own UID, so importing two slots of one poll keeps both)."""
    local = slot.start.astimezone(ZoneInfo(timezone))
    start: datetime | date = local if slot.timed else local.date()
    end = local + timedelta(minutes=minutes) if slot.timed else local.date() + timedelta(days=1)
    item = ics.CalendarItem(
        uid=f"assobot-poll-{poll.id}-slot-{position}@assobot",
        summary=poll.question,
        start=start,
        end=end,
        stamp=poll.closed_at or poll.created_at,
        description=label,
    )
    return ics.calendar([item], "polls")


def best_of(tally: Tally) -> list[int]:
    """A date poll's best slots (most yes, then most maybe); several on a tie."""
    positions = [o.position for o in tally.options]
    yes = {p: tally.count(p) for p in positions}
    maybe = {p: tally.count(p, MAYBE) for p in positions}
    return best_slots(yes, maybe, positions)


def _origin(services: Services, poll: PollRecord) -> tuple[str, str]:
    """The language and timezone the slots were typed in (the poll's own room)."""
    voice = services.voice(poll.room_key)  # an unknown room speaks the configured defaults
    return voice.language, voice.timezone


def calendar_for(
    services: Services, poll: PollRecord, option: OptionRecord
) -> tuple[Slot, Attachment] | None:
    """The calendar file of one slot, or None when its date cannot be read."""
    language, timezone = _origin(services, poll)
    slot = read_slot(option.label, poll.created_at, language, timezone)
    if slot is None:
        return None
    minutes = services.config.feature(PollsSettings).slot_minutes
    content = slot_calendar(poll, option.label, slot, minutes, timezone, option.position)
    local = slot.start.astimezone(ZoneInfo(timezone))
    name = ics.file_name(poll.question, f"poll-{poll.id}", local if slot.timed else local.date())
    return slot, Attachment(name, content, "text/calendar")


def _slot_when(voice: RoomVoice, slot: Slot) -> str:
    if slot.timed:
        return voice.when(slot.start)
    return voice.day(slot.start)


def close_calendar(
    services: Services, tally: Tally
) -> tuple[Attachment | None, list[Callable[[RoomVoice], str]]]:
    """What a closed date poll adds to its results: the chosen slot's calendar file, or why
    there is none (a sentence per room language)."""
    poll = tally.poll
    best = best_of(tally)
    if not best:
        return None, []
    if len(best) > 1:
        return None, [
            lambda voice: voice.t(
                "Tie between slots: get the calendar file of the one you choose with "
                "/{when} ics {id} N.",
                when=voice.command("when"),
                id=poll.id,
            )
        ]
    option = next(o for o in tally.options if o.position == best[0])
    found = calendar_for(services, poll, option)
    if found is None:
        return None, [
            lambda voice: voice.t(
                "The date of “{slot}” could not be read, so no calendar file is attached.",
                slot=option.label,
            )
        ]
    slot, attachment = found
    return attachment, [
        lambda voice: voice.t(
            "📎 Calendar file of the chosen slot: {when}.", when=_slot_when(voice, slot)
        )
    ]


def check_slots(ctx: Context, slots: Sequence[str]) -> None:
    """Refuse a slot whose weekday contradicts its date, naming it: members would answer for
    one day and the calendar file would say another."""
    for slot in slots:
        impossible = impossible_slot_date(slot)
        if impossible is not None:
            raise UsageError(
                "The slot “{slot}” names a date no calendar has: {date}. Correct the date.",
                slot=clip(slot),
                date=clip(impossible, 24),
            )
        found = contradicted_slot(slot, ctx.now(), ctx.lang, ctx.room.timezone)
        if found is not None:
            raise UsageError(
                "The slot “{slot}” does not match its date: {date}. Correct the day or the date.",
                slot=clip(slot),
                date=ctx.format_date(found.start),
            )


async def send_calendar(ctx: Context, words: list[str]) -> None:
    """``/when ics [ID] [N]``: the calendar file of a closed date poll's best slot (or slot N)."""
    numbers = [w.lstrip("#") for w in words]
    if len(numbers) > 2 or not all(n.isdecimal() for n in numbers):
        raise UsageError(
            "Give the number of a closed date poll, like /{when} ics 12.",
            when=ctx.command_name("when"),
        )
    if numbers:
        poll = find_poll(ctx, read_poll_id(ctx, numbers[0]))
    else:
        latest = [
            p
            for p in ctx.store.polls.closed_in_association(ctx.room.association_id, 50)
            if p.kind == PollKind.WHEN
        ]
        if not latest:
            raise Refusal("No date poll has been closed yet.")
        poll = latest[0]
    if poll.kind != PollKind.WHEN:
        raise Refusal(
            "Poll #{id} is not a date poll: it has no slot to put in a calendar.", id=poll.id
        )
    if poll.is_open:
        raise Refusal(
            "Date poll #{id} is still open: its calendar file comes once it is closed.", id=poll.id
        )
    tally = load_tally(ctx.services, poll)
    if len(numbers) == 2:
        position = option_position(poll, len(tally.options), numbers[1])
    else:
        best = best_of(tally)
        if not best:
            raise Refusal(
                "Nobody was available in date poll #{id}: there is no slot to put in a calendar.",
                id=poll.id,
            )
        if len(best) > 1:
            raise Refusal(
                "Date poll #{id} ended in a tie between slots {slots}: choose one, like "
                "/{when} ics {id} {first}.",
                id=poll.id,
                slots=", ".join(str(p) for p in best),
                when=ctx.command_name("when"),
                first=best[0],
            )
        position = best[0]
    option = next(o for o in tally.options if o.position == position)
    found = calendar_for(ctx.services, poll, option)
    if found is None:
        raise Refusal(
            "The date of “{slot}” could not be read, so there is no calendar file.",
            slot=option.label,
        )
    slot, attachment = found
    voice = ctx.voice
    await ctx.reply(
        ctx.t(
            "📎 Calendar file of “{slot}” (date poll #{id}): {when}.",
            slot=option.label,
            id=poll.id,
            when=_slot_when(voice, slot),
        ),
        attachment=attachment,
    )
