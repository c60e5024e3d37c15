"""``/mesdonnees`` (a member's copy, in private), ``/oubliemoi`` (erasure after a confirmation
only its asker can give) and ``/confidentialite``: what each member gets, and a scan of every
table and column proving nothing of a forgotten member is left."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from storage.inventory import TABLES
from tests.data.conftest import populate
from tests.harness import Harness

BOB = "console:bob"


def db_path(data_dir: Path) -> Path:
    return data_dir / "assobot.db"


def scan(data_dir: Path, needle: str, *, names_only: bool = False) -> list[str]:
    """Every ``table.column`` (with a count) where ``needle`` is found, in every table of the
    schema (``names_only``: only the inventory's name columns)."""
    conn = sqlite3.connect(db_path(data_dir))
    found = []
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            if names_only:
                policy = TABLES.get(table)
                columns = [c for c in columns if policy and c in policy.names]
            for column in columns:
                sql = f'SELECT count(*) FROM "{table}" WHERE instr(CAST("{column}" AS TEXT), ?)'
                try:
                    n = conn.execute(sql, [needle]).fetchone()[0]
                except sqlite3.OperationalError:
                    continue  # a full-text index's hidden column
                if n:
                    found.append(f"{table}.{column}: {n}")
    finally:
        conn.close()
    return found


def query(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path(data_dir))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def forget(bot: Harness, member: str, button: int, room: str = "asso") -> list[str]:
    await bot.say("/oubliemoi", member=member, room=room)
    return await bot.tap(button, member=member, room=room)


# /mesdonnees --------------------------------------------------------------------------


async def test_mesdonnees_in_private_sends_the_json_file(bot: Harness) -> None:
    await populate(bot)

    replies = await bot.say("/mesdonnees", member="bob", room="dm-bob")

    sent = bot.sent[-1]
    assert "dm-bob" == sent.room
    assert sent.out.attachment is not None
    document = json.loads(sent.out.attachment.content)
    assert BOB == document["member"]
    assert {"ballots", "links", "reminders", "members"} <= set(document["tables"])
    personal = [r["text"] for r in document["tables"]["reminders"]]
    assert any("facture OVH" in text for text in personal)
    assert "Ce que assobot garde sur vous" in replies[0] or "assobot" in replies[0]


async def test_mesdonnees_in_a_group_is_answered_in_private(bot: Harness) -> None:
    await populate(bot)
    before = len(bot.sent)

    replies = await bot.say("/mesdonnees", member="bob", room="asso")

    rooms = [(s.room, s.out.attachment is not None) for s in bot.sent[before:]]
    assert [("dm-bob", True), ("asso", False)] == rooms
    assert "en privé" in replies[-1]
    assert "facture" not in "\n".join(s.out.text for s in bot.sent[before:] if s.room == "asso")


async def test_mesdonnees_in_a_group_without_private_chat_says_ask_in_private(
    bot: Harness,
) -> None:
    await populate(bot)

    async def no_private(member_key: str) -> str | None:
        return None

    bot.app.services.private_room = no_private
    before = len(bot.sent)

    replies = await bot.say("/mesdonnees", member="bob", room="asso")

    assert [("asso", None)] == [(s.room, s.out.attachment) for s in bot.sent[before:]]
    assert "conversation privée" in replies[-1]


async def test_mesdonnees_shows_secret_ballots_only_as_has_voted(bot: Harness) -> None:
    await populate(bot)

    await bot.say("/mydata", member="bob", room="dm-bob")

    attachment = bot.sent[-1].out.attachment
    assert attachment is not None
    document = json.loads(attachment.content)
    assert [3] == [row["poll_id"] for row in document["tables"]["secret_voters"]]
    assert set(document["tables"]["secret_voters"][0]) == {"poll_id", "voter_key", "holder_key"}


# /oubliemoi ---------------------------------------------------------------------------


async def test_oubliemoi_leaves_no_row_with_the_members_key(bot: Harness, data_dir: Path) -> None:
    await populate(bot)
    await bot.say("/mesdonnees", member="bob", room="dm-bob")  # a private chat to delete
    await bot.say("/sondage Fermé ? | Oui | Non | secret", member="alice", room="asso")
    await bot.say("/vote 5 1", member="bob", room="asso")
    await bot.say("/cloturer 5", member="alice", room="asso")

    replies = await forget(bot, "bob", 1)

    assert "vos données sont effacées" in "\n".join(replies)
    open_secret = query(
        data_dir,
        "SELECT poll_id FROM secret_voters WHERE voter_key = 'console:bob'",
    )
    assert [(3,)] == open_secret  # the open secret ballot: "has voted" only, kept until close
    left = [hit for hit in scan(data_dir, BOB) if hit != "secret_voters.voter_key: 1"]
    assert [] == left
    assert [] == scan(data_dir, "Bob", names_only=True)
    assert [] == [r for r in query(data_dir, "SELECT key FROM rooms") if "dm-bob" in str(r)]


async def test_oubliemoi_keeps_closed_votes_as_counts_and_removes_open_ones(
    bot: Harness, data_dir: Path
) -> None:
    await populate(bot)
    closed_before = query(data_dir, "SELECT count FROM poll_result_counts WHERE poll_id = 1")

    replies = await forget(bot, "bob", 1)

    assert closed_before == query(
        data_dir, "SELECT count FROM poll_result_counts WHERE poll_id = 1"
    )
    assert [(0,)] == query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id IN (2, 4)")
    assert [(2,)] == query(data_dir, "SELECT count(*) FROM ballots WHERE poll_id = 1")
    text = "\n".join(replies)
    assert "2 votes à des sondages ouverts retirés" in text
    assert "1 vote à un sondage clos gardé comme un décompte anonyme" in text
    assert "scrutins secrets" in text
    results = await bot.say("/decisions", member="alice", room="asso")
    assert "Lieu ?" in "\n".join(results)


async def test_oubliemoi_links_anonymous_or_deleted(bot: Harness, data_dir: Path) -> None:
    await populate(bot)
    await bot.say("/lien https://example.org/b", member="bob", room="asso")  # carol's too

    await forget(bot, "bob", 2)  # delete my links

    urls = [row[0] for row in query(data_dir, "SELECT url FROM links ORDER BY id")]
    assert ["https://example.org/b"] == urls
    assert [] == scan(data_dir, BOB)[:0] + [h for h in scan(data_dir, BOB) if "link" in h]


async def test_oubliemoi_anonymous_links_stay_without_name(bot: Harness, data_dir: Path) -> None:
    await populate(bot)

    await forget(bot, "bob", 1)

    rows = query(data_dir, "SELECT url, poster_name FROM links ORDER BY id")
    assert [("https://example.org/a", ""), ("https://example.org/b", "Carol")] == rows


async def test_oubliemoi_tapped_by_someone_else_erases_nothing(
    bot: Harness, data_dir: Path
) -> None:
    await populate(bot)
    await bot.say("/oubliemoi", member="bob", room="asso")

    shown = await bot.tap(1, member="carol", room="asso")

    assert any("Seul le membre qui l'a demandé" in line for line in shown)
    assert [(1,)] == query(data_dir, "SELECT count(*) FROM members WHERE key = 'console:bob'")
    assert [(1,)] == query(data_dir, "SELECT count(*) FROM members WHERE key = 'console:carol'")


async def test_oubliemoi_tapped_twice_says_nothing_left(bot: Harness) -> None:
    await populate(bot)
    await bot.say("/oubliemoi", member="bob", room="asso")
    await bot.tap(1, member="bob", room="asso")

    again = await bot.tap(1, member="bob", room="asso")

    assert any("plus rien à effacer" in line for line in again)


async def test_oubliemoi_cancel_erases_nothing(bot: Harness, data_dir: Path) -> None:
    await populate(bot)

    replies = await forget(bot, "bob", 3)

    assert any("rien n'a été effacé" in line for line in replies)
    assert [(1,)] == query(data_dir, "SELECT count(*) FROM members WHERE key = 'console:bob'")


async def test_oubliemoi_confirmation_expires(bot: Harness, data_dir: Path) -> None:
    await populate(bot)
    await bot.say("/oubliemoi", member="bob", room="asso")
    await bot.advance(timedelta(hours=2))

    replies = await bot.tap(1, member="bob", room="asso")

    assert any("expiré" in line for line in replies)
    assert [(1,)] == query(data_dir, "SELECT count(*) FROM members WHERE key = 'console:bob'")


@pytest.mark.parametrize(
    "data",
    [
        "forget:anon",
        "forget:anon:zzz:1",
        "forget:xx:{tag}:1",
        "forget:anon:{tag}:99999999999999",
        "forget:anon:{tag}:-5",
        "forget::::",
        "forget:anon:{tag}:" + "9" * 500,
    ],
)
async def test_oubliemoi_forged_buttons_erase_nothing(
    bot: Harness, data_dir: Path, data: str
) -> None:
    from bot.message import ButtonPress
    from handlers.data.commands import _member_tag

    await populate(bot)
    incoming = bot.incoming("x", member="bob", room="asso")
    press = ButtonPress(
        room=incoming.room,
        sender=incoming.sender,
        data=data.format(tag=_member_tag(BOB)),
        message_id="1",
        at=incoming.at,
    )

    await bot.app.press(press)

    assert [(1,)] == query(data_dir, "SELECT count(*) FROM members WHERE key = 'console:bob'")


async def test_oubliemoi_in_english(bot: Harness) -> None:
    await bot.say("/language en", member="alice", room="asso")
    await bot.say("/poll Where? | A | B", member="alice", room="asso")
    await bot.say("/vote 1 1", member="bob", room="asso")

    replies = await forget(bot, "bob", 1)

    assert "Done: your data is erased." in replies[0]
    assert "1 vote in an open poll removed." in "\n".join(replies)


# /confidentialite ---------------------------------------------------------------------


async def test_confidentialite_says_what_how_long_and_rights(bot: Harness) -> None:
    replies = await bot.say("/confidentialite", member="bob", room="asso")

    text = replies[0]
    assert "180 jours" in text and "5 ans" in text
    assert "/mesdonnees" in text and "/oubliemoi" in text


async def test_privacy_in_english(bot: Harness) -> None:
    await bot.say("/language en", member="alice", room="asso")

    replies = await bot.say("/privacy", member="bob", room="asso")

    assert "removed 180 days after the poll closes" in replies[0]
    assert "/mydata" in replies[0] and "/forgetme" in replies[0]


async def test_oubliemoi_keeps_assembly_records_with_the_name_but_not_the_key(
    bot: Harness, data_dir: Path
) -> None:
    await bot.say("bonjour", member="bob", room="asso")
    await bot.say(
        "/ag convoquer 12 janvier 19h | Salle des fêtes | ordre du jour: Rapport moral",
        member="alice",
        room="asso",
    )
    await bot.say("/procuration @carol", member="bob", room="asso")
    await bot.say("/ag ouvrir", member="alice", room="asso")
    await bot.say("/ag secretaire @bob", member="alice", room="asso")
    await bot.say("/present", member="bob", room="asso")
    await bot.say("/present", member="carol", room="asso")
    before = query(data_dir, "SELECT name FROM attendance ORDER BY name")

    replies = await forget(bot, "bob", 1)

    assert ("Bob",) in before
    assert before == query(data_dir, "SELECT name FROM attendance ORDER BY name")
    assert [] == scan(data_dir, BOB)
    assert "assemblée générale" in "\n".join(replies)


async def test_mesdonnees_private_send_refused_says_ask_in_private(bot: Harness) -> None:
    from bot.message import Delivery, Outgoing

    await populate(bot)
    real = bot.app.services.send

    async def refusing(room_key: str, out: Outgoing) -> Delivery:
        if "dm-" in room_key:
            return Delivery(room_key, error="blocked")
        return await real(room_key, out)

    bot.app.services.send = refusing
    before = len(bot.sent)

    replies = await bot.say("/mesdonnees", member="bob", room="asso")

    assert [("asso", None)] == [(s.room, s.out.attachment) for s in bot.sent[before:]]
    assert "je ne peux pas vous écrire en privé" in replies[-1]


async def test_mydata_hostile_name_stays_data(bot: Harness) -> None:
    name = "<b>x</b> | \u202eevil\u202c"
    await bot.say("/lien https://example.org/z " + name, member="bob", room="asso")

    await bot.say("/mydata", member="bob", room="dm-bob")

    attachment = bot.sent[-1].out.attachment
    assert attachment is not None
    notes = [r["note"] for r in json.loads(attachment.content)["tables"]["links"]]
    assert any("<b>x</b>" in note for note in notes)


async def test_mydata_in_english(bot: Harness) -> None:
    await bot.say("/language en", member="alice", room="asso")
    await bot.say("hello", member="bob", room="asso")

    replies = await bot.say("/mydata", member="bob", room="asso")

    assert "Bob, I sent you your data in private." == replies[-1]
