"""Polls through the console: /sondage, /vote, taps, /quand, /motion, /procuration, deadlines,
closing, the register — in French and English."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.console import Line
from bot.message import Delivery, Outgoing, Room, Vote
from tests.harness import START, Harness, make_config

POLL_ICONS = ("📊", "📅", "🗳")


def poll_line(bot: Harness, room: str = "asso") -> Line:
    """The latest poll message shown in a room (edits change it in place)."""
    for line in reversed(bot.console.lines):
        if line.room == room and not line.notice and line.text.startswith(POLL_ICONS):
            return line
    raise AssertionError(f"no poll message in {room}")


async def tap(bot: Harness, number: int, member: str, room: str = "asso") -> list[str]:
    """``member`` taps button ``number`` of the latest message with buttons; what got shown."""
    bot.console.state.member = member
    bot.console.state.room = room
    press = bot.console.tap(number)
    assert press is not None
    start = len(bot.console.lines)
    await bot.app.press(press)
    return [line.text for line in bot.console.lines[start:]]


async def settle(bot: Harness) -> None:
    """Let the debounced edit of the poll message happen."""
    await bot.advance(timedelta(seconds=1))


def capture_sends(bot: Harness) -> list[Outgoing]:
    sent: list[Outgoing] = []
    original = bot.app.services.send

    async def send(room_key: str, out: Outgoing) -> Delivery:
        sent.append(out)
        return await original(room_key, out)

    bot.app.services.send = send
    return sent


def count_edits(bot: Harness) -> list[str]:
    edited: list[str] = []
    original: Callable[[str, str, Outgoing], Awaitable[Delivery]] = bot.app.services.edit

    async def edit(room_key: str, message_id: str, out: Outgoing) -> Delivery:
        edited.append(message_id)
        return await original(room_key, message_id, out)

    bot.app.services.edit = edit
    return edited


# Creating -----------------------------------------------------------------------------------


async def test_sondage_posts_question_options_and_buttons(bot: Harness) -> None:
    replies = await bot.say(
        "/sondage Où fait-on la fête ? | Salle des fêtes | Chez Paul | Au parc"
    )

    assert replies[0].startswith("📊 Sondage n°1 : Où fait-on la fête ?\n1. Salle des fêtes\n")
    assert "Votez avec les boutons, ou tapez /voter 1 N." in replies[0]
    line = poll_line(bot)
    assert [
        ("1. Salle des fêtes", "poll:1:1"),
        ("2. Chez Paul", "poll:1:2"),
        ("3. Au parc", "poll:1:3"),
    ] == [(b.label, b.data) for row in line.buttons for b in row]


async def test_poll_in_english(bot: Harness) -> None:
    await bot.say("/language en")

    replies = await bot.say("/poll Where shall we party? | Village hall | The park")

    assert replies[0].startswith("📊 Poll #1: Where shall we party?\n1. Village hall\n")
    assert "0 voters · names shown" in replies[0]
    assert "Vote with the buttons, or type /vote 1 N." in replies[0]


async def test_poll_carries_a_native_poll_with_the_same_answers(bot: Harness) -> None:
    sent = capture_sends(bot)

    await bot.say("/sondage Pizza ? | Reine | Quatre fromages | Calzone | au plus 2")

    spec = sent[0].poll
    assert spec is not None
    assert ("Pizza ?", 2, True) == (spec.question, spec.max_selections, spec.disclosed)
    assert [("Reine", "poll:1:1"), ("Quatre fromages", "poll:1:2"), ("Calzone", "poll:1:3")] == [
        (a.label, a.data) for a in spec.answers
    ]
    assert all(len(b.data.encode()) <= 64 for row in sent[0].buttons for b in row)


async def test_more_options_than_native_polls_allow_falls_back_to_buttons(bot: Harness) -> None:
    sent = capture_sends(bot)
    options = " | ".join(f"Choix {n}" for n in range(1, 13))

    await bot.say(f"/sondage Lequel ? | {options}")

    assert sent[0].poll is None
    assert 12 == sum(len(row) for row in sent[0].buttons)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/sondage", "Écrivez la question après la commande."),
        ("/sondage Pizza ?", "Écrivez les options après la question, séparées par |."),
        ("/sondage Pizza ? | Reine", "Un sondage demande au moins deux options."),
        ("/sondage Pizza ? | Reine | | Calzone", "L'option 2 est vide : retirez le | en trop."),
        ("/sondage Pizza ? | Reine | reine", "L'option « reine » est donnée deux fois."),
        (
            "/sondage Pizza ? | " + " | ".join(str(n) for n in range(21)),
            "Un sondage a au plus 20 options.",
        ),
        (
            "/sondage Pizza ? | Reine | Calzone | jusqu'au 30/11/2026 18h",
            "est déjà passé",
        ),
        (
            "/quand Réunion ? | lundi | mardi | secret",
            "Un sondage de date ne peut pas être secret",
        ),
        ("/sondage Pizza ? | A | B | C | multi | secret", "Un scrutin secret est à choix unique"),
        ("/motion Comptes | majorité bizarre", "Règle inconnue : « majorité bizarre »."),
    ],
)
async def test_bad_poll_input_is_explained(bot: Harness, command: str, expected: str) -> None:
    replies = await bot.say(command)

    assert 1 == len(replies)
    assert expected in replies[0]
    assert "Utilisation : /" in replies[0] or "Usage" not in replies[0]


async def test_bad_input_is_explained_in_english(bot: Harness) -> None:
    await bot.say("/language en")

    replies = await bot.say("/poll Pizza? | Ham")

    assert replies[0].startswith("A poll needs at least two options.\nUsage: /poll question |")


# Voting -------------------------------------------------------------------------------------


async def test_vote_by_number_then_change_it(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")

    assert ["Vote enregistré pour le n°1 : Calzone."] == await bot.say("/vote 2", member="bob")
    await bot.say("/voter 1 1", member="bob")
    await settle(bot)

    text = poll_line(bot).text
    assert "1. Reine\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Bob\n2. Calzone\n   ░░░░░░░░░░ 0 (0 %)" in text
    assert "1 votant · noms affichés" in text


async def test_taps_are_counted_once_per_member(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")

    for member in ("bob", "carol", "dan"):
        assert [] == await tap(bot, 2, member)
    await tap(bot, 2, "bob")  # the same choice again changes nothing
    await tap(bot, 1, "dan")  # dan changes his mind
    await settle(bot)

    text = poll_line(bot).text
    assert "1. Reine\n   ▓▓▓░░░░░░░ 1 (33 %) — Dan\n" in text
    assert "2. Calzone\n   ▓▓▓▓▓▓▓░░░ 2 (67 %) — Bob, Carol\n" in text
    assert "3 votants" in text


async def test_live_results_are_edited_at_most_once_per_second(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    edits = count_edits(bot)

    for number in range(20):
        await tap(bot, 1 + number % 2, f"member{number}")
    assert [] == edits  # nothing edited yet: the storm is gathered
    await settle(bot)

    assert 1 == len(edits)
    assert "20 votants" in poll_line(bot).text


async def test_multiple_choice_at_most_two(bot: Harness) -> None:
    await bot.say("/sondage Garniture ? | Jambon | Olives | Champignons | au plus 2")

    await tap(bot, 1, "bob")
    await tap(bot, 2, "bob")
    refused = await tap(bot, 3, "bob")
    await tap(bot, 1, "bob")  # tapping a chosen option again removes it
    await tap(bot, 3, "bob")
    await settle(bot)

    assert [
        "Bob : le sondage n°1 permet au plus 2 choix ; touchez de nouveau un choix pour l'enlever."
    ] == refused
    text = poll_line(bot).text
    assert "1. Jambon\n   ░░░░░░░░░░ 0" in text
    assert "2. Olives\n   ▓▓▓▓▓░░░░░ 1 (50 %) — Bob" in text
    assert "3. Champignons\n   ▓▓▓▓▓░░░░░ 1 (50 %) — Bob" in text
    assert "2 choix au plus" in text


async def test_vote_several_options_by_text(bot: Harness) -> None:
    await bot.say("/sondage Garniture ? | Jambon | Olives | Champignons | multi")

    replies = await bot.say("/vote 1,3", member="bob")
    too_far = await bot.say("/vote 4", member="bob")

    assert ["Vote enregistré pour le n°1 : Jambon, Champignons."] == replies
    assert too_far[0].startswith(
        "Le sondage n°1 a les options 1 à 3 : « 4 » n'en fait pas partie."
    )


async def test_vote_without_poll_or_with_unknown_id_is_explained(bot: Harness) -> None:
    nothing = await bot.say("/vote 1")
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    unknown = await bot.say("/vote 42 1")

    assert ["Il n'y a pas de sondage ouvert dans ce salon. Lancez-en un avec /sondage."] == (
        nothing
    )
    assert ["Il n'y a pas de sondage n°42 ici."] == unknown


async def test_vote_withdrawn(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/vote 1", member="bob")

    assert ["Votre vote au n°1 est retiré."] == await bot.say("/vote retirer", member="bob")
    await settle(bot)
    assert "0 votant" in poll_line(bot).text


async def test_native_poll_response_replaces_the_selection(bot: Harness) -> None:
    await bot.say("/sondage Garniture ? | Jambon | Olives | Champignons | multi")
    room = Room("console", "asso", "asso")
    bob = bot.console._member()

    await bot.app.vote(Vote(room, bob, "m1", ("poll:1:1", "poll:1:2"), bot.app.clock.now()))
    await bot.app.vote(Vote(room, bob, "m1", ("poll:1:3",), bot.app.clock.now()))
    await settle(bot)

    text = poll_line(bot).text
    assert "1. Jambon\n   ░░░░░░░░░░ 0" in text
    assert "3. Champignons\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Alice" in text


async def test_votes_after_close_are_refused(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/vote 1", member="bob")
    closed = await bot.say("/cloturer 1", member="alice")

    by_text = await bot.say("/vote 1 2", member="carol")
    bot.console.state.member = "carol"
    late_press = bot.console.tap(1)

    assert closed[0].startswith("🔒 Clôturé : 📊 Sondage n°1 : Pizza ?")
    assert "Résultat : Reine (1 voix)." in closed[0]
    assert ["Le sondage n°1 est clôturé : les votes ne sont plus acceptés."] == by_text
    assert late_press is None  # the closed poll's message lost its buttons
    assert "Clôturé le mardi 1 décembre 2026 à 09:00." in poll_line(bot).text


async def test_only_the_creator_or_an_organizer_closes(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="bob")

    refused = await bot.say("/cloturer", member="carol")
    closed = await bot.say("/cloturer", member="bob")

    assert ["Seul le créateur du sondage ou un organisateur peut faire cela."] == refused
    assert closed[0].startswith("🔒 Clôturé")
    assert ["Le sondage n°1 est déjà clôturé."] == await bot.say("/cloturer 1", member="alice")


async def test_tie_is_announced(bot: Harness) -> None:
    await bot.say("/poll Pizza ? | Reine | Calzone")
    await bot.say("/vote 1", member="bob")
    await bot.say("/vote 2", member="carol")

    closed = await bot.say("/close", member="alice")

    assert "Égalité entre Reine / Calzone (1 voix chacun)." in closed[0]


# Privacy ------------------------------------------------------------------------------------


async def test_anonymous_poll_hides_names_and_tells_the_creator(bot: Harness) -> None:
    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | anonyme")
    await bot.say("/vote 1", member="bob")
    await settle(bot)

    assert replies[1].startswith("Sondage anonyme : les noms ne sont jamais affichés, mais")
    text = poll_line(bot).text
    assert "1. Reine\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %)\n" in text
    assert "Bob" not in text
    assert "anonyme" in text


async def test_secret_ballot_counts_once_and_shows_results_at_close(bot: Harness) -> None:
    replies = await bot.say("/sondage Trésorier ? | Alice | Bob | secret")
    first = await bot.say("/vote 2", member="carol")
    again = await bot.say("/vote 1", member="carol")
    await tap(bot, 1, "dan")
    await settle(bot)
    live = poll_line(bot).text
    closed = await bot.say("/cloturer", member="alice")

    assert "Un vote ne peut donc pas être modifié" in replies[1]
    assert ["Votre bulletin secret pour le n°1 est compté."] == first
    assert again[0].startswith("Vous avez déjà voté à ce scrutin secret")
    assert "2 votants · scrutin secret · résultats à la clôture" in live
    assert "▓" not in live and "Carol" not in live and "Dan" not in live
    assert "1. Alice\n   ▓▓▓▓▓░░░░░ 1 (50 %)\n2. Bob\n   ▓▓▓▓▓░░░░░ 1 (50 %)" in closed[0]


async def test_secret_vote_in_a_private_chat_counts_for_the_groups_poll(bot: Harness) -> None:
    await bot.say("/sondage Trésorier ? | Alice | Bob | secret")
    await bot.say("bonjour", member="bob")  # bob is a member of the association

    replies = await bot.say("/vote 1 2", member="bob", room="dm-bob")
    stranger = await bot.say("/vote 1 2", member="zoe", room="dm-zoe")
    closed = await bot.say("/cloturer 1", member="alice", room="asso")

    assert ["Votre bulletin secret pour le n°1 est compté."] == replies
    assert ["Il n'y a pas de sondage n°1 ici."] == stranger
    assert "Résultat : Bob (1 voix)." in closed[0]


# Date polls ---------------------------------------------------------------------------------


async def test_quand_finds_the_best_slot(bot: Harness) -> None:
    replies = await bot.say(
        "/quand Réunion de rentrée ? | lun 6/9 18h | mar 7/9 18h | jeu 9/9 19h"
    )
    await bot.say("/vote 1,2?", member="bob")
    await tap(bot, 5, "carol")  # slot 2, maybe
    await tap(bot, 4, "carol")  # slot 2, yes (replaces maybe)
    await tap(bot, 1, "dan")  # slot 1, yes
    await tap(bot, 3, "dan")  # slot 1, no
    await tap(bot, 8, "dan")  # slot 3, maybe
    closed = await bot.say("/cloturer", member="alice")

    assert replies[0].startswith("📅 Date n°1 : Réunion de rentrée ?\n1. lun 6/9 18h\n")
    assert "2. mar 7/9 18h\n   ✅ 1 · 🤷 1 — ✅ Carol — 🤷 Bob" in closed[0]
    assert "Meilleur créneau : mar 7/9 18h (1 oui, 1 peut-être)." in closed[0]


async def test_when_in_english_shows_yes_maybe_no_buttons(bot: Harness) -> None:
    await bot.say("/language en")

    await bot.say("/when Meeting? | Mon 6pm | Tue 6pm")

    line = poll_line(bot)
    assert [["1 ✅", "1 🤷", "1 ❌"], ["2 ✅", "2 🤷", "2 ❌"]] == [
        [b.label for b in row] for row in line.buttons
    ]
    assert "Vote with the buttons, or type /vote 1 1,3,4? (yes to 1 and 3, maybe to 4)." in (
        line.text
    )


# Motions and proxies ------------------------------------------------------------------------


async def test_motion_is_for_organizers(bot: Harness) -> None:
    replies = await bot.say("/motion Approbation des comptes 2025", member="bob")

    assert ["Seuls les organisateurs peuvent utiliser /motion."] == replies


async def test_motion_adopted_with_figures(bot: Harness) -> None:
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    replies = await bot.say("/motion Approbation des comptes 2025", member="alice")
    await bot.say("/vote pour", member="alice")
    await tap(bot, 1, "bob")
    await tap(bot, 2, "carol")
    await bot.say("/vote abstention", member="dan")

    closed = await bot.say("/cloturer", member="alice")

    line = poll_line(bot)
    assert replies[0].startswith("🗳 Motion n°1 : Approbation des comptes 2025\n1. Pour\n")
    assert (
        "Règles : majorité simple (plus de pour que de contre), abstentions et blancs non "
        "comptés dans les exprimés." in replies[0]
    )
    assert (
        "Adoptée. Pour : 2 · Contre : 1 · Abstentions : 1 · Blancs : 0 · Suffrages exprimés : 3"
        " · Présents ou représentés : 4 sur 4 membres." in closed[0]
    )
    assert "Adoptée" in line.text


async def test_motion_in_english_with_buttons(bot: Harness) -> None:
    await bot.say("/language en")

    await bot.say("/resolution Approval of the accounts")

    line = poll_line(bot)
    assert [["✅ For", "❌ Against", "⚪ Abstain", "⬜ Blank"]] == [
        [b.label for b in r] for r in line.buttons
    ]


async def test_motion_quorum_not_reached(bot: Harness) -> None:
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    await bot.say("/motion Dissolution | quorum 75% | deux tiers", member="alice")
    await bot.say("/vote pour", member="alice")
    await bot.say("/vote pour", member="bob")

    closed = await bot.say("/cloturer", member="alice")

    assert (
        "Quorum non atteint (3 requis). Pour : 2 · Contre : 0 · Abstentions : 0 · Blancs : 0"
        " · Suffrages exprimés : 2 · Présents ou représentés : 2 sur 4 membres." in closed[0]
    )


async def test_proxy_counts_for_both_and_reaches_quorum(bot: Harness) -> None:
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    given = await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget 2026 | quorum 75% | absolue", member="alice")
    await bot.say("/vote contre", member="alice")
    await bot.say("/vote pour", member="bob")

    closed = await bot.say("/cloturer", member="alice")

    assert given[0].startswith("Bob vote désormais pour vous pour toutes les motions.")
    assert (
        "Adoptée. Pour : 2 · Contre : 1 · Abstentions : 0 · Blancs : 0 · Suffrages exprimés : 3"
        " · Présents ou représentés : 3 sur 4 membres." in closed[0]
    )


async def test_giver_who_votes_takes_her_vote_back(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget 2026", member="alice")
    await bot.say("/vote pour", member="bob")
    await bot.say("/vote contre", member="carol")

    closed = await bot.say("/cloturer", member="alice")

    assert "Rejetée. Pour : 1 · Contre : 1 ·" in closed[0]


async def test_proxy_cap_and_revocation(bot: Harness) -> None:
    for member in ("bob", "carol", "dan", "erin"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/procuration @bob", member="dan")

    capped = await bot.say("/procuration @bob", member="erin")
    chained = await bot.say("/procuration @carol", member="erin")
    revoked = await bot.say("/procuration retirer", member="dan")
    listing = await bot.say("/procuration", member="bob")

    assert ["Bob détient déjà 2 procurations, le maximum permis."] == capped
    assert [
        "Carol a donné sa propre voix à quelqu'un d'autre : les procurations ne se transmettent "
        "pas."
    ] == chained
    assert ["Votre procuration est reprise : vous votez de nouveau vous-même."] == revoked
    assert ["Vous détenez la voix de Carol pour toutes les motions."] == listing


async def test_proxy_to_oneself_or_a_stranger_is_refused(bot: Harness) -> None:
    me = await bot.say("/procuration @alice", member="alice")
    stranger = await bot.say("/procuration @zoe", member="alice")

    assert ["Vous ne pouvez pas vous donner votre propre voix."] == me
    assert ["Personne du nom de @zoe n'a encore écrit dans cette association."] == stranger


async def test_secret_motion_counts_the_proxy_and_blocks_the_giver(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote pour", member="bob")

    blocked = await bot.say("/vote contre", member="carol")
    closed = await bot.say("/cloturer", member="alice")

    assert [
        "Votre mandataire a déjà voté pour vous à ce scrutin secret : un vote secret ne peut pas "
        "être repris, votre propre vote ne peut donc pas le remplacer."
    ] == blocked
    assert (
        "Adoptée. Pour : 2 · Contre : 0 · Abstentions : 0 · Blancs : 0 · Suffrages exprimés : 2"
        " · Présents ou représentés : 2 sur 3 membres." in closed[0]
    )


# Deadlines ----------------------------------------------------------------------------------


async def test_deadline_notice_then_automatic_close(bot: Harness) -> None:
    await bot.say("présent", member="bob")
    created = await bot.say("/sondage Pizza ? | Reine | Calzone | jusqu'à vendredi 18h")
    await bot.say("/vote 1", member="alice")

    # Tuesday 09:00 → Friday 17:00: the "closing soon" notice, naming who has not voted.
    await bot.advance(timedelta(days=3, hours=8))
    notice = bot.replies[-1].text
    await bot.advance(timedelta(hours=1))
    closed = bot.replies[-1].text

    assert "Clôture le vendredi 4 décembre 2026 à 18:00." in created[0]
    assert notice.startswith(
        "⏳ 📊 Sondage n°1 : Pizza ? — clôture le vendredi 4 décembre 2026 à 18:00.\n"
        "1 membre n'a pas encore voté : @bob."
    )
    assert closed.startswith("🔒 Clôturé : 📊 Sondage n°1 : Pizza ?")
    assert "en retard" not in closed
    assert ["Le sondage n°1 est clôturé : les votes ne sont plus acceptés."] == await bot.say(
        "/vote 1 2", member="bob"
    )


async def test_extend_moves_the_deadline(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone | jusqu'à demain 18h")

    replies = await bot.say("/prolonger 1 jusqu'à samedi 12h")
    await bot.advance(timedelta(days=2))

    assert ["Le sondage n°1 clôture désormais le samedi 5 décembre 2026 à 12:00."] == replies
    assert not any(line.text.startswith("🔒") for line in bot.replies)
    await bot.advance(timedelta(days=3))
    assert bot.replies[-1].text.startswith("🔒 Clôturé")


async def test_restart_closes_late_a_poll_whose_deadline_passed(data_dir: Path) -> None:
    config = make_config(data_dir)
    first = await Harness.start(config)
    await first.say("/sondage Pizza ? | Reine | Calzone | jusqu'à demain 18h")
    await first.say("/vote 2", member="bob")
    await first.stop()

    second = await Harness.start(config, start=START + timedelta(days=3))
    try:
        closed = [line.text for line in second.replies if line.text.startswith("🔒")]
        await second.advance(timedelta(minutes=5))
        again = [line.text for line in second.replies if line.text.startswith("🔒")]
        late_vote = await second.say("/vote 1 1", member="carol")
    finally:
        await second.stop()

    assert 1 == len(closed) == len(again)
    assert "(clôturé en retard : le bot était hors ligne à l'échéance)" in closed[0]
    assert "Résultat : Calzone (1 voix)." in closed[0]
    assert ["Le sondage n°1 est clôturé : les votes ne sont plus acceptés."] == late_vote


async def test_restart_keeps_the_timer_of_a_poll_still_open(data_dir: Path) -> None:
    config = make_config(data_dir)
    first = await Harness.start(config)
    await first.say("/sondage Pizza ? | Reine | Calzone | jusqu'à vendredi 18h")
    await first.stop()

    second = await Harness.start(config, start=START + timedelta(days=1))
    try:
        assert [] == [line.text for line in second.replies]
        await second.advance(timedelta(days=3))
        closed = [line.text for line in second.replies if line.text.startswith("🔒")]
    finally:
        await second.stop()

    assert 1 == len(closed)
    assert "en retard" not in closed[0]


# Linked rooms and the register --------------------------------------------------------------


async def _pair(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    replies = await bot.say("/lier", room="asso", member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match
    await bot.say(f"/lier {match.group(1)}", room="bureau", member="alice")


async def test_everywhere_poll_has_one_tally_across_linked_rooms(bot: Harness) -> None:
    await _pair(bot)
    await bot.say("/language en", room="bureau", member="alice")

    created = await bot.say("/sondage Pizza ? | Reine | Calzone | partout", room="asso")
    await tap(bot, 1, "bob", room="asso")
    await tap(bot, 1, "carol", room="bureau")
    await bot.say("/vote 2", member="dan", room="bureau")
    await settle(bot)

    assert "Publié dans 2 salons reliés." in created
    assert "2. Calzone\n   ▓▓▓░░░░░░░ 1 (33 %) — Dan" in poll_line(bot, "asso").text
    english = poll_line(bot, "bureau").text
    assert english.startswith("📊 Poll #1: Pizza ?")
    assert "1. Reine\n   ▓▓▓▓▓▓▓░░░ 2 (67 %) — Bob, Carol" in english


async def test_register_lists_and_exports_decisions(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/vote 1", member="bob")
    await bot.say("/cloturer", member="alice")
    await bot.say("/motion Comptes 2025", member="alice")
    await bot.say("/vote pour", member="alice")
    await bot.say("/cloturer", member="alice")

    listing = await bot.say("/decisions")
    sent = capture_sends(bot)
    exported = await bot.say("/decisions csv")
    markdown = await bot.say("/decisions markdown")

    assert listing[0].startswith("Registre des décisions (les plus récentes d'abord) :\n#2 · ")
    assert "motion « Comptes 2025 » → Adoptée. Pour : 1 · Contre : 0" in listing[0]
    assert "sondage « Pizza ? » → Résultat : Reine (1 voix)." in listing[0]
    assert exported[0].startswith(
        "Registre des décisions en CSV : 2 sondages et motions, dans le fichier joint "
        "decisions.csv.\n📎 decisions.csv → "
    )
    csv_file, md_file = (out.attachment for out in sent)
    assert csv_file is not None and md_file is not None
    assert ("decisions.csv", "text/csv") == (csv_file.filename, csv_file.mime)
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert (
        "n°,type,question,ouverture,clôture,votants,pour,contre,abstentions,blancs,résultat"
        == lines[0]
    )
    assert lines[1].startswith("1,sondage,Pizza ?,")
    assert lines[2].startswith("2,motion,Comptes 2025,")
    assert ("decisions.md", "text/markdown") == (md_file.filename, md_file.mime)
    assert markdown[0].startswith("Registre des décisions en Markdown : 2 sondages et motions")
    table = md_file.content.decode()
    assert table.startswith(
        "| n° | type | question | ouverture | clôture | votants | pour | contre | abstentions "
        "| blancs | résultat |"
    )
    assert "| 2 | motion | Comptes 2025 |" in table


async def test_register_export_in_english_is_a_file(bot: Harness) -> None:
    await bot.say("/language en")
    await bot.say("/poll Pizza? | Margherita | Calzone")
    await bot.say("/close", member="alice")
    sent = capture_sends(bot)

    replies = await bot.say("/register csv")

    assert replies[0].startswith(
        "Register of decisions as CSV: 1 poll or motion, in the attached file decisions.csv."
    )
    attachment = sent[0].attachment
    assert attachment is not None
    assert attachment.content.decode("utf-8-sig").startswith(
        "id,kind,question,opened,closed,voters,for,against,abstentions,blank,outcome\n"
        "1,poll,Pizza?,"
    )


async def test_register_empty_and_bad_format(bot: Harness) -> None:
    assert ["Aucun sondage ni aucune motion n'a encore été clôturé."] == await bot.say(
        "/decisions"
    )
    bad = await bot.say("/decisions pdf")
    assert bad[0].startswith("Choisissez csv ou markdown.")


async def test_help_documents_the_modifiers_in_both_languages(bot: Harness) -> None:
    french = await bot.say("/aide sondage")
    await bot.say("/language en")
    english = await bot.say("/help poll")

    assert "au plus N, anonyme (noms cachés), secret (scrutin secret)" in french[0]
    assert "jusqu'à vendredi 18h (échéance)" in french[0]
    assert "at most N, anonymous (names hidden), secret (secret ballot)" in english[0]
    assert "until friday 6pm (deadline)" in english[0]
