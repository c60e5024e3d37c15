"""Wiring: open the database, build the dispatcher and the scheduler, run the adapters."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import importlib.util
import logging
import os
import signal
import sys
import time
import types
from collections.abc import Awaitable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from bot.adapters.base import Adapter, AdapterState, RoomBlocked
from bot.config import Config
from bot.context import RoomVoice, Services
from bot.fetch import Fetcher
from bot.i18n import Translator
from bot.message import BLOCKED, ButtonPress, Delivery, Incoming, Outgoing, Room, Vote
from bot.router import Command, Dispatcher, PeriodicSpec, Router, SweepHook
from bot.scheduler import Clock, Periodic, Scheduler, SweepFunction, daily, every
from storage.store import Store

if TYPE_CHECKING:
    from bot.web.server import WebServer

log = logging.getLogger(__name__)

# Set inside a feature's start hook run by ``App.start``: the event its sends set when they
# have to wait for the adapters (see ``App._until_listening``).
_START_HOOK: contextvars.ContextVar[asyncio.Event | None] = contextvars.ContextVar(
    "assobot_start_hook", default=None
)


class App:
    """One running assobot: a database, a dispatcher, a scheduler and its adapters."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        routers: Iterable[Router] | None = None,
    ) -> None:
        if routers is None:
            from handlers import ROUTERS

            routers = ROUTERS
        self.config = config
        self.clock = clock or Clock()
        # The default language's catalogs now, another language's at its first message.
        self.translator = Translator.load((config.language,))
        self.scheduler = Scheduler(self.clock, sweep_seconds=config.scheduler.sweep_seconds)
        self.store = Store(
            config.database_path, language=config.language, timezone=config.timezone
        )
        self.services = Services(
            config,
            self.store,
            self.clock,
            self.scheduler,
            self.translator,
            self.send,
            self.edit,
            self.private_room,
        )
        try:
            self.dispatcher = Dispatcher(routers, self.services, stale_after=stale_limits(config))
        except Exception:
            self.store.close()
            raise
        self.services.commands = self.dispatcher.commands
        self.services.reply_privately = self.reply_privately
        self.services.redact = self.redact
        self.services.fetcher = Fetcher(config.fetch)
        self.adapters: dict[str, Adapter] = {}
        self.web: WebServer | None = None  # the web page, built at start when [web] is on
        self._stop = asyncio.Event()
        self._started = False
        # Set once every adapter's start() returned: a start hook's message waits for it.
        self._listening = asyncio.Event()
        self._hook_tasks: list[asyncio.Task[None]] = []
        # Rooms the platform moved while running (old key -> new key): a caller that still
        # holds the old key reaches the new room, and learns its key from the Delivery.
        self._moves: dict[str, str] = {}

    def add_adapter(self, adapter: Adapter) -> None:
        """Serve one platform (one adapter per platform)."""
        self.adapters[adapter.platform] = adapter

    # Host protocol (the whole port adapters call; bot/adapters/base.py) -----------------

    async def receive(self, incoming: Incoming) -> None:
        await self.dispatcher.handle(incoming)

    async def press(self, press: ButtonPress) -> None:
        await self.dispatcher.handle_press(press)

    async def vote(self, vote: Vote) -> None:
        await self.dispatcher.handle_vote(vote)

    def request_stop(self) -> None:
        self._stop.set()

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def commands(self) -> tuple[Command, ...]:
        return self.dispatcher.commands

    def voice(self, room_key: str | None = None) -> RoomVoice:
        return self.services.voice(room_key)

    @property
    def state(self) -> AdapterState:
        return self.store.adapters

    def migrate_room(self, old_key: str, new_key: str) -> None:
        if old_key == new_key:
            return
        self._moves[old_key] = new_key
        if self.store.rooms.migrate(old_key, new_key):
            log.info("room %s moved to %s: its data follows", old_key, new_key)

    def _current_key(self, room_key: str) -> str:
        """Where a room lives now, after the moves seen while running."""
        seen = {room_key}
        while room_key in self._moves:
            room_key = self._moves[room_key]
            if room_key in seen:
                break
            seen.add(room_key)
        return room_key

    def set_room_language(self, room: Room, language: str) -> None:
        record = self.store.rooms.ensure(room, self.clock.now())
        self.store.rooms.set_language(record.key, language)

    async def advance(self, delta: timedelta) -> None:
        await self.scheduler.advance(delta)

    # Sending ----------------------------------------------------------------------------

    async def send(self, room_key: str, out: Outgoing) -> Delivery:
        """Send through the adapter of the room's platform; failures are reported, not raised.
        The Delivery names the room where the message went: a room that moved (a Telegram
        group upgraded to a supergroup) has a new key, under which to record the message."""
        await self._until_listening()
        room_key = self._current_key(room_key)
        platform, _sep, room_id = room_key.partition(":")
        adapter = self.adapters.get(platform)
        if adapter is None:
            log.warning("no %s adapter running: message to %s not sent", platform, room_key)
            return Delivery(room_key, error=f"{platform} is not connected")
        try:
            message_id = await adapter.send(room_id, out)
        except RoomBlocked as error:
            log.warning("%s no longer accepts our messages: %s", room_key, error)
            return Delivery(room_key, error=BLOCKED)
        except Exception as error:
            log.exception("send to %s failed", room_key)
            return Delivery(room_key, error=str(error) or type(error).__name__)
        return Delivery(self._current_key(room_key), message_id)

    async def edit(self, room_key: str, message_id: str, out: Outgoing) -> Delivery:
        """Replace one of our messages (poll results, say); failures are reported, not raised."""
        await self._until_listening()
        room_key = self._current_key(room_key)
        platform, _sep, room_id = room_key.partition(":")
        adapter = self.adapters.get(platform)
        if adapter is None:
            return Delivery(room_key, message_id, error=f"{platform} is not connected")
        try:
            await adapter.edit(room_id, message_id, out)
        except RoomBlocked as error:
            log.warning("%s no longer accepts our messages: %s", room_key, error)
            return Delivery(room_key, message_id, error=BLOCKED)
        except Exception as error:
            log.exception("edit of %s in %s failed", message_id, room_key)
            return Delivery(room_key, message_id, error=str(error) or type(error).__name__)
        return Delivery(room_key, message_id)

    async def private_room(self, member_key: str) -> str | None:
        """The key of a private chat with a member, where the platform allows one, else None."""
        await self._until_listening()
        platform, _sep, member_id = member_key.partition(":")
        adapter = self.adapters.get(platform)
        opener = getattr(adapter, "private_room", None)
        if opener is None:
            return None
        try:
            room_id = await opener(member_id)
        except Exception:
            log.exception("could not open a private chat with %s", member_key)
            return None
        return f"{platform}:{room_id}" if room_id else None

    async def reply_privately(self, room_key: str, member_key: str, token: str, text: str) -> bool:
        """Answer a member where only they see it: the adapter's own private answer to a tap
        (``reply_privately``), else a private chat; never the room. False when neither exists."""
        await self._until_listening()
        platform, _sep, room_id = room_key.partition(":")
        adapter = self.adapters.get(platform)
        answer = getattr(adapter, "reply_privately", None)
        if answer is not None:
            try:
                if await answer(room_id, member_key.partition(":")[2], token, text):
                    return True
            except Exception:
                log.exception("could not answer %s privately", member_key)
        private = await self.private_room(member_key)
        if private is None:
            return False
        return (await self.send(private, Outgoing(text))).ok

    async def redact(self, room_key: str, event_id: str) -> bool:
        """Remove a member's event (a public reaction) where the adapter can and may."""
        await self._until_listening()
        platform, _sep, room_id = room_key.partition(":")
        remover = getattr(self.adapters.get(platform), "redact", None)
        if remover is None:
            return False
        try:
            return bool(await remover(room_id, event_id))
        except Exception:
            log.exception("could not redact %s in %s", event_id, room_key)
            return False

    # Life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Restore each feature's state, start the timers, then connect the adapters.

        Each feature's state is restored before any adapter delivers an event (a poll whose
        deadline passed while the bot was down is closed before the votes cast meanwhile
        arrive), but what a start hook sends (a late poll's result, a reminder a crash left
        half sent) waits until every adapter's start() returned: before that a platform may
        not know its rooms yet (Matrix before its first sync). The hook resumes then, and
        start() returns once it is done."""
        self.dispatcher.started_at = self.clock.now()  # commands from long before are stale
        for router in self.dispatcher.routers:
            for sweep in router.sweep_hooks:
                self.scheduler.add_sweep(_bind_sweep(sweep, self.services))
            for hook in router.start_hooks:
                await self._start_hook(hook(self.services))
            for job in router.periodic_jobs:
                self.scheduler.periodic(_periodic(job, self.services), self.store.jobs)
        # Timers armed so far (catch-up jobs, missed periodic runs) fire from here on, while
        # the adapters connect; an adapter holds their messages until it can send them.
        self.scheduler.start()
        for adapter in self.adapters.values():
            await adapter.start()
        if self.config.web.enabled:
            from bot.web.server import WebServer

            self.web = WebServer(self.config.web, self.services, self.dispatcher.routers)
            await self.web.start()
        self._listening.set()
        self._started = True
        age = process_age()
        log.info(
            "assobot started: %s%s",
            ", ".join(self.adapters) or "no adapter",
            "" if age is None else f" ({age:.2f} s after the process started)",
        )
        hooks, self._hook_tasks = self._hook_tasks, []
        for task in hooks:
            await task  # their messages, now that the adapters can send them
        if hooks:
            # Timers ran meanwhile: let APScheduler see them end (as Scheduler.settle does),
            # or one re-armed under the same id and due at once would be skipped as running.
            for _ in range(3):
                await asyncio.sleep(0)

    async def _start_hook(self, work: Awaitable[None]) -> None:
        """Run a start hook until it is done, or until it waits to send (then it finishes in
        the background once the adapters are listening, and the next hook runs)."""
        waiting = asyncio.Event()

        async def run() -> None:
            _START_HOOK.set(waiting)  # this task's context (and its children's) only
            await work

        task = asyncio.get_running_loop().create_task(run(), name="assobot start hook")
        parked = asyncio.get_running_loop().create_task(waiting.wait())
        try:
            await asyncio.wait({task, parked}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            raise
        finally:
            parked.cancel()
        if task.done():
            task.result()  # a failing hook fails the start, as it always did
        else:
            self._hook_tasks.append(task)

    async def _until_listening(self) -> None:
        """Inside a start hook run before the adapters were started: wait until they are."""
        waiting = _START_HOOK.get()
        if waiting is None or self._listening.is_set():
            return
        waiting.set()
        await self._listening.wait()

    async def run(self) -> None:
        """Run until an adapter or a signal asks to stop; a signal during the start stops it
        at once (a platform that does not answer could hold the start for a minute)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        try:
            starting = loop.create_task(self.start(), name="assobot start")
            stopping = loop.create_task(self._stop.wait())
            try:
                await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
            if not starting.done():
                log.info("stop asked during the start: stopping")
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
                return
            starting.result()
            await self._stop.wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Disconnect adapters, stop timers, close the database (idempotent)."""
        hooks, self._hook_tasks = self._hook_tasks, []
        for task in hooks:  # a start cut short: the hooks' messages not sent yet are dropped
            task.cancel()
        if hooks:
            await asyncio.wait(hooks)
        if self.web is not None:
            try:
                await self.web.stop()
            except Exception:
                log.exception("the web page did not stop cleanly")
        for adapter in self.adapters.values():
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter %s did not stop cleanly", adapter.platform)
        await self.scheduler.stop()
        if self.services.fetcher is not None:
            await self.services.fetcher.aclose()
        self.store.close()


def process_age() -> float | None:
    """Seconds since this process started (Linux), None where it cannot be known."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time, in ticks
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _periodic(spec: PeriodicSpec, services: Services) -> Periodic:
    """A declared job (``Router.every``) bound to the services, as the scheduler runs it."""
    if spec.interval is not None:
        recurrence = every(spec.interval)
    else:
        assert spec.at is not None  # Router.every requires one or the other
        recurrence = daily(spec.at, spec.timezone, weekday=spec.weekday)

    async def run(due: datetime) -> None:
        await spec.hook(services, due)

    return Periodic(spec.name, recurrence, run)


