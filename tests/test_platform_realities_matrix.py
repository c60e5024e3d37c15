"""Matrix rooms that no longer take the bot's messages: a homeserver answering M_FORBIDDEN, and
a room the bot was kicked from (on the test Synapse), are ``BLOCKED`` deliveries, not retried."""

from __future__ import annotations

from pathlib import Path

from bot.message import BLOCKED, Outgoing, room_key
from tests.matrix_fixtures import MemberFactory, RunningBot, room_with, wait_until
from tests.test_matrix_rate_limit import ROOM, FakeHomeserver, _adapter, fake

__all__ = ["fake"]  # the fake homeserver fixture, shared with test_matrix_rate_limit


async def test_send_forbidden_by_the_homeserver_is_blocked_once(
    fake: tuple[FakeHomeserver, str], data_dir: Path
) -> None:
    server, url = fake
    server.script = [403]
    adapter, app = _adapter(url, data_dir)
    app.add_adapter(adapter)
    try:
        delivery = await app.send(room_key("matrix", ROOM), Outgoing("Digest"))
    finally:
        await adapter.stop()
        app.store.close()

    assert BLOCKED == delivery.error
    assert 1 == len(server.calls)


async def test_send_to_a_room_the_bot_was_kicked_from_is_blocked(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice = await members("alice")
    room_id = await room_with(matrix_bot, alice, [])
    assert matrix_bot.app is not None and matrix_bot.adapter is not None
    client = matrix_bot.adapter.client
    assert client is not None
    await wait_until(lambda: room_id in client.rooms, "the bot's sync")
    key = room_key("matrix", room_id)
    assert (await matrix_bot.app.send(key, Outgoing("Bonjour"))).ok

    await alice.client.room_kick(room_id, matrix_bot.user_id)
    await wait_until(lambda: room_id not in client.rooms, "the bot to see the kick")
    delivery = await matrix_bot.app.send(key, Outgoing("Digest"))

    assert BLOCKED == delivery.error
