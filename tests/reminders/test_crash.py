"""Crash test: SIGKILL the bot at random moments of a burst of due reminders, restart, repeat.

The bot runs in a child process (a real ``App`` with a console adapter that appends every
delivered message to a file, unbuffered, before the send counts as accepted). Nothing may be
lost; an occurrence may only be sent twice when the kill fell between the send and its record
(a claim left in ``sending``): only the reminders of the message being sent at the kill (one
reminder, or the reminders due together that went out as one message).
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
from storage.store import Store
from tests.crashkit import delivered, start_child, wait_ready
from tests.harness import make_config

REMINDERS = 2000
KILLS = 20
# One reminder ("⏰ Rappel : R12") or a line of a grouped message ("⏰ 3 rappels : • R12 • R13").
_MARK = re.compile(r"(?:Rappel : |• )R(\d+)\b")


class _FileConsole(ConsoleAdapter):
    """A console whose sends reach a file at once: what the platform accepted survives a kill."""

    def __init__(self, app: App, out: Path) -> None:
        super().__init__(app)
        self._fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(self, room_id: str, out: Outgoing) -> str:
        os.write(self._fd, (out.text.replace("\n", " ") + "\n").encode())
        return await super().send(room_id, out)


async def _serve(data_dir: Path, out: Path) -> None:
    app = App(make_config(data_dir))
    app.add_adapter(_FileConsole(app, out))
    await app.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def _seed(data_dir: Path) -> None:
    now = datetime.now(UTC)
    store = Store(make_config(data_dir).database_path, language="fr", timezone="Europe/Paris")
    try:
        room = store.rooms.ensure(Room("console", "bureau", "bureau"), now)
        for number in range(REMINDERS):
            store.reminders.add(
                room_key=room.key,
                creator_key="console:alice",
                creator_name="@alice",
                personal=False,
                text=f"R{number}",
                rule=None,
                start_local=None,
                timezone="Europe/Paris",
                first=now - timedelta(seconds=30) + timedelta(milliseconds=number),
                now=now - timedelta(minutes=1),
            )
    finally:
        store.close()


def _start(data_dir: Path, out: Path) -> subprocess.Popen[str]:
    return start_child("tests.reminders.test_crash", data_dir, out)


def _delivered(out: Path) -> Counter[int]:
    return delivered(out, _MARK)


def _unconfirmed(data_dir: Path) -> int:
    store = Store(make_config(data_dir).database_path, language="fr", timezone="Europe/Paris")
    try:
        return len(store.reminders.unconfirmed())
    finally:
        store.close()


def test_sigkill_during_a_burst_loses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, out = tmp_path / "data", tmp_path / "delivered.txt"
    _seed(data_dir)
    rng = random.Random(6)
    left_sending = 0  # kills that fell between a send and its record
    for _kill in range(KILLS):
        child = _start(data_dir, out)
        try:
            wait_ready(child)
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        left_sending += _unconfirmed(data_dir)
    killed_at = sum(_delivered(out).values())
    child = _start(data_dir, out)
    try:
        wait_ready(child)
        deadline = time.monotonic() + 40
        while len(_delivered(out)) < REMINDERS and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    delivered = _delivered(out)
    lost = [n for n in range(REMINDERS) if delivered[n] == 0]
    duplicates = {n: c for n, c in delivered.items() if c > 1}
    with capsys.disabled():
        print(
            f"\ncrash test: {KILLS} SIGKILLs, {REMINDERS} reminders, {killed_at} sent before the "
            f"last restart; lost {len(lost)}; duplicates {len(duplicates)} "
            f"(kills that fell between a send and its record: {left_sending})"
        )
    assert [] == lost
    assert all(count == 2 for count in duplicates.values())
    assert len(duplicates) <= left_sending
    assert 0 == _unconfirmed(data_dir)


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1]), Path(sys.argv[2])))
