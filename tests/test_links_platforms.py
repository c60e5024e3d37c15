"""Shared links across the platforms, end to end in one process: a Telegram group (fake Bot
API) and a Matrix room (real Synapse) linked as one association; a link shared behind words in
Telegram and again, with tracking parameters, in Matrix is kept once and the repeat is said."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from bot.app import App, build
from tests.fakes.telegram_api import FakeTelegram, entity
from tests.matrix_fixtures import BotAccount, MemberClient, MemberFactory, bot_config, wait_until
from tests.synapse import Synapse

pytestmark = pytest.mark.slow

LINK = "https://mairie.example/ag-2026"
TIMEZONE = "Europe/Paris"
LINK_TRACKED = "https://mairie.example/ag-2026?utm_source=lettre&utm_medium=email&fbclid=x1"


def today() -> str:
    """Today as the rooms say it (French, the default timezone): « 2 décembre »."""
    return format_datetime(datetime.now(ZoneInfo(TIMEZONE)), "d MMMM", locale="fr")


def today_short() -> str:
    """« 2 déc. »"""
    return format_datetime(datetime.now(ZoneInfo(TIMEZONE)), "d MMM", locale="fr")


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
        # No preview is fetched: the test hosts are never looked up (there is no internet).
        fetch=replace(config.fetch, deny_hosts=("mairie.example",)),
        timezone=TIMEZONE,
    )
    app = build(config)  # what `assobot run` does with both tables filled in
    await app.start()
    matrix = app.adapters["matrix"]
    await wait_until(lambda: matrix.ready.is_set(), "the first Matrix sync")  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        await app.stop()


@dataclass
class Linked:
    """A Telegram group and a Matrix room of one association, Alice on both."""

    telegram: FakeTelegram
    group: int
    alice_tg: int
    alice_mx: MemberClient
    room_id: str
    bot: str

    async def telegram_reply(self, text: str) -> str:
        before = len(self.telegram.sent(self.group))
        self.telegram.say(self.group, self.alice_tg, text)
        await self.telegram.wait_for(
            lambda: len(self.telegram.sent(self.group)) > before, what=f"a reply to {text!r}"
        )
        return self.telegram.texts(self.group)[before]

    async def matrix_reply(self, text: str) -> str:
        seen = await self.alice_mx.reply_to(self.room_id, self.bot, text)
        return str(seen.content["body"])


@pytest.fixture
async def linked(
    both: App, fake_telegram: FakeTelegram, members: MemberFactory, bot_account: BotAccount
) -> Linked:
    alice_tg = fake_telegram.user("Alice", username="alice")
    group = fake_telegram.group("Asso des Tilleuls", creator=alice_tg)
    alice_mx = await members("alice")
    room_id = await alice_mx.create_room([bot_account.user_id])
    await wait_until(
        lambda: bot_account.user_id in alice_mx.client.rooms[room_id].users, "the bot to join"
    )
    pair = Linked(fake_telegram, group, alice_tg, alice_mx, room_id, bot_account.user_id)

    code = re.search(r"Code de liaison : ([A-Z0-9]{8})", await pair.telegram_reply("/lier"))
    assert code
    await pair.matrix_reply(f"!lier {code.group(1)}")
    await fake_telegram.wait_for(
        lambda: "demande à rejoindre" in fake_telegram.texts(group)[-1], what="the request"
    )
    request = fake_telegram.sent(group)[-1]
    mark = len(alice_mx.seen)
    fake_telegram.tap(group, alice_tg, request["message_id"], "pair:yes:1")
    await wait_until(
        lambda: [
            s
            for s in alice_mx.from_bot(room_id, bot_account.user_id, mark)
            if s.content.get("body", "").startswith("Relié à Asso des Tilleuls (Telegram).")
        ],
        "the link notice in Matrix",
    )
    return pair


def entries(listed: str) -> list[str]:
    """The numbered lines of a /liens answer."""
    return re.findall(r"^n°\d+ · .*$", listed, re.MULTILINE)


async def test_links_shared_on_telegram_then_matrix_is_kept_once(linked: Linked) -> None:
    fake, group, alice = linked.telegram, linked.group, linked.alice_tg

    # Telegram: the link behind words ([l'ordre du jour](LINK)), after an emoji.
    text = "📌 Voici l'ordre du jour de l'AG #ag"
    marked = [entity(text, "l'ordre du jour", "text_link", url=LINK)]
    fake.say(group, alice, text, entities=marked)
    # Captured silently: /liens shows it (nothing else was said in the group meanwhile).
    listed = await linked.telegram_reply("/liens")
    assert [f"n°1 · {LINK} — Alice, {today_short()} · #ag"] == entries(listed)

    # Editing that message (the link kept) does not share it again.
    sent = next(m for m in fake.messages.values() if m.get("text") == text)
    fake.edit(group, alice, sent["message_id"], text + " (salle des fêtes)", entities=marked)
    assert [f"n°1 · {LINK} — Alice, {today_short()} · #ag"] == entries(
        await linked.telegram_reply("/liens")
    )

    # Matrix: the same page, tracking parameters added, behind other words.
    mark = len(linked.alice_mx.seen)
    await linked.alice_mx.send(
        linked.room_id,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": "L'AG, c'est ici",
            "format": "org.matrix.custom.html",
            "formatted_body": f"L'AG, c'est <a href=\"{LINK_TRACKED}\">ici</a>",
        },
    )
    notice = await wait_until(
        lambda: linked.alice_mx.from_bot(linked.room_id, linked.bot, mark),
        "the repeat notice in Matrix",
    )
    assert f"Déjà partagé par Alice le {today()} (lien n°1)." == notice[0].content["body"]

    # A notice (another bot's, or a bridge's) carrying the link is not a share.
    await linked.alice_mx.send(
        linked.room_id,
        "m.room.message",
        {"msgtype": "m.notice", "body": f"Nouvel article : {LINK_TRACKED}"},
    )

    # Both rooms list it once, under the first URL shared, counted twice.
    expected = [f"n°1 · {LINK} — Alice, {today_short()} · partagé 2 fois · #ag"]
    assert expected == entries(await linked.matrix_reply("!liens"))
    assert expected == entries(await linked.telegram_reply("/liens"))
    assert not [t for t in fake.texts(group) if t.startswith("Déjà partagé")]
