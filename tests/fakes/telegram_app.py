"""An assobot App on the real Telegram adapter, talking to the fake Bot API server."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.adapters.telegram import TelegramAdapter
from bot.app import App
from bot.config import TelegramConfig
from bot.router import Router
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import make_config


class TelegramWorld:
    """The fake server with a group (alice is an admin, bob is not) and the bot to start."""

    def __init__(self, fake: FakeTelegram, data_dir: Path) -> None:
        self.fake = fake
        self.data_dir = data_dir
        self.alice = fake.user("Alice", username="alice")
        self.bob = fake.user("Bob", username="bob", language="en")
        self.group = fake.group("Asso des Tilleuls", creator=self.alice)
        self.app: App | None = None
        self.adapter: TelegramAdapter | None = None

    def config_changes(self, **telegram: Any) -> TelegramConfig:
        return TelegramConfig(token=self.fake.token, api_base_url=self.fake.base_url, **telegram)

    async def start_bot(
        self,
        *,
        routers: Iterable[Router] | None = None,
        telegram: dict[str, Any] | None = None,
        **adapter_options: Any,
    ) -> TelegramAdapter:
        config = replace(
            make_config(self.data_dir), telegram=self.config_changes(**(telegram or {}))
        )
        self.app = App(config, routers=routers)
        options: dict[str, Any] = {
            "poll_timeout": 1.0,
            "first_backoff": 0.2,
            "max_backoff": 1.0,
        }
        options.update(adapter_options)
        self.adapter = TelegramAdapter(config.telegram, self.app, source=config.source, **options)
        self.app.add_adapter(self.adapter)
        await self.app.start()
        return self.adapter

    async def stop_bot(self) -> None:
        if self.app is not None:
            await self.app.stop()
            self.app = None

    async def reply_to(
        self, chat_id: int, user_id: int, text: str, *, count: int = 1, **options: Any
    ) -> list[str]:
        """Say ``text`` and wait for ``count`` new bot messages in the chat; return them."""
        before = len(self.fake.sent(chat_id))
        self.fake.say(chat_id, user_id, text, **options)
        await self.fake.wait_for(
            lambda: len(self.fake.sent(chat_id)) >= before + count, what=f"reply to {text!r}"
        )
        return self.fake.texts(chat_id)[before:]
