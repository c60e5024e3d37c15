"""Capture: every http(s) link in an ordinary message of a room is kept, silently, with its
#hashtags as tags; a page the association already has is counted once more and answered with
one notice naming who shared it first."""

from __future__ import annotations

from bot.context import Context
from bot.router import Router
from handlers.links.parse import hashtags, message_links
from handlers.links.previews import schedule_previews
from handlers.links.render import repeat_notice
from handlers.links.settings import LinksSettings
from storage.links import LinkRecord

router = Router("links")


def visible_here(ctx: Context, link: LinkRecord) -> bool:
    """Whether the room may see the link: shared there, or in a room not marked private."""
    if link.room_key == ctx.room.key:
        return True
    return not ctx.store.links.room_settings(link.room_key).private


@router.listener
async def capture_links(ctx: Context) -> None:
    message = ctx.message
    # Edits of a captured message, private chats and taps are not a room sharing a link.
    if message.edited or ctx.room.private or message.gesture is not None:
        return
    if "://" not in message.text and not message.links:  # most messages stop here
        return
    settings = ctx.settings(LinksSettings)
    if not settings.capture or not ctx.store.links.room_settings(ctx.room.key).capture:
        return
    found = message_links(message, settings.max_per_message)
    if not found:
        return
    tags = hashtags(message.text)
    now = ctx.now()
    repeats: list[LinkRecord] = []
    for link in found:
        shared = ctx.store.links.share(
            ctx.room.association_id,
            ctx.room.key,
            link.url,
            link.normalized,
            ctx.sender,
            now,
            message_id=message.message_id,
            tags=tags,
        )
        if shared.created:
            schedule_previews(ctx.services)
        elif shared.counted and visible_here(ctx, shared.link):
            repeats.append(shared.link)
    if repeats:
        await ctx.reply("\n".join(repeat_notice(ctx.voice, link, now) for link in repeats))
