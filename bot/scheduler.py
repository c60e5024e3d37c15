"""Timers: a thin service over APScheduler 3 (AsyncIOScheduler, memory store, UTC).

SQLite stays the source of truth; this only wakes features up. The ``Clock`` can be moved forward
(tests, the console's ``:time``): jobs are kept in clock time and re-timed when it moves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JobFunction = Callable[[], Awaitable[None]]
SweepFunction = Callable[[datetime], Awaitable[None]]
PeriodicFunction = Callable[[datetime], Awaitable[None]]
Recurrence = Callable[[datetime], datetime]
SWEEPER_ID = "core:sweeper"
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, 00:00 UTC: anchors interval jobs
_MAX_CATCH_UP_STEPS = 100_000


def every(interval: timedelta) -> Recurrence:
    """Occurrences every ``interval``, anchored at a fixed epoch (so a restart does not shift
    them): ``every(timedelta(hours=1))`` runs on the hour."""
    if interval <= timedelta(0):
        raise ValueError("a periodic job needs a positive interval")

    def following(moment: datetime) -> datetime:
        steps = (moment - _EPOCH) // interval + 1
        return _EPOCH + steps * interval

    return following


def daily(at: time, timezone: str = "UTC", *, weekday: int | None = None) -> Recurrence:
    """Occurrences at local time ``at`` in an IANA ``timezone`` every day, or on one ``weekday``
    (0 = Monday): 09:00 stays 09:00 across daylight-saving changes."""
    zone = ZoneInfo(timezone)

    def following(moment: datetime) -> datetime:
        local = moment.astimezone(zone)
        day = local.date()
        for _ in range(9):
            candidate = datetime.combine(day, at, tzinfo=zone)
            # A time skipped by a spring-forward change happens at the first valid instant.
            candidate = candidate.astimezone(UTC).astimezone(zone)
            if (weekday is None or day.weekday() == weekday) and candidate > local:
                return candidate.astimezone(UTC)
            day += timedelta(days=1)
        raise AssertionError("unreachable: a week always has the wanted day")

    return following


class RunLog(Protocol):
    """Where periodic jobs' claims are kept (``storage.jobs.JobRunRepo``)."""

    def last_due(self, name: str) -> datetime | None: ...

    def claim(self, name: str, due: datetime, now: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class Periodic:
    """A declared periodic job: its name, when it recurs, what it runs."""

    name: str
    recurrence: Recurrence
    function: PeriodicFunction


class _CancelledAtShutdown(logging.Filter):
    """APScheduler logs "Error running job" when shutdown cancels a job that had not started
    yet; nothing failed (SQLite still holds the work), so that record is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, asyncio.CancelledError)


_APS_EXECUTOR_LOG = logging.getLogger("apscheduler.executors.default")
if not any(isinstance(f, _CancelledAtShutdown) for f in _APS_EXECUTOR_LOG.filters):
    _APS_EXECUTOR_LOG.addFilter(_CancelledAtShutdown())


class Clock:
    """Wall-clock time plus an offset that only moves forward."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = timedelta(0)
        if start is not None:
            self.offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        return datetime.now(UTC) + self.offset

    def to_real(self, moment: datetime) -> datetime:
        """The wall-clock moment at which ``moment`` (clock time) happens."""
        return moment - self.offset

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += delta


@dataclass(frozen=True, slots=True)
class _Job:
    due: datetime
    function: JobFunction


class Scheduler:
    """Named one-shot jobs in clock time, plus a sweeper calling every feature's sweep hook."""

    def __init__(self, clock: Clock, *, sweep_seconds: int = 60) -> None:
        self.clock = clock
        self.sweep_seconds = sweep_seconds
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._jobs: dict[str, _Job] = {}
        self._sweeps: list[SweepFunction] = []
        self._running = 0
        self._tasks: set[asyncio.Task[object]] = set()

    def start(self) -> None:
        """Start the timers (inside the running event loop)."""
        self._aps.start()
        self._aps.add_job(
            self._sweep_job,
            IntervalTrigger(seconds=self.sweep_seconds, timezone=UTC),
            id=SWEEPER_ID,
            replace_existing=True,
        )

    def shutdown(self) -> None:
        """Stop the timers; pending jobs are simply dropped (SQLite keeps the truth)."""
        if self._aps.running:
            self._aps.shutdown(wait=False)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop the timers and give running jobs ``grace`` seconds to finish; the rest are
        interrupted (their features pick up from SQLite at the next start)."""
        self.shutdown()
        running = [task for task in self._tasks if not task.done()]
        if running:
            _done, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=grace)

    def at(self, job_id: str, due: datetime, function: JobFunction) -> None:
        """Run ``function`` at ``due`` (clock time); the same id replaces the earlier job."""
        self._jobs[job_id] = _Job(due, function)
        self._aps.add_job(
            self._run,
            DateTrigger(run_date=self.clock.to_real(due), timezone=UTC),
            args=[job_id],
            id=job_id,
            replace_existing=True,
        )

    def cancel(self, job_id: str) -> None:
        """Forget a job if it is still pending."""
        if self._jobs.pop(job_id, None) is not None and self._aps.get_job(job_id):
            self._aps.remove_job(job_id)

    def due_of(self, job_id: str) -> datetime | None:
        """When a pending job is due (clock time), or None when there is no such job."""
        job = self._jobs.get(job_id)
        return job.due if job is not None else None

    def pending(self) -> dict[str, datetime]:
        """Pending jobs and when they are due (clock time)."""
        return {job_id: job.due for job_id, job in self._jobs.items()}

    def periodic(self, job: Periodic, runs: RunLog) -> None:
        """Run ``job`` at each occurrence, each occurrence at most once (claimed in ``runs``
        before it runs). An occurrence missed while the bot was down runs once now — only the
        latest, however many were missed; a job never seen before starts from now."""
        now = self.clock.now()
        last = runs.last_due(job.name)
        if last is None:
            runs.claim(job.name, now, now)  # a baseline: down-time from here on is caught up
            self._arm(job, runs, job.recurrence(now))
            return
        missed: datetime | None = None
        upcoming = job.recurrence(last)
        for _ in range(_MAX_CATCH_UP_STEPS):
            if upcoming > now:
                break
            missed, upcoming = upcoming, job.recurrence(upcoming)
        else:  # an absurdly long down-time: skip straight to the latest occurrence before now
            missed, upcoming = now, job.recurrence(now)
        self._arm(job, runs, missed if missed is not None else upcoming)

    def _arm(self, job: Periodic, runs: RunLog, due: datetime) -> None:
        async def fire() -> None:
            if runs.claim(job.name, due, self.clock.now()):
                try:
                    await job.function(due)
                except Exception:
                    log.exception("periodic job %s failed for %s", job.name, due.isoformat())
            # Not reached when stop() cancels the run: the next start re-arms from SQLite.
            self._arm(job, runs, job.recurrence(max(due, self.clock.now())))

        self.at(f"periodic:{job.name}", due, fire)

    def add_sweep(self, function: SweepFunction) -> None:
        """Register a feature's sweep hook (sends anything due and unsent)."""
        self._sweeps.append(function)

    async def sweep(self) -> None:
        """Call every sweep hook once; one failing hook does not stop the others."""
        now = self.clock.now()
        for function in self._sweeps:
            self._running += 1
            try:
                await function(now)
            except Exception:
                log.exception("sweep hook failed: %s", getattr(function, "__qualname__", function))
            finally:
                self._running -= 1

    async def _run(self, job_id: str) -> None:
        job = self._jobs.pop(job_id, None)
        if job is not None:
            await self._guarded(job_id, job.function)

    async def _sweep_job(self) -> None:
        await self._guarded(SWEEPER_ID, self.sweep)

    async def _guarded(self, name: str, function: JobFunction) -> None:
        """Run one timer's work: errors are logged, never raised into APScheduler."""
        self._running += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await function()
        except asyncio.CancelledError:
            # Only stop() cancels a timer's work; SQLite still says what is due, so the next
            # start finishes it. Returning normally keeps APScheduler from logging a traceback.
            log.info("job %s interrupted by shutdown; it resumes at the next start", name)
        except Exception:
            log.exception("job %s failed", name)
        finally:
            self._running -= 1
            if task is not None:
                self._tasks.discard(task)

    async def clock_moved(self) -> None:
        """Re-time every pending job after the clock moved, then sweep."""
        for job_id, job in list(self._jobs.items()):
            self._aps.add_job(
                self._run,
                DateTrigger(run_date=self.clock.to_real(job.due), timezone=UTC),
                args=[job_id],
                id=job_id,
                replace_existing=True,
            )
        await self.sweep()

    async def advance(self, delta: timedelta, step: timedelta = timedelta(minutes=15)) -> None:
        """Move the clock forward as if the time had passed: every timer fires at its own due
        time, in order, and the sweeper runs along the way (so a jump is not a down-time)."""
        target = self.clock.now() + delta
        step = max(step, delta / 2000)  # a jump of a year stays a few thousand steps
        while (now := self.clock.now()) < target:
            upcoming = [job.due for job in self._jobs.values() if now < job.due <= target]
            stop = min([*upcoming, now + step, target])
            self.clock.advance(stop - now)
            await self.clock_moved()
            await self.settle()

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until no job is due or running (tests and the console use it after moving time)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            now = self.clock.now()
            due = any(job.due <= now for job in self._jobs.values())
            if not due and self._running == 0:
                # Let APScheduler see the last run end (its done callback) before the clock
                # moves on: a job re-armed under the same id would be skipped as still running.
                for _ in range(3):
                    await asyncio.sleep(0)
                return
            await asyncio.sleep(0.005)
        raise TimeoutError("scheduled jobs did not finish in time")
