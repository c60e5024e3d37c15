"""Migrations at start: walked once, then recognised by the schema version alone."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlite_utils import Database

from storage.db import OwnedDatabase, schema_version
from storage.migrations import MIGRATIONS


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the migration functions run from now on (each still does its work)."""
    names: list[str] = []

    def recording(migration: object) -> object:
        inner = migration.fn  # type: ignore[attr-defined]

        def run(db: Database) -> None:
            names.append(migration.name)  # type: ignore[attr-defined]
            inner(db)

        return replace(migration, fn=run)  # type: ignore[type-var]

    monkeypatch.setattr(MIGRATIONS, "_migrations", [recording(m) for m in MIGRATIONS._migrations])
    return names


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


def test_first_start_runs_every_migration_and_records_the_version(
    tmp_path: Path, ran: list[str]
) -> None:
    OwnedDatabase(tmp_path / "assobot.db").close()
    assert [m.name for m in MIGRATIONS._migrations] == ran
    assert schema_version() == user_version(tmp_path / "assobot.db")


def test_second_start_with_an_up_to_date_schema_runs_no_migration(
    tmp_path: Path, ran: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    OwnedDatabase(tmp_path / "assobot.db").close()
    ran.clear()

    def walked(*args: object, **kwargs: object) -> None:
        raise AssertionError("the migrations were walked")

    monkeypatch.setattr(MIGRATIONS, "apply", walked)
    monkeypatch.setattr(MIGRATIONS, "pending", walked)
    owned = OwnedDatabase(tmp_path / "assobot.db")
    owned.close()
    assert [] == ran


def test_new_code_on_an_older_database_runs_only_the_new_migration(
    tmp_path: Path,
    ran: list[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "assobot.db"
    OwnedDatabase(path).close()
    old_version = user_version(path)
    ran.clear()

    def m999_test_column(db: Database) -> None:
        ran.append("m999_test_column")
        db.execute("CREATE TABLE test_startup (id INTEGER PRIMARY KEY)")

    newer = [*MIGRATIONS._migrations, MIGRATIONS._Migration("m999_test_column", m999_test_column)]
    monkeypatch.setattr(MIGRATIONS, "_migrations", newer)
    with caplog.at_level("INFO", logger="storage.db"):
        OwnedDatabase(path).close()
    assert ["m999_test_column"] == ran
    assert old_version != user_version(path) == schema_version()
    assert "database migrated: m999_test_column" in caplog.text
    OwnedDatabase(path).close()  # and the next start walks nothing
    assert ["m999_test_column"] == ran


def test_the_version_names_the_migrations_in_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    version = schema_version()
    assert 0 < version <= 0x7FFFFFFF
    monkeypatch.setattr(MIGRATIONS, "_migrations", list(reversed(MIGRATIONS._migrations)))
    assert version != schema_version()
    monkeypatch.setattr(MIGRATIONS, "_migrations", MIGRATIONS._migrations[1:])
    assert version != schema_version()
