"""Rooms and associations: linking rooms, announcements, language, timezone, organizer role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from zoneinfo import available_timezones

from bot.config import setting
from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, _
from bot.message import Button, Outgoing
from bot.router import Router
from bot.text import ECHO_LIMIT, clip, read_number
from storage.rooms import CODE_ALPHABET, CODE_LENGTH, RoomRecord


@dataclass(frozen=True, slots=True)
class RoomsSettings:
    """``[rooms]``: rooms and associations."""

    pairing_code_minutes: int = setting(15, low=1, high=1440)


router = Router("rooms", settings=RoomsSettings)

PLATFORM_NAMES = {"telegram": "Telegram", "matrix": "Matrix", "console": "console"}
REVOKE_WORDS = ("retirer", "enlever", "remove", "revoke")
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
# How long the first room's organizers have to confirm a room that typed its code.
LINK_REQUEST_TTL = timedelta(days=2)


def room_label(room: RoomRecord) -> str:
    """``Bureau (Telegram)``: how a room is named in replies."""
    title = room.title or room.external_id
    return f"{title} ({PLATFORM_NAMES.get(room.platform, room.platform)})"


@router.command(
    "pair",
    "lier",
    usage=_("[CODE]"),
    help=_("Link this room with another one (give a code here, type it there)."),
    examples=(_("/pair"), _("/pair K7M2QX9A")),
    organizer=True,
)
async def pair(ctx: Context) -> None:
    if ctx.room.private:
        # Everyone is "organizer" of their own private chat: it must never join a group.
        raise Refusal(
            "A private chat cannot be linked: ask for the code in a group of the "
            "association, and type it in the other group."
        )
    if not ctx.args:
        minutes = ctx.settings(RoomsSettings).pairing_code_minutes
        code = ctx.store.rooms.create_pairing_code(
            ctx.room.key, ctx.sender.key, ctx.now(), timedelta(minutes=minutes)
        )
        name = ctx.command_name("pair")
        await ctx.reply(
            ctx.t(
                "Linking code: {code} (valid {minutes} minutes). In the other room, an "
                "organizer types:\n/{name} {code}\nIf someone else types it, an organizer "
                "of this room is asked to confirm which room joins.",
                code=code,
                minutes=minutes,
                name=name,
            )
        )
        return
    code = ctx.args[0].upper()
    if len(ctx.args) > 1 or not _CODE.match(code):
        raise UsageError(
            "A linking code has {length} letters and digits, like K7M2QX9A.", length=CODE_LENGTH
        )
    if ctx.store.rooms.pairing_code_room(code, ctx.now()) == ctx.room.key:
        raise Refusal("This code comes from this room: type it in the other room.")
    taken = ctx.store.rooms.take_pairing_code(code, ctx.now())
    if taken is None:
        raise Refusal(
            "This code is unknown or has expired. Ask for a new one with /{name} "
            "in the other room.",
            name=ctx.command_name("pair"),
        )
    origin = ctx.store.rooms.get(taken.room_key)
    if origin is None or origin.private:
        raise Refusal("The room that gave this code no longer exists.")
    if origin.association_id == ctx.room.association_id:
        await ctx.reply(ctx.t("This room is already linked with {room}.", room=room_label(origin)))
        return
    if taken.created_by == ctx.sender.key:
        # The organizer who asked for the code typed it here: they chose both rooms.
        statutes = _statutes_outcome(ctx, origin.association_id, ctx.room.association_id)
        _link(ctx, origin.key, ctx.room.key)
        here = ctx.store.rooms.get(ctx.room.key) or ctx.room
        await ctx.reply(
            _linked_text(ctx, origin, ctx.lang) + _replaced_text(ctx, statutes, origin, ctx.lang)
        )
        await ctx.send(
            origin.key,
            Outgoing(
                ctx.t(
                    "{room} is now linked with this room (by {member}).",
                    lang=origin.language,
                    room=room_label(here),
                    member=ctx.sender.name,
                )
                + _carried_text(ctx, statutes, here, origin.language)
            ),
        )
        return
    # Anyone who read the code in the group could type it: an organizer there confirms.
    request = ctx.store.rooms.request_link(
        origin.key, ctx.room.key, ctx.sender, ctx.now(), LINK_REQUEST_TTL
    )
    here = ctx.store.rooms.get(ctx.room.key) or ctx.room
    lang = origin.language
    delivery = await ctx.send(
        origin.key,
        Outgoing(
            ctx.t(
                "{room} wants to join this room's association (code typed there by {member}). "
                "Linked rooms share announcements, polls and the register of decisions. "
                "An organizer of this room confirms or refuses:",
                lang=lang,
                room=room_label(here),
                member=ctx.sender.name,
            ),
            buttons=(
                (
                    Button(ctx.t("✅ Confirm", lang=lang), f"pair:yes:{request}"),
                    Button(ctx.t("❌ Refuse", lang=lang), f"pair:no:{request}"),
                ),
            ),
        ),
    )
    if not delivery.ok:
        raise Refusal(
            "I could not ask {room} to confirm ({error}). Try again later.",
            room=room_label(origin),
            error=delivery.error,
        )
    await ctx.reply(
        ctx.t(
            "Asked the organizers of {room} to confirm. The rooms are linked once one of "
            "them does.",
            room=room_label(origin),
        )
    )


def _statutes_outcome(ctx: Context, into: int, moving: int) -> tuple[bool, bool]:
    """What linking ``moving`` into ``into`` does to the statutes (asked before linking):
    whether ``moving``'s rules give way to ``into``'s, and whether ``into`` takes rules it had
    not set from ``moving``."""
    statutes = ctx.store.statutes
    return statutes.replaced_by_link(into, moving), statutes.carried_by_link(into, moving)


def _link(ctx: Context, origin_key: str, joining_key: str) -> bool:
    linked = ctx.store.rooms.link(origin_key, joining_key)
    # The roll of the joining association merged: who has a voice in an assembly may differ.
    ctx.store.assembly.forget_cached()
    return linked


def _replaced_text(ctx: Context, outcome: tuple[bool, bool], origin: RoomRecord, lang: str) -> str:
    """Told to the joining room when the rules it had set gave way to the first room's."""
    if not outcome[0]:
        return ""
    return "\n" + ctx.t(
        "The statutes this room had set were replaced by those of {room}: see /{name}.",
        lang=lang,
        room=room_label(origin),
        name=_name_in(ctx, "bylaws", lang),
    )


