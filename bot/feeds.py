"""Reading feeds: RSS and Atom parsed by feedparser from bytes already fetched (feedparser never
fetches anything itself here), entries reduced to plain text, and a site's feed discovered
from its page's ``<link rel="alternate">``.

Parsing runs in worker threads of its own (two): a 5 MiB feed, or a hostile one nesting tags
by the thousand, takes feedparser seconds of CPU, which must never stall the loop that answers
commands, nor hold the loop's default executor that resolves names for every fetch.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from bot.fetch import _decode, _head_end  # the page decoder of the preview parser
from bot.text import clip

log = logging.getLogger(__name__)

MAX_ENTRIES = 200  # entries read from one document (a feed lists its newest first)
TITLE_LIMIT = 200
SUMMARY_LIMIT = 300
FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
MAX_DISCOVERED = 5
PARSER_THREADS = 2


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One entry as plain text: its id (may be empty), link, title, summary, date if given,
    and a hash of what it says (the last way to tell it was seen)."""

    guid: str
    link: str
    title: str
    summary: str
    published_at: datetime | None
    content_hash: str


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed document: whether it is a feed at all, its title and entries (newest first as
    the feed lists them), and whether feedparser found it malformed (``bozo``)."""

    is_feed: bool
    title: str
    entries: tuple[ParsedEntry, ...]
    bozo: bool


class _Parsers:
    """The parsing threads, started on first use (none in a process that never parses)."""

    pool: ThreadPoolExecutor | None = None

    @classmethod
    def get(cls) -> ThreadPoolExecutor:
        if cls.pool is None:
            cls.pool = ThreadPoolExecutor(PARSER_THREADS, thread_name_prefix="feed-parser")
        return cls.pool


async def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a fetched feed in a parsing thread; never raises (a document that is not a feed
    comes back with ``is_feed=False``)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_Parsers.get(), parse_feed_now, body, url, content_type)


def parse_feed_now(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """The same, in the calling thread (benchmarks and tests of the parser)."""
    import feedparser  # loaded at the first feed read, not at start-up

    try:
        headers = {"content-location": url}
        if content_type:
            headers["content-type"] = content_type
        # A stream, never a str: feedparser would fetch a str that looks like a URL or a path.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
        return _feed(parsed, url)
    except Exception:  # hostile bytes give an empty result, never a crash of the poll
        log.debug("feed %s not parsed", clip(url, 120), exc_info=True)
        return ParsedFeed(False, "", (), True)


def _feed(parsed: Any, url: str) -> ParsedFeed:
    entries = tuple(
        entry
        for raw in list(parsed.get("entries") or [])[:MAX_ENTRIES]
        if (entry := _entry(raw, url)) is not None
    )
    version = str(parsed.get("version") or "")
    feed = parsed.get("feed") or {}
    title = plain_text(str(feed.get("title") or ""), TITLE_LIMIT)
    return ParsedFeed(bool(version or entries), title, entries, bool(parsed.get("bozo")))


def _entry(raw: Any, base: str) -> ParsedEntry | None:
    title = plain_text(str(raw.get("title") or ""), TITLE_LIMIT)
    summary = plain_text(str(raw.get("summary") or ""), SUMMARY_LIMIT)
    link = str(raw.get("link") or "").strip()
    if link:
        link = urljoin(base, link)
        if not link.lower().startswith(("http://", "https://")) or len(link) > 2000:
            link = ""  # a javascript: or data: link is never posted
    guid = clip(str(raw.get("id") or ""), 500)
    if not (title or link or summary):
        return None
    published = None
    for key in ("published_parsed", "updated_parsed"):
        moment = raw.get(key)
        if moment:
            try:
                published = datetime.fromtimestamp(calendar.timegm(moment), UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                published = None
            break
    # Its date too: two entries both titled "Weekly news" on different days are two entries.
    dated = published.isoformat() if published else ""
    digest = hashlib.sha256(f"{title}\n{summary}\n{dated}".encode()).hexdigest()[:32]
    return ParsedEntry(guid, link, title or clip(summary, 80), summary, published, digest)


def plain_text(html: str, limit: int) -> str:
    """An entry's HTML as plain text (tags, scripts and styles dropped, spaces folded),
    clipped to ``limit`` characters."""
    html = html[: limit * 20]  # the start is all that is kept: never parse a megabyte
    if "<" not in html and "&" not in html:
        return clip(html, limit)
    from selectolax.lexbor import LexborHTMLParser

    try:
        tree = LexborHTMLParser(f"<body>{html}</body>")
        for node in tree.css("script, style"):
            node.decompose()
        body = tree.body
        text = body.text(deep=True, separator=" ") if body is not None else ""
    except Exception:
        text = ""
    return clip(text, limit)


def discover_feeds(body: bytes, url: str) -> list[str]:
    """The feeds a page names in ``<link rel="alternate" type="application/rss+xml|atom+xml">``,
    as absolute http(s) URLs, in page order (at most a few)."""
    from selectolax.lexbor import LexborHTMLParser

    try:
        text = _decode(body, "text/html")
        tree = LexborHTMLParser(text[: _head_end(text)])
        found: list[str] = []
        for node in tree.css("link"):
            attributes = node.attributes
            rel = (attributes.get("rel") or "").lower().split()
            kind = (attributes.get("type") or "").strip().lower()
            href = (attributes.get("href") or "").strip()
            if "alternate" in rel and kind in FEED_LINK_TYPES and href:
                target = urljoin(url, href)
                if target.lower().startswith(("http://", "https://")) and target not in found:
                    found.append(target)
            if len(found) >= MAX_DISCOVERED:
                break
        return found
    except Exception:
        log.debug("no feed link parsed for %s", clip(url, 120), exc_info=True)
        return []
