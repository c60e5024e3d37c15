"""Voting: /vote by number or text, taps, native poll answers, live results, withdrawing, single
and multiple choice."""

from __future__ import annotations

from bot.message import Room, Vote
from tests.harness import Harness
from tests.polls.helpers import count_edits, poll_line, settle, tap


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

    assert closed[0].startswith("🔒 Vote clos : 📊 Sondage n°1 : Pizza ?")
    assert "Résultat : Reine (1 voix)." in closed[0]
    assert ["Le sondage n°1 est clôturé : les votes ne sont plus acceptés."] == by_text
    assert late_press is None  # the closed poll's message lost its buttons
    assert "Vote clos le mardi 1 décembre 2026 à 09:00." in poll_line(bot).text


async def test_vote_by_the_option_text_or_emoji(bot: Harness) -> None:
    await bot.say("/sondage Où ? | Salle des fêtes | Chez Paul | 🍕")

    by_text = await bot.say("/voter chez paul", member="bob")
    by_emoji = await bot.say("/voter 🍕", member="carol")
    unknown = await bot.say("/voter Au parc", member="dan")

    assert ["Vote enregistré pour le n°1 : Chez Paul."] == by_text
    assert ["Vote enregistré pour le n°1 : 🍕."] == by_emoji
    assert unknown[0].startswith(
        "Donnez des numéros d'options, comme /voter 2 (ou /voter 1,3 pour plusieurs), ou le "
        "texte exact d'une option."
    )


async def test_vote_without_a_number_in_a_private_chat_asks_for_it(bot: Harness) -> None:
    await bot.say("présent", member="bob")
    await bot.say("/motion Budget | secret", member="alice")

    bare = await bot.say("/voter pour", member="bob", room="dm-bob")
    numbered = await bot.say("/voter 1 pour", member="bob", room="dm-bob")

    assert [
        "En discussion privée, donnez le numéro du sondage, comme /voter 12 2 (il figure dans "
        "le message du sondage)."
    ] == bare
    assert ["Votre bulletin secret pour le n°1 est compté."] == numbered


async def test_one_more_voter_is_singular_and_proxies_are_shown(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget", member="alice")
    await bot.say("/voter pour", member="bob")
    await settle(bot)

    text = poll_line(bot).text

    assert "1. Pour\n   ▓▓▓▓▓▓▓▓▓▓ 2 (100 %) — Bob (+1)\n" in text
    assert "autres" not in text


async def test_quick_double_tap_counts_once(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")

    await tap(bot, 2, "bob")
    await tap(bot, 2, "bob")
    await settle(bot)

    text = poll_line(bot).text
    assert "2. Calzone\n   ▓▓▓▓▓▓▓▓▓▓ 1 (100 %) — Bob" in text
    assert "1 votant" in text


async def test_several_options_in_a_single_choice_poll(bot: Harness) -> None:
    await bot.say("/language en")
    await bot.say("/poll Where? | Village hall | At Paul's | The park")

    replies = await bot.say("/vote 1 2 3", member="bob")

    assert replies[0].startswith("Poll #1 is single choice: give one option number.")


async def test_withdrawing_twice_says_there_is_no_vote(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/voter 2", member="bob")

    first = await bot.say("/voter retirer", member="bob")
    second = await bot.say("/voter retirer", member="bob")

    assert ["Votre vote au n°1 est retiré."] == first
    assert ["Vous n'avez pas voté au n°1 : il n'y a rien à retirer."] == second


async def test_vote_by_the_text_of_a_look_alike_option(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | 🍕 | 🥗")

    await bot.say("/vote 🍕\ufe0f\u200b", member="bob")

    assert {1: 2} == bot.app.store.polls.ballot_of(1, "console:bob")
