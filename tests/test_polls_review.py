"""Odd inputs a new member tries, found by walking the README through the console: each one
used to crash, puzzle or go untranslated."""

from __future__ import annotations

from tests.harness import Harness
from tests.test_polls import poll_line, settle, tap


async def test_trailing_bar_is_ignored(bot: Harness) -> None:
    poll = await bot.say("/sondage Pizza ? | Reine | Calzone |")
    motion = await bot.say("/motion Budget 2026 | absolue |")

    assert poll[0].startswith("📊 Sondage n°1 : Pizza ?\n1. Reine\n")
    assert "2. Calzone" in poll[0]
    assert motion[0].startswith("🗳 Motion n°2 : Budget 2026\n")
    assert "majorité absolue" in motion[0]


async def test_empty_option_in_the_middle_is_still_refused(bot: Harness) -> None:
    replies = await bot.say("/sondage Pizza ? | Reine | | Calzone")

    assert replies[0].startswith("L'option 2 est vide : retirez le | en trop.")


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


async def test_at_most_zero_is_refused(bot: Harness) -> None:
    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | Margherita | au plus 0")

    assert replies[0].startswith("« Au plus » demande un nombre supérieur ou égal à 1.")


async def test_extending_a_closed_poll_says_it_is_closed_not_that_votes_are_refused(
    bot: Harness,
) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/cloturer 1")

    french = await bot.say("/prolonger 1 jusqu'à samedi 12h")
    await bot.say("/language en")
    english = await bot.say("/extend 1 until saturday noon")

    assert [
        "Le sondage n°1 est déjà clôturé : il ne peut plus être prolongé. Lancez-en un nouveau "
        "au besoin."
    ] == french
    assert [
        "Poll #1 is already closed: it can no longer be extended. Start a new one if needed."
    ] == english


async def test_closing_twice(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/cloturer 1")

    again = await bot.say("/cloturer 1")
    latest = await bot.say("/cloturer")

    assert ["Le sondage n°1 est déjà clôturé."] == again
    assert ["Il n'y a pas de sondage ouvert dans ce salon. Lancez-en un avec /sondage."] == latest


async def test_motion_or_poll_in_a_private_chat_is_refused(bot: Harness) -> None:
    motion = await bot.say("/motion Budget", member="alice", room="dm-alice")
    poll = await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="dm-alice")
    await bot.say("/language en", member="alice", room="dm-alice")
    english = await bot.say("/resolution Budget", member="alice", room="dm-alice")

    expected = (
        "Les sondages et les motions se votent en groupe : lancez-le dans un salon de "
        "l'association. En discussion privée, vous pouvez voter à un scrutin secret : "
        "/voter N° réponse."
    )
    assert [expected] == motion
    assert [expected] == poll
    assert [
        "Polls and motions are voted in a group: start it in one of the association's rooms. "
        "In a private chat you can vote in a secret ballot: /vote ID answer."
    ] == english
    assert not any(line.room == "dm-alice" and "Motion n°" in line.text for line in bot.replies)


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


async def test_proxy_in_a_private_chat_is_refused_clearly(bot: Harness) -> None:
    await bot.say("présent", member="bob")

    replies = await bot.say("/procuration @bob", member="alice", room="dm-alice")

    assert [
        "Donnez votre procuration dans un salon de l'association, où le bot connaît ses membres."
    ] == replies


async def test_proxy_to_oneself_in_english(bot: Harness) -> None:
    await bot.say("/language en")

    replies = await bot.say("/proxy @alice")

    assert ["You cannot give your vote to yourself."] == replies


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


async def test_proxy_for_a_motion_already_voted_is_refused(bot: Harness) -> None:
    await bot.say("présent", member="bob")
    await bot.say("/motion Budget", member="alice")
    await bot.say("/voter pour", member="alice")

    replies = await bot.say("/procuration @bob 1", member="alice")

    assert [
        "Vous avez déjà voté à la motion n°1 : votre propre vote compte, une procuration n'y "
        "changerait rien."
    ] == replies
    assert ["Vous n'avez donné ni ne détenez aucune procuration."] == await bot.say(
        "/procuration", member="alice"
    )
