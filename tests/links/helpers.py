"""What the links tests share: a fake fetcher, the stored links, two linked rooms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.fetch import FetchError, Preview
from storage.links import LinkRecord, LinkSearch
from tests.harness import Harness


@dataclass
class FakeFetcher:
    """Answers previews from a table; a URL not in it fails like an unreachable page."""

    pages: dict[str, Preview] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    async def preview(self, url: str) -> Preview:
        self.fetched.append(url)
        page = self.pages.get(url)
        if page is None:
            raise FetchError("connect", f"cannot connect to {url}")
        return page

    async def aclose(self) -> None:
        return None


def page(title: str, description: str = "", site: str = "") -> Preview:
    return Preview(title, description, site, "")


def stored(bot: Harness, room: str = "asso", search: LinkSearch | None = None) -> list[LinkRecord]:
    """The links visible from a console room, newest first."""
    store = bot.app.services.store
    record = store.rooms.get(f"console:{room}")
    assert record is not None
    return store.links.search(
        [record.association_id], record.key, search or LinkSearch(), limit=1000
    )


def urls(bot: Harness, room: str = "asso") -> list[str]:
    """The URLs (as shared) of the links visible from a console room, newest first."""
    return [link.url for link in stored(bot, room)]


async def settle(bot: Harness) -> None:
    """Let the background previews run."""
    await bot.app.scheduler.settle()


async def link_rooms(bot: Harness, origin: str = "asso", joining: str = "bureau") -> None:
    """Link ``joining`` to ``origin`` (alice organizes both)."""
    bot.organizer("alice", origin)
    bot.organizer("alice", joining)
    await bot.say("présent", room=joining, member="alice")
    replies = await bot.say("/lier", room=origin, member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match, replies
    await bot.say(f"/lier {match.group(1)}", room=joining, member="alice")
    origin_room = bot.app.services.store.rooms.get(f"console:{origin}")
    joining_room = bot.app.services.store.rooms.get(f"console:{joining}")
    assert origin_room and joining_room
    assert origin_room.association_id == joining_room.association_id
