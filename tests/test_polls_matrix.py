"""A poll from start to results on Matrix, against the session's real Synapse: a native
MSC3381 poll, answers from real nio clients (unstable and stable event names), /cloturer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.matrix_fixtures import (
    BotAccount,
    FullBot,
    MemberFactory,
    Seen,
    bot_config,
    room_with,
    wait_until,
)
from tests.synapse import Synapse

pytestmark = pytest.mark.slow

POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"


class PollsBot(FullBot):
    """The bot with every feature."""


@pytest.fixture
async def polls_bot(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path
) -> AsyncIterator[PollsBot]:
    bot = PollsBot(bot_config(synapse, data_dir, bot_account))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def test_native_poll_answers_add_up_and_close_ends_the_poll(
    polls_bot: PollsBot, members: MemberFactory
) -> None:
    alice, bob, carol = await members("alice"), await members("bob"), await members("carol")
    room_id = await room_with(polls_bot, alice, [bob, carol])

    poll = await alice.reply_to(
        room_id, polls_bot.user_id, "/sondage Où fait-on la fête ? | Salle des fêtes | Au parc"
    )

    assert POLL_START == poll.type
    start = poll.content[POLL_START]
    assert "Où fait-on la fête ?" == start["question"]["body"]
    assert [("poll:1:1", "Salle des fêtes"), ("poll:1:2", "Au parc")] == [
        (a["id"], a["org.matrix.msc1767.text"]) for a in start["answers"]
    ]
    assert 1 == start["max_selections"]

    reference = {"rel_type": "m.reference", "event_id": poll.event_id}
    await bob.send(
        room_id,
        "org.matrix.msc3381.poll.response",
        {"m.relates_to": reference, "org.matrix.msc3381.poll.response": {"answers": ["poll:1:1"]}},
    )
    await carol.send(
        room_id, "m.poll.response", {"m.relates_to": reference, "m.selections": ["poll:1:2"]}
    )
    voted = await alice.reply_to(room_id, polls_bot.user_id, "/voter 1")
    assert "Vote enregistré pour le n°1 : Salle des fêtes." == voted.content["body"]
    assert polls_bot.app is not None
    store = polls_bot.app.store.polls
    await wait_until(lambda: store.voter_count(1) == 3, "the three votes counted")

    mark = len(alice.seen)
    await alice.say(room_id, "/cloturer")

    def after_close() -> tuple[Seen, Seen] | None:
        seen = alice.from_bot(room_id, polls_bot.user_id, mark)
        ends = [s for s in seen if s.type == POLL_END]
        results = [s for s in seen if s.content.get("body", "").startswith("🔒")]
        return (ends[0], results[0]) if ends and results else None

    end, results = await wait_until(after_close, "the poll end and the results")
    assert poll.event_id == end.content["m.relates_to"]["event_id"]
    assert "org.matrix.msc3381.poll.end" in end.content
    body = results.content["body"]
    assert body.startswith("🔒 Vote clos : 📊 Sondage n°1 : Où fait-on la fête ?")
    assert "1. Salle des fêtes\n   ▓▓▓▓▓▓▓░░░ 2 (67 %)" in body
    assert "2. Au parc\n   ▓▓▓░░░░░░░ 1 (33 %)" in body
    assert "Résultat : Salle des fêtes (2 voix)." in body
    assert "m.notice" == results.content["msgtype"]


def reaction(event_id: str, key: str) -> dict[str, object]:
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}


async def test_secret_poll_reaction_in_the_group_is_removed_and_voted_in_a_direct_room(
    polls_bot: PollsBot, members: MemberFactory
) -> None:
    alice, bob, carol = await members("alice"), await members("bob"), await members("carol")
    power = {polls_bot.user_id: 50}  # 50: the bot may redact reactions (Alice created it)
    room_id = await room_with(polls_bot, alice, [bob, carol], power=power)
    assert polls_bot.app is not None
    store = polls_bot.app.store.polls

    poll = await alice.reply_to(
        room_id, polls_bot.user_id, "!sondage Président ? | Alice | Bob | secret"
    )
    assert "m.room.message" == poll.type  # no native poll: its answers are public events
    body = poll.content["body"]
    assert body.startswith("📊 Sondage n°1 : Président ?\n1. Alice\n2. Bob\n"), body
    assert "\nVotre choix reste privé : réagissez avec 🗳️" in body, body
    await wait_until(lambda: any(s.event_id == poll.event_id for s in bob.seen), "Bob's sync")

    def offered() -> list[str]:
        return [
            s.content["m.relates_to"]["key"]
            for s in bob.seen
            if s.type == "m.reaction" and s.sender == polls_bot.user_id
        ]

    await wait_until(offered, "the bot's ready-made reaction")
    hello = await bob.say(room_id, "bonjour")  # once Bob's sync has it, it has the reactions
    await wait_until(lambda: any(s.event_id == hello for s in bob.seen), "Bob's own message")
    assert ["🗳️"] == offered()  # no numbers offered: reacting with one would show the choice

    vote = await bob.send(room_id, "m.reaction", reaction(poll.event_id, "2️⃣"))

    def redacted() -> list[object]:
        return [
            s.content.get("redacts", vote)
            for s in carol.seen
            if s.type == "m.room.redaction" and s.sender == polls_bot.user_id
        ]

    assert [vote] == await wait_until(redacted, "the bot to redact Bob's public reaction")
    direct = await wait_until(
        lambda: next(iter(bob.client.invited_rooms), None), "the private ballot's room"
    )
    assert 0 == store.voter_count(1)  # the public reaction was not counted
    await bob.join(direct)
    await bob.wait_for_devices(polls_bot.user_id)

    counted = await bob.reply_to(direct, polls_bot.user_id, "!voter 1 2")

    assert "Votre bulletin secret pour le n°1 est compté." == counted.content["body"]
    assert 1 == store.voter_count(1)
    assert [] == [s for s in carol.seen if s.room_id == direct]


async def test_anonymous_poll_is_not_a_native_poll(
    polls_bot: PollsBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(polls_bot, alice, [bob])

    poll = await alice.reply_to(
        room_id, polls_bot.user_id, "!sondage Local ? | Salle | Parc | anonyme"
    )

    assert "m.room.message" == poll.type
    assert POLL_START not in poll.content


async def test_anonymous_poll_reaction_without_redaction_power_is_not_counted(
    polls_bot: PollsBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(polls_bot, alice, [bob])  # the bot has no power to redact
    assert polls_bot.app is not None
    store = polls_bot.app.store.polls
    poll = await alice.reply_to(
        room_id, polls_bot.user_id, "!sondage Local ? | Salle | Parc | anonyme"
    )
    await wait_until(lambda: any(s.event_id == poll.event_id for s in bob.seen), "Bob's sync")

    await bob.send(room_id, "m.reaction", reaction(poll.event_id, "1️⃣"))

    direct = await wait_until(
        lambda: next(iter(bob.client.invited_rooms), None), "the private ballot's room"
    )
    assert direct != room_id
    assert 0 == store.voter_count(1)  # the public reaction was not counted
    assert [] == [s for s in alice.seen if s.room_id == room_id and s.type == "m.room.redaction"]
