"""Telegram and Matrix served by one process: a Telegram group and a Matrix room linked into one
association, an announcement reaching both."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import App, build
from tests.fakes.telegram_api import FakeTelegram
from tests.matrix_fixtures import (
    BotAccount,
    MemberFactory,
    bot_config,
    wait_until,
)
from tests.synapse import Synapse


@pytest.fixture
async def both(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path, fake_telegram: FakeTelegram
) -> AsyncIterator[App]:
    config = bot_config(synapse, data_dir, bot_account)
    config = replace(
        config,
        telegram=replace(
            config.telegram, token=fake_telegram.token, api_base_url=fake_telegram.base_url
        ),
    )
    app = build(config)  # what `assobot run` does with both tables filled in
    assert ["telegram", "matrix"] == list(app.adapters)
    await app.start()
    matrix = app.adapters["matrix"]
    await wait_until(lambda: matrix.ready.is_set(), "the first Matrix sync")  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        await app.stop()


async def test_one_process_links_a_telegram_group_and_a_matrix_room(
    both: App, fake_telegram: FakeTelegram, members: MemberFactory, bot_account: BotAccount
) -> None:
    alice_tg = fake_telegram.user("Alice", username="alice")
    group = fake_telegram.group("Asso des Tilleuls", creator=alice_tg)
    alice_mx = await members("alice")
    room_id = await alice_mx.create_room([bot_account.user_id])
    await wait_until(
        lambda: bot_account.user_id in alice_mx.client.rooms[room_id].users, "the bot to join"
    )

    # A code asked in the Telegram group...
    before = len(fake_telegram.sent(group))
    fake_telegram.say(group, alice_tg, "/lier")
    await fake_telegram.wait_for(lambda: len(fake_telegram.sent(group)) > before, what="code")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", fake_telegram.texts(group)[-1])
    assert match, fake_telegram.texts(group)

    # ...typed in the Matrix room by its creator (an organizer there, another account) asks
    # the Telegram group's organizers to confirm which room joins...
    asked = await alice_mx.reply_to(room_id, bot_account.user_id, f"!lier {match.group(1)}")
    assert asked.content["body"].startswith(
        "J'ai demandé aux organisateurs du salon Asso des Tilleuls (Telegram) de confirmer."
    )
    await fake_telegram.wait_for(
        lambda: "demande à rejoindre l'association" in fake_telegram.texts(group)[-1],
        what="the request in Telegram",
    )
    request = fake_telegram.sent(group)[-1]
    # The platform and the room's name say which room asks.
    assert fake_telegram.texts(group)[-1].startswith(
        "Asso test (Matrix) demande à rejoindre l'association de ce salon (code tapé là-bas par"
    )
    buttons = [
        b["callback_data"] for row in request["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert ["pair:yes:1", "pair:no:1"] == buttons

    # ...and an organizer of the group confirming links both.
    mark = len(alice_mx.seen)
    fake_telegram.tap(group, alice_tg, request["message_id"], "pair:yes:1")
    linked = await wait_until(
        lambda: [
            s
            for s in alice_mx.from_bot(room_id, bot_account.user_id, mark)
            if s.content.get("body", "").startswith("Relié à Asso des Tilleuls (Telegram).")
        ],
        "the link notice in Matrix",
    )
    assert linked
    await fake_telegram.wait_for(
        lambda: (
            "est maintenant relié à ce salon (confirmé par Alice)"
            in fake_telegram.sent(group)[-1]["text"]
        ),
        what="the request turned into the link notice in Telegram",
    )

    # An announcement from Telegram reaches the Matrix room too.
    mark = len(alice_mx.seen)
    fake_telegram.say(group, alice_tg, "/annonce AG samedi 14h")
    found = await wait_until(
        lambda: [
            s
            for s in alice_mx.from_bot(room_id, bot_account.user_id, mark)
            if "AG samedi 14h" in s.content.get("body", "")
        ],
        "the announcement in Matrix",
    )
    assert found[0].content["body"] == "📣 Annonce — Alice :\nAG samedi 14h"
    await fake_telegram.wait_for(
        lambda: "📣 Annonce — Alice :\nAG samedi 14h" in fake_telegram.texts(group),
        what="the announcement in Telegram",
    )
