"""Matrix against a real Synapse: files (plain and encrypted rooms), a button's own reaction
emoji, and native poll votes in an encrypted room."""

from __future__ import annotations

import pytest
from nio import MemoryDownloadResponse
from nio.crypto.attachments import decrypt_attachment

from tests.matrix_fixtures import (
    FILE_BYTES,
    FILE_NAME,
    VOTES,
    MemberClient,
    MemberFactory,
    RunningBot,
    Seen,
    room_with,
    wait_until,
)

pytestmark = pytest.mark.slow


def _reactions(member: MemberClient, room_id: str, sender: str, event_id: str) -> list[str]:
    """The keys of ``sender``'s reactions to ``event_id``, in the order they arrived."""
    return [
        s.content["m.relates_to"]["key"]
        for s in member.seen
        if s.room_id == room_id
        and s.sender == sender
        and s.type == "m.reaction"
        and s.content.get("m.relates_to", {}).get("event_id") == event_id
    ]


async def _react(member: MemberClient, room_id: str, event_id: str, key: str) -> None:
    relation = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
    await member.send(room_id, "m.reaction", {"m.relates_to": relation})


async def _file_after(member: MemberClient, room_id: str, bot: str, mark: int) -> Seen:
    found = await wait_until(
        lambda: [
            s for s in member.from_bot(room_id, bot, mark) if s.content.get("msgtype") == "m.file"
        ],
        "the file",
    )
    return found[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_file_arrives_as_m_file_with_the_exact_bytes(
    matrix_bot: RunningBot, members: MemberFactory, encrypted: bool
) -> None:
    alice = await members("alice")
    room_id = await room_with(matrix_bot, alice, [], encrypted=encrypted)

    mark = len(alice.seen)
    text = await alice.reply_to(room_id, matrix_bot.user_id, "!file")
    sent = await _file_after(alice, room_id, matrix_bot.user_id, mark)

    assert "Your export:" == text.content["body"]
    assert "m.notice" == text.content["msgtype"]
    assert FILE_NAME == sent.content["body"]
    assert {"mimetype": "text/csv", "size": len(FILE_BYTES)} == sent.content["info"]
    assert {} == sent.content["m.mentions"]
    if encrypted:
        assert alice.client.rooms[room_id].encrypted
        assert "url" not in sent.content  # the address is only inside the encrypted event
        info = sent.content["file"]
        download = await alice.client.download(mxc=info["url"])
        assert isinstance(download, MemoryDownloadResponse), download
        assert FILE_BYTES != download.body  # the homeserver only holds ciphertext
        plain = decrypt_attachment(
            download.body, info["key"]["k"], info["hashes"]["sha256"], info["iv"]
        )
        assert FILE_BYTES == plain
    else:
        assert "file" not in sent.content
        download = await alice.client.download(mxc=sent.content["url"])
        assert isinstance(download, MemoryDownloadResponse), download
        assert FILE_BYTES == download.body


async def test_button_reaction_emoji_presses_that_button(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(matrix_bot, alice, [bob])

    question = await alice.reply_to(room_id, matrix_bot.user_id, "!metoo")
    assert "1️⃣ Me too (👍)" in question.content["body"]
    assert "2️⃣ Not me" in question.content["body"]
    await wait_until(
        lambda: len(_reactions(bob, room_id, matrix_bot.user_id, question.event_id)) == 3,
        "the bot's ready-made reactions",
    )
    keys = _reactions(bob, room_id, matrix_bot.user_id, question.event_id)
    assert ["👍", "1️⃣", "2️⃣"] == keys

    mark = len(bob.seen)
    await _react(bob, room_id, question.event_id, "👍🏽")  # a skin tone is the same thumb
    answer = await wait_until(
        lambda: bob.from_bot(room_id, matrix_bot.user_id, mark), "the answer to 👍"
    )
    assert answer[0].content["body"].endswith("pressed metoo")

    mark = len(alice.seen)
    await _react(alice, room_id, question.event_id, "2️⃣")  # numbers still work
    answer = await wait_until(
        lambda: alice.from_bot(room_id, matrix_bot.user_id, mark), "the answer to 2️⃣"
    )
    assert answer[0].content["body"].endswith("pressed notme")


async def test_other_emoji_presses_nothing(matrix_bot: RunningBot, members: MemberFactory) -> None:
    alice = await members("alice")
    room_id = await room_with(matrix_bot, alice, [])

    question = await alice.reply_to(room_id, matrix_bot.user_id, "!metoo")
    mark = len(alice.seen)
    await _react(alice, room_id, question.event_id, "🎉")
    await _react(alice, room_id, question.event_id, "1️⃣")  # a marker: handled after 🎉

    answers = await wait_until(
        lambda: alice.from_bot(room_id, matrix_bot.user_id, mark), "the answer to 1️⃣"
    )
    assert 1 == len(answers)
    assert answers[0].content["body"].endswith("pressed metoo")


async def test_native_poll_in_an_encrypted_room_counts_encrypted_votes(
    matrix_bot: RunningBot, members: MemberFactory
) -> None:
    VOTES.clear()
    alice, bob = await members("alice"), await members("bob")
    room_id = await room_with(matrix_bot, alice, [bob], encrypted=True)

    poll = await alice.reply_to(room_id, matrix_bot.user_id, "!pollme")
    assert alice.client.rooms[room_id].encrypted
    assert "org.matrix.msc3381.poll.start" == poll.type  # as decrypted by alice's client
    reference = {"rel_type": "m.reference", "event_id": poll.event_id}
    await bob.send(
        room_id,
        "org.matrix.msc3381.poll.response",
        {"m.relates_to": reference, "org.matrix.msc3381.poll.response": {"answers": ["tv:no"]}},
    )
    await alice.send(
        room_id, "m.poll.response", {"m.relates_to": reference, "m.selections": ["tv:yes"]}
    )

    await wait_until(lambda: len(VOTES) == 2, "two encrypted votes")
    assert sorted([(alice.user_id, ("yes",)), (bob.user_id, ("no",))]) == sorted(VOTES)
