"""Starting polls: /poll, /when (and /when ics), /motion."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Outgoing
from bot.router import Router
from bot.text import clip
from handlers.polls import election, statutes
from handlers.polls.lifecycle import schedule_deadline
from handlers.polls.lookup import read_poll_id
from handlers.polls.render import outgoing
from handlers.polls.requests import MAX_QUESTION, norm, parse_request
from handlers.polls.results import load_tally
from handlers.polls.settings import PollsSettings
from handlers.polls.slots import check_slots, send_calendar
from handlers.polls.statutes import motion_rules
from storage.polls import NewPoll, PollKind, PollRecord, Privacy
from storage.rooms import RoomRecord

# /statuts (the rules motions follow) and /election are started from here too.
router = Router("polls").include(statutes.router, election.router)


async def start_poll(ctx: Context, kind: PollKind) -> None:
    """Store the poll, post it (everywhere when asked), tell the creator what they chose."""
    if ctx.room.private:
        raise Refusal(
            "Polls and motions are voted in a group: start it in one of the association's "
            "rooms. In a private chat you can vote in a secret ballot: /{vote} ID answer.",
            vote=ctx.command_name("vote"),
        )
    request = parse_request(ctx, kind)
    settings = request.settings
    if settings.get("everywhere") == "1" and not ctx.is_organizer:
        # The same rule as a reminder's "everywhere": a member speaks in their own room only.
        raise Refusal(
            "Only an organizer can post in every linked room: remove “everywhere” to post in "
            "this room."
        )
    rules = ctx.settings(PollsSettings)
    privacy = Privacy(settings.get("privacy", Privacy.PUBLIC))
    max_choices = int(settings.get("max", "1"))
    options = request.options
    if kind == PollKind.MOTION:
        options = ["for", "against", "abstain", "blank"]
    if kind == PollKind.CHOICE and max_choices > len(options):
        raise UsageError(
            "“At most {max}” is more than the {n} options: write at most {n}, or multi.",
            max=max_choices,
            n=len(options),
        )
    if kind == PollKind.CHOICE and max_choices == len(options):
        max_choices = 0
    if kind == PollKind.WHEN:
        check_slots(ctx, options)
    if privacy == Privacy.SECRET and kind == PollKind.WHEN:
        raise UsageError("A date poll cannot be secret: members change their answers.")
    if privacy == Privacy.SECRET and max_choices != 1:
        raise UsageError("A secret ballot is single choice: a secret vote cannot be changed.")
    quorum = int(settings.get("quorum", rules.quorum_percent))
    if quorum > 100:
        raise UsageError("A quorum is a percentage from 0 to 100.")
    defaults = motion_defaults(ctx, settings.get("decision", "ordinary"))
    quorum_share = settings.get("quorum_share", "")
    if "quorum" not in settings and not quorum_share:
        quorum_share = defaults.get("quorum", "")
    members = int(settings["members"]) if "members" in settings else None
    if members is not None and members < 1:
        raise UsageError("The number of members must be at least 1.")
    store = ctx.store.polls
    poll = store.create(
        NewPoll(
            association_id=ctx.room.association_id,
            room_key=ctx.room.key,
            creator_key=ctx.sender.key,
            creator_name=ctx.sender.name,
            kind=kind,
            question=request.question,
            privacy=privacy,
            max_choices=max_choices
            if kind == PollKind.CHOICE
            else (0 if kind == PollKind.WHEN else 1),
            hide_results=settings.get("hide") == "1",
            everywhere=settings.get("everywhere") == "1",
            closes_at=request.closes_at,
            quorum_percent=quorum,
            majority=settings.get("majority", defaults["majority"]),
            majority_of=settings.get("majority_of", defaults["majority_of"]),
            abstention=settings.get("abstention", defaults["abstention"]),
            blank=settings.get("blank", defaults["blank"]),
            members=members,
            quorum=quorum_share if kind == PollKind.MOTION else "",
            casting_vote=kind == PollKind.MOTION
            and defaults.get("casting_vote") == "1"
            and privacy == Privacy.PUBLIC,
        ),
        options,
        ctx.now(),
    )
    poll, rooms, failed = await post_poll(ctx, poll)
    notes = _creation_notes(ctx, poll, len(rooms), failed)
    if notes:
        await ctx.reply("\n".join(notes))


async def post_poll(
    ctx: Context, poll: PollRecord
) -> tuple[PollRecord, list[RoomRecord], list[str]]:
    """Post a new poll in its room (every linked room when ``everywhere``), arm its deadline;
    the poll as stored, the rooms, and the titles of rooms it could not be delivered to."""
    store = ctx.store.polls
    rooms = ctx.store.rooms.linked_to(ctx.room.key) if poll.everywhere else [ctx.room]
    tally = load_tally(ctx.services, poll)
    failed: list[str] = []
    for room in rooms:
        delivery = await ctx.send(room.key, outgoing(ctx.services.voice(room), tally))
        if delivery.ok:
            store.add_message(poll.id, delivery.room_key, delivery.message_id)
        else:
            failed.append(room.title or room.external_id)
    minutes = ctx.settings(PollsSettings).closing_notice_minutes
    if poll.closes_at is not None and poll.closes_at - ctx.now() <= timedelta(minutes=minutes):
        store.mark_notice_sent(poll.id)  # too close for a "closing soon" notice
        poll = store.get(poll.id) or poll
    schedule_deadline(ctx.services, poll)
    return poll, rooms, failed


async def open_resolution(
    ctx: Context, *, assembly_id: int, number: int, text: str, extraordinary: bool
) -> PollRecord:
    """Put a general assembly's resolution to the vote in every room of the association: the
    statutes' rules for its kind of decision, the roll as electorate, only voices (present or
    represented) voting. For the assembly's ``/ag suivant``."""
    statutes = ctx.store.statutes.get(ctx.room.association_id)
    rules = motion_rules(statutes, "extraordinary" if extraordinary else "ordinary")
    prefix = ctx.t("Resolution no. {n}", n=number)
    poll = ctx.store.polls.create(
        NewPoll(
            association_id=ctx.room.association_id,
            room_key=ctx.room.key,
            creator_key=ctx.sender.key,
            creator_name=ctx.sender.name,
            kind=PollKind.MOTION,
            question=clip(f"{prefix} — {text}", MAX_QUESTION),
            privacy=Privacy.PUBLIC,
            max_choices=1,
            everywhere=True,
            quorum_percent=0,
            majority=rules.majority,
            majority_of=rules.majority_of,
            abstention=rules.abstention,
            blank=rules.blank,
            assembly_id=assembly_id,
            quorum=rules.quorum,
            casting_vote=rules.casting_vote,
        ),
        ["for", "against", "abstain", "blank"],
        ctx.now(),
    )
    poll, _rooms, _failed = await post_poll(ctx, poll)
    return poll


