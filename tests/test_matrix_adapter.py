"""The Matrix adapter against a real Synapse: members are real matrix-nio clients."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.message import Outgoing
from tests.matrix_fixtures import (
    VOTES,
    BotAccount,
    MemberClient,
    MemberFactory,
    RunningBot,
    bot_config,
    wait_until,
    wait_until_async,
)
from tests.synapse import Synapse

pytestmark = pytest.mark.slow

AWAY_FR = (
    "J’étais absent quand ceci a été envoyé, je ne l’ai donc pas exécuté. "
    "Renvoyez la commande si elle est toujours utile."
)


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


async def _room_with(
    bot: RunningBot, owner: MemberClient, guests: list[MemberClient], **options: Any
) -> str:
    """A room made by ``owner`` with the bot and ``guests`` joined."""
    room_id = await owner.create_room([bot.user_id, *(g.user_id for g in guests)], **options)
    for guest in guests:
        await guest.join(room_id)
    await wait_until(lambda: bot.user_id in owner.client.rooms[room_id].users, "the bot to join")
    return room_id


async def test_power_level_50_makes_an_organizer(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice, bob, carol = await members("alice"), await members("bob"), await members("carol")
    power = {alice.user_id: 100, bob.user_id: 50}
    room_id = await _room_with(matrix_bot, alice, [bob, carol], version="10", power=power)

    assert (await bob.reply_to(room_id, matrix_bot.user_id, "!whoami")).content["body"] == (
        "organizer"
    )
    assert (await carol.reply_to(room_id, matrix_bot.user_id, "!whoami")).content["body"] == (
        "member"
    )


async def test_room_v12_creator_is_an_organizer(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await _room_with(matrix_bot, alice, [bob], version="12")
    levels = alice.client.rooms[room_id].power_levels.users
    assert alice.user_id not in levels  # v12: creators are not in the power-level list

    assert (await alice.reply_to(room_id, matrix_bot.user_id, "!whoami")).content["body"] == (
        "organizer"
    )
    assert (await bob.reply_to(room_id, matrix_bot.user_id, "!whoami")).content["body"] == (
        "member"
    )


async def test_native_poll_responses_are_delivered_as_votes(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    VOTES.clear()
    alice, bob, carol = await members("alice"), await members("bob"), await members("carol")
    room_id = await _room_with(matrix_bot, alice, [bob, carol])

    poll = await alice.reply_to(room_id, matrix_bot.user_id, "!pollme")
    assert poll.type == "org.matrix.msc3381.poll.start"
    answers = poll.content["org.matrix.msc3381.poll.start"]["answers"]
    assert [a["id"] for a in answers] == ["tv:yes", "tv:no"]
    assert [a["m.id"] for a in poll.content["m.poll"]["answers"]] == ["tv:yes", "tv:no"]

    reference = {"rel_type": "m.reference", "event_id": poll.event_id}
    await bob.send(
        room_id,
        "org.matrix.msc3381.poll.response",
        {"m.relates_to": reference, "org.matrix.msc3381.poll.response": {"answers": ["tv:no"]}},
    )
    await carol.send(
        room_id, "m.poll.response", {"m.relates_to": reference, "m.selections": ["tv:yes"]}
    )

    await wait_until(lambda: len(VOTES) == 2, "two votes")
    assert sorted(VOTES) == sorted([(bob.user_id, ("no",)), (carol.user_id, ("yes",))])


async def test_reaction_with_a_number_presses_that_button(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await _room_with(matrix_bot, alice, [bob])

    question = await alice.reply_to(room_id, matrix_bot.user_id, "!ask")
    assert "1️⃣ Pizza" in question.content["body"]
    assert "2️⃣ Pasta" in question.content["body"]

    # Bob's own sync may lag behind Alice's: mark only once he has the question too.
    await wait_until(lambda: any(s.event_id == question.event_id for s in bob.seen), "Bob sync")
    mark = len(bob.seen)
    await bob.send(
        room_id,
        "m.reaction",
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": question.event_id, "key": "2️⃣"}},
    )
    answers = await wait_until(
        lambda: bob.from_bot(room_id, matrix_bot.user_id, mark), "the answer to the reaction"
    )
    assert answers[0].content["body"].endswith("pressed pasta")


async def test_member_html_is_escaped_and_nobody_is_pinged(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    room_id = await _room_with(matrix_bot, alice, [])

    reply = await alice.reply_to(
        room_id, matrix_bot.user_id, f"!echo <script>alert(1)</script> @room {alice.user_id}"
    )
    assert "<script>" not in reply.content["formatted_body"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.content["formatted_body"]
    assert reply.content["m.mentions"] == {}


async def test_restart_answers_what_was_missed_and_replays_nothing(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    room_id = await _room_with(matrix_bot, alice, [])
    await alice.reply_to(room_id, matrix_bot.user_id, "!echo before")

    await matrix_bot.stop()
    await alice.say(room_id, "!echo while away")
    await matrix_bot.start()
    await wait_until(
        lambda: _bodies(alice, room_id, matrix_bot.user_id).count("echo: while away"),
        "the missed command to be answered",
    )
    await alice.reply_to(room_id, matrix_bot.user_id, "!echo after")

    bodies = _bodies(alice, room_id, matrix_bot.user_id)
    assert [b for b in bodies if b.startswith("echo:")] == [
        "echo: before",
        "echo: while away",
        "echo: after",
    ]


async def test_stale_command_is_not_run_and_the_bot_says_it_was_away(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    room_id = await _room_with(matrix_bot, alice, [])
    await alice.reply_to(room_id, matrix_bot.user_id, "!echo before")

    await matrix_bot.stop()
    await alice.say(room_id, "!echo while away")
    # The same rule as on Telegram (the dispatcher's): with stale_after_minutes = 0, anything
    # sent before the start is too old.
    config = matrix_bot.config
    matrix_bot.config = replace(config, matrix=replace(config.matrix, stale_after_minutes=0))
    await matrix_bot.start()
    await alice.say(room_id, "!echo after")
    await wait_until(
        lambda: "echo: after" in _bodies(alice, room_id, matrix_bot.user_id), "a fresh command"
    )

    bodies = _bodies(alice, room_id, matrix_bot.user_id)
    assert ["echo: before", AWAY_FR, "echo: after"] == bodies


async def test_bot_recovers_when_the_homeserver_restarts(
    matrix_bot: RunningBot, members: MemberFactory, synapse: Synapse
) -> None:
    alice = await members("alice")
    room_id = await _room_with(matrix_bot, alice, [])
    await alice.reply_to(room_id, matrix_bot.user_id, "!echo one")

    await asyncio.to_thread(synapse.restart)

    reply = await alice.reply_to(room_id, matrix_bot.user_id, "!echo two")
    assert reply.content["body"] == "echo: two"
    assert _bodies(alice, room_id, matrix_bot.user_id).count("echo: one") == 1


async def test_encrypted_room_round_trip(matrix_bot: RunningBot, members: MemberFactory) -> None:
    alice = await members("alice")
    room_id = await _room_with(matrix_bot, alice, [], encrypted=True)

    await alice.wait_for_devices(matrix_bot.user_id)

    reply = await alice.reply_to(room_id, matrix_bot.user_id, "!echo secret")
    assert alice.client.rooms[room_id].encrypted
    assert reply.content["body"] == "echo: secret"


def _bodies(member: MemberClient, room_id: str, bot: str) -> list[str]:
    return [str(s.content.get("body", "")) for s in member.from_bot(room_id, bot)]


async def test_invite_from_a_server_not_allowed_is_declined(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path, members: MemberFactory
) -> None:
    config = bot_config(synapse, data_dir, bot_account, allowed_inviters=(":elsewhere.org",))
    bot = await RunningBot(config).start()
    try:
        alice = await members("alice")
        room_id = await alice.create_room([bot.user_id])

        await wait_until(
            lambda: bot.user_id not in alice.client.rooms[room_id].invited_users,
            "the invitation to be declined",
        )
        assert bot.user_id not in alice.client.rooms[room_id].users
    finally:
        await bot.stop()


async def test_kicked_bot_forgets_the_room(matrix_bot: RunningBot, members: MemberFactory) -> None:
    alice = await members("alice")
    room_id = await _room_with(matrix_bot, alice, [])
    await alice.reply_to(room_id, matrix_bot.user_id, "!echo hello")

    await alice.client.room_kick(room_id, matrix_bot.user_id)
    adapter = matrix_bot.adapter
    assert adapter is not None and adapter.client is not None
    await wait_until(lambda: room_id not in adapter.client.rooms, "the bot to leave")


async def test_edit_replaces_the_message_in_place(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    room_id = await _room_with(matrix_bot, alice, [])

    first = await alice.reply_to(room_id, matrix_bot.user_id, "!edited")
    edits = await wait_until(
        lambda: [
            s
            for s in alice.from_bot(room_id, matrix_bot.user_id)
            if s.content.get("m.relates_to", {}).get("rel_type") == "m.replace"
        ],
        "the edit",
    )
    assert first.content["body"] == "first draft"
    assert edits[0].content["m.relates_to"]["event_id"] == first.event_id
    assert edits[0].content["m.new_content"]["body"] == "final text"


async def test_first_ever_start_ignores_the_room_history(
    synapse: Synapse, bot_account: BotAccount, tmp_path: Path, members: MemberFactory
) -> None:
    first = await RunningBot(bot_config(synapse, tmp_path / "one", bot_account)).start()
    alice = await members("alice")
    try:
        room_id = await _room_with(first, alice, [])
        await alice.reply_to(room_id, first.user_id, "!echo old")
    finally:
        await first.stop()
    await alice.say(room_id, "!echo history")

    fresh = await RunningBot(bot_config(synapse, tmp_path / "two", bot_account)).start()
    try:
        await alice.reply_to(room_id, fresh.user_id, "!echo new")
    finally:
        await fresh.stop()

    echoes = [b for b in _bodies(alice, room_id, first.user_id) if b.startswith("echo:")]
    assert echoes == ["echo: old", "echo: new"]


async def test_private_room_is_a_direct_room_the_member_can_read(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    assert matrix_bot.app is not None
    room_key = await matrix_bot.app.private_room(f"matrix:{alice.user_id}")
    assert room_key is not None
    room_id = room_key.partition(":")[2]
    await wait_until(lambda: room_id in alice.client.invited_rooms, "the invitation")
    await alice.join(room_id)

    async def bot_sees_alice() -> bool:
        adapter = matrix_bot.adapter
        assert adapter is not None and adapter.client is not None
        room = adapter.client.rooms.get(room_id)
        return room is not None and alice.user_id in room.users

    await wait_until_async(bot_sees_alice, "the bot to see alice in the direct room")
    await matrix_bot.app.send(room_key, Outgoing("Reminder: meeting at 6"))

    messages = await wait_until(
        lambda: alice.from_bot(room_id, matrix_bot.user_id), "the private message"
    )
    assert messages[0].content["body"] == "Reminder: meeting at 6"
    assert alice.client.rooms[room_id].encrypted
    assert await matrix_bot.app.private_room(f"matrix:{alice.user_id}") == room_key
