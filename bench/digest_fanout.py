"""Digest fan-out: 5,000 subscriptions across 1,000 rooms with a realistic week.

500 associations of two linked rooms; each room subscribed, plus 4,000 members subscribed in
their private chat (each seen in one room). The week: per association 20 links (tags, some
shared again), 3 polls (2 closed with a frozen result, 1 open), 2 announcements, 3 events and
3 room reminders in the coming week, and 2 followed feeds with 8 entries each.

Prints: the time to compose every digest (target <= 10 s), peak RSS (<= 200 MB), then the
delivery through the console at a pacing limit of N messages/s: the achieved rate as a fraction
of N (>= 0.95), and duplicates (0) after a second fan-out.

    .venv/bin/python bench/digest_fanout.py [--rate N]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.message import Member, Outgoing, Room
from bot.scheduler import Clock
from handlers.digest.compose import render
from handlers.digest.delivery import (
    DigestCache,
    associations,
    build,
    cadence_of,
    deliver_due,
    voice_of,
)
from handlers.digest.settings import DigestSettings
from storage.feeds import NewEntry
from storage.polls import YES, FrozenResult, NewPoll, PollKind
from storage.store import Store
from tests.harness import make_config

ASSOCIATIONS = 500
MEMBERS = 4000
NOW = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # Monday 09:30 in Paris: the 09:00 digest is due
WEEK_START = NOW - timedelta(days=7)
TAGS = ("budget", "agenda", "benevoles", "presse", "juridique")


def fill(store: Store) -> None:
    rng = random.Random(12)
    created = NOW - timedelta(days=30)
    sub_at = NOW - timedelta(days=14)
    feed_ids = []
    for number in range(40):  # 40 feeds shared by the associations
        entries = [
            NewEntry(
                f"g{number}-{i}",
                f"https://feed{number}.example/{i}",
                f"https://feed{number}.example/{i}",
                f"h{number}-{i}",
                f"Article {i} du flux {number}",
                "",
                WEEK_START + timedelta(hours=i * 12 + 1),
                True,
            )
            for i in range(8)
        ]
        feed = store.feeds.create(
            f"https://feed{number}.example/rss",
            f"https://feed{number}.example/rss",
            f"Flux {number}",
            created,
            NOW + timedelta(hours=1),
        )
        feed_ids.append((feed.id, entries))
    rooms: list[str] = []
    for association in range(ASSOCIATIONS):
        first = store.rooms.ensure(
            Room("console", f"a{association}", f"Asso {association}"), created
        )
        second = store.rooms.ensure(
            Room("console", f"b{association}", f"Bureau {association}"), created
        )
        store.rooms.link(first.key, second.key)
        rooms += [first.key, second.key]
        home = store.rooms.get(first.key)
        assert home is not None
        aid = home.association_id
        for feed_id, _entries in rng.sample(feed_ids, 2):
            store.feeds.follow(feed_id, first.key, "console:alice", created)
        for i in range(20):
            member = Member("console", f"m{rng.randrange(MEMBERS)}", f"Membre {i}")
            at = WEEK_START + timedelta(minutes=rng.randrange(7 * 24 * 60))
            url = f"https://site{association}.example/page{i}"
            tags = (rng.choice(TAGS),) if rng.random() < 0.7 else ()
            store.links.share(aid, rooms[-1 - (i % 2)], url, url, member, at, tags=tags)
            if rng.random() < 0.2:
                again = Member("console", "m1", "Membre 1")
                store.links.share(aid, rooms[-1], url, url, again, at + timedelta(hours=1))
        for i in range(3):
            poll = store.polls.create(
                NewPoll(
                    aid,
                    first.key,
                    "console:alice",
                    "Alice",
                    PollKind.MOTION if i == 0 else PollKind.CHOICE,
                    f"Question {i} de l'asso {association}",
                    closes_at=NOW + timedelta(days=3) if i == 2 else None,
                ),
                ["Pour", "Contre", "Abstention"] if i == 0 else ["Samedi", "Dimanche"],
                WEEK_START + timedelta(days=1),
            )
            if i < 2:
                closed = WEEK_START + timedelta(days=3 + i)
                store.polls.close(poll.id, closed, 12)
                counts = {(1, YES): 7, (2, YES): 3}
                store.polls.freeze(
                    poll.id,
                    FrozenResult(10, counts, {}, outcome="adopted" if i == 0 else ""),
                    closed,
                )
        for i in range(2):
            store.rooms.add_announcement(
                first.key,
                "console:alice",
                "Alice",
                f"Annonce {i}",
                WEEK_START + timedelta(days=i + 2),
            )
        for i in range(3):
            at = NOW + timedelta(days=i + 1, hours=9)
            store.events.add(
                room_key=second.key,
                creator_key="console:alice",
                creator_name="Alice",
                title=f"Réunion {i}",
                starts_at=at,
                timezone="Europe/Paris",
                warnings=(),
                now=created,
            )
            store.reminders.add(
                room_key=first.key,
                creator_key="console:alice",
                creator_name="Alice",
                personal=False,
                text=f"Rappel {i}",
                rule=None,
                start_local=None,
                timezone="Europe/Paris",
                first=at + timedelta(hours=2),
                now=created,
            )
    for feed_id, entries in feed_ids:  # the week's entries, after the rooms followed
        store.feeds.fetched(feed_id, WEEK_START, NOW + timedelta(hours=1), entries=entries)
    for key in rooms:
        store.digests.subscribe(
            key, "", cadence="weekly", weekday=0, hour=9, minute=0,
            timezone="Europe/Paris", language="fr", now=sub_at,
        )  # fmt: skip
    for number in range(MEMBERS):
        member = Member("console", f"m{number}", f"Membre {number}")
        store.members.seen(rooms[number % len(rooms)], member, created)
        private = store.rooms.ensure(Room("console", f"dm-m{number}", "", private=True), created)
        store.digests.subscribe(
            private.key, member.key, cadence="weekly", weekday=0, hour=9, minute=0,
            timezone="Europe/Paris", language="en" if number % 4 == 0 else "fr", now=sub_at,
        )  # fmt: skip


class CountingConsole(ConsoleAdapter):
    """The console, counting what each room received and when."""

    def __init__(self, app: App) -> None:
        super().__init__(app, output=io.StringIO())
        self.received: Counter[str] = Counter()
        self.times: list[float] = []

    async def send(self, room_id: str, out: Outgoing) -> str:
        self.received[room_id] += 1
        self.times.append(time.perf_counter())
        self.lines.clear()  # keep memory flat: the counts are what we measure
        if isinstance(self.output, io.StringIO):
            self.output.seek(0)
            self.output.truncate()
        return await super().send(room_id, out)


async def main(rate: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        config = make_config(data_dir, DigestSettings(sends_per_second=rate))
        started = time.perf_counter()
        store = Store(config.database_path, language="fr", timezone="Europe/Paris")
        fill(store)
        store.close()
        print(f"filled in {time.perf_counter() - started:.1f} s")
        app = App(config, clock=Clock(NOW))
        console = CountingConsole(app)
        app.add_adapter(console)
        services = app.services
        subscriptions = services.store.digests.active()

        started = time.perf_counter()
        cache = DigestCache()
        messages = 0
        empty = 0
        for subscription in subscriptions:
            cadence = cadence_of(subscription)
            due = cadence.latest(NOW)
            voice = voice_of(services, subscription)
            ids = associations(services, subscription.room_key, subscription.member_key)
            digest = build(
                services, voice, subscription.room_key, ids, cadence.previous(due), due, cache
            )
            if digest.empty:
                empty += 1
                continue
            messages += len(render(digest, voice))
        compose_s = time.perf_counter() - started
        print(
            f"compose: {len(subscriptions)} digests ({messages} messages, {empty} empty) in "
            f"{compose_s:.2f} s ({compose_s / len(subscriptions) * 1000:.2f} ms each; "
            "target <= 10 s)"
        )

        started = time.perf_counter()
        sent = await deliver_due(services)
        elapsed = time.perf_counter() - started
        times = console.times
        achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        again = await deliver_due(services)
        duplicates = sum(count - 1 for count in console.received.values() if count > 1)
        missing = sum(
            1 for s in subscriptions if console.received[s.room_key.partition(":")[2]] == 0
        )
        print(
            f"delivery at N = {rate}/s: {sent} messages to {len(console.received)} rooms in "
            f"{elapsed:.1f} s; achieved {achieved:.1f}/s = {achieved / rate:.3f} of N "
            f"(target >= 0.95); second fan-out sent {again}; duplicates {duplicates}; "
            f"subscribers without a digest {missing}"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak:.0f} MB (target <= 200 MB)")
        app.store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200, help="pacing limit, messages/s")
    asyncio.run(main(parser.parse_args().rate))
