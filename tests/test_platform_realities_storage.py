"""A room that moves to a new id (a Telegram group upgraded to a supergroup): every table that
holds a room key follows it, in one transaction — checked against the schema itself, so a
table added later with a room column is named here until ``RoomRepo.migrate`` covers it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.message import Member, Room
from storage.rooms import ROOM_KEY_COLUMNS, ROOM_KEY_DERIVED
from storage.store import Store

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OLD = Room("telegram", "-4001", "Les Tilleuls")
NEW = Room("telegram", "-1001000000001", "Les Tilleuls")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "assobot.db", language="fr", timezone="Europe/Paris")
    try:
        yield opened
    finally:
        opened.close()


def db_of(store: Store) -> Database:
    return store.owned.db


def room_columns(db: Database) -> set[tuple[str, str]]:
    """Every column of the schema that holds a room key: named ``room_key`` or ``*_room`` /
    ``*_room_key``, or a foreign key to ``rooms(key)``. The ``rooms`` table itself aside."""
    found: set[tuple[str, str]] = set()
    for table in db.table_names():
        if table == "rooms" or table.startswith(("sqlite_", "_")):
            continue
        if db.table(table).virtual_table_using:
            continue
        for column in db.table(table).columns:
            name = column.name
            if name == "room_key" or name.endswith(("_room", "_room_key")):
                found.add((table, name))
        for foreign in db.table(table).foreign_keys:
            if foreign.other_table == "rooms":
                found.add((table, str(foreign.column)))
    return found


def fill_one_row(db: Database, table: str, room_columns: set[str], key: str) -> None:
    """A row of ``table`` with ``key`` in its room columns and a placeholder everywhere else
    (constraints other than uniqueness are off: the test is about room keys only)."""
    values: dict[str, object] = {}
    keys = db.table(table).pks
    for column in db.table(table).columns:
        if column.name in room_columns:
            values[column.name] = key
        elif keys == [column.name] and column.type.upper() == "INTEGER":
            continue  # the rowid
        elif column.notnull and column.default_value is None:
            values[column.name] = 1 if column.type.upper() == "INTEGER" else "x"
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))


def test_migrate_covers_every_room_column_of_the_schema(store: Store) -> None:
    db = db_of(store)
    covered = set(ROOM_KEY_COLUMNS) | set(ROOM_KEY_DERIVED)

    forgotten = sorted(room_columns(db) - covered)

    assert [] == forgotten, (
        "these columns hold a room key but RoomRepo.migrate does not rewrite them: "
        + ", ".join(f"{table}.{column}" for table, column in forgotten)
        + " (add them to ROOM_KEY_COLUMNS in storage/rooms.py)"
    )


def test_migrate_rewrites_every_room_column(store: Store) -> None:
    db = db_of(store)
    store.rooms.ensure(OLD, NOW)
    present = set(db.table_names())
    columns = [(t, c) for t, c in ROOM_KEY_COLUMNS if t in present]
    by_table: dict[str, set[str]] = {}
    for table, column in columns:
        by_table.setdefault(table, set()).add(column)
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("PRAGMA ignore_check_constraints = ON")
    try:
        with db.atomic():
            for table, names in by_table.items():
                fill_one_row(db, table, names, OLD.key)
    finally:
        db.execute("PRAGMA ignore_check_constraints = OFF")
        db.execute("PRAGMA foreign_keys = ON")

    assert store.rooms.migrate(OLD.key, NEW.key)

    left = {
        f"{t}.{c}": db.execute(f"SELECT count(*) FROM {t} WHERE {c} = ?", [OLD.key]).fetchone()[0]
        for t, c in columns
    }
    moved = {
        f"{t}.{c}": db.execute(f"SELECT count(*) FROM {t} WHERE {c} = ?", [NEW.key]).fetchone()[0]
        for t, c in columns
    }
    assert {name: 0 for name in left} == left
    assert {name: 1 for name in moved} == moved
    assert store.rooms.get(OLD.key) is None
    record = store.rooms.get(NEW.key)
    assert record is not None
    assert ("-1001000000001", "Les Tilleuls") == (record.external_id, record.title)


def test_migrate_unknown_room_is_a_no_op(store: Store) -> None:
    store.rooms.ensure(NEW, NOW)

    assert not store.rooms.migrate(OLD.key, NEW.key)
    assert not store.rooms.migrate(NEW.key, NEW.key)
    assert store.rooms.get(NEW.key) is not None


def test_migrate_twice_moves_once(store: Store) -> None:
    store.rooms.ensure(OLD, NOW)

    assert store.rooms.migrate(OLD.key, NEW.key)
    assert not store.rooms.migrate(OLD.key, NEW.key)
    assert [NEW.key] == [r.key for r in store.rooms.linked_to(NEW.key)]


def test_migrate_again_moves_a_row_written_under_the_old_key_since(store: Store) -> None:
    store.rooms.ensure(OLD, NOW)
    assert store.rooms.migrate(OLD.key, NEW.key)
    # The send that revealed the move returns, and its caller records the message id under
    # the key it knew: the next move (the next refused send) takes it along.
    moved = store.rooms.get(NEW.key)
    assert moved is not None
    poll = (
        db_of(store)
        .execute(
            """INSERT INTO polls (association_id, room_key, creator_key, creator_name, kind,
               question, privacy, created_at)
               VALUES (?, ?, 'a', 'A', 'choice', 'Q', 'public', ?)""",
            [moved.association_id, NEW.key, NOW.isoformat()],
        )
        .lastrowid
    )
    db_of(store).execute(
        "INSERT INTO poll_messages (poll_id, room_key, message_id) VALUES (?, ?, '7')",
        [poll, OLD.key],
    )

    assert store.rooms.migrate(OLD.key, NEW.key)

    rows = db_of(store).execute("SELECT room_key, message_id FROM poll_messages").fetchall()
    assert [(NEW.key, "7")] == rows
    assert store.rooms.get(OLD.key) is None


def test_migrate_into_a_room_already_seen_merges_it(store: Store) -> None:
    alice = Member("telegram", "1001", "Alice")
    bob = Member("telegram", "1002", "Bob")
    other = Room("matrix", "!linked:example.org", "Tilleuls (Matrix)")
    old = store.rooms.ensure(OLD, NOW)
    store.rooms.ensure(other, NOW)
    assert store.rooms.link(OLD.key, other.key)
    store.rooms.set_language(OLD.key, "en")
    store.members.seen(OLD.key, alice, NOW)
    store.members.seen(OLD.key, bob, NOW)
    later = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    store.rooms.ensure(NEW, later)  # the bot saw the supergroup before learning it moved
    store.members.seen(NEW.key, alice, later)

    assert store.rooms.migrate(OLD.key, NEW.key)

    moved = store.rooms.get(NEW.key)
    assert moved is not None
    assert (old.association_id, "en") == (moved.association_id, moved.language)
    assert sorted([NEW.key, other.key]) == sorted(r.key for r in store.rooms.linked_to(NEW.key))
    assert {alice.key, bob.key} == store.members.keys_in_room(NEW.key)
    assert later == store.members.last_seen(NEW.key, alice.key)  # the newer row is kept
    assert store.rooms.get(OLD.key) is None


@pytest.mark.parametrize(
    "hostile",
    ["telegram:-1001'; DROP TABLE rooms; --", "telegram:" + "9" * 500, "telegram:-100\x00x"],
)
def test_migrate_hostile_new_key_is_only_data(store: Store, hostile: str) -> None:
    store.rooms.ensure(OLD, NOW)

    assert store.rooms.migrate(OLD.key, hostile)

    moved = store.rooms.get(hostile)
    assert moved is not None and moved.external_id == hostile.partition(":")[2]
    assert "rooms" in db_of(store).table_names()
