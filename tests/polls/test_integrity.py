"""Integrity and privacy of votes, shown from the database: one ballot per member, concurrent
taps, secret ballots that cannot be linked to their voters, no orphan votes."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from bot.message import ButtonPress
from tests.harness import Harness


def rows(bot: Harness, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return list(bot.app.store.owned.db.conn.execute(sql, params).fetchall())


def press(bot: Harness, member: str, number: int) -> ButtonPress:
    bot.console.state.member = member
    found = bot.console.tap(number)
    assert found is not None
    return found


async def test_one_ballot_per_member_is_enforced_by_the_schema(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/vote 1", member="bob")

    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        rows(
            bot,
            "INSERT INTO ballots (poll_id, voter_key, voter_name, cast_at) VALUES (1, ?, ?, ?)",
            ("console:bob", "Bob", "2026-12-01T08:00:00+00:00"),
        )


async def test_concurrent_taps_never_double_count_or_lose_a_vote(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    presses = [press(bot, f"m{n}", 1 + n % 2) for n in range(100)]
    presses += [press(bot, f"m{n}", 1) for n in range(100)]  # everyone taps again, on 1
    presses += [press(bot, "bob", 2) for _ in range(20)]  # one member hammering a button

    await asyncio.gather(*(bot.app.press(p) for p in presses))
    closed = await bot.say("/cloturer", member="alice")

    assert [(101,)] == rows(bot, "SELECT COUNT(*) FROM ballots WHERE poll_id = 1")
    assert "1. Reine\n   ▓▓▓▓▓▓▓▓▓▓ 100 (99 %) — M0, M1, M2," in closed[0]
    assert "2. Calzone\n   ░░░░░░░░░░ 1 (1 %) — Bob\n" in closed[0]


async def test_concurrent_secret_votes_count_each_member_once(bot: Harness) -> None:
    await bot.say("/sondage Trésorier ? | Alice | Bob | secret")
    presses = [press(bot, f"m{n}", 1 + n % 2) for n in range(50) for _ in range(3)]

    await asyncio.gather(*(bot.app.press(p) for p in presses))

    assert [(50,)] == rows(bot, "SELECT COUNT(*) FROM secret_voters WHERE poll_id = 1")
    assert [(25,), (25,)] == rows(bot, "SELECT count FROM secret_counts ORDER BY option_id")


def _secret_snapshot(bot: Harness, poll_id: int) -> tuple[object, ...]:
    voters = rows(bot, "SELECT * FROM secret_voters WHERE poll_id = ?", (poll_id,))
    counts = rows(
        bot,
        """SELECT o.position, s.answer, s.count FROM secret_counts s
           JOIN poll_options o ON o.id = s.option_id WHERE o.poll_id = ? ORDER BY o.position""",
        (poll_id,),
    )
    named = rows(bot, "SELECT * FROM ballots WHERE poll_id = ?", (poll_id,))
    return ([voter[1:] for voter in voters], counts, named)


async def test_secret_ballot_cannot_be_linked_to_its_voter_from_the_database(
    bot: Harness,
) -> None:
    # Poll 1: bob → option 1 then carol → option 2. Poll 2: the opposite choices, in the
    # opposite order. If the database could tell who chose what, the two would differ.
    await bot.say("/sondage Trésorier ? | Alice | Bob | secret")
    await bot.say("/vote 1 1", member="bob")
    await bot.say("/vote 1 2", member="carol")
    await bot.say("/sondage Secrétaire ? | Alice | Bob | secret", member="alice")
    await bot.say("/vote 2 1", member="carol")
    await bot.say("/vote 2 2", member="bob")

    first, second = _secret_snapshot(bot, 1), _secret_snapshot(bot, 2)

    assert first == second
    assert (
        [("console:bob", None), ("console:carol", None)],
        [(1, 2, 1), (2, 2, 1)],
        [],
    ) == first
    # Nothing else links them: no shared column but the poll, no rowid, no time. (holder_key
    # only says a proxy holder cast a giver's vote, which the holder's own vote already tells.)
    voter_columns = {r[1] for r in rows(bot, "PRAGMA table_info(secret_voters)")}
    count_columns = {r[1] for r in rows(bot, "PRAGMA table_info(secret_counts)")}
    assert {"poll_id", "voter_key", "holder_key"} == voter_columns
    assert {"option_id", "answer", "count"} == count_columns
    for table in ("secret_voters", "secret_counts"):
        with pytest.raises(sqlite3.OperationalError, match="rowid"):
            rows(bot, f"SELECT rowid FROM {table}")


async def test_deleting_a_poll_or_an_option_leaves_no_orphan_vote(bot: Harness) -> None:
    await bot.say("présent", member="bob")
    await bot.say("/sondage Pizza ? | Reine | Calzone | Margherita")
    await bot.say("/vote 3", member="bob")
    await bot.say("/vote 1", member="carol")
    await bot.say("/sondage Trésorier ? | Alice | Bob | secret", member="alice")
    await bot.say("/vote 2 1", member="bob")
    await bot.say("/motion Budget", member="alice")
    await bot.say("/procuration @bob 3", member="carol")

    # An option removed (by a later feature, or by hand): its choices go with it.
    rows(bot, "DELETE FROM poll_options WHERE poll_id = 1 AND position = 3")
    assert [(1,)] == rows(bot, "SELECT COUNT(*) FROM ballot_choices")
    for poll_id in (1, 2, 3):
        assert bot.app.store.polls.delete(poll_id)

    for table in (
        "poll_options",
        "poll_messages",
        "ballots",
        "ballot_choices",
        "secret_voters",
        "secret_counts",
        "proxies",
    ):
        assert [(0,)] == rows(bot, f"SELECT COUNT(*) FROM {table}"), table
    assert [] == rows(bot, "PRAGMA foreign_key_check")


async def test_a_vote_on_a_deleted_poll_is_refused(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    stale = press(bot, "bob", 1)
    bot.app.store.polls.delete(1)

    start = len(bot.console.lines)
    await bot.app.press(stale)
    await bot.advance(timedelta(seconds=1))

    assert ["Ce sondage n'existe plus."] == [line.text for line in bot.console.lines[start:]]
    assert [(0,)] == rows(bot, "SELECT COUNT(*) FROM ballots")
