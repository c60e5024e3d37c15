"""/lien (/link): save, tag, annotate or delete a link; /liens (/links): the latest links, a
search, a page, the room's capture and privacy, an export; /tags: the tags in use."""

from __future__ import annotations

from bot.bookmarks import bookmarks_html
from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Attachment
from bot.router import Router
from bot.text import clip, fold, read_number
from bot.urls import MAX_URL_LENGTH
from handlers.links.capture import visible_here
from handlers.links.parse import (
    MAX_NOTE,
    MAX_SEARCH_LENGTH,
    MAX_SEARCH_TERMS,
    PAGE_WORDS,
    SearchTooLong,
    hashtags,
    message_links,
    note_of,
    parse_search,
)
from handlers.links.previews import schedule_previews
from handlers.links.render import link_line, number, repeat_notice, tags_text
from handlers.links.settings import LinksSettings
from storage.links import LinkRecord

router = Router("links")

# One string: a lone "delete" constant reads as SQL to the boundary test.
DELETE_WORDS = frozenset("suppr supprimer effacer delete remove del rm".split())  # noqa: SIM905
MAX_PAGE = 10_000
TAGS_SHOWN = 50


def associations_of(ctx: Context) -> list[int]:
    """The archives this chat reaches: the room's association, or in a private chat every
    association of the rooms where the member was seen."""
    if ctx.room.private:
        return ctx.store.links.member_associations(ctx.sender.key)
    return [ctx.room.association_id]


def association_name(ctx: Context, association_id: int) -> str:
    """An association as members know it: the titles of its rooms."""
    rooms = ctx.store.rooms.in_association(association_id)
    return " + ".join(clip(room.title or room.external_id, 40) for room in rooms[:4])


# /lien ------------------------------------------------------------------------------------


@router.command(
    "link",
    "lien",
    usage=_("URL [#tag…] [note] | N #tag [note] | delete N"),
    help=_("Save a link with tags and a note, add tags or a note to one, or delete one."),
    examples=(
        _("/link https://example.org/grants #grants #town-hall form due in March"),
        _("/link 12 #budget to read before the meeting"),
        _("/link delete 12"),
    ),
)
async def link_command(ctx: Context) -> None:
    words = ctx.text.split()
    if not words:
        raise UsageError("Give the link to save.")
    if fold(words[0]) in DELETE_WORDS:
        await _delete(ctx, words[1:])
    elif read_number(words[0], low=0, high=10**20) is not None:
        await _annotate(ctx, words[0], ctx.text.split(None, 1)[1:])
    else:
        await _add(ctx)


async def _add(ctx: Context) -> None:
    found = message_links(ctx.message, 1)
    if not found:
        if "://" in ctx.text:
            raise UsageError(
                "This is not a link I can keep: only http:// and https:// links of at most "
                "{limit} characters.",
                limit=ctx.voice.number(MAX_URL_LENGTH),
            )
        raise UsageError("Give the link to save, starting with https:// or http://.")
    link = found[0]
    tags = hashtags(ctx.text)
    note = clip(note_of(ctx.text, [link.url]), MAX_NOTE)
    associations = associations_of(ctx)
    if not associations:
        raise Refusal(
            "I do not know any room of yours yet, so this link has no archive to go to: "
            "share it in your association's room, or say something there first."
        )
    now = ctx.now()
    lines: list[str] = []
    for association_id in associations:
        shared = ctx.store.links.share(
            association_id,
            ctx.room.key,
            link.url,
            link.normalized,
            ctx.sender,
            now,
            message_id=ctx.message.message_id,
            tags=tags,
            note=note,
        )
        record = shared.link
        if shared.created:
            schedule_previews(ctx.services)
            line = ctx.t("Link {number} saved.", number=number(ctx.voice, record.id))
        elif record.room_key == ctx.room.key or visible_here(ctx, record):
            line = repeat_notice(ctx.voice, record, now)
        else:  # first shared in a room that keeps its links to itself: say nothing of it
            line = ctx.t("Link saved.")
        if record.tags:
            line += " " + tags_text(record.tags)
        if ctx.room.private:
            line += " " + ctx.t(
                "(archive of {rooms})", rooms=association_name(ctx, association_id)
            )
        lines.append(line)
    await ctx.reply("\n".join(lines))


