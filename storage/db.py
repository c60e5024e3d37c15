"""Open the database: one owner process (lock file), WAL, busy timeout, foreign keys.

Migrations are applied on open. Secret ballots leave no history in the files: deleted and
replaced content is zeroed (``secure_delete``), temporary tables stay in memory, the WAL is
checkpointed and truncated after each secret vote (``forget_history``), and backups go through
SQLite's online backup API (``OwnedDatabase.backup``), never a copy of the files."""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlite_utils.plugins
from sqlite_utils import Database

from storage.migrations import MIGRATIONS

# sqlite-utils looks through every installed package's entry points for plugins (about 20 ms
# at the first connection) that could change each connection: the bot's database takes none.
sqlite_utils.plugins._plugins_loaded = True

BUSY_TIMEOUT_MS = 5000
_APPLICATION_ID = 0x61736F62  # "asob": the file is an assobot database


def schema_version() -> int:
    """A number naming the migrations this code knows, in order (CRC-32 of their names, kept
    positive): equal to the database's ``user_version`` when every one of them was applied."""
    names = "\n".join(migration.name for migration in MIGRATIONS._migrations)
    return zlib.crc32(names.encode()) & 0x7FFFFFFF or 1


def migrate(db: Database) -> bool:
    """Apply the pending migrations; True when any was applied. An up-to-date database is
    recognised by its ``user_version`` alone (one pragma read) and not walked."""
    version = schema_version()
    (current,) = db.conn.execute("PRAGMA user_version").fetchone()
    if current == version:
        return False
    pending = MIGRATIONS.pending(db)
    MIGRATIONS.apply(db)
    db.conn.execute(f"PRAGMA user_version = {version:d}")
    db.conn.execute(f"PRAGMA application_id = {_APPLICATION_ID:d}")
    if pending:
        log.info("database migrated: %s", ", ".join(m.name for m in pending))
    return bool(pending)


log = logging.getLogger(__name__)


class DatabaseLocked(Exception):
    """Another process already owns the database."""


@dataclass(slots=True)
class _Lock:
    path: Path
    handle: IO[str]

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _acquire_lock(db_path: Path) -> _Lock:
    lock_path = db_path.with_name(db_path.name + ".lock")
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise DatabaseLocked(
            f"{db_path} is already used by another assobot (pid {owner}); "
            "stop it first, or give this one another data folder (--data-dir)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return _Lock(lock_path, handle)


def configure(db: Database) -> None:
    """Apply the connection settings every assobot connection uses."""
    db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.conn.execute("PRAGMA foreign_keys = ON")
    db.conn.execute("PRAGMA synchronous = NORMAL")
    # Zero what a delete or an update frees, so no page keeps an earlier count; and never
    # spill a sort or a temporary index (a list of voters, say) into a file.
    db.conn.execute("PRAGMA secure_delete = ON")
    db.conn.execute("PRAGMA temp_store = MEMORY")
    db.enable_wal()


def forget_history(db: Database) -> None:
    """Copy the WAL into the database and cut it to zero bytes.

    The WAL keeps every version of each page a transaction wrote, one commit after another:
    replayed, it would show a secret voter's row and their option's count changing together.
    Called right after a secret vote is committed (the count is then only in the database
    file, with ``secure_delete`` zeroing the older version). Cheap: the WAL holds the few pages
    written since the last checkpoint."""
    busy, _log_frames, _copied = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("the WAL could not be truncated after a secret vote (a reader is busy)")


class OwnedDatabase:
    """The open database and the lock that makes this process its only writer."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock: _Lock | None = _acquire_lock(path)
        try:
            self.db = Database(path)
            configure(self.db)
            migrate(self.db)
        except BaseException:
            self.close()
            raise

    def backup(self, target: Path) -> None:
        """A consistent copy of the live database in one file, through SQLite's online
        backup API: it holds the current state only (copying ``assobot.db`` with its ``-wal``
        would also copy the WAL's recent history)."""
        destination = sqlite3.connect(target)
        try:
            self.db.conn.backup(destination)
            destination.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            destination.close()

    def close(self) -> None:
        """Close the connection and release the lock (safe to call twice)."""
        if hasattr(self, "db"):
            self.db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
