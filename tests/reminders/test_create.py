"""Setting a reminder: what members see in French and English; personal and every-room ones."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.harness import Harness


def fired(bot: Harness, text: str) -> list[str]:
    return [line.text for line in bot.replies if line.text.startswith("⏰") and text in line.text]


async def test_remind_echoes_the_absolute_date_in_french(bot: Harness) -> None:
    replies = await bot.say("/rappel demain 18h Apporter les clés")
    assert replies[0].startswith("C'est noté : mercredi 2 décembre 2026 à 18:00. Rappel n°1.")


async def test_remind_echoes_the_absolute_date_in_english(bot: Harness) -> None:
    await bot.say(":lang en")
    replies = await bot.say("/remind tomorrow at 6pm Bring the keys")
    assert replies[0].startswith("Noted: Wednesday 2 December 2026 at 18:00. Reminder #1.")


async def test_remind_refuses_past_and_nonsense_with_a_reason(bot: Harness) -> None:
    replies = await bot.say("/rappel le 1er décembre 2026 à 8h Trop tard")
    assert replies[0].startswith("mardi 1 décembre 2026 à 08:00 est déjà passé")
    replies = await bot.say("/rappel bonjour tout le monde")
    assert replies[0].startswith("Je n'ai pas trouvé de date ni d'heure au début")
    assert "Utilisation : /rappel [moi] quand texte" in replies[0]
    replies = await bot.say("/rappel demain 18h")
    assert replies[0].startswith("Écrivez quoi rappeler après la date.")


async def test_member_reminder_is_personal_and_goes_to_private_chat(bot: Harness) -> None:
    replies = await bot.say("/rappel dans 1 heure Acheter du pain", member="bob")
    assert "Rappel personnel" in replies[0]
    await bot.advance(timedelta(hours=1))
    sent = [line for line in bot.replies if line.text.startswith("⏰")]
    assert [("console:dm-bob", "⏰ Rappel : Acheter du pain")] == [
        (f"console:{line.room}", line.text) for line in sent
    ]


async def _link(bot: Harness) -> None:
    bot.organizer("alice", "bureau")
    replies = await bot.say("/lier", room="asso", member="alice")
    match = re.search(r"Code de liaison : ([A-Z0-9]{8})", replies[0])
    assert match, replies
    await bot.say(f"/lier {match.group(1)}", room="bureau")


async def test_everywhere_reaches_every_linked_room_in_its_language(bot: Harness) -> None:
    await _link(bot)
    await bot.say("/langue en", room="bureau")
    await bot.say("/fuseau America/Montreal", room="bureau")
    replies = await bot.say("/rappel partout demain 18h Vote en ligne", room="asso")
    assert "Il sera envoyé dans les 2 salons de l'association" in replies[0]
    await bot.advance(timedelta(days=1, hours=9))
    sent = [(line.room, line.text) for line in bot.replies if line.text.startswith("⏰")]
    assert [("asso", "⏰ Rappel : Vote en ligne"), ("bureau", "⏰ Reminder: Vote en ligne")] == (
        sent
    )


async def test_everywhere_is_refused_to_members(bot: Harness) -> None:
    replies = await bot.say("/rappel partout demain 18h Vote", member="bob")
    assert [
        "Seul un rappel de salon d'un organisateur peut aller dans tous les salons reliés."
    ] == replies
