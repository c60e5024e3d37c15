"""/archive: the association's read-only archive page and its agenda subscription addresses.

Both addresses hold a secret token (128 random bits) stored only hashed: the bot can give an
address once, when it makes it, never again. ``/archive`` makes them the first time and later
says when they were made; ``/archive nouvelle`` replaces both (the old ones stop working at
once), ``/archive revoquer`` turns them off. The addresses go to the organizer in a private chat
(the group is told); never in the group: without a private chat the bot asks for one.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Outgoing
from bot.router import Router
from bot.text import clip, fold
from storage.web import WebTokenRecord

router = Router("web")

KINDS = ("archive", "agenda")
NEW_WORDS = frozenset({"nouvelle", "nouvelles", "nouveau", "nouveaux", "new", "renew"})
REVOKE_WORDS = frozenset({"revoquer", "revoque", "revoke", "off", "desactiver", "disable"})
NAME_LIMIT = 80


def archive_path(token: str) -> str:
    return f"/archive/{token}"


def agenda_path(token: str) -> str:
    return f"/agenda/{token}/agenda.ics"


def webcal(address: str) -> str:
    """The same address for calendar apps: ``webcal://`` (they subscribe instead of import)."""
    _scheme, _sep, rest = address.partition("://")
    return f"webcal://{rest}"


@router.command(
    "archive",
    "archive",
    usage=_("[new | revoke]"),
    help=_(
        "Give the addresses of the association's read-only archive page and of its agenda "
        "for calendar apps; “new” replaces them, “revoke” turns them off (organizers)."
    ),
    examples=(_("/archive new"), _("/archive revoke")),
    organizer=True,
)
async def archive_command(ctx: Context) -> None:
    if ctx.room.private:
        # A private chat belongs to no association: its archive would be the member's own.
        raise Refusal(
            "A private chat has no association archive: type /{name} in your association's group.",
            name=ctx.command_name("archive"),
        )
    action = fold(ctx.args[0]) if ctx.args else ""
    if len(ctx.args) > 1 or (action and action not in NEW_WORDS | REVOKE_WORDS):
        raise UsageError(
            "Unknown option “{value}”: write /{name}, /{name} {new} or /{name} {revoke}.",
            value=clip(" ".join(ctx.args), 40),
            name=ctx.command_name("archive"),
            new=ctx.t("new"),
            revoke=ctx.t("revoke"),
        )
    if action in REVOKE_WORDS:
        await _revoke(ctx)
        return
    if ctx.services.web_address("/") is None:
        await ctx.reply(
            ctx.t(
                "The web page is off, so there is no archive address to give. To turn it on, "
                "the bot's host sets enabled = true and public_url (the page's public address, "
                "behind the reverse proxy) in the [web] section of config.toml, then restarts "
                "the bot."
            )
        )
        return
    association = ctx.room.association_id
    live = {kind: ctx.store.web.active(kind, association) for kind in KINDS}
    if action not in NEW_WORDS and all(live.values()):
        await _already_issued(ctx, min(r.created_at for each in live.values() for r in each))
        return
    now = ctx.now()
    tokens = {kind: ctx.store.web.issue(kind, association, now=now)[0] for kind in KINDS}
    await _deliver(ctx, tokens["archive"], tokens["agenda"], replaced=action in NEW_WORDS)


async def _revoke(ctx: Context) -> None:
    revoked = 0
    for kind in KINDS:
        records: list[WebTokenRecord] = ctx.store.web.active(kind, ctx.room.association_id)
        for record in records:
            revoked += ctx.store.web.revoke(record.id, ctx.now())
    name = ctx.command_name("archive")
    if not revoked:
        await ctx.reply(
            ctx.t("There is no archive address to turn off. /{name} gives them.", name=name)
        )
        return
    await ctx.reply(
        ctx.t(
            "The archive and agenda addresses are turned off: they no longer open anything, "
            "and calendars subscribed to the agenda stop updating. /{name} gives new ones.",
            name=name,
        )
    )


async def _already_issued(ctx: Context, issued_at: datetime) -> None:
    name = ctx.command_name("archive")
    await ctx.reply(
        ctx.t(
            "The archive and agenda addresses were given on {when}. They are kept only in a "
            "form that cannot be read back, so I cannot show them again: whoever received "
            "them still has them. For new ones (the old ones then stop working at once): "
            "/{name} {new}. To turn them off: /{name} {revoke}.",
            when=ctx.format_datetime(issued_at),
            name=name,
            new=ctx.t("new"),
            revoke=ctx.t("revoke"),
        )
    )


def _addresses_text(ctx: Context, archive_token: str, agenda_token: str, replaced: bool) -> str:
    archive = ctx.services.web_address(archive_path(archive_token)) or ""
    agenda = ctx.services.web_address(agenda_path(agenda_token)) or ""
    name = ctx.command_name("archive")
    lines = [
        ctx.t(
            "Archive of {room} (read-only: decisions, past digests, shared links, coming "
            "events; nothing said in private chats):",
            room=clip(ctx.room.title or ctx.room.external_id, NAME_LIMIT),
        ),
        archive,
        ctx.t("Agenda to subscribe to in a calendar app (it updates by itself):"),
        webcal(agenda),
        ctx.t("or, for apps that ask for an https address:"),
        agenda,
        ctx.t(
            "Anyone with these addresses can read them: share them with members only. "
            "I cannot show them again. /{name} {new} replaces them, /{name} {revoke} turns "
            "them off.",
            name=name,
            new=ctx.t("new"),
            revoke=ctx.t("revoke"),
        ),
    ]
    if replaced:
        lines.insert(0, ctx.t("New addresses: the previous ones no longer work."))
    return "\n".join(lines)


async def _deliver(ctx: Context, archive_token: str, agenda_token: str, replaced: bool) -> None:
    """The addresses in a private chat with the organizer, else in the room."""
    text = _addresses_text(ctx, archive_token, agenda_token, replaced)
    private = await ctx.private_room()
    delivery = await ctx.send(private, Outgoing(text)) if private else None
    if delivery is not None and delivery.ok:
        said = (
            ctx.t(
                "{name}, I sent you the new archive and agenda addresses in private; the old "
                "ones no longer work.",
                name=ctx.sender.name,
            )
            if replaced
            else ctx.t(
                "{name}, I sent you the archive and agenda addresses in private.",
                name=ctx.sender.name,
            )
        )
        await ctx.reply(said)
        return
    # Never in the group: whoever reads an address reads the archive. The new addresses are
    # withdrawn at once; the organizer opens a private chat with the bot and asks again.
    for token in (archive_token, agenda_token):
        record = ctx.store.web.find(token)
        if record is not None:
            ctx.store.web.revoke(record.id, ctx.now())
    raise Refusal(
        "I cannot write to you in private, and the addresses must not be posted here: open a "
        "private chat with the bot (on Telegram, press Start in its chat), then type /{name} "
        "again.",
        name=ctx.command_name("archive") + (" " + ctx.t("new") if replaced else ""),
    )
