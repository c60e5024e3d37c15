"""Crash test: SIGKILL the bot at random moments of a digest fan-out to 500 subscribers, ten
times, then let it finish: every subscriber got the period's digest, and a digest was sent
twice only when a kill fell between its send and its record (at most one per kill).

The bot runs in a child process (a real ``App`` with a console adapter that appends every
delivered message to a file, unbuffered, before the send counts as accepted).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.message import Outgoing, Room
from handlers.digest.settings import DigestSettings
from storage.store import Store
from tests.crashkit import delivered, start_child, wait_ready
from tests.harness import make_config

SUBSCRIBERS = 500
KILLS = 10
_MARK = re.compile(r"QZ(\d+)QZ")


def _config(data_dir: Path):  # type: ignore[no-untyped-def]
    return make_config(data_dir, DigestSettings(sends_per_second=250))


class _FileConsole(ConsoleAdapter):
    """A console whose sends reach a file at once: what the platform accepted survives a kill."""

    def __init__(self, app: App, out: Path) -> None:
        super().__init__(app)
        self._fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(self, room_id: str, out: Outgoing) -> str:
        os.write(self._fd, (out.text.replace("\n", " ") + "\n").encode())
        return await super().send(room_id, out)


async def _serve(data_dir: Path, out: Path) -> None:
    app = App(_config(data_dir))
    app.add_adapter(_FileConsole(app, out))
    await app.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def _seed(data_dir: Path) -> None:
    """500 rooms, each with an announcement of the day and a daily digest due 10 minutes ago."""
    now = datetime.now(UTC)
    due = now - timedelta(minutes=10)
    store = Store(_config(data_dir).database_path, language="fr", timezone="UTC")
    try:
        for number in range(SUBSCRIBERS):
            room = store.rooms.ensure(Room("console", f"r{number}", f"r{number}"), now)
            store.rooms.add_announcement(
                room.key,
                "console:alice",
                "Alice",
                f"Annonce QZ{number}QZ",
                now - timedelta(hours=1),
            )
            store.digests.subscribe(
                room.key,
                "",
                cadence="daily",
                weekday=0,
                hour=due.hour,
                minute=due.minute,
                timezone="UTC",
                language="fr",
                now=now - timedelta(days=2),
            )
    finally:
        store.close()


def _start(data_dir: Path, out: Path) -> subprocess.Popen[str]:
    return start_child("tests.digest.test_crash", data_dir, out)


def _delivered(out: Path) -> Counter[int]:
    return delivered(out, _MARK)


def test_sigkill_during_a_digest_fan_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, out = tmp_path / "data", tmp_path / "delivered.txt"
    _seed(data_dir)
    rng = random.Random(12)
    for _kill in range(KILLS):
        child = _start(data_dir, out)
        try:
            wait_ready(child)
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    killed_at = sum(_delivered(out).values())
    child = _start(data_dir, out)
    try:
        wait_ready(child)
        deadline = time.monotonic() + 60
        while len(_delivered(out)) < SUBSCRIBERS and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    delivered = _delivered(out)
    lost = [n for n in range(SUBSCRIBERS) if delivered[n] == 0]
    duplicates = {n: c for n, c in delivered.items() if c > 1}
    with capsys.disabled():
        print(
            f"\ndigest crash test: {KILLS} SIGKILLs during a fan-out to {SUBSCRIBERS} "
            f"subscribers, {killed_at} digests sent before the last restart; lost {len(lost)}; "
            f"sent twice {len(duplicates)} (at most one per kill: {KILLS})"
        )
    assert [] == lost
    assert all(count == 2 for count in duplicates.values())
    assert len(duplicates) <= KILLS


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1]), Path(sys.argv[2])))
