"""Finding polls: by a typed number or the room's latest, only where the member may see them;
the option numbers members type; the rooms showing a poll."""

from __future__ import annotations

from bot.context import Context, Services
from bot.errors import Refusal, UsageError
from bot.text import clip, read_number
from storage.polls import PollRecord
from storage.rooms import RoomRecord


def read_poll_id(ctx: Context, word: str) -> int | None:
    """A poll number typed as ``12`` or ``#12`` (bounded by ``ctx.number``, so a 20-digit
    number is a clear answer and not an overflow in SQLite), or None when the word is no
    number."""
    return ctx.number(word) if word.lstrip("#").isdecimal() else None


def find_poll(ctx: Context, poll_id: int | None) -> PollRecord:
    """A poll of this association by id, or the room's latest open poll."""
    store = ctx.store.polls
    if poll_id is None:
        if ctx.room.private:
            raise Refusal(
                "In a private chat, give the poll's number, like /{vote} 12 2 (it is in the "
                "poll's message).",
                vote=ctx.command_name("vote"),
            )
        poll = store.latest_open_in_room(ctx.room.key)
        if poll is None:
            raise Refusal(
                "There is no open poll in this room. Start one with /{poll}.",
                poll=ctx.command_name("poll"),
            )
        return poll
    poll = store.get(poll_id)
    if poll is None or not may_see(ctx, poll):
        raise Refusal("There is no poll #{id} here.", id=poll_id)
    ctx.speak_as(poll.room_key)
    return poll


def may_see(ctx: Context, poll: PollRecord) -> bool:
    """Whether the poll belongs to this room's association (or, in a private chat, to one the
    member belongs to)."""
    if poll.association_id == ctx.room.association_id:
        return True
    # A private chat with the bot (a secret vote): the member must belong to the association.
    return ctx.room.private and ctx.store.polls.member_in_association(
        poll.association_id, ctx.sender.key
    )


def leading_id(ctx: Context, words: list[str]) -> int | None:
    """A poll number typed first (``12`` or ``#12``), taken off ``words``."""
    found = read_poll_id(ctx, words[0]) if words else None
    if found is not None:
        words.pop(0)
    return found


def option_position(poll: PollRecord, options: int, item: str) -> int:
    """An option number typed by a member, from 1 to ``options``."""
    position = read_number(item, low=1, high=options)
    if position is None:
        raise UsageError(
            "Poll #{id} has options 1 to {n}: “{value}” is not one of them.",
            id=poll.id,
            n=options,
            value=clip(item, 24),
        )
    return position


def rooms_of(services: Services, poll: PollRecord) -> list[RoomRecord]:
    """The poll's own room and every room showing it."""
    keys = [poll.room_key] + [k for k, _m in services.store.polls.messages(poll.id)]
    rooms = []
    for key in dict.fromkeys(keys):
        room = services.store.rooms.get(key)
        if room is not None:
            rooms.append(room)
    return rooms
