"""The polls feature's settings (``[polls]`` in config.toml), declared beside its router."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import setting


@dataclass(frozen=True, slots=True)
class PollsSettings:
    """``[polls]``: voting rules of motions (each motion may override them) and proxies."""

    quorum_percent: int = setting(0, low=0, high=100)
    majority: str = setting("simple", choices=("simple", "absolute", "two_thirds"))
    majority_of: str = setting("cast", choices=("cast", "members"))
    abstention: str = setting("excluded", choices=("excluded", "cast"))
    blank: str = setting("excluded", choices=("excluded", "counted"))
    proxy_cap: int = setting(2, low=0, high=20)
    closing_notice_minutes: int = setting(60, low=0, high=10080)
    # length of the event in a date poll's calendar file
    slot_minutes: int = setting(120, low=5, high=1440)
