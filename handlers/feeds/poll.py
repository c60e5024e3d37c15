"""The periodic job fetching followed feeds: each feed once for every room following it, when
it is due, a few at a time; conditional requests; new entries kept for the digest or posted in
``direct`` rooms; failures backed off, told once per streak, paused after long enough."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.context import RoomVoice, Services
from bot.feeds import parse_feed
from bot.fetch import FEED_MAX_BYTES, FEED_TYPES, FetchError
from bot.i18n import _
from bot.message import Outgoing
from bot.router import Router
from bot.text import clip
from handlers.feeds.entries import new_entries, next_fetch
from handlers.feeds.settings import FeedsSettings
from storage.feeds import FeedRecord, NewEntry

router = Router("feeds")
log = logging.getLogger(__name__)

TICK = timedelta(minutes=5)  # how often due feeds are looked for; each has its own interval
BATCH = 2_000  # feeds fetched by one tick at most (the rest are due at the next)
POST_LIMIT = 3_500  # characters of one direct post (well under Telegram's 4,096)

# Why a fetch failed, as members read it (FetchError reasons, and "feed" for a document that
# is not a feed).
REASONS = {
    "scheme": _("it is not a web address"),
    "not_public": _("its address is not public"),
    "denied": _("its site is refused by this bot's settings"),
    "dns": _("its site name does not resolve"),
    "connect": _("the site does not answer"),
    "timeout": _("the site took too long to answer"),
    "too_many_redirects": _("it redirects too many times"),
    "status": _("the site answered with an error"),
    "type": _("it is not a feed"),
    "too_large": _("it is larger than 5 MiB"),
    "feed": _("it is not a feed"),
}


class NotAFeed(Exception):
    """The document fetched is not RSS or Atom."""

    reason = "feed"


def reason_text(voice: RoomVoice, reason: str) -> str:
    return voice.t(REASONS.get(reason, _("the fetch failed")))


def feed_name(feed: FeedRecord) -> str:
    return clip(feed.title or feed.url, 80)


@router.every(TICK)
async def poll_feeds(services: Services, due: datetime) -> None:
    """Fetch every feed that is due."""
    await poll_due(services)


async def poll_due(services: Services) -> int:
    """Fetch the feeds due now, at most ``max_in_flight`` at a time; how many were fetched."""
    if services.fetcher is None:
        return 0
    settings = services.config.feature(FeedsSettings)
    feeds = services.store.feeds.due(services.clock.now(), BATCH)
    slots = asyncio.Semaphore(settings.max_in_flight)

    async def one(feed: FeedRecord) -> None:
        async with slots:
            try:
                await poll_feed(services, feed, settings)
            except asyncio.CancelledError:
                raise
            except Exception:  # one feed's surprise never stops the others
                log.exception("feed %s: poll failed", feed.id)

    await asyncio.gather(*(one(feed) for feed in feeds))
    return len(feeds)


async def poll_feed(services: Services, feed: FeedRecord, settings: FeedsSettings) -> None:
    """Fetch one feed and record what it gave."""
    fetcher = services.fetcher
    assert fetcher is not None
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        page = await fetcher.fetch(
            feed.fetch_url, accept=FEED_TYPES, max_bytes=FEED_MAX_BYTES, headers=headers
        )
        parsed = None
        if page.status != 304:
            parsed = await parse_feed(page.body, page.url, page.content_type)
            if not parsed.is_feed:
                raise NotAFeed(f"{clip(page.url, 120)} is not a feed")
    except asyncio.CancelledError:
        raise
    except (FetchError, NotAFeed) as error:
        log.info("feed %s: %s", feed.id, error)
        await _failed(services, feed, settings, error.reason)
        return
    store = services.store.feeds
    now = services.clock.now()
    if parsed is None:  # not modified: nothing read, nothing parsed
        recovered = store.fetched(feed.id, now, next_fetch(now, settings))
        entries: list[NewEntry] = []
    else:
        entries = new_entries(services.store, feed.id, parsed, now, settings)
        recovered = store.fetched(
            feed.id,
            now,
            next_fetch(now, settings),
            title=parsed.title,
            etag=page.etag,
            last_modified=page.last_modified,
            entries=entries,
        )
    if recovered and feed.failure_notified:
        await _tell(services, feed, _("The feed {feed} works again."))
    shown = [entry for entry in entries if entry.shown]
    if shown:
        await _post(services, store.get(feed.id) or feed, shown)


async def _failed(
    services: Services, feed: FeedRecord, settings: FeedsSettings, reason: str
) -> None:
    now = services.clock.now()
    store = services.store.feeds
    record = store.failed(feed.id, now, next_fetch(now, settings, feed.failures + 1), reason)
    if record is None:
        return
    since = record.failing_since or now
    if now - since >= timedelta(days=settings.pause_after_days):
        store.pause(feed.id)
        await _tell(
            services,
            record,
            _(
                "The feed {feed} has failed for {days} days ({reason}): I stopped fetching "
                "it. Follow it again with /{command} add {url} to start again."
            ),
            days=settings.pause_after_days,
            reason=reason,
        )
    elif not record.failure_notified:
        store.mark_notified(feed.id)
        await _tell(
            services,
            record,
            _(
                "The feed {feed} could not be fetched ({reason}). I will keep trying, less "
                "often, and say here when it works again."
            ),
            reason=reason,
        )


async def _tell(
    services: Services,
    feed: FeedRecord,
    msgid: str,
    *,
    reason: str = "",
    days: int = 0,
) -> None:
    """Say something about a feed in every room following it, in each room's language."""
    for subscription in services.store.feeds.subscriptions(feed.id):
        voice = services.voice(subscription.room_key)
        text = voice.t(
            msgid,
            feed=feed_name(feed),
            reason=reason_text(voice, reason),
            days=days,
            command=voice.command("feed"),
            url=feed.url,
        )
        await services.send(subscription.room_key, Outgoing(text))


async def _post(services: Services, feed: FeedRecord, entries: list[NewEntry]) -> None:
    """New entries posted in the rooms that asked for them as they come: one message."""
    rooms = [s.room_key for s in services.store.feeds.subscriptions(feed.id) if s.direct]
    if not rooms:
        return
    newest = sorted(entries, key=lambda entry: entry.published_at, reverse=True)
    for room in rooms:
        voice = services.voice(room)
        lines = [voice.t("New in {feed}:", feed=feed_name(feed))]
        size = len(lines[0])
        for shown, entry in enumerate(newest):
            line = f"• {clip(entry.title, 150)}" + (f"\n  {entry.url}" if entry.url else "")
            if size + len(line) > POST_LIMIT:
                rest = len(newest) - shown
                lines.append(voice.tn("… and {n} more", "… and {n} more", rest))
                break
            lines.append(line)
            size += len(line) + 1
        # Several links: no preview card of the first one (Telegram would show it).
        await services.send(room, Outgoing("\n".join(lines), link_preview=False))
