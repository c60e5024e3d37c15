"""The data tests' bot: the console harness on a fresh database, and a few days of an
association's life (polls of each kind, reminders, an event, links) typed as members would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, make_config


@pytest.fixture
async def bot(data_dir: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(data_dir))
    try:
        yield harness
    finally:
        await harness.stop()


async def populate(bot: Harness) -> None:
    """Polls (public, anonymous, secret; one closed), reminders (room and personal), an event
    and links, by alice (organizer), bob and carol in the room ``asso``."""
    await bot.say("bonjour", member="bob", room="asso")
    await bot.say("bonjour", member="carol", room="asso")
    await bot.say("/sondage Lieu ? | Salle A | Salle B", member="alice", room="asso")
    await bot.say("/vote 1 1", member="bob", room="asso")
    await bot.say("/vote 1 2", member="carol", room="asso")
    await bot.say("/cloturer 1", member="alice", room="asso")
    await bot.say("/sondage Couleur ? | Rouge | Vert | anonyme", member="alice", room="asso")
    await bot.say("/vote 2 1", member="bob", room="asso")
    await bot.say("/sondage Trésorier ? | Alice | Bob | secret", member="alice", room="asso")
    await bot.say("/vote 3 2", member="bob", room="asso")
    await bot.say("/sondage Date ? | Lundi | Mardi", member="bob", room="asso")
    await bot.say("/vote 4 1", member="bob", room="asso")
    await bot.say("/rappel tous les lundis à 9h Réunion", member="alice", room="asso")
    await bot.say("/rappel moi demain 18h payer la facture OVH", member="bob", room="asso")
    await bot.say("/evenement Galette le 12 janvier à 19h", member="alice", room="asso")
    await bot.say("/lien https://example.org/a #budget note de bob", member="bob", room="asso")
    await bot.say("/lien https://example.org/b #budget", member="carol", room="asso")
