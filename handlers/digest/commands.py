"""/digest (/resume): subscribe, unsubscribe, preview, archive, and the editors' remove and pin."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.router import Router
from bot.text import clip, fold
from bot.timeparse import RRULE_DAYS, WEEKDAYS, parse_when
from handlers.digest.compose import Digest, pack, render
from handlers.digest.delivery import associations, build, cadence_of
from handlers.digest.schedule import DAILY, WEEKLY, Cadence
from handlers.digest.settings import DigestSettings

router = Router("digest")

_SUBSCRIBE = {"abonner", "subscribe", "sabonner"}
_UNSUBSCRIBE = {"desabonner", "unsubscribe", "sedesabonner"}
_ARCHIVE = {"archive", "archives"}
_REMOVE = {"retirer", "remove", "enlever"}
_PIN = {"epingler", "pin"}
_LINK = {"lien", "link"}
_ITEM = re.compile(r"^(\d{1,2})\.(\d{1,4})$")
_TIME_ONLY = re.compile(r"^\d{1,2}(?:h\d{0,2}|:\d{2}|(?::\d{2})?\s?(?:am|pm))$")
_WEEKLY_RULE = re.compile(r"^FREQ=WEEKLY;BYDAY=(MO|TU|WE|TH|FR|SA|SU)$")
ARCHIVE_LINES = 20
_SCHEDULE_HELP = _(
    "A digest comes every day or once a week: say a day of the week or every day, and an "
    "hour, like “friday 5pm” or “daily 8am”."
)


def read_cadence(ctx: Context, text: str) -> Cadence:
    """``vendredi 17h``, ``chaque jour 8h``, ``every friday 5pm``, ``daily 8am``, ``18h``;
    nothing: the configured day and hour. The room's timezone."""
    settings = ctx.settings(DigestSettings)
    zone = ctx.room.timezone
    if not text.strip():
        return Cadence(WEEKLY, settings.weekday, settings.hour, 0, zone)
    folded = fold(text)
    if folded in ("daily", "quotidien", "chaque jour", "every day", "tous les jours"):
        return Cadence(DAILY, 0, settings.hour, 0, zone)
    if folded in ("weekly", "hebdomadaire", "chaque semaine", "every week"):
        return Cadence(WEEKLY, settings.weekday, settings.hour, 0, zone)
    when = parse_when(text, ctx.now(), ctx.lang, zone, default_hour=settings.hour)
    if when.rest.strip():
        raise UsageError(_SCHEDULE_HELP)
    local = when.first.astimezone(ZoneInfo(zone))
    if when.rule == "FREQ=DAILY":
        return Cadence(DAILY, 0, local.hour, local.minute, zone)
    if when.rule is not None:
        match = _WEEKLY_RULE.match(when.rule)
        if match is None:
            raise UsageError(_SCHEDULE_HELP)
        return Cadence(WEEKLY, RRULE_DAYS.index(match.group(1)), local.hour, local.minute, zone)
    words = folded.split()
    named = [WEEKDAYS[w] for w in words if w in WEEKDAYS]
    if named:
        return Cadence(WEEKLY, named[0], local.hour, local.minute, zone)
    if _TIME_ONLY.match(folded):
        return Cadence(WEEKLY, settings.weekday, local.hour, local.minute, zone)
    raise UsageError(_SCHEDULE_HELP)


def _period_cadence(ctx: Context) -> Cadence:
    subscription = ctx.store.digests.of_room(ctx.room.key)
    if subscription is not None and subscription.active:
        return cadence_of(subscription)
    settings = ctx.settings(DigestSettings)
    return Cadence(WEEKLY, settings.weekday, settings.hour, 0, ctx.room.timezone)


def _coming(ctx: Context) -> Digest:
    """The digest of the period so far, as it would be sent now."""
    now = ctx.now()
    since = _period_cadence(ctx).latest(now)
    ids = associations(ctx.services, ctx.room.key, ctx.sender.key)
    # up to this very second: what was said just before the preview is in it
    return build(ctx.services, ctx.voice, ctx.room.key, ids, since, now + timedelta(seconds=1))


async def _preview(ctx: Context) -> None:
    digest = _coming(ctx)
    if digest.empty:
        await ctx.reply(
            ctx.t("Nothing for the digest since {day} yet.", day=ctx.format_date(digest.since))
        )
        return
    for text in render(digest, ctx.voice, limit=ctx.settings(DigestSettings).message_chars):
        await ctx.reply(text)


def _covered(ctx: Context) -> list[str]:
    ids = associations(ctx.services, ctx.room.key, ctx.sender.key)
    return [clip(title, 40) for title in ctx.store.digests.association_titles(ids) if title]