def _bind_sweep(sweep: SweepHook, services: Services) -> SweepFunction:
    async def run(now: datetime) -> None:
        await sweep(services, now)

    return run


def stale_limits(config: Config) -> dict[str, timedelta]:
    """How old a command may be when the bot sees it, per platform (older ones are not run)."""
    return {
        "telegram": timedelta(minutes=config.telegram.stale_after_minutes),
        "matrix": timedelta(minutes=config.matrix.stale_after_minutes),
    }


def skip_unused_imports(config: Config) -> None:
    """For the ``assobot run`` process only: python-telegram-bot imports, when installed,
    cryptography (Telegram Passport, which the bot never uses) and tornado (its webhook
    server, needed in webhook mode only): about 9 MB and 30 ms. matrix-nio's pycryptodome
    declares its C functions through cffi when cffi is importable, parsing C text with
    pycparser at every start (about 40 ms and 1.5 MB); without cffi it uses ctypes, the same
    functions. Marked absent here, before anything imports them; nio's unused transport (h11,
    HTTP/2) is only deferred to its first use. A process that may need them later (a test
    session) must not call this."""
    unused = []
    if config.telegram.enabled and "telegram" not in sys.modules:
        unused.append("cryptography")
        if config.telegram.mode != "webhook":
            unused.append("tornado")
    if config.matrix.enabled and "nio" not in sys.modules:
        unused.append("cffi")  # vodozemac (nio's Olm) is a Rust module, not a cffi one
        # nio's other transport (HttpClient: h11 and HTTP/2) is imported with AsyncClient,
        # which talks through aiohttp: imported at their first use only (never, unless httpx
        # asks for them): about 20 ms.
        for name in _NIO_UNUSED:
            if name not in sys.modules:
                sys.modules[name] = _Deferred(name)
    for name in unused:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import now raises ImportError


