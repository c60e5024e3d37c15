from __future__ import annotations

import pytest

from tests.harness import Harness


async def test_help_lists_commands_in_french_by_default(bot: Harness) -> None:
    replies = await bot.say("/aide")
    assert replies[0].startswith("Commandes d'assobot :")
    assert "/lier [CODE]" in replies[0]


@pytest.mark.parametrize(
    "name",
    ["x" * 10_000, "\u202eedoc" + "a" * 50, "ab\x1b[31mcd", "\x00\x07" * 40, "aide\u200b"],
)
async def test_help_unknown_hostile_name_is_not_echoed(bot: Harness, name: str) -> None:
    replies = await bot.say(f"/aide {name}")

    assert [
        "Cette commande n'existe pas : les noms de commandes sont faits de lettres, de chiffres "
        "et de _.\nUtilisation : /aide [commande]\nExemple : /aide lier"
    ] == replies


async def test_help_unknown_plain_name_is_echoed(bot: Harness) -> None:
    replies = await bot.say("/aide zorglub")
    assert replies[0].startswith("Il n'y a pas de commande /zorglub.")


async def test_help_shows_organizer_commands_in_full_to_organizers(bot: Harness) -> None:
    replies = await bot.say("/aide", member="alice")

    assert "\nPour les organisateurs :\n" in replies[0]
    assert "/delier — Délier ce salon des autres salons de son association." in replies[0]


async def test_help_marks_organizer_commands_as_reserved_for_members(bot: Harness) -> None:
    replies = await bot.say("/aide", member="bob")

    assert "Pour les organisateurs :" not in replies[0]
    assert "/delier —" not in replies[0]
    reserved = [line for line in replies[0].splitlines() if line.startswith("Réservé")]
    assert 1 == len(reserved)
    assert reserved[0].startswith("Réservé aux organisateurs (pas à vous dans ce salon) : /lier, ")
    assert "/annonce" in reserved[0]


async def test_help_says_who_changes_a_setting_members_can_only_read(bot: Harness) -> None:
    lines = (await bot.say("/aide", member="bob"))[0].splitlines()

    for name in ("/langue", "/fuseau", "/organisateur", "/silence"):
        line = next(line for line in lines if line.startswith(name + " "))
        assert "les organisateurs" in line, line
