"""The digest on Matrix, against the session's real Synapse: subscribed in a direct room with
the bot, delivered there once as m.notice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.matrix_fixtures import FullBot, MemberFactory, Seen, room_with, wait_until

pytestmark = pytest.mark.slow


async def test_digest_subscribed_in_a_direct_room_arrives_there_once(
    full_bot: FullBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(full_bot, alice, [bob])
    await alice.reply_to(room_id, full_bot.user_id, "!annonce AG le 12 décembre")
    # A personal reminder opens the direct room with the bot; Bob accepts it.
    await bob.reply_to(room_id, full_bot.user_id, "!rappel moi dans 3 jours Relire le PV")
    direct = await wait_until(
        lambda: next(iter(bob.client.invited_rooms), None), "the invitation to a direct room"
    )
    await bob.join(direct)
    adapter = full_bot.adapter
    assert adapter is not None and adapter.client is not None
    await wait_until(
        lambda: bob.user_id in getattr(adapter.client.rooms.get(direct), "users", {}),
        "the bot to see Bob in the direct room",
    )

    subscribed = await bob.reply_to(direct, full_bot.user_id, "!resume abonner chaque jour 8h")
    assert subscribed.content["body"].startswith("Résumé activé"), subscribed.content["body"]

    app = full_bot.running()
    await app.scheduler.advance(timedelta(days=1, hours=1), step=timedelta(hours=1))
    await app.scheduler.settle(timeout=60)

    def digests() -> list[Seen]:
        return [
            s
            for s in bob.from_bot(direct, full_bot.user_id)
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
        for s in alice.from_bot(room_id, full_bot.user_id)
        if s.content.get("body", "").startswith("Résumé du")
    ]
