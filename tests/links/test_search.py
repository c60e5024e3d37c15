"""/liens (/links): the latest links, full-text search with accents and case folded, tags,
exclusion, exact phrases, pages, private rooms, and hostile input that never errors; /tags."""

from __future__ import annotations

import pytest

from tests.harness import Harness
from tests.links.helpers import FakeFetcher, link_rooms, page, settle


async def share_pages(bot: Harness, fetcher: FakeFetcher) -> None:
    """Three links with previews: an event at the town hall, a budget, a draft budget."""
    fetcher.pages.update(
        {
            "https://example.org/fete": page(
                "Événement de rentrée", "La fête des associations", "Mairie de Lyon"
            ),
            "https://example.org/budget": page("Budget participatif 2026", "Voter les projets"),
            "https://example.org/brouillon": page("Budget brouillon", "Participatif, à relire"),
        }
    )
    await bot.say("https://example.org/fete #agenda", member="alice")
    await bot.say("https://example.org/budget #budget #mairie", member="bob")
    await bot.say("https://example.org/brouillon #budget", member="carol")
    await settle(bot)


def numbers(reply: str) -> list[str]:
    """The link numbers of a listing, in order."""
    return [line.split(" · ")[0] for line in reply.split("\n")[1:] if line.startswith("n°")]


@pytest.mark.parametrize(
    ("expected", "search"),
    [
        (["n°1"], "evenement"),
        (["n°1"], "ÉVÉNEMENT"),
        (["n°1"], "mairie de lyon"),
        (["n°2", "n°1"], "mairie"),  # the site of n°1, the tag of n°2
        (["n°3", "n°2"], "budget"),
        (["n°3", "n°2"], "participatif"),
        (["n°2"], '"budget participatif"'),
        (["n°2"], "«budget participatif»"),
        (["n°2"], "budget -brouillon"),
        (["n°1"], "-budget"),
        (["n°3", "n°2"], "#budget"),
        (["n°2"], "#budget #mairie"),
        (["n°2"], "#Budget voter"),
        (["n°1"], "example.org/fete"),
        (["n°1"], "fete"),
    ],
)
async def test_links_search(
    bot: Harness, fetcher: FakeFetcher, expected: list[str], search: str
) -> None:
    await share_pages(bot, fetcher)

    [reply] = await bot.say(f"/liens {search}")

    assert expected == numbers(reply)


async def test_links_latest_shows_number_title_site_who_when(
    bot: Harness, fetcher: FakeFetcher
) -> None:
    await share_pages(bot, fetcher)

    [reply] = await bot.say("/liens")

    assert [
        "Derniers liens :",
        "n°3 · Budget brouillon — Carol, 1 déc. · #budget",
        "    https://example.org/brouillon",
        "n°2 · Budget participatif 2026 — Bob, 1 déc. · #budget #mairie",
        "    https://example.org/budget",
        "n°1 · Événement de rentrée (Mairie de Lyon) — Alice, 1 déc. · #agenda",
        "    https://example.org/fete",
    ] == reply.split("\n")


async def test_links_in_english(bot: Harness, fetcher: FakeFetcher) -> None:
    await bot.say("/langue en")
    await share_pages(bot, fetcher)

    [found] = await bot.say("/links evenement")
    [repeat] = await bot.say("https://example.org/fete", member="dave")

    assert found.startswith("Links for evenement:\n#1 · Événement de rentrée (Mairie de Lyon)")
    assert "Already shared by Alice on December 1 (link #1)." == repeat


async def test_links_nothing_found_and_nothing_yet(bot: Harness) -> None:
    assert [
        "Aucun lien partagé ici pour l'instant. Postez-en un dans un message, ou gardez-le avec "
        "/lien URL #étiquette une note."
    ] == await bot.say("/liens")
    await bot.say("https://example.org/a")
    assert ["Aucun lien trouvé pour introuvable."] == await bot.say("/liens introuvable")


