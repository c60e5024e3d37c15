"""When digests are due: weekly or daily at a local hour, kept across daylight-saving changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKLY, DAILY = "weekly", "daily"


@dataclass(frozen=True, slots=True)
class Cadence:
    """Weekly on ``weekday`` (0 = Monday) or daily, at ``hour:minute`` in ``timezone``."""

    kind: str
    weekday: int
    hour: int
    minute: int
    timezone: str

    @property
    def step(self) -> timedelta:
        return timedelta(days=7 if self.kind == WEEKLY else 1)

    def _at(self, day: date) -> datetime:
        zone = ZoneInfo(self.timezone)
        local = datetime(day.year, day.month, day.day, self.hour, self.minute, tzinfo=zone)
        # An hour skipped by a spring-forward change happens at the first valid instant.
        return local.astimezone(UTC)

    def latest(self, now: datetime) -> datetime:
        """The latest due time at or before ``now`` (UTC)."""
        day = now.astimezone(ZoneInfo(self.timezone)).date()
        if self.kind == WEEKLY:
            day -= timedelta(days=(day.weekday() - self.weekday) % 7)
        due = self._at(day)
        if due > now:
            due = self._at(day - self.step)
        return due

    def previous(self, due: datetime) -> datetime:
        """The due time one period before ``due`` (the start of its period)."""
        day = due.astimezone(ZoneInfo(self.timezone)).date()
        return self._at(day - self.step)

    def following(self, due: datetime) -> datetime:
        """The due time one period after ``due``."""
        day = due.astimezone(ZoneInfo(self.timezone)).date()
        return self._at(day + self.step)

    def period(self, due: datetime) -> str:
        """The period's name in the ledger: the local day it is due (``2026-12-07``)."""
        return due.astimezone(ZoneInfo(self.timezone)).date().isoformat()
