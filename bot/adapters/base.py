"""What every adapter offers the app, and what the app offers adapters."""

from __future__ import annotations

from typing import Protocol

from bot.message import ButtonPress, Incoming, Outgoing, Vote


class Host(Protocol):
    """The app as an adapter sees it."""

    async def receive(self, incoming: Incoming) -> None: ...

    async def press(self, press: ButtonPress) -> None: ...

    async def vote(self, vote: Vote) -> None: ...

    def request_stop(self) -> None: ...


class Adapter(Protocol):
    """A chat platform: receives events for the host, sends and edits our messages."""

    platform: str

    async def start(self, host: Host) -> None:
        """Connect and begin delivering events; return once started."""
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
