"""Hostile review of the web page (issue 16): what a member holding one link, someone on the
internet with no token, or a careless organizer can do. Each xfail is a finding (see
/tmp/hostile/WEB_REPORT.md); the plain tests are checks that held and guard against
regressions."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from bot.message import Delivery, Outgoing
from bot.web.server import RateLimiter, client_address
from storage.polls import YES
from tests.harness import Harness
from tests.polls.helpers import poll_line
from tests.web.archive_kit import archive, start
from tests.web.test_vote_links import Ballot, group_text, links, links_in, roll, web

__all__ = ["web"]  # the fixture, shared

PUBLIC = "https://asso.example.org"


async def odile(bot: Harness, command: str) -> Ballot:
    """Odile Martin (on the roll, no chat account) with her link to vote 1."""
    await bot.say(command, member="alice", room="asso")
    await roll(bot, "Odile Martin")
    return Ballot(bot, (await links(bot, "/liens-vote 1"))["Odile Martin"])


def path_of(bot: Harness, ballot: Ballot) -> str:
    assert bot.app.web is not None
    return ballot.url[len(bot.app.web.base_url) :]


async def request(bot: Harness, method: str, path: str, **options: object) -> tuple[int, str]:
    """One raw request to the bot's web server (no redirect followed)."""
    assert bot.app.web is not None
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method, bot.app.web.base_url + path, allow_redirects=False, **options
        ) as answer,
    ):
        return answer.status, await answer.text(errors="replace")


def peer(address: str) -> mock.Mock:
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda key, default=None: (
        (address, 40000) if key == "peername" else default
    )
    return transport


def pin_the_minute(bot: Harness) -> None:
    """Every request of the test in one rate-limit window (no minute boundary mid-test)."""
    assert bot.app.web is not None
    bot.app.web.by_address.clock = lambda: 0.0
    bot.app.web.by_token.clock = lambda: 0.0


@pytest.fixture
async def bot(tmp_path: Path):  # type: ignore[no-untyped-def]
    harness = await start(tmp_path)
    yield harness
    await harness.stop()


# Findings ------------------------------------------------------------------------------------


async def test_a_plain_member_cannot_get_other_members_voting_links(web: Harness) -> None:
    await web.say("bonjour", member="carol", room="asso")
    await web.say("/sondage Pizza ? | Oui | Non", member="bob", room="asso")
    await roll(web, "Odile Martin")
    refused_in_group = await web.say("/liens-vote 1 tous", member="bob", room="asso")
    assert refused_in_group[0].startswith("Seuls les organisateurs")  # holds in the group

    before = len(web.sent)
    await web.say("/liens-vote 1 tous", member="bob", room="dm-bob")
    sent = [s for s in web.sent[before:] if s.out.attachment is not None]
    carol = links_in(sent[0].out.attachment).get("Carol") if sent else None  # type: ignore[arg-type]
    if carol is not None:  # what Bob can then do: vote as Carol, under her name
        await Ballot(web, carol).vote("2")
        await web.advance(timedelta(seconds=2))
        assert "— Carol" not in poll_line(web).text
    assert [] == sent, "Bob (not an organizer) received the voting links of every member"
    assert [] == web.app.store.web.active("vote", 1, 1)


async def test_an_organizer_cannot_read_a_chat_members_anonymous_vote_through_a_link(
    web: Harness,
) -> None:
    await web.say("/sondage Pizza ? | Reine | Calzone | anonyme", member="alice", room="asso")
    await web.say("/vote 1 2", member="bob", room="asso")  # Bob votes in the chat, anonymously
    await web.advance(timedelta(seconds=2))
    assert "Bob" not in poll_line(web).text  # the chat keeps his choice hidden

    found = await links(web, "/liens-vote 1 tous")  # Alice, an organizer
    if "Bob" in found:
        _status, page = await Ballot(web, found["Bob"]).get()
        assert "Calzone" not in page.split("Votre choix")[0], "Bob's anonymous choice is shown"
        assert "Votre vote actuel : Calzone." not in page


