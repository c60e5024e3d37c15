"""/archive: the archive and agenda addresses given once, in private; replaced, revoked; refused
in a private chat and when the web page is off; tokens of another kind open nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import Harness, make_config
from tests.web.archive_kit import ARCHIVE, archive, get, routers, start


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await start(tmp_path)
    yield harness
    await harness.stop()


async def test_first_call_sends_both_addresses_in_private(bot: Harness) -> None:
    given = await archive(bot)

    assert "Alice, je vous ai envoyé en privé les adresses des archives et de l'agenda." == (
        given.room_reply
    )
    assert given.private.startswith("Archives du groupe asso, en lecture seule")
    assert given.webcal == given.agenda.replace("https://", "webcal://")
    assert "Je ne pourrai plus les afficher" in given.private
    page = await get(bot, given.archive)
    assert 200 == page.status and "text/html" == page.content_type
    assert all(
        f'<section id="{anchor}">' in page.text for anchor in ("events", "links", "digests")
    )
    feed = await get(bot, given.agenda)
    assert 200 == feed.status and "text/calendar" == feed.content_type
    assert feed.body.startswith(b"BEGIN:VCALENDAR")
    # Only the hashes are kept: the database holds no address.
    assert [] == [
        row
        for row in bot.app.store.web.db.query("SELECT * FROM web_tokens")
        if given.archive.rsplit("/", 1)[1] in str(row)
    ]


async def test_second_call_says_when_they_were_given_and_shows_nothing(bot: Harness) -> None:
    given = await archive(bot)
    await bot.advance(timedelta(days=2))

    lines = await bot.say_lines("/archive", member="alice", room="asso")

    assert [
        (
            "asso",
            "Les adresses des archives et de l'agenda ont été données le mardi 1 décembre 2026 "
            "à 09:00. Elles ne sont gardées que sous une forme illisible, je ne peux donc pas "
            "les afficher de nouveau : la personne qui les a reçues les a toujours. Pour de "
            "nouvelles adresses (les anciennes cessent alors aussitôt de fonctionner) : "
            "/archive nouvelle. Pour les désactiver : /archive revoquer.",
        )
    ] == [(line.room, line.text) for line in lines]
    assert 200 == (await get(bot, given.archive)).status
    assert 200 == (await get(bot, given.agenda)).status


async def test_new_replaces_both_and_the_old_ones_stop_at_once(bot: Harness) -> None:
    old = await archive(bot)

    new = await archive(bot, "nouvelle")

    assert new.room_reply == (
        "Alice, je vous ai envoyé en privé les nouvelles adresses des archives et de l'agenda ; "
        "les anciennes ne fonctionnent plus."
    )
    assert new.private.startswith("Nouvelles adresses : les précédentes ne fonctionnent plus.")
    assert new.archive != old.archive and new.agenda != old.agenda
    gone = await get(bot, old.archive)
    assert 404 == gone.status and "Ce lien ne fonctionne pas (ou plus)" in gone.text
    assert 404 == (await get(bot, old.agenda)).status
    assert 200 == (await get(bot, new.archive)).status
    assert 200 == (await get(bot, new.agenda)).status


async def test_revoke_turns_both_off_then_archive_gives_new_ones(bot: Harness) -> None:
    old = await archive(bot)

    replies = await bot.say("/archive révoquer", member="alice", room="asso")

    assert [
        "Les adresses des archives et de l'agenda sont désactivées : elles n'ouvrent plus rien, "
        "et les calendriers abonnés à l'agenda ne se mettent plus à jour. /archive en donne de "
        "nouvelles."
    ] == replies
    assert 404 == (await get(bot, old.archive)).status
    assert 404 == (await get(bot, old.agenda)).status
    assert ["Il n'y a pas d'adresse d'archives à désactiver. /archive en donne."] == await bot.say(
        "/archive revoquer", member="alice", room="asso"
    )
    again = await archive(bot)
    assert again.archive != old.archive
    assert 200 == (await get(bot, again.archive)).status


async def test_in_english(bot: Harness) -> None:
    await bot.say("/langue en", member="alice", room="asso")
    first = await archive(bot)
    assert "Alice, I sent you the archive and agenda addresses in private." == first.room_reply
    assert first.private.startswith("Archive of asso (read-only")
    replies = await bot.say("/archive", member="alice", room="asso")
    assert replies[0].startswith("The archive and agenda addresses were given on Tuesday")
    assert replies[0].endswith("/archive new. To turn them off: /archive revoke.")
    again = await archive(bot, "new")
    assert again.private.startswith("New addresses: the previous ones no longer work.")


async def test_only_organizers_and_only_in_the_associations_group(bot: Harness) -> None:
    member = await bot.say("/archive", member="bob", room="asso")
    private = await bot.say("/archive", member="alice", room="dm-alice")
    unknown = await bot.say("/archive tout", member="alice", room="asso")

    assert ["Seuls les organisateurs peuvent utiliser /archive."] == member
    assert [
        "Une conversation privée n'a pas d'archive d'association : tapez /archive dans le "
        "groupe de votre association."
    ] == private
    assert unknown[0].startswith(
        "Option inconnue « tout » : écrivez /archive, /archive nouvelle ou /archive revoquer."
    )
    assert [] == bot.app.store.web.active("archive", 1) + bot.app.store.web.active("agenda", 1)


async def test_without_a_private_chat_the_addresses_never_go_to_the_room(bot: Harness) -> None:
    """Whoever reads the archive's address reads the archive: never posted in the group."""

    async def no_private_chat(member_key: str) -> str | None:
        return None

    bot.app.services.private_room = no_private_chat
    replies = await bot.say("/archive", member="alice", room="asso")

    assert [
        "Je ne peux pas vous écrire en privé, et les adresses ne doivent pas être publiées ici "
        ": ouvrez une discussion privée avec le bot (sur Telegram, touchez Démarrer dans sa "
        "discussion), puis tapez de nouveau /archive."
    ] == replies
    assert not ARCHIVE.search("\n".join(replies))
    assert [] == bot.app.store.web.active("archive", 1)  # nothing live that nobody has


