"""Sending digests exactly once: across a restart in the middle of their hour, caught up after
the bot was down (while the period lasts), resumed after a crash between send and record."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

from tests.digest.conftest import config
from tests.harness import START, Harness

MONDAY_9 = START + timedelta(days=6)  # Monday 7 December 2026, 09:00 in Paris


def digests(bot: Harness, room: str = "asso") -> list[str]:
    return [s.out.text for s in bot.sent if s.room == room and s.out.text.startswith("Résumé du")]


async def subscribed_week(data_dir: Path) -> None:
    bot = await Harness.start(config(data_dir))
    try:
        await bot.say("/resume abonner")
        await bot.say("/annonce Local fermé lundi")
        await bot.say("Bonjour", member="bob")
        await bot.say("/resume abonner", member="bob", room="dm-bob")
    finally:
        await bot.stop()


async def test_digest_delivered_once_across_a_restart_in_its_hour(data_dir: Path) -> None:
    await subscribed_week(data_dir)
    first = await Harness.start(config(data_dir), start=MONDAY_9 - timedelta(minutes=1))
    try:
        await first.advance(timedelta(minutes=20))
        assert 1 == len(digests(first)) == len(digests(first, "dm-bob"))
    finally:
        await first.stop()
    again = await Harness.start(config(data_dir), start=MONDAY_9 + timedelta(minutes=30))
    try:
        await again.advance(timedelta(minutes=40))
        assert [] == digests(again) == digests(again, "dm-bob")
    finally:
        await again.stop()


async def test_digest_due_while_down_is_sent_at_start(data_dir: Path) -> None:
    await subscribed_week(data_dir)
    # down from Tuesday to Thursday of the next week: the Monday digest's period still lasts
    bot = await Harness.start(config(data_dir), start=MONDAY_9 + timedelta(days=3))
    try:
        await bot.advance(timedelta(minutes=1))
        sent = digests(bot)
        assert 1 == len(sent) and "Local fermé lundi" in sent[0]
        await bot.advance(timedelta(hours=2))
        assert 1 == len(digests(bot))
    finally:
        await bot.stop()


async def test_digest_of_an_ended_period_is_not_sent_late(data_dir: Path) -> None:
    await subscribed_week(data_dir)
    # down for more than the whole period: only the latest period is sent (it is empty)
    bot = await Harness.start(config(data_dir), start=MONDAY_9 + timedelta(days=8))
    try:
        await bot.advance(timedelta(minutes=10))
        assert [] == digests(bot)
    finally:
        await bot.stop()


async def test_digest_interrupted_send_resumes_with_the_next_message(data_dir: Path) -> None:
    """A crash after the first message of a two-message digest: the second is sent at the next
    start, the first is not sent again."""
    bot = await Harness.start(config(data_dir, message_chars=500))
    try:
        await bot.say("/resume abonner")
        for number in range(6):
            await bot.say(f"/annonce Annonce {number} " + "x" * 150)
    finally:
        await bot.stop()
    crashing = await Harness.start(config(data_dir, message_chars=500), start=MONDAY_9)
    services = crashing.app.services
    real = services.send
    calls = 0

    async def crash_after_first(room_key: str, out):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls > 1:
            raise SystemExit("killed")  # stands for the process dying here
        return await real(room_key, out)

    services.send = crash_after_first
    with contextlib.suppress(BaseException):
        await crashing.advance(timedelta(minutes=6))
    first = digests(crashing)
    await crashing.stop()
    again = await Harness.start(
        config(data_dir, message_chars=500), start=MONDAY_9 + timedelta(minutes=7)
    )
    try:
        await again.advance(timedelta(minutes=6))
        rest = [s.out.text for s in again.sent if s.room == "asso"]
    finally:
        await again.stop()
    assert 1 == len(first)
    assert rest and not any(text.startswith("Résumé du") for text in rest)
    assert "Annonce 5" in rest[-1]


async def test_digest_fan_out_never_delays_commands(data_dir: Path) -> None:
    import asyncio

    from handlers.digest.delivery import deliver_due

    bot = await Harness.start(config(data_dir))
    try:
        await bot.say("/annonce Local fermé lundi")
        for number in range(20):
            await bot.say("Bonjour", member=f"m{number}", room="asso")
            await bot.say("/resume abonner", member=f"m{number}", room=f"dm-m{number}")
    finally:
        await bot.stop()
    # paced at 5 digests a second: the fan-out takes about 4 seconds
    slow = await Harness.start(
        config(data_dir, sends_per_second=5), start=MONDAY_9 - timedelta(minutes=1)
    )
    try:
        slow.app.clock.advance(timedelta(minutes=2))
        fan_out = asyncio.create_task(deliver_due(slow.app.services))
        await asyncio.sleep(0.5)
        replies = await slow.say("/resume archive", member="alice", room="asso")
        assert replies and not fan_out.done()
        await fan_out
        await slow.app.scheduler.settle(timeout=20)
        # the fan-outs at start and the periodic one may share the work: each digest once
        assert [1] * 20 == [len(digests(slow, f"dm-m{number}")) for number in range(20)]
    finally:
        await slow.stop()