async def test_one_client_hammering_the_archive_does_not_lock_out_the_other_members(
    bot: Harness,
) -> None:
    given = await archive(bot)
    path = given.archive[len(PUBLIC) :]
    pin_the_minute(bot)
    assert bot.app.web is not None
    limit = bot.app.web.config.requests_per_minute
    statuses = [
        (await request(bot, "GET", path, headers={"X-Forwarded-For": "203.0.113.7"}))[0]
        for _ in range(limit + 10)
    ]
    assert 429 in statuses  # the hammering client is slowed down: fine

    status, _page = await request(bot, "GET", path, headers={"X-Forwarded-For": "198.51.100.9"})

    assert 200 == status, "another member, from another address, is refused the archive"


async def test_archive_never_posts_the_addresses_in_the_group(bot: Harness) -> None:
    original = bot.app.services.send

    async def blocked(room_key: str, out: Outgoing) -> Delivery:
        if room_key.endswith("dm-alice"):
            return Delivery(room_key, error="blocked")
        return await original(room_key, out)

    bot.app.services.send = blocked
    await bot.say("/archive", member="alice", room="asso")

    shown = group_text(bot)
    assert "/archive/" not in shown, shown
    assert "agenda.ics" not in shown, shown


async def test_a_voting_link_survives_linking_the_room_to_another_association(
    web: Harness,
) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await web.say("bonjour", member="alice", room="bureau")
    assert web.app.store.rooms.link("console:bureau", "console:asso")  # as /lier does

    status, _page = await ballot.get()
    assert 200 == status, "Odile's link stopped working while poll 1 is still open"
    status, page = await ballot.vote("2")
    assert 200 == status
    assert "Votre vote actuel : Calzone." in page


async def test_the_archive_address_survives_linking_the_room_to_another_association(
    bot: Harness,
) -> None:
    given = await archive(bot)
    await bot.say("bonjour", member="alice", room="bureau")
    assert bot.app.store.rooms.link("console:bureau", "console:asso")

    status, _page = await request(bot, "GET", given.archive[len(PUBLIC) :])
    feed, _text = await request(bot, "GET", given.agenda[len(PUBLIC) :])

    assert (200, 200) == (status, feed)


