"""The archive and agenda tests' kit: the bot with its web page, /archive's addresses as an
organizer reads them in the private chat, and plain HTTP reads of the pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.router import Router
from handlers.digest.settings import DigestSettings
from tests.harness import Harness
from tests.webkit import local, web_config

PUBLIC = "https://asso.example.org"
ARCHIVE = re.compile(r"https://asso\.example\.org/archive/[A-Za-z0-9_-]+")
AGENDA = re.compile(r"https://asso\.example\.org/agenda/[A-Za-z0-9_-]+/agenda\.ics")
WEBCAL = re.compile(r"webcal://asso\.example\.org/agenda/[A-Za-z0-9_-]+/agenda\.ics")


def routers() -> list[Router]:
    """Every feature's router, the web feature's included (until the app lists it)."""
    from handlers import ROUTERS, web

    return ROUTERS if web.router in ROUTERS else [*ROUTERS, web.router]


async def start(data_dir: Path) -> Harness:
    """The console bot with the web page on a free loopback port; digests sent at once."""
    config = web_config(data_dir, DigestSettings(sends_per_second=1000))
    return await Harness.start(config, routers=routers())


@dataclass(frozen=True, slots=True)
class Addresses:
    """What /archive gave: the organizer's private message and the addresses in it."""

    room_reply: str
    private: str
    archive: str
    agenda: str
    webcal: str


async def archive(bot: Harness, args: str = "", member: str = "alice") -> Addresses:
    """Type /archive in the association's room as an organizer; read the private message."""
    lines = await bot.say_lines(f"/archive {args}".strip(), member=member, room="asso")
    in_room = [line.text for line in lines if line.room == "asso"]
    private = [line.text for line in lines if line.room == f"dm-{member}"]
    assert 1 == len(in_room), lines
    assert 1 == len(private), lines
    text = private[0]
    found = [pattern.search(text) for pattern in (ARCHIVE, AGENDA, WEBCAL)]
    assert all(found), text
    archive_at, agenda_at, webcal_at = (match.group(0) for match in found if match)
    return Addresses(in_room[0], text, archive_at, agenda_at, webcal_at)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


async def get(bot: Harness, address: str, **params: str) -> Answer:
    """GET a public address (or a path) from the bot's own web server."""
    assert bot.app.web is not None
    base = bot.app.web.base_url
    url = local(address, base, PUBLIC) if address.startswith(PUBLIC) else base + address
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, params=params or None) as response,
    ):
        return Answer(response.status, response.content_type, await response.read())
