"""A crash between fetching a batch of updates and handling it loses nothing and runs nothing
twice: Telegram is told to forget an update only after it was handled (real PTB HTTP stack,
fake Bot API server)."""

from __future__ import annotations

import asyncio

from bot.context import Context
from bot.router import Router
from handlers import ROUTERS
from tests.fakes.telegram_app import TelegramWorld


class Journal:
    """A test-only feature: ``/testnote X`` records X once handled; ``/testslow`` blocks
    until released (the crash happens while it is being handled)."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.slow_started = asyncio.Event()
        self.release = asyncio.Event()
        self.router = Router("journal")

        @self.router.command("testnote", "notetest", help="Record a note.")
        async def note(ctx: Context) -> None:
            self.done.append(ctx.text)

        @self.router.command("testslow", "lenttest", help="Record slowly.")
        async def slow(ctx: Context) -> None:
            self.slow_started.set()
            await self.release.wait()
            self.done.append("slow")


async def test_crash_while_handling_a_batch_loses_nothing_and_runs_nothing_twice(
    world: TelegramWorld,
) -> None:
    journal = Journal()
    fake = world.fake
    fake.say(world.group, world.bob, "/testnote 1")  # one batch of four
    slow_id = fake.say(world.group, world.bob, "/testslow")
    fake.say(world.group, world.bob, "/testnote 2")
    fake.say(world.group, world.bob, "/testnote 3")
    await world.start_bot(routers=[*ROUTERS, journal.router], stop_grace=0)
    await asyncio.wait_for(journal.slow_started.wait(), 30)
    await world.stop_bot()  # the crash: handling of the batch cut short, no grace
    assert ["1"] == journal.done
    assert slow_id >= fake.confirmed  # Telegram was told to forget only what was handled

    journal.release.set()
    await world.start_bot(routers=[*ROUTERS, journal.router])
    fake.say(world.group, world.bob, "/testnote 4")  # a marker: all before is done
    await fake.wait_for(lambda: "4" in journal.done, what="the marker handled")
    assert ["1", "slow", "2", "3", "4"] == journal.done
