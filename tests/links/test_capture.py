"""Capture: links in ordinary messages are kept silently with their #hashtags; a repeat is
counted and answered once with who shared it first, across linked rooms too."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.harness import Harness, make_config
from tests.links.helpers import FakeFetcher, link_rooms, page, settle, stored, urls


async def test_capture_is_silent_and_keeps_who_where_tags(bot: Harness) -> None:
    replies = await bot.say(
        "Le dossier https://example.org/subvention?utm_source=x #Subvention #Été", member="bob"
    )

    [link] = stored(bot)
    assert [] == replies
    assert ("https://example.org/subvention?utm_source=x", "https://example.org/subvention") == (
        link.url,
        link.normalized_url,
    )
    assert ("console:bob", "Bob", "console:asso") == (
        link.poster_key,
        link.poster_name,
        link.room_key,
    )
    assert ("ete", "subvention") == link.tags


async def test_capture_keeps_at_most_five_links_per_message(bot: Harness) -> None:
    text = " ".join(f"https://example.org/{n}" for n in range(1, 9))

    await bot.say(text)

    assert [f"https://example.org/{n}" for n in (5, 4, 3, 2, 1)] == urls(bot)


async def test_capture_ignores_commands_edits_and_private_chats(bot: Harness) -> None:
    await bot.say("/aide https://example.org/in-a-command")
    await bot.say("https://example.org/private", room="dm-alice")
    edited = replace(bot.incoming("https://example.org/edited", room="asso"), edited=True)
    await bot.app.receive(edited)

    assert [] == stored(bot)


async def test_capture_takes_links_the_platform_marked(bot: Harness) -> None:
    marked = replace(
        bot.incoming("le [formulaire](…) et https://example.org/a"),
        links=("https://example.org/form", "https://EXAMPLE.org/a#x", "javascript:alert(1)"),
    )

    await bot.app.receive(marked)

    assert ["https://example.org/form", "https://example.org/a"] == urls(bot)


async def test_capture_repeat_is_noticed_once_and_counted(bot: Harness) -> None:
    await bot.say("https://example.org/agenda?fbclid=abc", member="alice")

    repeat = await bot.say("revoilà https://Example.org/agenda#haut", member="bob")
    again = await bot.say("https://example.org/agenda", member="carol")

    assert ["Déjà partagé par Alice le 1 décembre (lien n°1)."] == repeat
    assert ["Déjà partagé par Alice le 1 décembre (lien n°1)."] == again
    [link] = stored(bot)
    assert 3 == link.shares


async def test_capture_same_message_twice_is_one_share(bot: Harness) -> None:
    await bot.say("https://example.org/x", member="alice")
    message = bot.incoming("https://example.org/x", member="bob")

    await bot.app.receive(message)
    await bot.app.receive(message)  # a platform redelivering it

    assert 2 == stored(bot)[0].shares
    assert 1 == sum("Déjà partagé" in line.text for line in bot.replies)


async def test_capture_own_notices_are_not_captured(bot: Harness) -> None:
    await bot.say("https://example.org/x #a", member="alice")
    await bot.say("https://example.org/x", member="bob")
    await bot.say("/liens")

    assert 2 == stored(bot)[0].shares  # the bot's own notice and list were not shares


async def test_capture_repeat_across_linked_rooms(bot: Harness) -> None:
    await link_rooms(bot)
    await bot.say("https://example.org/ag #ag", room="asso", member="alice")

    repeat = await bot.say(
        "https://example.org/ag?utm_medium=social #vote", room="bureau", member="bob"
    )

    assert ["Déjà partagé par Alice le 1 décembre (lien n°1)."] == repeat
    [link] = stored(bot, "bureau")
    assert (2, ("ag", "vote")) == (link.shares, link.tags)


async def test_capture_links_follow_rooms_when_linked_and_unlinked(bot: Harness) -> None:
    await bot.say("présent", room="bureau", member="alice")
    await bot.say("https://example.org/same #asso", room="asso", member="alice")
    await bot.say("https://example.org/same #bureau", room="bureau", member="bob")
    await bot.say("https://example.org/bureau-only", room="bureau", member="bob")

    await link_rooms(bot)
    merged = stored(bot, "asso")
    await bot.say("/delier", room="bureau", member="alice")

    assert ["https://example.org/bureau-only", "https://example.org/same"] == [
        link.url for link in merged
    ]
    assert (2, ("asso", "bureau")) == (merged[1].shares, merged[1].tags)
    assert ["https://example.org/same"] == urls(bot, "asso")
    assert ["https://example.org/bureau-only"] == urls(bot, "bureau")


async def test_capture_off_and_on_by_an_organizer(bot: Harness) -> None:
    refused = await bot.say("/liens off", member="bob")
    bot.organizer("alice")
    off = await bot.say("/liens off", member="alice")
    await bot.say("https://example.org/not-kept", member="bob")
    on = await bot.say("/liens on", member="alice")
    await bot.say("https://example.org/kept", member="bob")

    assert ["Seuls les organisateurs peuvent faire cela."] == refused
    assert [
        "Les liens postés dans ce salon ne sont plus gardés. /liens on les garde de nouveau."
    ] == off
    assert ["Les liens postés dans ce salon sont de nouveau gardés."] == on
    assert ["https://example.org/kept"] == urls(bot)


async def test_capture_previews_are_fetched_in_the_background(
    bot: Harness, fetcher: FakeFetcher
) -> None:
    fetcher.pages["https://example.org/ag"] = page(
        "Assemblée générale 2026", "Ordre du jour", "Mairie de Lyon"
    )

    replies = await bot.say("https://example.org/ag?utm_source=x")
    await bot.say("https://example.org/down")
    await settle(bot)

    ag, down = stored(bot)[1], stored(bot)[0]
    assert [] == replies
    assert ["https://example.org/ag", "https://example.org/down"] == fetcher.fetched
    assert ("Assemblée générale 2026", "Ordre du jour", "Mairie de Lyon") == (
        ag.title,
        ag.description,
        ag.site_name,
    )
    assert ("failed", "") == (down.preview, down.title)  # the link stays, without a title
    listing = await bot.say("/liens")
    assert [
        "Derniers liens :",
        "n°2 · https://example.org/down — Alice, 1 déc.",
        "n°1 · Assemblée générale 2026 (Mairie de Lyon) — Alice, 1 déc.",
        "    https://example.org/ag?utm_source=x",
    ] == listing[0].split("\n")


async def test_capture_previews_left_pending_are_fetched_after_a_restart(
    data_dir: Path, fetcher: FakeFetcher
) -> None:
    config = make_config(data_dir)
    first = await Harness.start(config)
    real = first.app.services.fetcher
    first.app.services.fetcher = None  # the bot stops before any preview is fetched
    await first.say("http://127.0.0.1:9/compte-rendu")
    await first.stop()
    if real is not None:
        await real.aclose()
    fetcher.pages["http://127.0.0.1:9/compte-rendu"] = page("Compte rendu du bureau")

    second = await Harness.start(config)
    real = second.app.services.fetcher
    second.app.services.fetcher = fetcher  # type: ignore[assignment]
    try:
        await settle(second)
        assert ["http://127.0.0.1:9/compte-rendu"] == fetcher.fetched
        assert "Compte rendu du bureau" == stored(second)[0].title
    finally:
        await second.stop()
        if real is not None:
            await real.aclose()
