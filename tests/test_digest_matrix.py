"""The digest on Matrix, against the session's real Synapse: subscribed in a direct room with
the bot, delivered there once as m.notice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from tests.matrix_fixtures import (
    BotAccount,
    MemberFactory,
    RunningBot,
    Seen,
    bot_config,
    matrix_adapter,
    room_with,
    wait_until,
)
from tests.synapse import Synapse

pytestmark = pytest.mark.slow


class DigestBot(RunningBot):
    """The bot with every feature (the shared fixture runs a small test-only set)."""

    async def start(self) -> DigestBot:
        self.app = App(self.config)
        self.adapter = matrix_adapter(self.app)
        self.app.add_adapter(self.adapter)
        await self.app.start()
        await wait_until(lambda: self.adapter and self.adapter.ready.is_set(), "the first sync")
        return self

    def running(self) -> App:
        assert self.app is not None
        return self.app


@pytest.fixture
async def digest_bot(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path
) -> AsyncIterator[DigestBot]:
    bot = DigestBot(bot_config(synapse, data_dir, bot_account))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def test_digest_subscribed_in_a_direct_room_arrives_there_once(
    digest_bot: DigestBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(digest_bot, alice, [bob])
    await alice.reply_to(room_id, digest_bot.user_id, "!annonce AG le 12 décembre")
    # A personal reminder opens the direct room with the bot; Bob accepts it.
    await bob.reply_to(room_id, digest_bot.user_id, "!rappel moi dans 3 jours Relire le PV")
    direct = await wait_until(
        lambda: next(iter(bob.client.invited_rooms), None), "the invitation to a direct room"
    )
    await bob.join(direct)
    adapter = digest_bot.adapter
    assert adapter is not None and adapter.client is not None
    await wait_until(
        lambda: bob.user_id in getattr(adapter.client.rooms.get(direct), "users", {}),
        "the bot to see Bob in the direct room",
    )

    subscribed = await bob.reply_to(direct, digest_bot.user_id, "!resume abonner chaque jour 8h")
    assert subscribed.content["body"].startswith("Résumé activé"), subscribed.content["body"]

    app = digest_bot.running()
    await app.scheduler.advance(timedelta(days=1, hours=1), step=timedelta(hours=1))
    await app.scheduler.settle(timeout=60)

    def digests() -> list[Seen]:
        return [
            s
            for s in bob.from_bot(direct, digest_bot.user_id)
            if s.content.get("body", "").startswith("Résumé du")
        ]

    sent = await wait_until(digests, "the digest in the direct room")
    await app.scheduler.advance(timedelta(hours=3), step=timedelta(hours=1))
    marker = await bob.say(direct, "(marqueur)")
    await wait_until(lambda: any(s.event_id == marker for s in bob.seen), "Bob's own message")

    assert 1 == len(digests())
    assert "m.notice" == sent[0].content["msgtype"]
    assert "AG le 12 décembre" in sent[0].content["body"]
    assert [] == [
        s
        for s in alice.from_bot(room_id, digest_bot.user_id)
        if s.content.get("body", "").startswith("Résumé du")
    ]
