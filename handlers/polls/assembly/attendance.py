"""The attendance sheet: /present (/here) and its button, in person or remote, for oneself or
recorded by the secretary for people in the room who are not in the chat; /depart (/leave)."""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.router import Router
from bot.text import clip
from handlers.polls.assembly.people import (
    PASTE_CAP,
    Person,
    find_person,
    folded,
    require_officer,
    split_names,
    tie_sender,
)
from handlers.polls.assembly.session import open_session, schedule_refresh
from handlers.polls.requests import norm
from storage.assembly import AssemblyRecord, AssemblyStatus, AttendanceMode

router = Router("polls")

REMOTE_WORDS = ("a distance", "distance", "en ligne", "en visio", "remote", "remotely", "online")


def _remote(text: str) -> tuple[str, bool]:
    """The text without a trailing or leading « à distance » / ``remote``, and whether it was
    there."""
    words = text.split()
    folded = [norm(w) for w in words]
    for phrase in REMOTE_WORDS:
        size = len(phrase.split())
        if folded[-size:] == phrase.split():
            return " ".join(words[:-size]), True
        if folded[:size] == phrase.split():
            return " ".join(words[size:]), True
    return text, False


def _own(ctx: Context) -> Person:
    """The sender, with what was recorded under their name on the roll moved to them."""
    tie_sender(ctx)
    return Person(ctx.sender.key, ctx.sender.name)


def _check_in(
    ctx: Context, assembly: AssemblyRecord, person: Person, mode: AttendanceMode
) -> bool:
    return ctx.store.assembly.check_in(
        assembly.id, person.key, person.name, mode, ctx.sender.key, ctx.now()
    )


def _proxy_note(ctx: Context, assembly: AssemblyRecord, person: Person) -> str | None:
    """When someone who gave a proxy checks in, their voice comes back to them."""
    for proxy in ctx.store.assembly.proxies(assembly.id):
        if proxy.giver_key == person.key:
            return ctx.t(
                "{name} is present: the proxy given to {holder} is set aside, {name} votes again.",
                name=person.name,
                holder=proxy.holder_name,
            )
    return None


@router.command(
    "here",
    "present",
    usage=_("[remote] | <names> (secretary)"),
    help=_(
        "Check in at the general assembly (in person or remote); the secretary records people "
        "in the room who are not in the chat."
    ),
    examples=(_("/here"), _("/here remote"), _("/here Odile Martin")),
)
async def here_command(ctx: Context) -> None:
    assembly = open_session(ctx)
    text, remote = _remote(ctx.text.strip())
    names = split_names(text)
    if not names:
        person = _own(ctx)
        mode = AttendanceMode.REMOTE if remote else AttendanceMode.IN_PERSON
        new = _check_in(ctx, assembly, person, mode)
        schedule_refresh(ctx.services, assembly.id)
        lines = [
            ctx.t("{name} is present (remote).", name=person.name)
            if remote
            else ctx.t("{name} is present.", name=person.name)
        ]
        if not new:
            lines = [ctx.t("{name} was already checked in.", name=person.name)]
        note = _proxy_note(ctx, assembly, person)
        if note and new:
            lines.append(note)
        await ctx.reply("\n".join(lines))
        return
    require_officer(ctx, assembly)
    if len(names) > PASTE_CAP:
        raise UsageError(
            "At most {n} names at once: paste the list in several messages.", n=PASTE_CAP
        )
    mode = AttendanceMode.REMOTE if remote else AttendanceMode.RECORDED
    recorded: list[str] = []
    notes: list[str] = []
    # Every name is read before anyone is recorded: a name refused (too long, two members
    # of that name) leaves the sheet and the roll as they were.
    people: list[Person] = []
    try:
        for name in names:
            people.append(find_person(ctx, name))
    except (Refusal, UsageError):
        for person in people:
            if person.added:
                ctx.store.assembly.remove_name(assembly.association_id, folded(person.name))
        raise
    for person in people:
        if _check_in(ctx, assembly, person, mode):
            recorded.append(person.name)
            note = _proxy_note(ctx, assembly, person)
            if note:
                notes.append(note)
    schedule_refresh(ctx.services, assembly.id)
    if not recorded:
        await ctx.reply(ctx.t("Already checked in: nothing to record."))
        return
    await ctx.reply(
        "\n".join(
            [
                ctx.tn(
                    "Recorded present: {names}.",
                    "{n} recorded present: {names}.",
                    len(recorded),
                    names=clip(", ".join(recorded), 400),
                ),
                *notes,
            ]
        )
    )


async def here_button(ctx: Context) -> None:
    """The « I am present » button of the session message (``agm:here:<id>``)."""
    parts = ctx.args[0].split(":") if ctx.args else []
    if len(parts) != 2 or parts[0] != "here" or not parts[1].isdigit():
        return
    assembly = ctx.store.assembly.get(int(parts[1]))
    if (
        assembly is None
        or assembly.status is not AssemblyStatus.OPEN
        or ctx.room.association_id != assembly.association_id
    ):
        await ctx.reply_privately(ctx.t("This session is not open."))
        return
    person = _own(ctx)
    new = _check_in(ctx, assembly, person, AttendanceMode.IN_PERSON)
    schedule_refresh(ctx.services, assembly.id)
    text = (
        ctx.t("You are checked in, {name}.", name=person.name)
        if new
        else ctx.t("You were already checked in.")
    )
    note = _proxy_note(ctx, assembly, person) if new else None
    await ctx.reply_privately("\n".join([text, note] if note else [text]))


@router.command(
    "leave",
    "depart",
    usage=_("[name] (secretary)"),
    help=_("Leave the general assembly (check out); the secretary records someone leaving."),
    examples=(_("/leave"), _("/leave Odile Martin")),
)
async def leave_command(ctx: Context) -> None:
    assembly = open_session(ctx)
    text = ctx.text.strip()
    if text:
        require_officer(ctx, assembly)
        person = find_person(ctx, text, add=False)
    else:
        person = _own(ctx)
    if not ctx.store.assembly.check_out(assembly.id, person.key, ctx.now()):
        raise Refusal("{name} is not checked in.", name=person.name)
    schedule_refresh(ctx.services, assembly.id)
    lines = [ctx.t("{name} has left the session.", name=person.name)]
    held = [p for p in ctx.store.assembly.proxies(assembly.id) if p.holder_key == person.key]
    if held:
        lines.append(
            ctx.tn(
                "The proxy {name} held no longer counts.",
                "The {n} proxies {name} held no longer count.",
                len(held),
                name=person.name,
            )
        )
    await ctx.reply("\n".join(lines))
