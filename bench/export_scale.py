"""The association's data at scale: 1,000,000 votes, 100,000 links, 100,000 reminders.

    .venv/bin/python bench/export_scale.py [--votes 1000000] [--links 100000]
        [--reminders 100000] [--member-rows 10000] [--keep DIR]

Fills the database (schema from the migrations, rows with ``executemany`` in one transaction,
the links' full-text index kept by its triggers as in production), then measures, each in a
fresh process so its peak RSS is its own: ``assobot export DIR`` (time, peak RSS, files
written; target: streaming, RSS <= 200 MB), ``assobot backup FILE`` (time), and ``/forgetme``'s
erasure for a member with about ``--member-rows`` rows (votes, links, reminders).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.store import Store  # noqa: E402

ROOM = "telegram:-1001"
TARGET = "telegram:424242"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
VOTERS_PER_POLL = 1000


def iso(moment: datetime) -> str:
    return moment.isoformat()


def fill(path: Path, votes: int, links: int, reminders: int, member_rows: int) -> None:
    """The schema through the Store (migrations), then rows through plain sqlite3."""
    Store(path, language="fr", timezone="Europe/Paris").close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    rng = random.Random(14)
    created = iso(NOW - timedelta(days=30))
    target_share = member_rows // 3
    with conn:
        conn.execute("INSERT INTO associations (id, created_at) VALUES (1, ?)", [created])
        conn.execute(
            """INSERT INTO rooms (key, platform, external_id, title, private, association_id,
               language, timezone, created_at)
               VALUES (?, 'telegram', '-1001', 'Les Tilleuls', 0, 1, 'fr', 'Europe/Paris', ?)""",
            [ROOM, created],
        )
        members = [f"telegram:{1000 + n}" for n in range(VOTERS_PER_POLL - 1)] + [TARGET]
        conn.executemany(
            """INSERT INTO members (key, platform, external_id, name, username, updated_at)
               VALUES (?, 'telegram', ?, ?, '', ?)""",
            [(key, key.split(":")[1], f"Membre {key[-4:]}", created) for key in members],
        )
        conn.executemany(
            "INSERT INTO room_members (room_key, member_key, last_seen_at) VALUES (?, ?, ?)",
            [(ROOM, key, created) for key in members],
        )
        polls = max(1, votes // VOTERS_PER_POLL)
        for poll in range(1, polls + 1):
            closed = iso(NOW - timedelta(days=poll % 20)) if poll % 2 else None
            privacy = ("public", "anonymous", "public", "secret")[poll % 4]
            conn.execute(
                """INSERT INTO polls (id, association_id, room_key, creator_key, creator_name,
                   kind, question, privacy, created_at, closed_at)
                   VALUES (?, 1, ?, ?, 'Alice', 'choice', ?, ?, ?, ?)""",
                [poll, ROOM, members[0], f"Question {poll} ?", privacy, created, closed],
            )
            conn.executemany(
                "INSERT INTO poll_options (id, poll_id, position, label) VALUES (?, ?, ?, ?)",
                [(poll * 10 + p, poll, p, f"Option {p}") for p in (1, 2, 3)],
            )
            voters = members if poll <= target_share else members[:-1]
            if privacy == "secret":
                conn.executemany(
                    "INSERT INTO secret_voters (poll_id, voter_key) VALUES (?, ?)",
                    [(poll, key) for key in voters],
                )
                conn.executemany(
                    "INSERT INTO secret_counts (option_id, answer, count) VALUES (?, 2, ?)",
                    [(poll * 10 + p, len(voters) // 3) for p in (1, 2, 3)],
                )
                continue
            first = poll * 10_000
            conn.executemany(
                """INSERT INTO ballots (id, poll_id, voter_key, voter_name, cast_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [
                    (first + n, poll, key, f"Membre {key[-4:]}", created)
                    for n, key in enumerate(voters)
                ],
            )
            conn.executemany(
                "INSERT INTO ballot_choices (ballot_id, option_id, answer) VALUES (?, ?, 2)",
                [(first + n, poll * 10 + rng.randint(1, 3)) for n in range(len(voters))],
            )
            if closed:
                conn.execute(
                    """INSERT INTO poll_results (poll_id, voters, frozen_at)
                       VALUES (?, ?, ?)""",
                    [poll, len(voters), closed],
                )
                conn.executemany(
                    """INSERT INTO poll_result_counts (poll_id, position, answer, count, names)
                       VALUES (?, ?, 2, ?, '[]')""",
                    [(poll, p, len(voters) // 3) for p in (1, 2, 3)],
                )
        conn.executemany(
            """INSERT INTO links (id, association_id, room_key, url, normalized_url,
               poster_key, poster_name, note, tags, title, description, created_at)
               VALUES (?, 1, ?, ?, ?, ?, ?, ?, '#budget', ?, ?, ?)""",
            [
                (
                    n,
                    ROOM,
                    f"https://example.org/page/{n}",
                    f"https://example.org/page/{n}",
                    TARGET if n <= target_share else members[n % 999],
                    "Membre",
                    "une note sur le budget",
                    f"Page {n} du site de la mairie",
                    "Description de la page, quelques mots de plus pour le volume.",
                    created,
                )
                for n in range(1, links + 1)
            ],
        )
        conn.executemany(
            """INSERT INTO link_shares (link_id, room_key, member_key, member_name, shared_at)
               VALUES (?, ?, ?, 'Membre', ?)""",
            [
                (n, ROOM, TARGET if n <= target_share else members[n % 999], created)
                for n in range(1, links + 1)
            ],
        )
        conn.executemany(
            """INSERT INTO reminders (id, room_key, creator_key, creator_name, personal, text,
               rule, start_local, timezone, next_at, status, created_at, updated_at)
               VALUES (?, ?, ?, 'Membre', ?, ?, ?, ?, 'Europe/Paris', ?, 'active', ?, ?)""",
            [
                (
                    n,
                    ROOM,
                    TARGET if n <= target_share else members[n % 999],
                    n % 3 == 0,
                    f"Rappel numéro {n}",
                    "FREQ=WEEKLY;BYDAY=MO" if n % 2 else None,
                    "2026-12-07T09:00:00" if n % 2 else None,
                    iso(NOW + timedelta(days=5, minutes=n)),
                    created,
                    created,
                )
                for n in range(1, reminders + 1)
            ],
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
from bot.cli import main
status = main({args!r})
print("RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, status)
"""


def timed_child(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """``assobot ARGS`` in a fresh process: seconds, its own peak RSS in MB, its status."""
    script = CHILD.format(root=str(ROOT), args=args)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=cwd
    )
    took = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1:] or ["RSS 0 1"]
    _word, rss, status = last[0].split()
    if int(status) or done.returncode:
        print(done.stderr[-2000:], file=sys.stderr)
    return took, int(rss) / 1024, int(status)


FORGET = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from storage.store import Store
store = Store(Path({db!r}), language="fr", timezone="Europe/Paris")
rows = sum(len(v) for v in store.privacy.member_data({key!r}).values())
started = time.perf_counter()
report = store.privacy.forget({key!r}, "anonymous")
took = time.perf_counter() - started
store.close()
print(rows, report.total, f"{{took:.3f}}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--member-rows", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in DIR")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="assobot-export-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    db = data / "assobot.db"
    try:
        started = time.perf_counter()
        fill(db, args.votes, args.links, args.reminders, args.member_rows)
        print(
            f"filled: {args.votes:,} votes, {args.links:,} links, {args.reminders:,} reminders "
            f"in {time.perf_counter() - started:.1f} s; database "
            f"{db.stat().st_size / 1e6:.0f} MB"
        )
        out = work / "export"
        took, rss, status = timed_child(["export", str(out), "--data-dir", str(data)], work)
        size = sum(p.stat().st_size for p in out.iterdir()) if out.exists() else 0
        print(
            f"export: {took:.1f} s, peak RSS {rss:.0f} MB (target <= 200 MB), "
            f"{size / 1e6:.0f} MB written, status {status}"
        )
        backup = ["backup", str(work / "b.db"), "--data-dir", str(data)]
        took, rss, status = timed_child(backup, work)
        print(f"backup: {took:.1f} s (checked), peak RSS {rss:.0f} MB, status {status}")
        script = FORGET.format(root=str(ROOT), db=str(db), key=TARGET)
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        rows, erased, took_s = done.stdout.split()
        print(f"/forgetme: {rows} rows about the member, {erased} erased in {took_s} s")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
