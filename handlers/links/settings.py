"""The links feature's settings (``[links]`` in config.toml), declared beside its router."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import setting


@dataclass(frozen=True, slots=True)
class LinksSettings:
    """``[links]``: capture of links posted in rooms, and how many a search or export shows."""

    # Keep every http(s) link posted in a room (an organizer can still turn it off per room).
    capture: bool = setting(True)
    # Links kept from one message at most (the rest of a list of links is ignored).
    max_per_message: int = setting(5, low=1, high=20)
    # Links per page of /liens.
    page_size: int = setting(10, low=1, high=50)
    # Links in a /liens export file at most (the newest); `assobot export --links` has no limit.
    export_limit: int = setting(5000, low=1, high=100_000)
