"""Timers on APScheduler with a movable clock; the sweeper; start-up hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.context import Services
from bot.message import Outgoing
from bot.router import Router
from bot.scheduler import Clock, Scheduler
from handlers import ROUTERS
from tests.harness import START, Harness, make_config


async def test_job_fires_when_the_clock_reaches_it() -> None:
    clock = Clock(START)
    scheduler = Scheduler(clock)
    scheduler.start()
    fired: list[datetime] = []

    async def job() -> None:
        fired.append(clock.now())

    try:
        scheduler.at("test:1", START + timedelta(hours=2), job)
        await scheduler.clock_moved()
        await scheduler.settle()
        assert [] == fired
        clock.advance(timedelta(hours=2))
        await scheduler.clock_moved()
        await scheduler.settle()
        assert 1 == len(fired)
        assert fired[0] >= START + timedelta(hours=2)
        assert {} == scheduler.pending()
    finally:
        scheduler.shutdown()


async def test_same_job_id_replaces_and_cancel_forgets() -> None:
    clock = Clock(START)
    scheduler = Scheduler(clock)
    scheduler.start()
    fired: list[str] = []

    def make(name: str):  # type: ignore[no-untyped-def]
        async def job() -> None:
            fired.append(name)

        return job

    try:
        scheduler.at("test:a", START + timedelta(minutes=5), make("first"))
        scheduler.at("test:a", START + timedelta(minutes=10), make("second"))
        scheduler.at("test:b", START + timedelta(minutes=10), make("cancelled"))
        scheduler.cancel("test:b")
        clock.advance(timedelta(minutes=30))
        await scheduler.clock_moved()
        await scheduler.settle()
        assert ["second"] == fired
    finally:
        scheduler.shutdown()


async def test_a_failing_job_does_not_stop_the_others() -> None:
    clock = Clock(START)
    scheduler = Scheduler(clock)
    scheduler.start()
    fired: list[str] = []

    async def bad() -> None:
        raise RuntimeError("boom")

    async def good() -> None:
        fired.append("good")

    try:
        scheduler.at("test:bad", START, bad)
        scheduler.at("test:good", START, good)
        await scheduler.settle()
        assert ["good"] == fired
    finally:
        scheduler.shutdown()


def test_clock_only_moves_forward() -> None:
    clock = Clock(START)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(timedelta(seconds=-1))
    assert abs(clock.now() - START) < timedelta(seconds=5)
    assert UTC == clock.now().tzinfo


def _timed_router(events: list[str]) -> Router:
    router = Router("timed")

    @router.on_start
    async def restore(services: Services) -> None:
        events.append("restored")
        due = services.clock.now() + timedelta(hours=1)

        async def ring() -> None:
            await services.send("console:asso", Outgoing("ding"))

        services.scheduler.at("timed:1", due, ring)

    @router.on_sweep
    async def sweep(services: Services, now: datetime) -> None:
        events.append(f"swept {now:%H:%M}")

    return router


@pytest.fixture
async def timed_bot(data_dir: Path) -> AsyncIterator[tuple[Harness, list[str]]]:
    events: list[str] = []
    app = App(make_config(data_dir), clock=Clock(START), routers=[*ROUTERS, _timed_router(events)])
    console = ConsoleAdapter(app)
    app.add_adapter(console)
    await app.start()
    try:
        yield Harness(app, console), events
    finally:
        await app.stop()


async def test_start_hooks_restore_timers_and_moving_time_fires_them(
    timed_bot: tuple[Harness, list[str]],
) -> None:
    bot, events = timed_bot
    assert ["restored"] == events
    assert [] == [line.text for line in bot.replies]
    await bot.advance(timedelta(hours=1))
    assert ["ding"] == [line.text for line in bot.replies]
    assert "swept 09:00" == events[-1]


async def test_console_time_command_moves_the_clock(timed_bot: tuple[Harness, list[str]]) -> None:
    bot, _events = timed_bot
    shown = await bot.say(":time +1h")
    assert ["ding", "Il est maintenant mardi 1 décembre 2026 à 10:00."] == [
        text[: len("Il est maintenant mardi 1 décembre 2026 à 10:00.")] for text in shown
    ]


async def test_console_time_refuses_to_go_back(bot: Harness) -> None:
    assert ["L'horloge ne fait qu'avancer."] == await bot.say(":time 2026-01-01 09:00")


async def test_stop_interrupts_a_long_job_without_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging

    clock = Clock(START)
    scheduler = Scheduler(clock)
    scheduler.start()
    started = asyncio.Event()
    finished: list[str] = []

    async def long_job() -> None:
        started.set()
        await asyncio.sleep(60)
        finished.append("never")

    scheduler.at("test:long", START, long_job)
    await asyncio.wait_for(started.wait(), timeout=10)
    with caplog.at_level(logging.INFO):
        await scheduler.stop(grace=0.1)
        await asyncio.sleep(0.05)
    assert [] == finished
    assert [] == [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("interrupted by shutdown" in r.getMessage() for r in caplog.records)


def test_a_job_cancelled_before_it_started_is_not_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging

    import bot.scheduler  # noqa: F401  (installs the filter)

    executor_log = logging.getLogger("apscheduler.executors.default")
    with caplog.at_level(logging.ERROR):
        try:
            raise asyncio.CancelledError
        except asyncio.CancelledError:
            executor_log.exception("Error running job %s", "reminders:catch-up")
        try:
            raise RuntimeError("a real failure")
        except RuntimeError:
            executor_log.exception("Error running job %s", "polls:close:1")
    assert ["Error running job polls:close:1"] == [r.getMessage() for r in caplog.records]
