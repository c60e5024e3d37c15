"""Reminders on Matrix, against the session's real Synapse with real nio members: a room
reminder goes out once as m.notice, a personal one in a direct room, and 👍 on the
confirmation ("me too") adds a member. The clock is moved with ``app.scheduler.advance``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n import format_datetime
from tests.matrix_fixtures import (
    BotAccount,
    FullBot,
    MemberClient,
    MemberFactory,
    Seen,
    bot_config,
    room_with,
    wait_until,
)
from tests.synapse import Synapse

pytestmark = pytest.mark.slow


class RemindersBot(FullBot):
    """The bot with every feature."""


@pytest.fixture
async def reminders_bot(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path
) -> AsyncIterator[RemindersBot]:
    bot = RemindersBot(bot_config(synapse, data_dir, bot_account))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def pass_time(bot: RemindersBot, delta: timedelta) -> None:
    """Move the clock as if ``delta`` had passed, and let every due send finish."""
    app = bot.running()
    await app.scheduler.advance(delta)
    await app.scheduler.settle(timeout=60)


async def synced(member: MemberClient, room_id: str) -> None:
    """Until the member's client has everything posted in the room so far (its own new
    message comes after them in the timeline)."""
    event_id = await member.say(room_id, "(marqueur)")
    await wait_until(
        lambda: any(s.event_id == event_id for s in member.seen), "the member's own message"
    )


def fired(member: MemberClient, room_id: str, bot: str, text: str) -> list[Seen]:
    return [
        s
        for s in member.from_bot(room_id, bot)
        if s.content.get("body", "").startswith("⏰") and text in s.content["body"]
    ]


async def test_room_reminder_is_sent_once_as_a_notice_with_who_joined_it(
    reminders_bot: RemindersBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(reminders_bot, alice, [bob])
    app = reminders_bot.running()

    confirmation = await alice.reply_to(
        room_id, reminders_bot.user_id, "/rappel dans 2 minutes Apporter les clés"
    )

    reminder = app.store.reminders.get(1)
    assert reminder is not None and reminder.next_at is not None
    when = format_datetime(reminder.next_at, "fr", "Europe/Paris")
    body = confirmation.content["body"]
    assert body.startswith(f"C'est noté : {when}. Rappel n°1.")
    assert "(👍)" in body  # the "me too" button has its own reaction
    assert "m.notice" == confirmation.content["msgtype"]

    # Bob taps 👍 under the confirmation: he joins the reminder. (Bob's sync may lag behind
    # Alice's: mark only once he has the confirmation too.)
    await wait_until(
        lambda: any(s.event_id == confirmation.event_id for s in bob.seen), "Bob sync"
    )
    mark = len(bob.seen)
    await bob.send(
        room_id,
        "m.reaction",
        {
            "m.relates_to": {
                "rel_type": "m.annotation",
                "event_id": confirmation.event_id,
                "key": "👍",
            }
        },
    )
    joined = await wait_until(
        lambda: bob.from_bot(room_id, reminders_bot.user_id, mark), "the answer to 👍"
    )
    bob_handle = "@" + bob.user_id.removeprefix("@")
    assert f"{bob_handle} recevra aussi le rappel (n°1)." == joined[0].content["body"]
    assert [f"matrix:{bob.user_id}"] == [s.member_key for s in app.store.reminders.subscribers(1)]

    await pass_time(reminders_bot, timedelta(minutes=2, seconds=1))
    sent = await wait_until(
        lambda: fired(alice, room_id, reminders_bot.user_id, "Apporter les clés"),
        "the reminder in the room",
    )
    await pass_time(reminders_bot, timedelta(minutes=30))  # later sweeps send nothing more
    await synced(alice, room_id)
    await synced(bob, room_id)

    assert 1 == len(fired(alice, room_id, reminders_bot.user_id, "Apporter les clés"))
    assert 1 == len(fired(bob, room_id, reminders_bot.user_id, "Apporter les clés"))
    notice = sent[0].content
    assert notice["body"].startswith("⏰ Rappel : Apporter les clés\n" + bob_handle)
    assert "m.notice" == notice["msgtype"]


async def test_personal_reminder_arrives_in_a_direct_room(
    reminders_bot: RemindersBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(reminders_bot, alice, [bob])

    confirmation = await bob.reply_to(
        room_id, reminders_bot.user_id, "/rappel moi dans 5 minutes Acheter du pain"
    )
    assert "Rappel personnel : vous seul le recevrez" in confirmation.content["body"]

    # The bot invites Bob to a direct room as soon as the reminder is set; he accepts.
    direct = await wait_until(
        lambda: next(iter(bob.client.invited_rooms), None), "the invitation to a direct room"
    )
    await bob.join(direct)
    adapter = reminders_bot.adapter
    assert adapter is not None and adapter.client is not None
    await wait_until(
        lambda: bob.user_id in getattr(adapter.client.rooms.get(direct), "users", {}),
        "the bot to see Bob in the direct room",
    )

    await pass_time(reminders_bot, timedelta(minutes=5, seconds=1))
    sent = await wait_until(
        lambda: fired(bob, direct, reminders_bot.user_id, "Acheter du pain"),
        "the reminder in the direct room",
    )
    await pass_time(reminders_bot, timedelta(minutes=30))
    await synced(bob, direct)
    await synced(alice, room_id)

    assert "⏰ Rappel : Acheter du pain" == sent[0].content["body"].split("\n")[0]
    assert "m.notice" == sent[0].content["msgtype"]
    assert bob.client.rooms[direct].encrypted
    assert 1 == len(fired(bob, direct, reminders_bot.user_id, "Acheter du pain"))
    assert [] == fired(alice, room_id, reminders_bot.user_id, "Acheter du pain")
