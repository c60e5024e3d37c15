"""The links a Matrix message marks (``<a href>`` in its ``formatted_body``), notices and edits
(``m.replace``), as the Matrix adapter hands them to features: real members on a real
Synapse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.message import Incoming
from tests.fakes.recorder import Recorder
from tests.matrix_fixtures import (
    BotAccount,
    MemberClient,
    MemberFactory,
    RunningBot,
    bot_config,
    room_with,
    wait_until,
)
from tests.synapse import Synapse

pytestmark = pytest.mark.slow

HTML = "org.matrix.custom.html"


@pytest.fixture
async def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def listening_bot(
    synapse: Synapse, bot_account: BotAccount, data_dir: Path, recorder: Recorder
) -> AsyncIterator[RunningBot]:
    bot = RunningBot(bot_config(synapse, data_dir, bot_account), extra=[recorder.router])
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def heard(recorder: Recorder, text: str) -> Incoming:
    """Wait until the listener got the message whose text is ``text``; return it."""
    found: Incoming = await wait_until(lambda: recorder.find(text), f"{text!r} heard")
    return found


def formatted(body: str, html: str, **extra: Any) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body, "format": HTML, "formatted_body": html, **extra}


def replacing(event_id: str, new: dict[str, Any]) -> dict[str, Any]:
    """An edit of ``event_id`` as Element sends it: a ``* `` fallback and ``m.new_content``."""
    return {
        "msgtype": new.get("msgtype", "m.text"),
        "body": "* " + str(new.get("body", "")),
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


async def two_members(
    bot: RunningBot, members: MemberFactory
) -> tuple[MemberClient, MemberClient, str]:
    alice, bob = await members("alice"), await members("bob")
    return alice, bob, await room_with(bot, alice, [bob])


async def test_links_plain_body_is_the_text(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder
) -> None:
    alice = await members("alice")
    room_id = await room_with(listening_bot, alice, [])
    text = "Le compte rendu : https://asso.example/cr?utm_source=matrix"
    await alice.say(room_id, text)

    message = await heard(recorder, text)
    # The body is the message's text: the feature finds its URLs there; nothing else marked.
    assert ((), False) == (message.links, message.edited)


async def test_links_formatted_body_hrefs(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder
) -> None:
    alice, bob, room_id = await two_members(listening_bot, members)
    body = "Voir le site de la mairie, Bob"
    html = (
        'Voir <a href="https://mairie.example/ag?x=1&amp;y=2">le site</a> de la '
        f'<a href="http://mairie.example/">mairie</a>, <a href="https://matrix.to/#/{bob.user_id}">'
        'Bob</a> <a href="javascript:alert(1)">x</a> <a href="mxc://assobot.test/abc">y</a> '
        '<a href="https://mairie.example/ag?x=1&amp;y=2">encore</a> <a>sans cible</a>'
    )
    await alice.send(room_id, "m.room.message", formatted(body, html))

    message = await heard(recorder, body)
    # The href's target, not the words showing it; a mention, a script and mxc:// left out.
    assert ("https://mairie.example/ag?x=1&y=2", "http://mairie.example/") == message.links


async def test_links_reply_quote_is_left_out(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder
) -> None:
    alice, bob, room_id = await two_members(listening_bot, members)
    first = await alice.say(room_id, "Qui a le lien ?")
    await heard(recorder, "Qui a le lien ?")
    html = (
        f'<mx-reply><blockquote><a href="https://matrix.to/#/{room_id}/{first}">In reply to</a> '
        f'<a href="https://matrix.to/#/{alice.user_id}">alice</a><br>'
        '<a href="https://cite.example/">Qui a le lien ?</a></blockquote></mx-reply>'
        'Le voici : <a href="https://asso.example/lien">le lien</a>'
    )
    content = formatted(
        f"> <{alice.user_id}> Qui a le lien ?\n\nLe voici : le lien",
        html,
        **{"m.relates_to": {"m.in_reply_to": {"event_id": first}}},
    )
    await bob.send(room_id, "m.room.message", content)

    message = await heard(recorder, "Le voici : le lien")
    assert ("https://asso.example/lien",) == message.links


@pytest.mark.parametrize(
    "html",
    [
        "<a href='https://a.example/'>" * 500,  # unclosed, nested: at most 20 kept
        '<a href=https://a.example/<<>><b><a href="">',  # broken markup never breaks the sync
        '<a href="https://a.example/\u202egpj.exe">x</a>',  # an invisible override: refused
        '<a href="https://' + "a" * 3000 + '.example/">x</a>',  # overlong: refused
    ],
)
async def test_links_hostile_formatted_body(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder, html: str
) -> None:
    alice = await members("alice")
    room_id = await room_with(listening_bot, alice, [])
    await alice.send(room_id, "m.room.message", formatted("piège", html))
    await alice.say(room_id, "ensuite")

    message = await heard(recorder, "piège")
    await heard(recorder, "ensuite")
    assert len(message.links) <= 1
    assert all(len(link) <= 2048 and "\u202e" not in link for link in message.links)


async def test_notice_from_another_member_is_not_heard(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder
) -> None:
    alice, bob, room_id = await two_members(listening_bot, members)
    notice = {
        "msgtype": "m.notice",
        "body": "Nouvel article : https://flux.example/a",
        "format": HTML,
        "formatted_body": '<a href="https://flux.example/a">Nouvel article</a>',
    }
    await bob.send(room_id, "m.room.message", notice)
    await alice.say(room_id, "après la notice")

    await heard(recorder, "après la notice")
    assert ["après la notice"] == recorder.texts()


async def test_edit_is_delivered_marked_with_the_original_id(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder
) -> None:
    alice = await members("alice")
    room_id = await room_with(listening_bot, alice, [])
    original = await alice.say(room_id, "Le programme :")
    await heard(recorder, "Le programme :")

    new = formatted(
        "Le programme : ici",
        'Le programme : <a href="https://asso.example/programme">ici</a>',
    )
    await alice.send(room_id, "m.room.message", replacing(original, new))

    edit = await heard(recorder, "Le programme : ici")
    assert (True, original) == (edit.edited, edit.message_id)
    assert ("https://asso.example/programme",) == edit.links
    assert alice.user_id == edit.sender.id


async def test_edit_never_delivered_when_it_should_not(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder
) -> None:
    alice, bob, room_id = await two_members(listening_bot, members)
    mine = await alice.say(room_id, "message d'Alice")
    await heard(recorder, "message d'Alice")
    notice = await bob.send(
        room_id, "m.room.message", {"msgtype": "m.notice", "body": "https://flux.example/1"}
    )
    mark = len(alice.seen)
    edits = [
        # A command typed into an edit is not run again, nor heard.
        (alice, replacing(mine, {"msgtype": "m.text", "body": "!parrot surprise"})),
        (alice, replacing(mine, {"msgtype": "m.text", "body": "/parrot surprise"})),
        # An edit into a notice.
        (alice, replacing(mine, {"msgtype": "m.notice", "body": "https://flux.example/"})),
        # Bob "editing" Alice's message: the homeserver lets him send it, clients ignore it.
        (bob, replacing(mine, {"msgtype": "m.text", "body": "https://piege.example/"})),
        # Bob turning his own notice into a text message.
        (bob, replacing(notice, {"msgtype": "m.text", "body": "https://piege.example/2"})),
        # Malformed edits.
        (
            alice,
            {
                "msgtype": "m.text",
                "body": "* x",
                "m.new_content": "x",
                "m.relates_to": {"rel_type": "m.replace", "event_id": mine},
            },
        ),
        (
            alice,
            {
                "msgtype": "m.text",
                "body": "* y",
                "m.new_content": {"body": 3},
                "m.relates_to": {"rel_type": "m.replace", "event_id": mine},
            },
        ),
    ]
    for who, content in edits:
        await who.send(room_id, "m.room.message", content)
    await alice.say(room_id, "fin")

    await heard(recorder, "fin")
    assert ["message d'Alice", "fin"] == recorder.texts()
    assert [] == alice.from_bot(room_id, listening_bot.user_id, mark)


async def test_edit_in_an_encrypted_room(
    listening_bot: RunningBot, members: MemberFactory, recorder: Recorder
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(listening_bot, alice, [bob], encrypted=True)
    original = await alice.say(room_id, "Ordre du jour :")
    await heard(recorder, "Ordre du jour :")

    new = formatted(
        "Ordre du jour : là", 'Ordre du jour : <a href="https://asso.example/odj">là</a>'
    )
    await alice.send(room_id, "m.room.message", replacing(original, new))
    await bob.send(room_id, "m.room.message", replacing(original, formatted("piège", "piège")))
    await alice.say(room_id, "fin")

    await heard(recorder, "fin")
    edit = await heard(recorder, "Ordre du jour : là")
    assert (True, original, ("https://asso.example/odj",)) == (
        edit.edited,
        edit.message_id,
        edit.links,
    )
    assert ["Ordre du jour :", "Ordre du jour : là", "fin"] == recorder.texts()