def _find(ctx: Context, typed: str) -> LinkRecord:
    link_id = ctx.number(typed, low=1)
    link = None
    for association_id in associations_of(ctx):
        link = ctx.store.links.visible(link_id, [association_id], ctx.room.key)
        if link is not None:
            break
    if link is None:
        raise Refusal("There is no link {number} here.", number=number(ctx.voice, link_id))
    return link


def _may_manage(ctx: Context, link: LinkRecord) -> bool:
    """The member who shared it first, or an organizer of a room of its association (never
    the "organizer" everyone is of their own private chat)."""
    if link.poster_key == ctx.sender.key or ctx.may_act_on(link.room_key):
        return True
    return (
        not ctx.room.private
        and ctx.is_organizer
        and link.association_id == ctx.room.association_id
    )


def _require_manage(ctx: Context, link: LinkRecord) -> None:
    if not _may_manage(ctx, link):
        raise Refusal(
            "Only the member who shared link {number} or an organizer can do this.",
            number=number(ctx.voice, link.id),
        )


async def _delete(ctx: Context, words: list[str]) -> None:
    if len(words) != 1:
        raise UsageError(
            "Give the number of the link to delete, like /{link} delete 12.",
            link=ctx.command_name("link"),
        )
    link = _find(ctx, words[0])
    _require_manage(ctx, link)
    ctx.store.links.delete(link.id)
    await ctx.reply(ctx.t("Link {number} deleted.", number=number(ctx.voice, link.id)))


async def _annotate(ctx: Context, typed: str, rest: list[str]) -> None:
    text = rest[0] if rest else ""
    tags = hashtags(text)
    note = clip(note_of(text, []), MAX_NOTE)
    if not tags and not note:
        raise UsageError(
            "Add #tags or a note after the number, like /{link} 12 #budget to read first.",
            link=ctx.command_name("link"),
        )
    link = _find(ctx, typed)
    _require_manage(ctx, link)
    updated = ctx.store.links.annotate(link.id, tags, note or None) or link
    parts = [ctx.t("Link {number}:", number=number(ctx.voice, link.id))]
    if updated.tags:
        parts.append(tags_text(updated.tags))
    if note:
        parts.append(ctx.t("note saved."))
    await ctx.reply(" ".join(parts))


# /liens -----------------------------------------------------------------------------------


@router.command(
    "links",
    "liens",
    usage=_(
        '[words] [#tag] ["exact phrase"] [-word] [page N] | off | on | private | public | export'
    ),
    help=_("Show the latest links shared in the association, or search them."),
    examples=(
        _("/links"),
        _("/links budget grant"),
        _('/links #town-hall "general assembly" -draft'),
        _("/links budget page 2"),
        _("/links export"),
        _("/links off"),
    ),
)
async def links_command(ctx: Context) -> None:
    args = [arg for arg in ctx.args if arg.strip()]
    if len(args) == 1:
        action = fold(args[0])
        handlers = {
            "off": _capture_off,
            "on": _capture_on,
            "prive": _private,
            "private": _private,
            "public": _public,
            "export": _export,
            "exporter": _export,
        }
        if action in handlers:
            await handlers[action](ctx)
            return
    if len(ctx.text) > MAX_SEARCH_LENGTH:
        raise UsageError(
            "This search is too long: at most {limit} characters.",
            limit=ctx.voice.number(MAX_SEARCH_LENGTH),
        )
    page = None
    if len(args) >= 2 and fold(args[-2]) in PAGE_WORDS:
        page = ctx.number(args[-1], low=1, high=MAX_PAGE)
        args = args[:-2]
    try:
        request = parse_search(args, page)
    except SearchTooLong:
        raise UsageError(
            "This search has too many words: at most {limit}.", limit=MAX_SEARCH_TERMS
        ) from None
    if request.typed and request.search.empty:
        raise UsageError(
            'Nothing to search in {typed}: give words, #tags or "a phrase".',
            typed=clip(" ".join(request.typed), 40),
        )
    size = ctx.settings(LinksSettings).page_size
    found = ctx.store.links.search(
        associations_of(ctx),
        ctx.room.key,
        request.search,
        limit=size + 1,
        offset=(request.page - 1) * size,
    )
    typed = clip(" ".join(request.typed), 60)
    if not found:
        if request.page > 1:
            await ctx.reply(
                ctx.t("No more links: page {page} is past the end.", page=request.page)
            )
        elif typed:
            await ctx.reply(ctx.t("No link found for {typed}.", typed=typed))
        else:
            await ctx.reply(
                ctx.t(
                    "No link shared here yet. Post one in a message, or save it with "
                    "/{link} URL #tag a note.",
                    link=ctx.command_name("link"),
                )
            )
        return
    header = ctx.t("Links for {typed}:", typed=typed) if typed else ctx.t("Latest links:")
    if request.page > 1:
        header = f"{header} ({ctx.t('page {page}', page=request.page)})"
    now = ctx.now()
    lines = [header, *(link_line(ctx.voice, link, now) for link in found[:size])]
    if len(found) > size:
        more = " ".join(["/" + ctx.command_name("links"), typed, "page", str(request.page + 1)])
        lines.append(ctx.t("More: {command}", command=" ".join(more.split())))
    await ctx.reply("\n".join(lines))


