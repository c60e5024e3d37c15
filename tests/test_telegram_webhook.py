"""Webhook mode: setWebhook with the secret, updates POSTed to PTB's webhook server on
127.0.0.1, and requests without the right secret refused (through the real HTTP stacks)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.fakes.telegram_app import TelegramWorld

SECRET = "s3cret-Token_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def webhook_settings() -> dict[str, Any]:
    port = free_port()
    return {
        "mode": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
        "webhook_secret": SECRET,
    }


def help_replies(world: TelegramWorld) -> list[str]:
    return [t for t in world.fake.texts(world.group) if t.startswith("Commandes d'assobot")]


async def test_webhook_is_set_with_the_secret_and_every_update_type(
    world: TelegramWorld,
) -> None:
    settings = webhook_settings()
    await world.start_bot(telegram=settings)
    webhook = world.fake.webhook
    assert (settings["webhook_url"], SECRET) == (webhook["url"], webhook["secret_token"])
    assert {"message", "callback_query", "chat_member"} <= set(webhook["allowed_updates"])
    assert [] == world.fake.calls_to("getUpdates", ok_only=False)


async def test_update_with_the_right_secret_is_answered(world: TelegramWorld) -> None:
    await world.start_bot(telegram=webhook_settings())
    world.fake.say(world.group, world.bob, "/aide")
    assert [200] == await world.fake.deliver_webhook()
    await world.fake.wait_for(lambda: help_replies(world), what="help reply")
    assert 1 == len(help_replies(world))


@pytest.mark.parametrize("secret", ["wrong-secret", ""], ids=["wrong", "missing"])
async def test_update_without_the_right_secret_is_refused_and_not_handled(
    world: TelegramWorld, secret: str
) -> None:
    settings = webhook_settings()
    await world.start_bot(telegram=settings)
    world.fake.say(world.group, world.bob, "/aide")
    assert [403] == await world.fake.deliver_webhook(secret=secret)
    await world.stop_bot()  # stopping handles whatever the webhook server had accepted
    assert [] == world.fake.calls_to("sendMessage", ok_only=False)
    await world.start_bot(telegram=settings)
    assert [200] == await world.fake.deliver_webhook()  # Telegram retries: now it runs
    await world.fake.wait_for(lambda: help_replies(world), what="help reply")


async def test_stop_leaves_the_webhook_set_so_telegram_keeps_updates_for_us(
    world: TelegramWorld,
) -> None:
    settings = webhook_settings()
    await world.start_bot(telegram=settings)
    await world.stop_bot()
    assert settings["webhook_url"] == world.fake.webhook["url"]
    assert [] == world.fake.calls_to("deleteWebhook")
