"""The data feature's settings (``[data]`` in config.toml): retention and scheduled backups."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import setting


@dataclass(frozen=True, slots=True)
class DataSettings:
    """``[data]``: how long members' data is kept, and backups made by the bot itself."""

    # Days after a poll closes before who voted what is removed (the counts stay, and the
    # decision register with them); 0 keeps voters' names for ever.
    vote_names_days: int = setting(180, low=0, high=36500)
    # Days after a general assembly's vote closes before its ballots are reduced to counts
    # (the window to challenge a decision); minutes, attendance and proxies are kept.
    assembly_challenge_days: int = setting(60, low=1, high=3650)
    # Years a general assembly's minutes, attendance sheet and proxies are kept at least
    # (French practice: five); the bot never deletes them by itself.
    assembly_years: int = setting(5, low=5, high=100)
    # Days shared links are kept; 0 keeps them for ever.
    links_days: int = setting(0, low=0, high=36500)
    # Folder for the bot's own daily backups (relative to the data folder); empty: none.
    backup_folder: str = ""
    # Hour of the day (in the bot's timezone) of the daily backup.
    backup_hour: int = setting(3, low=0, high=23)
    # Daily backups kept (the oldest are deleted).
    backup_keep: int = setting(7, low=1, high=365)
    # Largest /export archive sent in a chat, in megabytes (Telegram bots may send 50 MB).
    export_max_mb: int = setting(45, low=1, high=50)
