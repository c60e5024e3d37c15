"""Shared links at scale: an association with 1,000,000 stored links and 5,000 tags.

    .venv/bin/python bench/links_scale.py [--count 1000000] [--messages 5000] [--keep DIR]

Fills the database (realistic French and English titles, descriptions and URLs; 1 to 3 tags
each out of 5,000; one transaction of ``executemany``, the full-text index kept by its triggers
as in production), then, in a fresh process (so its peak RSS is the bot's, not the filler's):
the capture throughput of messages carrying a new URL through the dispatcher (previews stubbed:
a fetcher answering at once, still scheduled as jobs), the latency p50/p99 of 100 mixed
``/liens`` searches through the dispatcher (words, accents, phrases, tags, exclusions, pages),
the database size and the peak RSS. Targets: >= 3,000 messages/s, p99 <= 30 ms, <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.fetch import Preview
from bot.message import Incoming, Member, Room
from bot.scheduler import Clock
from bot.text import fold
from storage.store import Store
from tests.harness import make_config

FR_TOPICS = [
    "Budget participatif",
    "Assemblée générale",
    "Subvention municipale",
    "Fête de quartier",
    "Conseil d'administration",
    "Appel à projets",
    "Rapport d'activité",
    "Bénévolat",
    "Événement de rentrée",
    "Forum des associations",
    "Compte rendu",
    "Réunion publique",
    "Atelier vélo",
    "Jardin partagé",
    "Repair café",
    "Collecte alimentaire",
    "Vide-grenier",
    "Adhésion",
    "Cotisation",
    "Statuts",
    "Règlement intérieur",
    "Procès-verbal",
]
EN_TOPICS = [
    "Community budget",
    "General assembly",
    "Grant application",
    "Street party",
    "Board meeting",
    "Call for projects",
    "Annual report",
    "Volunteering",
    "Open day",
    "Town hall meeting",
    "Bike workshop",
    "Shared garden",
    "Food drive",
    "Membership fees",
    "Bylaws",
    "Meeting minutes",
    "Fundraising",
    "Newsletter",
]
PLACES = [
    "Lyon",
    "Paris",
    "Marseille",
    "Nantes",
    "Lille",
    "Rennes",
    "Grenoble",
    "Bordeaux",
    "Toulouse",
    "Strasbourg",
    "Montpellier",
    "Brest",
    "Dijon",
    "Tours",
    "Metz",
]
WORDS = [
    "mairie",
    "département",
    "région",
    "quartier",
    "école",
    "médiathèque",
    "gymnase",
    "salle",
    "inscription",
    "formulaire",
    "calendrier",
    "dossier",
    "projet",
    "vote",
    "résultats",
    "bilan",
    "trésorerie",
    "sécurité",
    "santé",
    "culture",
    "sport",
    "écologie",
    "deadline",
    "form",
    "schedule",
    "results",
    "library",
    "council",
    "volunteers",
    "tickets",
]
SITES = [
    "lyon.fr",
    "service-public.fr",
    "associations.gouv.fr",
    "helloasso.com",
    "example.org",
    "framasoft.org",
    "lemonde.fr",
    "ouest-france.fr",
    "theguardian.com",
    "bbc.co.uk",
    "wikipedia.org",
    "github.com",
    "youtube.com",
    "mairie-exemple.fr",
    "asso-velo.org",
]
TAG_COUNT = 5000
QUERIES = [
    "budget",
    "budget participatif",
    '"assemblée générale"',
    "evenement",
    "Événement",
    "mairie",
    "mairie lyon",
    "subvention -municipale",
    "#tag42",
    "#tag7 budget",
    "#tag4999",
    "velo atelier",
    "grant application",
    "inexistantmot",
    "lyon page 2",
    "rapport -activité",
    "jardin partagé nantes",
    "#tag1 #tag2",
    "fete quartier",
    "",
]


def tags() -> list[str]:
    """5,000 tags: topics and places folded, then numbered ones."""
    base = [fold(word).replace(" ", "-").replace("'", "") for word in WORDS + PLACES]
    return list(dict.fromkeys(base + [f"tag{n}" for n in range(TAG_COUNT)]))[:TAG_COUNT]


def rows(
    count: int, association: int, room_key: str, now: datetime
) -> Iterator[tuple[object, ...]]:
    """One link row a time (the filler never holds a million in memory)."""
    rng = random.Random(11)
    all_tags = tags()
    for index in range(count):
        topics = FR_TOPICS if rng.random() < 0.6 else EN_TOPICS
        title = f"{rng.choice(topics)} {rng.choice(PLACES)} {2015 + index % 12}"
        description = " ".join(rng.choices(WORDS, k=8)).capitalize() + "."
        site = rng.choice(SITES)
        slug = fold(title).replace(" ", "-").replace("'", "")
        url = f"https://www.{site}/{slug}-{index}"
        link_tags = sorted(set(rng.choices(all_tags, k=rng.randint(1, 3))))
        created = now - timedelta(minutes=count - index)
        yield (
            index + 1,
            association,
            room_key,
            url,
            url,
            "console:alice",
            "Alice",
            "",
            " ".join(link_tags),
            title,
            description,
            site,
            "done",
            created.isoformat(),
            link_tags,
        )


def fill(data_dir: Path, count: int) -> None:
    config = make_config(data_dir)
    store = Store(config.database_path, language="fr", timezone="Europe/Paris")
    now = datetime.now(UTC)
    room = store.rooms.ensure(Room("console", "asso", "asso"), now)
    db = store.links.db
    began = time.perf_counter()
    batch: list[tuple[object, ...]] = []
    with db.atomic():
        for row in rows(count, room.association_id, room.key, now):
            batch.append(row)
            if len(batch) == 10_000:
                _write(db, batch)
                batch.clear()
        _write(db, batch)
    store.close()
    seconds = time.perf_counter() - began
    print(f"filled {count:,} links in {seconds:.0f} s ({count / seconds:,.0f} links/s)")


def _write(db: object, batch: list[tuple[object, ...]]) -> None:
    conn = db.conn  # type: ignore[attr-defined]
    conn.executemany(
        """INSERT INTO links (id, association_id, room_key, url, normalized_url, poster_key,
               poster_name, note, tags, title, description, site_name, preview, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [row[:14] for row in batch],
    )
    conn.executemany(
        """INSERT INTO link_shares (link_id, room_key, member_key, member_name, shared_at)
           VALUES (?, ?, 'console:alice', 'Alice', ?)""",
        [(row[0], row[2], row[13]) for row in batch],
    )
    conn.executemany(
        "INSERT INTO link_tags (link_id, tag) VALUES (?, ?)",
        [(row[0], tag) for row in batch for tag in row[14]],  # type: ignore[union-attr]
    )


