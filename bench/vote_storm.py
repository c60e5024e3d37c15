"""A vote storm: 10,000 votes from 1,000 members across 10 polls (5 public, 5 secret) through the
dispatcher (half typed ``/vote ID N``, half button taps), each vote one committed SQLite
transaction (WAL, synchronous=NORMAL, as the bot runs). Prints votes/s and latency
percentiles, checks every final tally is exact, then times rendering a poll with 1,000 votes.

Run: ``.venv/bin/python bench/vote_storm.py [MEMBERS]``. Prints figures; asserts only correctness.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import load_config
from bot.message import ButtonPress, Incoming, Member, Room
from bot.scheduler import Clock
from handlers.polls.render import outgoing
from handlers.polls.results import load_tally
from storage.polls import YES

POLLS = 10
OPTIONS = 4


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _choice(member: int, poll: int) -> int:
    return 1 + (member * 7 + poll) % OPTIONS


async def storm(members: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="assobot-votes-"))
    config = replace(load_config(None, env={}), data_dir=data)
    app = App(config, clock=Clock(datetime(2026, 12, 1, 8, tzinfo=UTC)))
    app.add_adapter(ConsoleAdapter(app))  # no output stream: nothing printed
    await app.start()
    room = Room("console", "ag", "ag")
    alice = Member("console", "alice", "Alice", "alice")
    now = app.clock.now
    options = " | ".join(f"Option {n}" for n in range(1, OPTIONS + 1))
    for number in range(POLLS):
        secret = " | secret" if number % 2 else ""
        await app.receive(Incoming(room, alice, f"/poll Q{number}? | {options}{secret}", now()))
    poll_ids = [p.id for p in sorted(app.store.polls.open_polls(), key=lambda p: p.id)]
    people = [Member("console", f"m{i}", f"Member {i}", f"m{i}") for i in range(members)]

    latencies: list[float] = []
    started = time.perf_counter()
    for index, poll_id in enumerate(poll_ids):
        for number, person in enumerate(people):
            choice = _choice(number, index)
            begin = time.perf_counter()
            if number % 2:
                await app.press(ButtonPress(room, person, f"poll:{poll_id}:{choice}", "m1", now()))
            else:
                await app.receive(Incoming(room, person, f"/vote {poll_id} {choice}", now()))
            latencies.append(time.perf_counter() - begin)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(1.2)  # let the last debounced edits happen
    votes = len(latencies)

    exact = True
    for index, poll_id in enumerate(poll_ids):
        expected: dict[tuple[int, int], int] = {}
        for number in range(members):
            key = (_choice(number, index), YES)
            expected[key] = expected.get(key, 0) + 1
        if app.store.polls.counts(poll_id) != expected:
            exact = False
            print(f"poll {poll_id}: tally {app.store.polls.counts(poll_id)} != {expected}")
        if app.store.polls.voter_count(poll_id) != members:
            exact = False

    public = app.store.polls.get(poll_ids[0])
    record = app.store.rooms.get(room.key)
    assert public is not None and record is not None
    renders: list[float] = []
    for _ in range(30):
        begin = time.perf_counter()
        outgoing(app.services.voice(record), load_tally(app.services, public))
        renders.append(time.perf_counter() - begin)
    await app.stop()

    print(f"{votes:,} votes from {members:,} members across {POLLS} polls (5 public, 5 secret)")
    print(f"  {votes / elapsed:,.0f} votes/s ({elapsed:.2f} s)")
    print(
        f"  latency per vote: p50 {statistics.median(latencies) * 1000:.3f} ms, "
        f"p99 {_percentile(latencies, 0.99) * 1000:.3f} ms, "
        f"max {max(latencies) * 1000:.1f} ms"
    )
    print(f"  tallies exact: {'yes' if exact else 'NO'}")
    print(
        f"  render a poll with {members:,} votes: median "
        f"{statistics.median(renders) * 1000:.2f} ms, max {max(renders) * 1000:.2f} ms"
    )
    if not exact:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(storm(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
