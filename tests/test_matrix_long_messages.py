"""A message too big for one Matrix event (65,536 bytes, both bodies and the envelope) goes
out as several m.notice events cut on line boundaries, on the test Synapse, in plain and
encrypted rooms; the cutting itself is checked on hostile text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.adapters.matrix import EVENT_TEXT_BUDGET, render, split_for_events
from bot.message import Button, Outgoing, room_key
from tests.matrix_fixtures import MemberFactory, RunningBot, room_with, wait_until
from tests.test_matrix_rate_limit import ROOM, FakeHomeserver, _adapter, fake

__all__ = ["fake"]  # the fake homeserver fixture, shared with test_matrix_rate_limit

EVENT_LIMIT = 65_536


def digest_text(size: int) -> str:
    """About ``size`` characters of digest-like lines (links, accents, quotes, <tags>)."""
    lines: list[str] = []
    n = 0
    while sum(len(line) + 1 for line in lines) < size:
        n += 1
        lines.append(f"{n}. « Réunion » <b>&</b> https://example.org/articles/{n}?a=1&b=2")
    return "\n".join(lines)


@pytest.mark.parametrize(
    "text",
    [
        digest_text(100_000),
        "é" * 100_000,  # one line, two bytes a character
        '<&">' * 30_000,  # one line, every character escaped in both bodies
        "🎉\n" * 40_000,
        "\n".join(["x" * 39_000, "y" * 39_000, "z"]),
    ],
    ids=["digest", "one-long-line", "escapes", "emoji-lines", "near-budget-lines"],
)
def test_split_for_events_fits_and_keeps_every_character(text: str) -> None:
    pieces = split_for_events(text)

    assert len(pieces) > 1
    sizes = [len(json.dumps(render(p), ensure_ascii=False).encode()) for p in pieces]
    assert [] == [size for size in sizes if size > EVENT_TEXT_BUDGET]
    assert text.replace("\n", "") == "".join(pieces).replace("\n", "")


def test_split_for_events_cuts_on_lines_when_it_can() -> None:
    text = digest_text(100_000)

    pieces = split_for_events(text)

    assert text == "\n".join(pieces)  # whole lines only


def test_split_for_events_short_text_is_one_piece() -> None:
    assert ["Réunion jeudi\n20 h"] == split_for_events("Réunion jeudi\n20 h")


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_send_100_kb_text_arrives_as_several_notices_in_order(
    matrix_bot: RunningBot, members: MemberFactory, encrypted: bool
) -> None:
    alice = await members("alice")
    room_id = await room_with(matrix_bot, alice, [], encrypted=encrypted)
    assert matrix_bot.app is not None and matrix_bot.adapter is not None
    client = matrix_bot.adapter.client
    await wait_until(lambda: client is not None and room_id in client.rooms, "the bot's sync")
    text = digest_text(100_000)
    mark = len(alice.seen)

    delivery = await matrix_bot.app.send(room_key("matrix", room_id), Outgoing(text))

    assert delivery.ok, delivery.error
    got = await wait_until(
        lambda: (
            (seen := alice.from_bot(room_id, matrix_bot.user_id, mark))
            and seen[-1].event_id == delivery.message_id
            and seen
        ),
        "every piece of the long message",
    )
    assert len(got) >= 3
    assert {"m.notice"} == {s.content["msgtype"] for s in got}
    assert text == "\n".join(s.content["body"] for s in got)
    assert all(len(json.dumps(s.content, ensure_ascii=False).encode()) < EVENT_LIMIT for s in got)


async def test_send_long_text_with_buttons_replies_first_and_buttons_last(
    fake: tuple[FakeHomeserver, str], data_dir: Path
) -> None:
    server, url = fake
    adapter, app = _adapter(url, data_dir)
    text = digest_text(100_000)
    buttons = ((Button("Oui", "poll:1:1"), Button("Non", "poll:1:2")),)
    try:
        event_id = await adapter.send(ROOM, Outgoing(text, buttons=buttons, reply_to="$asked"))
    finally:
        await adapter.stop()
        app.store.close()

    messages = [c.content for c in server.calls if "body" in c.content]
    reactions = [c.content for c in server.calls if "body" not in c.content]
    assert len(messages) >= 3
    assert {"m.in_reply_to": {"event_id": "$asked"}} == messages[0].get("m.relates_to")
    assert all("m.relates_to" not in m for m in messages[1:])
    last_text, _sep, choices = messages[-1]["body"].partition("\n\n")
    assert text == "\n".join([*(m["body"] for m in messages[:-1]), last_text])
    assert choices.startswith("1️⃣ Oui\n2️⃣ Non")
    assert [] == [m for m in messages[:-1] if "1️⃣" in m["body"]]
    assert [event_id, event_id] == [r["m.relates_to"]["event_id"] for r in reactions]
