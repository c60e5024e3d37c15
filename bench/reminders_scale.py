"""Reminders at scale: start-up with 100,000 stored reminders, then 1,000 due in one second.

    .venv/bin/python bench/reminders_scale.py [--count 100000] [--burst 1000]

Prints the time from ``App.start()`` to ready and the peak RSS of a fresh process (reference:
matrix-reminder-bot 11.3 s / 251 MB with 100,000; target 1 s / 100 MB), then the lateness
p50/p99 of a burst of reminders due in the same second, delivered through the console adapter,
and whether each was sent exactly once. The Synapse part is not measured here.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.message import Outgoing, Room
from bot.scheduler import Clock
from storage.store import Store
from tests.harness import make_config


def fill(data_dir: Path, count: int) -> None:
    """70 % one-off, 25 % daily, 5 % cron-like, over 1,000 rooms, spread over a year."""
    config = make_config(data_dir)
    store = Store(config.database_path, language="fr", timezone="Europe/Paris")
    now = datetime.now(UTC)
    rng = random.Random(6)
    for room in range(1000):
        store.rooms.ensure(Room("console", f"room{room}", f"room{room}"), now)
    for index in range(count):
        kind = rng.random()
        first = now + timedelta(minutes=rng.randint(90, 525_600))
        local = first.astimezone().replace(tzinfo=None)
        rule, start = None, None
        if kind >= 0.70:
            rule = "FREQ=DAILY" if kind < 0.95 else "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9"
            start = local
        store.reminders.add(
            room_key=f"console:room{index % 1000}",
            creator_key="console:alice",
            creator_name="@alice",
            personal=False,
            text=f"reminder {index}",
            rule=rule,
            start_local=start,
            timezone="Europe/Paris",
            first=first,
            now=now,
        )
    store.close()


async def start_once(data_dir: Path) -> None:
    app = App(make_config(data_dir))
    app.add_adapter(ConsoleAdapter(app))
    began = time.perf_counter()
    await app.start()
    ready = time.perf_counter() - began
    timers = len(app.scheduler.pending())
    await app.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"start-up to ready: {ready:.3f} s, timers set: {timers}, peak RSS: {peak_mb:.0f} MB")


async def burst(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        app = App(make_config(data_dir), clock=Clock())
        console = ConsoleAdapter(app)
        arrivals: dict[str, list[float]] = {}
        original = console.send

        async def timed_send(room_id: str, out: Outgoing) -> str:
            arrivals.setdefault(out.text, []).append(time.time())
            return await original(room_id, out)

        console.send = timed_send  # type: ignore[method-assign]
        app.add_adapter(console)
        await app.start()
        room = app.store.rooms.ensure(Room("console", "asso", "asso"), app.clock.now())
        due = (app.clock.now() + timedelta(seconds=3)).replace(microsecond=0)
        for index in range(count):
            app.store.reminders.add(
                room_key=room.key,
                creator_key="console:alice",
                creator_name="@alice",
                personal=False,
                text=f"burst {index}",
                rule=None,
                start_local=None,
                timezone="Europe/Paris",
                first=due,
                now=app.clock.now(),
            )
        await app.scheduler.sweep()  # arms the timers of the next window
        await asyncio.sleep((due - app.clock.now()).total_seconds() + 2)
        await app.scheduler.settle(timeout=30)
        await app.stop()
    late = sorted(
        times[0] - due.timestamp()
        for text, times in arrivals.items()
        if text.startswith("⏰") and "burst" in text
    )
    sent = {t: len(v) for t, v in arrivals.items() if "burst" in t}
    once = len(sent) == count and all(n == 1 for n in sent.values())
    p99 = late[int(len(late) * 0.99) - 1] if late else float("nan")
    print(
        f"burst of {count} due in one second (console): sent {len(late)}, "
        f"lateness p50 {statistics.median(late):.3f} s, p99 {p99:.3f} s, exactly once: {once}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--start-only", type=Path)
    args = parser.parse_args()
    if args.start_only:
        asyncio.run(start_once(args.start_only))
        return
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        began = time.perf_counter()
        fill(data_dir, args.count)
        print(f"stored {args.count} reminders in {time.perf_counter() - began:.1f} s")
        # A fresh process, so the peak RSS is the start-up's own.
        subprocess.run([sys.executable, __file__, "--start-only", str(data_dir)], check=True)
    asyncio.run(burst(args.burst))


if __name__ == "__main__":
    main()
