"""Timers: a thin service over APScheduler 3 (AsyncIOScheduler, memory store, UTC).

SQLite stays the source of truth; this only wakes features up. The ``Clock`` can be moved forward
(tests, the console's ``:time``): jobs are kept in clock time and re-timed when it moves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JobFunction = Callable[[], Awaitable[None]]
SweepFunction = Callable[[datetime], Awaitable[None]]
SWEEPER_ID = "core:sweeper"


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
                return
            await asyncio.sleep(0.005)
        raise TimeoutError("scheduled jobs did not finish in time")
