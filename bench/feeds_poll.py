"""Feeds at scale: one polling round over 1,000 followed feeds served on 127.0.0.1.

    .venv/bin/python bench/feeds_poll.py [--feeds 1000] [--entries 20] [--in-flight 16]

A local aiohttp server (its own process, so its CPU is not counted as the bot's) serves one RSS
2.0 document per feed (``--entries`` items, about 0.5 KB each); a third of the feeds were
fetched before and answer 304 to their ETag. The bot's real fetcher (address guard, pinned
connection, size cap; 127.0.0.0/8 allowed) and the feeds job's own ``poll_due`` run two rounds:
the first parses and stores every entry of the other two thirds (in feedparser, in worker
threads), the second parses them again and finds nothing new (every entry known: the cost of
a feed without ETag nor Last-Modified). Printed: each
round's duration, the bot process's CPU per feed, the peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import App
from bot.config import FetchConfig
from bot.scheduler import Clock
from handlers.feeds.poll import poll_due
from handlers.feeds.settings import FeedsSettings
from tests.harness import make_config

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def document(feed: int, entries: int) -> bytes:
    items = []
    for n in range(entries):
        when = format_datetime(START - timedelta(hours=n))
        items.append(
            f"<item><title>Actualité {feed}-{n} : assemblée générale et budget</title>"
            f"<link>https://asso{feed}.example.org/actualites/{n}</link>"
            f'<guid isPermaLink="false">urn:asso:{feed}:{n}</guid><pubDate>{when}</pubDate>'
            "<description>&lt;p&gt;Compte rendu de la réunion, ordre du jour et "
            "&lt;a href='https://example.org'&gt;inscriptions&lt;/a&gt; pour la fête de "
            "quartier. " + "Texte " * 30 + "&lt;/p&gt;</description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Association {feed}</title><link>https://asso{feed}.example.org/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def serve(feeds: int, entries: int, ports: multiprocessing.Queue[int]) -> None:
    """The feeds' server, in its own process."""
    from aiohttp import web

    bodies = {str(i): document(i, entries) for i in range(feeds)}

    async def answer(request: web.Request) -> web.StreamResponse:
        key = request.match_info["n"]
        if int(key) % 3 == 0:  # a third of the feeds honour their ETag
            etag = f'"e{key}"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            headers = {"Content-Type": "application/rss+xml", "ETag": etag}
        else:  # the others send the whole document every time
            headers = {"Content-Type": "application/rss+xml"}
        return web.Response(body=bodies[key], headers=headers)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/f/{n}", answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        ports.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bench(port: int, feeds: int, in_flight: int, data_dir: Path) -> None:
    fetch = FetchConfig(
        allow_networks=("127.0.0.0/8",), max_in_flight=in_flight, max_per_host=in_flight
    )
    config = make_config(data_dir, FeedsSettings(max_in_flight=in_flight), fetch=fetch)
    app = App(config, clock=Clock(START))
    store = app.services.store.feeds
    for i in range(feeds):
        url = f"http://127.0.0.1:{port}/f/{i}"
        # A third were fetched before: their ETag is known, they answer 304.
        record = store.create(
            url,
            url,
            f"Association {i}",
            START - timedelta(hours=2),
            START - timedelta(minutes=1),
            etag=f'"e{i}"' if i % 3 == 0 else "",
        )
        store.follow(record.id, f"console:room{i % 200}", "console:alice", START)
    print(f"{feeds} feeds, {in_flight} in flight, a third answering 304")
    for round_name in (
        "first round (2/3 new documents)",
        "second round (2/3 same documents, nothing new)",
    ):
        before_cpu, before = cpu(), time.perf_counter()
        fetched = await poll_due(app.services)
        wall, spent = time.perf_counter() - before, cpu() - before_cpu
        print(
            f"{round_name}: {fetched} feeds in {wall:.2f} s "
            f"({fetched / wall:.0f} feeds/s), CPU {spent * 1000 / max(fetched, 1):.2f} ms/feed"
        )
        app.services.clock.advance(timedelta(hours=2))
    entries = app.services.store.owned.db.execute("SELECT count(*) FROM feed_entries").fetchone()
    errors = app.services.store.owned.db.execute(
        "SELECT count(*) FROM feeds WHERE last_error != ''"
    ).fetchone()
    print(f"entries stored: {entries[0]}, feeds in error: {errors[0]}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if app.services.fetcher is not None:
        await app.services.fetcher.aclose()
    app.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--in-flight", type=int, default=16)
    args = parser.parse_args()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=serve, args=(args.feeds, args.entries, ports), daemon=True
    )
    server.start()
    try:
        port = ports.get(timeout=30)
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(bench(port, args.feeds, args.in_flight, Path(folder) / "data"))
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
