"""Listing, cancelling, skipping, pausing, resuming reminders; their buttons; who may change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.harness import Harness


def fired(bot: Harness, text: str) -> list[str]:
    return [line.text for line in bot.replies if line.text.startswith("⏰") and text in line.text]


async def test_reminders_lists_with_ids_and_rule_in_words(bot: Harness) -> None:
    await bot.say("/rappel demain 18h Apporter les clés")
    await bot.say("/rappel chaque jour à 8h Café")
    replies = await bot.say("/rappels")
    assert replies[0].splitlines() == [
        "2 rappels :",
        "#2 — mercredi 2 décembre 2026 à 08:00 — Café (tous les jours à 08:00)",
        "#1 — mercredi 2 décembre 2026 à 18:00 — Apporter les clés",
    ]


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


async def test_cancel_stops_a_reminder(bot: Harness) -> None:
    await bot.say("/rappel dans 20 minutes Appeler")
    replies = await bot.say("/annuler 1")
    assert ["Rappel n°1 annulé : Appeler"] == replies
    await bot.advance(timedelta(hours=1))
    assert [] == fired(bot, "Appeler")


async def test_cancel_by_another_member_is_refused(bot: Harness) -> None:
    await bot.say("/rappel demain 18h Apporter les clés")
    replies = await bot.say("/annuler 1", member="bob")
    assert ["Seuls son auteur ou un organisateur peuvent modifier ce rappel."] == replies


async def test_skip_pause_and_resume(bot: Harness) -> None:
    await bot.say("/rappel tous les jours à 10h Arroser")
    replies = await bot.say("/sauter 1")
    assert [
        "mardi 1 décembre 2026 à 10:00 est sauté. Prochain : mercredi 2 décembre 2026 à 10:00."
    ] == replies
    assert ["Rappel n°1 suspendu. Reprenez-le avec /reprendre 1."] == await bot.say("/pause 1")
    await bot.advance(timedelta(days=2))
    assert [] == fired(bot, "Arroser")
    replies = await bot.say("/reprendre 1")
    assert ["Rappel n°1 repris. Prochain : jeudi 3 décembre 2026 à 10:00."] == replies
    await bot.advance(timedelta(hours=1))
    assert 1 == len(fired(bot, "Arroser"))


async def test_me_too_button_adds_a_member(bot: Harness) -> None:
    await bot.say("/rappel dans 1 heure Réunion")
    await bot.say(":as bob")
    replies = await bot.say(":tap 1")
    assert ["@bob recevra aussi le rappel (n°1)."] == replies
    await bot.advance(timedelta(hours=1))
    assert ["⏰ Rappel : Réunion\n@bob"] == fired(bot, "Réunion")


async def test_me_too_button_can_be_pressed_with_a_thumbs_up(bot: Harness) -> None:
    await bot.say("/rappel dans 1 heure Réunion")
    buttons = [b for row in bot.replies[-1].buttons for b in row]
    assert [("Moi aussi", "👍")] == [(b.label, b.reaction) for b in buttons]


async def test_snooze_button_reminds_again_in_an_hour(bot: Harness) -> None:
    await bot.say("/rappel dans 1 heure Sortir les poubelles")
    await bot.advance(timedelta(hours=1))
    replies = await bot.say(":tap 1")
    assert replies[0].startswith("@alice : nouveau rappel mardi 1 décembre 2026 à 11:00")
    await bot.advance(timedelta(hours=1))
    assert 2 == len(fired(bot, "Sortir les poubelles"))


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


async def test_reminders_in_a_private_chat_list_my_personal_ones_from_any_room(
    bot: Harness,
) -> None:
    await bot.say("/rappel moi demain 9h Appeler la mairie", member="bob", room="asso")
    await bot.say("/rappel moi demain 10h Relire le PV", member="carol", room="asso")

    listed = await bot.say("/rappels", member="bob", room="dm-bob")

    assert "#1 — mercredi 2 décembre 2026 à 09:00 — Appeler la mairie [personnel]" in listed[0]
    assert "Relire le PV" not in listed[0]
