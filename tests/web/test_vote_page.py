"""The voting page of a personal link: a vote there is a chat vote (one ballot per member,
secret ballots, the poll message edited in the chat), in French and English, and every
forged form a clear answer, never a 500."""

from __future__ import annotations

import re
from datetime import timedelta

from storage.polls import MAYBE, YES
from tests.harness import Harness
from tests.polls.helpers import poll_line
from tests.web.test_vote_links import Ballot, links, roll, web

__all__ = ["web"]  # the fixture, shared


def checked(page: str) -> list[str]:
    """The values of the inputs checked on a page."""
    return re.findall(r'value="([^"]+)" checked>', page)


async def odile(bot: Harness, command: str) -> Ballot:
    """Odile Martin (on the roll, no chat account) with her link to vote 1."""
    await bot.say(command, member="alice", room="asso")
    await roll(bot, "Odile Martin")
    return Ballot(bot, (await links(bot, "/liens-vote 1"))["Odile Martin"])


async def test_vote_in_a_poll_then_change_it(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")

    status, page = await ballot.get()
    assert 200 == status
    assert "Sondage n°1 : Pizza ?" in page
    assert "Bulletin : Odile Martin" in page
    assert "Choisissez une option." in page
    assert "Vote public : votre nom sera affiché avec votre vote" in page
    assert '<input type="radio" id="choice-2" name="choice" value="2">' in page
    assert '<label for="choice-2">Calzone</label>' in page
    assert [] == checked(page)

    status, page = await ballot.vote("2")
    assert 200 == status
    assert '<p class="confirmation" role="status">Votre vote est enregistré. Merci.</p>' in page
    assert "Votre vote actuel : Calzone." in page
    assert ["2"] == checked(page)

    await web.advance(timedelta(seconds=2))  # the debounced edit of the poll message
    assert "2. Calzone\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Odile Martin" in poll_line(web).text

    status, page = await ballot.vote("1", query="?lang=en")
    assert 200 == status
    assert '<html lang="en">' in page
    assert "Your vote is recorded. Thank you." in page
    assert "Your current vote: Reine." in page
    await web.advance(timedelta(seconds=2))
    text = poll_line(web).text
    assert "1. Reine\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Odile Martin" in text
    assert "1 votant" in text
    # The page records no room member: Odile stays a name on the roll only.
    assert web.app.store.members.last_seen("console:asso", "roll:1") is None
    entry = next(e for e in web.app.store.assembly.roll(1) if e.name == "Odile Martin")
    assert ("roll:1", ()) == (entry.key, entry.platforms)
    record = web.app.store.web.active("vote", 1, 1)[0]
    assert record.used_at is not None


async def test_vote_on_a_motion(web: Harness) -> None:
    ballot = await odile(web, "/motion Budget 2027")

    status, page = await ballot.get()
    assert "Motion n°1 : Budget 2027" in page
    assert '<label for="choice-for">Pour</label>' in page
    assert 'value="blank"' in page
    assert "Répondez pour, contre, abstention ou blanc." in page
    assert "Règles :" in page

    status, page = await ballot.vote("against")
    assert "Votre vote actuel : Contre." in page
    await web.advance(timedelta(seconds=2))
    assert "Odile Martin" in poll_line(web).text

    status, page = await ballot.vote("pour")
    assert 400 == status
    assert (
        '<p class="error" role="alert">« pour » n\'est pas une réponse à cette motion.</p>' in page
    )


async def test_vote_in_a_secret_election_with_two_seats(web: Harness) -> None:
    ballot = await odile(web, "/election Bureau | 2 postes | Paul | Sophie | Yannick")

    status, page = await ballot.get()
    assert "Élection n°1 : Bureau (2 postes, tour 1)" in page
    assert "Choisissez jusqu'à 2 candidats, ou le vote blanc." in page
    assert "Vote à bulletin secret" in page
    assert '<input type="checkbox" id="choice-4" name="choice" value="4">' in page
    assert '<label for="choice-4">Vote blanc</label>' in page

    status, page = await ballot.vote("1", "2", "3")
    assert 400 == status
    assert "Choisissez au plus 2 candidats." in page
    assert ["1", "2", "3"] == checked(page)  # the ticks stay, to untick one
    status, page = await ballot.vote("1", "4")
    assert 409 == status
    assert "Un vote blanc se donne seul" in page

    status, page = await ballot.vote("1", "3")
    assert 200 == status
    assert "Votre bulletin secret est compté. Merci." in page
    assert "Vous avez voté à ce scrutin secret" in page
    assert "<form" not in page
    assert [] == checked(page)
    assert {(1, YES): 1, (3, YES): 1} == web.app.store.polls.counts(1)
    assert web.app.store.polls.ballot_of(1, "roll:1") in (None, {})

    status, page = await ballot.vote("2")  # an old form sent again
    assert 409 == status
    assert "vote secret ne peut pas être modifié" in page
    assert {(1, YES): 1, (3, YES): 1} == web.app.store.polls.counts(1)


async def test_a_link_and_a_chat_vote_of_one_member_count_once(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")
    link = (await links(web, "/liens-vote 1 tous"))["Bob"]
    await web.say("/vote 1", member="bob", room="asso")

    _status, page = await Ballot(web, link).get()
    assert "Votre vote actuel : Reine." in page
    await Ballot(web, link).vote("2")
    await web.advance(timedelta(seconds=2))

    assert 1 == web.app.store.polls.voter_count(1)
    assert {2: YES} == web.app.store.polls.ballot_of(1, "console:bob")
    assert "2. Calzone\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Bob" in poll_line(web).text


async def test_secret_ballot_voted_in_chat_then_by_link_is_refused(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("/sondage Bureau ? | Paul | Sophie | secret", member="alice", room="asso")
    link = (await links(web, "/liens-vote 1 tous"))["Bob"]
    await web.say("/voter 1 1", member="bob", room="dm-bob")

    _status, page = await Ballot(web, link).get()
    assert "Vous avez voté à ce scrutin secret" in page
    assert "<form" not in page
    assert "Paul" not in page.split("Vous avez voté")[1]  # never what
    assert 1 == web.app.store.polls.voter_count(1)


async def test_closed_poll_shows_its_result_and_refuses_votes(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await ballot.get()  # the form, sent after the close
    await web.say("/vote 2", member="bob", room="asso")
    await web.say("/cloturer 1", member="alice", room="asso")

    status, page = await ballot.get()
    assert 200 == status
    assert "Ce vote a été clôturé le" in page
    assert "Résultat : Calzone (1 voix)." in page
    assert "<form" not in page
    status, page = await ballot.post([("choice", "1")])
    assert 409 == status
    assert '<p class="error" role="alert">Le sondage n°1 est clôturé' in page
    assert "<form" not in page
    assert 1 == web.app.store.polls.voter_count(1)


async def test_forged_forms_get_clear_answers(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone | Olives | au plus 2")
    cases = [
        ([], "Choisissez une option avant d'envoyer."),
        ([("choice", "9")], "« 9 » n'est pas une des options (1 à 3)."),
        ([("choice", "0")], "« 0 » n'est pas une des options (1 à 3)."),
        ([("choice", "-1")], "« -1 » n'est pas une des options (1 à 3)."),
        ([("choice", "abc")], "« abc » n'est pas une des options (1 à 3)."),
        ([("choice", "２")], "« ２ » n'est pas une des options (1 à 3)."),
        ([("choice", "<script>")], "« <script> » n'est pas une des options"),
        ([("choice", "1"), ("choice", "2"), ("choice", "3")], "Choisissez au plus 2 options."),
        ([("choice", "1")] * 40, ""),  # the same box forty times: one choice
        ([("choice", str(i)) for i in range(1, 41)], "« 4 » n'est pas une des options (1 à 3)."),
        ([("choice", "1")] * 61, "Ce bulletin contient plus de choix que le vote n'a d'options."),
        ([("choice", "9" * 12_000)], "« 99999999999999999999999… » n'est pas une des options"),
        ([("other", "1")], "Choisissez une option avant d'envoyer."),
    ]
    for fields, expected in cases:
        status, page = await ballot.post(fields)
        if not expected:
            assert 200 == status
            continue
        assert 400 == status, (fields[:2], status)
        assert f'<p class="error" role="alert">{expected}' in page, (fields[:2], page)
        assert "<form" in page  # the ballot again
        assert "<script>" not in ballot.raw
    assert 1 == web.app.store.polls.voter_count(1)
    status, page = await ballot.post([("choice", "1")], csrf=False)
    assert 403 == status


async def test_proxies_held_are_said(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("/motion Budget 2027", member="alice", room="asso")
    link = (await links(web, "/liens-vote 1 tous"))["Bob"]
    await web.say("/procuration @bob", member="carol", room="asso")

    _status, page = await Ballot(web, link).get()

    assert "Vous votez aussi pour : Carol." in page


async def test_a_date_poll_slot_by_slot(web: Harness) -> None:
    ballot = await odile(web, "/quand Réunion ? | lun 7/12 18h | mar 8/12 18h | jeu 10/12 19h")

    status, page = await ballot.get()
    assert "Pour chaque date, dites si elle vous convient." in page
    assert '<label for="slot2-maybe">Peut-être</label>' in page

    status, page = await ballot.post([("slot1", "yes"), ("slot2", "maybe")])
    assert 200 == status
    assert {1: YES, 2: MAYBE} == web.app.store.polls.ballot_of(1, "roll:1")
    assert ["yes", "maybe", "no"] == checked(page)
    status, page = await ballot.post([("slot1", "yes"), ("slot1", "no")])
    assert 400 == status and "Donnez une réponse par date." in page
    status, page = await ballot.post([("slot3", "sometimes")])
    assert 400 == status and "« sometimes » n'est pas une réponse pour une date." in page


async def test_a_name_taken_off_the_roll_has_no_vote_left(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await web.say("/membres retirer Odile Martin", member="alice", room="asso")

    status, page = await ballot.get()

    assert status >= 400
    assert "Ce lien ne fonctionne pas (ou plus)" in page


async def test_a_name_tied_to_a_chat_account_votes_as_that_account(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await web.say("bonjour", member="odile", room="asso")
    assert web.app.store.assembly.tie(1, 1, "console:odile")

    await ballot.vote("1")
    await web.say("/vote 1 2", member="odile", room="asso")

    assert 1 == web.app.store.polls.voter_count(1)
    assert {2: YES} == web.app.store.polls.ballot_of(1, "console:odile")
    _status, page = await ballot.get()
    assert "Votre vote actuel : Calzone." in page


async def test_at_an_assembly_only_a_voice_votes_by_link(web: Harness) -> None:
    web.organizer("alice")
    await web.say(
        "/ag convoquer 12 janvier 19h | Salle | ordre du jour: Rapport moral",
        member="alice",
        room="asso",
    )
    await web.say("/ag ouvrir", member="alice", room="asso")
    await roll(web, "Odile Martin", "Paul Durand")
    await web.say("/present Odile Martin", member="alice", room="asso")
    await web.say("/ag suivant", member="alice", room="asso")
    found = await links(web, "/liens-vote 1")

    status, page = await Ballot(web, found["Odile Martin"]).vote("for")
    assert 200 == status
    assert "Votre vote actuel : Pour." in page
    status, page = await Ballot(web, found["Paul Durand"]).get()  # told before filling it
    assert 200 == status and "<form" not in page
    assert "Seuls les membres présents ou représentés à l'assemblée votent" in page
    await web.advance(timedelta(seconds=2))
    assert 1 == web.app.store.polls.voter_count(1)
    assert "1. Pour\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Odile Martin" in poll_line(web).text


async def test_a_link_vote_before_the_tie_and_a_chat_vote_after_count_once(web: Harness) -> None:
    ballot = await odile(web, "/sondage Pizza ? | Reine | Calzone")
    await ballot.vote("1")
    await web.say("bonjour", member="odile", room="asso")
    assert web.app.store.assembly.tie(1, 1, "console:odile")

    await web.say("/vote 1 2", member="odile", room="asso")

    assert 1 == web.app.store.polls.voter_count(1)


async def test_a_proxy_holder_casts_each_voice_of_a_secret_election(web: Harness) -> None:
    await web.say("bonjour", member="bob", room="asso")
    await web.say("bonjour", member="carol", room="asso")
    await web.say("/procuration @bob", member="carol", room="asso")
    await web.say("/election Trésorerie | Martine | Yannick", member="alice", room="asso")
    ballot = Ballot(web, (await links(web, "/liens-vote 1 tous"))["Bob"])

    status, page = await ballot.get()
    assert 200 == status
    assert "Vous votez aussi pour : Carol." in page
    assert '<input type="radio" id="choice-1" name="choice" value="1">' in ballot.raw
    status, page = await ballot.vote("1")
    assert 200 == status
    assert "Votre bulletin secret est compté." in page
    assert "Il vous reste 1 voix à donner : votez encore, une fois par voix." in page
    assert "<form" in page
    _status, page = await ballot.vote("2")
    assert "Vous avez voté à ce scrutin secret" in page
    assert "<form" not in page
    assert 2 == web.app.store.polls.voter_count(1)
    assert {(1, YES): 1, (2, YES): 1} == web.app.store.polls.counts(1)
