"""Previews in the background: a new link's title, description and site, fetched by the
app's fetcher (``services.fetcher``) through a scheduler job, never delaying a reply. A failure
is recorded once: the link stays, without a title, and is not fetched again."""

from __future__ import annotations

import logging

from bot.context import Services
from bot.router import Router
from bot.text import clip

router = Router("links")
log = logging.getLogger(__name__)

TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 500
SITE_LIMIT = 100
RESTART_LIMIT = 200  # previews never attempted before a restart that are tried at start


def schedule_preview(services: Services, link_id: int, url: str) -> None:
    """Fetch the link's preview as soon as possible, in a job of its own."""
    fetcher = services.fetcher
    if fetcher is None:
        services.store.links.preview_failed(
            link_id, "no fetcher configured", services.clock.now(), skipped=True
        )
        return

    async def fetch() -> None:
        await fetch_preview(services, link_id, url)

    services.scheduler.at(f"links:preview:{link_id}", services.clock.now(), fetch)


async def fetch_preview(services: Services, link_id: int, url: str) -> None:
    """Fetch and keep one preview; any failure is recorded, never raised or retried."""
    fetcher = services.fetcher
    if fetcher is None:
        return
    try:
        preview = await fetcher.preview(url)
    except Exception as error:  # FetchError, and anything else: the link stays as it is
        reason = str(error) or type(error).__name__
        log.info("no preview for link %s: %s", link_id, reason)
        services.store.links.preview_failed(link_id, reason, services.clock.now())
        return
    services.store.links.set_preview(
        link_id,
        clip(preview.title or "", TITLE_LIMIT),
        clip(preview.description or "", DESCRIPTION_LIMIT),
        clip(preview.site_name or "", SITE_LIMIT),
        services.clock.now(),
    )


@router.on_start
async def resume_previews(services: Services) -> None:
    """Previews of links kept just before the bot stopped are fetched once now."""
    for link in services.store.links.pending_previews(RESTART_LIMIT):
        schedule_preview(services, link.id, link.normalized_url)
