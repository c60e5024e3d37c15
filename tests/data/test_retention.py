"""The daily retention job (voters' names reduced to counts after the configured days, a
general assembly's ballots after its challenge window, links when asked) and the bot's own
scheduled backups."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.data.jobs import apply_retention
from handlers.data.settings import DataSettings
from storage.backup import check_file, scheduled
from tests.data.conftest import populate
from tests.harness import Harness, make_config


def query(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(data_dir / "assobot.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
async def short(data_dir: Path) -> AsyncIterator[Harness]:
    settings = DataSettings(vote_names_days=10, assembly_challenge_days=30, links_days=0)
    harness = await Harness.start(make_config(data_dir, settings))
    try:
        yield harness
    finally:
        await harness.stop()


async def test_retention_reduces_closed_votes_to_counts_after_the_days(
    short: Harness, data_dir: Path
) -> None:
    await populate(short)
    counts = query(data_dir, "SELECT position, answer, count FROM poll_result_counts")
    names = json.loads(str(query(data_dir, "SELECT names FROM poll_result_counts")[0][0]))

    await short.advance(timedelta(days=11))

    assert ["Bob"] == names
    assert [(0,)] == query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id = 1")
    assert counts == query(data_dir, "SELECT position, answer, count FROM poll_result_counts")
    assert {("[]",)} == set(query(data_dir, "SELECT names FROM poll_result_counts"))
    assert [(1,)] == query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id = 2")  # open
    register = await short.say("/decisions", member="alice", room="asso")
    assert "Lieu ?" in "\n".join(register)


async def test_retention_waits_for_the_days(short: Harness, data_dir: Path) -> None:
    await populate(short)

    await short.advance(timedelta(days=5))

    assert [(2,)] == query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id = 1")


async def test_retention_zero_keeps_voters_for_ever(bot: Harness, data_dir: Path) -> None:
    await populate(bot)
    services = bot.app.services
    never = make_config(data_dir, DataSettings(vote_names_days=0))
    services.config = never  # type: ignore[misc]

    await apply_retention(services, services.clock.now() + timedelta(days=3650))

    assert [(2,)] == query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id = 1")


async def test_retention_assembly_polls_use_the_challenge_window(
    short: Harness, data_dir: Path
) -> None:
    await populate(short)
    conn = sqlite3.connect(data_dir / "assobot.db")
    conn.execute("UPDATE polls SET assembly_id = 1 WHERE id = 1")
    conn.commit()
    conn.close()
    services = short.app.services
    now = services.clock.now()

    await apply_retention(services, now + timedelta(days=20))
    kept = query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id = 1")
    await apply_retention(services, now + timedelta(days=31))

    assert [(2,)] == kept
    assert [(0,)] == query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id = 1")


async def test_retention_links_days_deletes_old_links(bot: Harness, data_dir: Path) -> None:
    await populate(bot)
    services = bot.app.services
    services.config = make_config(data_dir, DataSettings(links_days=30))  # type: ignore[misc]

    await apply_retention(services, services.clock.now() + timedelta(days=31))

    assert [(0,)] == query(data_dir, "SELECT count(*) FROM links")
    assert [(0,)] == query(data_dir, "SELECT count(*) FROM link_tag_counts")


async def test_retention_keeps_links_by_default(bot: Harness, data_dir: Path) -> None:
    await populate(bot)
    services = bot.app.services

    await apply_retention(services, services.clock.now() + timedelta(days=3650))

    assert [(2,)] == query(data_dir, "SELECT count(*) FROM links")


async def test_scheduled_backup_at_the_hour(data_dir: Path) -> None:
    settings = DataSettings(backup_folder="backups", backup_hour=3, backup_keep=2)
    harness = await Harness.start(make_config(data_dir, settings))
    try:
        await populate(harness)
        await harness.advance(timedelta(days=1))
    finally:
        await harness.stop()

    found = sorted((data_dir / "backups").glob("assobot-*.db"))
    assert 1 == len(found)
    assert check_file(found[0]).migration.startswith("m")


def test_scheduled_backup_keeps_the_newest(data_dir: Path, tmp_path: Path) -> None:
    from storage.store import Store

    Store(data_dir / "assobot.db", language="fr", timezone="Europe/Paris").close()
    start = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    for day in range(4):
        scheduled(data_dir / "assobot.db", tmp_path / "b", start + timedelta(days=day), keep=2)

    names = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert ["assobot-20261203-0300.db", "assobot-20261204-0300.db"] == names
