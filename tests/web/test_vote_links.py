"""/liens-vote: personal voting links as a CSV sent in private to an organizer, never in the
group; asked again, only members without a live link get one; revoked links stop working;
every bad input a clear answer. Also the small kit the other voting-page tests share."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urljoin

import aiohttp
import pytest

from bot.message import Attachment, Delivery, Outgoing
from tests.harness import Harness, make_config
from tests.webkit import local, web_config

PUBLIC = "https://asso.example.org"


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(web_config(tmp_path))
    yield harness
    await harness.stop()


def last_file(bot: Harness) -> tuple[str, Attachment]:
    """The latest links file sent: the console room it went to, and the file."""
    for sent in reversed(bot.sent):
        attachment = sent.out.attachment
        if attachment is not None and "vote" in attachment.filename:
            return sent.room, attachment
    raise AssertionError("no links file was sent")


def rows_of(attachment: Attachment, delimiter: str = ";") -> list[list[str]]:
    assert attachment.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets want
    text = attachment.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


async def links(bot: Harness, command: str, member: str = "alice") -> dict[str, str]:
    """Run /liens-vote in the room; the new links by name (as public addresses)."""
    before = len(bot.sent)
    await bot.say(command, member=member, room="asso")
    assert any(s.out.attachment is not None for s in bot.sent[before:]), "no file sent"
    _room, attachment = last_file(bot)
    return links_in(attachment)


def links_in(attachment: Attachment) -> dict[str, str]:
    """The new links of a links file, by name."""
    return {row[0]: row[1] for row in rows_of(attachment)[1:] if row[1]}


class Ballot:
    """A browser of one personal link: read the page, send the form (following the 303)."""

    def __init__(self, bot: Harness, link: str) -> None:
        assert bot.app.web is not None
        self.url = local(link, bot.app.web.base_url, PUBLIC)
        self.raw = ""  # the latest page as sent (the pages returned are unescaped)
        self.csrf = ""  # the form token of the latest page with a form (an old form resent)

    def _read(self, status: int, raw: str) -> tuple[int, str]:
        self.raw = raw
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', raw)
        if token:
            self.csrf = token.group(1)
        return status, html.unescape(raw)

    async def get(self, query: str = "") -> tuple[int, str]:
        async with aiohttp.ClientSession() as http, http.get(self.url + query) as response:
            return self._read(response.status, await response.text())

    async def post(
        self, fields: list[tuple[str, str]], query: str = "", csrf: bool = True
    ) -> tuple[int, str]:
        """POST the form; a 303 is followed (the status is then the page's)."""
        status, _page = await self.get(query)
        assert 200 == status, self.raw
        data = list(fields)
        if csrf:
            data.append(("csrf", self.csrf))
        async with aiohttp.ClientSession() as http:
            async with http.post(self.url + query, data=data, allow_redirects=False) as answer:
                if answer.status != 303:
                    return self._read(answer.status, await answer.text())
                location = answer.headers["Location"]
            async with http.get(urljoin(self.url, location)) as response:
                return self._read(response.status, await response.text())

    async def vote(self, *choices: str, query: str = "") -> tuple[int, str]:
        return await self.post([("choice", c) for c in choices], query)


async def roll(bot: Harness, *names: str) -> None:
    await bot.say("/membres ajouter " + "\n".join(names), member="alice", room="asso")


def group_text(bot: Harness, room: str = "asso") -> str:
    return "\n".join(line.text for line in bot.console.lines if line.room == room)


async def test_links_go_in_private_and_never_in_the_group(web: Harness) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin", "Paul Durand")

    replies = await web.say("/liens-vote 1", member="alice", room="asso")

    room, attachment = last_file(web)
    assert "dm-alice" == room
    assert "liens-vote-1.csv" == attachment.filename
    rows = rows_of(attachment)
    assert ["nom", "lien", "état"] == rows[0]
    assert ["Odile Martin", "Paul Durand"] == [row[0] for row in rows[1:]]
    assert all(row[1].startswith(f"{PUBLIC}/v/") for row in rows[1:])
    assert all("nouveau lien" == row[2] for row in rows[1:])
    assert any("sont dans votre discussion privée avec le bot" in r for r in replies)
    assert "/v/" not in group_text(web)  # no link, no file in the group
    assert all(s.room == "dm-alice" for s in web.sent if s.out.attachment is not None)
    private = group_text(web, "dm-alice")
    assert "2 nouveaux liens" in private
    assert "qui le détient peut voter au nom de ces membres" in private


async def test_again_only_new_members_get_a_link_and_revoked_links_stop(web: Harness) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin")
    first = await links(web, "/liens-vote 1")
    await roll(web, "Paul Durand")

    second = await links(web, "/liens-vote 1")

    assert ["Paul Durand"] == list(second)
    rows = rows_of(last_file(web)[1])
    assert ["Odile Martin", "", "lien créé le mardi 1 décembre 2026"] == rows[1]
    assert "1 nouveau lien, 1 créé avant (non affiché de nouveau)" in group_text(web, "dm-alice")
    assert 200 == (await Ballot(web, first["Odile Martin"]).get())[0]

    replies = await web.say("/liens-vote 1 revoquer odile  MARTIN", member="alice", room="asso")
    assert [
        "Lien de vote pour le n°1 révoqué (Odile Martin) ; /liens_vote 1 en crée un nouveau."
    ] == replies
    status, page = await Ballot(web, first["Odile Martin"]).get()
    assert 404 == status
    assert "Ce lien ne fonctionne pas (ou plus)" in page
    third = await links(web, "/liens-vote 1")
    assert ["Odile Martin"] == list(third)
    assert third["Odile Martin"] != first["Odile Martin"]

    replies = await web.say("/liens-vote 1 revoquer tous", member="alice", room="asso")
    assert ["2 liens de vote du n°1 révoqués."] == replies
    for link in (*second.values(), *third.values()):
        assert 404 == (await Ballot(web, link).get())[0]


async def test_everyone_with_tous(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin")

    assert ["Odile Martin"] == list(await links(web, "/liens-vote 1"))
    everyone = await links(web, "/liens-vote 1 tous")

    assert {"Alice", "Bob"} <= set(everyone)
    rows = {row[0]: row[2] for row in rows_of(last_file(web)[1])[1:]}
    assert "nouveau lien (aussi sur la messagerie)" == rows["Bob"]
    assert rows["Odile Martin"].startswith("lien créé le")


async def test_english_room_gets_a_comma_csv(web: Harness) -> None:
    await web.say("/langue en", member="alice", room="asso")
    await web.say("/poll Pizza? | Yes | No", member="alice", room="asso")
    await roll(web, "Odile Martin")

    replies = await web.say("/vote-links 1", member="alice", room="asso")

    assert any("are in your private chat with the bot" in r for r in replies), replies
    _room, attachment = last_file(web)
    assert "vote-links-1.csv" == attachment.filename
    assert ["name", "link", "status"] == rows_of(attachment, ",")[0]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/liens-vote", "Donnez le numéro du sondage"),
        ("/liens-vote Pizza", "Donnez le numéro du sondage"),
        ("/liens-vote 99", "Il n'y a pas de sondage n°99 ici."),
        ("/liens-vote 99999999999999999999999", "n’est pas un nombre"),
        ("/liens-vote 1 n'importe quoi", "Donnez le numéro du sondage"),
        ("/liens-vote 1 revoquer", "Dites quel lien révoquer"),
        ("/liens-vote 1 revoquer Personne", "Aucun lien de vote en cours pour le n°1"),
    ],
)
async def test_bad_input_gets_a_clear_answer(web: Harness, command: str, expected: str) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin")

    replies = await web.say(command, member="alice", room="asso")

    assert expected in replies[0], replies
    assert not web.app.store.web.active("vote", 1, 1)


