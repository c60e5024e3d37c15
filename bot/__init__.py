"""assobot: a chat bot for associations, on Telegram, Matrix and the console."""

from __future__ import annotations

__version__ = "0.1.0"
