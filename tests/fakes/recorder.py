"""A test feature that records what the adapters deliver to features' listeners."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.context import Context
from bot.message import Incoming
from bot.router import Router


@dataclass
class Recorder:
    """A listener keeping every plain message it receives (``ctx.message``), and ``/parrot``
    (``!parrot``) to show when a command runs."""

    heard: list[Incoming] = field(default_factory=list)
    router: Router = field(default_factory=lambda: Router("recorder"))

    def __post_init__(self) -> None:
        @self.router.listener
        async def hear(ctx: Context) -> None:
            self.heard.append(ctx.message)

        @self.router.command("parrot", "perroquet", help="Repeat the text.")
        async def parrot(ctx: Context) -> None:
            await ctx.reply(f"parrot: {ctx.text}")

    def texts(self) -> list[str]:
        return [m.text for m in self.heard]

    def find(self, text: str) -> Incoming | None:
        """The first message heard whose text is ``text``."""
        return next((m for m in self.heard if m.text == text), None)
