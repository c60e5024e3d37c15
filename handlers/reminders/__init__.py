"""Reminders and events: one feature, one catalog (``reminders.po``), one router.

``commands`` (the /rappel family and its buttons), ``quiet`` (quiet hours, /silence),
``events`` (/evenement, /agenda: warnings are reminders tied to an event) and ``delivery``
(timers, the sweep, sending, grouping, catch-up) each declare their part.
"""

from __future__ import annotations

from bot.router import Router
from handlers.reminders import archive, commands, delivery, events, feed, quiet
from handlers.reminders.settings import RemindersSettings

router = (
    Router("reminders", settings=RemindersSettings)
    .include(commands.router, quiet.router, events.router, delivery.router)
    .include(archive.router, feed.router)
)
