"""Starting polls: /sondage (/poll) with its options and modifiers, native polls and buttons, input
explained, everywhere (linked rooms), look-alike options, the help."""

from __future__ import annotations

import pytest

from tests.harness import Harness
from tests.polls.helpers import capture_sends, link_bureau, poll_line, settle, tap


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


async def test_everywhere_poll_has_one_tally_across_linked_rooms(bot: Harness) -> None:
    await link_bureau(bot)
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


async def test_help_documents_the_modifiers_in_both_languages(bot: Harness) -> None:
    french = await bot.say("/aide sondage")
    await bot.say("/language en")
    english = await bot.say("/help poll")

    assert "au plus N, anonyme (noms cachés), secret (scrutin secret)" in french[0]
    assert "jusqu'à vendredi 18h (échéance)" in french[0]
    assert "at most N, anonymous (names hidden), secret (secret ballot)" in english[0]
    assert "until friday 6pm (deadline)" in english[0]


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


async def test_at_most_zero_is_refused(bot: Harness) -> None:
    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | Margherita | au plus 0")

    assert replies[0].startswith("« Au plus » demande un nombre supérieur ou égal à 1.")


async def test_motion_or_poll_in_a_private_chat_is_refused(bot: Harness) -> None:
    motion = await bot.say("/motion Budget", member="alice", room="dm-alice")
    poll = await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="dm-alice")
    await bot.say("/language en", member="alice", room="dm-alice")
    english = await bot.say("/resolution Budget", member="alice", room="dm-alice")

    expected = (
        "Les sondages et les motions se votent en groupe : lancez-le dans un salon de "
        "l'association. En discussion privée, vous pouvez voter à un scrutin secret : "
        "/voter numéro réponse."
    )
    assert [expected] == motion
    assert [expected] == poll
    assert [
        "Polls and motions are voted in a group: start it in one of the association's rooms. "
        "In a private chat you can vote in a secret ballot: /vote ID answer."
    ] == english
    assert not any(line.room == "dm-alice" and "Motion n°" in line.text for line in bot.replies)


async def test_poll_everywhere_by_a_member_is_refused(bot: Harness) -> None:
    await link_bureau(bot)

    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | partout", member="bob")

    assert [
        "Seul un organisateur peut publier dans tous les salons reliés : retirez « partout » "
        "pour publier dans ce salon."
    ] == replies
    assert bot.app.store.polls.get(1) is None


async def test_poll_everywhere_by_an_organizer_reaches_every_linked_room(bot: Harness) -> None:
    await link_bureau(bot)

    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | partout", member="alice")

    assert "Publié dans 2 salons reliés." in replies


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a", "a\u200b"),
        ("🍕", "🍕\ufe0f"),
        ("Reine", "ｒｅｉｎｅ"),
        ("Chez Paul", "Chez\u00a0Paul"),
    ],
)
async def test_poll_with_look_alike_options_is_refused(
    bot: Harness, first: str, second: str
) -> None:
    replies = await bot.say(f"/sondage Pizza ? | {first} | {second}")

    assert replies[0].startswith("L'option « ")
    assert "est donnée deux fois" in replies[0]
    assert bot.app.store.polls.get(1) is None
