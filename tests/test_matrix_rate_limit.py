"""Matrix sends against a tiny fake homeserver endpoint (aiohttp on 127.0.0.1) that answers
429 or 502 first: the test Synapse relaxes every rate limit, so it never says 429 itself.

Only ``PUT /rooms/{room}/send/{type}/{txn}`` is served: enough for the adapter's send path,
driven through a client that is logged in by token and never syncs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from nio import AsyncClientConfig

from bot.adapters.matrix import MatrixAdapter, MatrixSendError, _Client
from bot.app import App
from bot.config import MatrixConfig
from bot.message import Outgoing
from tests.harness import make_config

ROOM = "!plain:fake.test"
RETRY_AFTER_MS = 300


@dataclass
class Call:
    transaction: str
    at: float
    content: dict[str, Any]


@dataclass
class FakeHomeserver:
    """Answers each send with the next scripted status, then 200; stores a transaction once."""

    script: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    stored: dict[str, str] = field(default_factory=dict)  # transaction id → event id
    storm_until: float = 0.0  # every send answers 429 until then (time.monotonic())

    async def send(self, request: web.Request) -> web.Response:
        transaction = request.match_info["txn"]
        self.calls.append(Call(transaction, time.monotonic(), await request.json()))
        status = self.script.pop(0) if self.script else 200
        if time.monotonic() < self.storm_until:
            status = 429
        if status == 429:
            error = {
                "errcode": "M_LIMIT_EXCEEDED",
                "error": "Too Many Requests",
                "retry_after_ms": RETRY_AFTER_MS,
            }
            return web.json_response(error, status=429)
        if status != 200:
            errcode = "M_FORBIDDEN" if status == 403 else "M_UNKNOWN"
            return web.json_response({"errcode": errcode, "error": "no"}, status=status)
        event_id = self.stored.setdefault(transaction, f"$event{len(self.stored) + 1}")
        return web.json_response({"event_id": event_id})


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeHomeserver, str]]:
    server = FakeHomeserver()
    application = web.Application()
    application.router.add_put("/_matrix/client/v3/rooms/{room}/send/{type}/{txn}", server.send)
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _adapter(url: str, data_dir: Path) -> tuple[MatrixAdapter, App]:
    matrix = MatrixConfig(homeserver=url, user_id="@bot:fake.test", access_token="token")
    app = App(replace(make_config(data_dir), matrix=matrix))
    adapter = MatrixAdapter(matrix, app, data_dir=data_dir)
    client = _Client(url, "@bot:fake.test", config=AsyncClientConfig(encryption_enabled=False))
    client.access_token = "token"
    client.creators = {}
    adapter.client = client
    return adapter, app


async def test_429_is_waited_out_then_sent_once(
    fake: tuple[FakeHomeserver, str], data_dir: Path
) -> None:
    server, url = fake
    server.script = [429, 429]
    adapter, app = _adapter(url, data_dir)
    try:
        event_id = await adapter.send(ROOM, Outgoing("Réunion jeudi"))
    finally:
        await adapter.stop()
        app.store.close()

    assert 3 == len(server.calls)
    assert 1 == len({c.transaction for c in server.calls})  # one message, one transaction
    assert {server.calls[0].transaction: event_id} == server.stored
    gaps = [b.at - a.at for a, b in zip(server.calls, server.calls[1:], strict=False)]
    assert all(gap >= RETRY_AFTER_MS / 1000 * 0.9 for gap in gaps), gaps  # waited, not hammered
    assert "Réunion jeudi" == server.calls[-1].content["body"]


async def test_server_error_is_retried_with_the_same_transaction(
    fake: tuple[FakeHomeserver, str], data_dir: Path
) -> None:
    server, url = fake
    server.script = [502, 429]
    adapter, app = _adapter(url, data_dir)
    try:
        first = await adapter.send(ROOM, Outgoing("one"))
        second = await adapter.send(ROOM, Outgoing("one"))
    finally:
        await adapter.stop()
        app.store.close()

    transactions = [c.transaction for c in server.calls]
    assert 4 == len(transactions)
    assert 1 == len(set(transactions[:3]))  # 502, 429, 200: the same message
    assert transactions[3] != transactions[0]  # the same text sent again is a new message
    assert [first, second] == list(server.stored.values())


async def test_refusal_other_than_rate_or_outage_is_an_error(
    fake: tuple[FakeHomeserver, str], data_dir: Path
) -> None:
    server, url = fake
    server.script = [403]
    adapter, app = _adapter(url, data_dir)
    try:
        with pytest.raises(MatrixSendError):
            await adapter.send(ROOM, Outgoing("not allowed here"))
    finally:
        await adapter.stop()
        app.store.close()

    assert 1 == len(server.calls)


def delivered_bodies(server: FakeHomeserver) -> list[str]:
    """The body of each stored event, in the order the homeserver stored them."""
    first: dict[str, str] = {}
    for call in server.calls:
        if call.transaction in server.stored:
            first.setdefault(call.transaction, call.content["body"])
    order = sorted(server.stored, key=lambda t: int(server.stored[t].removeprefix("$event")))
    return [first[t] for t in order]


async def test_burst_of_50_through_a_429_storm_is_delivered_once_in_order(
    fake: tuple[FakeHomeserver, str], data_dir: Path
) -> None:
    server, url = fake
    adapter, app = _adapter(url, data_dir)
    app.add_adapter(adapter)
    texts = [f"Digest {n}/50" for n in range(1, 51)]
    server.storm_until = time.monotonic() + 1.5  # the homeserver says 429 for 1.5 s
    try:
        deliveries = [await app.send(f"matrix:{ROOM}", Outgoing(text)) for text in texts]
    finally:
        await adapter.stop()
        app.store.close()

    assert [] == [d.error for d in deliveries if not d.ok]
    assert texts == delivered_bodies(server)
    assert len({d.message_id for d in deliveries}) == 50
    assert any(c for c in server.calls if c.at < server.storm_until)  # the storm was met


async def test_concurrent_burst_through_a_429_storm_each_message_once(
    fake: tuple[FakeHomeserver, str], data_dir: Path
) -> None:
    server, url = fake
    adapter, app = _adapter(url, data_dir)
    app.add_adapter(adapter)
    texts = [f"Rappel {n}" for n in range(1, 51)]
    server.storm_until = time.monotonic() + 1.0
    try:
        deliveries = await asyncio.gather(
            *(app.send(f"matrix:{ROOM}", Outgoing(text)) for text in texts)
        )
    finally:
        await adapter.stop()
        app.store.close()

    assert [] == [d.error for d in deliveries if not d.ok]
    assert sorted(texts) == sorted(delivered_bodies(server))
    assert 50 == len(server.stored)
