"""Previews in the background: a new link's title, description and site, fetched by the
app's fetcher (``services.fetcher``), never delaying a reply.

The queue is the table itself (links whose preview is still ``pending``): a new link asks for
one scheduler job (``links:previews``), which claims the pending previews a batch at a time and
fetches them until none is left. No job per link, nothing held in memory, and a restart
simply drains what is still pending. A failure is recorded once: the link stays, without a
title, and is not fetched again (never retried in a loop)."""

from __future__ import annotations

import asyncio
import logging

from bot.context import Services
from bot.router import Router
from bot.text import clip
from storage.links import LinkRecord, PreviewResult

router = Router("links")
log = logging.getLogger(__name__)

JOB = "links:previews"
BATCH = 8  # previews fetched together (the fetcher caps what is in flight, overall and per host)
TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 500
SITE_LIMIT = 100


def schedule_previews(services: Services) -> None:
    """Make sure the job fetching pending previews runs soon (once, however many links)."""
    if services.fetcher is None or services.scheduler.due_of(JOB) is not None:
        return

    async def drain() -> None:
        await fetch_pending(services)

    services.scheduler.at(JOB, services.clock.now(), drain)


async def fetch_pending(services: Services) -> None:
    """Fetch the previews still pending, oldest first, a batch at a time; each batch's results
    are written in one transaction."""
    links = services.store.links
    while services.fetcher is not None:
        batch = links.claim_previews(BATCH)
        if not batch:
            return
        results = await asyncio.gather(*(_preview(services, link) for link in batch))
        links.save_previews(results, services.clock.now())


async def _preview(services: Services, link: LinkRecord) -> PreviewResult:
    """One link's preview, or why there is none; never raises."""
    fetcher = services.fetcher
    if fetcher is None:
        return PreviewResult(link.id, error="no fetcher")
    try:
        # The normalized URL: tracking parameters are not sent to the site.
        preview = await fetcher.preview(link.normalized_url)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # FetchError, and anything else: the link stays as it is
        reason = str(error) or type(error).__name__
        log.info("no preview for link %s: %s", link.id, reason)
        return PreviewResult(link.id, error=reason)
    return PreviewResult(
        link.id,
        title=clip(preview.title or "", TITLE_LIMIT),
        description=clip(preview.description or "", DESCRIPTION_LIMIT),
        site_name=clip(preview.site_name or "", SITE_LIMIT),
    )


@router.on_start
async def resume_previews(services: Services) -> None:
    """Previews of links kept just before the bot stopped are fetched once now."""
    if services.store.links.has_pending_previews():
        schedule_previews(services)
