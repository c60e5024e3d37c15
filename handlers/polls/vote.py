"""Voting: /vote, taps on the poll's buttons, native poll answers, and the private ballot
offered when a private choice was made where the room could see it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Outgoing
from bot.router import Router
from bot.text import read_number
from handlers.polls.election import check_election_ballot
from handlers.polls.lifecycle import schedule_refresh
from handlers.polls.lookup import find_poll, leading_id, may_see, option_position
from handlers.polls.render import PREFIX, label, outgoing, private_choice
from handlers.polls.requests import MAX_OPTIONS, WITHDRAW_WORDS, comparable_option, norm
from handlers.polls.results import (
    ABSTAIN,
    AGAINST,
    BLANK,
    FOR,
    assembly_voices,
    load_tally,
    voices_of,
)
from storage.polls import MAYBE, YES, AlreadyVoted, OptionRecord, PollKind, PollRecord

router = Router("polls")

_MOTION_WORDS = {
    **{w: FOR for w in ("pour", "for", "oui", "yes", "1")},
    **{w: AGAINST for w in ("contre", "against", "non", "no", "2")},
    **{w: ABSTAIN for w in ("abstention", "abstentions", "abstain", "abst", "3")},
    **{w: BLANK for w in ("blanc", "blank", "4")},
}


def cast_vote(
    ctx: Context,
    poll: PollRecord,
    choices: dict[int, int],
    *,
    withdraw: bool = False,
    seen: bool = True,
) -> int:
    """Record a whole ballot (replacing the member's previous one); refuse what the rules
    forbid. Secret ballots count once and for good, for the member and the proxies they hold.
    At a general assembly only voices vote, and in a secret ballot each voice is its own
    ballot: return how many voices the member still has to cast (0 elsewhere). A vote by
    personal link (``seen=False``) does not make the member one seen in the room."""
    if not poll.is_open:
        raise Refusal("Poll #{id} is closed: votes are no longer accepted.", id=poll.id)
    if not may_see(ctx, poll):
        raise Refusal("There is no poll #{id} here.", id=poll.id)
    store = ctx.store.polls
    if seen and not ctx.room.private:
        ctx.store.members.seen(ctx.room.key, ctx.sender, ctx.now())
    check_election_ballot(poll, list(choices), len(store.options(poll.id)))
    voices = assembly_voices(ctx.services, poll)
    if voices is not None:
        return _cast_assembly_vote(ctx, poll, voices_of(voices, ctx.sender.key), choices, withdraw)
    if poll.secret:
        if withdraw or not choices:
            raise Refusal("A secret vote cannot be withdrawn.")
        if poll.seats is not None:  # an election: each voice its own secret ballot
            held = [
                p.giver_key
                for p in store.proxies(poll.association_id, poll.id)
                if p.holder_key == ctx.sender.key
            ]
            return _cast_assembly_vote(ctx, poll, [ctx.sender.key, *held], choices, withdraw)
        voters = [ctx.sender.key]
        if poll.kind == PollKind.MOTION:
            voters += [
                p.giver_key
                for p in store.proxies(poll.association_id, poll.id)
                if p.holder_key == ctx.sender.key and not store.has_voted(poll.id, p.giver_key)
            ]
        try:
            store.cast_secret(poll.id, voters, choices, holder_key=ctx.sender.key)
        except AlreadyVoted:
            # A giver who votes first keeps their own vote (the holder's ballot skips them);
            # once the holder has voted for them, a secret ballot cannot take that vote back.
            if store.secret_holder(poll.id, ctx.sender.key) is not None:
                raise Refusal(
                    "Your proxy holder has already voted for you in this secret ballot: a "
                    "secret vote cannot be taken back, so your own vote cannot replace it."
                ) from None
            raise Refusal(
                "You have already voted in this secret ballot; a secret vote cannot be changed."
            ) from None
    elif withdraw:
        if not store.withdraw(poll.id, ctx.sender.key):
            raise Refusal(
                "You have not voted in poll #{id}: there is nothing to withdraw.", id=poll.id
            )
    else:
        store.cast(poll.id, ctx.sender.key, ctx.sender.name, choices, ctx.now())
    schedule_refresh(ctx.services, poll.id)
    return 0


def _cast_assembly_vote(
    ctx: Context, poll: PollRecord, mine: list[str], choices: dict[int, int], withdraw: bool
) -> int:
    """A vote at a general assembly: refused without a voice (check in first); public, one
    ballot weighted by the voices held; secret, one voice per ballot (own voice first, then
    each proxy), so a holder may vote differently for each giver."""
    store = ctx.store.polls
    if not mine:
        raise Refusal(
            "Only members present or represented at the assembly vote: check in with /{here} "
            "first.",
            here=ctx.command_name("here"),
        )
    if not poll.secret:
        if withdraw:
            if not store.withdraw(poll.id, ctx.sender.key):
                raise Refusal(
                    "You have not voted in poll #{id}: there is nothing to withdraw.", id=poll.id
                )
        else:
            store.cast(poll.id, ctx.sender.key, ctx.sender.name, choices, ctx.now())
        schedule_refresh(ctx.services, poll.id)
        return 0
    if withdraw or not choices:
        raise Refusal("A secret vote cannot be withdrawn.")
    left = [key for key in mine if not store.has_voted(poll.id, key)]
    if not left:
        raise Refusal(
            "You have already cast every voice you hold in this secret ballot; a secret vote "
            "cannot be changed."
        )
    try:
        store.cast_secret(poll.id, [left[0]], choices, holder_key=ctx.sender.key)
    except AlreadyVoted:
        raise Refusal(
            "You have already cast every voice you hold in this secret ballot; a secret vote "
            "cannot be changed."
        ) from None
    schedule_refresh(ctx.services, poll.id)
    return len(left) - 1


def _check_choices(poll: PollRecord, options: int, positions: list[int]) -> None:
    for position in positions:
        if not 1 <= position <= options:
            raise UsageError(
                "Poll #{id} has options 1 to {n}: “{value}” is not one of them.",
                id=poll.id,
                n=options,
                value=position,
            )
    if poll.max_choices == 1 and len(set(positions)) > 1:
        raise UsageError("Poll #{id} is single choice: give one option number.", id=poll.id)
    if poll.max_choices != 0 and len(set(positions)) > poll.max_choices:
        raise UsageError("Poll #{id} allows at most {n} choices.", id=poll.id, n=poll.max_choices)


# An election's blank option has no text of its own (it shows as « Vote blanc », "Blank vote"):
# these words choose it.
_BLANK_WORDS = frozenset(
    ("blanc", "blank", "vote blanc", "blank vote", "bulletin blanc", "blank ballot", "en blanc")
)


def _option_by_label(poll: PollRecord, options: Sequence[OptionRecord], words: list[str]) -> int:
    """The option whose text was typed (``/vote Chez Paul``, ``/vote 🍕``, in an election
    ``/vote blank``), or 0."""
    if poll.kind != PollKind.CHOICE or all(w.isdecimal() or "," in w for w in words):
        return 0
    typed = comparable_option(" ".join(words))
    for option in options:
        if option.label and comparable_option(option.label) == typed:
            return option.position  # a candidate called Blanc is chosen by his name
    if poll.seats is not None and typed in _BLANK_WORDS:
        return next((o.position for o in options if not o.label), 0)
    return 0


def _parse_choices(poll: PollRecord, options: int, words: list[str]) -> dict[int, int]:
    items = [i for w in words for i in re.split(r"[,;+\s]+", w) if i]
    if not items:
        raise UsageError("Say which option: /vote N, or /vote ID N for a given poll.")
    if poll.kind == PollKind.MOTION:
        positions = []
        for item in items:
            position = _MOTION_WORDS.get(norm(item))
            if position is None:
                raise UsageError(
                    "Answer a motion with for, against, abstain or blank (or 1 to 4)."
                )
            positions.append(position)
        if len(set(positions)) > 1:
            raise UsageError("Give one answer to a motion.")
        if positions[0] > options:
            raise Refusal(
                "Motion #{id} has no blank vote (it was created before blank votes existed): "
                "answer for, against or abstain.",
                id=poll.id,
            )
        return {positions[0]: YES}
    if poll.kind == PollKind.WHEN:
        choices: dict[int, int] = {}
        for item in items:
            maybe = item.endswith("?")
            number = item.rstrip("?")
            if not number.isdecimal():
                raise UsageError("List the slots that suit you, like 1,3,4? (4 = maybe).")
            choices[option_position(poll, options, number)] = MAYBE if maybe else YES
        return choices
    positions = []
    for item in items:
        if not item.isdecimal():
            raise UsageError(
                "Give option numbers, like /vote 2 (or /vote 1,3 for several), or an option's "
                "exact text."
            )
        positions.append(option_position(poll, options, item))
    _check_choices(poll, options, positions)
    return {p: YES for p in positions}


@router.command(
    "vote",
    "voter",
    usage=_("[ID] N | N,M | for/against/abstain/blank | remove"),
    help=_("Vote in the room's latest open poll, or in poll ID."),
    examples=(
        _("/vote 2"),
        _("/vote 12 1,3"),
        _("/vote 14 for"),
        _("/vote 14 blank"),
        _("/vote 13 1,2?"),
    ),
)
async def vote_command(ctx: Context) -> None:
    words = list(ctx.args)
    if not words:
        raise UsageError("Say which option: /vote N, or /vote ID N for a given poll.")
    poll_id: int | None = None
    if words[0].startswith("#") or len(words) >= 2:
        poll_id = leading_id(ctx, words)
    poll = find_poll(ctx, poll_id)
    options = ctx.store.polls.options(poll.id)
    if len(words) == 1 and norm(words[0]) in WITHDRAW_WORDS:
        if poll.secret:
            raise Refusal("A secret vote cannot be withdrawn.")
        cast_vote(ctx, poll, {}, withdraw=True)
        await ctx.reply(ctx.t("Your vote in poll #{id} is withdrawn.", id=poll.id))
        return
    by_label = _option_by_label(poll, options, words)
    choices = {by_label: YES} if by_label else _parse_choices(poll, len(options), words)
    left = cast_vote(ctx, poll, choices)
    if poll.secret:
        text = ctx.t("Your secret ballot in poll #{id} is counted.", id=poll.id)
        if left:
            text += " " + ctx.tn(
                "You hold {n} more voice: vote again, once per voice.",
                "You hold {n} more voices: vote again, once per voice.",
                left,
            )
        await ctx.reply(text)
        return
    voice = ctx.voice
    by_position = {o.position: o for o in options}
    chosen = ", ".join(
        label(voice, poll, by_position[p]) + ("?" if answer == MAYBE else "")
        for p, answer in sorted(choices.items())
    )
    await ctx.reply(ctx.t("Vote counted in poll #{id}: {choices}.", id=poll.id, choices=chosen))


def _public_gesture(ctx: Context) -> bool:
    """Whether the tap or answer was seen by the room (a Matrix reaction in a group)."""
    return ctx.message.gesture is not None and ctx.message.gesture.public


async def offer_private_ballot(ctx: Context, poll: PollRecord) -> None:
    """A choice the room saw, on a poll whose choices are private: not counted, removed where
    the platform lets the bot, and answered in private with a ballot to vote there."""
    removed = await ctx.remove_gesture()
    if not poll.is_open:
        await ctx.reply_privately(
            ctx.t("Poll #{id} is closed: votes are no longer accepted.", id=poll.id)
        )
        return
    lines = [
        ctx.t(
            "Your choice in poll #{id} was not counted: everyone in the room could see it. "
            "Vote here, in private: choose below, or write /{vote} {id} N.",
            id=poll.id,
            vote=ctx.command_name("vote"),
        )
    ]
    if not removed:
        lines.append(ctx.t("The bot could not remove it: remove it yourself."))
    private = await ctx.private_room()
    if private is None:
        await ctx.reply_privately("\n".join(lines))
        return
    await ctx.send(private, Outgoing("\n".join(lines)))
    ballot = outgoing(ctx.voice, load_tally(ctx.services, poll))
    await ctx.send(private, ballot)


@router.button(PREFIX)
async def tap(ctx: Context) -> None:
    """A tap. On a poll whose choices are private, a tap the room saw is not counted (a private
    ballot is offered instead), and every answer to the tap goes to the tapper alone."""
    poll_id = read_number(ctx.text.partition(":")[0])
    poll = ctx.store.polls.get(poll_id) if poll_id is not None else None
    if poll is not None:
        ctx.speak_as(poll.room_key)
    if poll is None or not private_choice(poll):
        await _tap(ctx)
        return
    if _public_gesture(ctx):
        await offer_private_ballot(ctx, poll)
        return
    try:
        await _tap(ctx)
    except (Refusal, UsageError) as error:
        text = ctx.services.translator.t(ctx.lang, error.msgid, **error.params)
        await ctx.reply_privately(text)
        return
    if ctx.room.private:  # a private ballot: nothing else shows the tap was counted
        await ctx.reply(ctx.t("Your vote in poll #{id} is recorded.", id=poll.id))


async def _tap(ctx: Context) -> None:
    """A tap: one option (toggled in a multiple-choice poll), or one slot's yes/maybe/no."""
    parts = ctx.text.split(":")
    poll_id = read_number(parts[0])
    if len(parts) < 2 or poll_id is None:
        return  # not one of our buttons (the payload comes from the platform, trust nothing)
    poll = ctx.store.polls.get(poll_id)
    if poll is None:
        raise Refusal("This poll no longer exists.")
    store = ctx.store.polls
    position = read_number(parts[1], low=1, high=len(store.options(poll.id)))
    if position is None:
        return
    if poll.secret and poll.max_choices != 1:
        # A secret election of several seats: a tap cannot be completed later (a secret vote
        # never changes), so the whole ballot is typed at once.
        raise Refusal(
            "Election #{id} is secret with several seats: type all your candidates at once, "
            "like /{vote} {id} 1,3 (or the blank vote's number).",
            id=poll.id,
            vote=ctx.command_name("vote"),
        )
    if poll.secret or (poll.kind != PollKind.WHEN and poll.max_choices == 1):
        cast_vote(ctx, poll, {position: YES})  # a single choice replaces the ballot
        return
    current = store.ballot_of(poll.id, ctx.sender.key) or {}
    if poll.kind == PollKind.WHEN:
        answer = parts[2] if len(parts) > 2 else "y"
        choices = dict(current)
        if answer == "n":
            choices.pop(position, None)
        else:
            choices[position] = MAYBE if answer == "m" else YES
        cast_vote(ctx, poll, choices)  # all "no" still counts as an answer
        return
    choices = dict(current)
    if position in choices:
        choices.pop(position)
    else:
        choices[position] = YES
        if poll.max_choices and len(choices) > poll.max_choices:
            raise Refusal(
                "{name}: poll #{id} allows at most {n} choices; tap a chosen one again to "
                "remove it.",
                name=ctx.sender.name,
                id=poll.id,
                n=poll.max_choices,
            )
    cast_vote(ctx, poll, choices)


@router.vote(PREFIX)
async def native_vote(ctx: Context) -> None:
    """A native poll response: the whole selection replaces the previous one."""
    chosen: dict[int, dict[int, int]] = {}
    for payload in ctx.args:
        poll_text, _sep, position_text = payload.partition(":")
        poll_id, position = read_number(poll_text), read_number(position_text, high=MAX_OPTIONS)
        if poll_id is not None and position is not None:
            chosen.setdefault(poll_id, {})[position] = YES
    for poll_id, choices in chosen.items():
        poll = ctx.store.polls.get(poll_id)
        if poll is None:
            continue
        if private_choice(poll) and _public_gesture(ctx):
            await offer_private_ballot(ctx, poll)  # a native poll made before choices hid
            continue
        _check_choices(poll, len(ctx.store.polls.options(poll_id)), list(choices))
        cast_vote(ctx, poll, choices)