@pytest.mark.parametrize(
    "search",
    [
        '"',
        "'",
        "*",
        "NEAR(",
        "NEAR(a b)",
        "-",
        "--",
        "a AND",
        "OR",
        "NOT budget",
        "title:budget",
        "budget*",
        '"budget',
        'budget"',
        "((",
        "^budget",
        "#",
        "#-",
        "-#budget",
        "\x00",
        "‮budget",
        "🙂",
        "page",
        "a" * 400,
    ],
)
async def test_links_hostile_search_never_errors(bot: Harness, search: str) -> None:
    await bot.say("https://example.org/budget #budget")

    replies = await bot.say(f"/liens {search}")

    assert 1 == len(replies)
    assert not replies[0].startswith("Désolé")  # never the apology of a failed handler
    assert len(replies[0]) < 600


@pytest.mark.parametrize(
    ("expected", "search"),
    [
        ('Rien à chercher dans * : donnez des mots, des #étiquettes ou "une expression".', "*"),
        ("Cette recherche est trop longue : 500 caractères au plus.", "a" * 501),
        ("Cette recherche a trop de mots : 10 au plus.", " ".join("abcdefghijk")),
        ("abc n’est pas un nombre : écrivez-le en chiffres, par exemple 3.", "budget page abc"),
    ],
)
async def test_links_search_refusals_are_clear(bot: Harness, expected: str, search: str) -> None:
    replies = await bot.say(f"/liens {search}")

    assert replies[0].startswith(expected), replies


async def test_links_page_two(bot: Harness) -> None:
    for n in range(1, 13):
        await bot.say(f"https://example.org/{n}")

    [first] = await bot.say("/liens")
    [second] = await bot.say("/liens page 2")
    [past] = await bot.say("/liens page 3")

    assert [f"n°{n}" for n in range(12, 2, -1)] == numbers(first)
    assert first.endswith("Suite : /liens page 2")
    assert ["n°2", "n°1"] == numbers(second)
    assert second.startswith("Derniers liens : (page 2)")
    assert "Plus de liens : la page 3 est après la fin." == past


async def test_links_search_page_two_keeps_the_words(bot: Harness) -> None:
    for n in range(1, 13):
        await bot.say(f"https://example.org/budget/{n}")

    [first] = await bot.say("/liens budget")

    assert first.endswith("Suite : /liens budget page 2")
    assert ["n°2", "n°1"] == numbers((await bot.say("/liens budget page 2"))[0])


async def test_tags_counts(bot: Harness) -> None:
    assert [
        "Aucune étiquette pour l'instant : ajoutez des #étiquettes à un message avec un lien."
    ] == (await bot.say("/tags"))
    await bot.say("https://example.org/a #budget #Mairie")
    await bot.say("https://example.org/b #budget")

    assert ["Étiquettes : #budget (2), #mairie (1)"] == await bot.say("/tags")


async def test_links_private_room_is_searchable_from_itself_only(bot: Harness) -> None:
    await link_rooms(bot)
    await bot.say("https://example.org/public #ag", room="asso", member="bob")
    private = await bot.say("/liens prive", room="bureau", member="alice")
    await bot.say("https://example.org/secret #ag", room="bureau", member="bob")

    from_bureau = numbers((await bot.say("/liens", room="bureau"))[0])
    from_asso = numbers((await bot.say("/liens", room="asso"))[0])
    tags_asso = await bot.say("/tags", room="asso")
    repeat = await bot.say("https://example.org/secret", room="asso", member="carol")
    public = await bot.say("/liens public", room="bureau", member="alice")

    assert [
        "Les liens partagés dans ce salon ne se retrouvent plus que depuis ce salon."
    ] == private
    assert (["n°2", "n°1"], ["n°1"]) == (from_bureau, from_asso)
    assert ["Étiquettes : #ag (1)"] == tags_asso
    assert [] == repeat  # the private room's link is not revealed, the share is counted
    assert [
        "Les liens partagés dans ce salon se retrouvent de nouveau depuis tous les salons liés."
    ] == public
    assert ["n°2", "n°1"] == numbers((await bot.say("/liens", room="asso"))[0])


async def test_links_private_and_off_are_for_organizers_in_rooms(bot: Harness) -> None:
    assert ["Seuls les organisateurs peuvent faire cela."] == await bot.say(
        "/liens prive", member="bob"
    )
    assert ["C'est un choix de salon : demandez-le dans le salon concerné."] == await bot.say(
        "/liens off", room="dm-bob", member="bob"
    )
