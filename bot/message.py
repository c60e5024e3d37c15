"""Platform-neutral message model: what adapters produce and what handlers send back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def room_key(platform: str, room_id: str) -> str:
    """Return the storage key of a room: ``platform:id`` (the id is never parsed)."""
    return f"{platform}:{room_id}"


@dataclass(frozen=True, slots=True)
class Room:
    """A group chat, a Matrix room or a console room."""

    platform: str
    id: str
    title: str = ""
    private: bool = False

    @property
    def key(self) -> str:
        return room_key(self.platform, self.id)


@dataclass(frozen=True, slots=True)
class Member:
    """A person on one platform (one platform identity)."""

    platform: str
    id: str
    name: str
    username: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def handle(self) -> str:
        """How to address the member in text: @username when known, else the name."""
        return f"@{self.username}" if self.username else self.name


@dataclass(frozen=True, slots=True)
class Incoming:
    """A text message received from a platform, already normalized by its adapter."""

    room: Room
    sender: Member
    text: str
    at: datetime
    message_id: str = ""
    sender_is_admin: bool = False
    bot_username: str = ""


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button; ``data`` is a short id (Telegram allows 64 bytes).

    ``reaction`` optionally names an emoji that presses this button where buttons are shown as
    reactions (Matrix: 👍 for "me too"); numbered reactions work for every button anyway.
    """

    label: str
    data: str
    reaction: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (an .ics calendar, a CSV export). Platforms that cannot send
    files show the message text, which should then say how to get the content another way."""

    filename: str
    content: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class PollSpec:
    """A native poll, for platforms that have them (Matrix ``m.poll.start``).

    Each answer's ``data`` is what comes back in a ``Vote`` (``poll:12:3``, say). Platforms
    without native polls show the ``Outgoing`` text and buttons instead, so a message with a
    ``poll`` should also carry equivalent buttons.
    """

    question: str
    answers: tuple[Button, ...]
    max_selections: int = 1
    disclosed: bool = True


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to send: plain text (adapters escape it), optional button rows, and
    optionally a native poll (adapters without native polls ignore it)."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    reply_to: str | None = None
    poll: PollSpec | None = None
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A member tapped a button of one of our messages."""

    room: Room
    sender: Member
    data: str
    message_id: str
    at: datetime
    sender_is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Vote:
    """A member answered a native poll: ``choices`` are the chosen answers' ``data``, all of
    them (a new response replaces the previous one)."""

    room: Room
    sender: Member
    message_id: str
    choices: tuple[str, ...]
    at: datetime
    sender_is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one send: the platform message id, or the error that stopped it."""

    room_key: str
    message_id: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error
