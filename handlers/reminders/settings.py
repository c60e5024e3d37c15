"""The reminders feature's settings (``[reminders]`` in config.toml), declared beside its
router."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import setting


@dataclass(frozen=True, slots=True)
class RemindersSettings:
    """``[reminders]``: catch-up after down-time, default hour, how far ahead timers are set,
    quiet hours, limits against floods."""

    grace_hours: int = setting(6, low=0, high=720)
    default_hour: int = setting(9, low=0, high=23)
    late_after_minutes: int = setting(5, low=1, high=1440)
    schedule_ahead_minutes: int = setting(60, low=1, high=1440)
    # "22:00-08:00": non-urgent reminders wait; "" = none
    quiet_hours: str = setting("", check=lambda value: check_quiet_hours(value))
    # Against floods: active reminders per member in a room and per room, and reminders set
    # in the last hour per member in a room and per room.
    max_active_per_member: int = setting(50, low=1, high=100_000)
    max_active_per_room: int = setting(500, low=1, high=1_000_000)
    max_new_per_member_hour: int = setting(20, low=1, high=100_000)
    max_new_per_room_hour: int = setting(100, low=1, high=1_000_000)


def check_quiet_hours(value: str) -> str | None:
    clock = r"([01]?[0-9]|2[0-3])(?::[0-5][0-9]|h(?:[0-5][0-9])?)?"
    if not value or re.fullmatch(rf"\s*{clock}\s*-\s*{clock}\s*", value):
        return None
    return f'expected "" or a span like "22:00-08:00", got "{value}"'