async def test_oubliemoi_of_a_member_tied_to_a_roll_name_removes_their_link(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await web.say("bonjour", member="odile", room="asso")
    assert web.app.store.assembly.tie(1, 1, "console:odile")
    await ballot.vote("1")

    await web.say("/oubliemoi", member="odile", room="asso")
    await web.tap(1, member="odile", room="asso")

    assert "Odile Martin" not in [e.name for e in web.app.store.assembly.roll(1)]
    assert [] == [t.name for t in web.app.store.web.active("vote", 1, 1)]
    assert 404 == (await ballot.get())[0]


async def test_a_link_of_a_name_taken_off_the_roll_answers_as_a_revoked_one(
    web: Harness,
) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await web.say("/membres retirer Odile Martin", member="alice", room="asso")

    status, page = await ballot.get()

    assert "Ce lien ne fonctionne pas (ou plus)" in page
    assert 404 == status


async def test_members_voting_from_one_address_at_an_assembly_are_not_refused(
    web: Harness,
) -> None:
    await web.say("/sondage Budget ? | Oui | Non", member="alice", room="asso")
    await roll(web, *[f"Membre {n}" for n in range(60)])
    found = await links(web, "/liens-vote 1")
    pin_the_minute(web)

    statuses: list[int] = []
    for link in found.values():  # each opens the page, votes, reads the confirmation
        ballot = Ballot(web, link)
        statuses.append((await ballot.get())[0])
        path = path_of(web, ballot)
        data = {"choice": "1", "csrf": ballot.csrf}
        statuses.append((await request(web, "POST", path, data=data))[0])
        statuses.append((await request(web, "GET", path + "?done=1"))[0])

    assert 180 == len(statuses)
    assert [] == [s for s in statuses if s == 429], "members refused with 429"
    assert 60 == web.app.store.polls.voter_count(1)


async def test_a_form_that_is_not_utf8_gets_a_clear_page_not_a_500(
    web: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await ballot.get()
    caplog.set_level(logging.DEBUG)
    assert web.app.web is not None
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            web.app.web.base_url + path_of(web, ballot),
            data=b"\xff\xfe=1&csrf=" + ballot.csrf.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as answer,
    ):
        status, headers = answer.status, answer.headers

    assert [] == [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "default-src 'none'" in headers.get("Content-Security-Policy", "")
    assert status in (400, 403)


async def test_the_stylesheet_is_cached_by_the_browser(web: Harness) -> None:
    assert web.app.web is not None
    async with (
        aiohttp.ClientSession() as http,
        http.get(web.app.web.base_url + "/static/style.css") as answer,
    ):
        assert 200 == answer.status
        assert "max-age" in answer.headers.get("Cache-Control", "")


async def test_answers_do_not_name_the_server_software_versions(web: Harness) -> None:
    assert web.app.web is not None
    async with (
        aiohttp.ClientSession() as http,
        http.get(web.app.web.base_url + "/v/unknown") as answer,
    ):
        assert 404 == answer.status
        assert "aiohttp/" not in answer.headers.get("Server", "")


def test_a_flood_of_addresses_does_not_refuse_a_new_members_first_request() -> None:
    limiter = RateLimiter(5, clock=lambda: 0.0)
    limiter.MAX_KEYS = 10  # the real table holds 100,000: the same at a smaller scale
    for number in range(10):
        assert limiter.allow(f"2001:db8::{number}")

    assert limiter.allow("198.51.100.9"), "a member's first request of the minute is refused"


async def test_the_address_limit_holds_for_one_ipv6_host_rotating_its_addresses(
    web: Harness,
) -> None:
    pin_the_minute(web)
    assert web.app.web is not None
    limit = web.app.web.config.requests_per_minute
    statuses = [
        (
            await request(
                web, "GET", "/static/style.css", headers={"X-Forwarded-For": f"2001:db8::{n:x}"}
            )
        )[0]
        for n in range(1, limit + 10)
    ]
    assert 429 in statuses


# Checks that held ----------------------------------------------------------------------------


async def test_a_line_break_in_an_event_or_reminder_opens_no_calendar_entry(bot: Harness) -> None:
    from icalendar import Calendar

    await bot.say(
        "/evenement Fête\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwn le 9 janvier à 19h"
        " | Salle\r\nATTACH:http://evil.example",
        member="alice",
        room="asso",
    )
    await bot.say("/rappel chaque jour à 9h Café\r\nEND:VEVENT", member="alice", room="asso")
    given = await archive(bot)
    assert bot.app.web is not None
    async with (
        aiohttp.ClientSession() as http,
        http.get(bot.app.web.base_url + given.agenda[len(PUBLIC) :]) as answer,
    ):
        text = await answer.text()

    entries = Calendar.from_ical(text).walk("VEVENT")
    assert 2 == len(entries)
    assert "ATTACH" not in [key for entry in entries for key in entry]
    assert 2 == text.split("\r\n").count("BEGIN:VEVENT")


async def test_forged_choices_are_refused_and_the_vote_stays(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await ballot.vote("1")
    for values in (["-1"], ["١"], ["99999999999"], ["0"], ["+1"], ["01", "1"], ["3"], ["2"] * 61):
        status, page = await ballot.post([("choice", v) for v in values])
        assert 400 == status, values
        assert "Votre vote actuel : Reine." in page, values
    status, _page = await ballot.post([("choice", "2")] * 2000)  # beyond the 16 KiB body
    assert 413 == status
    assert {1: YES} == web.app.store.polls.ballot_of(1, "roll:1")


async def test_a_form_token_of_another_link_or_none_is_refused(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await roll(web, "Paul Durand")
    paul = Ballot(web, (await links(web, "/liens-vote 1"))["Paul Durand"])
    await paul.get()
    await ballot.get()

    another = await request(
        web, "POST", path_of(web, ballot), data={"choice": "1", "csrf": paul.csrf}
    )
    as_json = await request(
        web, "POST", path_of(web, ballot), json={"choice": "1", "csrf": ballot.csrf}
    )

    assert 403 == another[0]
    assert 403 == as_json[0]
    assert web.app.store.polls.ballot_of(1, "roll:1") in (None, {})


async def test_odd_paths_and_methods_get_the_not_found_page_never_a_500(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    path = path_of(web, ballot)
    for method, asked in [
        ("GET", "/v/"),
        ("GET", "/v/%00"),
        ("GET", "/archive/../"),
        ("GET", "/v/" + "A" * 5000),
        ("GET", "/static/../bot/config.py"),
        ("GET", "/static/%2e%2e/server.py"),
        ("GET", path.upper()),
        ("PUT", path),
        ("OPTIONS", path),
        ("DELETE", path),
    ]:
        status, page = await request(web, method, asked)
        assert 404 == status, (method, asked)
        assert "Traceback" not in page
    status, page = await request(web, "GET", path + "?lang=xx&lang=en&lang[]=en")
    assert 200 == status


async def test_a_link_of_a_deleted_poll_opens_no_later_poll(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await web.say("/sondage supprimer 1", member="alice", room="asso")
    await web.say("/sondage Exclure Paul ? | Oui | Non", member="alice", room="asso")

    status, page = await ballot.get()

    assert 404 == status
    assert "Exclure Paul" not in page


async def test_a_removed_names_link_never_votes_as_the_next_name_added(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await web.say("/membres retirer Odile Martin", member="alice", room="asso")
    await roll(web, "Paul Durand")

    status, page = await ballot.get()

    assert status in (404, 409)
    assert "Paul Durand" not in page
    assert "<form" not in page


def test_x_forwarded_for_is_ignored_from_a_peer_that_is_not_the_proxy() -> None:
    spoofed = make_mocked_request(
        "GET", "/", headers={"X-Forwarded-For": "1.2.3.4"}, transport=peer("203.0.113.5")
    )
    proxied = make_mocked_request(
        "GET",
        "/",
        headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.9"},
        transport=peer("127.0.0.1"),
    )

    assert "203.0.113.5" == client_address(spoofed)
    assert "198.51.100.9" == client_address(proxied)


async def test_texts_of_members_are_escaped_on_the_vote_page(web: Harness) -> None:
    evil = "<script>alert(1)</script><img src=x onerror=1>\"'"
    await web.say(f"/sondage Q{evil} ? | A{evil} | B", member="alice", room="asso")
    await roll(web, f"Odile{evil}")
    ballot = Ballot(web, next(iter((await links(web, "/liens-vote 1")).values())))

    for status, _page in (await ballot.get(), await ballot.vote("1")):
        assert 200 == status
        assert "<script" not in ballot.raw and "<img" not in ballot.raw
        assert "&lt;script&gt;" in ballot.raw


async def test_no_token_reaches_a_log_line(web: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    token = ballot.url.rsplit("/", 1)[1]
    await ballot.vote("1")
    await ballot.vote("9")
    await request(web, "GET", f"/v/{token}/x")
    await request(web, "GET", f"/v/{token}?" + "q" * 70_000)
    await web.say("/archive", member="alice", room="asso")

    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert token not in text, record.name
        assert not re.search(r"/(archive|agenda)/[A-Za-z0-9_-]{8,}", text), record.name
