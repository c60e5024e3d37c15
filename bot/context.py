"""``Context``: the one object a handler receives; ``Services``: what the app shares with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from bot.config import Config
from bot.errors import Refusal, UsageError
from bot.i18n import Translator, format_date, format_datetime, format_number
from bot.message import Attachment, Button, Delivery, Incoming, Member, Outgoing
from bot.router import split_arguments
from bot.scheduler import Clock, Scheduler
from bot.text import MAX_NUMBER, clip, read_number
from storage.rooms import RoomRecord
from storage.store import Store

if TYPE_CHECKING:
    from bot.fetch import Fetcher
    from bot.router import Command

T = TypeVar("T")
Sender = Callable[[str, Outgoing], Awaitable[Delivery]]
Editor = Callable[[str, str, Outgoing], Awaitable[Delivery]]
PrivateOpener = Callable[[str], Awaitable[str | None]]
PrivateReplier = Callable[[str, str, str, str], Awaitable[bool]]
Redactor = Callable[[str, str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class RoomVoice:
    """How the bot speaks in one room: its language and timezone, its command names.

    The one way to speak in a room's language — a handler's ``Context`` delegates to it, and
    timers, adapters and features reach it with ``services.voice(room)``.
    """

    translator: Translator
    language: str
    timezone: str
    commands: tuple[Command, ...] = ()

    def t(self, msgid: str, /, **params: object) -> str:
        """Translate into the room's language."""
        return self.translator.t(self.language, msgid, **params)

    def tn(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """Translate with a plural form chosen by ``n``."""
        return self.translator.tn(self.language, singular, plural, n, **params)

    def when(self, moment: datetime) -> str:
        """``mardi 3 décembre 2026 à 18:30`` in the room's language and timezone."""
        return format_datetime(moment, self.language, self.timezone)

    def day(self, moment: datetime) -> str:
        """``mardi 3 décembre 2026`` in the room's language and timezone."""
        return format_date(moment, self.language, self.timezone)

    def number(self, value: int | float) -> str:
        """A number written the room's way (``1 234,5``)."""
        return format_number(value, self.language)

    def command(self, name: str) -> str:
        """The room-language name of a command given by its English name (``pair`` → ``lier``);
        aliases count too (``register`` → ``decisions``)."""
        for command in self.commands:
            if name == command.name or name in command.aliases:
                return command.localized_name(self.language)
        return name


@dataclass(slots=True)
class Services:
    """Shared by every handler of one running app."""

    config: Config
    store: Store
    clock: Clock
    scheduler: Scheduler
    translator: Translator
    send: Sender
    edit: Editor
    private_room: PrivateOpener
    commands: tuple[Command, ...] = field(default=())
    reply_privately: PrivateReplier | None = None
    redact: Redactor | None = None
    # The one way out to the web (link previews, feeds): every fetch passes its address guard.
    fetcher: Fetcher | None = None

    def web_address(self, path: str) -> str | None:
        """The address members open for a page of the web server (``/v/<token>``), or None
        when the web page is off."""
        web = self.config.web
        if not web.enabled or not web.public_url:
            return None
        return web.public_url.rstrip("/") + path

    def voice(self, room: RoomRecord | str | None = None) -> RoomVoice:
        """The voice of a room (a record or a key); an unknown room, or none, speaks the
        configured default language and timezone."""
        if isinstance(room, str):
            room = self.store.rooms.get(room)
        if room is None:
            return RoomVoice(
                self.translator, self.config.language, self.config.timezone, self.commands
            )
        return RoomVoice(self.translator, room.language, room.timezone, self.commands)


class Context:
    """One message (or button tap) being handled: who, where, what, and how to answer."""

    __slots__ = (
        "_language",
        "_organizer",
        "args",
        "command",
        "message",
        "room",
        "services",
        "text",
    )

    def __init__(
        self,
        services: Services,
        message: Incoming,
        room: RoomRecord,
        command: Command | None,
        text: str,
    ) -> None:
        self.services = services
        self.message = message
        self.room = room
        self.command = command
        self.text = text
        self.args = split_arguments(text)
        self._organizer: bool | None = None
        self._language: str | None = None

    # What and who -------------------------------------------------------------------------

    @property
    def sender(self) -> Member:
        return self.message.sender

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def scheduler(self) -> Scheduler:
        return self.services.scheduler

    @property
    def config(self) -> Config:
        return self.services.config

    def settings(self, kind: type[T]) -> T:
        """The feature's settings (its ``[section]`` of config.toml, or the defaults)."""
        return self.services.config.feature(kind)

    @property
    def commands(self) -> tuple[Command, ...]:
        return self.services.commands

    def command_name(self, name: str) -> str:
        """The room-language name of a command given by its English name (``pair`` → ``lier``)."""
        return self.voice.command(name)

    @property
    def lang(self) -> str:
        return self._language or self.room.language

    def speak_as(self, room: RoomRecord | str) -> None:
        """In a private chat, answer in the language of the room an object belongs to (a
        ballot for an English room's poll is confirmed in English); a group keeps its own."""
        if not self.room.private:
            return
        record = self.store.rooms.get(room) if isinstance(room, str) else room
        if record is not None and not record.private:
            self._language = record.language

    @property
    def is_organizer(self) -> bool:
        """Platform admin, private chat with the bot, or granted the role by command."""
        if self._organizer is None:
            self._organizer = (
                self.message.sender_is_admin
                or self.room.private
                or self.store.organizers.is_granted(self.room.key, self.sender.key)
            )
        return self._organizer

    def require_organizer(self) -> None:
        """Stop with a clear reply unless the sender is an organizer."""
        if not self.is_organizer:
            raise Refusal("Only organizers can do this.")

    def may_act_on(self, room_key: str, creator_key: str | None = None) -> bool:
        """May the sender manage an object (poll, reminder, event…) that lives in ``room_key``?

        Its creator may; otherwise an organizer of the room where it lives or of a room linked
        to it (linking needed an organizer in each room). A role holds only where it was earned:
        a private chat, where everyone is "organizer" of their own things, never acts on a
        room's objects.
        """
        if creator_key is not None and creator_key == self.sender.key:
            return True
        if self.room.private or not self.is_organizer:
            return False
        if room_key == self.room.key:
            return True
        home = self.store.rooms.get(room_key)
        return home is not None and home.association_id == self.room.association_id

    def require_may_act_on(self, room_key: str, creator_key: str | None = None) -> None:
        """Stop with a clear reply unless ``may_act_on`` holds."""
        if not self.may_act_on(room_key, creator_key):
            raise Refusal(
                "Only its creator or an organizer of the room where it was created can do this."
            )

    def number(self, text: str, *, low: int = 0, high: int = MAX_NUMBER) -> int:
        """A number typed by a member (``12`` or ``#12``), bounded; a clear UsageError otherwise
        (never an OverflowError from SQLite nor a traceback in the log)."""
        value = read_number(text, low=low, high=high)
        if value is not None:
            return value
        typed = read_number(text, low=0, high=10**20)
        if typed is None:
            raise UsageError(
                "{text} is not a number: write it with digits, like 3.", text=clip(text, 24)
            )
        if typed < low and high >= MAX_NUMBER:
            raise UsageError("{text} is too small: the smallest is {low}.", text=typed, low=low)
        if high >= MAX_NUMBER:
            raise UsageError(
                "{text} is too large: no item has such a number.", text=clip(text, 24)
            )
        raise UsageError(
            "{text} is out of range: write a number from {low} to {high}.",
            text=clip(text, 24),
            low=low,
            high=high,
        )

    def now(self) -> datetime:
        return self.services.clock.now()

    # Text ----------------------------------------------------------------------------------

    @property
    def voice(self) -> RoomVoice:
        """How the bot speaks in this room (language, timezone, command names)."""
        if self._language is not None:
            return RoomVoice(
                self.services.translator, self._language, self.room.timezone, self.commands
            )
        return self.services.voice(self.room)

    def t(self, msgid: str, /, *, lang: str | None = None, **params: object) -> str:
        """Translate into the room's language (or ``lang``)."""
        return self.services.translator.t(lang or self.lang, msgid, **params)

    def tn(
        self, singular: str, plural: str, n: int, /, *, lang: str | None = None, **params: object
    ) -> str:
        """Translate with a plural form chosen by ``n``."""
        return self.services.translator.tn(lang or self.lang, singular, plural, n, **params)

    def format_datetime(self, moment: datetime, room: RoomRecord | None = None) -> str:
        """``mardi 3 décembre 2026 à 18:30`` in a room's language and timezone."""
        return self.services.voice(room or self.room).when(moment)

    def format_date(self, moment: datetime, room: RoomRecord | None = None) -> str:
        return self.services.voice(room or self.room).day(moment)

    # Answers -------------------------------------------------------------------------------

    async def reply(
        self,
        text: str,
        buttons: Sequence[Sequence[Button]] = (),
        attachment: Attachment | None = None,
    ) -> Delivery:
        """Answer in the room the message came from (optionally with buttons or a file)."""
        out = Outgoing(
            text,
            tuple(tuple(row) for row in buttons),
            self.message.message_id or None,
            attachment=attachment,
        )
        return await self.services.send(self.room.key, out)

    async def send(self, room_key: str, out: Outgoing) -> Delivery:
        """Post to any room the bot knows (an announcement to a linked room, say)."""
        return await self.services.send(room_key, out)

    async def edit(self, room_key: str, message_id: str, out: Outgoing) -> Delivery:
        """Replace the text and buttons of one of our messages."""
        return await self.services.edit(room_key, message_id, out)

    async def private_room(self, member_key: str | None = None) -> str | None:
        """The key of a private chat with a member (the sender by default), or None where the
        platform cannot open one."""
        return await self.services.private_room(member_key or self.sender.key)

    # Private answers to a tap or a poll answer (a choice that must stay private) -------------

    async def reply_privately(self, text: str) -> bool:
        """Answer the sender where only they see it: the tap's own answer where the platform
        has one, else a private chat; never the room. False when no private way exists."""
        replier = self.services.reply_privately
        if replier is None:
            return False
        token = self.message.gesture.token if self.message.gesture else ""
        return await replier(self.room.key, self.sender.key, token, text)

    async def remove_gesture(self) -> bool:
        """Remove the public gesture (a reaction, a poll response) this event came from, where
        the platform lets the bot; True when it is gone."""
        gesture = self.message.gesture
        if gesture is None or not gesture.event_id or self.services.redact is None:
            return False
        return await self.services.redact(self.room.key, gesture.event_id)