async def _subscribe(ctx: Context, text: str) -> None:
    if not ctx.room.private:
        ctx.require_organizer()
    cadence = read_cadence(ctx, text)
    if ctx.room.private and not _covered(ctx):
        raise Refusal(
            "I have not seen you in any room yet: the digest of a private chat covers the "
            "rooms where you and I both are."
        )
    subscription = ctx.store.digests.subscribe(
        ctx.room.key,
        ctx.sender.key if ctx.room.private else "",
        cadence=cadence.kind,
        weekday=cadence.weekday,
        hour=cadence.hour,
        minute=cadence.minute,
        timezone=ctx.room.timezone,
        language=ctx.room.language,
        now=ctx.now(),
    )
    next_due = cadence.following(cadence.latest(ctx.now()))
    if subscription.cadence == DAILY:
        reply = ctx.t(
            "Digest subscribed: every day; the next one on {when}.",
            when=ctx.format_datetime(next_due),
        )
    else:
        reply = ctx.t(
            "Digest subscribed: once a week; the next one on {when}.",
            when=ctx.format_datetime(next_due),
        )
    if ctx.room.private:
        reply += "\n" + ctx.t("It covers: {rooms}.", rooms=", ".join(_covered(ctx)))
    await ctx.reply(reply)


async def _unsubscribe(ctx: Context) -> None:
    if not ctx.room.private:
        ctx.require_organizer()
    if ctx.store.digests.unsubscribe(ctx.room.key, ctx.now()):
        await ctx.reply(ctx.t("Digest unsubscribed: no more digests here."))
    else:
        await ctx.reply(ctx.t("There is no digest subscription here."))


async def _archive(ctx: Context, rest: list[str]) -> None:
    subscription = ctx.store.digests.of_room(ctx.room.key)
    sends = ctx.store.digests.sends(subscription.id) if subscription else []
    if not sends:
        await ctx.reply(ctx.t("No digest has been sent here yet."))
        return
    if len(rest) > 1:
        raise UsageError("Say which digest: archive N.")
    if not rest:
        lines = [ctx.t("Digests sent here (latest first):")]
        for number, send in enumerate(sends[:ARCHIVE_LINES], start=1):
            lines.append(f"{number}. {ctx.format_date(send.due)}")
        lines.append(ctx.t("Show one again: /{name} archive N.", name=ctx.command_name("digest")))
        await ctx.reply("\n".join(lines))
        return
    number = ctx.number(rest[0], low=1, high=len(sends))
    limit = ctx.settings(DigestSettings).message_chars
    for text in pack(sends[number - 1].text.split("\n\n"), limit):
        await ctx.reply(text)


def _require_editor(ctx: Context) -> None:
    if ctx.room.private:
        raise Refusal("The digest is edited in a room, by its organizers.")
    ctx.require_organizer()


async def _remove(ctx: Context, rest: list[str]) -> None:
    _require_editor(ctx)
    match = _ITEM.match(rest[0]) if len(rest) == 1 else None
    if match is None:
        raise UsageError("Say which item: section and number, like 4.2.")
    section, index = int(match.group(1)), int(match.group(2))
    item = _coming(ctx).item(section, index)
    if item is None:
        raise Refusal("There is no item {ref} in the coming digest.", ref=f"{section}.{index}")
    ctx.store.digests.edit(ctx.room.association_id, "remove", item.key, ctx.sender.key, ctx.now())
    await ctx.reply(ctx.t("Removed from the coming digest: {item}", item=clip(item.text, 120)))


async def _pin(ctx: Context, rest: list[str]) -> None:
    _require_editor(ctx)
    if len(rest) != 2 or fold(rest[0]) not in _LINK:
        raise UsageError("Say which link: pin link N.")
    link_id = ctx.number(rest[1], low=1)
    if not ctx.store.digests.link_in(ctx.room.association_id, link_id):
        raise Refusal("There is no link #{id} here.", id=link_id)
    ctx.store.digests.edit(
        ctx.room.association_id, "pin", f"link:{link_id}", ctx.sender.key, ctx.now()
    )
    await ctx.reply(ctx.t("Link #{id} is pinned at the top of the coming digest.", id=link_id))


@router.command(
    "digest",
    "resume",
    usage=_(
        "[subscribe [friday 5pm | daily 8am] | unsubscribe | archive [N] | remove 4.2 | "
        "pin link N]"
    ),
    help=_("The digest: subscribe (a room or a private chat), preview it, see past ones."),
    examples=(_("/digest subscribe friday 5pm"), _("/digest"), _("/digest archive 2")),
)
async def digest_command(ctx: Context) -> None:
    if ctx.room.private:
        ctx.store.digests.unblock(ctx.room.key, ctx.now())
    if not ctx.args:
        await _preview(ctx)
        return
    action, rest = fold(ctx.args[0]), ctx.args[1:]
    if action in _SUBSCRIBE:
        await _subscribe(ctx, " ".join(rest))
    elif action in _UNSUBSCRIBE:
        await _unsubscribe(ctx)
    elif action in _ARCHIVE:
        await _archive(ctx, rest)
    elif action in _REMOVE:
        await _remove(ctx, rest)
    elif action in _PIN:
        await _pin(ctx, rest)
    else:
        raise UsageError(
            "Choose subscribe, unsubscribe, archive, remove or pin, or nothing for a preview."
        )


@router.listener
async def written_again(ctx: Context) -> None:
    """A member who had blocked the bot and writes to it again gets their digest again."""
    if ctx.room.private:
        ctx.store.digests.unblock(ctx.room.key, ctx.now())
