"""What fell due while the bot was stopped goes out on Matrix once it is back, against the
session's real Synapse: a poll whose deadline passed gets its late result in the room, a
reminder due meanwhile is sent once. The bot is stopped, then started again with its clock
moved past the deadlines (as if that time had passed while it was down)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.config import Config
from bot.scheduler import Clock
from tests.matrix_fixtures import (
    BotAccount,
    FullBot,
    MemberClient,
    MemberFactory,
    Seen,
    bot_config,
    matrix_adapter,
    room_with,
    wait_until,
)
from tests.synapse import Synapse

pytestmark = pytest.mark.slow

POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"


class ClockedBot(FullBot):
    """The full bot on a clock that may start later than now (``start``)."""

    def __init__(self, config: Config, start: datetime | None = None) -> None:
        super().__init__(config)
        self.clock = Clock(start)

    async def start(self) -> ClockedBot:
        self.app = App(self.config, clock=self.clock)
        self.adapter = matrix_adapter(self.app)
        self.app.add_adapter(self.adapter)
        await self.app.start()
        await wait_until(lambda: self.adapter and self.adapter.ready.is_set(), "the first sync")
        return self


async def synced(member: MemberClient, room_id: str) -> None:
    """Until the member's client has everything posted in the room so far."""
    event_id = await member.say(room_id, "(marqueur)")
    await wait_until(
        lambda: any(s.event_id == event_id for s in member.seen), "the member's own message"
    )


def bodies(member: MemberClient, room_id: str, bot: str, start: str, after: int = 0) -> list[str]:
    return [
        s.content["body"]
        for s in member.from_bot(room_id, bot, after)
        if s.content.get("body", "").startswith(start)
    ]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_late_poll_result_and_missed_reminder_go_out_after_a_restart(
    synapse: Synapse,
    bot_account: BotAccount,
    data_dir: Path,
    members: MemberFactory,
    encrypted: bool,
) -> None:
    config = bot_config(synapse, data_dir, bot_account)
    first = await ClockedBot(config).start()
    try:
        alice, bob = await members("alice"), await members("bob")
        room_id = await room_with(first, alice, [bob], encrypted=encrypted)
        poll = await alice.reply_to(
            room_id, first.user_id, "/sondage Pizza ? | Reine | Calzone | jusqu'à demain 18h"
        )
        assert POLL_START == poll.type
        reference = {"rel_type": "m.reference", "event_id": poll.event_id}
        await bob.send(
            room_id, "m.poll.response", {"m.relates_to": reference, "m.selections": ["poll:1:2"]}
        )
        await wait_until(lambda: first.running().store.polls.voter_count(1) == 1, "Bob's vote")
        confirmed = await alice.reply_to(
            room_id, first.user_id, "/rappel demain 17h Apporter les clés"
        )
        assert confirmed.content["body"].startswith("C'est noté")
        stored = first.running().store.polls.get(1)
        assert stored is not None and stored.closes_at is not None
        closes_at = stored.closes_at
    finally:
        await first.stop()
    mark = len(alice.seen)

    # Started again half an hour after the deadline (18:00, the reminder was due at 17:00):
    # both passed while it was down.
    second = await ClockedBot(config, start=closes_at + timedelta(minutes=30)).start()
    try:
        app = second.running()
        results = await wait_until(
            lambda: bodies(alice, room_id, second.user_id, "🔒", mark), "the late poll result"
        )
        reminders = await wait_until(
            lambda: bodies(alice, room_id, second.user_id, "⏰", mark), "the missed reminder"
        )
        ends = await wait_until(
            lambda: [
                s for s in alice.from_bot(room_id, second.user_id, mark) if s.type == POLL_END
            ],
            "the end of the native poll",
        )
        await app.scheduler.advance(timedelta(minutes=30))  # later sweeps send nothing more
        await app.scheduler.settle(timeout=60)
        await synced(alice, room_id)
        after: list[Seen] = alice.from_bot(room_id, second.user_id, mark)
    finally:
        await second.stop()

    assert results[0].startswith("🔒 Vote clos : 📊 Sondage n°1 : Pizza ?")
    assert "(clôture en retard : le bot était hors ligne à l'échéance)" in results[0]
    assert "Résultat : Calzone (1 voix)." in results[0]
    assert poll.event_id == ends[0].content["m.relates_to"]["event_id"]
    assert reminders[0].startswith("⏰ Rappel : Apporter les clés")
    sent = [s.content.get("body", "") for s in after]
    assert 1 == sum(body.startswith("🔒") for body in sent)
    assert 1 == sum(body.startswith("⏰ Rappel : Apporter les clés") for body in sent)
