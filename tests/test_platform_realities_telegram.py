"""Telegram's realities on the fake Bot API: link previews turned off on demand, a member who
blocked the bot (403, reported as ``BLOCKED`` without retrying), and a group upgraded to a
supergroup (400 ``migrate_to_chat_id``; the data of the room follows it)."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.message import BLOCKED, Outgoing, room_key
from tests.fakes.telegram_app import TelegramWorld


def running(world: TelegramWorld) -> App:
    assert world.app is not None
    return world.app


async def pass_time(world: TelegramWorld, delta: timedelta) -> None:
    app = running(world)
    await app.scheduler.advance(delta)
    await app.scheduler.settle(timeout=30)


def send_calls(world: TelegramWorld, chat_id: int) -> list[int]:
    """The HTTP status of every sendMessage to ``chat_id``."""
    return [
        c.status
        for c in world.fake.calls_to("sendMessage", ok_only=False)
        if c.params.get("chat_id") == chat_id
    ]


async def test_send_link_preview_false_disables_the_preview(world: TelegramWorld) -> None:
    await world.start_bot()
    app = running(world)
    key = room_key("telegram", str(world.group))

    digest = await app.send(key, Outgoing("Digest\nhttps://example.org/a", link_preview=False))
    plain = await app.send(key, Outgoing("Lien : https://example.org/b"))

    assert digest.ok and plain.ok
    calls = world.fake.calls_to("sendMessage")[-2:]
    assert {"is_disabled": True} == calls[0].params.get("link_preview_options")
    assert "link_preview_options" not in calls[1].params


async def test_send_long_digest_without_preview_every_piece(world: TelegramWorld) -> None:
    await world.start_bot()
    app = running(world)
    text = "\n".join(f"{n}. https://example.org/{n} " + "x" * 80 for n in range(100))

    delivery = await app.send(
        room_key("telegram", str(world.group)), Outgoing(text, link_preview=False)
    )

    assert delivery.ok
    calls = world.fake.calls_to("sendMessage")
    assert len(calls) >= 3  # over 4,096 characters: split on lines
    assert all(c.params.get("link_preview_options") == {"is_disabled": True} for c in calls)
    assert text == "\n".join(world.fake.texts(world.group))


async def test_send_to_a_member_who_blocked_the_bot_is_blocked_once(
    world: TelegramWorld,
) -> None:
    carol = world.fake.user("Carol", username="carol")
    chat = world.fake.private_chat(carol)
    world.fake.block(chat)
    await world.start_bot()

    delivery = await running(world).send(room_key("telegram", str(chat)), Outgoing("Digest"))

    assert BLOCKED == delivery.error
    assert [403] == send_calls(world, chat)  # never retried


async def test_send_to_a_group_that_removed_the_bot_is_blocked(world: TelegramWorld) -> None:
    await world.start_bot()
    world.fake.block(world.group)

    delivery = await running(world).send(room_key("telegram", str(world.group)), Outgoing("Hi"))

    assert BLOCKED == delivery.error
    assert [403] == send_calls(world, world.group)


async def test_upgraded_group_poll_and_reminder_keep_working_in_the_supergroup(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    group = fake.small_group("Petit groupe", creator=world.alice)
    await world.start_bot()
    app = running(world)
    await world.reply_to(group, world.alice, "/sondage Quel jour ? | Samedi | Dimanche")
    poll_message = fake.sent(group)[-1]["message_id"]
    await world.reply_to(group, world.alice, "/rappel dans 5 minutes Apporter les clés")

    supergroup = fake.upgrade(group)  # Telegram says nothing until the bot writes there
    await pass_time(world, timedelta(minutes=6))
    await fake.wait_for(
        lambda: any("Apporter les clés" in t for t in fake.texts(supergroup)),
        what="the reminder in the supergroup",
    )

    old, new = room_key("telegram", str(group)), room_key("telegram", str(supergroup))
    assert [400] == send_calls(world, group)[-1:]  # the one refused send, then followed
    assert app.store.rooms.get(old) is None
    reminder = app.store.reminders.get(1)
    assert reminder is not None and new == reminder.room_key
    # The poll goes on in the supergroup: a tap there counts, /cloturer there closes it.
    fake.tap(supergroup, world.bob, poll_message, "poll:1:2")
    await fake.wait_for(lambda: len(fake.answered) == 1, what="the tap answered")
    closed = await world.reply_to(supergroup, world.alice, "/cloturer")
    assert "Résultat : Dimanche (1 voix)." in closed[0]
    assert ["⏰ Rappel : Apporter les clés"] == [t for t in fake.texts(supergroup) if "⏰" in t]


async def test_poll_posted_as_the_group_is_upgraded_lands_and_updates_in_the_supergroup(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    group = fake.small_group("Petit groupe", creator=world.alice)
    await world.start_bot()
    supergroup = fake.upgrade(group)  # upgraded while the command was on its way
    fake.say(group, world.alice, "/sondage Quel jour ? | Samedi | Dimanche")
    await fake.wait_for(lambda: fake.sent(supergroup), what="the poll in the supergroup")
    poll_message = fake.sent(supergroup)[-1]["message_id"]

    await world.stop_bot()  # what the bot learnt in memory is gone; the database stays
    await world.start_bot()
    fake.tap(supergroup, world.bob, poll_message, "poll:1:1")

    await fake.wait_for(
        lambda: "— Bob" in fake.messages[(supergroup, poll_message)]["text"],
        what="the tally edited in the supergroup",
    )
    new = room_key("telegram", str(supergroup))
    assert [(new, str(poll_message))] == running(world).store.polls.messages(1)


async def test_edit_in_a_group_that_removed_the_bot_is_blocked(world: TelegramWorld) -> None:
    await world.start_bot()
    app = running(world)
    key = room_key("telegram", str(world.group))
    sent = await app.send(key, Outgoing("Sondage"))
    world.fake.block(world.group)

    edited = await app.edit(key, sent.message_id, Outgoing("Sondage (clos)"))

    assert BLOCKED == edited.error


async def test_upgrade_service_messages_move_the_room_before_any_send(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    group = fake.small_group("Petit groupe", creator=world.alice)
    await world.start_bot()
    app = running(world)
    await world.reply_to(group, world.alice, "/rappel dans 1 heure Réunion")

    supergroup = fake.upgrade(group, announce=True)
    new = room_key("telegram", str(supergroup))
    await fake.wait_for(lambda: app.store.rooms.get(new) is not None, what="the room moved")
    listed = await world.reply_to(supergroup, world.alice, "/rappels")

    assert app.store.rooms.get(room_key("telegram", str(group))) is None
    assert any("Réunion" in text for text in listed)
    assert [] == [c for c in fake.calls_to("sendMessage", ok_only=False) if c.status == 400]


async def test_chat_that_keeps_moving_is_refused_not_looped(world: TelegramWorld) -> None:
    fake = world.fake
    group = fake.small_group("Boucle", creator=world.alice)
    await world.start_bot()
    fake.chats[group].migrated_to = group  # hostile: a chat "migrated" to itself

    delivery = await running(world).send(room_key("telegram", str(group)), Outgoing("Hi"))

    assert not delivery.ok and BLOCKED != delivery.error
    assert 3 >= len(send_calls(world, group))


async def test_upgrade_notice_pointing_at_its_own_chat_moves_nothing(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    await world.start_bot()
    app = running(world)
    await world.reply_to(world.group, world.alice, "/rappel dans 1 heure Réunion")
    key = room_key("telegram", str(world.group))

    fake.say(world.group, world.alice, None, extra={"migrate_to_chat_id": world.group})
    mark = fake.say(world.group, world.alice, None, extra={"migrate_from_chat_id": world.group})
    await fake.wait_for(lambda: fake.confirmed > mark, what="both notices handled")

    assert app.store.rooms.get(key) is not None
    reminder = app.store.reminders.get(1)
    assert reminder is not None and key == reminder.room_key
    listed = await world.reply_to(world.group, world.alice, "/rappels")
    assert any("Réunion" in text for text in listed)


async def test_upgrade_notice_twice_moves_once(world: TelegramWorld) -> None:
    fake = world.fake
    group = fake.small_group("Petit groupe", creator=world.alice)
    await world.start_bot()
    app = running(world)
    await world.reply_to(group, world.alice, "/rappel dans 1 heure Réunion")
    supergroup = fake.upgrade(group, announce=True)
    new = room_key("telegram", str(supergroup))
    await fake.wait_for(lambda: app.store.rooms.get(new) is not None, what="the room moved")

    # The old group's notice again (a redelivery): the supergroup keeps everything.
    mark = fake.say(group, world.alice, None, extra={"migrate_to_chat_id": supergroup})
    await fake.wait_for(lambda: fake.confirmed > mark, what="the repeat handled")

    reminder = app.store.reminders.get(1)
    assert reminder is not None and new == reminder.room_key
    assert app.store.rooms.get(room_key("telegram", str(group))) is None
