"""Followed feeds: RSS and Atom feeds an association follows, fetched once for every room
following them, their new entries kept for the digest or posted as they come.

Parts: ``entries`` (what is new in a fetched feed), ``poll`` (the periodic job fetching due
feeds, failures and notices), ``commands`` (/flux, /feed).
"""

from __future__ import annotations

from bot.router import Router
from handlers.feeds import commands, poll
from handlers.feeds.settings import FeedsSettings

router = Router("feeds", settings=FeedsSettings).include(commands.router, poll.router)
