"""Matrix test kit: the session's Synapse, the bot on a real homeserver, and members as real
matrix-nio clients (registered from the conftest as a pytest plugin)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    RoomCreateResponse,
    RoomPreset,
    RoomSendResponse,
)

from bot.adapters.matrix import MatrixAdapter
from bot.app import App
from bot.config import Config, MatrixConfig
from bot.context import Context
from bot.message import Attachment, Button, Outgoing, PollSpec
from bot.router import Router
from tests.harness import make_config
from tests.synapse import Synapse

MESSAGE_TYPES = (
    "m.room.message",
    "org.matrix.msc3381.poll.start",
    "org.matrix.msc3381.poll.end",
)
WAIT = 90.0  # generous: a loaded 2-core machine may be slow, and we only wait on conditions


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """One homeserver for the whole session; in CI a failure to start fails the tests."""
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    try:
        server.start()
    except Exception as error:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"Synapse is required in CI and did not start: {error}")
        pytest.skip(f"Synapse did not start: {error}")
    try:
        yield server
    finally:
        server.stop()


async def wait_until(
    condition: Callable[[], object], what: str, timeout: float = WAIT
) -> Any:  # a condition's truthy value
    """Poll ``condition`` until it returns something truthy; fail with ``what`` otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_until_async(
    condition: Callable[[], Awaitable[bool]], what: str, timeout: float = WAIT
) -> None:
    """Like ``wait_until`` for a condition that has to ask the homeserver."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


# A small test-only feature: replies that show what the adapter delivered. --------------------

test_router = Router("matrix-test")
VOTES: list[tuple[str, tuple[str, ...]]] = []


@test_router.command("echo", "repete", help="Repeat the text")
async def _echo(ctx: Context) -> None:
    await ctx.reply(f"echo: {ctx.text}")


@test_router.command("whoami", "quisuis", help="Say whether the sender is an organizer")
async def _whoami(ctx: Context) -> None:
    await ctx.reply("organizer" if ctx.is_organizer else "member")


@test_router.command("ask", "demande", help="Ask with two buttons")
async def _ask(ctx: Context) -> None:
    await ctx.reply(
        "Pizza or pasta?", [[Button("Pizza", "tb:pizza"), Button("Pasta", "tb:pasta")]]
    )


@test_router.command("metoo", "moiaussi", help="Ask with a me-too button")
async def _metoo(ctx: Context) -> None:
    await ctx.reply(
        "Picnic on Sunday?",
        [[Button("Me too", "tb:metoo", reaction="👍"), Button("Not me", "tb:notme")]],
    )


# Every byte value, and non-ASCII in the name: what arrives must be exactly this.
FILE_BYTES = "Nom;Montant\nÉlodie;12,50 €\n".encode() + bytes(range(256))
FILE_NAME = "adhésions 2026.csv"


@test_router.command("file", "fichier", help="Send a small file")
async def _file(ctx: Context) -> None:
    await ctx.reply("Your export:", attachment=Attachment(FILE_NAME, FILE_BYTES, "text/csv"))


@test_router.button("tb")
async def _pressed(ctx: Context) -> None:
    await ctx.reply(f"{ctx.sender.name} pressed {ctx.text}")


@test_router.command("edited", "modifie", help="Send a message, then correct it")
async def _edited(ctx: Context) -> None:
    sent = await ctx.reply("first draft")
    await ctx.edit(ctx.room.key, sent.message_id, Outgoing("final text"))


@test_router.command("pollme", "sondez", help="Start a native poll")
async def _poll(ctx: Context) -> None:
    answers = (Button("Yes", "tv:yes"), Button("No", "tv:no"))
    out = Outgoing("Lunch at noon?", (answers,), poll=PollSpec("Lunch at noon?", answers))
    await ctx.send(ctx.room.key, out)


@test_router.vote("tv")
async def _voted(ctx: Context) -> None:
    VOTES.append((ctx.sender.id, tuple(ctx.args)))


def routers() -> list[Router]:
    from handlers import help, rooms

    return [help.router, rooms.router, test_router]


# The bot ----------------------------------------------------------------------------------


@dataclass
class BotAccount:
    user_id: str
    password: str


def bot_config(synapse: Synapse, data_dir: Path, account: BotAccount, **matrix: Any) -> Config:
    settings = MatrixConfig(
        homeserver=synapse.url,
        user_id=account.user_id,
        password=account.password,
        **matrix,
    )
    return replace(make_config(data_dir), matrix=settings)


def matrix_adapter(app: App) -> MatrixAdapter:
    """The Matrix adapter of ``app``, built as ``assobot run`` builds it."""
    return MatrixAdapter(app.config.matrix, app, data_dir=app.config.data_dir)


class RunningBot:
    """One assobot process-equivalent on the homeserver: an App with the Matrix adapter."""

    def __init__(self, config: Config, *, extra: list[Router] | None = None) -> None:
        self.config = config
        self.extra = extra or []  # test features served besides the usual ones
        self.app: App | None = None
        self.adapter: MatrixAdapter | None = None

    @property
    def user_id(self) -> str:
        return self.config.matrix.user_id

    async def start(self) -> RunningBot:
        self.app = App(self.config, routers=[*routers(), *self.extra])
        self.adapter = matrix_adapter(self.app)
        self.app.add_adapter(self.adapter)
        await self.app.start()
        await wait_until(lambda: self.adapter and self.adapter.ready.is_set(), "the first sync")
        return self

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.stop()
            self.app = None


class FullBot(RunningBot):
    """The bot with every feature ``handlers.ROUTERS`` serves (RunningBot runs a small set)."""

    async def start(self) -> FullBot:
        self.app = App(self.config)
        self.adapter = matrix_adapter(self.app)
        self.app.add_adapter(self.adapter)
        await self.app.start()
        await wait_until(lambda: self.adapter and self.adapter.ready.is_set(), "the first sync")
        return self

    def running(self) -> App:
        assert self.app is not None
        return self.app


@pytest.fixture
async def full_bot(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path
) -> AsyncIterator[FullBot]:
    bot = FullBot(bot_config(synapse, data_dir, bot_account))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
def bot_account(synapse: Synapse) -> BotAccount:
    return BotAccount(*synapse.register("assobot"))


@pytest.fixture
async def matrix_bot(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path
) -> AsyncIterator[RunningBot]:
    bot = RunningBot(bot_config(synapse, data_dir, bot_account))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


# Members ----------------------------------------------------------------------------------


@dataclass
class Seen:
    room_id: str
    sender: str
    type: str
    event_id: str
    content: dict[str, Any]


@dataclass
class MemberClient:
    """A person on the homeserver: a real nio client syncing in the background."""

    client: AsyncClient
    user_id: str
    seen: list[Seen] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def _record(self, room: Any, event: Any) -> None:
        source = getattr(event, "source", {}) or {}
        self.seen.append(
            Seen(
                room.room_id,
                getattr(event, "sender", ""),
                source.get("type", ""),
                getattr(event, "event_id", ""),
                source.get("content", {}),
            )
        )

    async def create_room(
        self,
        invite: list[str],
        *,
        version: str | None = None,
        encrypted: bool = False,
        power: dict[str, int] | None = None,
    ) -> str:
        initial_state = []
        if encrypted:
            initial_state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        answer = await self.client.room_create(
            name="Asso test",
            invite=invite,
            preset=RoomPreset.private_chat,
            room_version=version,
            initial_state=initial_state,
            power_level_override={"users": power} if power is not None else None,
        )
        assert isinstance(answer, RoomCreateResponse), answer
        return str(answer.room_id)

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.client.room_invite(room_id, user_id)

    async def join(self, room_id: str) -> None:
        await self.client.join(room_id)
        await wait_until(lambda: room_id in self.client.rooms, f"{self.user_id} in {room_id}")

    async def send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        answer = await self.client.room_send(
            room_id, event_type, content, ignore_unverified_devices=True
        )
        assert isinstance(answer, RoomSendResponse), answer
        return str(answer.event_id)

    async def say(self, room_id: str, text: str) -> str:
        return await self.send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    async def wait_for_devices(self, user_id: str) -> None:
        """Until this member's client knows ``user_id``'s devices (to encrypt for them)."""

        async def known() -> bool:
            if self.client.should_query_keys:
                await self.client.keys_query()
            return any(True for _ in self.client.device_store.active_user_devices(user_id))

        await wait_until_async(known, f"the device keys of {user_id}")

    def from_bot(self, room_id: str, bot: str, after: int = 0) -> list[Seen]:
        """Messages and polls (no reactions, no state) the bot posted in a room since ``after``."""
        return [
            s
            for s in self.seen[after:]
            if s.room_id == room_id and s.sender == bot and s.type in MESSAGE_TYPES
        ]

    async def reply_to(self, room_id: str, bot: str, text: str) -> Seen:
        """Say ``text`` and return the bot's first message after it."""
        mark = len(self.seen)
        await self.say(room_id, text)
        found = await wait_until(
            lambda: self.from_bot(room_id, bot, mark), f"a reply to {text!r} in {room_id}"
        )
        return found[0]  # type: ignore[no-any-return]


