"""A database the bot cannot use: one line and a non-zero status at start-up, and, when writes
stop while running, one ERROR line and a clear answer to members instead of silence."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.store import Store
from tests.harness import Harness

ASSOBOT = Path(sys.executable).parent / "assobot"
# root writes through file permissions: drop its capabilities so a read-only file stays so.
UNPRIVILEGED = ["setpriv", "--bounding-set=-all", "--"] if os.geteuid() == 0 else []


def _run(data_dir: Path, *, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOBOT_")}
    prefix = UNPRIVILEGED if unprivileged else []
    return subprocess.run(
        [*prefix, str(ASSOBOT), "run", "--console", "--data-dir", str(data_dir)],
        input="/aide\n:quit\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=next(p for p in data_dir.parents if p.is_dir()),
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert 3 == result.returncode, result.stderr
    lines = result.stderr.strip().splitlines()
    assert 1 == len(lines), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_run_with_a_corrupted_database_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "assobot.db").write_bytes(b"not a database at all " * 400)

    line = _one_line(_run(data))

    assert (
        f"assobot: cannot use the database: {data / 'assobot.db'}: it is not an SQLite "
        "database, or it is damaged (restore a backup)"
    ) == line


@pytest.mark.parametrize("below", ["", "sub"])
def test_run_with_data_dir_on_a_file_says_so_in_one_line(tmp_path: Path, below: str) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")

    line = _one_line(_run(a_file / below if below else a_file))

    assert (
        f"assobot: cannot use the database: {a_file} is a file, not a folder: give --data-dir "
        "a folder"
    ) == line


def test_run_with_a_read_only_database_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert 0 == _run(data).returncode  # a healthy first start creates the database
    (data / "assobot.db").chmod(0o444)

    line = _one_line(_run(data, unprivileged=True))

    assert (
        f"assobot: cannot use the database: {data / 'assobot.db'}: it is read-only (check "
        "the permissions of the file and of its folder)"
    ) == line


def test_run_in_an_unwritable_folder_says_so_in_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        line = _one_line(_run(locked / "data", unprivileged=True))
    finally:
        locked.chmod(0o755)

    assert (
        f"assobot: cannot use the database: {locked / 'data'}: permission denied (the bot "
        "must be able to write its data folder)"
    ) == line


# While running ----------------------------------------------------------------------------------

CANNOT_SAVE = (
    "Désolé, le bot ne peut rien enregistrer pour le moment : ceci n'a pas été fait. "
    "Réessayez plus tard ; les organisateurs en trouveront la cause dans son journal."
)


def _refuse_writes(bot: Harness) -> None:
    """From now on every write fails as on a file made read-only under the bot."""
    bot.app.store.owned.db.conn.execute("PRAGMA query_only = ON")


def _disk_full() -> sqlite3.OperationalError:
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA max_page_count = 2")
    try:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (zeroblob(100000))")
    except sqlite3.OperationalError as error:
        return error
    raise AssertionError("the disk never filled")


@pytest.mark.parametrize(
    ("expected", "error"),
    [
        (
            "it is read-only (check the permissions of the file and of its folder)",
            sqlite3.OperationalError("attempt to write a readonly database"),
        ),
        ("the disk is full", _disk_full()),
        (
            "it is damaged (restore a backup)",
            sqlite3.DatabaseError("database disk image is malformed"),
        ),
        (None, sqlite3.OperationalError("no such table: polls")),
        (None, ValueError("attempt to write a readonly database")),
    ],
)
def test_write_failure_tells_storage_errors_apart(expected: str | None, error: Exception) -> None:
    assert expected == Store.write_failure(error)


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_database_refusing_writes_is_told_to_members_and_logged_once(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("bonjour", member="alice")
    _refuse_writes(bot)
    caplog.set_level(logging.DEBUG)

    # Alice was just seen (no write before her command); Zoé is new (her arrival is a write).
    answers = [
        await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice"),
        await bot.say("/sondage Pizza ? | Reine | Calzone", member="zoe"),
        await bot.say("/rappel demain 18h AG", member="zoe", room="bureau"),
    ]

    assert [[CANNOT_SAVE]] * 3 == answers
    errors = _errors(caplog)
    assert 1 == len(errors), errors
    assert errors[0].startswith("the database refuses writes: ")
    assert "Traceback" not in caplog.text


async def test_database_accepting_writes_again_is_logged_once(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _refuse_writes(bot)
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="zoe")
    bot.app.store.owned.db.conn.execute("PRAGMA query_only = OFF")
    caplog.set_level(logging.INFO)

    await bot.say("/sondage Pizza ? | Reine | Calzone", member="zoe")
    await bot.say("/sondage Pâtes ? | Carbonara | Pesto", member="zoe")

    again = [r for r in caplog.records if "accepts writes again" in r.getMessage()]
    assert 1 == len(again)


async def test_database_refusing_writes_leaves_plain_chat_unanswered(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _refuse_writes(bot)

    assert [] == await bot.say("salut tout le monde", member="zoe")
    assert 1 == len(_errors(caplog))


async def test_database_refusing_writes_answers_a_tap(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    _refuse_writes(bot)

    assert [CANNOT_SAVE] == await bot.say(":tap 1", member="zoe")


async def test_database_refusing_writes_answers_in_the_rooms_language(bot: Harness) -> None:
    await bot.say("/langue en")
    _refuse_writes(bot)

    replies = await bot.say("/sondage Pizza ? | Reine | Calzone", member="zoe")

    assert [
        "Sorry, the bot cannot save anything right now, so this was not done. Please try again "
        "later; the organizers will find the cause in its log."
    ] == replies
