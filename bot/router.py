"""Commands declared once beside their code (``Router``), and the ``Dispatcher`` that runs them."""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any, TypeVar

from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import ButtonPress, Incoming, Vote
from bot.text import bounded, fold
from bot.web import ArchiveHook, ArchiveSpec, PageHandler, PageSpec
from storage.rooms import RoomRecord

if TYPE_CHECKING:
    from bot.context import Context, Services

log = logging.getLogger(__name__)

Handler = Callable[["Context"], Awaitable[None]]
StartHook = Callable[["Services"], Awaitable[None]]
SweepHook = Callable[["Services", datetime], Awaitable[None]]
PeriodicHook = Callable[["Services", datetime], Awaitable[None]]
PH = TypeVar("PH", bound=PageHandler)
AH = TypeVar("AH", bound=ArchiveHook)
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # what Telegram accepts in a command menu
_COMMAND_LINE = re.compile(r"^([/!])([^\s@/!]+)(?:@(\S*))?(?:\s+(.*))?$", re.DOTALL)
_QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“"}
AWAY = _(
    "I was away when this was sent, so I did not run it. Please send the command again if "
    "it is still needed."
)


class DuplicateCommand(Exception):
    """Two commands claim the same name or alias."""


@dataclass(frozen=True, slots=True)
class Command:
    """One command: English name, French name, extra aliases, usage, help and examples."""

    name: str
    name_fr: str
    aliases: tuple[str, ...]
    usage: str
    help: str
    examples: tuple[str, ...]
    organizer_only: bool
    handler: Handler
    feature: str

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it answers to, once (French and English may be the same word)."""
        return tuple(dict.fromkeys((self.name, self.name_fr, *self.aliases)))

    def localized_name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name


class Router:
    """The commands, button handlers, listeners and timer hooks of one feature."""

    def __init__(self, feature: str, *, settings: type[Any] | None = None) -> None:
        self.feature = feature
        # The feature's settings dataclass: the [<feature>] section of config.toml, validated
        # from its fields' declarations (``bot.config.setting``); read with ctx.settings(...).
        self.settings = settings
        self.commands: list[Command] = []
        self.buttons: dict[str, Handler] = {}
        self.votes: dict[str, Handler] = {}
        self.listeners: list[Handler] = []
        self.start_hooks: list[StartHook] = []
        self.sweep_hooks: list[SweepHook] = []
        self.periodic_jobs: list[PeriodicSpec] = []
        self.pages: list[PageSpec] = []
        self.archive_sections: list[ArchiveSpec] = []

    def include(self, *routers: Router) -> Router:
        """Serve the commands, buttons, listeners, hooks and jobs of each part of a feature
        package (aiogram's ``include_router``): ``handlers/__init__.py`` still lists one router
        per feature, each part declares its own commands beside its code."""
        for part in routers:
            if part is self:
                raise ValueError("a router cannot include itself")
            for command in part.commands:
                self.commands.append(replace_feature(command, self.feature))
            merge_prefixes(self.buttons, part.buttons, "button")
            merge_prefixes(self.votes, part.votes, "vote")
            self.listeners.extend(part.listeners)
            self.start_hooks.extend(part.start_hooks)
            self.sweep_hooks.extend(part.sweep_hooks)
            self.periodic_jobs.extend(part.periodic_jobs)
            self.pages.extend(replace(page, feature=self.feature) for page in part.pages)
            self.archive_sections.extend(
                replace(section, feature=self.feature) for section in part.archive_sections
            )
            if part.settings is not None:
                if self.settings not in (None, part.settings):
                    raise ValueError(f"feature {self.feature} declares two settings classes")
                self.settings = part.settings
        return self

    def command(
        self,
        name: str,
        name_fr: str,
        *aliases: str,
        usage: str = "",
        help: str,
        examples: Iterable[str] = (),
        organizer: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Declare a command; names must be valid Telegram command names (a-z, 0-9, _)."""
        for each in (name, name_fr, *aliases):
            if not COMMAND_NAME.match(each):
                raise ValueError(f"invalid command name {each!r}: use a-z, 0-9 and _ only")

        def register(handler: Handler) -> Handler:
            self.commands.append(
                Command(
                    name,
                    name_fr,
                    aliases,
                    usage,
                    help,
                    tuple(examples),
                    organizer,
                    handler,
                    self.feature,
                )
            )
            return handler

        return register

    def button(self, prefix: str) -> Callable[[Handler], Handler]:
        """Handle taps on buttons whose data starts with ``prefix:``."""

        def register(handler: Handler) -> Handler:
            self.buttons[prefix] = handler
            return handler

        return register

    def vote(self, prefix: str) -> Callable[[Handler], Handler]:
        """Handle native poll responses whose answers' data start with ``prefix:``; the handler
        gets the answers' payloads (after ``prefix:``) as ``ctx.args``."""

        def register(handler: Handler) -> Handler:
            self.votes[prefix] = handler
            return handler

        return register

    def listener(self, handler: Handler) -> Handler:
        """Receive every message that is not a command (e.g. to capture links)."""
        self.listeners.append(handler)
        return handler

    def on_start(self, hook: StartHook) -> StartHook:
        """Restore timers from the tables at start-up."""
        self.start_hooks.append(hook)
        return hook

    def on_sweep(self, hook: SweepHook) -> SweepHook:
        """Called by the sweeper (every minute and whenever the clock moves)."""
        self.sweep_hooks.append(hook)
        return hook

    def every(
        self,
        interval: timedelta | None = None,
        *,
        at: clock_time | None = None,
        weekday: int | None = None,
        timezone: str = "UTC",
    ) -> Callable[[PeriodicHook], PeriodicHook]:
        """Declare a periodic job: ``@router.every(timedelta(hours=1))`` or
        ``@router.every(at=time(3), timezone="Europe/Paris")`` (``weekday=0`` for Mondays only).
        Each occurrence runs at most once, claimed in SQLite; one missed while the bot was down
        runs once at start. The hook gets the services and the occurrence's time."""
        if (interval is None) == (at is None):
            raise ValueError("give either an interval or a time of day")

        def register(hook: PeriodicHook) -> PeriodicHook:
            name = f"{self.feature}:{hook.__name__}"
            if any(job.name == name for job in self.periodic_jobs):
                raise DuplicateCommand(f"periodic job {name} is declared twice")
            self.periodic_jobs.append(PeriodicSpec(name, interval, at, weekday, timezone, hook))
            return hook

        return register

    def page(self, method: str, path: str, *, token: str = "") -> Callable[[PH], PH]:
        """Declare a page of the web server (``[web]``): ``@router.page("GET", "/v/{token}",
        token="vote")``; with ``token`` the server resolves the ``{token}`` part to a live token
        of that kind (else a 404) and the handler gets it as ``request.token``."""
        if method not in ("GET", "POST") or not path.startswith("/"):
            raise ValueError(f"invalid page {method} {path}")
        if token and "{token}" not in path:
            raise ValueError(f"page {path} declares a token kind but has no {{token}} part")

        def register(handler: PH) -> PH:
            self.pages.append(PageSpec(method, path, handler, token, self.feature))
            return handler

        return register

    def archive_section(self, order: int) -> Callable[[AH], AH]:
        """Declare a section of the association's archive page (lower ``order`` first); the
        hook returns None to show nothing."""

        def register(hook: AH) -> AH:
            self.archive_sections.append(ArchiveSpec(order, hook, self.feature))
            return hook

        return register


@dataclass(frozen=True, slots=True)
class PeriodicSpec:
    """A feature's periodic job as declared (``Router.every``); the app arms it at start."""

    name: str
    interval: timedelta | None
    at: clock_time | None
    weekday: int | None
    timezone: str
    hook: PeriodicHook


def merge_prefixes(into: dict[str, Handler], new: dict[str, Handler], what: str) -> None:
    """Add button or vote handlers by data prefix; a prefix declared twice stops the start."""
    for prefix, handler in new.items():
        if prefix in into:
            raise DuplicateCommand(f"{what} prefix {prefix!r} is declared twice")
        into[prefix] = handler


def replace_feature(command: Command, feature: str) -> Command:
    """The same command, owned by ``feature`` (a package part serves its feature's name)."""
    return Command(
        command.name,
        command.name_fr,
        command.aliases,
        command.usage,
        command.help,
        command.examples,
        command.organizer_only,
        command.handler,
        feature,
    )


def split_arguments(text: str) -> list[str]:
    """Split on spaces, keeping "double-quoted", «guillemets» and “curly” groups together.

    Apostrophes are ordinary letters (``l'AG``); an unclosed quote runs to the end.
    """
    args: list[str] = []
    current: list[str] = []
    closing: str | None = None
    quoted = False
    for char in text:
        if closing is not None:
            if char == closing:
                closing = None
            else:
                current.append(char)
        elif char in _QUOTES and not current:
            closing = _QUOTES[char]
            quoted = True
        elif char.isspace():
            if current or quoted:
                args.append("".join(current).strip())
            current, quoted = [], False
        else:
            current.append(char)
    if current or quoted:
        args.append("".join(current).strip())
    return args


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """``/name@bot args`` taken apart."""

    prefix: str
    name: str
    addressee: str
    text: str


def parse_command(text: str) -> ParsedCommand | None:
    """Recognise ``/cmd`` or ``!cmd`` (with an optional ``@botname``); None for other text."""
    match = _COMMAND_LINE.match(text.strip())
    if match is None:
        return None
    prefix, name, addressee, rest = match.groups()
    # Telegram command names cannot hold a hyphen: /liens-vote is /liens_vote.
    name = fold(name).replace("-", "_")
    if not COMMAND_NAME.match(name):
        return None
    return ParsedCommand(prefix, name, addressee or "", (rest or "").strip())


class Dispatcher:
    """Parse, look up, check the role, call the handler, turn errors into replies."""

    def __init__(
        self,
        routers: Iterable[Router],
        services: Services,
        *,
        stale_after: Mapping[str, timedelta] | None = None,
    ) -> None:
        self.routers = tuple(routers)
        self.services = services
        self.stale_after = dict(stale_after or {})  # per platform; none: every command runs
        self.started_at = services.clock.now()  # the app sets it again when it starts
        self._told_away: set[str] = set()
        self.by_name: dict[str, Command] = {}
        self.buttons: dict[str, Handler] = {}
        self.votes: dict[str, Handler] = {}
        self.listeners: list[Handler] = []
        for router in self.routers:
            for command in router.commands:
                for name in command.names:
                    other = self.by_name.get(name)
                    if other is not None:
                        raise DuplicateCommand(
                            f"/{name} is declared twice: by {other.feature} (/{other.name}) "
                            f"and by {command.feature} (/{command.name})"
                        )
                    self.by_name[name] = command
            merge_prefixes(self.buttons, router.buttons, "button")
            merge_prefixes(self.votes, router.votes, "vote")
            self.listeners.extend(router.listeners)
        self.commands = tuple(c for r in self.routers for c in r.commands)
        self._storage_reported_at: float | None = None

    async def handle(self, incoming: Incoming) -> None:
        """Handle one message; never raises (errors become replies and log lines)."""
        from bot.context import Context

        services = self.services
        parsed = parse_command(incoming.text)
        try:
            now = incoming.at
            room = services.store.rooms.ensure(incoming.room, now)
            services.store.members.seen(room.key, incoming.sender, now)
        except Exception as error:
            if not self._storage_failed(error):
                log.exception("could not record room %s", incoming.room.key)
            elif parsed is not None:  # a command gets an answer; plain chat stays quiet
                await self._cannot_save(
                    Context(services, incoming, self._room(incoming), None, "")
                )
            return
        if self._storage_reported_at is not None and services.store.writable():
            self._storage_reported_at = None
            log.warning("the database accepts writes again: members' requests are saved again")
        if parsed is None:
            for listener in self.listeners:
                ctx = Context(services, incoming, room, None, incoming.text)
                await self._run(ctx, listener, quiet=True)
            return
        if (
            parsed.addressee
            and incoming.bot_username
            and parsed.addressee.casefold() != incoming.bot_username.casefold()
        ):
            return  # meant for another bot in the group
        if self._stale(incoming):
            await self._say_away(Context(services, incoming, room, None, parsed.text))
            return
        command = self.by_name.get(parsed.name)
        ctx = Context(services, incoming, room, command, parsed.text)
        if command is None:
            await self._unknown(ctx, parsed)
            return
        if command.organizer_only and not ctx.is_organizer:
            await ctx.reply(
                ctx.t(
                    "Only organizers can use /{command}.", command=command.localized_name(ctx.lang)
                )
            )
            return
        await self._run(ctx, command.handler)

    def _stale(self, incoming: Incoming) -> bool:
        """A command sent more than its platform's ``stale_after_minutes`` before the bot
        started (it was away, and what was asked may no longer hold) is not run; one sent while
        the bot ran is run however late the platform delivers it. The adapter gives the time
        the message was sent as ``incoming.at``."""
        limit = self.stale_after.get(incoming.room.platform)
        return limit is not None and incoming.at < self.started_at - limit

    async def _say_away(self, ctx: Context) -> None:
        """Say once per room (and run) that we were away and the old command was not run."""
        log.info("stale command in %s not run", ctx.room.key)
        if ctx.room.key in self._told_away:
            return
        self._told_away.add(ctx.room.key)
        try:
            await ctx.reply(ctx.t(AWAY))
        except Exception:
            log.exception("could not say that we were away")

    async def handle_press(self, press: ButtonPress) -> None:
        """Route a button tap to the feature owning the data's prefix."""
        prefix, _sep, payload = press.data.partition(":")
        handler = self.buttons.get(prefix)
        if handler is None:
            log.info("button with unknown prefix %r ignored", prefix)
            return
        await self._event(press, payload, [payload] if payload else [], handler)

    async def handle_vote(self, vote: Vote) -> None:
        """Route a native poll response to the feature owning its answers' prefix; the
        handler gets the answers' payloads (after ``prefix:``) as ``ctx.args``."""
        if not vote.choices:
            return  # an empty response withdraws nothing we track: ignore it
        prefix = vote.choices[0].partition(":")[0]
        handler = self.votes.get(prefix)
        if handler is None:
            log.info("vote with unknown prefix %r ignored", prefix)
            return
        payloads = [c.partition(":")[2] for c in vote.choices if c.startswith(prefix + ":")]
        await self._event(vote, " ".join(payloads), payloads, handler)

    async def _event(
        self, event: ButtonPress | Vote, text: str, args: list[str], handler: Handler
    ) -> None:
        """Run a handler for a tap or a poll answer, as if ``text`` had been typed."""
        from bot.context import Context

        incoming = Incoming(
            room=event.room,
            sender=event.sender,
            text=text,
            at=event.at,
            message_id=event.message_id,
            sender_is_admin=event.sender_is_admin,
            gesture=event.gesture,
        )
        try:
            room = self.services.store.rooms.ensure(event.room, event.at)
            self.services.store.members.seen(room.key, event.sender, event.at)
        except Exception as error:
            if not self._storage_failed(error):
                log.exception("could not record room %s", event.room.key)
            else:
                ctx = Context(self.services, incoming, self._room(incoming), None, "")
                await self._cannot_save(ctx)
            return
        ctx = Context(self.services, incoming, room, None, text)
        ctx.args = args
        await self._run(ctx, handler)

    async def _run(self, ctx: Context, handler: Handler, *, quiet: bool = False) -> None:
        """Call a handler; ``quiet`` (a listener on plain chat) never answers an error."""
        try:
            await handler(ctx)
        except UsageError as error:
            await self._usage(ctx, self._translate(ctx, error.msgid, error.params))
        except Refusal as error:
            await ctx.reply(self._translate(ctx, error.msgid, error.params))
        except Exception as error:
            if self._storage_failed(error):
                if not quiet:
                    await self._cannot_save(ctx)
                return
            log.exception(
                "handler %s failed in %s", getattr(handler, "__qualname__", handler), ctx.room.key
            )
            try:
                await ctx.reply(
                    ctx.t("Sorry, something went wrong. Nothing was lost; please try again.")
                )
            except Exception:
                log.exception("could not send the apology")

    def _storage_failed(self, error: BaseException) -> bool:
        """Whether ``error`` means the database refuses writes; says so in the log once (one
        ERROR line per hour while it lasts, not one per message)."""
        why = self.services.store.write_failure(error)
        if why is None:
            return False
        now = time.monotonic()
        if self._storage_reported_at is None or now - self._storage_reported_at >= 3600:
            self._storage_reported_at = now
            log.error(
                "the database refuses writes: %s (%s). Members are told the bot cannot save; "
                "nothing they ask is recorded until this is fixed",
                why,
                error,
            )
        else:
            log.debug("the database still refuses writes: %s", error)
        return True

    def _room(self, incoming: Incoming) -> RoomRecord:
        """The stored room when it can still be read (for its language), else the defaults."""
        try:
            stored = self.services.store.rooms.get(incoming.room.key)
        except Exception:
            stored = None
        if stored is not None:
            return stored
        config = self.services.config
        return RoomRecord(
            key=incoming.room.key,
            platform=incoming.room.platform,
            external_id=incoming.room.id,
            title=incoming.room.title,
            private=incoming.room.private,
            association_id=0,
            language=config.language,
            timezone=config.timezone,
        )

    async def _cannot_save(self, ctx: Context) -> None:
        try:
            await ctx.reply(
                ctx.t(
                    "Sorry, the bot cannot save anything right now, so this was not done. "
                    "Please try again later; the organizers will find the cause in its log."
                )
            )
        except Exception:
            log.exception("could not say that the database refuses writes")

    def _translate(self, ctx: Context, msgid: str, params: dict[str, object]) -> str:
        # A member's text a handler forgot to clip is clipped here: never echoed whole.
        bounded_params = {key: bounded(value) for key, value in params.items()}
        return self.services.translator.t(ctx.lang, msgid, **bounded_params)

    async def _usage(self, ctx: Context, reason: str) -> None:
        command = ctx.command
        lines = [reason]
        if command is not None:
            lines.append(ctx.t("Usage: {usage}", usage=usage_line(ctx, command)))
            if command.examples:
                lines.append(ctx.t("Example: {example}", example=ctx.t(command.examples[0])))
        await ctx.reply("\n".join(lines))

    async def _unknown(self, ctx: Context, parsed: ParsedCommand) -> None:
        names = [n for c in self.commands for n in (c.localized_name(ctx.lang), *c.names)]
        close = difflib.get_close_matches(parsed.name, list(dict.fromkeys(names)), n=1, cutoff=0.6)
        help_name = ctx.command_name("help")
        if close:
            await ctx.reply(
                ctx.t(
                    "Unknown command /{name}. Did you mean /{suggestion}? "
                    "Type /{help} for the list.",
                    name=parsed.name,
                    suggestion=close[0],
                    help=help_name,
                )
            )
        elif parsed.prefix == "/":
            # "!word" is often meant for another Matrix bot: only answer it when we can help.
            await ctx.reply(
                ctx.t(
                    "Unknown command /{name}. Type /{help} for the list.",
                    name=parsed.name,
                    help=help_name,
                )
            )


def usage_line(ctx: Context, command: Command) -> str:
    """``/langue fr | en`` in the room's language."""
    name = command.localized_name(ctx.lang)
    usage = ctx.t(command.usage) if command.usage else ""
    return f"/{name} {usage}".rstrip()
