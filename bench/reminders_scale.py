"""Reminders at scale: start-up with 100,000 stored reminders, then 1,000 due in one second.

    .venv/bin/python bench/reminders_scale.py [--count 100000] [--burst 1000] [--synapse]
    .venv/bin/python bench/reminders_scale.py --synapse-only [--burst 1000]

Prints the time from ``App.start()`` to ready and the peak RSS of a fresh process (reference:
matrix-reminder-bot 11.3 s / 251 MB with 100,000; target 1 s / 100 MB), then the lateness
p50/p99 of a burst of reminders due in the same second, delivered through the console adapter,
and whether each was sent exactly once. With ``--synapse`` (or alone, ``--synapse-only``) the
same burst goes through a real Synapse (started like bench/matrix_latency.py does) to a member's
nio client: lateness is from the due second to the client receiving the message
(matrix-reminder-bot, one by one: p50 5.5-7.3 s, p99 11-15 s; target p99 3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
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

BURST_TEXT = re.compile(r"burst (\d+)\b")


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


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


async def synapse_burst(count: int) -> None:
    """``count`` room reminders due in the same second, through a real Synapse to a member."""
    from nio import AsyncClient, AsyncClientConfig, LoginResponse, RoomMessage

    from bot.adapters.matrix import MatrixAdapter
    from tests.matrix_fixtures import BotAccount, bot_config, wait_until
    from tests.synapse import Synapse

    folder = Path(tempfile.mkdtemp(prefix="assobot-bench-"))
    synapse = Synapse(folder / "synapse")
    synapse.start()
    app: App | None = None
    member: AsyncClient | None = None
    syncing: asyncio.Task[None] | None = None
    try:
        account = BotAccount(*synapse.register("assobot"))
        app = App(bot_config(synapse, folder / "data", account), clock=Clock())
        adapter = MatrixAdapter(app.config.matrix, app, data_dir=app.config.data_dir)
        app.add_adapter(adapter)
        await app.start()
        await wait_until(adapter.ready.is_set, "the bot's first sync")

        user_id, password = synapse.register("alice")
        member = AsyncClient(
            synapse.url, user_id, config=AsyncClientConfig(encryption_enabled=False)
        )
        assert isinstance(await member.login(password), LoginResponse)
        arrivals: dict[int, list[float]] = {}
        messages = 0

        async def seen(room: object, event: RoomMessage) -> None:
            nonlocal messages
            if event.sender != account.user_id:
                return
            at = time.time()
            numbers = BURST_TEXT.findall(getattr(event, "body", ""))
            messages += bool(numbers)
            for number in numbers:
                arrivals.setdefault(int(number), []).append(at)

        member.add_event_callback(seen, RoomMessage)  # type: ignore[arg-type]
        await member.sync(timeout=0, full_state=True)
        syncing = asyncio.get_running_loop().create_task(member.sync_forever(timeout=30000))
        room_id = (await member.room_create(invite=[account.user_id])).room_id  # type: ignore[union-attr]
        await wait_until(
            lambda: account.user_id in getattr(member.rooms.get(room_id), "users", {}),
            "the bot to join",
        )
        room = app.store.rooms.ensure(Room("matrix", room_id, "bench"), app.clock.now())
        due = (app.clock.now() + timedelta(seconds=5)).replace(microsecond=0)
        with app.store.reminders.db.atomic():  # one transaction: the burst is stored at once
            for index in range(count):
                app.store.reminders.add(
                    room_key=room.key,
                    creator_key=f"matrix:{user_id}",
                    creator_name=user_id,
                    personal=False,
                    text=f"burst {index}",
                    rule=None,
                    start_local=None,
                    timezone="Europe/Paris",
                    first=due,
                    now=app.clock.now(),
                )
        await app.scheduler.sweep()  # arms the timers of the next window
        await wait_until(lambda: len(arrivals) >= count, "every reminder", timeout=900)
        await asyncio.sleep(3)  # a duplicate would arrive now
        late = sorted(times[0] - due.timestamp() for times in arrivals.values())
        once = len(arrivals) == count and all(len(t) == 1 for t in arrivals.values())
        recorded = app.store.reminders.sent_count(due)
        print(
            f"burst of {count} due in one second (Synapse): received {len(arrivals)} in "
            f"{messages} message(s), lateness p50 "
            f"{statistics.median(late):.3f} s, p99 {_p99(late):.3f} s, max {late[-1]:.3f} s; "
            f"exactly once: {once}; recorded sends: {recorded}"
        )
    finally:
        if syncing is not None:
            syncing.cancel()
        if member is not None:
            await member.close()
        if app is not None:
            await app.stop()
        synapse.stop()


async def burst(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        app = App(make_config(data_dir), clock=Clock())
        console = ConsoleAdapter(app)
        arrivals: dict[int, list[float]] = {}
        messages = 0
        original = console.send

        async def timed_send(room_id: str, out: Outgoing) -> str:
            nonlocal messages
            numbers = BURST_TEXT.findall(out.text) if out.text.startswith("⏰") else []
            messages += bool(numbers)
            for number in numbers:  # one reminder, or one line each in a grouped message
                arrivals.setdefault(int(number), []).append(time.time())
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
    late = sorted(times[0] - due.timestamp() for times in arrivals.values())
    once = len(arrivals) == count and all(len(t) == 1 for t in arrivals.values())
    print(
        f"burst of {count} due in one second (console): sent {len(arrivals)} in {messages} "
        f"message(s), lateness p50 {statistics.median(late):.3f} s, p99 {_p99(late):.3f} s, "
        f"exactly once: {once}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--start-only", type=Path)
    parser.add_argument("--synapse", action="store_true", help="also the burst on Synapse")
    parser.add_argument("--synapse-only", action="store_true", help="only the Synapse burst")
    args = parser.parse_args()
    if args.start_only:
        asyncio.run(start_once(args.start_only))
        return
    if args.synapse_only:
        asyncio.run(synapse_burst(args.burst))
        return
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        began = time.perf_counter()
        fill(data_dir, args.count)
        print(f"stored {args.count} reminders in {time.perf_counter() - began:.1f} s")
        # A fresh process, so the peak RSS is the start-up's own.
        subprocess.run([sys.executable, __file__, "--start-only", str(data_dir)], check=True)
    asyncio.run(burst(args.burst))
    if args.synapse:
        asyncio.run(synapse_burst(args.burst))


if __name__ == "__main__":
    main()
