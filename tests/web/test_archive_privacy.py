"""The privacy scan: what was said or sent in private chats (a message with a link, reminders,
an event, a digest, a poll), a room that keeps its links to itself, a personal reminder and who
voted in a secret ballot never reach the archive page nor the agenda feed, whatever the search.
A link a member files with /lien in a private chat is the exception the README documents: that
command puts it in the association's archive (the reply says so), so the page shows it too."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import Harness
from tests.web.archive_kit import archive, get, start

MARKERS = (
    "dm-plain",  # a link bob wrote in his private chat (never captured there)
    "remindmarkdm",  # bob's reminder in his private chat
    "eventmarkdm",  # an event announced in a private chat
    "placemarkdm",  # its place
    "pollmarkdm",  # a poll made in a private chat
    "clubmark",  # another association's news: in bob's private digest only
    "digest from",  # bob's and the private room's digests are in English, the group's not
    "roommarkprive",  # a link of a room that keeps its links to itself
    "persomark",  # a personal reminder set in the group
    "zorglub",  # said hello, then voted in a secret ballot from a private chat
)


def without_echo(html: str) -> str:
    """The page without the search typed echoed back (the box's value, the status line): a
    leak would be a link in the list, a digest or an event."""
    html = re.sub(r'<input type="search"[^>]*>', "", html)
    return re.sub(r'<p role="status">.*?</p>', "", html, flags=re.DOTALL)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await start(tmp_path)
    yield harness
    await harness.stop()


async def set_up(bot: Harness) -> None:
    say = bot.say
    await say("bonjour", member="alice", room="asso")
    await say("bonjour", member="bob", room="asso")
    await say("/resume abonner chaque jour 8h", member="alice", room="asso")
    # A linked room that keeps its links to itself, with its own digest.
    await say("bonjour", member="alice", room="secret")
    assert bot.app.store.rooms.link("console:asso", "console:secret")
    bot.organizer("alice", "secret")
    await say("/liens prive", member="alice", room="secret")
    await say("/langue en", member="alice", room="secret")  # the page in English prefers it
    await say("/digest subscribe daily 8am", member="alice", room="secret")
    await say("https://secret-room.example.org/roommarkprive", member="bob", room="secret")
    # Another association bob belongs to: its news reach bob's private digest.
    await say("bonjour", member="bob", room="club")
    bot.organizer("bob", "club")
    await say("/annonce Sortie clubmark samedi", member="bob", room="club")
    # Bob's private chat: a digest in English, a link, a reminder, an event, a poll.
    await say("/langue en", member="bob", room="dm-bob")
    await say("/digest subscribe daily 8am", member="bob", room="dm-bob")
    await say("Et https://dm-plain.example.org/linkmarkdm", member="bob", room="dm-bob")
    await say("/rappel tous les lundis à 9h remindmarkdm", member="bob", room="dm-bob")
    await say(
        "/evenement eventmarkdm le 9 janvier à 19h | placemarkdm", member="bob", room="dm-bob"
    )
    await say("/sondage pollmarkdm ? | Oui | Non", member="bob", room="dm-bob")
    # In the group: a personal reminder, a secret ballot answered from a private chat.
    await say("/rappel moi tous les mardis à 9h persomark", member="bob", room="asso")
    await say("/sondage Trésorier ? | Alice | Bob | secret", member="alice", room="asso")
    poll = bot.app.store.polls.latest_open_in_room("console:asso")
    assert poll is not None
    await say("bonjour", member="zorglub", room="asso")
    voted = await say(f"/vote {poll.id} 2", member="zorglub", room="dm-zorglub")
    assert voted[0].startswith("Votre bulletin secret"), voted
    await say(f"/vote {poll.id} 1", member="bob", room="asso")
    await say(f"/cloturer {poll.id}", member="alice", room="asso")
    # What the association shows, so the scan reads real sections.
    await say("https://public.example.org/atelier #atelier", member="bob", room="asso")
    await say("/annonce Local fermé lundi", member="alice", room="asso")
    await say("/evenement Galette le 9 janvier à 16h | Salle B", member="alice", room="asso")
    await say("/rappel tous les jeudis à 18h Permanence", member="alice", room="asso")
    await bot.advance(timedelta(days=1, hours=1))
    # Filed in the association's archive with /lien in a private chat, after the digests.
    await say(
        "/lien https://dm-only.example.org/linkmarkdm #dmtagmark", member="bob", room="dm-bob"
    )


async def test_nothing_private_reaches_the_archive_or_the_agenda(bot: Harness) -> None:
    await set_up(bot)
    private_digests = [
        s.out.text for s in bot.sent if s.room == "dm-bob" and "Digest from" in s.out.text
    ]
    secret_digests = [
        s.out.text for s in bot.sent if s.room == "secret" and "Digest from" in s.out.text
    ]
    assert 1 == len(private_digests) and "clubmark" in private_digests[0]
    assert 1 == len(secret_digests) and "roommarkprive" in secret_digests[0]
    given = await archive(bot)

    pages = {
        f"{query}/{lang}": (await get(bot, given.archive, q=query, lang=lang)).text
        for query in ("", "linkmarkdm", "#dmtagmark", "roommarkprive", "dm-only", "example")
        for lang in ("fr", "en")
    }
    feed = (await get(bot, given.agenda)).body.decode("utf-8")

    page = pages["/fr"]
    assert "https://public.example.org/atelier" in page
    assert "Résumé envoyé le mercredi 2 décembre 2026" in page and "Local fermé lundi" in page
    assert "Galette" in page and "Galette" in feed and "Permanence" in feed
    assert "https://public.example.org/atelier" in pages["example/fr"]
    assert "https://dm-only.example.org/linkmarkdm" in pages["#dmtagmark/fr"]  # filed: shown
    for where, text in [*pages.items(), ("agenda", feed)]:
        lowered = re.sub(r"\s+", " ", without_echo(text).lower())
        found = [marker for marker in MARKERS if marker in lowered]
        assert [] == found, where


async def test_a_link_filed_with_lien_in_a_private_chat_is_in_the_archive(
    bot: Harness,
) -> None:
    """/lien in a private chat files the link in the association's archive (README, « Shared
    links »): the page shows it as /liens does in the group, the group's digest too."""
    await bot.say("bonjour", member="bob", room="asso")
    await bot.say("/resume abonner chaque jour 8h", member="alice", room="asso")
    await bot.say("/annonce Local fermé lundi", member="alice", room="asso")
    filed = await bot.say(
        "/lien https://x.example.org/page note pour le bureau dmnote", member="bob", room="dm-bob"
    )
    await bot.advance(timedelta(days=1))
    given = await archive(bot)

    page = (await get(bot, given.archive)).text
    listed = "\n".join(await bot.say("/liens", member="carol", room="asso"))

    assert any("asso" in reply for reply in filed), filed  # the reply names the archive
    assert "x.example.org/page" in listed
    assert "Local fermé lundi" in page
    assert 'href="https://x.example.org/page"' in page
