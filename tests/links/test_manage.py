"""/lien (/link): saving a link by hand (also from a private chat), tags and notes, deleting;
the bookmarks export from /liens and from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.harness import Harness
from tests.links.helpers import FakeFetcher, link_rooms, page, settle, stored, urls


async def test_link_add_with_tags_and_note(bot: Harness, fetcher: FakeFetcher) -> None:
    fetcher.pages["https://example.org/grants"] = page("Subventions 2026")

    replies = await bot.say(
        "/lien https://example.org/grants?utm_campaign=x #Subvention #mairie dossier à rendre"
    )
    await settle(bot)

    [link] = stored(bot)
    assert ["Lien n°1 gardé. #mairie #subvention"] == replies
    assert ("dossier à rendre", ("mairie", "subvention"), "Subventions 2026") == (
        link.note,
        link.tags,
        link.title,
    )
    assert ["https://example.org/grants"] == fetcher.fetched
    assert ["n°1"] == [
        line.split(" · ")[0]
        for line in (await bot.say("/liens rendre"))[0].split("\n")
        if line.startswith("n°")
    ]


async def test_link_add_of_a_known_link_gives_the_repeat_notice(bot: Harness) -> None:
    await bot.say("https://example.org/a", member="bob")

    replies = await bot.say("/link https://example.org/a #vu", member="alice")

    assert ["Déjà partagé par Bob le 1 décembre (lien n°1). #vu"] == replies
    assert 2 == stored(bot)[0].shares


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ("Donnez le lien à garder.", "/lien"),
        ("Donnez le lien à garder, commençant par https:// ou http://.", "/lien exemple.org"),
        (
            "Ce n'est pas un lien que je peux garder : seulement des liens http:// et https:// "
            "de 2 000 caractères au plus.",
            "/lien ftp://example.org/file",
        ),
        (
            "Ce n'est pas un lien que je peux garder : seulement des liens http:// et https:// "
            "de 2 000 caractères au plus.",
            "/lien https://example.org/" + "a" * 2100,
        ),
        (
            "Donnez le numéro du lien à supprimer, par exemple /lien suppr 12.",
            "/lien suppr",
        ),
        (
            "Ajoutez des #étiquettes ou une note après le numéro, par exemple /lien 12 #budget "
            "à lire d'abord.",
            "/lien 1",
        ),
        ("Il n'y a pas de lien n°7 ici.", "/lien suppr 7"),
        ("99999999999999999999999 n’est pas un nombre", "/lien suppr 99999999999999999999999"),
    ],
)
async def test_link_refusals(bot: Harness, expected: str, text: str) -> None:
    replies = await bot.say(text)

    assert replies[0].replace("\u202f", " ").startswith(expected), replies
    assert [] == stored(bot)


async def test_link_in_a_private_chat_goes_to_the_members_associations(bot: Harness) -> None:
    await bot.say("bonjour", room="asso", member="bob")
    await bot.say("bonjour", room="club", member="bob")

    replies = await bot.say("/lien https://example.org/doc #doc", room="dm-bob", member="bob")
    unknown = await bot.say("/lien https://example.org/doc", room="dm-zoe", member="zoe")

    assert [
        "Lien n°1 gardé. #doc (archives : asso)\nLien n°2 gardé. #doc (archives : club)"
    ] == replies
    assert (["https://example.org/doc"], ["https://example.org/doc"]) == (
        urls(bot, "asso"),
        urls(bot, "club"),
    )
    assert unknown[0].startswith("Je ne connais encore aucun de vos salons")


async def test_link_delete_by_poster_or_organizer_only(bot: Harness) -> None:
    await link_rooms(bot)
    await bot.say("https://example.org/a", room="asso", member="bob")
    await bot.say("https://example.org/b", room="asso", member="bob")
    await bot.say("https://example.org/c", room="asso", member="bob")

    refused = await bot.say("/lien suppr 1", room="asso", member="carol")
    by_poster = await bot.say("/lien suppr 1", room="asso", member="bob")
    by_organizer = await bot.say("/link delete 2", room="bureau", member="alice")
    from_private = await bot.say("/lien suppr 3", room="dm-alice", member="alice")

    assert ["Seul le membre qui a partagé le lien n°1 ou un organisateur peut faire cela."] == (
        refused
    )
    assert ["Lien n°1 supprimé."] == by_poster
    assert ["Lien n°2 supprimé."] == by_organizer
    assert ["Seul le membre qui a partagé le lien n°3 ou un organisateur peut faire cela."] == (
        from_private
    )
    assert ["https://example.org/c"] == urls(bot)
    assert ["Aucun lien trouvé pour a."] == await bot.say("/liens a", room="asso")


async def test_link_annotate_adds_tags_and_a_note(bot: Harness) -> None:
    await bot.say("https://example.org/a #budget", member="bob")

    refused = await bot.say("/lien 1 #spam", member="carol")
    annotated = await bot.say("/lien 1 #Mairie à lire avant la réunion", member="bob")

    [link] = stored(bot)
    assert ["Seul le membre qui a partagé le lien n°1 ou un organisateur peut faire cela."] == (
        refused
    )
    assert ["Lien n°1 : #budget #mairie note enregistrée."] == annotated
    assert (("budget", "mairie"), "à lire avant la réunion") == (link.tags, link.note)
    assert "n°1" in (await bot.say("/liens reunion"))[0]


HOSTILE_TITLE = '<script>alert("x")</script> & "quotes"'


async def test_links_export_is_an_escaped_bookmarks_file(
    bot: Harness, fetcher: FakeFetcher
) -> None:
    fetcher.pages["https://example.org/a?x=1&y=2"] = page(HOSTILE_TITLE, "desc <b>")
    await bot.say('/lien https://example.org/a?y=2&x=1 #tag "une note" <i>', member="bob")
    await settle(bot)

    replies = await bot.say("/liens export")

    content = bot.sent[-1].out.attachment
    assert content is not None
    html = content.content.decode()
    assert replies[0].startswith("1 lien en fichier de marque-pages")
    assert ("liens.html", "text/html") == (content.filename, content.mime)
    assert html.startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    assert (
        '<DT><A HREF="https://example.org/a?y=2&amp;x=1" ADD_DATE="1796112000" PRIVATE="0" '
        'TAGS="tag">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;</A>'
    ) in html
    assert "<DD>&quot;une note&quot; &lt;i&gt; — desc &lt;b&gt;" in html
    assert "<script>" not in html


async def test_links_export_with_nothing(bot: Harness) -> None:
    assert ["Aucun lien à exporter pour l'instant."] == await bot.say("/liens export")


async def test_export_links_on_the_command_line(
    data_dir: Path, tmp_path: Path, bot: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    await bot.say("https://example.org/a #x")
    await bot.say("/liens prive")
    bot.organizer("alice")
    await bot.say("/liens prive")
    output = tmp_path / "links.html"

    status = main(["export", "--links", "--data-dir", str(data_dir), "--output", str(output)])

    html = output.read_text(encoding="utf-8")
    assert 0 == status
    assert (
        '<DT><A HREF="https://example.org/a" ADD_DATE="1796112000" PRIVATE="1" TAGS="x">' in html
    )
    assert f"{output}: 1 links written\n" == capsys.readouterr().err


def test_export_links_without_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == main(["export", "--links", "--data-dir", str(tmp_path / "none")])
    assert "no database" in capsys.readouterr().err
