"""What fell due while the bot was stopped goes out on Telegram once it is back (python-telegram-
bot's real HTTP stack against the fake Bot API): a poll whose deadline passed gets its late
result in the group, a reminder due meanwhile is sent once. The bot is started again with its
clock moved past the deadlines, as if that time had passed while it was down."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.adapters.telegram import TelegramAdapter
from bot.app import App
from bot.scheduler import Clock
from tests.fakes.telegram_app import TelegramWorld
from tests.harness import make_config


async def start_at(world: TelegramWorld, start: datetime) -> App:
    """The bot as ``world.start_bot`` builds it, on a clock starting at ``start``."""
    config = replace(make_config(world.data_dir), telegram=world.config_changes())
    world.app = App(config, clock=Clock(start))
    world.adapter = TelegramAdapter(
        config.telegram,
        world.app,
        source=config.source,
        poll_timeout=1.0,
        first_backoff=0.2,
        max_backoff=1.0,
    )
    world.app.add_adapter(world.adapter)
    await world.app.start()
    return world.app


def starting(world: TelegramWorld, text: str, after: int = 0) -> list[str]:
    return [t for t in world.fake.texts(world.group)[after:] if t.startswith(text)]


async def test_late_poll_result_and_missed_reminder_go_out_after_a_restart(
    world: TelegramWorld,
) -> None:
    await world.start_bot()
    await world.reply_to(
        world.group, world.alice, "/sondage Pizza ? | Reine | Calzone | jusqu'à demain 18h"
    )
    await world.reply_to(world.group, world.bob, "/voter 2")
    confirmed = await world.reply_to(
        world.group, world.alice, "/rappel demain 17h Apporter les clés"
    )
    assert confirmed[0].startswith("C'est noté")
    assert world.app is not None
    poll = world.app.store.polls.get(1)
    assert poll is not None and poll.closes_at is not None
    await world.stop_bot()
    mark = len(world.fake.texts(world.group))

    # Half an hour after the deadline (18:00; the reminder was due at 17:00).
    app = await start_at(world, poll.closes_at + timedelta(minutes=30))
    await world.fake.wait_for(
        lambda: starting(world, "🔒", mark) and starting(world, "⏰", mark),
        what="the late poll result and the missed reminder",
    )
    await app.scheduler.advance(timedelta(minutes=30))  # later sweeps send nothing more
    await app.scheduler.settle(timeout=30)
    await world.reply_to(world.group, world.bob, "/fuseau")  # a marker: all before is done

    results = starting(world, "🔒", mark)
    reminders = starting(world, "⏰", mark)
    assert 1 == len(results) == len(reminders)
    assert results[0].startswith("🔒 Vote clos : 📊 Sondage n°1 : Pizza ?")
    assert "(clôture en retard : le bot était hors ligne à l'échéance)" in results[0]
    assert "Résultat : Calzone (1 voix)." in results[0]
    assert reminders[0].startswith("⏰ Rappel : Apporter les clés")
