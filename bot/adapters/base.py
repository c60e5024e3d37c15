"""What every adapter offers the app, and the one port (``Host``) the app offers adapters.

An adapter is built with its own config section and the host, and reaches nothing else: no
``bot.app``, no storage (resume points and handled event ids go through ``host.state``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.message import ButtonPress, Incoming, Outgoing, Room, Vote

if TYPE_CHECKING:
    from bot.context import RoomVoice
    from bot.router import Command


class RoomBlocked(Exception):
    """Raised by ``send``: the platform will not deliver to this room any more (a member
    blocked the bot, the bot was removed from the group). Not worth retrying; the app reports
    it as ``Delivery(error=BLOCKED)``."""


class AdapterState(Protocol):
    """What an adapter keeps between runs, per platform: small values (Telegram's last
    ``update_id``, Matrix's ``next_batch``, which message has which buttons) and the ids of
    events already handled. Written only after the events it covers were handled."""

    def get(self, platform: str, key: str) -> str | None: ...

    def get_entry(self, platform: str, key: str) -> tuple[str, datetime] | None:
        """A stored value and when it was stored, or None."""
        ...

    def set(self, platform: str, key: str, value: str, now: datetime) -> None: ...

    def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an event id; True the first time it is seen, False for a repeat."""
        ...

    def forget_events_before(self, platform: str, moment: datetime) -> int: ...


class Host(Protocol):
    """The app as an adapter sees it: the whole port."""

    async def receive(self, incoming: Incoming) -> None:
        """A message, with the time it was sent (the dispatcher decides if it is too old)."""
        ...

    async def press(self, press: ButtonPress) -> None: ...

    async def vote(self, vote: Vote) -> None: ...

    def request_stop(self) -> None: ...

    def now(self) -> datetime: ...

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every command served (for a platform's command menu)."""
        ...

    def voice(self, room_key: str | None = None) -> RoomVoice:
        """How the bot speaks in a room (an unknown room, or none: the configured default)."""
        ...

    @property
    def state(self) -> AdapterState: ...

    def migrate_room(self, old_key: str, new_key: str) -> None:
        """The platform moved a room to a new id (a Telegram group upgraded to a supergroup):
        everything stored for ``old_key`` now belongs to ``new_key``."""
        ...

    def set_room_language(self, room: Room, language: str) -> None:
        """Make a room speak ``language`` (the console's ``:lang``)."""
        ...

    async def advance(self, delta: timedelta) -> None:
        """Move the clock forward, running every timer due on the way (the console's
        ``:time``; the real clock cannot be moved)."""
        ...


class Adapter(Protocol):
    """A chat platform: receives events for the host, sends and edits our messages."""

    platform: str

    async def start(self) -> None:
        """Connect and begin delivering events to the host; return once started."""
        ...

    async def stop(self) -> None:
        """Disconnect; pending sends are finished or reported."""
        ...

    async def send(self, room_id: str, out: Outgoing) -> str:
        """Send a message; return its platform id; raise on failure."""
        ...

    async def edit(self, room_id: str, message_id: str, out: Outgoing) -> None:
        """Replace the text (and buttons) of one of our messages."""
        ...


# Optional capabilities an adapter may add (the app looks them up with getattr and falls back
# to text when they are missing; handlers never test the platform):
#   async def private_room(self, member_id: str) -> str | None   a direct chat's room id
#   async def reply_privately(self, room_id: str, member_id: str, token: str, text: str) -> bool
#       answer a tap where only the tapper sees it (``token``: the Gesture's; Telegram answers
#       the callback query); False lets the app fall back to a private chat
#   async def redact(self, room_id: str, event_id: str) -> bool
#       remove a member's event (a public reaction on a secret ballot) where the bot may
