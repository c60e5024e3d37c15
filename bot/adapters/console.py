"""The console adapter: a local room in the terminal, and the harness handler tests drive.

Meta-commands (lines starting with ``:``) switch member, room, role and language, and move the
clock. Everything else is a chat message from the current member in the current room.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.adapters.base import Host
from bot.config import ConsoleConfig
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, _
from bot.message import Attachment, Button, ButtonPress, Incoming, Member, Outgoing, Room

log = logging.getLogger(__name__)

PLATFORM = "console"
_DELTA = re.compile(r"^\+(\d+)\s*(m|min|h|d|j|w|s)$")
_UNITS = {
    "s": "seconds",
    "m": "minutes",
    "min": "minutes",
    "h": "hours",
    "d": "days",
    "j": "days",
    "w": "weeks",
}


@dataclass(slots=True)
class Line:
    """One thing shown in the console: a bot message (with its buttons) or a console notice."""

    room: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    message_id: str = ""
    notice: bool = False
    private_to: str = ""  # a notice only this member sees (an answer to their tap)


@dataclass(slots=True)
class ConsoleState:
    """Who speaks, where, and who is an admin of which room."""

    member: str
    room: str
    admins: dict[str, set[str]] = field(default_factory=dict)


class ConsoleAdapter:
    """Terminal chat for one person playing every member; also the test harness."""

    platform = PLATFORM

    def __init__(
        self,
        host: Host,
        settings: ConsoleConfig | None = None,
        *,
        files_dir: Path | None = None,
        output: TextIO | None = None,
    ) -> None:
        self.host = host
        settings = settings or ConsoleConfig()
        self.state = ConsoleState(
            settings.member, settings.room, {settings.room: {settings.member}}
        )
        self.files_dir = files_dir  # None: a temporary folder, made at the first file
        self.output = output
        self.lines: list[Line] = []
        self.files: list[Path] = []
        self._counter = 0
        self._reader: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None

    # The harness API ------------------------------------------------------------------------

    async def say(
        self, text: str, *, member: str | None = None, room: str | None = None
    ) -> list[Line]:
        """Type one line (a message or a ``:meta`` command); return what got shown."""
        start = len(self.lines)
        if member is not None:
            self.state.member = member
        if room is not None:
            self.state.room = room
        text = text.strip()
        if text.startswith(":"):
            await self._meta(text)
        elif text:
            await self.host.receive(self.incoming(text))
        return self.lines[start:]

    def tap(self, number: int) -> ButtonPress | None:
        """The press of button ``number`` (1-based, across rows) on the latest message with
        buttons in the current room, or None."""
        for line in reversed(self.lines):
            if line.room == self.state.room and line.buttons and not line.notice:
                flat = [b for row in line.buttons for b in row]
                if 1 <= number <= len(flat):
                    return ButtonPress(
                        self._room(),
                        self._member(),
                        flat[number - 1].data,
                        line.message_id,
                        self.host.now(),
                        self._is_admin(),
                    )
                return None
        return None

    # Adapter protocol ---------------------------------------------------------------------

    async def start(self) -> None:
        if self.output is None:
            return  # harness mode: tests call say()
        self._print_banner()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        ready = threading.Event()
        self._reader = threading.Thread(
            target=_read_lines, args=(loop, queue, ready, self._prompt), daemon=True
        )
        self._reader.start()
        self._task = loop.create_task(self._loop(queue, ready), name="console")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def send(self, room_id: str, out: Outgoing) -> str:
        self._counter += 1
        message_id = f"m{self._counter}"
        text = out.text
        if out.attachment is not None:
            path = self._save(out.attachment)
            self.files.append(path)
            text = f"{text}\n📎 {out.attachment.filename} → {path}".lstrip("\n")
        self._show(Line(room_id, text, out.buttons, message_id))
        return message_id

    def _save(self, attachment: Attachment) -> Path:
        """The console "sends" a file by writing it under the data folder's ``files/``."""
        if self.files_dir is None:
            self.files_dir = Path(tempfile.mkdtemp(prefix="assobot-files-"))
        folder = self.files_dir
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w.-]", "_", attachment.filename) or "file"
        path = folder / safe
        stem, suffix = path.stem, path.suffix
        number = 2
        while path.exists():  # a file sent again never replaces the first (a list of links)
            path = folder / f"{stem}-{number}{suffix}"
            number += 1
        path.write_bytes(attachment.content)
        return path

    async def edit(self, room_id: str, message_id: str, out: Outgoing) -> None:
        for line in self.lines:
            if line.message_id == message_id and line.room == room_id:
                line.text, line.buttons = out.text, out.buttons
        self._show(Line(room_id, out.text, out.buttons, message_id), edited=True)

    async def reply_privately(self, room_id: str, member_id: str, token: str, text: str) -> bool:
        """A private notice: only the member who tapped sees it (never the room's messages)."""
        self._show(Line(room_id, text, notice=True, private_to=member_id))
        return True

    async def private_room(self, member_id: str) -> str:
        """The console's private chat with a member is a room named ``dm-<member>``."""
        return f"dm-{member_id}"

    # Internals ----------------------------------------------------------------------------

    def _room(self) -> Room:
        name = self.state.room
        return Room(PLATFORM, name, title=name, private=name.startswith("dm-"))

    def _member(self) -> Member:
        name = self.state.member
        return Member(PLATFORM, name, name.capitalize(), username=name)

    def _is_admin(self) -> bool:
        return self.state.member in self.state.admins.get(self.state.room, set())

    def incoming(self, text: str, *, bot_username: str = "") -> Incoming:
        """What typing ``text`` sends: from the current member, in the current room, now."""
        self._counter += 1
        return Incoming(
            room=self._room(),
            sender=self._member(),
            text=text,
            at=self.host.now(),
            message_id=f"in{self._counter}",
            sender_is_admin=self._is_admin(),
            bot_username=bot_username,
        )

    def _notice(self, msgid: str, /, **params: object) -> None:
        text = self.host.voice(self._room().key).t(msgid, **params)
        self._show(Line(self.state.room, text, notice=True))

    def _show(self, line: Line, *, edited: bool = False) -> None:
        if not edited:
            self.lines.append(line)
        if self.output is None:
            return
        if line.private_to:
            text = f"  🔒 {line.private_to}: " + line.text.replace("\n", "\n    ")
        elif line.notice:
            text = "  · " + line.text.replace("\n", "\n    ")
        else:
            where = "" if line.room == self.state.room else f"[{line.room}] "
            mark = ""
            if edited:
                mark = "(" + self.host.voice(f"{PLATFORM}:{line.room}").t(_("edited")) + ") "
            text = f"{where}assobot ▸ {mark}" + line.text.replace("\n", "\n          ")
            flat = [b for row in line.buttons for b in row]
            if flat:
                text += "\n          " + "  ".join(
                    f"[{i}] {b.label}" for i, b in enumerate(flat, start=1)
                )
        print(text, file=self.output, flush=True)

    def _prompt(self) -> str:
        role = "*" if self._is_admin() else ""
        return f"[{self.state.member}{role}@{self.state.room}] > "

    def _print_banner(self) -> None:
        self._notice(
            "assobot console: you are {member} in room {room}. Type /help (or /aide), "
            ":help for console commands, :quit to leave.",
            member=self.state.member,
            room=self.state.room,
        )

    async def _loop(self, queue: asyncio.Queue[str | None], ready: threading.Event) -> None:
        while True:
            ready.set()
            line = await queue.get()
            if line is None or line.strip() in (":quit", ":q", ":exit"):
                self.host.request_stop()
                return
            try:
                await self.say(line)
            except Exception:  # the console must survive anything typed into it
                log.exception("console line failed")

    async def _meta(self, text: str) -> None:
        command, _sep, rest = text[1:].partition(" ")
        rest = rest.strip()
        actions: dict[str, Callable[[str], object]] = {
            "as": self._meta_as,
            "room": self._meta_room,
            "organizer": self._meta_organizer,
            "organisateur": self._meta_organizer,
            "lang": self._meta_lang,
            "langue": self._meta_lang,
            "tap": self._meta_tap,
            "time": self._meta_time,
            "heure": self._meta_time,
            "help": self._meta_help,
            "aide": self._meta_help,
            "whoami": self._meta_whoami,
        }
        action = actions.get(command.lower())
        if action is None:
            self._notice("Unknown console command :{name}. Type :help.", name=command)
            return
        result = action(rest)
        if asyncio.iscoroutine(result):
            await result

    def _meta_as(self, name: str) -> None:
        if not re.fullmatch(r"[\w.-]{1,32}", name):
            self._notice("Usage: :as NAME (letters, digits, . _ -)")
            return
        self.state.member = name
        self._meta_whoami("")

    def _meta_room(self, name: str) -> None:
        if not re.fullmatch(r"[\w.-]{1,32}", name):
            self._notice("Usage: :room NAME (letters, digits, . _ -)")
            return
        self.state.room = name
        self._meta_whoami("")

    def _meta_organizer(self, value: str) -> None:
        admins = self.state.admins.setdefault(self.state.room, set())
        if value in ("on", "oui", "yes"):
            admins.add(self.state.member)
        elif value in ("off", "non", "no"):
            admins.discard(self.state.member)
        else:
            self._notice("Usage: :organizer on | off")
            return
        self._meta_whoami("")

    def _meta_lang(self, value: str) -> None:
        if value not in LANGUAGES:
            self._notice("Usage: :lang fr | en")
            return
        self.host.set_room_language(self._room(), value)
        self._notice(
            "Room {room} now speaks {language}.",
            room=self.state.room,
            language=LANGUAGE_NAMES.get(value, value),
        )

    async def _meta_tap(self, value: str) -> None:
        press = self.tap(int(value)) if value.isdecimal() else None
        if press is None:
            self._notice("Usage: :tap N — taps button N of the latest message with buttons.")
            return
        await self.host.press(press)

    async def _meta_time(self, value: str) -> None:
        host = self.host
        if value:
            target = self._parse_time(value)
            if target is None:
                self._notice("Usage: :time +30m | +2h | +3d | +1w | YYYY-MM-DD HH:MM")
                return
            if target < host.now():
                self._notice("The clock only moves forward.")
                return
            await host.advance(target - host.now())
        self._notice("It is now {when}.", when=host.voice(self._room().key).when(host.now()))

    def _parse_time(self, value: str) -> datetime | None:
        match = _DELTA.match(value.replace(" ", ""))
        if match:
            amount, unit = int(match.group(1)), _UNITS[match.group(2)]
            return self.host.now() + timedelta(**{unit: amount})
        try:
            local = datetime.strptime(value, "%Y-%m-%d %H:%M")
        except ValueError:
            return None
        return local.replace(tzinfo=ZoneInfo(self.host.voice(self._room().key).timezone))

    def _meta_help(self, _value: str) -> None:
        self._notice(
            "Console commands:\n"
            ":as NAME — speak as another member\n"
            ":room NAME — go to another room\n"
            ":organizer on|off — be an admin of this room or not\n"
            ":lang fr|en — change this room's language\n"
            ":time +2h | :time 2026-12-01 09:00 — move the clock forward\n"
            ":tap N — tap button N of the latest message\n"
            ":whoami — who and where you are\n"
            ":quit — leave (everything is kept)"
        )

    def _meta_whoami(self, _value: str) -> None:
        role = "organizer" if self._is_admin() else "member"
        self._notice(
            "You are {member} ({role}) in room {room}.",
            member=self.state.member,
            room=self.state.room,
            role=self.host.voice(self._room().key).t(role),
        )


def _read_lines(
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue[str | None],
    ready: threading.Event,
    prompt: Callable[[], str],
) -> None:
    """Read stdin in a daemon thread (it never blocks shutdown), one line per handled line."""
    interactive = sys.stdin.isatty()
    while True:
        ready.wait()
        ready.clear()
        try:
            line: str | None = input(prompt()) if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            line = None
        if line == "" and not interactive:
            line = None
        loop.call_soon_threadsafe(queue.put_nowait, line)
        if line is None:
            return
