"""Reminders and events against floods and huge numbers."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import feature_settings
from bot.config import ConfigError, load_config
from handlers.reminders.settings import RemindersSettings
from tests.harness import Harness, make_config

HUGE = "99999999999999999999"


async def limited(data_dir: Path, **limits: int) -> Harness:
    return await Harness.start(make_config(data_dir, RemindersSettings(**limits)))


async def test_remind_one_member_flood_is_refused_after_the_hourly_limit(bot: Harness) -> None:
    replies = [
        (await bot.say(f"/rappel dans 2 heures Flood {n}", member="bob"))[0] for n in range(25)
    ]
    assert 20 == sum(reply.startswith("C'est noté") for reply in replies)
    assert replies[20] == (
        "Vous avez créé 20 rappels ici dans la dernière heure, le maximum permis : "
        "réessayez plus tard."
    )
    await bot.advance(timedelta(minutes=61))
    assert (await bot.say("/rappel demain 9h Encore", member="bob"))[0].startswith("C'est noté")


async def test_remind_organizer_setting_up_the_year_is_bound_by_room_limits_only(
    data_dir: Path,
) -> None:
    bot = await limited(data_dir, max_new_per_member_hour=2, max_new_per_room_hour=5)
    try:
        bot.organizer("alice")
        replies = [(await bot.say(f"/rappel demain {9 + n}h Réunion {n}"))[0] for n in range(6)]
        assert 5 == sum(reply.startswith("C'est noté") for reply in replies)
        assert replies[5].startswith("5 rappels ont été créés dans ce salon")
    finally:
        await bot.stop()


async def test_remind_active_limit_per_member(data_dir: Path) -> None:
    bot = await limited(data_dir, max_active_per_member=2)
    try:
        await bot.say("/rappel demain 9h Un", member="bob")
        await bot.say("/rappel demain 10h Deux", member="bob")
        assert [
            "Vous avez déjà 2 rappels actifs ici, le maximum permis : annulez-en un "
            "d'abord (/annuler numéro)."
        ] == await bot.say("/rappel demain 11h Trois", member="bob")
        assert (await bot.say("/rappel demain 11h Trois", member="carol"))[0].startswith(
            "C'est noté"
        )
        await bot.say("/annuler 1", member="bob")
        assert (await bot.say("/rappel demain 11h Trois", member="bob"))[0].startswith(
            "C'est noté"
        )
    finally:
        await bot.stop()


async def test_remind_limits_per_room(data_dir: Path) -> None:
    bot = await limited(data_dir, max_active_per_room=3, max_new_per_room_hour=4)
    try:
        for member in ("alice", "bob", "carol"):
            await bot.say("/rappel demain 9h x", member=member)
        assert [
            "Ce salon a déjà 3 rappels actifs, le maximum permis : un organisateur peut en "
            "annuler (/annuler numéro)."
        ] == await bot.say("/rappel demain 9h x", member="dan")
        await bot.say("/annuler 1", member="alice")
        assert (await bot.say("/rappel demain 9h x", member="dan"))[0].startswith("C'est noté")
        await bot.say("/annuler 2", member="bob")
        assert [
            "4 rappels ont été créés dans ce salon dans la dernière heure, le maximum permis : "
            "réessayez plus tard."
        ] == await bot.say("/rappel demain 9h x", member="eve")
        assert (await bot.say("/rappel demain 9h x", room="autre"))[0].startswith("C'est noté")
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    "key", ["max_active_per_member", "max_active_per_room", "max_new_per_member_hour"]
)
def test_config_reminder_limits_are_validated(tmp_path: Path, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[reminders]\n{key} = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"\[reminders\] {key}: expected a number from 1"):
        load_config(path, env={}, features=feature_settings())


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (f"/annuler {HUGE}", f"{HUGE} est trop grand : aucun élément ne porte ce numéro."),
        (f"/sauter {HUGE}", f"{HUGE} est trop grand"),
        (f"/suspendre {HUGE}", f"{HUGE} est trop grand"),
        (f"/reprendre #{HUGE}", f"#{HUGE} est trop grand"),
        (f"/evenement annuler {HUGE}", f"{HUGE} est trop grand"),
        ("/annuler ١٢", "١٢ n’est pas un nombre"),
        (f"/silence {HUGE}-{HUGE}", "Donnez une plage horaire"),
    ],
)
async def test_reminder_commands_huge_numbers_answer_clearly_and_log_no_error(
    bot: Harness, caplog: pytest.LogCaptureFixture, command: str, expected: str
) -> None:
    bot.organizer("alice")
    with caplog.at_level(logging.WARNING):
        replies = await bot.say(command)
    assert expected in replies[0]
    assert "Désolé" not in replies[0]
    assert [] == [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_reminder_button_with_forged_huge_number_is_ignored(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("/rappel demain 9h x")
    press = bot.console.tap(1)
    assert press is not None
    with caplog.at_level(logging.WARNING):
        await bot.app.press(replace(press, data=f"rem:join:{HUGE}"))
    assert [] == [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_remind_everywhere_is_still_refused_to_members(bot: Harness) -> None:
    replies = await bot.say("/rappel partout demain 9h x", member="bob")
    assert replies[0].startswith("Seul un rappel de salon d'un organisateur")
