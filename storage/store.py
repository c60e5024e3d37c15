"""The store handed to handlers: one attribute per repository."""

from __future__ import annotations

from pathlib import Path

from storage.adapters import AdapterStateRepo
from storage.db import OwnedDatabase
from storage.events import EventRepo
from storage.members import MemberRepo, OrganizerRepo
from storage.polls import PollRepo
from storage.reminders import ReminderRepo
from storage.rooms import RoomRepo


class Store:
    """Repositories over one owned SQLite database."""

    def __init__(self, path: Path, *, language: str, timezone: str) -> None:
        self.owned = OwnedDatabase(path)
        db = self.owned.db
        self.rooms = RoomRepo(db, language=language, timezone=timezone)
        self.members = MemberRepo(db)
        self.organizers = OrganizerRepo(db)
        self.adapters = AdapterStateRepo(db)
        self.reminders = ReminderRepo(db)
        self.polls = PollRepo(db)
        self.events = EventRepo(db)
        self.rooms.on_move.append(self.polls.forget_cached)

    def close(self) -> None:
        """Close the database and release its lock."""
        self.owned.close()
