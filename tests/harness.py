"""The console harness for handler tests: ``await bot.say("/sondage ...")``, then check replies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from bot.adapters.console import ConsoleAdapter, Line
from bot.app import App
from bot.config import Config, load_config
from bot.message import Incoming, Outgoing
from bot.router import Router
from bot.scheduler import Clock

# A fixed start for the movable clock: Tuesday 1 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def make_config(data_dir: Path, *settings: object, **changes: object) -> Config:
    """Defaults (no file, no environment) with the database in ``data_dir``; ``settings`` are
    features' settings objects (``PollsSettings(blank="counted")``) replacing their defaults."""
    config = replace(load_config(None, env={}), data_dir=data_dir, **changes)  # type: ignore[arg-type]
    features = {**config.features, **{type(each): each for each in settings}}
    return replace(config, features=MappingProxyType(features))


@dataclass(frozen=True, slots=True)
class Sent:
    """One message the bot sent (or, in ``edits``, the new content of one it edited)."""

    room: str  # the console room's name, as in ``Line.room``
    out: Outgoing
    message_id: str


class RecordingConsole(ConsoleAdapter):
    """The console adapter, also keeping every ``Outgoing`` as sent (buttons, polls, files)."""

    def __init__(self, app: App) -> None:
        super().__init__(app, app.config.console, files_dir=app.config.data_dir / "files")
        self.sent: list[Sent] = []
        self.edits: list[Sent] = []

    async def send(self, room_id: str, out: Outgoing) -> str:
        message_id = await super().send(room_id, out)
        self.sent.append(Sent(room_id, out, message_id))
        return message_id

    async def edit(self, room_id: str, message_id: str, out: Outgoing) -> None:
        await super().edit(room_id, message_id, out)
        self.edits.append(Sent(room_id, out, message_id))


class Harness:
    """One app on the console adapter, with a clock that only moves when told."""

    def __init__(self, app: App, console: ConsoleAdapter) -> None:
        self.app = app
        self.console = console

    @classmethod
    async def start(
        cls, config: Config, *, start: datetime = START, routers: Iterable[Router] | None = None
    ) -> Harness:
        app = App(config, clock=Clock(start), routers=routers)
        console = RecordingConsole(app)
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

    async def tap(
        self, number: int, *, member: str | None = None, room: str | None = None
    ) -> list[str]:
        """Tap button ``number`` (1-based, across rows) of the latest message with buttons in
        the room, as ``member``; return the texts shown (private answers included)."""
        if member is not None:
            self.console.state.member = member
        if room is not None:
            self.console.state.room = room
        press = self.console.tap(number)
        if press is None:
            raise AssertionError(f"no button {number} on a message in {self.console.state.room}")
        start = len(self.console.lines)
        await self.app.press(press)
        return [line.text for line in self.console.lines[start:]]

    def incoming(
        self,
        text: str,
        *,
        bot_username: str = "",
        member: str | None = None,
        room: str | None = None,
    ) -> Incoming:
        """The message typing ``text`` would send (to pass to ``app.receive``), addressed to
        a bot named ``bot_username`` as a platform with usernames would."""
        if member is not None:
            self.console.state.member = member
        if room is not None:
            self.console.state.room = room
        return self.console.incoming(text, bot_username=bot_username)

    @property
    def sent(self) -> list[Sent]:
        """Every message sent so far, in any room, as the handlers built it."""
        return self._recording().sent

    @property
    def edits(self) -> list[Sent]:
        """Every edit so far: the edited message's id and its new content."""
        return self._recording().edits

    def _recording(self) -> RecordingConsole:
        if not isinstance(self.console, RecordingConsole):
            raise TypeError("start the harness with Harness.start() to record what is sent")
        return self.console

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
        await self.app.advance(delta)
