"""The feeds feature's settings (``[feeds]`` in config.toml), declared beside its router."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import setting


@dataclass(frozen=True, slots=True)
class FeedsSettings:
    """``[feeds]``: how often followed feeds are fetched and how much of them is posted."""

    # Minutes between two fetches of one feed (each feed gets up to a tenth less, at random,
    # so a thousand feeds followed the same day are not fetched in the same minute).
    interval_minutes: int = setting(60, low=5, high=1440)
    # Feeds fetched at the same time at most (the fetcher's own limits apply too).
    max_in_flight: int = setting(8, low=1, high=64)
    # New entries of one feed posted or kept for the digest per fetch at most.
    max_entries_per_fetch: int = setting(10, low=1, high=100)
    # Entries dated longer ago than this are never posted (a feed re-issuing its archive).
    old_entry_days: int = setting(7, low=1, high=365)
    # A feed failing for this many days is paused (following it again resumes it).
    pause_after_days: int = setting(30, low=1, high=365)
    # Feeds one association may follow.
    max_per_association: int = setting(50, low=1, high=1000)