async def test_refusals(web: Harness) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await web.say("bonjour", member="bob", room="asso")
    replies = await web.say("/liens-vote 1", member="alice", room="asso")
    assert "Ajoutez les noms des membres hors messagerie avec /membres ajouter" in replies[0]

    await roll(web, "Odile Martin")
    replies = await web.say("/liens-vote 1", member="bob", room="asso")
    assert ["Seuls les organisateurs peuvent utiliser /liens_vote."] == replies

    await web.say("/sondage Autre ? | A | B", member="alice", room="club")
    replies = await web.say("/liens-vote 2", member="alice", room="asso")
    assert ["Il n'y a pas de sondage n°2 ici."] == replies

    await web.say("/cloturer 1", member="alice", room="asso")
    replies = await web.say("/liens-vote 1", member="alice", room="asso")
    assert replies[0].startswith("Le n°1 est clôturé")
    assert not web.app.store.web.active("vote", 1, 1)


async def test_no_private_chat_no_links(web: Harness) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin")

    async def nowhere(member_key: str) -> str | None:
        return None

    web.app.services.private_room = nowhere
    replies = await web.say("/liens-vote 1", member="alice", room="asso")

    assert replies[0].startswith("Ces liens sont secrets"), replies
    assert not web.app.store.web.active("vote", 1, 1)
    assert all(s.out.attachment is None for s in web.sent)


async def test_web_page_off(tmp_path: Path) -> None:
    bot = await Harness.start(make_config(tmp_path))
    try:
        await bot.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
        await roll(bot, "Odile Martin")
        replies = await bot.say("/liens-vote 1", member="alice", room="asso")
    finally:
        await bot.stop()
    assert replies[0].startswith("La page web est désactivée")
    assert "[web] enabled = true" in replies[0] and "public_url" in replies[0]


async def test_hostile_names_are_inert_in_the_csv_and_on_the_page(web: Harness) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    names = ['=HYPERLINK("http://evil")', "@SUM(1+1)*cmd", "<b>Zoé</b> & co", "Ali\u202egnirts"]
    await roll(web, *names)

    found = await links(web, "/liens-vote 1")

    cells = [row[0] for row in rows_of(last_file(web)[1])[1:]]
    assert 4 == len(cells), cells
    assert '\'=HYPERLINK("http://evil")' in cells
    assert "'@SUM(1+1)*cmd" in cells
    html_link = next(link for name, link in found.items() if "Zoé" in name)
    ballot = Ballot(web, html_link)
    status, _page = await ballot.get()
    assert 200 == status
    assert "&lt;b&gt;Zoé&lt;/b&gt; &amp; co" in ballot.raw
    assert "<b>Zoé" not in ballot.raw
    rtl = next(name for name in found if name.startswith("Ali"))
    assert "\u202e" not in rtl  # the bidi override is dropped from the name


