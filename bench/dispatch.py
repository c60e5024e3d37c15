"""100,000 commands through the dispatcher, one durable SQLite write each, on the console adapter
(no terminal I/O); then python-telegram-bot's own ``Application.process_update`` on as many
synthetic updates with a no-op ``CommandHandler``, for the ratio ours / PTB.

Run: ``.venv/bin/python bench/dispatch.py [N]``. Prints figures; asserts only correctness.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update, User
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import load_config
from bot.context import Context
from bot.message import Incoming, Member, Room
from bot.router import Router
from bot.scheduler import Clock
from handlers import ROUTERS


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _noop_router() -> Router:
    router = Router("bench")

    @router.command("noop", "noop_fr", help="Do nothing.")
    async def noop(ctx: Context) -> None:
        return None

    return router


async def ours(count: int, command: str = "annonce") -> tuple[float, list[float]]:
    """``/annonce n<i>`` by an organizer: one INSERT committed, one reply. ``/noop``: the same
    path (parse, room and member lookup, role, context) with a handler that does nothing."""
    data = Path(tempfile.mkdtemp(prefix="assobot-bench-"))
    config = replace(load_config(None, env={}), data_dir=data)
    app = App(
        config, clock=Clock(datetime(2026, 12, 1, tzinfo=UTC)), routers=[*ROUTERS, _noop_router()]
    )
    console = ConsoleAdapter(app)  # no output stream: nothing printed
    app.add_adapter(console)
    await app.start()
    room = Room("console", "asso", title="asso")
    alice = Member("console", "alice", "Alice", "alice")
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        # Built here, as an adapter would, so peak RSS measures the bot and not a queue.
        incoming = Incoming(
            room, alice, f"/{command} n{i}", app.clock.now(), f"in{i}", sender_is_admin=True
        )
        t0 = time.perf_counter()
        await app.receive(incoming)
        latencies.append(time.perf_counter() - t0)
        if i % 1000 == 999:
            console.lines.clear()  # the harness keeps a transcript; a bench must not grow it
    elapsed = time.perf_counter() - started
    await app.stop()
    # Counted afterwards with a plain connection, so the check itself does not inflate RSS.
    with contextlib.closing(sqlite3.connect(config.database_path)) as conn:
        stored = conn.execute("SELECT count(*) FROM announcements").fetchone()[0]
    expected = count if command == "annonce" else 0
    assert stored == expected, f"expected {expected} stored announcements, found {stored}"
    return elapsed, latencies


async def ptb(count: int) -> tuple[float, list[float]]:
    """PTB 22 process_update with one no-op CommandHandler (no network: the bot user is set
    by hand instead of calling getMe)."""
    application = Application.builder().token("123456:" + "A" * 35).build()

    async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    application.add_handler(CommandHandler("annonce", noop))
    bot = application.bot
    bot._bot_user = User(1, "bench", is_bot=True, username="bench_bot")
    bot._bot_initialized = True
    application._initialized = True
    updates = [
        Update.de_json(
            {
                "update_id": i,
                "message": {
                    "message_id": i,
                    "date": 1_764_547_200,
                    "chat": {"id": -100, "type": "group", "title": "asso"},
                    "from": {"id": 7, "is_bot": False, "first_name": "Alice"},
                    "text": f"/annonce n{i}",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
                },
            },
            bot,
        )
        for i in range(count)
    ]
    latencies: list[float] = []
    started = time.perf_counter()
    for update in updates:
        t0 = time.perf_counter()
        await application.process_update(update)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return elapsed, latencies


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    our_time, our_lat = asyncio.run(ours(count))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    noop_time, noop_lat = asyncio.run(ours(count, "noop"))
    ptb_time, ptb_lat = asyncio.run(ptb(count))
    print(f"commands: {count:,} (each: parse, role check, 1 INSERT committed, 1 reply)")
    print(
        f"assobot dispatcher: {count / our_time:,.0f} commands/s, "
        f"p50 {statistics.median(our_lat) * 1e6:.0f} µs, "
        f"p99 {_percentile(our_lat, 0.99) * 1e6:.0f} µs, peak RSS {rss_mb:.0f} MB"
    )
    print(
        f"PTB process_update (no-op CommandHandler): {count / ptb_time:,.0f} updates/s, "
        f"p50 {statistics.median(ptb_lat) * 1e6:.0f} µs, "
        f"p99 {_percentile(ptb_lat, 0.99) * 1e6:.0f} µs"
    )
    print(
        f"assobot dispatcher, no-op command (no write, no reply): "
        f"{count / noop_time:,.0f} commands/s, p50 {statistics.median(noop_lat) * 1e6:.0f} µs, "
        f"p99 {_percentile(noop_lat, 0.99) * 1e6:.0f} µs"
    )
    print(
        f"ratio ours/PTB, full command with durable write vs PTB no-op: {our_time / ptb_time:.2f}"
    )
    print(f"ratio ours/PTB, no-op vs no-op (dispatch overhead alone): {noop_time / ptb_time:.2f}")


if __name__ == "__main__":
    main()