def _carried_text(ctx: Context, outcome: tuple[bool, bool], joining: RoomRecord, lang: str) -> str:
    """Told to the first room when it had set no rules and now follows the joining room's."""
    if not outcome[1]:
        return ""
    return "\n" + ctx.t(
        "The statutes set in {room} now apply to this room too: see /{name}.",
        lang=lang,
        room=room_label(joining),
        name=_name_in(ctx, "bylaws", lang),
    )


def _linked_text(ctx: Context, other: RoomRecord, lang: str) -> str:
    return ctx.t(
        "Linked with {room}. Polls, reminders, announcements and digests "
        "can now serve both. /{rooms} lists the linked rooms.",
        lang=lang,
        room=room_label(other),
        rooms=_name_in(ctx, "rooms", lang),
    )


def _name_in(ctx: Context, name: str, lang: str) -> str:
    """A command's name in a given language (the other room may speak another one)."""
    for command in ctx.commands:
        if command.name == name:
            return command.localized_name(lang)
    return name


@router.button("pair")
async def answer_link_request(ctx: Context) -> None:
    """An organizer of the first room confirms or refuses the room that typed its code."""
    answer, _sep, number = (ctx.args[0] if ctx.args else "").partition(":")
    request_id = read_number(number, low=1)
    if answer not in ("yes", "no") or request_id is None:
        return
    if ctx.room.private or not ctx.is_organizer:
        raise Refusal("Only an organizer of this room can answer this request.")
    request = ctx.store.rooms.take_link_request(request_id, ctx.room.key, ctx.now())
    joining = ctx.store.rooms.get(request.joining_key) if request else None
    if request is None or joining is None:
        raise Refusal("This request has already been answered or has expired.")
    here = ctx.store.rooms.get(ctx.room.key) or ctx.room
    if answer == "no":
        outcome = ctx.t(
            "{room} was not linked: {member} refused.",
            room=room_label(joining),
            member=ctx.sender.name,
        )
        notice = ctx.t(
            "{room} refused to link with this room.", lang=joining.language, room=room_label(here)
        )
    else:
        statutes = _statutes_outcome(ctx, ctx.room.association_id, joining.association_id)
        if joining.private or not _link(ctx, ctx.room.key, joining.key):
            raise Refusal("This room is already linked with {room}.", room=room_label(joining))
        outcome = ctx.t(
            "{room} is now linked with this room (confirmed by {member}).",
            room=room_label(joining),
            member=ctx.sender.name,
        ) + _carried_text(ctx, statutes, joining, ctx.lang)
        notice = _linked_text(ctx, here, joining.language) + _replaced_text(
            ctx, statutes, here, joining.language
        )
    if ctx.message.message_id:
        await ctx.edit(ctx.room.key, ctx.message.message_id, Outgoing(outcome))
    else:
        await ctx.reply(outcome)
    await ctx.send(joining.key, Outgoing(notice))


