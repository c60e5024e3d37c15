"""Open the database: one owner process (lock file), WAL, busy timeout, foreign keys.

Migrations are applied on open."""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlite_utils import Database

from storage.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 5000


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
    db.enable_wal()


class OwnedDatabase:
    """The open database and the lock that makes this process its only writer."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock: _Lock | None = _acquire_lock(path)
        try:
            self.db = Database(path)
            configure(self.db)
            MIGRATIONS.apply(self.db)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection and release the lock (safe to call twice)."""
        if hasattr(self, "db"):
            self.db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
