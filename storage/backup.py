"""Backups and restores of the database file.

A backup goes through SQLite's online backup API on a connection of its own, in one step (a
single read transaction: a consistent state even while the bot writes), into a temporary file
checked with ``PRAGMA integrity_check`` and then renamed into place. A restore takes the data
folder's lock (so it refuses while the bot runs), checks the file first, keeps the current
database aside under a timestamped name, then copies the backup in.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.db import _acquire_lock

SQLITE_MAGIC = b"SQLite format 3\x00"
SCHEDULED_PREFIX = "assobot-"


class BackupError(Exception):
    """A backup or a restore cannot be done; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup wrote."""

    path: Path
    size: int
    tables: int
    migration: str


def _connect_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def check_file(path: Path) -> BackupReport:
    """That ``path`` is an intact assobot database; raises ``BackupError`` saying what is
    wrong (missing, not SQLite, truncated or damaged, another application's database)."""
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"{path}: {error.strerror or error}") from None
    if magic != SQLITE_MAGIC:
        raise BackupError(f"{path} is not an SQLite database")
    try:
        conn = _connect_read_only(path)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be opened: {error}") from None
    try:
        try:
            answer = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is damaged or truncated: {error}") from None
        if answer != ["ok"]:
            raise BackupError(f"{path} is damaged: {'; '.join(map(str, answer[:3]))}")
        try:
            row = conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'assobot' "
                "ORDER BY applied_at DESC, id DESC LIMIT 1"
            ).fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None:
            raise BackupError(f"{path} is an SQLite database but not assobot's")
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        count = int(tables.fetchone()[0])
    finally:
        conn.close()
    return BackupReport(path, path.stat().st_size, count, str(row[0]))


def backup(source: Path, target: Path) -> BackupReport:
    """A consistent copy of the database at ``source`` (the bot may be running) into a new
    file ``target``, checked before it is named so; raises ``BackupError``."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists: give a new file name")
    if target.parent and not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        conn = _connect_read_only(source)
        try:
            destination = sqlite3.connect(partial)
            try:
                conn.backup(destination)  # one step: one read transaction, one state
                destination.execute("PRAGMA journal_mode = DELETE")
            finally:
                destination.close()
        finally:
            conn.close()
        report = check_file(partial)
        os.replace(partial, target)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source}: {error}") from None
    except PermissionError:
        raise BackupError(f"{target}: permission denied") from None
    except OSError as error:
        raise BackupError(f"{target}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, report.size, report.tables, report.migration)


def restore(database: Path, backup_file: Path, now: datetime) -> Path | None:
    """Replace ``database`` with ``backup_file``; the current database is kept aside (its
    path is returned; None when there was none). Raises ``DatabaseLocked`` while the bot
    runs, ``BackupError`` when the file is not an intact assobot database."""
    check_file(backup_file)
    if database.exists() and backup_file.resolve() == database.resolve():
        raise BackupError(f"{backup_file} is the database itself: give a backup file")
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = _acquire_lock(database)
    try:
        aside: Path | None = None
        if database.exists():
            # What only the WAL of a stopped bot holds goes into the file kept aside.
            try:
                conn = sqlite3.connect(database)
                try:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    conn.execute("PRAGMA journal_mode = DELETE")
                finally:
                    conn.close()
            except sqlite3.DatabaseError:
                pass  # a damaged database is kept aside as it is
            stamp = now.strftime("%Y%m%dT%H%M%SZ")
            aside = database.with_name(f"{database.name}.before-restore-{stamp}")
            os.replace(database, aside)
            wal = Path(f"{database}-wal")
            if wal.exists():
                os.replace(wal, Path(f"{aside}-wal"))
        Path(f"{database}-shm").unlink(missing_ok=True)
        source = _connect_read_only(backup_file)
        try:
            destination = sqlite3.connect(database)
            try:
                source.backup(destination)
                destination.execute("PRAGMA journal_mode = DELETE")
            finally:
                destination.close()
        finally:
            source.close()
        return aside
    finally:
        lock.release()


def prune(folder: Path, prefix: str, keep: int) -> list[Path]:
    """Delete the oldest ``<prefix>*.db`` backups in ``folder`` beyond the newest ``keep``."""
    found = sorted(folder.glob(f"{prefix}*.db"))
    gone = found[: max(0, len(found) - keep)]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def scheduled(source: Path, folder: Path, now: datetime, keep: int) -> BackupReport:
    """A dated backup ``assobot-YYYYMMDD-HHMM.db`` in ``folder`` (made if missing); only the
    newest ``keep`` scheduled backups stay."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"{folder}: {error.strerror or error}") from None
    target = folder / f"{SCHEDULED_PREFIX}{now.strftime('%Y%m%d-%H%M')}.db"
    report = backup(source, target)
    prune(folder, SCHEDULED_PREFIX, keep)
    return report
