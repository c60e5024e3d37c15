"""The general assembly, part of the polls feature: the roll (/membres), convocation and session
(/ag), attendance (/present, /depart) and proxies for an assembly (through /procuration).

Parts (lowest first): ``people`` (names, finding a person), ``session`` (quorum, the live session
message), ``convene`` (convocation, event, calendar file), then the commands ``roll``,
``attendance``, ``agm``; ``proxies`` is called by /procuration in ``handlers.polls.manage``.
"""

from __future__ import annotations

from bot.router import Router
from handlers.polls.assembly import agm, attendance, roll

router = Router("polls").include(roll.router, attendance.router, agm.router)