def _in_a_room(ctx: Context) -> None:
    if ctx.room.private:
        raise Refusal("This is a choice of a room: ask it in the room concerned.")
    ctx.require_organizer()


async def _capture_off(ctx: Context) -> None:
    _in_a_room(ctx)
    changed = ctx.store.links.set_room(ctx.room.key, ctx.now(), capture=False)
    text = ctx.t(
        "Links posted in this room are no longer kept. /{links} on keeps them again.",
        links=ctx.command_name("links"),
    )
    await ctx.reply(text if changed else ctx.t("Links posted in this room were already not kept."))


async def _capture_on(ctx: Context) -> None:
    _in_a_room(ctx)
    changed = ctx.store.links.set_room(ctx.room.key, ctx.now(), capture=True)
    await ctx.reply(
        ctx.t("Links posted in this room are kept again.")
        if changed
        else ctx.t("Links posted in this room are already kept.")
    )


async def _private(ctx: Context) -> None:
    _in_a_room(ctx)
    changed = ctx.store.links.set_room(ctx.room.key, ctx.now(), private=True)
    await ctx.reply(
        ctx.t("Links shared in this room can now be found from this room only.")
        if changed
        else ctx.t("Links shared in this room could already be found from this room only.")
    )


async def _public(ctx: Context) -> None:
    _in_a_room(ctx)
    changed = ctx.store.links.set_room(ctx.room.key, ctx.now(), private=False)
    await ctx.reply(
        ctx.t("Links shared in this room can be found from every linked room again.")
        if changed
        else ctx.t("Links shared in this room could already be found from every linked room.")
    )


async def _export(ctx: Context) -> None:
    limit = ctx.settings(LinksSettings).export_limit
    links: list[LinkRecord] = []
    for link, _private_room in ctx.store.links.export(associations_of(ctx), ctx.room.key):
        links.append(link)
        if len(links) >= limit:
            break
    if not links:
        await ctx.reply(ctx.t("No link to export yet."))
        return
    content = bookmarks_html((link, False) for link in links)
    text = ctx.tn(
        "{n} link as a bookmarks file: Firefox, Chrome, Shaarli and bookmark managers import it.",
        "{n} links as a bookmarks file: Firefox, Chrome, Shaarli and bookmark managers import it.",
        len(links),
    )
    if len(links) >= limit:
        text += " " + ctx.t(
            "Only the newest {limit}: the whole archive with `assobot export --links` on the "
            "bot's server.",
            limit=ctx.voice.number(limit),
        )
    filename = ctx.t("links.html")
    await ctx.reply(text, attachment=Attachment(filename, content, "text/html"))


# /tags ------------------------------------------------------------------------------------


@router.command("tags", "tags", help=_("List the tags of the shared links, most used first."))
async def tags_command(ctx: Context) -> None:
    if ctx.args:
        raise UsageError(
            "/tags takes nothing: search a tag with /{links} #tag.",
            links=ctx.command_name("links"),
        )
    counts = ctx.store.links.tag_counts(associations_of(ctx), ctx.room.key, limit=TAGS_SHOWN)
    if not counts:
        await ctx.reply(ctx.t("No tag yet: add #hashtags to a message with a link."))
        return
    listed = ", ".join(f"#{tag} ({ctx.voice.number(count)})" for tag, count in counts)
    await ctx.reply(ctx.t("Tags: {tags}", tags=listed))
