"""A general assembly's session on Matrix, against the session's real Synapse: the session
message's ✋ reaction checks a member in, a remote check-in by command, and the quorum edited in
place (m.replace)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.matrix_fixtures import (
    BotAccount,
    FullBot,
    MemberClient,
    MemberFactory,
    bot_config,
    room_with,
    wait_until,
)
from tests.synapse import Synapse

pytestmark = pytest.mark.slow


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


def _latest_body(member: MemberClient, room_id: str, event_id: str) -> str:
    """The body of an event as edited last (its m.replace's new content)."""
    body = ""
    for seen in member.seen:
        content: dict[str, Any] = seen.content
        if seen.room_id != room_id:
            continue
        if seen.event_id == event_id:
            body = content.get("body", "")
        relates = content.get("m.relates_to", {})
        if relates.get("rel_type") == "m.replace" and relates.get("event_id") == event_id:
            body = content.get("m.new_content", {}).get("body", body)
    return body


async def test_agm_session_on_matrix(full_bot: FullBot, members: MemberFactory) -> None:
    alice, bob, carol = await members("alice"), await members("bob"), await members("carol")
    room_id = await room_with(full_bot, alice, [bob, carol])

    mark = len(alice.seen)
    await alice.say(room_id, "!ag ouvrir")
    session, _officers = await wait_until(
        lambda: (lambda found: found if len(found) >= 2 else None)(
            alice.from_bot(room_id, full_bot.user_id, mark)
        ),
        "the session message and the reminder to name the officers",
    )
    assert session.content["body"].startswith("🏛 Assemblée générale ordinaire — séance ouverte")

    relation = {"rel_type": "m.annotation", "event_id": session.event_id, "key": "✋"}
    await bob.send(room_id, "m.reaction", {"m.relates_to": relation})
    here = await carol.reply_to(room_id, full_bot.user_id, "!present à distance")

    assert here.content["body"].endswith(" est présent·e (à distance).")
    await wait_until(
        lambda: (
            "Quorum : 2 présents ou représentés" in _latest_body(alice, room_id, session.event_id)
        ),
        "the session message edited with the quorum",
    )
    assert "2 présents (1 à distance)" in _latest_body(alice, room_id, session.event_id)
