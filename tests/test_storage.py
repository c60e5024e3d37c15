"""The database: migrations, the single-owner lock, and surviving a SIGKILL mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.message import Member, Room
from storage.db import DatabaseLocked, OwnedDatabase
from storage.migrations import MIGRATIONS
from storage.store import Store

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_migrations_apply_from_empty(tmp_path: Path) -> None:
    owned = OwnedDatabase(tmp_path / "a.db")
    try:
        tables = set(owned.db.table_names())
        assert {
            "associations",
            "rooms",
            "members",
            "organizers",
            "pairing_codes",
            "announcements",
            "adapter_state",
            "processed_events",
        } <= tables
        assert [] == MIGRATIONS.pending(owned.db)
    finally:
        owned.close()


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    OwnedDatabase(path).close()
    owned = OwnedDatabase(path)
    try:
        applied = [m.name for m in MIGRATIONS.applied(owned.db)]
        assert len(applied) == len(set(applied))
        MIGRATIONS.apply(owned.db)
        assert applied == [m.name for m in MIGRATIONS.applied(owned.db)]
    finally:
        owned.close()


def test_connection_settings(tmp_path: Path) -> None:
    owned = OwnedDatabase(tmp_path / "a.db")
    try:
        conn = owned.db.conn
        assert "wal" == conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert 1 == conn.execute("PRAGMA synchronous").fetchone()[0]  # NORMAL
        assert 1 == conn.execute("PRAGMA foreign_keys").fetchone()[0]
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    finally:
        owned.close()


def test_lock_refuses_a_second_owner_in_the_same_process(tmp_path: Path) -> None:
    first = OwnedDatabase(tmp_path / "a.db")
    try:
        with pytest.raises(
            DatabaseLocked, match=f"already used by another assobot \\(pid {os.getpid()}\\)"
        ):
            OwnedDatabase(tmp_path / "a.db")
    finally:
        first.close()
    OwnedDatabase(tmp_path / "a.db").close()  # released: usable again


def test_lock_refuses_a_second_process(tmp_path: Path) -> None:
    first = OwnedDatabase(tmp_path / "assobot.db")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--console", "--data-dir", str(tmp_path)],
            input="",
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "ASSOBOT_CONFIG": ""},
        )
    finally:
        first.close()
    assert 3 == result.returncode
    assert "is already used by another assobot" in result.stderr


WRITER = r"""
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from bot.message import Member, Room
from storage.store import Store

store = Store(Path(sys.argv[1]), language="fr", timezone="Europe/Paris")
now = datetime(2026, 12, 1, tzinfo=UTC)
room = store.rooms.ensure(Room("console", "asso"), now)
i = 0
while True:
    store.rooms.add_announcement(room.key, "console:alice", "Alice", f"n{i}", now)
    print(i, flush=True)
    i += 1
"""


def test_sigkill_mid_writes_keeps_every_committed_row(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    committed = -1
    deadline = time.monotonic() + 60
    while committed < 500 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        committed = int(line)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert committed >= 500, "the writer did not get going"

    conn = sqlite3.connect(path)
    try:
        assert ("ok",) == conn.execute("PRAGMA integrity_check").fetchone()
        texts = {row[0] for row in conn.execute("SELECT text FROM announcements")}
    finally:
        conn.close()
    # Every write reported as done before the kill is there.
    assert {f"n{i}" for i in range(committed + 1)} <= texts
    # And the lock died with the process: a new owner can open the database.
    Store(path, language="fr", timezone="Europe/Paris").close()


def test_room_is_created_once_with_its_own_association(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db", language="en", timezone="America/Montreal")
    try:
        first = store.rooms.ensure(Room("console", "asso", title="Asso"), NOW)
        again = store.rooms.ensure(Room("console", "asso", title="Asso"), NOW)
        other = store.rooms.ensure(Room("console", "bureau"), NOW)
        assert first == again
        assert ("en", "America/Montreal") == (first.language, first.timezone)
        assert first.association_id != other.association_id
    finally:
        store.close()


def test_members_are_found_by_username_id_or_name(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db", language="fr", timezone="Europe/Paris")
    try:
        room = store.rooms.ensure(Room("matrix", "!abc"), NOW)
        bob = Member("matrix", "@bob:example.org", "Bob Dupont", "bob")
        store.members.seen(room.key, bob, NOW)
        for handle in ("@bob", "bob:example.org", "@bob:example.org", "bob dupont"):
            assert [bob.key] == [m.key for m in store.members.find_in_room(room.key, handle)]
        assert [] == store.members.find_in_room(room.key, "@alice")
    finally:
        store.close()


def test_member_seen_twice_costs_no_second_write(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db", language="fr", timezone="Europe/Paris")
    try:
        room = store.rooms.ensure(Room("console", "asso"), NOW)
        alice = Member("console", "alice", "Alice", "alice")
        store.members.seen(room.key, alice, NOW)
        before = store.owned.db.conn.total_changes
        store.members.seen(room.key, alice, NOW)
        assert before == store.owned.db.conn.total_changes
    finally:
        store.close()
