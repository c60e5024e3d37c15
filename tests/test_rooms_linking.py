"""Linking rooms safely: a private chat never links, the first room's organizers confirm which
room joins, and polls, proxies and the register follow each room through linking and unlinking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.harness import Harness, make_config


async def _code(bot: Harness, room: str = "asso", member: str = "alice") -> str:
    replies = await bot.say("/lier", room=room, member=member)
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match, replies
    return match.group(1)


async def _ask(bot: Harness) -> None:
    """Bob, organizer of ``bureau`` only, types the code Alice asked for in ``asso``."""
    bot.organizer("bob", "bureau")
    code = await _code(bot)
    await bot.say(f"/lier {code}", room="bureau", member="bob")


async def _link(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    await bot.say(f"/lier {await _code(bot)}", room="bureau", member="alice")


def _association(bot: Harness, room: str) -> int:
    record = bot.app.store.rooms.get(f"console:{room}")
    assert record is not None
    return record.association_id


# A private chat never links -------------------------------------------------------------------

PRIVATE_REFUSAL = (
    "Une discussion privée ne peut pas être reliée : demandez le code dans un groupe de "
    "l'association, et tapez-le dans l'autre groupe."
)


async def test_pair_code_typed_in_a_private_chat_is_refused(bot: Harness) -> None:
    code = await _code(bot)

    replies = await bot.say(f"/lier {code}", room="dm-bob", member="bob")

    assert [PRIVATE_REFUSAL] == replies
    assert _association(bot, "asso") != _association(bot, "dm-bob")
    # The code is still usable by a group.
    bot.organizer("alice", "bureau")
    linked = await bot.say(f"/lier {code}", room="bureau", member="alice")
    assert linked[0].startswith("Relié à asso (console).")


async def test_pair_code_asked_in_a_private_chat_is_refused(bot: Harness) -> None:
    assert [PRIVATE_REFUSAL] == await bot.say("/lier", room="dm-bob", member="bob")


async def test_pair_announcement_from_a_private_chat_never_reaches_the_group(
    bot: Harness,
) -> None:
    code = await _code(bot)
    await bot.say(f"/lier {code}", room="dm-bob", member="bob")

    lines = await bot.say_lines("/annonce Venez tous chez moi", room="dm-bob", member="bob")

    assert ["dm-bob"] == [line.room for line in lines]


# The first room's organizers confirm ----------------------------------------------------------


async def test_pair_by_another_organizer_waits_for_confirmation(bot: Harness) -> None:
    bot.organizer("bob", "bureau")
    code = await _code(bot)

    lines = await bot.say_lines(f"/lier {code}", room="bureau", member="bob")

    assert [
        (
            "asso",
            "bureau (console) demande à rejoindre l'association de ce salon (code tapé là-bas "
            "par Bob). Les salons reliés partagent annonces, sondages et registre des "
            "décisions. Un organisateur de ce salon confirme ou refuse :",
        ),
        (
            "bureau",
            "J'ai demandé aux organisateurs du salon asso (console) de confirmer. Les salons "
            "seront reliés dès que l'un d'eux l'aura fait.",
        ),
    ] == [(line.room, line.text) for line in lines]
    assert [["✅ Confirmer", "❌ Refuser"]] == [[b.label for b in row] for row in lines[0].buttons]
    assert _association(bot, "asso") != _association(bot, "bureau")
    assert (await bot.say("/salons", room="asso")) == [
        "Ce salon n'est relié à aucun autre salon. Un organisateur peut en relier un avec /lier."
    ]


async def test_pair_confirmed_by_an_organizer_of_the_first_room_links(bot: Harness) -> None:
    await _ask(bot)

    lines = await bot.say_lines(":tap 1", room="asso", member="alice")

    assert [
        (
            "bureau",
            "Relié à asso (console). Sondages, rappels, annonces et résumés peuvent maintenant "
            "servir les deux. /salons liste les salons reliés.",
        ),
    ] == [(line.room, line.text) for line in lines]
    request = [line for line in bot.replies if line.room == "asso"][-1]
    assert ("bureau (console) est maintenant relié à ce salon (confirmé par Alice).", ()) == (
        request.text,
        request.buttons,
    )
    assert _association(bot, "asso") == _association(bot, "bureau")


async def test_pair_confirmation_by_a_member_is_refused(bot: Harness) -> None:
    await _ask(bot)

    replies = await bot.say(":tap 1", room="asso", member="carol")

    assert ["Seul un organisateur de ce salon peut répondre à cette demande."] == replies
    assert _association(bot, "asso") != _association(bot, "bureau")


async def test_pair_refused_keeps_the_rooms_apart(bot: Harness) -> None:
    await _ask(bot)

    await bot.say(":tap 2", room="asso", member="alice")

    request = [line for line in bot.replies if line.room == "asso"][-1]
    assert "bureau (console) n'a pas été relié : Alice a refusé." == request.text
    assert "asso (console) a refusé d'être relié à ce salon." == bot.replies[-1].text
    assert _association(bot, "asso") != _association(bot, "bureau")


async def test_pair_request_is_answered_once(bot: Harness) -> None:
    await _ask(bot)
    bot.console.state.room, bot.console.state.member = "asso", "alice"
    press = bot.console.tap(2)
    await bot.say(":tap 1", room="asso", member="alice")
    assert press is not None

    await bot.app.press(press)  # "refuse" tapped late, on the old message

    assert "Cette demande a déjà reçu une réponse ou a expiré." == bot.replies[-1].text
    assert _association(bot, "asso") == _association(bot, "bureau")


@pytest.mark.parametrize(
    "data", ["pair:", "pair:yes:", "pair:yes:abc", "pair:oui:1", "pair:yes:9" * 30]
)
async def test_pair_forged_answer_changes_nothing(bot: Harness, data: str) -> None:
    await _ask(bot)
    bot.console.state.room, bot.console.state.member = "asso", "alice"
    press = bot.console.tap(1)
    assert press is not None

    await bot.app.press(type(press)(press.room, press.sender, data, press.message_id, press.at))

    assert _association(bot, "asso") != _association(bot, "bureau")


# Polls, proxies and the register follow the room ----------------------------------------------


async def _bureau_polls(bot: Harness) -> None:
    """In ``bureau``: poll 1 closed, poll 2 open."""
    bot.organizer("alice", "bureau")
    await bot.say("/sondage Pizza ? | Reine | Calzone", room="bureau", member="alice")
    await bot.say("/cloturer 1", room="bureau", member="alice")
    await bot.say("/sondage Date ? | Lundi | Mardi", room="bureau", member="alice")


async def test_pair_keeps_the_joining_rooms_polls_and_register(bot: Harness) -> None:
    await _bureau_polls(bot)
    await _link(bot)

    voted = await bot.say("/voter 2 1", room="bureau", member="carol")
    closed = await bot.say("/cloturer 2", room="bureau", member="alice")
    register = await bot.say("/decisions", room="asso", member="alice")

    assert ["Vote enregistré pour le n°2 : Lundi."] == voted
    assert closed[0].startswith("🔒 Vote clos : 📊 Sondage n°2 : Date ?")
    assert ["n°1", "n°2"] == re.findall(r"^n°\d+", register[0], re.M)


async def test_unpair_keeps_each_rooms_polls_and_register(bot: Harness) -> None:
    await _bureau_polls(bot)
    await _link(bot)
    await bot.say("/sondage AG ? | Samedi | Dimanche", room="asso", member="alice")

    await bot.say("/delier", room="asso", member="alice")

    voted = await bot.say("/voter 2 2", room="bureau", member="carol")
    bureau = await bot.say("/decisions", room="bureau", member="alice")
    await bot.say("/cloturer 3", room="asso", member="alice")
    asso = await bot.say("/decisions", room="asso", member="alice")
    assert ["Vote enregistré pour le n°2 : Mardi."] == voted
    assert ["n°1"] == re.findall(r"^n°\d+", bureau[0], re.M)
    assert ["n°3"] == re.findall(r"^n°\d+", asso[0], re.M)
    assert ["Il n'y a pas de sondage n°3 ici."] == await bot.say(
        "/voter 3 1", room="bureau", member="carol"
    )


async def test_proxies_follow_the_rooms_through_linking_and_unlinking(bot: Harness) -> None:
    await bot.say("bonjour", room="bureau", member="bob")
    await bot.say("/procuration @bob", room="bureau", member="dan")
    await _link(bot)

    linked = await bot.say("/procuration", room="asso", member="dan")
    await bot.say("/delier", room="bureau", member="alice")
    unlinked = await bot.say("/procuration", room="bureau", member="dan")

    assert "Bob" in linked[0], linked
    assert "Bob" in unlinked[0], unlinked


def test_migration_separates_private_chats_and_regroups_orphaned_polls(data_dir: Path) -> None:
    """A database where a private chat consumed a code and a poll was left behind by
    ``/delier`` gets both repaired when the bot starts."""
    from storage.store import Store

    config = make_config(data_dir)
    store = Store(config.database_path, language="fr", timezone="Europe/Paris")
    db = store.owned.db
    now = "2026-12-01T08:00:00+00:00"
    for association in (1, 2):
        db.execute("INSERT INTO associations (id, created_at) VALUES (?, ?)", [association, now])
    for key, private, association in (("asso", 0, 1), ("dm-bob", 1, 1), ("bureau", 0, 2)):
        db.execute(
            """INSERT INTO rooms (key, platform, external_id, title, private, association_id,
               language, timezone, created_at) VALUES (?, 'console', ?, ?, ?, ?, 'fr',
               'Europe/Paris', ?)""",
            [f"console:{key}", key, key, private, association, now],
        )
    db.execute(
        """INSERT INTO polls (association_id, room_key, creator_key, creator_name, kind,
           question, privacy, created_at) VALUES (1, 'console:bureau', 'console:alice',
           'Alice', 'choice', 'Orphan ?', 'public', ?)""",
        [now],
    )
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm045_link_requests'")
    db.execute("DROP TABLE link_requests")
    db.execute("PRAGMA user_version = 0")  # an older database: its schema version is older too
    store.close()

    store = Store(config.database_path, language="fr", timezone="Europe/Paris")
    try:
        rooms = {r.key: r.association_id for r in store.rooms.in_association(1)}
        dm = store.rooms.get("console:dm-bob")
        poll = store.polls.get(1)
    finally:
        store.close()
    assert {"console:asso": 1} == rooms
    assert dm is not None and dm.association_id not in (1, 2)
    assert poll is not None and 2 == poll.association_id
