"""What the poll tests share: the latest poll message, taps, the debounced edit, captured sends
and edits, two linked rooms."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.adapters.console import Line
from bot.message import Delivery, Outgoing
from tests.harness import Harness

POLL_ICONS = ("📊", "📅", "🗳")


def poll_line(bot: Harness, room: str = "asso") -> Line:
    """The latest poll message shown in a room (edits change it in place)."""
    for line in reversed(bot.console.lines):
        if line.room == room and not line.notice and line.text.startswith(POLL_ICONS):
            return line
    raise AssertionError(f"no poll message in {room}")


async def tap(bot: Harness, number: int, member: str, room: str = "asso") -> list[str]:
    """``member`` taps button ``number`` of the latest message with buttons; what got shown."""
    bot.console.state.member = member
    bot.console.state.room = room
    press = bot.console.tap(number)
    assert press is not None
    start = len(bot.console.lines)
    await bot.app.press(press)
    return [line.text for line in bot.console.lines[start:]]


async def settle(bot: Harness) -> None:
    """Let the debounced edit of the poll message happen."""
    await bot.advance(timedelta(seconds=1))


def capture_sends(bot: Harness) -> list[Outgoing]:
    sent: list[Outgoing] = []
    original = bot.app.services.send

    async def send(room_key: str, out: Outgoing) -> Delivery:
        sent.append(out)
        return await original(room_key, out)

    bot.app.services.send = send
    return sent


def count_edits(bot: Harness) -> list[str]:
    edited: list[str] = []
    original: Callable[[str, str, Outgoing], Awaitable[Delivery]] = bot.app.services.edit

    async def edit(room_key: str, message_id: str, out: Outgoing) -> Delivery:
        edited.append(message_id)
        return await original(room_key, message_id, out)

    bot.app.services.edit = edit
    return edited


async def link_bureau(bot: Harness) -> None:
    """Link ``bureau`` to ``asso`` (alice organizes both)."""
    bot.organizer("alice", "bureau")
    replies = await bot.say("/lier", room="asso", member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match
    await bot.say(f"/lier {match.group(1)}", room="bureau", member="alice")
