"""``/aide`` (``/help``): the command list and each command's details, from the specs."""

from __future__ import annotations

from bot.context import Context
from bot.errors import UsageError
from bot.i18n import _
from bot.router import COMMAND_NAME, Command, Router, usage_line
from bot.text import fold

router = Router("help")


@router.command(
    "help",
    "aide",
    "start",
    usage=_("[command]"),
    help=_("List the commands, or explain one."),
    examples=(_("/help pair"),),
)
async def show_help(ctx: Context) -> None:
    if ctx.args:
        await ctx.reply(describe(ctx, _find(ctx, ctx.args[0])))
        return
    await ctx.reply(command_list(ctx))


def _find(ctx: Context, name: str) -> Command:
    wanted = fold(name.lstrip("/!"))
    for command in ctx.commands:
        if wanted in command.names:
            return command
    if COMMAND_NAME.match(wanted):  # at most 32 letters, digits and _: safe to echo
        raise UsageError("There is no command /{name}.", name=wanted)
    # Anything else (10,000 characters, control or bidi characters) is not repeated back.
    raise UsageError("There is no such command: command names are letters, digits and _.")


def _line(ctx: Context, command: Command) -> str:
    return f"{usage_line(ctx, command)} — {ctx.t(command.help)}"


def command_list(ctx: Context) -> str:
    """Every command in the room's language; organizer-only ones last, in full for organizers
    and as a list of names marked "for organizers only" for the other members."""
    everyone = [_line(ctx, c) for c in ctx.commands if not c.organizer_only]
    reserved = [c for c in ctx.commands if c.organizer_only]
    help_name = ctx.command_name("help")
    parts = [ctx.t("assobot commands:"), *everyone]
    if reserved and ctx.is_organizer:
        parts += ["", ctx.t("For organizers:"), *(_line(ctx, c) for c in reserved)]
    elif reserved:
        names = ", ".join(f"/{c.localized_name(ctx.lang)}" for c in reserved)
        parts += [
            "",
            ctx.t("For organizers only (not for you in this room): {names}", names=names),
        ]
    parts += [
        "",
        ctx.t("Details: /{help} command. On Matrix, ! works too: !{help}", help=help_name),
    ]
    return "\n".join(parts)


def describe(ctx: Context, command: Command) -> str:
    """One command: usage, what it does, its other names, examples, who may use it."""
    local = command.localized_name(ctx.lang)
    others = [f"/{n}" for n in command.names if n != local]
    lines = [_line(ctx, command)]
    if others:
        lines.append(ctx.t("Also: {names}", names=", ".join(others)))
    if command.examples:
        lines.append(ctx.t("Examples:"))
        lines += [f"  {ctx.t(example)}" for example in command.examples]
    if command.organizer_only:
        lines.append(ctx.t("For organizers only."))
    return "\n".join(lines)
