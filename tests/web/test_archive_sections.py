"""The archive page's sections: coming events, shared links with search, past digests."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest

from tests.harness import Harness
from tests.web.archive_kit import archive, get, start


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await start(tmp_path)
    yield harness
    await harness.stop()


def section(html: str, anchor: str) -> str:
    """One section of the page (its HTML)."""
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.DOTALL)
    assert match is not None, f"no section {anchor}"
    return unescape(match.group(1))


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a href="([^"]*)" rel="noopener', html)]


async def test_coming_events_with_date_and_place(bot: Harness) -> None:
    await bot.say(
        "/evenement AG annuelle le 12 janvier à 19h | Salle des fêtes, 3 rue des Lilas",
        member="alice",
    )
    await bot.say("/evenement Galette le 9 janvier à 16h", member="alice")
    await bot.say("/evenement Réunion passée demain à 10h", member="alice")
    await bot.advance(timedelta(days=2))  # the meeting is past: no longer coming
    given = await archive(bot)

    french = section((await get(bot, given.archive)).text, "events")
    english = section((await get(bot, given.archive, lang="en")).text, "events")

    assert "<h2>Événements à venir</h2>" in french
    assert french.index("Galette") < french.index("AG annuelle")
    assert "samedi 9 janvier 2027 à 16:00" in french
    assert "mardi 12 janvier 2027 à 19:00" in french
    assert "Lieu : Salle des fêtes, 3 rue des Lilas" in french
    assert "Réunion passée" not in french
    assert "<h2>Coming events</h2>" in english
    assert "Place: Salle des fêtes, 3 rue des Lilas" in english
    assert '<time datetime="2027-01-12T18:00:00+00:00">' in french


async def test_no_event_coming(bot: Harness) -> None:
    given = await archive(bot)
    events = section((await get(bot, given.archive)).text, "events")
    assert "Aucun événement à venir." in events


async def test_links_newest_first_with_tags_date_and_sharer(bot: Harness) -> None:
    await bot.say("/lien https://velo.example.org/atelier #velo Atelier du samedi", member="bob")
    await bot.say("Le jardin : https://jardin.example.org/ #jardin", member="carol")
    given = await archive(bot)

    links = section((await get(bot, given.archive)).text, "links")

    assert ["https://jardin.example.org/", "https://velo.example.org/atelier"] == hrefs(links)
    assert 'rel="noopener noreferrer nofollow"' in links
    assert "partagé par Carol" in links and "#jardin" in links and "#velo" in links
    assert "1 décembre" in links
    assert "Les derniers liens partagés dans les salons de l'association :" in links
    form = re.search(r"<form[^>]*>", links)
    assert form is not None and 'method="get"' in form.group(0)
    assert 'role="search"' in form.group(0)
    assert '<label for="archive-q">' in links
    assert '<input type="search" id="archive-q" name="q"' in links


async def test_search_narrows_with_words_tags_and_keeps_the_language(bot: Harness) -> None:
    await bot.say("/lien https://velo.example.org/atelier #velo Atelier vélo", member="bob")
    await bot.say("/lien https://jardin.example.org/ #jardin Jardin partagé", member="carol")
    given = await archive(bot)

    by_word = section((await get(bot, given.archive, q="atelier")).text, "links")
    by_tag = section((await get(bot, given.archive, q="#jardin")).text, "links")
    nothing = section((await get(bot, given.archive, q="piscine")).text, "links")
    english = section((await get(bot, given.archive, q="atelier", lang="en")).text, "links")

    assert ["https://velo.example.org/atelier"] == hrefs(by_word)
    assert "1 lien trouvé pour atelier (le plus récent d'abord) :" in by_word
    assert 'value="atelier"' in by_word
    assert ["https://jardin.example.org/"] == hrefs(by_tag)
    assert [] == hrefs(nothing) and "Aucun lien trouvé pour piscine." in nothing
    assert "1 link found for atelier (the newest first):" in english
    assert '<input type="hidden" name="lang" value="en">' in english


async def test_hostile_searches_are_harmless(bot: Harness) -> None:
    await bot.say("/lien https://velo.example.org/atelier #velo Atelier", member="bob")
    given = await archive(bot)
    hostile = '"><script>alert(1)</script> NEAR( "a" * -- ; DROP TABLE links'

    html_query = await get(bot, given.archive, q=hostile)
    long_query = await get(bot, given.archive, q="a" * 5_000)
    many_words = await get(bot, given.archive, q=" ".join(f"w{i}" for i in range(40)))
    only_marks = await get(bot, given.archive, q='*** "" ((')

    assert 200 == html_query.status
    assert "<script>" not in html_query.text
    assert "&lt;script&gt;" in html_query.text or "&#34;&gt;&lt;script" in html_query.text
    assert 200 == long_query.status and "a" * 501 not in long_query.text
    assert "Cette recherche est trop longue : 500 caractères au plus." in long_query.text
    assert "Cette recherche a trop de mots : 10 au plus." in many_words.text
    assert "Rien à chercher dans" in only_marks.text
    assert 200 == many_words.status == only_marks.status
    assert bot.app.store.links.get(1) is not None  # nothing dropped


async def test_a_10000_character_search_is_harmless(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    given = await archive(bot)
    token = given.archive.rsplit("/", 1)[1]
    caplog.set_level(logging.DEBUG)

    answer = await get(bot, given.archive, q="é" * 10_000)

    assert token not in caplog.text
    assert token not in answer.body.decode("utf-8", "replace")
    assert answer.status in (200, 400, 414)
    assert "text/html" == answer.content_type


async def test_a_link_that_is_not_http_is_never_a_link(bot: Harness) -> None:
    """Stored URLs are http(s) only; the page checks again before making one a link."""
    from handlers.links.archive import safe_href

    assert "" == safe_href("javascript:alert(1)")
    assert "" == safe_href("data:text/html,<b>x</b>")
    assert "" == safe_href("https:///nohost")
    assert "https://a.example/x" == safe_href("https://a.example/x")


async def test_past_digests_newest_first_once_per_period(bot: Harness) -> None:
    await bot.say("bonjour", member="alice", room="asso")
    await bot.say("bonjour", member="alice", room="bureau")
    assert bot.app.store.rooms.link("console:asso", "console:bureau")
    bot.organizer("alice", "bureau")
    await bot.say("/resume abonner chaque jour 8h", member="alice", room="asso")
    await bot.say("/resume abonner chaque jour 8h", member="alice", room="bureau")
    await bot.say("/annonce Local fermé lundi", member="alice", room="asso")
    await bot.advance(timedelta(days=1))
    await bot.say("/annonce Assemblée le 12", member="alice", room="asso")
    await bot.advance(timedelta(days=1))
    given = await archive(bot)

    digests = section((await get(bot, given.archive)).text, "digests")

    assert "<h2>Résumés passés</h2>" in digests
    headings = re.findall(r"<summary>(.*?)</summary>", digests)
    assert [
        "Résumé envoyé le jeudi 3 décembre 2026",
        "Résumé envoyé le mercredi 2 décembre 2026",
    ] == headings  # two rooms got each one: shown once
    assert digests.index("Assemblée le 12") < digests.index("Local fermé lundi")
    assert '<details class="digest" open>' in digests


async def test_no_digest_yet(bot: Harness) -> None:
    given = await archive(bot)
    digests = section((await get(bot, given.archive)).text, "digests")
    assert "Aucun résumé n'a encore été envoyé aux salons de l'association." in digests


async def test_links_are_bounded_to_the_newest_fifty(bot: Harness) -> None:
    for number in range(60):
        await bot.say(f"https://site{number}.example.org/", member="bob", room="asso")
    given = await archive(bot)

    shown = hrefs(section((await get(bot, given.archive)).text, "links"))

    assert [f"https://site{n}.example.org/" for n in range(59, 9, -1)] == shown


async def test_events_of_linked_rooms_say_their_room(bot: Harness) -> None:
    await bot.say("bonjour", member="alice", room="asso")
    await bot.say("bonjour", member="alice", room="bureau")
    assert bot.app.store.rooms.link("console:asso", "console:bureau")
    bot.organizer("alice", "bureau")
    await bot.say("/evenement CA le 9 janvier à 18h", member="alice", room="bureau")
    await bot.say("/evenement Galette le 10 janvier à 16h", member="alice", room="asso")
    given = await archive(bot)

    events = section((await get(bot, given.archive)).text, "events")

    assert 'CA</strong> <span class="note">(dans bureau)</span>' in events
    assert 'Galette</strong> <span class="note">(dans asso)</span>' in events