@router.command(
    "unpair",
    "delier",
    help=_("Unlink this room from the other rooms of its association."),
    organizer=True,
)
async def unpair(ctx: Context) -> None:
    others = [r for r in ctx.store.rooms.linked_to(ctx.room.key) if r.key != ctx.room.key]
    if not ctx.store.rooms.unlink(ctx.room.key, ctx.now()):
        raise Refusal("This room is not linked with any other room.")
    await ctx.reply(
        ctx.t(
            "This room is no longer linked with: {rooms}.",
            rooms=", ".join(room_label(r) for r in others),
        )
    )


@router.command("rooms", "salons", help=_("List the rooms linked with this one."))
async def list_rooms(ctx: Context) -> None:
    rooms = ctx.store.rooms.linked_to(ctx.room.key)
    if len(rooms) <= 1:
        await ctx.reply(
            ctx.t(
                "This room is not linked with any other room. "
                "An organizer can link one with /{name}.",
                name=ctx.command_name("pair"),
            )
        )
        return
    lines = [
        ctx.tn("This association has {n} room:", "This association has {n} rooms:", len(rooms))
    ]
    for room in rooms:
        mark = ctx.t(" (this room)") if room.key == ctx.room.key else ""
        lines.append(f"• {room_label(room)}{mark}")
    await ctx.reply("\n".join(lines))


@router.command(
    "announce",
    "annonce",
    usage=_("text"),
    help=_("Post an announcement in every linked room (it also goes into the digest)."),
    examples=(_("/announce General assembly on Saturday at 2pm, room B"),),
    organizer=True,
)
async def announce(ctx: Context) -> None:
    text = ctx.text.strip()
    if not text:
        raise UsageError("Write the announcement after the command.")
    ctx.store.rooms.add_announcement(
        ctx.room.key, ctx.sender.key, ctx.sender.name, text, ctx.now()
    )
    rooms = ctx.store.rooms.linked_to(ctx.room.key)
    failed: list[str] = []
    for room in rooms:
        heading = ctx.t(
            "📣 Announcement from {member}:", lang=room.language, member=ctx.sender.name
        )
        delivery = await ctx.send(room.key, Outgoing(f"{heading}\n{text}"))
        if not delivery.ok:
            failed.append(f"{room_label(room)} ({delivery.error})")
    if failed:
        await ctx.reply(
            ctx.t("Not delivered to: {rooms}. It is kept for the digest.", rooms="; ".join(failed))
        )
    elif len(rooms) > 1:
        await ctx.reply(
            ctx.tn("Announcement sent to {n} room.", "Announcement sent to {n} rooms.", len(rooms))
        )


@router.command(
    "language",
    "langue",
    usage=_("[fr | en]"),
    help=_("Show the language of this room; organizers change it."),
    examples=(_("/language en"),),
)
async def language(ctx: Context) -> None:
    if not ctx.args:
        await ctx.reply(
            ctx.t(
                "This room speaks {language}. Organizers change it with /{name} fr or /{name} en.",
                language=LANGUAGE_NAMES[ctx.lang],
                name=ctx.command_name("language"),
            )
        )
        return
    wanted = ctx.args[0].lower()
    aliases = {
        "français": "fr",
        "francais": "fr",
        "french": "fr",
        "anglais": "en",
        "english": "en",
    }
    wanted = aliases.get(wanted, wanted)
    if wanted not in LANGUAGES or len(ctx.args) > 1:
        raise UsageError("Unknown language “{value}”: choose fr or en.", value=_echo(ctx.text))
    ctx.require_organizer()
    ctx.store.rooms.set_language(ctx.room.key, wanted)
    await ctx.reply(
        ctx.t("This room now speaks {language}.", lang=wanted, language=LANGUAGE_NAMES[wanted])
    )


