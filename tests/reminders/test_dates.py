"""Hostile rules and dates typed in /rappel and /evenement: no input blocks the bot, and no
date is silently wrong."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness import Harness
from tests.test_hostile_dates import deadline


async def answered(bot: Harness, text: str) -> list[str]:
    with deadline(5):
        return await asyncio.wait_for(bot.say(text), 5)


HOSTILE_RULES = [
    "FREQ=HOURLY;INTERVAL=0",
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2",
    "FREQ=HOURLY;BYMONTHDAY=31;BYMONTH=2",
    "FREQ=DAILY;BYMONTHDAY=31;BYMONTH=2",
    "FREQ=YEARLY;BYWEEKNO=53",
    "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
    "FREQ=HOURLY;BYYEARDAY=366;BYMONTH=1",
    "FREQ=DAILY;COUNT=99999999999999999999",
    "FREQ=DAILY;INTERVAL=99999999999999999999",
    "FREQ=DAILY;UNTIL=99991231T000000Z",
    "FREQ=DAILY;UNTIL=99999999999999999999",
    "FREQ=MONTHLY;BYSETPOS=99999999999999999999",
    "FREQ=HOURLY;BYSETPOS=366",
    "FREQ=MONTHLY;BYDAY=99MO",
    "FREQ=YEARLY;BYDAY=53MO;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=HOURLY;INTERVAL=24;BYHOUR=3",
    "FREQ=WEEKLY;WKST=XX",
    "FREQ=DAILY;BYHOUR=" + ",".join(["1"] * 5000),
]


@pytest.mark.parametrize("rule", HOSTILE_RULES)
async def test_remind_hostile_rule_never_blocks_the_next_command(bot: Harness, rule: str) -> None:
    replies = await answered(bot, f"/rappel rrule {rule} zero")
    assert 1 == len(replies)
    assert "Rappel n°" in replies[0] or "Utilisation : /rappel" in replies[0]
    assert 1 == len(await answered(bot, "/rappels"))


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=HOURLY;INTERVAL=0", "INTERVAL doit être un nombre entier de 1 à 365"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL doit être un nombre entier de 1 à 365"),
        ("FREQ=DAILY;COUNT=99999999999999999999", "COUNT doit être un nombre entier de 1 à 1000"),
        ("FREQ=DAILY;UNTIL=99991231T000000Z", "La date de fin de cette règle est dans plus de"),
        (
            "FREQ=DAILY;BYMONTHDAY=31;BYMONTH=2",
            "Cette règle ne tombe sur aucune date dans les années",
        ),
        ("FREQ=MONTHLY;BYSETPOS=99999999999999999999", "BYSETPOS doit être un nombre entier"),
    ],
)
async def test_remind_hostile_rule_is_refused_with_a_reason(
    bot: Harness, rule: str, reason: str
) -> None:
    replies = await answered(bot, f"/rappel rrule {rule} zero")
    assert reason in replies[0]
    assert ["Aucun rappel ici."] == [(await bot.say("/rappels"))[0].split(" Créez")[0]]


@pytest.mark.parametrize(
    "rule",
    [
        "rrule FREQ=HOURLY;BYMINUTE=" + ",".join(str(m) for m in range(60)),
        "rrule FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30",
        "rrule FREQ=WEEKLY;BYDAY=MO;BYHOUR=9,10;BYMINUTE=0,59",
        "cron */15 * * * *",
        "cron 0,30 9 * * *",
    ],
)
async def test_remind_rule_repeating_more_than_hourly_is_refused(bot: Harness, rule: str) -> None:
    replies = await answered(bot, f"/rappel {rule} Flood")
    assert replies[0].startswith("Un rappel ne peut pas se répéter plus d'une fois par heure")


async def test_remind_long_rule_never_leaks_into_the_text(bot: Harness) -> None:
    hours = ",".join(str(h) for h in range(24))
    replies = await answered(bot, f"/rappel rrule FREQ=DAILY;BYHOUR={hours};BYMINUTE=5 Flood")
    assert "Rappel n°1" in replies[0]
    assert (
        (await bot.say("/rappels"))[0]
        .splitlines()[1]
        .endswith(f" — Flood (règle FREQ=DAILY;BYHOUR={hours};BYMINUTE=5)")
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "/evenement AG le 31 février à 14h",
            "Je n'ai pas compris la date « le 31 février à 14h ».",
        ),
        ("/evenement AG le 12 décembre 9999 à 14h", "c'est dans plus de dix ans."),
        ("/evenement AG le 12 décembre 99999 à 14h", "Je n'ai pas compris la date"),
        ("/evenement AG on February 31 at 2pm", "Je n'ai pas compris la date"),
        (
            "/rappel tous les jours jusqu'au 31 février x",
            "Je n'ai pas pu lire la date de fin « 31 février » de cette règle.",
        ),
        ("/rappel le 12/13/2027 x", "Je n'ai pas compris la date « le 12/13/2027 »."),
        ("/rappel tous les 0 jours x", "« 0 » n'est pas un intervalle : écrivez un nombre de 1"),
        ("/rappel tous les lundis sauf en août x", "Les exceptions comme « sauf en août x »"),
        ("/rappel every monday except in August x", "Les exceptions comme « except in August"),
        ("/rappel vendredi 3 décembre 2026 x", "Je n'ai pas compris la date"),
        ("/evenement AG le 31/02/2027 à 14h", "la date « le 31/02/2027 à 14h »"),
        ("/evenement AG le 12/13/2027 à 14h", "la date « le 12/13/2027 à 14h »"),
        ("/evenement AG le 99/12/2027 à 14h", "la date « le 99/12/2027 à 14h »"),
        ("/event AGM on 12/13/2027 at 2pm", "la date « on 12/13/2027 at 2pm »"),
        ("/evenement AG le 12/12/20277 à 14h", "Je n'ai pas"),
        ("/rappel demain 99999999999999999999h x", "n'est pas une heure valide"),
        ("/rappel tous les jours 1001 fois x", "Une règle se répète au plus 1000 fois."),
        ("/rappel le 29 février de chaque année x", "« de chaque année x » après une date"),
    ],
)
async def test_dates_not_sure_are_refused_with_what_was_read(
    bot: Harness, command: str, expected: str
) -> None:
    bot.organizer("alice")
    replies = await answered(bot, command)
    assert expected in replies[0]
    assert not replies[0].startswith(("C'est noté", "Événement n°"))


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/rappel demain à 19 h Réunion", "2 décembre 2026 à 19:00 — Réunion"),
        ("/rappel demain 19 h 30 Réunion", "2 décembre 2026 à 19:30 — Réunion"),
        ("/rappel demain à 19 heures Réunion", "2 décembre 2026 à 19:00 — Réunion"),
        ("/rappel le 13/12/2027 Réunion", "13 décembre 2027 à 09:00 — Réunion"),
        ("/rappel tomorrow at 7 pm Meeting", "2 décembre 2026 à 19:00 — Meeting"),
    ],
)
async def test_remind_spaced_hours_and_day_first_dates(
    bot: Harness, command: str, expected: str
) -> None:
    await answered(bot, command)
    assert expected in (await bot.say("/rappels"))[0]
