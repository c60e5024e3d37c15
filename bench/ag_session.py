"""A federation's general assembly: 2,000 members, 600 present, 400 proxies (paper ones
recorded by the secretary), 10 resolutions and one election of 3 seats, every command and vote
through the dispatcher on the console adapter, each one committed SQLite transaction.

The session runs on a movable clock: each resolution's 600 votes are spread over 60 simulated
seconds (the clock moves a quarter of a second every few votes, firing the debounced edits as
they would fire), so the live messages' edit rate is measured in the bot's own time, while the
votes/s figure is wall-clock throughput.

Prints: check-ins/s, proxies/s, votes/s sustained (and latency percentiles), the live edits per
second per message (max, must be <= 1), the time to draft the minutes and the .odt size (when
the minutes part is installed), and whether every tally matches the votes cast.

    .venv/bin/python bench/ag_session.py [--members 2000 --present 600 --proxies 400]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import load_config
from bot.message import Delivery, Incoming, Member, Outgoing, Room
from bot.scheduler import Clock
from handlers.polls.results import load_tally

RESOLUTIONS = 10
SEATS = 3
CANDIDATES = ("Martine", "Paul", "Sophie", "Yannick", "Nadia")
SESSION_SECONDS = 60  # simulated seconds over which each vote's ballots arrive
STEP = timedelta(milliseconds=250)
START = datetime(2027, 1, 12, 17, 0, tzinfo=UTC)
CHOICES = ("pour", "contre", "abstention", "pour", "blanc", "pour", "contre")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def run(members: int, present: int, proxies: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="assobot-ag-"))
    config = replace(load_config(None, env={}), data_dir=data)
    app = App(config, clock=Clock(START))
    console = ConsoleAdapter(app)  # no output stream: nothing printed
    app.add_adapter(console)
    await app.start()
    room = Room("console", "federation", "federation")
    secretary = Member("console", "sec", "Secrétaire", "sec")
    console.state.admins.setdefault("federation", set()).add("sec")
    clock = app.clock

    edits: dict[str, list[datetime]] = defaultdict(list)
    original_edit = app.services.edit

    async def counting_edit(room_key: str, message_id: str, out: Outgoing) -> Delivery:
        edits[message_id].append(clock.now())
        return await original_edit(room_key, message_id, out)

    app.services.edit = counting_edit

    async def say(member: Member, text: str) -> None:
        await app.receive(
            Incoming(room, member, text, clock.now(), sender_is_admin=member is secretary)
        )

    people = [Member("console", f"m{i}", f"Membre {i}", f"m{i}") for i in range(present)]
    agenda = "; ".join(f"Résolution {n}" for n in range(1, RESOLUTIONS + 1))
    await say(secretary, f"/membres {members}")
    await say(secretary, "/statuts procurations 2")
    app.store.statutes.set(1, "proxy_cap", 2, "bench", clock.now())  # whatever /statuts reads
    await say(
        secretary,
        f"/ag convoquer 12 janvier 19h | Maison des associations | ordre du jour: {agenda}; "
        "Élection du bureau",
    )
    await say(secretary, "/ag ouvrir")
    await say(secretary, "/ag secretaire @sec")

    started = time.perf_counter()
    for index, person in enumerate(people):
        await say(person, "/present" if index % 5 else "/present à distance")
        if index % 10 == 9:
            await app.advance(STEP)
    checkins = time.perf_counter() - started

    # Proxies: paper ones for absent members (names only on the roll), two per holder.
    started = time.perf_counter()
    for number in range(proxies):
        holder = people[number // 2]
        await say(secretary, f"/procuration Absent {number} → @{holder.username}")
        if number % 10 == 9:
            await app.advance(STEP)
    proxy_time = time.perf_counter() - started
    await app.advance(timedelta(seconds=2))
    assembly = app.store.assembly.current(1)
    assert assembly is not None
    voices = app.store.assembly.voices(assembly.id)

    latencies: list[float] = []
    expected: list[Counter[str]] = []
    vote_wall = 0.0
    per_step = max(1, present // int(SESSION_SECONDS / STEP.total_seconds()))
    for number in range(RESOLUTIONS):
        await say(secretary, "/ag suivant")
        poll_ids = app.store.assembly.open_polls(assembly.id)
        if not poll_ids:
            print("resolution could not be opened (is /ag suivant's open_resolution installed?)")
            break
        poll_id = poll_ids[0]
        tally: Counter[str] = Counter()
        begin_all = time.perf_counter()
        for index, person in enumerate(people):
            choice = CHOICES[(index + number) % len(CHOICES)]
            weight = voices.weight(person.key)
            tally[choice] += weight
            begin = time.perf_counter()
            await say(person, f"/vote {poll_id} {choice}")
            latencies.append(time.perf_counter() - begin)
            if index % per_step == per_step - 1:
                await app.advance(STEP)
        vote_wall += time.perf_counter() - begin_all
        expected.append(tally)
        await app.advance(timedelta(seconds=2))
        await say(secretary, f"/cloturer {poll_id}")

    # The election, when /election is installed.
    election = "not installed"
    if any(c.name == "election" for c in app.services.commands):
        await say(secretary, "/ag suivant")
        await say(secretary, f"/election Bureau | {SEATS} postes | " + " | ".join(CANDIDATES))
        opened = app.store.assembly.open_polls(assembly.id)
        if opened:
            poll_id = opened[0]
            begin_all = time.perf_counter()
            ballots = 0
            for index, person in enumerate(people):
                # One secret ballot per voice: a holder votes again for each proxy held.
                for voice in range(voices.weight(person.key)):
                    picks = " ".join(
                        str(1 + (index + voice + k) % len(CANDIDATES))
                        for k in range(1 + (index + voice) % SEATS)
                    )
                    begin = time.perf_counter()
                    await say(person, f"/vote {poll_id} {picks}")
                    latencies.append(time.perf_counter() - begin)
                    ballots += 1
                if index % per_step == per_step - 1:
                    await app.advance(STEP)
            vote_wall += time.perf_counter() - begin_all
            await app.advance(timedelta(seconds=2))
            await say(secretary, f"/cloturer {poll_id}")
            election = f"election #{poll_id}: {ballots} secret ballots from {present} voters"
        else:
            election = "could not be opened"

    await say(secretary, "/ag clore")

    exact = True
    for number, tally in enumerate(expected):
        poll_id = app.store.assembly.polls(assembly.id)[number]
        record = app.store.polls.get(poll_id)
        assert record is not None
        counts = load_tally(app.services, record).counts
        options = {o.id: o.position for o in app.store.polls.options(poll_id)}
        got: Counter[str] = Counter()
        names = {1: "pour", 2: "contre", 3: "abstention", 4: "blanc"}
        for (option, _answer), count in counts.items():
            got[names.get(options.get(option, option), str(option))] += count
        if +got != +tally:
            exact = False
            print(f"resolution {number + 1}: expected {dict(tally)}, got {dict(got)}")

    worst = 0
    for times in edits.values():
        per_second = Counter(moment.replace(microsecond=0) for moment in times)
        worst = max(worst, max(per_second.values(), default=0))
    total_edits = sum(len(t) for t in edits.values())

    minutes_line = "minutes: not installed"
    try:
        minutes = importlib.import_module("handlers.polls.assembly.minutes")
    except ImportError:
        minutes = None
    if minutes is not None and hasattr(minutes, "draft_minutes"):
        begin = time.perf_counter()
        drafted = minutes.draft_minutes(app.services, assembly.id, app.services.voice(room.key))
        took = time.perf_counter() - begin
        minutes_line = (
            f"minutes drafted in {took:.2f} s; .odt {len(drafted.odt) / 1024:.1f} KiB, "
            f"attendance .odt {len(drafted.attendance_odt) / 1024:.1f} KiB, "
            f"attendance .csv {len(drafted.attendance_csv) / 1024:.1f} KiB"
        )

    votes = len(latencies)
    print(f"members {members}, present {present}, proxies {proxies}, voices {voices.count}")
    print(f"check-ins: {present / checkins:,.0f}/s ({checkins:.2f} s for {present})")
    print(f"proxies:   {proxies / proxy_time:,.0f}/s ({proxy_time:.2f} s for {proxies})")
    print(
        f"votes:     {votes} in {vote_wall:.2f} s wall = {votes / vote_wall:,.0f} votes/s "
        f"sustained (clock and debounced edits included); latency p50 "
        f"{statistics.median(latencies) * 1000:.2f} ms, p99 "
        f"{_percentile(latencies, 0.99) * 1000:.2f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    print(
        f"live edits: {total_edits} on {len(edits)} messages, at most {worst} per second per "
        f"message (simulated time)"
    )
    print(f"{election}")
    print(minutes_line)
    print(f"tallies exact: {exact}")
    await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--present", type=int, default=600)
    parser.add_argument("--proxies", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(run(args.members, args.present, args.proxies))


if __name__ == "__main__":
    main()
