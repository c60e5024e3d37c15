"""The store handed to handlers: one attribute per repository."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from storage.adapters import AdapterStateRepo
from storage.assembly import AssemblyRepo
from storage.db import DatabaseLocked, OwnedDatabase
from storage.digests import DigestRepo
from storage.events import EventRepo
from storage.feeds import FeedRepo
from storage.jobs import JobRunRepo
from storage.links import LinkRepo
from storage.members import MemberRepo, OrganizerRepo
from storage.polls import PollRepo
from storage.privacy import PrivacyRepo
from storage.reminders import ReminderRepo
from storage.rooms import RoomRepo
from storage.statutes import StatuteRepo
from storage.web import WebTokenRepo

# What SQLite says when the file can no longer be written, and how to say it to a person.
_WRITE_FAILURES = {
    "readonly": "it is read-only (check the permissions of the file and of its folder)",
    "read-only": "it is read-only (check the permissions of the file and of its folder)",
    "disk is full": "the disk is full",
    "disk i/o error": "the disk reports an input/output error",
    "not a database": "it is not an SQLite database, or it is damaged (restore a backup)",
    "malformed": "it is damaged (restore a backup)",
    "unable to open": "it cannot be opened (check the folder and its permissions)",
}


class StorageUnavailable(Exception):
    """The database cannot be opened or written; the message names the path and the problem."""


def write_failure(error: BaseException) -> str | None:
    """Why the database accepts no more writes, when ``error`` says so (read-only, disk full,
    I/O error, damaged file); None for any other error."""
    if not isinstance(error, sqlite3.DatabaseError):
        return None
    text = str(error).casefold()
    return next((why for key, why in _WRITE_FAILURES.items() if key in text), None)


def _open_problem(path: Path, error: BaseException) -> str:
    """One line naming what is wrong with the data folder or the database file."""
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        folder = next((p for p in path.parents if p.exists()), path.parent)
        return f"{folder} is a file, not a folder: give --data-dir a folder"
    if isinstance(error, PermissionError):
        where = error.filename or path
        return f"{where}: permission denied (the bot must be able to write its data folder)"
    if isinstance(error, OSError):
        return f"{error.filename or path}: {error.strerror or error}"
    return f"{path}: {write_failure(error) or error}"


def _check_writable(db: Database) -> None:
    """Write and undo a table: a read-only file opens and reads fine, then refuses every write."""
    db.conn.execute("SAVEPOINT write_check")
    try:
        db.conn.execute("CREATE TABLE assobot_write_check (x INTEGER)")
    finally:
        db.conn.execute("ROLLBACK TO write_check")
        db.conn.execute("RELEASE write_check")


class Store:
    """Repositories over one owned SQLite database."""

    def __init__(self, path: Path, *, language: str, timezone: str) -> None:
        try:
            self.owned = OwnedDatabase(path)
        except DatabaseLocked:
            raise
        except (OSError, sqlite3.DatabaseError) as error:
            raise StorageUnavailable(_open_problem(path, error)) from None
        db = self.owned.db
        try:
            _check_writable(db)
        except sqlite3.DatabaseError as error:
            self.owned.close()
            raise StorageUnavailable(_open_problem(path, error)) from None
        self.rooms = RoomRepo(db, language=language, timezone=timezone)
        self.members = MemberRepo(db)
        self.organizers = OrganizerRepo(db)
        self.adapters = AdapterStateRepo(db)
        self.reminders = ReminderRepo(db)
        self.polls = PollRepo(db)
        self.events = EventRepo(db)
        self.jobs = JobRunRepo(db)
        self.links = LinkRepo(db)
        self.feeds = FeedRepo(db)
        self.digests = DigestRepo(db)
        self.statutes = StatuteRepo(db)
        self.assembly = AssemblyRepo(db)
        self.privacy = PrivacyRepo(db, path)
        self.web = WebTokenRepo(db)
        self.rooms.on_move.append(self.polls.forget_cached)
        # A group moved (Telegram group → supergroup) keeps no stale voices of its assembly.
        self.rooms.on_move.append(self.assembly.forget_cached)
        # After /forgetme: no voice, poll or "already seen" kept in memory names the member
        # (a member who writes again is seen again as a new member, at once).
        self.privacy.on_forget += [
            self.assembly.forget_cached,
            self.polls.forget_cached,
            self.members.forget_cached,
        ]

    def close(self) -> None:
        """Close the database and release its lock."""
        self.owned.close()

    def writable(self) -> bool:
        """Whether the database accepts writes now (a write undone at once)."""
        try:
            _check_writable(self.owned.db)
        except sqlite3.DatabaseError:
            return False
        return True

    @staticmethod
    def write_failure(error: BaseException) -> str | None:
        """Why the database refuses writes, when ``error`` says so; None otherwise (lets core
        tell this apart without importing sqlite3)."""
        return write_failure(error)