async def test_a_chat_members_hostile_display_name_is_inert(web: Harness) -> None:
    await web.say("bonjour", member="=cmd|' /C calc'!A0", room="asso")
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")

    found = await links(web, "/liens-vote 1 tous")

    cells = [row[0] for row in rows_of(last_file(web)[1])[1:]]
    assert any(c.startswith("'=") for c in cells), cells
    assert not any(c.startswith("=") for c in cells)
    assert 2 == len(found)


async def test_oubliemoi_removes_the_members_links(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    link = (await links(web, "/liens-vote 1 tous"))["Bob"]
    assert 200 == (await Ballot(web, link).get())[0]

    await web.say("/oubliemoi", member="bob", room="asso")
    await web.tap(1, member="bob", room="asso")

    assert 404 == (await Ballot(web, link).get())[0]
    assert ["console:alice"] == [t.person_key for t in web.app.store.web.active("vote", 1, 1)]


async def test_a_private_message_that_fails_leaves_no_live_link(web: Harness) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin")
    original = web.app.services.send

    async def blocked(room_key: str, out: Outgoing) -> Delivery:
        if room_key.endswith("dm-alice"):
            return Delivery(room_key, error="blocked")
        return await original(room_key, out)

    web.app.services.send = blocked
    replies = await web.say("/liens-vote 1", member="alice", room="asso")

    assert replies[0].startswith("Je n'ai pas pu vous envoyer les liens en privé"), replies
    assert not web.app.store.web.active("vote", 1, 1)


async def test_asked_in_a_private_chat_is_refused_even_to_the_polls_creator(
    web: Harness,
) -> None:
    """A private chat makes everyone "organizer" of their own things: the file of every
    member's links must come from an organizer of the poll's room, asked in the group."""
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin")

    lines = await web.say_lines("/liens-vote 1", member="alice", room="dm-alice")

    assert ["dm-alice"] == [line.room for line in lines]
    assert lines[0].text.startswith("Les liens de vote personnels sont donnés par un organisateur")
    assert [] == [s for s in web.sent if s.out.attachment is not None]
    await web.say("/sondage Frites ? | Oui | Non", member="bob", room="asso")
    refused = await web.say("/liens-vote 2", member="bob", room="asso")
    assert ["Seuls les organisateurs peuvent utiliser /liens_vote."] == refused
    assert [] == [s for s in web.sent if s.out.attachment is not None]


async def test_revoke_by_first_name_when_it_is_unique(web: Harness) -> None:
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    await roll(web, "Odile Martin", "Paul Durand", "Paul Morel")
    given = await links(web, "/liens-vote 1")

    replies = await web.say("/liens-vote 1 revoquer Odile", member="alice", room="asso")
    ambiguous = await web.say("/liens-vote 1 revoquer paul", member="alice", room="asso")

    assert [
        "Lien de vote pour le n°1 révoqué (Odile Martin) ; /liens_vote 1 en crée un nouveau."
    ] == replies
    assert [
        "Plusieurs liens de vote du n°1 correspondent à « paul » : Paul Durand, Paul Morel. "
        "Écrivez le nom en entier."
    ] == ambiguous
    assert 404 == (await Ballot(web, given["Odile Martin"]).get())[0]
    assert 200 == (await Ballot(web, given["Paul Durand"]).get())[0]
    assert 200 == (await Ballot(web, given["Paul Morel"]).get())[0]


async def test_a_motion_voted_by_link_counts_the_roll_in_its_quorum(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("/motion Adhésion à la fédération | quorum 50%", member="alice", room="asso")
    await roll(web, "Odile Martin", "Paul Durand", "Jeanne Roux")  # 5 on the roll
    given = await links(web, "/liens-vote 1")
    await Ballot(web, given["Odile Martin"]).vote("for")

    replies = await web.say("/cloturer 1", member="alice", room="asso")

    text = "\n".join(replies)
    assert "1 sur 5 membres" in text, text
    assert "Adoptée" not in text


async def test_a_chat_member_is_told_in_private_when_their_link_votes(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("/sondage Pizza ? | Oui | Non", member="alice", room="asso")
    everyone = await links(web, "/liens-vote 1 tous")

    await Ballot(web, everyone["Bob"]).vote("1")

    told = [line.text for line in web.console.lines if line.room == "dm-bob"]
    assert [
        "Votre vote au sondage n°1 vient d’être donné avec votre lien de vote personnel, sur la "
        "page web. Si ce n’était pas vous, prévenez les organisateurs : ils révoquent le lien "
        "avec /liens_vote 1 revoquer."
    ] == told
    assert "vient d’être donné" not in group_text(web)
