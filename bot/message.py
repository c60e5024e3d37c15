"""Platform-neutral message model: what adapters produce and what handlers send back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A ``Delivery.error`` that means the platform will not deliver to this room any more (a member
# blocked the bot, the bot was removed from the group): stop writing there, do not retry.
BLOCKED = "blocked"


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
    gesture: Gesture | None = None
    # Links the platform marked in the message beyond its plain text: Telegram ``url`` and
    # ``text_link`` entities (``[text](url)``), Matrix ``<a href>`` in ``formatted_body``.
    links: tuple[str, ...] = ()
    # An edit of an earlier message (``message_id`` is then the original's): features that
    # already handled the original (link capture) may ignore it.
    edited: bool = False


@dataclass(frozen=True, slots=True)
class Gesture:
    """How a tap or a poll answer was made, for the handler that must keep a choice private.

    ``public``: the other members of the room saw it (a Matrix reaction or poll response in a
    group room); a Telegram button tap is seen by the bot alone. ``event_id`` is the gesture's
    own platform id (the reaction event), which an adapter may be able to redact. ``token`` is
    the adapter's handle to answer the tapper privately (a Telegram callback query id).
    """

    public: bool = False
    event_id: str = ""
    token: str = ""


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
    optionally a native poll (adapters without native polls ignore it).

    ``link_preview``: let the platform show a preview card of the first link (Telegram does
    by default); a message listing many links (a digest) turns it off. Matrix ignores it.

    ``private_choice``: pressing a button must not show the choice to the room. Where a press
    is seen by everyone (Matrix reactions in a group room) the adapter lists the choices
    without inviting public presses, and offers a private ballot instead."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    reply_to: str | None = None
    poll: PollSpec | None = None
    attachment: Attachment | None = None
    private_choice: bool = False
    link_preview: bool = True


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A member tapped a button of one of our messages."""

    room: Room
    sender: Member
    data: str
    message_id: str
    at: datetime
    sender_is_admin: bool = False
    gesture: Gesture = Gesture()


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
    gesture: Gesture = Gesture()


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one send: the platform message id, or the error that stopped it
    (``BLOCKED`` when the room no longer accepts the bot's messages)."""

    room_key: str
    message_id: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error
