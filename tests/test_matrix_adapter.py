"""The Matrix adapter against a real Synapse: members are real matrix-nio clients."""

from __future__ import annotations

import pytest

from tests.matrix_fixtures import MemberFactory, RunningBot, wait_until

pytestmark = pytest.mark.slow


async def test_invite_from_same_server_is_joined(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    room_id = await alice.create_room([matrix_bot.user_id])

    await wait_until(
        lambda: alice.client.rooms[room_id].users.get(matrix_bot.user_id), "the bot to join"
    )


async def test_command_round_trip_in_french_then_english(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    room_id = await alice.create_room([matrix_bot.user_id])
    await wait_until(lambda: matrix_bot.user_id in alice.client.rooms[room_id].users, "join")

    french = await alice.reply_to(room_id, matrix_bot.user_id, "!aide")
    assert "Commandes" in french.content["body"]
    assert french.content["msgtype"] == "m.notice"
    assert french.content["m.mentions"] == {}

    await alice.reply_to(room_id, matrix_bot.user_id, "/langue en")
    english = await alice.reply_to(room_id, matrix_bot.user_id, "/help")
    assert "commands" in english.content["body"].lower()
    assert "Commandes" not in english.content["body"]