class StubFetcher:
    """Previews answered at once: the benchmark measures the bot, not the web."""

    async def preview(self, url: str) -> Preview:
        return Preview("Une page", "Sa description", "example.org", url)

    async def aclose(self) -> None:
        return None


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def measure(data_dir: Path, messages: int) -> None:
    app = App(make_config(data_dir), clock=Clock())
    console = ConsoleAdapter(app, app.config.console)
    app.add_adapter(console)
    await app.start()
    real = app.services.fetcher
    app.services.fetcher = StubFetcher()  # type: ignore[assignment]
    room = Room("console", "asso", "asso")
    members = [Member("console", f"m{n}", f"Member {n}", f"m{n}") for n in range(50)]
    rng = random.Random(3)

    def incoming(text: str, index: int) -> Incoming:
        return Incoming(
            room=room,
            sender=members[index % 50],
            text=text,
            at=app.clock.now(),
            message_id=f"bench{index}",
        )

    # Capture: every message carries a new URL (and a tag half the time).
    began = time.perf_counter()
    for index in range(messages):
        tag = f" #{rng.choice(['budget', 'ag', 'velo'])}" if index % 2 else ""
        text = f"Regardez https://nouveau.example.org/page/{index}?utm_source=x{tag} !"
        await app.receive(incoming(text, index))
    captured = time.perf_counter() - began
    await app.scheduler.settle(timeout=120)
    with_previews = time.perf_counter() - began
    print(
        f"capture: {messages:,} messages with a URL in {captured:.2f} s = "
        f"{messages / captured:,.0f} messages/s through the dispatcher "
        f"({messages / with_previews:,.0f}/s counting the stubbed previews written)"
    )

    # Search: 100 mixed queries, each through the dispatcher, reply included.
    latencies: list[float] = []
    shown = len(console.lines)
    for index in range(100):
        query = QUERIES[index % len(QUERIES)]
        began = time.perf_counter()
        await app.receive(incoming(f"/liens {query}".strip(), messages + index))
        latencies.append((time.perf_counter() - began) * 1000)
    replies = console.lines[shown:]
    assert len(replies) == 100, len(replies)
    assert not any(line.text.startswith("Désolé") for line in replies)
    latencies.sort()
    print(
        f"search: 100 mixed /liens queries, p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {_percentile(latencies, 0.99):.1f} ms, max {latencies[-1]:.1f} ms"
    )
    before_tags = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS after capture and searches: {before_tags:.0f} MB")
    began = time.perf_counter()
    await app.receive(incoming("/tags", messages + 1000))
    print(f"/tags over the whole archive: {(time.perf_counter() - began) * 1000:.0f} ms")
    await app.stop()
    if real is not None:
        await real.aclose()
    files = list(data_dir.glob("assobot.db*"))
    size = sum(path.stat().st_size for path in files)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    names = ", ".join(path.name for path in files)
    print(f"database: {size / 1e6:,.0f} MB ({names}); peak RSS {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--keep", type=Path, default=None, help="data folder to fill and keep")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        asyncio.run(measure(args.measure, args.messages))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="assobot-links-"))
    try:
        if not (folder / "assobot.db").exists():
            fill(folder, args.count)
        subprocess.run(
            [sys.executable, __file__, "--measure", str(folder), "--messages", str(args.messages)],
            check=True,
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
