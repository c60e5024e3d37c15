"""/membres (/members): the association's roll — members seen in its rooms and names added by
organizers, merged; names pasted one per line; a count when names are not wanted."""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.router import Router
from bot.text import clip
from handlers.polls.assembly.people import (
    PASTE_CAP,
    ROLL_CAP,
    clean_name,
    folded,
    split_names,
)
from handlers.polls.requests import norm

router = Router("polls")

ADD_WORDS = frozenset({"ajouter", "ajoute", "add", "+"})
REMOVE_WORDS = frozenset({"retirer", "retire", "supprimer", "enlever", "remove", "-"})
COUNT_OFF = frozenset({"aucun", "none", "off", "liste", "list", "noms", "names"})
MAX_COUNT = 1_000_000
LIST_LIMIT = 200  # names shown in the room; the count is always given


def _rest(text: str) -> str:
    """What follows the first word (the names, pasted over several lines too)."""
    stripped = text.strip()
    parts = stripped.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


@router.command(
    "members",
    "membres",
    usage=_("[add <names> | remove <name> | <count>]"),
    help=_(
        "The association's roll: members seen and names added (organizers add, remove, or set "
        "a count)."
    ),
    examples=(
        _("/members"),
        _("/members add Odile Martin"),
        _("/members remove Odile Martin"),
        _("/members 40"),
    ),
)
async def members_command(ctx: Context) -> None:
    if ctx.room.private:
        raise Refusal("The roll belongs to the association: use this command in its rooms.")
    if not ctx.args:
        await _show(ctx)
        return
    word = norm(ctx.args[0])
    ctx.require_organizer()
    association = ctx.room.association_id
    if word in ADD_WORDS:
        await _add(ctx, _rest(ctx.text))
        return
    if word in REMOVE_WORDS:
        name = clean_name(_rest(ctx.text))
        entry = ctx.store.assembly.find_name(association, folded(name))
        if entry is not None:
            name = entry.name
        if not ctx.store.assembly.remove_name(association, folded(name)):
            raise Refusal(
                "{name} is not a name added to the roll (members seen in the rooms stay on it).",
                name=name,
            )
        await ctx.reply(ctx.t("{name} is no longer on the roll.", name=name))
        return
    if len(ctx.args) == 1 and word in COUNT_OFF:
        ctx.store.statutes.set(association, "members_count", None, ctx.sender.key, ctx.now())
        await ctx.reply(ctx.t("The electorate is the roll again."))
        return
    if len(ctx.args) == 1 and ctx.args[0].lstrip("#").isascii() and ctx.args[0].isdigit():
        count = ctx.number(ctx.args[0], low=1, high=MAX_COUNT)
        ctx.store.statutes.set(association, "members_count", count, ctx.sender.key, ctx.now())
        await ctx.reply(
            ctx.tn(
                "The association counts {n} member: quorums and majorities are computed on "
                "this number.",
                "The association counts {n} members: quorums and majorities are computed on "
                "this number.",
                count,
            )
        )
        return
    raise UsageError(
        "Say what to do: /{members} add Odile Martin, /{members} remove Odile Martin or "
        "/{members} 40.",
        members=ctx.command_name("members"),
    )


async def _add(ctx: Context, text: str) -> None:
    names = split_names(text)
    if not names:
        raise UsageError("Give the names to add, one per line.")
    if len(names) > PASTE_CAP:
        raise UsageError(
            "At most {n} names at once: paste the list in several messages.", n=PASTE_CAP
        )
    cleaned = [clean_name(name) for name in names]
    association = ctx.room.association_id
    store = ctx.store.assembly
    room_left = ROLL_CAP - store.roll_names(association)
    if room_left <= 0:
        raise Refusal("The roll is full ({n} names).", n=ROLL_CAP)
    unique: dict[str, str] = {}
    for name in cleaned:
        unique.setdefault(folded(name), name)
    pairs = [(name, key) for key, name in unique.items()]
    added, already = store.add_names(association, pairs, ctx.sender.key, ctx.now(), cap=ROLL_CAP)
    lines = []
    if added:
        lines.append(
            ctx.tn(
                "{n} name added to the roll: {names}.",
                "{n} names added to the roll: {names}.",
                len(added),
                names=clip(", ".join(e.name for e in added), 400),
            )
        )
    if already:
        lines.append(ctx.t("Already on the roll: {names}.", names=clip(", ".join(already), 400)))
    left_out = len(pairs) - len(added) - len(already)
    if left_out:
        lines.append(
            ctx.t("The roll is full ({n} names): {left} not added.", n=ROLL_CAP, left=left_out)
        )
    lines.append(
        ctx.t("The roll now counts {n}.", n=ctx.voice.number(store.roll_length(association)))
    )
    await ctx.reply("\n".join(lines))


async def _show(ctx: Context) -> None:
    association = ctx.room.association_id
    roll = ctx.store.assembly.roll(association)
    count = ctx.store.statutes.get(association).members_count
    lines = [ctx.tn("Roll: {n} person.", "Roll: {n} people.", len(roll))]
    for entry in roll[:LIST_LIMIT]:
        where = ", ".join(p.capitalize() for p in entry.platforms) or ctx.t("not in the chat")
        lines.append(f"• {entry.name} ({where})")
    if len(roll) > LIST_LIMIT:
        lines.append(ctx.t("… and {n} more.", n=ctx.voice.number(len(roll) - LIST_LIMIT)))
    if count is not None:
        lines.append(
            ctx.t(
                "The electorate is set to {n} members (/{members} list to use the roll again).",
                n=ctx.voice.number(count),
                members=ctx.command_name("members"),
            )
        )
    if not roll:
        lines.append(
            ctx.t(
                "Add names with /{members} add, one per line.",
                members=ctx.command_name("members"),
            )
        )
    await ctx.reply("\n".join(lines))
