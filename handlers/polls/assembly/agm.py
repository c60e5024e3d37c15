"""/ag (/agm): convene, edit the agenda, open the session, name the chair and the secretary,
put the agenda's items to the vote one by one, show the quorum, close, and the minutes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Outgoing
from bot.router import Router
from bot.timeparse import read_slot
from handlers.polls.assembly.attendance import here_button
from handlers.polls.assembly.convene import (
    agenda_lines,
    command_for,
    convene,
    parse_agenda,
    send_private,
)
from handlers.polls.assembly.minutes import minutes_command
from handlers.polls.assembly.people import find_person, require_officer
from handlers.polls.assembly.session import (
    HERE,
    attendance_line,
    current,
    kind_title,
    open_session,
    quorum_line,
    quorum_of,
    refresh,
    schedule_refresh,
    session_outgoing,
)
from handlers.polls.create import open_resolution
from handlers.polls.requests import norm
from storage.assembly import AssemblyKind, AssemblyRecord, AssemblyStatus
from storage.polls import PollKind

router = Router("polls")

SKIPPED = 0  # an agenda item dealt with without a vote (an election opened with /election)

_ACTIONS: dict[str, str] = {}
for _action, _words in (
    ("convene", "convoquer convene convoque call"),
    ("agenda", "ordre odj agenda"),
    ("open", "ouvrir open ouverture"),
    ("chair", "president presidente presidence chair"),
    ("secretary", "secretaire secretary"),
    ("next", "suivant suivante next"),
    ("skip", "passer skip"),
    ("close", "clore cloturer fermer close"),
    ("quorum", "quorum"),
    ("minutes", "pv proces-verbal minutes"),
    ("cancel", "annuler cancel"),
    ("convocations", "convocations convocation"),
):
    for _word in _words.split():
        _ACTIONS[_word] = _action


def _rest(text: str) -> str:
    parts = text.strip().split(None, 1)
    return parts[1] if len(parts) > 1 else ""


@router.command(
    "agm",
    "ag",
    usage=_(
        "convene <date> | <place> | agenda: <items> · agenda · open · chair @x · secretary @y "
        "· next · quorum · close · minutes · cancel"
    ),
    help=_("Run a general assembly: convocation, session, resolutions one by one, minutes."),
    examples=(
        _("/agm convene January 12 7pm | Town hall | agenda: Annual report; Accounts; Budget"),
        _("/agm open"),
        _("/agm chair @alice"),
        _("/agm next"),
        _("/agm close"),
    ),
)
async def agm_command(ctx: Context) -> None:
    if ctx.room.private:
        raise Refusal("General assemblies are run in the association's rooms, not here.")
    if not ctx.args:
        await _status(ctx)
        return
    action = _ACTIONS.get(norm(ctx.args[0]))
    if action is None:
        raise UsageError(
            "Unknown step “{word}”: convene, agenda, open, chair, secretary, next, quorum, "
            "close, minutes or cancel.",
            word=ctx.args[0][:30],
        )
    rest = _rest(ctx.text)
    steps: dict[str, Callable[[Context, str], Awaitable[None]]] = {
        "convene": _convene,
        "agenda": _agenda,
        "open": _open,
        "chair": _chair,
        "secretary": _secretary,
        "next": _next,
        "skip": _skip,
        "close": _close,
        "quorum": _quorum,
        "minutes": _minutes,
        "cancel": _cancel,
        "convocations": _convocations,
    }
    await steps[action](ctx, rest)


async def _status(ctx: Context) -> None:
    assembly = ctx.store.assembly.current(ctx.room.association_id) or ctx.store.assembly.latest(
        ctx.room.association_id
    )
    if assembly is None:
        await ctx.reply(
            ctx.t(
                "No general assembly yet. Convene one with /{agm} convene <date> | <place> | "
                "agenda: <items>.",
                agm=ctx.command_name("agm"),
            )
        )
        return
    out = session_outgoing(ctx.services, ctx.voice, assembly.id)
    lines = [out.text] if out else []
    if assembly.place:
        lines.append(ctx.t("Place: {place}", place=assembly.place))
    lines.extend(agenda_lines(ctx.voice, ctx.store.assembly.agenda(assembly.id)))
    await ctx.reply("\n".join(lines))


async def _convene(ctx: Context, rest: str) -> None:
    ctx.require_organizer()
    await convene(ctx, rest)


async def _agenda(ctx: Context, rest: str) -> None:
    assembly = current(ctx)
    if rest.strip():
        ctx.require_organizer()
        if assembly.status is not AssemblyStatus.CONVENED:
            raise Refusal(
                "The session is open: the agenda can no longer be changed (it was sent with "
                "the convocation)."
            )
        items = parse_agenda(rest)
        if not items:
            raise UsageError("Give the items separated by « ; » or one per line.")
        ctx.store.assembly.set_agenda(assembly.id, items)
    await ctx.reply("\n".join(agenda_lines(ctx.voice, ctx.store.assembly.agenda(assembly.id))))


async def _open(ctx: Context, rest: str) -> None:
    ctx.require_organizer()
    association = ctx.room.association_id
    assembly = ctx.store.assembly.current(association)
    now = ctx.now()
    if assembly is None:
        # An assembly convened outside the bot (by post): opened on the spot, no agenda yet.
        kind = (
            AssemblyKind.EXTRAORDINARY
            if norm(rest) in ("extraordinaire", "extraordinary")
            else AssemblyKind.ORDINARY
        )
        assembly = ctx.store.assembly.create(
            association_id=association,
            room_key=ctx.room.key,
            kind=kind,
            starts_at=now,
            ends_at=None,
            timezone=ctx.room.timezone,
            place="",
            agenda=(),
            created_by=ctx.sender.key,
            now=now,
        )
    if assembly.status is AssemblyStatus.OPEN:
        raise Refusal("The session is already open.")
    ctx.store.assembly.start_session(assembly.id, now)
    if assembly.event_id is not None:  # opened early: the warnings still to come are moot
        ctx.store.reminders.cancel_event(assembly.event_id, now)
    for room in ctx.store.rooms.linked_to(ctx.room.key):
        if room.private:
            continue
        out = session_outgoing(ctx.services, ctx.services.voice(room), assembly.id)
        if out is None:
            continue
        delivery = await ctx.send(room.key, out)
        if delivery.ok and delivery.message_id:
            ctx.store.assembly.add_message(
                assembly.id, delivery.room_key or room.key, delivery.message_id
            )
    if not (assembly.chair_name and assembly.secretary_name):
        await ctx.reply(
            ctx.t(
                "Name the chair and the secretary: /{agm} chair @alice, /{agm} secretary @bob.",
                agm=ctx.command_name("agm"),
            )
        )


async def _officer(ctx: Context, rest: str, role: str) -> None:
    assembly = current(ctx)
    ctx.require_organizer()
    if not rest.strip():
        raise UsageError("Name someone, like @alice or Odile Martin.")
    person = find_person(ctx, rest)
    if role == "chair":
        ctx.store.assembly.set_chair(assembly.id, person.key, person.name)
        text = ctx.t("{name} chairs the assembly.", name=person.name)
    else:
        ctx.store.assembly.set_secretary(assembly.id, person.key, person.name)
        text = ctx.t("{name} is the secretary of the assembly.", name=person.name)
    schedule_refresh(ctx.services, assembly.id)
    await ctx.reply(text)


async def _chair(ctx: Context, rest: str) -> None:
    await _officer(ctx, rest, "chair")


async def _secretary(ctx: Context, rest: str) -> None:
    await _officer(ctx, rest, "secretary")


def _refuse_open_votes(ctx: Context, assembly: AssemblyRecord) -> None:
    still = ctx.store.assembly.open_polls(assembly.id)
    if still:
        raise Refusal(
            "Vote #{id} is still open: close it first with /{close} {id}.",
            id=still[0],
            close=ctx.command_name("close"),
        )


# Words that make an agenda item an election of people, accents and case folded: « Élection
# du bureau », « Renouvellement du bureau (élection) », « Élire le bureau », "Board
# election", "Election of the board", "Elect the treasurer".
_ELECTION_WORDS = frozenset({"election", "elections", "elire", "elect"})
# Before the word, these make it the subject of a motion: « règles d'élection », « mode
# d'élection », "rules of election".
_ABOUT_ELECTIONS = frozenset({"d", "de", "des", "of"})
_WORD = re.compile(r"\w+")


def _is_election(text: str) -> bool:
    """Whether an agenda item elects people (``/election`` opens it) rather than being a
    motion voted for or against."""
    words = _WORD.findall(norm(text))
    return any(
        word in _ELECTION_WORDS and (i == 0 or words[i - 1] not in _ABOUT_ELECTIONS)
        for i, word in enumerate(words)
    )


# Agenda items members talk about without voting: « Questions diverses », « Points divers »,
# "Any other business", "AOB".
_NOT_VOTED = re.compile(
    r"^(?:\d+\W*)?(?:questions? diverses?|points? divers|divers|informations? diverses?"
    r"|any other business|other business|aob)\W*$"
)


def _not_voted(text: str) -> bool:
    """Whether an agenda item is one members discuss without a vote (AOB)."""
    return bool(_NOT_VOTED.match(norm(text)))


async def _next(ctx: Context, rest: str) -> None:
    assembly = open_session(ctx)
    require_officer(ctx, assembly)
    _refuse_open_votes(ctx, assembly)
    item = ctx.store.assembly.next_item(assembly.id)
    if item is None:
        raise Refusal(
            "Every item of the agenda was dealt with: close the session with /{agm} close.",
            agm=ctx.command_name("agm"),
        )
    if _not_voted(item.text):
        await _skip(ctx, rest)
        return
    if _is_election(item.text):
        ctx.store.assembly.set_item_poll(assembly.id, item.position, SKIPPED)
        await ctx.reply(
            ctx.t(
                "Item {n}, “{text}”, is an election: open it with /{election} <name> | <seats> "
                "| <candidates>.",
                n=item.position,
                text=item.text,
                election=ctx.command_name("election"),
            )
        )
        return
    number = 1 + sum(
        1 for each in ctx.store.assembly.agenda(assembly.id) if each.poll_id not in (None, SKIPPED)
    )
    poll = await open_resolution(
        ctx,
        assembly_id=assembly.id,
        number=number,
        text=item.text,
        extraordinary=assembly.extraordinary,
    )
    ctx.store.assembly.set_item_poll(assembly.id, item.position, poll.id)


async def _skip(ctx: Context, rest: str) -> None:
    assembly = open_session(ctx)
    require_officer(ctx, assembly)
    item = ctx.store.assembly.next_item(assembly.id)
    if item is None:
        raise Refusal("Every item of the agenda was dealt with.")
    ctx.store.assembly.set_item_poll(assembly.id, item.position, SKIPPED)
    await ctx.reply(
        ctx.t("Item {n}, “{text}”, dealt with without a vote.", n=item.position, text=item.text)
    )


async def _quorum(ctx: Context, rest: str) -> None:
    assembly = current(ctx)
    quorum = quorum_of(ctx.services, assembly)
    await ctx.reply(
        "\n".join(
            [
                kind_title(ctx.voice, assembly),
                attendance_line(ctx.voice, quorum.present, quorum.represented),
                quorum_line(ctx.voice, quorum),
            ]
        )
    )


async def _close(ctx: Context, rest: str) -> None:
    assembly = open_session(ctx)
    require_officer(ctx, assembly)
    _refuse_open_votes(ctx, assembly)
    now = ctx.now()
    ctx.store.assembly.close(assembly.id, now)
    await refresh(ctx.services, assembly.id)
    await ctx.reply(ctx.t("The session is closed on {when}.", when=ctx.format_datetime(now)))
    await minutes_command(ctx, assembly.id)


async def _minutes(ctx: Context, rest: str) -> None:
    assembly_id = ctx.number(rest.strip(), low=1) if rest.strip() else None
    await minutes_command(ctx, assembly_id)


async def _cancel(ctx: Context, rest: str) -> None:
    ctx.require_organizer()
    assembly = current(ctx)
    if assembly.status is not AssemblyStatus.CONVENED:
        raise Refusal(
            "The session is open: close it with /{agm} close.", agm=ctx.command_name("agm")
        )
    now = ctx.now()
    ctx.store.assembly.close(assembly.id, now)
    if assembly.event_id is not None:
        ctx.store.reminders.cancel_event(assembly.event_id, now)
        ctx.store.events.cancel(assembly.event_id)
    for room in ctx.store.rooms.linked_to(ctx.room.key):
        if room.private:
            continue
        voice = ctx.services.voice(room)
        await ctx.send(
            room.key,
            Outgoing(
                voice.t(
                    "📣 The {kind} convened for {when} is cancelled.",
                    kind=kind_title(voice, assembly),
                    when=voice.when(assembly.starts_at),
                )
            ),
        )


async def _convocations(ctx: Context, rest: str) -> None:
    assembly = current(ctx)
    if norm(rest) in ("envoyer", "send", "prive", "private", "individuel", "individuelles"):
        ctx.require_organizer()
        job = f"polls:convocations:{assembly.id}"
        if ctx.scheduler.due_of(job) is not None:
            raise Refusal("The private convocations are being sent already.")
        services, voice, room_key = ctx.services, ctx.voice, ctx.room.key

        async def run() -> None:
            sent, missed = await send_private(services, assembly, voice)
            lines = [
                voice.tn(
                    "Convocation sent privately to {n} member.",
                    "Convocation sent privately to {n} members.",
                    sent,
                )
            ]
            if missed:
                lines.append(
                    voice.tn(
                        "{n} member could not be reached privately (they never wrote to the "
                        "bot): the room's convocation is theirs.",
                        "{n} members could not be reached privately (they never wrote to the "
                        "bot): the room's convocation is theirs.",
                        missed,
                    )
                )
            await services.send(room_key, Outgoing("\n".join(lines)))

        # In the background: a few thousand private messages are paced by the platforms.
        ctx.scheduler.at(job, ctx.now(), run)
        await ctx.reply(
            ctx.t("Sending the convocation privately to each member; a summary follows.")
        )
        return
    log = ctx.store.assembly.convocations(assembly.id)
    rooms = sum(1 for c in log if c.channel == "room")
    private = sum(1 for c in log if c.channel == "private")
    first = min((c.sent_at for c in log), default=None)
    lines = [
        ctx.t(
            "Convocations: {rooms} rooms, {private} members privately.",
            rooms=rooms,
            private=private,
        )
    ]
    if first is not None:
        lines.append(ctx.t("First sent on {when}.", when=ctx.format_datetime(first)))
    await ctx.reply("\n".join(lines))


@router.button(HERE)
async def agm_button(ctx: Context) -> None:
    """The assembly's buttons: « I am present » (``agm:here:<assembly>``) and « Convene the
    general assembly on this date » under a closed date poll (``agm:date:<poll>:<slot>``)."""
    payload = ctx.args[0] if ctx.args else ""
    if payload.startswith("here:"):
        await here_button(ctx)
    elif payload.startswith("date:"):
        await _date_button(ctx, payload.split(":")[1:])


async def _date_button(ctx: Context, parts: list[str]) -> None:
    """Tapped under a closed /quand: the /ag convoquer line for the chosen slot, to complete
    with the place and the agenda (an organizer's step; nothing is sent to members yet)."""
    if len(parts) != 2 or not all(p.isdigit() and len(p) < 12 for p in parts):
        return
    if ctx.room.private or not ctx.is_organizer:
        await ctx.reply_privately(ctx.t("Only organizers can do this."))
        return
    poll = ctx.store.polls.get(int(parts[0]))
    if (
        poll is None
        or poll.kind != PollKind.WHEN
        or poll.association_id != ctx.room.association_id
    ):
        return
    option = next(
        (o for o in ctx.store.polls.options(poll.id) if o.position == int(parts[1])), None
    )
    if option is None:
        return
    origin = ctx.services.voice(poll.room_key)
    slot = read_slot(option.label, poll.created_at, origin.language, origin.timezone)
    if slot is None:
        raise Refusal("The date of “{slot}” could not be read.", slot=option.label)
    await ctx.reply(
        "\n".join(
            [
                ctx.t(
                    "To convene the general assembly on {when}, complete and send:",
                    when=ctx.voice.when(slot.start) if slot.timed else ctx.voice.day(slot.start),
                ),
                command_for(ctx.voice, slot.start, slot.timed),
            ]
        )
    )
