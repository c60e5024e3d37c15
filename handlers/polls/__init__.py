"""Polls and decisions: /sondage, /quand, /motion, /vote, /procuration, /cloturer, /prolonger,
/decisions — with live results, deadlines, secret ballots, proxies and linked rooms.

One router for the feature, made of its parts (lowest first, no part imports a later one):
``tally`` (pure vote arithmetic), ``requests`` (reading a request), ``lookup`` (finding polls),
``results`` (live or frozen counts), ``render`` (what members read), ``slots`` (date polls and
calendar files), ``lifecycle`` (edits, notices, closing, timers), then the commands:
``create``, ``vote``, ``manage``, ``register``; ``links`` (/liens-vote), ``web`` and ``webform``
(the voting page of a personal link), ``web_archive`` (the archive's register of decisions).
"""

from __future__ import annotations

from bot.router import Router
from handlers.polls import create, lifecycle, links, manage, register, vote, web, web_archive
from handlers.polls.assembly import agm, attendance, roll
from handlers.polls.settings import PollsSettings

router = Router("polls", settings=PollsSettings).include(
    create.router,
    vote.router,
    manage.router,
    register.router,
    lifecycle.router,
    roll.router,
    attendance.router,
    agm.router,
    links.router,
    web.router,
    web_archive.router,
)
