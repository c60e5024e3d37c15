"""UTC ISO-8601 text for ``*_at`` columns."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    """Store an aware datetime as UTC ISO-8601 text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: assobot stores timezone-aware datetimes only")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    """Read a ``*_at`` column back as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
