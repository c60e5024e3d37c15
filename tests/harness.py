"""The console harness for handler tests: ``await bot.say("/sondage ...")``, then check replies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.console import ConsoleAdapter, Line
from bot.app import App
from bot.config import Config, load_config
from bot.scheduler import Clock

# A fixed start for the movable clock: Tuesday 1 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def make_config(data_dir: Path, **changes: object) -> Config:
    """Defaults (no file, no environment) with the database in ``data_dir``."""
    return replace(load_config(None, env={}), data_dir=data_dir, **changes)  # type: ignore[arg-type]


class Harness:
    """One app on the console adapter, with a clock that only moves when told."""

    def __init__(self, app: App, console: ConsoleAdapter) -> None:
        self.app = app
        self.console = console

    @classmethod
    async def start(cls, config: Config, *, start: datetime = START) -> Harness:
        app = App(config, clock=Clock(start))
        console = ConsoleAdapter(app)
        app.add_adapter(console)
        await app.start()
        return cls(app, console)

    async def stop(self) -> None:
        await self.app.stop()

    async def say(
        self, text: str, *, member: str | None = None, room: str | None = None
    ) -> list[str]:
        """Type one line as ``member`` in ``room`` (defaults: the current ones); return the texts
        shown (bot messages in any room, and console notices)."""
        return [line.text for line in await self.console.say(text, member=member, room=room)]

    async def say_lines(
        self, text: str, *, member: str | None = None, room: str | None = None
    ) -> list[Line]:
        return await self.console.say(text, member=member, room=room)

    @property
    def replies(self) -> list[Line]:
        """Every bot message so far (console notices left out)."""
        return [line for line in self.console.lines if not line.notice]

    def organizer(self, member: str, room: str | None = None, on: bool = True) -> None:
        """Make ``member`` an admin of ``room`` (the current room by default)."""
        admins = self.console.state.admins.setdefault(room or self.console.state.room, set())
        if on:
            admins.add(member)
        else:
            admins.discard(member)

    async def advance(self, delta: timedelta) -> None:
        """Move the clock forward as time would pass, waiting for every timer on the way."""
        await self.app.scheduler.advance(delta)
