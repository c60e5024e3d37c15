"""What is new in a fetched feed: entries de-duplicated by id, then link, then content, and
which of them are shown (not too old, at most a few per fetch)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.feeds import ParsedFeed
from bot.urls import InvalidURL, normalize
from handlers.feeds.settings import FeedsSettings
from storage.feeds import NewEntry
from storage.store import Store

MAX_BACKOFF = timedelta(hours=24)


def new_entries(
    store: Store,
    feed_id: int | None,
    parsed: ParsedFeed,
    now: datetime,
    settings: FeedsSettings,
    *,
    show: bool = True,
) -> list[NewEntry]:
    """The entries of ``parsed`` never seen for this feed (None: a feed not stored yet).
    Shown: dated within ``old_entry_days`` and among the newest ``max_entries_per_fetch``;
    the others are kept as seen, never posted. ``show=False`` keeps them all as seen (the
    entries a feed already lists when it is followed)."""
    guids: set[str] = set()
    links: set[str] = set()
    hashes: set[str] = set()
    found: list[NewEntry] = []
    oldest = now - timedelta(days=settings.old_entry_days)
    for entry in parsed.entries:
        link = _normalized(entry.link)
        if (
            (entry.guid and entry.guid in guids)
            or (link and link in links)
            or entry.content_hash in hashes
        ):
            continue
        guids.add(entry.guid)
        links.add(link)
        hashes.add(entry.content_hash)
        if feed_id is not None and store.feeds.known(
            feed_id, entry.guid, link, entry.content_hash
        ):
            continue
        published = min(entry.published_at or now, now)  # a date in the future is "now"
        found.append(
            NewEntry(
                entry.guid,
                link,
                entry.link,
                entry.content_hash,
                entry.title,
                entry.summary,
                published,
                show and published >= oldest,
            )
        )
    shown = sorted((e for e in found if e.shown), key=lambda e: e.published_at, reverse=True)
    kept = {id(e) for e in shown[: settings.max_entries_per_fetch]}
    return [e if id(e) in kept or not e.shown else _hidden(e) for e in found]


def _hidden(entry: NewEntry) -> NewEntry:
    return NewEntry(
        entry.guid,
        entry.link,
        entry.url,
        entry.content_hash,
        entry.title,
        entry.summary,
        entry.published_at,
        False,
    )


def _normalized(url: str) -> str:
    if not url:
        return ""
    try:
        return normalize(url)
    except InvalidURL:
        return ""


def next_fetch(now: datetime, settings: FeedsSettings, failures: int = 0) -> datetime:
    """When to fetch a feed next: every ``interval_minutes`` less up to a tenth at random;
    after failures, twice as long each time, at most a day."""
    interval = timedelta(minutes=settings.interval_minutes)
    if failures:
        interval = min(interval * 2 ** min(failures - 1, 16), MAX_BACKOFF)
    return now + interval - interval * random.uniform(0, 0.1)  # jitter only, not a secret
