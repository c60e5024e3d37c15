"""The digest on Telegram: subscribed in a private chat, delivered there once, without a link
preview card — python-telegram-bot's real HTTP stack against the fake Bot API server."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from tests.fakes.telegram_app import TelegramWorld


def running(world: TelegramWorld) -> App:
    assert world.app is not None
    return world.app


async def pass_time(world: TelegramWorld, delta: timedelta) -> None:
    app = running(world)
    await app.scheduler.advance(delta, step=timedelta(hours=1))
    await app.scheduler.settle(timeout=30)


async def test_digest_subscribed_in_a_private_chat_arrives_there_once(
    world: TelegramWorld,
) -> None:
    carol = world.fake.user("Carol", username="carol")
    chat = world.fake.private_chat(carol)  # Carol has started the bot
    await world.start_bot()
    await world.reply_to(world.group, carol, "/aide")  # the bot has seen her in the group
    await world.reply_to(world.group, world.alice, "/annonce AG le 12 https://exemple.org/ag")

    subscribed = await world.reply_to(chat, carol, "/resume abonner chaque jour 8h")
    assert "Asso des Tilleuls" in subscribed[0], subscribed

    await pass_time(world, timedelta(days=1, hours=1))
    await world.fake.wait_for(
        lambda: [t for t in world.fake.texts(chat) if t.startswith("Résumé du")], what="the digest"
    )
    await pass_time(world, timedelta(hours=6))  # later sweeps send nothing more

    digests = [
        call.params
        for call in world.fake.calls_to("sendMessage")
        if str(call.params.get("text", "")).startswith("Résumé du")
    ]
    assert 1 == len(digests), [str(d["text"])[:200] for d in digests]
    assert str(chat) == str(digests[0]["chat_id"])
    assert "AG le 12" in str(digests[0]["text"])
    assert {"is_disabled": True} == digests[0].get("link_preview_options")
    assert [] == [t for t in world.fake.texts(world.group) if t.startswith("Résumé du")]
