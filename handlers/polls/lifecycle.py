"""A poll's life after it is posted: live edits, the closing notice, closing (on time, late,
or by the sweeper), and timers restored at start."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.context import Services
from bot.message import Outgoing
from bot.router import Router
from handlers.polls.assembly.buttons import convene_button
from handlers.polls.election import count_election, election_majority, election_sentences
from handlers.polls.lookup import rooms_of
from handlers.polls.render import (
    how_to_vote,
    names_text,
    option_lines,
    outgoing,
    poll_title,
    summary,
)
from handlers.polls.results import electorate, load_tally, resolution_number, result_sentence
from handlers.polls.settings import PollsSettings
from handlers.polls.slots import best_of, close_calendar
from storage.members import MemberRecord
from storage.polls import PollKind, PollRecord, Privacy
from storage.rooms import RoomRecord

router = Router("polls")

RENDER_DELAY = timedelta(seconds=1)  # at most one edit per second per message


async def refresh(services: Services, poll_id: int) -> None:
    """Edit every message showing the poll (called at most once a second per poll)."""
    poll = services.store.polls.get(poll_id)
    if poll is None:
        return
    tally = load_tally(services, poll)
    for room_key, message_id in services.store.polls.messages(poll_id):
        room = services.store.rooms.get(room_key)
        if room is not None:
            await services.edit(room_key, message_id, outgoing(services.voice(room), tally))


def schedule_refresh(services: Services, poll_id: int) -> None:
    """Debounce: the first vote schedules an edit one second later; votes until then join it."""
    job = f"polls:render:{poll_id}"
    if services.scheduler.due_of(job) is not None:
        return

    async def run() -> None:
        await refresh(services, poll_id)

    services.scheduler.at(job, services.clock.now() + RENDER_DELAY, run)


def schedule_deadline(services: Services, poll: PollRecord) -> None:
    """Timers for the closing notice and the automatic close."""
    if poll.closes_at is None or not poll.is_open:
        return
    poll_id = poll.id

    async def close_now() -> None:
        current = services.store.polls.get(poll_id)
        if current is not None and current.is_open:
            await close_poll(services, current, late=False)

    async def notice_now() -> None:
        await send_notice(services, poll_id)

    services.scheduler.at(f"polls:close:{poll_id}", poll.closes_at, close_now)
    minutes = services.config.feature(PollsSettings).closing_notice_minutes
    notice_at = poll.closes_at - timedelta(minutes=minutes)
    if minutes and not poll.notice_sent and notice_at > services.clock.now():
        services.scheduler.at(f"polls:notice:{poll_id}", notice_at, notice_now)


def reschedule_deadline(services: Services, poll: PollRecord) -> None:
    """After a new deadline: the old closing notice is dropped, the timers armed again."""
    services.scheduler.cancel(f"polls:notice:{poll.id}")
    schedule_deadline(services, poll)


def missing_voters(services: Services, poll: PollRecord) -> list[MemberRecord]:
    """Members the bot knows in the association (seen in its rooms) who have not voted."""
    store = services.store.polls
    voted = store.voter_keys(poll.id)
    return [m for m in store.association_members(poll.association_id) if m.key not in voted]


def missing_line(
    services: Services, room: RoomRecord, poll: PollRecord, missing: Sequence[MemberRecord]
) -> str:
    """How many have not voted, and who — only for a public poll (in an anonymous or secret
    one, naming the members who have not voted would tell who has), and only the members seen
    in the room it is posted in (the others are counted, not named: a linked bureau room's
    members stay unknown to the public room)."""
    voice = services.voice(room)
    present = services.store.members.keys_in_room(room.key)
    shown = (
        [m.handle for m in missing if m.key in present] if poll.privacy == Privacy.PUBLIC else []
    )
    if not shown:
        return voice.tn(
            "{n} member has not voted yet.", "{n} members have not voted yet.", len(missing)
        )
    return voice.tn(
        "{n} member has not voted yet: {names}.",
        "{n} members have not voted yet: {names}.",
        len(missing),
        names=names_text(voice, shown, len(missing)),
    )


async def send_notice(services: Services, poll_id: int) -> None:
    """ "Closing soon", with who has not voted yet (names only when the poll is public)."""
    store = services.store.polls
    poll = store.get(poll_id)
    if poll is None or not poll.is_open or poll.closes_at is None:
        return
    if poll.closes_at <= services.clock.now() or not store.mark_notice_sent(poll_id):
        return
    missing = missing_voters(services, poll)
    for room in rooms_of(services, poll):
        voice = services.voice(room)
        lines = [
            voice.t(
                "⏳ {title} — closes on {when}.",
                title=poll_title(voice, poll),
                when=voice.when(poll.closes_at),
            )
        ]
        if missing:
            lines.append(missing_line(services, room, poll, missing))
        lines.append(how_to_vote(voice, poll))
        await services.send(room.key, Outgoing("\n".join(lines)))


async def close_poll(services: Services, poll: PollRecord, *, late: bool) -> bool:
    """Close once: fix the electorate, show final results in place and post them."""
    if not _close_record(services, poll):
        return False
    await _announce_close(services, poll, late=late)
    return True


def _close_record(services: Services, poll: PollRecord) -> bool:
    """Close the poll in the database (once: False when it already was) and drop its timers."""
    members = None
    if poll.kind == PollKind.MOTION and poll.members is None:
        members = electorate(services, poll)
    if not services.store.polls.close(poll.id, services.clock.now(), members):
        return False
    for job in ("close", "notice", "render"):
        services.scheduler.cancel(f"polls:{job}:{poll.id}")
    return True


async def _announce_close(services: Services, poll: PollRecord, *, late: bool) -> None:
    """Show a closed poll's final results in place and post them in its rooms."""
    store = services.store.polls
    closed = store.get(poll.id)
    assert closed is not None
    tally = load_tally(services, closed)
    for room_key, message_id in store.messages(poll.id):
        room = services.store.rooms.get(room_key)
        if room is not None:
            await services.edit(room_key, message_id, outgoing(services.voice(room), tally))
    attachment, notes = (
        close_calendar(services, tally) if closed.kind == PollKind.WHEN else (None, [])
    )
    # A date chosen, and no assembly convened yet: offer to convene it then (organizers).
    offer = (
        attachment is not None and services.store.assembly.current(closed.association_id) is None
    )
    chosen = best_of(tally)[0] if offer else 0
    for room in rooms_of(services, closed):
        voice = services.voice(room)
        lines = [voice.t("🔒 Closed: {title}", title=poll_title(voice, closed))]
        if late:
            lines.append(voice.t("(closed late: the bot was offline at the deadline)"))
        lines += option_lines(voice, tally, hidden=False)
        if closed.seats is None:  # an election says it in sentences below
            lines.append(summary(voice, tally))
        if closed.kind == PollKind.MOTION:
            lines.append(result_sentence(voice, tally, resolution_number(services, closed)))
        if closed.seats is not None:
            lines += election_sentences(
                voice, closed, count_election(tally, election_majority(services, closed))
            )
        lines += [note(voice) for note in notes]
        buttons = ((convene_button(voice, closed, chosen),),) if offer else ()
        await services.send(
            room.key, Outgoing("\n".join(lines), buttons=buttons, attachment=attachment)
        )


@router.on_start
async def restore_timers(services: Services) -> None:
    """Re-arm deadlines; close at once (marked late) what fell due while the bot was down:
    every such poll is closed before the results go out (the start waits for the platforms
    to send them, and no vote cast meanwhile may count)."""
    now = services.clock.now()
    late: list[PollRecord] = []
    for poll in services.store.polls.open_polls():
        if poll.closes_at is None:
            continue
        if poll.closes_at <= now:
            if _close_record(services, poll):
                late.append(poll)
        else:
            schedule_deadline(services, poll)
    for poll in late:
        await _announce_close(services, poll, late=True)


@router.on_sweep
async def close_overdue(services: Services, now: datetime) -> None:
    """Safety net: anything past its deadline and still open is closed."""
    for poll in services.store.polls.due(now):
        await close_poll(services, poll, late=False)  # the bot was running: not late
