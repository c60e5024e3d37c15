"""Restarts, stale commands, rate limits, outages and log hygiene of the Telegram adapter,
through python-telegram-bot's real HTTP stack and the fake Bot API server."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest

from bot.logs import setup_logging
from bot.message import Outgoing
from tests.fakes.telegram_app import TelegramWorld

AWAY_FR = (
    "J’étais absent quand ceci a été envoyé, je ne l’ai donc pas exécuté. "
    "Renvoyez la commande si elle est toujours utile."
)


def help_replies(world: TelegramWorld) -> list[str]:
    return [t for t in world.fake.texts(world.group) if t.startswith("Commandes d'assobot")]


async def test_restart_neither_replays_nor_skips(world: TelegramWorld) -> None:
    await world.start_bot()
    await world.reply_to(world.group, world.bob, "/aide")
    await world.stop_bot()
    world.fake.say(world.group, world.bob, "/salons")  # sent while the bot is down
    world.fake.forget_confirmations()  # as if Telegram lost the last offset: all come back
    await world.start_bot()
    await world.fake.wait_for(lambda: len(world.fake.texts(world.group)) >= 2, what="reply")
    await world.reply_to(world.group, world.bob, "/fuseau")  # a marker: all before is done
    texts = world.fake.texts(world.group)
    assert len(help_replies(world)) == 1
    assert len(texts) == 3


async def test_stale_commands_are_not_run_and_the_bot_says_it_was_away(
    world: TelegramWorld,
) -> None:
    now = time.time()
    world.fake.say(world.group, world.bob, "/aide", date=now - 30 * 60)
    world.fake.say(world.group, world.alice, "/langue en", date=now - 20 * 60)
    world.fake.say(world.group, world.bob, "/aide", date=now - 60)
    await world.start_bot()
    await world.fake.wait_for(lambda: len(world.fake.texts(world.group)) >= 2, what="replies")
    await world.reply_to(world.group, world.bob, "/fuseau")  # a marker: all before is done
    texts = world.fake.texts(world.group)
    assert texts[0] == AWAY_FR
    assert texts.count(AWAY_FR) == 1
    assert len(help_replies(world)) == 1
    assert texts[1].startswith("Commandes d'assobot")  # still French: /langue en not run


async def test_rate_limit_429_is_honoured_and_the_message_delivered_once(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    world.fake.fail_next_sends(1, retry_after=2)
    replies = await world.reply_to(world.group, world.bob, "/aide")
    assert len(replies) == 1
    attempts = world.fake.calls_to("sendMessage", ok_only=False)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 2.0


async def test_outage_then_recovery_loses_nothing(world: TelegramWorld) -> None:
    await world.start_bot()
    app = world.app
    assert app is not None
    world.fake.outage(3)
    world.fake.say(world.group, world.bob, "/aide")  # fetched once the server is back
    deliveries = await asyncio.gather(
        *(app.send(f"telegram:{world.group}", Outgoing(f"Annonce {n}")) for n in range(3))
    )
    assert all(d.ok for d in deliveries)
    await world.fake.wait_for(lambda: len(help_replies(world)) == 1, what="help reply")
    texts = world.fake.texts(world.group)
    assert sorted(t for t in texts if t.startswith("Annonce")) == [
        "Annonce 0",
        "Annonce 1",
        "Annonce 2",
    ]
    assert len(texts) == 4
    assert any(c.status == 502 for c in world.fake.calls)


async def test_send_that_keeps_failing_is_reported_with_the_chat(
    world: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await world.start_bot(max_attempts=2)
    app = world.app
    assert app is not None
    world.fake.outage(600)
    delivery = await app.send(f"telegram:{world.group}", Outgoing("Perdu ?"))
    assert not delivery.ok
    assert f"telegram:{world.group}" in caplog.text


async def test_token_never_appears_in_logs(
    world: TelegramWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    setup_logging("DEBUG", [world.fake.token])
    logging.getLogger("httpx").setLevel(logging.INFO)  # a host who wants request lines
    try:
        await world.start_bot()
        await world.reply_to(world.group, world.bob, "/aide")
        world.fake.outage(1)  # error paths log too
        await world.reply_to(world.group, world.bob, "/salons")
        await world.stop_bot()
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    err = capsys.readouterr().err
    assert "getUpdates" in err
    assert world.fake.token not in err
    assert world.fake.token.split(":")[1] not in err
    assert "[REDACTED]" in err


async def test_after_a_quiet_week_lower_update_ids_are_still_handled(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    await world.reply_to(world.group, world.bob, "/aide")
    assert world.app is not None
    world.app.clock.advance(timedelta(days=8))  # a week without a single update
    asked = len(world.fake.calls_to("getUpdates"))
    # The bot stops trusting its old offset: its next long poll carries none. (Waiting for it
    # also makes sure no request with the old offset is still on its way.)
    await world.fake.wait_for(
        lambda: any(not c.params.get("offset") for c in world.fake.calls_to("getUpdates")[asked:]),
        what="a getUpdates without the old offset",
    )
    world.fake.restart_update_ids(1_000)  # Telegram then picks new ids, here lower ones

    replies = await world.reply_to(world.group, world.bob, "/salons")

    assert replies[0].startswith("Ce salon n'est relié à aucun autre salon.")
    later = await world.reply_to(world.group, world.bob, "/fuseau")
    assert later[0].startswith("Le fuseau horaire de ce salon est Europe/Paris")
