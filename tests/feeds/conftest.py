"""The feeds tests' world: a local HTTP server serving feeds on 127.0.0.1, and the console bot
whose real fetcher may reach 127.0.0.0/8 only (``[fetch] allow_networks``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from aiohttp import web

from bot.config import FetchConfig
from handlers import help, rooms
from handlers.feeds import router as feeds_router
from tests.harness import Harness, make_config

# The features these tests need (another feature's periodic job never slows their clock).
FEATURES = (help.router, rooms.router, feeds_router)
LOCAL = FetchConfig(allow_networks=("127.0.0.0/8",))

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Item:
    guid: str
    title: str
    link: str
    published: datetime | None = None


def rss(title: str, items: list[Item]) -> bytes:
    """An RSS 2.0 document."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
    ]
    for item in items:
        date = f"<pubDate>{format_datetime(item.published)}</pubDate>" if item.published else ""
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="false">{escape(item.guid)}</guid>{date}'
            f"<description>&lt;p&gt;About {escape(item.title)}&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def atom(title: str, items: list[Item]) -> bytes:
    """An Atom 1.0 document."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:feed</id><updated>2026-12-01T08:00:00Z</updated>"
    ]
    for item in items:
        when = (item.published or datetime(2026, 11, 30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts.append(
            f"<entry><title>{escape(item.title)}</title><id>{escape(item.guid)}</id>"
            f'<link href="{escape(item.link)}"/><updated>{when}</updated></entry>'
        )
    parts.append("</feed>")
    return "".join(parts).encode()


@dataclass
class FeedServer:
    """Paths served (a body and content type, or a handler), and the requests received."""

    base: str = ""
    routes: dict[str, Handler | tuple[bytes, str]] = field(default_factory=dict)
    hits: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes, content_type: str = "application/rss+xml") -> str:
        self.routes[path] = (body, content_type)
        return self.url(path)

    def count(self, path: str) -> int:
        return sum(1 for hit, _headers in self.hits if hit == path)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    world = FeedServer()

    async def answer(request: web.Request) -> web.StreamResponse:
        world.hits.append((request.path, {k.lower(): v for k, v in request.headers.items()}))
        route = world.routes.get(request.path)
        if route is None:
            return web.Response(status=404)
        if isinstance(route, tuple):
            return web.Response(body=route[0], headers={"Content-Type": route[1]})
        return await route(request)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    world.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield world
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(data_dir: Path) -> AsyncIterator[Harness]:
    config = make_config(data_dir, fetch=LOCAL)
    harness = await Harness.start(config, routers=FEATURES)
    harness.organizer("alice")
    try:
        yield harness
    finally:
        await harness.stop()