MemberFactory = Callable[[str], Awaitable[MemberClient]]


async def room_with(
    bot: RunningBot, owner: MemberClient, guests: list[MemberClient], **options: Any
) -> str:
    """A room made by ``owner`` with the bot and ``guests`` joined (``encrypted=True``: also
    every member knows the bot's devices, so what they send can be read by it)."""
    room_id = await owner.create_room([bot.user_id, *(g.user_id for g in guests)], **options)
    for guest in guests:
        await guest.join(room_id)
    await wait_until(lambda: bot.user_id in owner.client.rooms[room_id].users, "the bot to join")
    if options.get("encrypted"):
        for member in (owner, *guests):
            await member.wait_for_devices(bot.user_id)
    return room_id


@pytest.fixture
async def members(synapse: Synapse, tmp_path: Path) -> AsyncIterator[MemberFactory]:
    """``await members("alice")``: a registered, logged-in, syncing member."""
    made: list[MemberClient] = []

    async def make(name: str) -> MemberClient:
        user_id, password = synapse.register(name)
        store = tmp_path / f"member-{len(made)}"
        store.mkdir()
        client = AsyncClient(
            synapse.url,
            user_id,
            store_path=str(store),
            config=AsyncClientConfig(store_sync_tokens=False, encryption_enabled=True),
        )
        answer = await client.login(password, device_name=name)
        assert isinstance(answer, LoginResponse), answer
        member = MemberClient(client, user_id)
        client.add_event_callback(member._record, (object,))  # every room event
        await client.sync(timeout=0, full_state=True)
        member.task = asyncio.get_running_loop().create_task(
            client.sync_forever(timeout=1000), name=f"member {name}"
        )
        made.append(member)
        return member

    try:
        yield make
    finally:
        for member in made:
            if member.task is not None:
                member.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await member.task
            await member.client.close()
