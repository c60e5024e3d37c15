"""The Telegram test fixtures, registered as a pytest plugin (``tests/conftest.py``):
``fake_telegram`` is the fake Bot API server alone, ``world`` adds a group and the bot to
start (``await world.start_bot()``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_app import TelegramWorld


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def world(fake_telegram: FakeTelegram, data_dir: Path) -> AsyncIterator[TelegramWorld]:
    world = TelegramWorld(fake_telegram, data_dir)
    try:
        yield world
    finally:
        await world.stop_bot()