async def test_the_web_page_off_says_how_to_turn_it_on(tmp_path: Path) -> None:
    bot = await Harness.start(make_config(tmp_path), routers=routers())
    try:
        replies = await bot.say("/archive", member="alice", room="asso")
    finally:
        await bot.stop()
    assert [
        "La page web est désactivée : il n'y a pas d'adresse d'archives à donner. Pour "
        "l'activer, l'hébergeur du bot renseigne enabled = true et public_url (l'adresse "
        "publique de la page, derrière le proxy inverse) dans la section [web] de config.toml, "
        "puis redémarre le bot."
    ] == replies


async def test_tokens_of_another_kind_open_nothing(bot: Harness) -> None:
    given = await archive(bot)
    archive_token = given.archive.rsplit("/", 1)[1]
    agenda_token = given.agenda.split("/")[-2]
    await bot.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    poll = bot.app.store.polls.latest_open_in_room("console:asso")
    assert poll is not None
    vote, _record = bot.app.store.web.issue(
        "vote", poll.association_id, poll_id=poll.id, person_key="roll:1", now=bot.app.clock.now()
    )

    for path in (
        f"/archive/{vote}",
        f"/agenda/{vote}/agenda.ics",
        f"/archive/{agenda_token}",
        f"/agenda/{archive_token}/agenda.ics",
        f"/agenda/{agenda_token}/other.ics",
        f"/archive/{archive_token[:-2]}",
        "/archive/",
        "/agenda//agenda.ics",
    ):
        answer = await get(bot, path)
        assert 404 == answer.status, path
        assert b"BEGIN:VCALENDAR" not in answer.body