def motion_defaults(ctx: Context, decision: str) -> dict[str, str]:
    """A motion's rules when it states none: the association's statutes where set (the
    majority of its kind of decision), else the ``[polls]`` settings."""
    config = ctx.settings(PollsSettings)
    rules = {
        "majority": config.majority,
        "majority_of": config.majority_of,
        "abstention": config.abstention,
        "blank": config.blank,
    }
    association = ctx.room.association_id
    chosen = ctx.store.statutes.changed(association)
    statutes = ctx.store.statutes.get(association)
    majority_key = "majority_extraordinary" if decision == "extraordinary" else "majority_ordinary"
    quorum_key = "quorum_extraordinary" if decision == "extraordinary" else "quorum_ordinary"
    if majority_key in chosen or decision == "extraordinary":
        rules["majority"] = getattr(statutes, majority_key)
    if quorum_key in chosen:
        rules["quorum"] = getattr(statutes, quorum_key)
    for key in ("majority_of", "abstention", "blank"):
        if key in chosen:
            rules[key] = getattr(statutes, key)
    if statutes.casting_vote:
        rules["casting_vote"] = "1"
    return rules


def _creation_notes(ctx: Context, poll: PollRecord, rooms: int, failed: list[str]) -> list[str]:
    notes = []
    if poll.privacy == Privacy.ANONYMOUS:
        notes.append(
            ctx.t(
                "Anonymous poll: names are never shown, but the bot keeps who voted what so "
                "members can change their vote. For a vote nobody can trace, use secret."
            )
        )
    if poll.secret:
        notes.append(
            ctx.t(
                "Secret ballot: the bot stores who voted apart from the totals, so nobody — "
                "not even the database owner — can tell a member's choice. A vote therefore "
                "cannot be changed, and results appear at close. Your choice is never shown "
                "to the group: a tap the room could see is not counted, and the bot sends you "
                "a private ballot instead. Typing /{vote} in the group shows your choice to "
                "the group: type it in a private chat with the bot instead.",
                vote=ctx.command_name("vote"),
            )
        )
    if rooms > 1:
        notes.append(ctx.tn("Posted in {n} linked room.", "Posted in {n} linked rooms.", rooms))
    if failed:
        notes.append(ctx.t("Not delivered to: {rooms}.", rooms=", ".join(failed)))
    return notes


