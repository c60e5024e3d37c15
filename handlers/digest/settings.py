"""The digest feature's settings (``[digest]`` in config.toml), declared beside its router."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import setting


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """``[digest]``: when a subscription without a day or hour gets its digest, and its size."""

    # Day of the week of a weekly digest when the subscriber names none (0 = Monday).
    weekday: int = setting(0, low=0, high=6)
    # Hour of the day (in the subscriber's timezone) when none is named.
    hour: int = setting(9, low=0, high=23)
    # Items per section at most (the rest is counted).
    max_items: int = setting(10, low=1, high=100)
    # Entries per feed at most in the "From the feeds" section (the rest is counted).
    feed_entries: int = setting(5, low=1, high=50)
    # Characters per message: a longer digest is split on section boundaries.
    message_chars: int = setting(3500, low=500, high=30000)
    # Digests sent per second at most during a fan-out (commands are never delayed by it).
    sends_per_second: int = setting(5, low=1, high=1000)
