"""Reminders on Telegram: python-telegram-bot's real HTTP stack against the fake Bot API
server; the clock is moved with ``app.scheduler.advance`` as if the minutes had passed."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.i18n import format_datetime
from tests.fakes.telegram_api import Chat
from tests.fakes.telegram_app import TelegramWorld


def running(world: TelegramWorld) -> App:
    assert world.app is not None
    return world.app


def fired(world: TelegramWorld, chat_id: int, text: str) -> list[str]:
    return [t for t in world.fake.texts(chat_id) if "⏰ Rappel" in t and text in t]


async def pass_time(world: TelegramWorld, delta: timedelta) -> None:
    """Move the clock as if ``delta`` had passed, and let every due send finish."""
    app = running(world)
    await app.scheduler.advance(delta)
    await app.scheduler.settle(timeout=30)


async def test_room_reminder_confirms_the_date_and_arrives_once_in_the_group(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    app = running(world)
    asked_at = app.clock.now()

    replies = await world.reply_to(
        world.group, world.alice, "/rappel dans 2 minutes Apporter les clés"
    )

    reminder = app.store.reminders.get(1)
    assert reminder is not None and reminder.next_at is not None
    assert timedelta(minutes=1) < reminder.next_at - asked_at <= timedelta(minutes=3)
    when = format_datetime(reminder.next_at, "fr", "Europe/Paris")
    assert replies[0].startswith(f"C'est noté : {when}. Rappel n°1.")
    assert "Rappel personnel" not in replies[0]

    await pass_time(world, timedelta(minutes=1))
    assert [] == fired(world, world.group, "Apporter les clés")
    await pass_time(world, timedelta(minutes=2))
    await world.fake.wait_for(
        lambda: fired(world, world.group, "Apporter les clés"), what="the reminder"
    )
    await pass_time(world, timedelta(minutes=30))  # timers and sweeps go on: nothing more

    assert ["⏰ Rappel : Apporter les clés"] == fired(world, world.group, "Apporter les clés")
    message = world.fake.sent(world.group)[-1]
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert ["+1 heure", "Demain", "Fait"] == labels


async def test_personal_reminder_arrives_in_the_private_chat(world: TelegramWorld) -> None:
    carol = world.fake.user("Carol", username="carol")
    chat = world.fake.private_chat(carol)  # Carol has started the bot
    await world.start_bot()

    replies = await world.reply_to(
        world.group, carol, "/rappel moi dans 5 minutes Acheter du pain"
    )
    assert "Rappel personnel : vous seul le recevrez" in replies[0]

    await pass_time(world, timedelta(minutes=5))
    await world.fake.wait_for(lambda: fired(world, chat, "Acheter du pain"), what="the DM")
    await pass_time(world, timedelta(minutes=30))

    assert ["⏰ Rappel : Acheter du pain"] == fired(world, chat, "Acheter du pain")
    assert [] == [t for t in world.fake.texts(world.group) if "⏰" in t]


async def test_personal_reminder_of_a_member_who_never_started_the_bot_goes_to_the_group(
    world: TelegramWorld,
) -> None:
    # Bob never started the bot: Telegram refuses to write to him (403 "bot can't initiate
    # conversation with a user"), so the reminder comes in the group where he asked, with his
    # name in front, once.
    world.fake.chats[world.bob] = Chat(world.bob, "private", first_name="Bob")
    await world.start_bot()

    replies = await world.reply_to(
        world.group, world.bob, "/rappel moi dans 5 minutes Appeler la mairie"
    )
    assert "Rappel personnel" in replies[0]

    await pass_time(world, timedelta(minutes=5))
    await world.fake.wait_for(
        lambda: fired(world, world.group, "Appeler la mairie"), what="the fallback"
    )
    await pass_time(world, timedelta(minutes=30))  # later sweeps do not send it again

    assert ["@bob ⏰ Rappel : Appeler la mairie"] == fired(world, world.group, "Appeler la mairie")
    refused = [c for c in world.fake.calls_to("sendMessage", ok_only=False) if c.status == 403]
    assert 1 == len(refused)
    assert [] == world.fake.texts(world.bob)
