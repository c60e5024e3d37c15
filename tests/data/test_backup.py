"""``assobot backup FILE`` while the bot writes, and ``assobot restore FILE``: refused while the
bot runs, refused for a file that is not an intact assobot database, the current database kept
aside."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.cli import main
from storage.backup import BackupError, check_file
from storage.store import Store
from tests.data.conftest import populate
from tests.harness import Harness


def run(data_dir: Path, *args: str) -> int:
    return main([args[0], "--data-dir", str(data_dir), *args[1:]])


def count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def fresh_store(data_dir: Path) -> Store:
    return Store(data_dir / "assobot.db", language="fr", timezone="Europe/Paris")


def test_backup_while_writes_happen_is_consistent(data_dir: Path, tmp_path: Path) -> None:
    store = fresh_store(data_dir)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        conn = sqlite3.connect(data_dir / "assobot.db", timeout=5)
        n = 0
        while not stop.is_set():
            n += 1
            with conn:
                conn.execute(
                    "INSERT INTO processed_events VALUES ('console', ?, '2026-12-02T10:00:00')",
                    [f"event-{n}"],
                )
            written.append(n)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 200:
            time.sleep(0.001)
        before = len(written)
        status = run(data_dir, "backup", str(tmp_path / "copy.db"))
        after = len(written)
    finally:
        stop.set()
        thread.join()
        store.close()

    assert 0 == status
    report = check_file(tmp_path / "copy.db")
    assert report.migration.startswith("m")
    copied = count(tmp_path / "copy.db", "processed_events")
    assert before <= copied <= after
    assert not (tmp_path / "copy.db-wal").exists()


async def test_backup_while_the_bot_runs(bot: Harness, data_dir: Path, tmp_path: Path) -> None:
    await populate(bot)

    assert 0 == run(data_dir, "backup", str(tmp_path / "b.db"))
    assert 4 == count(tmp_path / "b.db", "polls")


def test_backup_refuses_to_overwrite(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_store(data_dir).close()
    target = tmp_path / "b.db"
    target.write_text("precious")

    assert 2 == run(data_dir, "backup", str(target))
    assert "already exists" in capsys.readouterr().err
    assert "precious" == target.read_text()


def test_backup_without_database_is_one_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == run(data_dir, "backup", str(tmp_path / "b.db"))
    assert "assobot: no database at" in capsys.readouterr().err


async def test_restore_is_refused_while_the_bot_runs(
    bot: Harness, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await populate(bot)
    run(data_dir, "backup", str(tmp_path / "b.db"))
    capsys.readouterr()

    assert 3 == run(data_dir, "restore", str(tmp_path / "b.db"))
    assert "while the bot runs" in capsys.readouterr().err
    assert 4 == count(data_dir / "assobot.db", "polls")


async def test_restore_brings_the_backup_back_and_keeps_the_current_aside(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.harness import make_config

    bot = await Harness.start(make_config(data_dir))
    await populate(bot)
    run(data_dir, "backup", str(tmp_path / "b.db"))
    await bot.say("/sondage Après ? | Oui | Non", member="alice", room="asso")
    await bot.stop()

    status = run(data_dir, "restore", str(tmp_path / "b.db"))

    assert 0 == status
    assert 4 == count(data_dir / "assobot.db", "polls")
    aside = [p for p in data_dir.iterdir() if ".before-restore-" in p.name]
    assert 1 == len(aside)
    assert 5 == count(aside[0], "polls")
    assert "the previous database is kept as" in capsys.readouterr().err
    restarted = await Harness.start(make_config(data_dir))
    try:
        replies = await restarted.say("/decisions", member="alice", room="asso")
    finally:
        await restarted.stop()
    assert "Lieu ?" in "\n".join(replies)


def make_other_app_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("text", "is not an SQLite database"),
        ("truncated", "damaged"),
        ("other", "not assobot's"),
        ("missing", "no such file"),
        ("folder", "is not a file"),
        ("empty", "is not an SQLite database"),
    ],
)
def test_restore_refuses_a_bad_file(
    case: str,
    message: str,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = fresh_store(data_dir)
    store.close()
    run(data_dir, "backup", str(tmp_path / "good.db"))
    bad = tmp_path / "bad.db"
    if case == "text":
        bad.write_text("name,amount\nalice,3\n" * 100)
    elif case == "truncated":
        content = (tmp_path / "good.db").read_bytes()
        bad.write_bytes(content[: len(content) // 2])
    elif case == "other":
        make_other_app_db(bad)
    elif case == "folder":
        bad.mkdir()
    elif case == "empty":
        bad.write_bytes(b"")
    before = (data_dir / "assobot.db").read_bytes()
    capsys.readouterr()

    status = run(data_dir, "restore", str(bad))

    assert 2 == status
    assert message in capsys.readouterr().err
    assert before == (data_dir / "assobot.db").read_bytes()
    assert [] == [p for p in data_dir.iterdir() if ".before-restore-" in p.name]


def test_check_file_accepts_a_backup(data_dir: Path, tmp_path: Path) -> None:
    fresh_store(data_dir).close()
    run(data_dir, "backup", str(tmp_path / "good.db"))

    assert check_file(tmp_path / "good.db").tables > 10
    with pytest.raises(BackupError):
        check_file(data_dir)


def test_restore_into_an_empty_data_folder(data_dir: Path, tmp_path: Path) -> None:
    fresh_store(data_dir).close()
    run(data_dir, "backup", str(tmp_path / "good.db"))
    other = tmp_path / "elsewhere"

    assert 0 == run(other, "restore", str(tmp_path / "good.db"))
    assert (other / "assobot.db").is_file()


def test_restore_of_the_database_onto_itself_is_refused(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_store(data_dir).close()
    before = (data_dir / "assobot.db").read_bytes()

    assert 2 == run(data_dir, "restore", str(data_dir / "assobot.db"))
    assert "is the database itself" in capsys.readouterr().err
    assert before == (data_dir / "assobot.db").read_bytes()