_NIO_UNUSED = ("h11", "h2", "h2.connection", "h2.events")


class _Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for a module imported but not used yet: the first name read
    from it imports the real module (with the other deferred modules of its package) and is
    read from there; a submodule imported meanwhile is a real one (``__path__`` is real)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__spec__ = importlib.util.find_spec(name)  # found, not run (a parent: a stand-in)
        if self.__spec__ is not None and self.__spec__.submodule_search_locations is not None:
            self.__path__ = list(self.__spec__.submodule_search_locations)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # __file__, __all__...: asked by tools, not by users
            raise AttributeError(attribute)
        return getattr(_load_deferred(self.__name__), attribute)


def _load_deferred(name: str) -> types.ModuleType:
    """Replace the deferred modules of ``name``'s package with the real ones; return ``name``."""
    top = name.partition(".")[0]
    family = [key for key in sys.modules if key == top or key.startswith(top + ".")]
    deferred = [key for key in family if isinstance(sys.modules[key], _Deferred)]
    for key in deferred:
        del sys.modules[key]
    for key in sorted(deferred):
        importlib.import_module(key)
    for key in family:  # real submodules imported under the stand-in: onto the real parent
        parent, _dot, child = key.rpartition(".")
        if parent and not hasattr(sys.modules[parent], child):
            setattr(sys.modules[parent], child, sys.modules[key])
    return sys.modules[name]


def _telegram_adapter(app: App) -> Adapter:
    from bot.adapters.telegram import TelegramAdapter

    return TelegramAdapter(app.config.telegram, app, source=app.config.source)


def _matrix_adapter(app: App) -> Adapter:
    from bot.adapters.matrix import MatrixAdapter

    return MatrixAdapter(app.config.matrix, app, data_dir=app.config.data_dir)


def build(config: Config, *, console: bool = False, output: TextIO | None = None) -> App:
    """The app for ``assobot run``: every configured platform, plus the console when asked or
    when no platform is configured."""
    from bot.adapters.console import ConsoleAdapter

    app = App(config)
    try:
        if config.telegram.enabled:
            app.add_adapter(_telegram_adapter(app))
        if config.matrix.enabled:
            app.add_adapter(_matrix_adapter(app))
    except BaseException:
        app.store.close()
        raise
    if console or not config.platforms:
        files = config.data_dir / "files"
        app.add_adapter(ConsoleAdapter(app, config.console, files_dir=files, output=output))
    return app
