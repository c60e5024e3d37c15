"""Polls against a hostile member: numbers beyond SQLite's range and forged tap payloads answer
clearly and log nothing."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from tests.harness import Harness

HUGE = "99999999999999999999"


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


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


async def test_close_with_a_word_instead_of_a_number_closes_nothing(bot: Harness) -> None:
    await bot.say("/sondage Q | a | b")
    await bot.say("/sondage R | c | d")

    for word in ("abc", "²", "①"):
        replies = await bot.say(f"/cloturer {word}")
        assert replies[0].startswith("Donnez un numéro de sondage, par exemple /cloturer 12.")
    assert (await bot.say("/vote 2 1"))[0].startswith("Vote enregistré")


async def test_proxy_to_a_10000_character_name_is_not_echoed_whole(bot: Harness) -> None:
    replies = await bot.say("/procuration @" + "x" * 10_000)

    assert 1 == len(replies)
    assert len(replies[0]) < 300


@pytest.mark.parametrize("invisible", ["\u200b", "\ufe0f", "\u200d\u2060"])
async def test_poll_option_made_only_of_invisible_characters_is_refused(
    bot: Harness, invisible: str
) -> None:
    replies = await bot.say(f"/sondage Q | a | {invisible}")

    assert replies[0].startswith("L'option 2 est vide : retirez le | en trop.")


@pytest.mark.parametrize(
    ("slot", "date"),
    [
        ("lundi 31 février", "31 février"),
        ("lun 12/13 18h", "12/13"),
        ("ven 31/04 20h", "31/04"),
        ("Mon February 31 6pm", "February 31"),
    ],
)
async def test_when_slot_with_a_date_no_calendar_has_is_refused(
    bot: Harness, slot: str, date: str
) -> None:
    replies = await bot.say(f"/quand Réunion ? | {slot} | mar 8/9 18h")

    assert replies[0].startswith(
        f"Le créneau « {slot} » donne une date qui n'existe pas : {date}. Corrigez la date."
    )
