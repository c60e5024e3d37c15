"""Managing a poll: /close, /extend, /nudge (its creator or an organizer of its room), and
/proxy (a member's vote on motions given to another)."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Outgoing
from bot.router import Router
from bot.text import clip
from bot.timeparse import parse_moment
from handlers.polls.assembly import proxies as assembly_proxies
from handlers.polls.lifecycle import (
    close_poll,
    missing_line,
    missing_voters,
    reschedule_deadline,
    schedule_refresh,
)
from handlers.polls.lookup import find_poll, leading_id, read_poll_id, rooms_of
from handlers.polls.render import how_to_vote, poll_title
from handlers.polls.requests import WITHDRAW_WORDS, norm
from handlers.polls.settings import PollsSettings
from storage.members import MemberRecord
from storage.polls import PollKind, PollRecord

router = Router("polls")

NUDGE_EVERY = timedelta(hours=1)  # at most one nudge per poll per hour


def _manage(ctx: Context, words: list[str]) -> tuple[PollRecord, list[str]]:
    """The poll named by a leading id (or the room's latest open one), if the sender created
    it or is an organizer."""
    poll = find_poll(ctx, leading_id(ctx, words))
    # A role holds where it was earned: an organizer of the poll's room (or a linked one), never
    # the "organizer" everyone is in their private chat with the bot.
    if not ctx.may_act_on(poll.room_key, poll.creator_key):
        if ctx.room.private:
            raise Refusal(
                "A private chat gives no role in the association's rooms: only the creator of "
                "poll #{id} or an organizer can do this, in the poll's room.",
                id=poll.id,
            )
        raise Refusal("Only the poll's creator or an organizer can do this.")
    return poll, words


@router.command(
    "close",
    "cloturer",
    usage=_("[ID]"),
    help=_("Close a poll now and post its results."),
    examples=(_("/close 12"),),
)
async def close_command(ctx: Context) -> None:
    poll, rest = _manage(ctx, list(ctx.args))
    if rest:  # "/cloturer abc" must not close the latest poll
        raise UsageError("Give a poll number, like /{close} 12.", close=ctx.command_name("close"))
    if not poll.is_open or not await close_poll(ctx.services, poll, late=False):
        raise Refusal("Poll #{id} is already closed.", id=poll.id)


@router.command(
    "extend",
    "prolonger",
    usage=_("[ID] until <date>"),
    help=_("Give a poll a new deadline."),
    examples=(_("/extend 12 until sunday 8pm"),),
)
async def extend_command(ctx: Context) -> None:
    poll, words = _manage(ctx, list(ctx.args))
    if not poll.is_open:
        raise Refusal(
            "Poll #{id} is already closed: it can no longer be extended. Start a new one if "
            "needed.",
            id=poll.id,
        )
    if not words:
        raise UsageError("Say until when, like: until sunday 8pm.")
    closes_at = parse_moment(
        " ".join(words), ctx.now(), ctx.lang, ctx.room.timezone, default_hour=18
    )
    store = ctx.store.polls
    store.extend(poll.id, closes_at)
    extended = store.get(poll.id)
    assert extended is not None
    minutes = ctx.settings(PollsSettings).closing_notice_minutes
    if closes_at - ctx.now() <= timedelta(minutes=minutes):
        store.mark_notice_sent(poll.id)
        extended = store.get(poll.id) or extended
    reschedule_deadline(ctx.services, extended)
    schedule_refresh(ctx.services, poll.id)
    await ctx.reply(
        ctx.t("Poll #{id} now closes on {when}.", id=poll.id, when=ctx.format_datetime(closes_at))
    )


@router.command(
    "nudge",
    "relancer",
    usage=_("[ID]"),
    help=_("Remind the members who have not voted yet (at most once an hour per poll)."),
    examples=(_("/nudge 12"),),
)
async def nudge_command(ctx: Context) -> None:
    poll, words = _manage(ctx, list(ctx.args))
    if words:
        raise UsageError("Give a poll number, like /{nudge} 12.", nudge=ctx.command_name("nudge"))
    if not poll.is_open:
        raise Refusal("Poll #{id} is closed: votes are no longer accepted.", id=poll.id)
    missing = missing_voters(ctx.services, poll)
    if not missing:
        await ctx.reply(ctx.t("Every member the bot knows has voted in poll #{id}.", id=poll.id))
        return
    store = ctx.store.polls
    now = ctx.now()
    if not store.claim_nudge(poll.id, now, now - NUDGE_EVERY):
        last = (store.get(poll.id) or poll).nudged_at or now
        raise Refusal(
            "Poll #{id} was nudged less than an hour ago; to avoid spam, the next nudge is "
            "possible from {when}.",
            id=poll.id,
            when=ctx.format_datetime(last + NUDGE_EVERY),
        )
    rooms = rooms_of(ctx.services, poll)
    for room in rooms:
        voice = ctx.services.voice(room)
        lines = [
            voice.t("🔔 {title}", title=poll_title(voice, poll)),
            missing_line(ctx.services, room, poll, missing),
        ]
        if poll.closes_at is not None:
            lines.append(voice.t("Closes on {when}.", when=voice.when(poll.closes_at)))
        lines.append(how_to_vote(voice, poll))
        await ctx.send(room.key, Outgoing("\n".join(lines)))
    if ctx.room.key not in {room.key for room in rooms}:
        await ctx.reply(ctx.tn("Nudge sent to {n} room.", "Nudge sent to {n} rooms.", len(rooms)))


def _member(ctx: Context, handle: str) -> MemberRecord:
    found: dict[str, MemberRecord] = {}
    for room in ctx.store.rooms.linked_to(ctx.room.key):
        for member in ctx.store.members.find_in_room(room.key, handle):
            found.setdefault(member.key, member)
    if not found:
        raise Refusal(
            "Nobody called {name} has written in this association yet.", name=clip(handle, 40)
        )
    if len(found) > 1:
        raise Refusal(
            "Several members are called {name}: use their @username.", name=clip(handle, 40)
        )
    return next(iter(found.values()))


@router.command(
    "proxy",
    "procuration",
    usage=_("[@member [ID] | remove | giver → holder]"),
    help=_(
        "Give your vote on motions to another member, or take it back; during a general "
        "assembly, the secretary records paper proxies."
    ),
    examples=(
        _("/proxy @bob"),
        _("/proxy @bob 14"),
        _("/proxy remove"),
        _("/proxy Odile Martin → Paul Durand"),
    ),
)
async def proxy_command(ctx: Context) -> None:
    store = ctx.store.polls
    association = ctx.room.association_id
    words = list(ctx.args)
    if ctx.room.private:
        raise Refusal(
            "Give your proxy in one of the association's rooms, where the bot knows its members."
        )
    assembly = assembly_proxies.applies(ctx)
    if assembly is not None:  # a general assembly is convened: the proxy is for it
        await assembly_proxies.assembly_proxy(ctx, assembly)
        return
    if not words:
        given = [p for p in store.proxies(association) if p.giver_key == ctx.sender.key]
        held = [p for p in store.proxies(association) if p.holder_key == ctx.sender.key]
        lines = [
            ctx.t(
                "You gave your vote to {name}{scope}.",
                name=p.holder_name,
                scope=_scope(ctx, p.poll_id),
            )
            for p in given
        ] + [
            ctx.t(
                "You hold the vote of {name}{scope}.",
                name=p.giver_name,
                scope=_scope(ctx, p.poll_id),
            )
            for p in held
        ]
        await ctx.reply("\n".join(lines) or ctx.t("You neither gave nor hold any proxy."))
        return
    if len(words) == 1 and norm(words[0]) in WITHDRAW_WORDS:
        if not store.revoke_proxies(association, ctx.sender.key):
            raise Refusal("You have not given your vote to anyone.")
        await ctx.reply(ctx.t("Your proxy is taken back: you vote yourself again."))
        return
    motion_id = read_poll_id(ctx, words[1]) if len(words) == 2 else None
    if len(words) > 2 or (len(words) == 2 and motion_id is None):
        raise UsageError("Name one member, like @bob, and optionally a motion number.")
    holder = _member(ctx, words[0])
    if holder.key == ctx.sender.key:
        raise Refusal("You cannot give your vote to yourself.")
    poll_id: int | None = None
    if motion_id is not None:
        poll = find_poll(ctx, motion_id)
        if poll.kind != PollKind.MOTION or not poll.is_open:
            raise Refusal("Proxies are for open motions: #{id} is not one.", id=poll.id)
        if store.has_voted(poll.id, ctx.sender.key):
            raise Refusal(
                "You have already voted in motion #{id}: your own vote counts, a proxy would "
                "change nothing.",
                id=poll.id,
            )
        poll_id = poll.id
    proxies = store.proxies(association)
    if any(p.giver_key == holder.key for p in proxies):
        raise Refusal(
            "{name} has given their own vote to someone else: proxies do not chain.",
            name=holder.name,
        )
    if any(p.holder_key == ctx.sender.key for p in proxies):
        raise Refusal("You hold other members' votes: you cannot give yours away.")
    givers = {p.giver_key for p in proxies if p.holder_key == holder.key}
    givers.discard(ctx.sender.key)
    cap = ctx.settings(PollsSettings).proxy_cap
    if len(givers) >= cap:
        raise Refusal(
            "{name} already holds the most proxies allowed ({n}).", name=holder.name, n=cap
        )
    me = MemberRecord(
        ctx.sender.key, ctx.sender.platform, ctx.sender.id, ctx.sender.name, ctx.sender.username
    )
    store.give_proxy(association, me, holder, poll_id, ctx.now())
    await ctx.reply(
        ctx.t(
            "{name} now votes for you{scope}. If you vote yourself, your own vote counts — in "
            "a secret ballot only if you vote before {name} does, as a secret vote cannot be "
            "taken back. Take your proxy back with /{proxy} remove.",
            name=holder.name,
            scope=_scope(ctx, poll_id),
            proxy=ctx.command_name("proxy"),
        )
    )


def _scope(ctx: Context, poll_id: int | None) -> str:
    if poll_id is None:
        return ctx.t(" on every motion")
    return ctx.t(" on motion #{id}", id=poll_id)
