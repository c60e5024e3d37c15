from __future__ import annotations

from tests.harness import Harness


async def test_help_lists_commands_in_french_by_default(bot: Harness) -> None:
    replies = await bot.say("/aide")
    assert replies[0].startswith("Commandes d'assobot :")
    assert "/lier [CODE]" in replies[0]
