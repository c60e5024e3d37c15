"""Feature handlers; ``ROUTERS`` is the explicit list the app serves (no discovery)."""

from __future__ import annotations

from bot.router import Router
from handlers import data, digest, feeds, help, links, polls, reminders, rooms, web

ROUTERS: list[Router] = [
    help.router,
    rooms.router,
    reminders.router,
    polls.router,
    links.router,
    feeds.router,
    digest.router,
    data.router,
    web.router,
]
