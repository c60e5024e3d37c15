"""The association's data and its members' rights: ``/mydata`` (a member's copy), ``/forgetme``
(erasure after a confirmation), ``/privacy`` (what is kept, how long, who sees it), ``/export``
(the association's archive, organizers), the daily retention job and scheduled backups.

Parts: ``commands`` (the four commands and the confirmation buttons), ``jobs`` (retention and
backups, on timers).
"""

from __future__ import annotations

from bot.router import Router
from handlers.data import commands, jobs
from handlers.data.settings import DataSettings

router = Router("data", settings=DataSettings).include(commands.router, jobs.router)