# IANA areas: a timezone members may choose is Area/Location in one of them, or UTC. This
# leaves out the system's copies (posix/…, right/… which counts leap seconds), localtime,
# Factory, posixrules, and the old backward-compatible names (US/Eastern, Japan, EST, CET…).
ZONE_AREAS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    ]
)
SYSTEM_COPIES = ("posix/", "right/")


@cache
def canonical_zones() -> dict[str, str]:
    """The timezone names a room may use, by their case-folded spelling."""
    names = {
        zone
        for zone in available_timezones()
        if zone == "UTC" or (zone.partition("/")[0] in ZONE_AREAS and "/" in zone)
    }
    return {zone.casefold(): zone for zone in names | {"UTC"}}


def _zone(name: str) -> str | None:
    """The canonical IANA name for ``name``, matched without regard to case."""
    return canonical_zones().get(name.casefold())


def _echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text repeated in a reply: control and bidi-override characters dropped, clipped."""
    return clip("".join(c for c in text if c.isprintable() or c.isspace()), limit)


@router.command(
    "timezone",
    "fuseau",
    usage=_("[Area/City]"),
    help=_("Show the timezone of this room; organizers change it."),
    examples=(_("/timezone America/Montreal"),),
)
async def timezone(ctx: Context) -> None:
    if not ctx.args:
        await ctx.reply(
            ctx.t(
                "This room's timezone is {zone}: it is {when}.",
                zone=ctx.room.timezone,
                when=ctx.format_datetime(ctx.now()),
            )
        )
        return
    zone = _zone(ctx.args[0]) if len(ctx.args) == 1 else None
    if zone is None:
        copy = ctx.args[0].casefold()
        for prefix in SYSTEM_COPIES:
            original = _zone(copy.removeprefix(prefix)) if copy.startswith(prefix) else None
            if original is not None and len(ctx.args) == 1:
                raise UsageError(
                    "“{value}” is the system's copy of {zone}, not a timezone name: write {zone}.",
                    value=_echo(ctx.text),
                    zone=original,
                )
        raise UsageError(
            "Unknown timezone “{value}”: write it like Europe/Paris or America/Montreal.",
            value=_echo(ctx.text),
        )
    ctx.require_organizer()
    ctx.store.rooms.set_timezone(ctx.room.key, zone)
    room = ctx.store.rooms.get(ctx.room.key) or ctx.room
    await ctx.reply(
        ctx.t(
            "This room's timezone is now {zone}: it is {when}.",
            zone=zone,
            when=ctx.format_datetime(ctx.now(), room),
        )
    )


@router.command(
    "organizer",
    "organisateur",
    usage=_("[@member | remove @member]"),
    help=_("List the organizers; organizers give or take back the role."),
    examples=(_("/organizer @bob"), _("/organizer remove @bob")),
)
async def organizer(ctx: Context) -> None:
    if not ctx.args:
        granted = ctx.store.organizers.granted(ctx.room.key)
        names = ", ".join(m.handle for m in granted) or ctx.t("nobody")
        await ctx.reply(
            ctx.t(
                "Organizers named by command: {names}. Group and room admins are organizers too.",
                names=names,
            )
        )
        return
    revoke = ctx.args[0].casefold() in REVOKE_WORDS
    handles = ctx.args[1:] if revoke else ctx.args
    if len(handles) != 1:
        raise UsageError("Name one member, like @bob.")
    ctx.require_organizer()
    found = ctx.store.members.find_in_room(ctx.room.key, handles[0])
    if not found:
        raise Refusal(
            "Nobody called {name} has written in this room yet.", name=_echo(handles[0], 40)
        )
    if len(found) > 1:
        raise Refusal(
            "Several members are called {name}: use their @username.", name=_echo(handles[0], 40)
        )
    member = found[0]
    if revoke:
        if ctx.store.organizers.revoke(ctx.room.key, member.key):
            await ctx.reply(
                ctx.t("{name} is no longer an organizer of this room.", name=member.name)
            )
        else:
            await ctx.reply(
                ctx.t(
                    "{name} was not named organizer by command (group admins stay organizers).",
                    name=member.name,
                )
            )
        return
    if ctx.store.organizers.grant(ctx.room.key, member.key, ctx.sender.key, ctx.now()):
        await ctx.reply(ctx.t("{name} is now an organizer of this room.", name=member.name))
    else:
        await ctx.reply(ctx.t("{name} already is an organizer of this room.", name=member.name))
