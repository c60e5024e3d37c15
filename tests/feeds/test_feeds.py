"""/flux (/feed) against feeds served on 127.0.0.1: following, polling, de-duplication,
conditional requests, failures and recovery, discovery, direct posts, hostile inputs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import FetchConfig
from handlers.feeds.settings import FeedsSettings
from tests.feeds.conftest import FEATURES, LOCAL, FeedServer, Item, atom, rss
from tests.harness import START, Harness, make_config

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


def items(*numbers: int, age: timedelta = HOUR, prefix: str = "") -> list[Item]:
    """Entries numbered ``numbers``, the highest newest, dated ``age`` and older before START."""
    return [
        Item(
            f"{prefix}id-{n}",
            f"{prefix}Article {n}",
            f"http://example.org/{prefix}{n}",
            START - age - timedelta(minutes=10 * (100 - n)),
        )
        for n in numbers
    ]


def digest_titles(bot: Harness, room: str = "asso") -> list[str]:
    store = bot.app.services.store
    record = store.rooms.get(f"console:{room}")
    assert record is not None
    entries = store.feeds.entries_between(record.association_id, START - WEEK, START + 10 * WEEK)
    return [entry.title for entry in entries]


def room_texts(bot: Harness, room: str = "asso", start: int = 0) -> list[str]:
    return [line.text for line in bot.replies[start:] if line.room == room]


async def follow(bot: Harness, url: str) -> list[str]:
    return await bot.say(f"/flux ajouter {url}", member="alice")


# Following ---------------------------------------------------------------------------------


async def test_flux_ajouter_rss_marks_existing_seen_and_shows_the_latest(
    bot: Harness, server: FeedServer
) -> None:
    url = server.serve("/rss", rss("Mairie", items(1, 2, 3)))
    replies = await follow(bot, url)

    assert [
        "Flux Mairie suivi (flux 1).\nDernier article : Article 3\nLes nouveautés seront dans "
        "le résumé ; /flux 1 direct les publie ici au fil de l’eau."
    ] == replies
    assert [] == digest_titles(bot)  # no flood: what the feed listed is seen, not news
    await bot.advance(2 * HOUR)
    assert [] == digest_titles(bot)


async def test_feed_add_atom_in_english(bot: Harness, server: FeedServer) -> None:
    await bot.say(":lang en")
    url = server.serve("/atom", atom("Club news", items(7)), "application/atom+xml")
    replies = await bot.say(f"/feed add {url}", member="alice")

    assert [
        "Following Club news (feed 1).\nLatest entry: Article 7\nNew entries will be in the "
        "digest; /feed 1 direct posts them here as they come."
    ] == replies


async def test_flux_ajouter_discovers_the_feed_from_a_page(
    bot: Harness, server: FeedServer
) -> None:
    server.serve("/blog/feed.xml", rss("Blog", items(1)))
    page = (
        b'<html><head><title>Blog</title><link rel="alternate" type="application/rss+xml" '
        b'href="/blog/feed.xml"></head><body>Hello</body></html>'
    )
    url = server.serve("/blog/", page, "text/html; charset=utf-8")
    replies = await follow(bot, url)

    assert replies[0].startswith("Flux Blog suivi (flux 1).")
    assert server.url("/blog/feed.xml") == bot.app.services.store.feeds.get(1).fetch_url  # type: ignore[union-attr]


async def test_flux_ajouter_twice_says_already_followed(bot: Harness, server: FeedServer) -> None:
    url = server.serve("/rss", rss("Mairie", items(1)))
    await follow(bot, url)
    assert ["L’association suit déjà Mairie (flux 1)."] == await follow(bot, url)


async def test_flux_is_for_organizers(bot: Harness, server: FeedServer) -> None:
    url = server.serve("/rss", rss("Mairie", items(1)))
    assert ["Seuls les organisateurs peuvent utiliser /flux."] == await bot.say(
        f"/flux ajouter {url}", member="bob"
    )


# Polling -----------------------------------------------------------------------------------


async def test_flux_new_entries_go_to_the_digest_by_default(
    bot: Harness, server: FeedServer
) -> None:
    url = server.serve("/rss", rss("Mairie", items(1, 2)))
    await follow(bot, url)
    shown = len(bot.replies)
    server.serve("/rss", rss("Mairie", [*items(1, 2), *items(3, age=timedelta(minutes=1))]))
    await bot.advance(70 * timedelta(minutes=1))

    assert ["Article 3"] == digest_titles(bot)
    assert [] == room_texts(bot, start=shown)


async def test_flux_direct_posts_new_entries_as_they_come(
    bot: Harness, server: FeedServer
) -> None:
    url = server.serve("/rss", rss("Mairie", items(1)))
    await follow(bot, url)
    assert ["Les nouveautés du flux Mairie seront publiées ici au fil de l’eau."] == await bot.say(
        "/flux 1 direct", member="alice"
    )
    shown = len(bot.replies)
    server.serve("/rss", rss("Mairie", [*items(1), *items(2, 3, age=timedelta(minutes=1))]))
    await bot.advance(70 * timedelta(minutes=1))

    assert [
        "Nouveau dans Mairie :\n• Article 3\n  http://example.org/3\n• Article 2\n"
        "  http://example.org/2"
    ] == room_texts(bot, start=shown)
    assert bot.sent[-1].out.link_preview is False  # a list of links: no preview card
    assert ["Les nouveautés du flux Mairie seront seulement dans le résumé."] == await bot.say(
        "/flux 1 resume", member="alice"
    )


async def test_flux_304_costs_nothing(bot: Harness, server: FeedServer) -> None:
    body = rss("Mairie", items(1))

    async def conditional(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(
            body=body, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'}
        )

    server.routes["/rss"] = conditional
    await follow(bot, server.url("/rss"))
    shown = len(bot.replies)
    await bot.advance(3 * HOUR + timedelta(minutes=20))

    feed = bot.app.services.store.feeds.get(1)
    assert feed is not None
    assert ('"v1"', "", 0) == (feed.etag, feed.last_error, feed.failures)
    assert 4 == server.count("/rss")
    assert ['"v1"'] * 3 == [h.get("if-none-match") for p, h in server.hits[1:]]
    assert ([], []) == (room_texts(bot, start=shown), digest_titles(bot))


async def test_flux_malformed_feed_is_read_as_far_as_it_goes(
    bot: Harness, server: FeedServer
) -> None:
    broken = rss("Mairie", items(1, 2)).replace(b"</channel></rss>", b"<item><title>cut")
    replies = await follow(bot, server.serve("/rss", broken))
    assert replies[0].startswith("Flux Mairie suivi (flux 1).\nDernier article :")


async def test_flux_entry_with_a_changed_link_is_not_new(bot: Harness, server: FeedServer) -> None:
    await follow(bot, server.serve("/rss", rss("Mairie", items(1, 2))))
    moved = [Item(i.guid, i.title, i.link + "?moved=1", i.published) for i in items(1, 2)]
    server.serve("/rss", rss("Mairie", moved))
    await bot.advance(70 * timedelta(minutes=1))
    assert [] == digest_titles(bot)


async def test_flux_reissued_old_entries_post_nothing_old_and_at_most_ten(
    bot: Harness, server: FeedServer
) -> None:
    await follow(bot, server.serve("/rss", rss("Mairie", items(1, 2))))
    # The feed re-issues its archive under new ids and links, plus 25 entries of today.
    archive = items(*range(1, 41), age=30 * timedelta(days=1), prefix="v2-")
    today = items(*range(50, 75), age=timedelta(minutes=1), prefix="new-")
    server.serve("/rss", rss("Mairie", archive + today))
    await bot.advance(70 * timedelta(minutes=1))

    assert [f"new-Article {n}" for n in range(74, 64, -1)] == digest_titles(bot)
    await bot.advance(70 * timedelta(minutes=1))
    assert 10 == len(digest_titles(bot))  # the rest were kept as seen, never posted later


async def test_flux_failing_five_times_tells_once_then_once_when_it_recovers(
    bot: Harness, server: FeedServer
) -> None:
    body = rss("Mairie", items(1))
    calls = {"n": 0}

    async def flaky(request: web.Request) -> web.StreamResponse:
        calls["n"] += 1
        if 2 <= calls["n"] <= 6:  # the follow works, then five failures
            return web.Response(status=503)
        return web.Response(body=body, headers={"Content-Type": "application/rss+xml"})

    server.routes["/rss"] = flaky
    await follow(bot, server.url("/rss"))
    shown = len(bot.replies)
    await bot.advance(2 * timedelta(days=1) + 6 * HOUR)

    assert calls["n"] >= 7
    assert [
        "Le flux Mairie n’a pas pu être récupéré (le site a répondu par une erreur). Je "
        "réessaierai, de moins en moins souvent, et je préviendrai ici quand il remarchera.",
        "Le flux Mairie fonctionne de nouveau.",
    ] == room_texts(bot, start=shown)


async def test_flux_failing_for_pause_after_days_is_paused(
    data_dir: Path, server: FeedServer
) -> None:
    config = make_config(data_dir, FeedsSettings(pause_after_days=2), fetch=LOCAL)
    bot = await Harness.start(config, routers=FEATURES)
    bot.organizer("alice")
    try:
        url = server.serve("/rss", rss("Mairie", items(1)))
        await follow(bot, url)
        del server.routes["/rss"]
        await bot.advance(3 * timedelta(days=1))
        texts = room_texts(bot)
        feed = bot.app.services.store.feeds.get(1)
        hits = len(server.hits)
        await bot.advance(2 * timedelta(days=1))
        later = len(server.hits)
        server.serve("/rss", rss("Mairie", items(1)))
        again = await follow(bot, url)
        resumed = bot.app.services.store.feeds.get(1)
        await bot.advance(30 * timedelta(minutes=1))
        fetched_again = len(server.hits) - later
    finally:
        await bot.stop()

    assert (
        "Le flux Mairie échoue depuis 2 jours (le site a répondu par une erreur) : je ne le "
        f"récupère plus. Suivez-le de nouveau avec /flux ajouter {url} pour reprendre."
    ) == texts[-1]
    assert feed is not None and feed.paused
    assert hits == later
    assert ["Le flux Mairie sera de nouveau récupéré."] == again
    assert resumed is not None and not resumed.paused
    assert 1 == fetched_again


# Listing and managing ----------------------------------------------------------------------


async def test_flux_lists_feeds_with_last_fetch_and_counts(
    bot: Harness, server: FeedServer
) -> None:
    await follow(bot, server.serve("/rss", rss("Mairie", items(1))))
    server.serve("/rss", rss("Mairie", [*items(1), *items(2, age=timedelta(minutes=1))]))
    await bot.advance(70 * timedelta(minutes=1))
    replies = await bot.say("/flux", member="alice")

    assert 1 == len(replies)
    lines = replies[0].split("\n")
    assert ["Flux suivis par l’association :", f"1. Mairie — {server.url('/rss')}"] == lines[:2]
    assert "1 article cette semaine · résumé seulement" in lines[2]
    assert lines[2].startswith("   dernière récupération : mardi 1 décembre 2026")


async def test_flux_suppr_stops_following(bot: Harness, server: FeedServer) -> None:
    await follow(bot, server.serve("/rss", rss("Mairie", items(1))))
    assert ["L’association ne suit plus Mairie."] == await bot.say("/flux suppr 1", member="alice")
    assert ["L’association ne suit aucun flux 1."] == await bot.say(
        "/flux suppr 1", member="alice"
    )
    assert bot.app.services.store.feeds.get(1) is None


# Hostile inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/flux ajouter javascript:alert(1)", "javascript:alert(1) n’est pas une adresse web"),
        ("/flux ajouter", "Donnez l’adresse du flux ou du site."),
        ("/flux suppr 99999999999999999999", "99999999999999999999 est trop grand"),
        ("/flux 99999999999999999999 direct", "99999999999999999999 est trop grand"),
        ("/flux n’importe", "Je ne sais pas quoi faire de « n’importe »."),
    ],
)
async def test_flux_hostile_inputs_get_a_clear_reply(
    bot: Harness, typed: str, expected: str
) -> None:
    replies = await bot.say(typed, member="alice")
    assert expected in replies[0]
    assert [] == bot.app.services.store.feeds.followed_by(1)


async def test_flux_refuses_a_local_address_without_the_allow_list(
    data_dir: Path, server: FeedServer
) -> None:
    harness = await Harness.start(make_config(data_dir, fetch=FetchConfig()), routers=FEATURES)
    harness.organizer("alice")
    try:
        url = server.serve("/rss", rss("Mairie", items(1)))
        replies = await harness.say(f"/flux ajouter {url}", member="alice")
    finally:
        await harness.stop()
    assert [f"Je n’ai pas pu récupérer {url} : son adresse n’est pas publique."] == replies
    assert [] == server.hits


async def test_flux_refuses_a_feed_over_5_mib(bot: Harness, server: FeedServer) -> None:
    huge = rss("Mairie", items(1)).replace(
        b"</channel>", b"<!--" + b"x" * (6 * 2**20) + b"--></channel>"
    )
    url = server.serve("/rss", huge)
    assert [f"Je n’ai pas pu récupérer {url} : il dépasse 5 Mio."] == await follow(bot, url)


async def test_flux_page_without_a_feed_is_refused(bot: Harness, server: FeedServer) -> None:
    url = server.serve("/page", b"<html><head><title>x</title></head></html>", "text/html")
    replies = await follow(bot, url)
    assert replies[0].startswith(f"Je n’ai trouvé aucun flux à {url} :")


async def test_flux_entry_links_other_than_http_are_never_posted(
    bot: Harness, server: FeedServer
) -> None:
    await follow(bot, server.serve("/rss", rss("Mairie", items(1))))
    await bot.say("/flux 1 direct", member="alice")
    shown = len(bot.replies)
    evil = Item("evil", "<b>Click</b>", "javascript:alert(1)", START - timedelta(minutes=1))
    server.serve("/rss", rss("Mairie", [*items(1), evil]))
    await bot.advance(70 * timedelta(minutes=1))
    assert ["Nouveau dans Mairie :\n• Click"] == room_texts(bot, start=shown)


# One fetch for everyone, and what the digest reads ----------------------------------------


async def test_flux_one_fetch_per_feed_for_every_association_following_it(
    bot: Harness, server: FeedServer
) -> None:
    bot.organizer("carol", "autre")
    url = server.serve("/rss", rss("Mairie", items(1)))
    await follow(bot, url)
    second = await bot.say(f"/flux ajouter {url}", member="carol", room="autre")
    server.serve("/rss", rss("Mairie", [*items(1), *items(2, age=timedelta(minutes=1))]))
    await bot.advance(70 * timedelta(minutes=1))

    assert second[0].startswith("Flux Mairie suivi (flux 1).\nDernier article : Article 1")
    assert 2 == server.count("/rss")  # the first follow, then one fetch for both
    assert (["Article 2"], ["Article 2"]) == (digest_titles(bot), digest_titles(bot, "autre"))


async def test_flux_entries_between_gives_the_digest_what_it_needs(
    bot: Harness, server: FeedServer
) -> None:
    await follow(bot, server.serve("/rss", rss("Mairie", items(1))))
    undated = Item("undated", "Sans date", "http://example.org/undated")
    server.serve("/rss", rss("Mairie", [*items(1), *items(2, age=timedelta(minutes=1)), undated]))
    await bot.advance(70 * timedelta(minutes=1))
    store = bot.app.services.store
    room = store.rooms.get("console:asso")
    assert room is not None
    entries = store.feeds.entries_between(room.association_id, START, START + 2 * HOUR)

    assert [
        (1, "Mairie", "Sans date", "http://example.org/undated"),
        (1, "Mairie", "Article 2", "http://example.org/2"),
    ] == [(e.feed_id, e.feed_title, e.title, e.link) for e in entries]
    assert entries[0].published_at == entries[0].seen_at  # no date: the time it was found
    assert START < entries[0].seen_at <= START + 70 * timedelta(minutes=1)
    assert [] == store.feeds.entries_between(room.association_id, START, entries[1].seen_at)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/feed", "The association follows no feed. Follow one with /feed add URL."),
        ("/feed delete 5", "The association follows no feed 5."),
        ("/feed add ftp://example.org/x", "ftp://example.org/x is not a web address"),
        ("/feed 5 direct", "The association follows no feed 5."),
    ],
)
async def test_feed_replies_in_english(bot: Harness, typed: str, expected: str) -> None:
    await bot.say(":lang en")
    replies = await bot.say(typed, member="alice")
    assert expected in replies[0]


async def test_feed_failure_notice_in_english(bot: Harness, server: FeedServer) -> None:
    await bot.say(":lang en")
    url = server.serve("/rss", rss("Town hall", items(1)))
    await bot.say(f"/feed add {url}", member="alice")
    server.serve("/rss", b"<html><body>not a feed</body></html>", "text/html")
    shown = len(bot.replies)
    await bot.advance(70 * timedelta(minutes=1))
    assert [
        "The feed Town hall could not be fetched (it is not a feed). I will keep trying, less "
        "often, and say here when it works again."
    ] == room_texts(bot, start=shown)
