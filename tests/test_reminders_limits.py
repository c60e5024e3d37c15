"""Reminders and events against floods, huge numbers and borrowed roles; what lists show."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, RemindersConfig, load_config
from tests.harness import Harness, make_config

HUGE = "99999999999999999999"


async def limited(data_dir: Path, **limits: int) -> Harness:
    config = make_config(data_dir)
    return await Harness.start(replace(config, reminders=RemindersConfig(**limits)))  # type: ignore[arg-type]


async def test_remind_one_member_flood_is_refused_after_the_hourly_limit(bot: Harness) -> None:
    replies = [(await bot.say(f"/rappel dans 2 heures Flood {n}"))[0] for n in range(25)]
    assert 20 == sum(reply.startswith("C'est noté") for reply in replies)
    assert replies[20] == (
        "Vous avez créé 20 rappels ici dans la dernière heure, le maximum permis : "
        "réessayez plus tard."
    )
    await bot.advance(timedelta(minutes=61))
    assert (await bot.say("/rappel demain 9h Encore"))[0].startswith("C'est noté")


async def test_remind_active_limit_per_member(data_dir: Path) -> None:
    bot = await limited(data_dir, max_active_per_member=2)
    try:
        await bot.say("/rappel demain 9h Un")
        await bot.say("/rappel demain 10h Deux")
        assert [
            "Vous avez déjà 2 rappels actifs ici, le maximum permis : annulez-en un "
            "d'abord (/annuler numéro)."
        ] == await bot.say("/rappel demain 11h Trois")
        assert (await bot.say("/rappel demain 11h Trois", member="bob"))[0].startswith(
            "C'est noté"
        )
        await bot.say("/annuler 1")
        assert (await bot.say("/rappel demain 11h Trois"))[0].startswith("C'est noté")
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
        load_config(path, env={})


# Numbers typed by members ---------------------------------------------------------------------


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


async def test_silence_echo_of_a_long_value_is_clipped(bot: Harness) -> None:
    bot.organizer("alice")
    replies = await bot.say("/silence " + "9" * 5000)
    assert len(replies[0]) < 400


async def test_reminder_button_with_forged_huge_number_is_ignored(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("/rappel demain 9h x")
    press = bot.console.tap(1)
    assert press is not None
    with caplog.at_level(logging.WARNING):
        await bot.app.press(replace(press, data=f"rem:join:{HUGE}"))
    assert [] == [record for record in caplog.records if record.levelno >= logging.ERROR]


# A role holds only where it was earned ---------------------------------------------------------


@pytest.mark.parametrize("command", ["/annuler 1", "/sauter 1", "/suspendre 1", "/reprendre 1"])
@pytest.mark.parametrize("room", ["dm-bob", "autre"])
async def test_reminder_of_a_room_is_not_changed_from_a_private_chat_or_another_room(
    bot: Harness, command: str, room: str
) -> None:
    bot.organizer("alice", "asso")
    bot.organizer("bob", "autre")
    await bot.say("/rappel tous les lundis à 9h Réunion", member="alice", room="asso")
    replies = await bot.say(command, member="bob", room=room)
    assert ["Pas de rappel n°1 ici."] == replies
    listed = await bot.say("/rappels", member="alice", room="asso")
    assert "#1 — lundi 7 décembre 2026 à 09:00 — Réunion" in listed[0]


async def test_reminder_creator_changes_it_from_a_private_chat(bot: Harness) -> None:
    await bot.say("/rappel moi demain 9h Appeler", member="bob", room="asso")
    replies = await bot.say("/annuler 1", member="bob", room="dm-bob")
    assert replies[0].startswith("Rappel n°1 annulé : Appeler")


@pytest.mark.parametrize("room", ["dm-bob", "autre"])
async def test_event_of_a_room_is_not_cancelled_from_a_private_chat_or_another_room(
    bot: Harness, room: str
) -> None:
    bot.organizer("alice", "asso")
    bot.organizer("bob", "autre")
    await bot.say("/evenement AG le 12 décembre à 14h", member="alice", room="asso")
    assert ["Pas d'événement n°1 dans ce salon."] == (
        await bot.say("/evenement annuler 1", member="bob", room=room)
    )
    assert "AG" in (await bot.say("/agenda", member="alice", room="asso"))[0]


async def test_remind_everywhere_is_still_refused_to_members(bot: Harness) -> None:
    replies = await bot.say("/rappel partout demain 9h x", member="bob")
    assert replies[0].startswith("Seul un rappel de salon d'un organisateur")


# What lists show ------------------------------------------------------------------------------


async def test_reminders_lists_a_postponed_reminder_at_its_real_time(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("/silence 22h-8h")
    await bot.say("/rappel demain 23h Sortir les poubelles")
    line = (await bot.say("/rappels"))[0].splitlines()[1]
    assert line == (
        "#1 — jeudi 3 décembre 2026 à 08:00 — Sortir les poubelles (reporté : heures calmes)"
    )
    await bot.advance(timedelta(days=1, hours=14, minutes=30))  # Wednesday 23:30: held
    assert line == (await bot.say("/rappels"))[0].splitlines()[1]


async def test_event_cancel_usage_names_the_command_in_the_room_language(bot: Harness) -> None:
    bot.organizer("alice")
    replies = await bot.say("/evenement annuler")
    assert "tel qu'affiché par /agenda" in replies[0] or "/agenda" in replies[0]
    assert "/calendar" not in replies[0]
