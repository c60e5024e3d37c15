"""Matrix latency against a local Synapse: prints figures, asserts nothing about time.

1. 200 ``!aide`` commands from a member: command → reply latency (p50, p99), and in the same run
   the bare round trip of an echo between two plain nio clients, and the ratio of the two. The
   two alternate in the same room (command, ping, command, ping …), so both see the same load
   on the machine and the same room.
2. The same in a room that already holds 5,000 events (latency must not grow).
3. 100 members answer one native poll at once: every vote counted once.

Run: ``.venv/bin/python bench/matrix_latency.py [--commands 200] [--filler 5000] [--voters 100]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nio import AsyncClient, AsyncClientConfig, LoginResponse, RoomMessage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.matrix_fixtures import (  # noqa: E402
    VOTES,
    BotAccount,
    RunningBot,
    bot_config,
    wait_until,
)
from tests.synapse import Synapse  # noqa: E402


class Person:
    """A plain nio client that remembers when each message arrived."""

    def __init__(self, synapse: Synapse, name: str, *, sync: bool = True) -> None:
        self.synapse = synapse
        self.name = name
        self.sync = sync
        self.arrived: dict[str, float] = {}
        self.client: Any = None
        self.task: asyncio.Task[None] | None = None
        self.echo_to: str | None = None

    async def start(self) -> Person:
        user_id, password = self.synapse.register(self.name)
        self.client = AsyncClient(
            self.synapse.url, user_id, config=AsyncClientConfig(encryption_enabled=False)
        )
        answer = await self.client.login(password)
        assert isinstance(answer, LoginResponse), answer
        if self.sync:
            self.client.add_event_callback(self._seen, RoomMessage)
            await self.client.sync(timeout=0, full_state=True)
            self.task = asyncio.get_running_loop().create_task(
                self.client.sync_forever(timeout=30000)
            )
        return self

    async def _seen(self, room: Any, event: Any) -> None:
        if event.sender == self.client.user_id:
            return
        self.arrived.setdefault(event.body.split("\n")[0], time.perf_counter())
        if self.echo_to is not None and event.body.startswith("ping "):
            await self.say(room.room_id, "pong " + event.body[5:])

    async def say(self, room_id: str, text: str) -> None:
        await self.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        await self.client.close()


async def _joined(owner: Person, room_id: str, user_id: str) -> None:
    await wait_until(
        lambda: room_id in owner.client.rooms and user_id in owner.client.rooms[room_id].users,
        f"{user_id} to join",
    )


def _figures(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def _replies(member: Person) -> list[float]:
    return [at for first_line, at in member.arrived.items() if not first_line.startswith("pong ")]


async def _rounds(
    member: Person, echo: Person, room_id: str, count: int
) -> tuple[list[float], list[float]]:
    """``count`` times: a command to the bot, then a ping the echo client answers."""
    commands, echoes = [], []
    echo.echo_to = "yes"
    try:
        for n in range(count):
            member.arrived.clear()
            start = time.perf_counter()
            await member.say(room_id, "!aide")
            await wait_until(lambda: _replies(member), "the reply")
            commands.append(min(_replies(member)) - start)
            start = time.perf_counter()
            await member.say(room_id, f"ping {n}")
            await wait_until(lambda n=n: f"pong {n}" in member.arrived, "pong")
            echoes.append(member.arrived[f"pong {n}"] - start)
    finally:
        echo.echo_to = None
    return commands, echoes


async def _fill(person: Person, room_id: str, count: int) -> None:
    for start in range(0, count, 100):
        await asyncio.gather(
            *(person.say(room_id, f"filler {n}") for n in range(start, min(count, start + 100)))
        )


async def main(commands: int, filler: int, voters: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="assobot-bench-"))
    synapse = Synapse(folder / "synapse")
    synapse.start()
    bot: RunningBot | None = None
    people: list[Person] = []
    try:
        account = BotAccount(*synapse.register("assobot"))
        bot = await RunningBot(bot_config(synapse, folder / "data", account)).start()
        alice = await Person(synapse, "alice").start()
        echo = await Person(synapse, "echo").start()
        people += [alice, echo]

        # 1. Command latency vs a bare echo, in a fresh room.
        room = (await alice.client.room_create(invite=[bot.user_id, echo.client.user_id])).room_id
        await echo.client.join(room)
        await _joined(alice, room, bot.user_id)
        await _joined(alice, room, echo.client.user_id)
        bot_ms, echo_ms = await _rounds(alice, echo, room, commands)
        _report("fresh room", bot_ms, echo_ms)

        # 2. The same in a room holding `filler` events.
        busy = (await alice.client.room_create(invite=[bot.user_id, echo.client.user_id])).room_id
        await echo.client.join(busy)
        await _joined(alice, busy, bot.user_id)
        await _joined(alice, busy, echo.client.user_id)
        started = time.perf_counter()
        await _fill(alice, busy, filler)
        print(f"filled a room with {filler} events in {time.perf_counter() - started:.0f} s")
        await asyncio.sleep(2)
        alice.arrived.clear()
        busy_ms, busy_echo_ms = await _rounds(alice, echo, busy, commands)
        _report(f"room with {filler} events", busy_ms, busy_echo_ms)

        # 3. Many members answer one native poll at once.
        VOTES.clear()
        poll_room = (await alice.client.room_create(invite=[bot.user_id])).room_id
        await _joined(alice, poll_room, bot.user_id)
        await alice.say(poll_room, "!pollme")
        poll_id = await _poll_id(alice, poll_room, bot.user_id)
        crowd = [await Person(synapse, f"voter{n}", sync=False).start() for n in range(voters)]
        people += crowd
        for person in crowd:
            await alice.client.room_invite(poll_room, person.client.user_id)
            await person.client.join(poll_room)
        started = time.perf_counter()
        await asyncio.gather(*(_vote(p, poll_room, poll_id, n) for n, p in enumerate(crowd)))
        await wait_until(lambda: len(VOTES) >= voters, "every vote", timeout=300)
        await asyncio.sleep(2)  # any duplicate would arrive now
        distinct = len({voter for voter, _choices in VOTES})
        print(
            f"poll: {voters} members voted, {len(VOTES)} votes delivered, {distinct} distinct "
            f"voters, all in {time.perf_counter() - started:.1f} s"
        )
    finally:
        for person in people:
            await person.stop()
        if bot is not None:
            await bot.stop()
        synapse.stop()


async def _poll_id(member: Person, room_id: str, bot: str) -> str:
    async def found() -> str | None:
        answer = await member.client.room_messages(room_id, start="", limit=20)
        for event in getattr(answer, "chunk", []):
            if event.sender == bot and event.source.get("type", "").endswith("poll.start"):
                return str(event.event_id)
        return None

    for _try in range(300):
        event_id = await found()
        if event_id:
            return event_id
        await asyncio.sleep(0.2)
    raise AssertionError("no poll")


async def _vote(person: Person, room_id: str, poll_id: str, n: int) -> None:
    choice = "tv:yes" if n % 2 else "tv:no"
    await person.client.room_send(
        room_id,
        "org.matrix.msc3381.poll.response",
        {
            "m.relates_to": {"rel_type": "m.reference", "event_id": poll_id},
            "org.matrix.msc3381.poll.response": {"answers": [choice]},
        },
    )


def _report(where: str, bot_seconds: list[float], echo_seconds: list[float]) -> None:
    bot_p50, bot_p99 = _figures(bot_seconds)
    echo_p50, echo_p99 = _figures(echo_seconds)
    print(
        f"{where}: /aide p50 {bot_p50:.1f} ms, p99 {bot_p99:.1f} ms | bare echo p50 "
        f"{echo_p50:.1f} ms, p99 {echo_p99:.1f} ms | ratio at p50 {bot_p50 / echo_p50:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--filler", type=int, default=5000)
    parser.add_argument("--voters", type=int, default=100)
    options = parser.parse_args()
    asyncio.run(main(options.commands, options.filler, options.voters))