@router.command(
    "poll",
    "sondage",
    usage=_("question | option | option [| modifiers]"),
    help=_("Start a poll; members vote by tapping, or with /vote."),
    examples=(
        _("/poll Where shall we party? | Village hall | At Paul's | The park"),
        _("/poll Pizza toppings? | Ham | Mushrooms | Olives | at most 2 | until friday 6pm"),
        _("/poll New treasurer? | Alice | Bob | secret | everywhere"),
        _("/poll delete 4 (a poll with no vote yet)"),
        _(
            "Modifiers, after the options: multi (several choices), at most N, anonymous "
            "(names hidden), secret (secret ballot), hidden (results at close), everywhere "
            "(every linked room), until friday 6pm (deadline)."
        ),
    ),
)
async def poll_command(ctx: Context) -> None:
    if ctx.args and norm(ctx.args[0]) in DELETE_WORDS and "|" not in ctx.text:
        await delete_poll(ctx, list(ctx.args[1:]))
        return
    await start_poll(ctx, PollKind.CHOICE)


# "/poll delete 4" (one string: a bare "delete" literal reads as SQL to the boundary scan).
DELETE_WORDS = frozenset("suppr supprimer effacer del delete remove".split())  # noqa: SIM905


async def delete_poll(ctx: Context, words: list[str]) -> None:
    """``/poll delete N``: a mistyped poll with no vote yet goes away instead of entering the
    register (its author or an organizer); its messages say so."""
    if len(words) != 1 or read_poll_id(ctx, words[0]) is None:
        raise UsageError(
            "Give the number of the poll to delete, like /{poll} delete 4.",
            poll=ctx.command_name("poll"),
        )
    poll_id = read_poll_id(ctx, words[0])
    assert poll_id is not None
    store = ctx.store.polls
    poll = store.get(poll_id)
    if poll is None or poll.association_id != ctx.room.association_id:
        raise Refusal("There is no poll #{id} here.", id=poll_id)
    ctx.require_may_act_on(poll.room_key, poll.creator_key)
    if store.voter_count(poll.id):
        raise Refusal(
            "Poll #{id} already has votes: it cannot be deleted. Close it with /{close} {id}; "
            "it stays in the register.",
            id=poll.id,
            close=ctx.command_name("close"),
        )
    messages = store.messages(poll.id)
    for job in ("close", "notice", "render"):
        ctx.scheduler.cancel(f"polls:{job}:{poll.id}")
    store.delete(poll.id)
    for room_key, message_id in messages:
        voice = ctx.services.voice(room_key)
        await ctx.edit(
            room_key,
            message_id,
            Outgoing(voice.t("🗑 Poll #{id} was deleted before any vote.", id=poll.id)),
        )
    await ctx.reply(ctx.t("Poll #{id} is deleted: it had no vote.", id=poll.id))


@router.command(
    "when",
    "quand",
    usage=_("question | slot | slot [| modifiers], or ics [ID] [N]"),
    help=_("Find a date: members answer yes, maybe or no for each slot."),
    examples=(
        _("/when Back-to-school meeting? | Mon 7/9 6pm | Tue 8/9 6pm | Thu 10/9 7pm"),
        _("Modifiers, after the slots: anonymous, hidden, everywhere, until friday 6pm."),
        _("/when ics 12 (calendar file of the chosen slot, once closed)"),
    ),
)
async def when_command(ctx: Context) -> None:
    if ctx.args and norm(ctx.args[0]) == "ics" and "|" not in ctx.text:
        await send_calendar(ctx, list(ctx.args[1:]))
        return
    await start_poll(ctx, PollKind.WHEN)


@router.command(
    "motion",
    "motion",
    "resolution",
    usage=_("text [| rules]"),
    help=_(
        "Put a motion to the vote: for, against, abstain or blank, with quorum and majority rules."
    ),
    examples=(
        _("/resolution Approval of the 2025 accounts"),
        _("/resolution Amend the statutes | quorum 50% | two thirds | secret"),
        _(
            "Rules: quorum N%, simple / absolute / two thirds majority, of members (instead of "
            "votes cast), abstentions counted, blank counted (or blank excluded), N members, "
            "secret, anonymous, hidden, everywhere, until friday 6pm."
        ),
    ),
    organizer=True,
)
async def motion_command(ctx: Context) -> None:
    await start_poll(ctx, PollKind.MOTION)
