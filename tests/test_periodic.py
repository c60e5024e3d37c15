"""Periodic jobs: each occurrence runs once, a missed one is caught up once at start."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.context import Context, Services
from bot.router import DuplicateCommand, Router
from bot.scheduler import Clock, Periodic, Scheduler, daily, every
from storage.db import OwnedDatabase
from storage.jobs import JobRunRepo
from tests.harness import START, Harness, make_config


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[JobRunRepo]:
    owned = OwnedDatabase(tmp_path / "assobot.db")
    try:
        yield JobRunRepo(owned.db)
    finally:
        owned.close()


class Recorder:
    """A job body that records the occurrences it ran for."""

    def __init__(self) -> None:
        self.ran: list[datetime] = []

    async def __call__(self, due: datetime) -> None:
        self.ran.append(due)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def run_for(clock: Clock, runs: JobRunRepo, job: Periodic, delta: timedelta) -> None:
    """Start a scheduler (as the bot does at start), let ``delta`` pass, stop it."""
    scheduler = Scheduler(clock)
    scheduler.start()
    try:
        scheduler.periodic(job, runs)
        await scheduler.clock_moved()
        await scheduler.settle()
        await scheduler.advance(delta)
    finally:
        await scheduler.stop()


async def test_periodic_hourly_runs_once_on_each_hour(runs: JobRunRepo) -> None:
    clock = Clock(START + timedelta(minutes=10))
    recorder = Recorder()

    await run_for(
        clock,
        runs,
        Periodic("test:hourly", every(timedelta(hours=1)), recorder),
        timedelta(hours=3),
    )

    assert [utc("2026-12-01 09:00"), utc("2026-12-01 10:00"), utc("2026-12-01 11:00")] == (
        recorder.ran
    )


async def test_periodic_missed_during_downtime_is_caught_up_once(runs: JobRunRepo) -> None:
    clock = Clock(START)
    job_runs = Recorder()
    job = Periodic("test:nightly", daily(time(3, 0), "Europe/Paris"), job_runs)
    await run_for(clock, runs, job, timedelta(days=1))
    assert [utc("2026-12-02 02:00")] == job_runs.ran  # 03:00 in Paris

    clock.advance(timedelta(days=3))  # the bot is down for three nights
    await run_for(clock, runs, job, timedelta(minutes=1))

    assert [utc("2026-12-02 02:00"), utc("2026-12-05 02:00")] == job_runs.ran


async def test_periodic_restart_without_downtime_runs_nothing_again(runs: JobRunRepo) -> None:
    clock = Clock(START)
    recorder = Recorder()
    job = Periodic("test:hourly", every(timedelta(hours=1)), recorder)
    await run_for(clock, runs, job, timedelta(hours=1, minutes=5))
    await run_for(clock, runs, job, timedelta(minutes=5))
    await run_for(clock, runs, job, timedelta(minutes=5))

    assert [utc("2026-12-01 09:00")] == recorder.ran


async def test_periodic_first_start_runs_nothing_for_the_past(runs: JobRunRepo) -> None:
    recorder = Recorder()

    await run_for(
        Clock(START),
        runs,
        Periodic("test:weekly", daily(time(9), weekday=0), recorder),
        timedelta(0),
    )

    assert [] == recorder.ran


async def test_periodic_occurrence_claimed_once(runs: JobRunRepo) -> None:
    due = utc("2026-12-01 10:00")

    assert [True, False] == [runs.claim("test:x", due, START), runs.claim("test:x", due, START)]
    assert runs.claim("test:x", due + timedelta(hours=1), START)
    assert not runs.claim("test:x", due, START)  # an older occurrence never runs after a newer


async def test_periodic_failing_run_does_not_stop_the_next(runs: JobRunRepo) -> None:
    ran: list[datetime] = []

    async def flaky(due: datetime) -> None:
        ran.append(due)
        if len(ran) == 1:
            raise RuntimeError("feed server down")

    await run_for(
        Clock(START),
        runs,
        Periodic("test:flaky", every(timedelta(hours=1)), flaky),
        timedelta(hours=2),
    )

    assert [utc("2026-12-01 09:00"), utc("2026-12-01 10:00")] == ran


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2026-03-28 09:00", "2026-03-29 07:00"),  # the spring-forward day: 09:00 is UTC+2
        ("2026-10-24 09:00", "2026-10-25 08:00"),  # the fall-back day: 09:00 is UTC+1
        ("2026-12-01 07:59", "2026-12-01 08:00"),
        ("2026-12-01 08:00", "2026-12-02 08:00"),
    ],
)
def test_daily_keeps_local_time_across_dst(after: str, expected: str) -> None:
    assert utc(expected) == daily(time(9), "Europe/Paris")(utc(after))


def test_daily_skipped_local_time_happens_at_the_first_valid_instant() -> None:
    assert utc("2026-03-29 01:30") == daily(time(2, 30), "Europe/Paris")(utc("2026-03-28 12:00"))


def test_weekly_on_a_weekday() -> None:
    monday_9 = daily(time(9), "Europe/Paris", weekday=0)

    assert utc("2026-12-07 08:00") == monday_9(utc("2026-12-01 08:00"))  # Tuesday → Monday 7th


def test_every_is_anchored_and_refuses_zero() -> None:
    assert utc("2026-12-01 08:15") == every(timedelta(minutes=15))(utc("2026-12-01 08:07"))
    with pytest.raises(ValueError):
        every(timedelta(0))


def test_job_runs_table_keeps_one_row_per_job(tmp_path: Path) -> None:
    owned = OwnedDatabase(tmp_path / "a.db")
    try:
        repo = JobRunRepo(owned.db)
        for hour in range(5):
            repo.claim("test:x", START + timedelta(hours=hour), START)
        db: Database = owned.db
        assert 1 == db["job_runs"].count
        assert START + timedelta(hours=4) == repo.last_due("test:x")
    finally:
        owned.close()


def _feature(ran: list[datetime]) -> Router:
    """A feature package in miniature: two parts, one command each, one periodic job."""
    part_a, part_b = Router("demo"), Router("demo")

    @part_a.command("ping", "ping", help="Answer pong.")
    async def ping(ctx: Context) -> None:
        await ctx.reply("pong")

    @part_b.command("count", "compte", help="Say how many times the job ran.")
    async def count(ctx: Context) -> None:
        await ctx.reply(str(len(ran)))

    @part_b.every(timedelta(hours=1))
    async def hourly(services: Services, due: datetime) -> None:
        ran.append(due)

    return Router("demo").include(part_a, part_b)


async def start_app(data_dir: Path, clock: Clock, router: Router) -> Harness:
    app = App(make_config(data_dir), clock=clock, routers=[router])
    console = ConsoleAdapter(app)
    app.add_adapter(console)
    await app.start()
    return Harness(app, console)


async def test_router_include_serves_every_parts_commands(tmp_path: Path) -> None:
    bot = await start_app(tmp_path, Clock(START), _feature([]))
    try:
        assert [["pong"], ["0"], ["0"]] == [
            await bot.say("/ping"),
            await bot.say("/count"),
            await bot.say("/compte"),
        ]
        assert {"demo"} == {c.feature for c in bot.app.dispatcher.commands}
    finally:
        await bot.stop()


def test_router_include_refuses_a_button_prefix_declared_twice() -> None:
    part_a, part_b = Router("demo"), Router("demo")
    part_a.button("x")(_noop)
    part_b.button("x")(_noop)

    with pytest.raises(DuplicateCommand):
        Router("demo").include(part_a, part_b)


async def _noop(ctx: Context) -> None:
    return None


async def test_router_every_runs_in_the_app_and_catches_up_once_after_downtime(
    tmp_path: Path,
) -> None:
    ran: list[datetime] = []
    clock = Clock(START + timedelta(minutes=30))
    bot = await start_app(tmp_path, clock, _feature(ran))
    try:
        await bot.advance(timedelta(hours=2))
    finally:
        await bot.stop()
    assert [utc("2026-12-01 09:00"), utc("2026-12-01 10:00")] == ran

    clock.advance(timedelta(hours=5))  # down from 10:30 to 15:30
    bot = await start_app(tmp_path, clock, _feature(ran))
    try:
        await bot.app.scheduler.settle()
        assert ["3"] == await bot.say("/count")
    finally:
        await bot.stop()
    assert utc("2026-12-01 15:00") == ran[-1]


def test_router_every_needs_an_interval_or_a_time() -> None:
    with pytest.raises(ValueError):
        Router("demo").every()
    with pytest.raises(ValueError):
        Router("demo").every(timedelta(hours=1), at=time(3))
