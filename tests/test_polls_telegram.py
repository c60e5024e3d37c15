"""A poll from start to results on Telegram: python-telegram-bot's real HTTP stack against the
fake Bot API server — inline buttons, the poll message edited in place, /cloturer."""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram_app import TelegramWorld


def message(world: TelegramWorld, message_id: int) -> dict[str, Any]:
    return world.fake.messages[(world.group, message_id)]


def keyboard(message: dict[str, Any]) -> list[list[tuple[str, str]]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [[(b["text"], b["callback_data"]) for b in row] for row in rows]


def edits_of(world: TelegramWorld, message_id: int) -> int:
    return sum(
        1
        for call in world.fake.calls_to("editMessageText")
        if str(call.params.get("message_id")) == str(message_id)
    )


async def test_poll_with_taps_live_tally_and_close(world: TelegramWorld) -> None:
    fake = world.fake
    carol = fake.user("Carol", username="carol")
    await world.start_bot()

    created = await world.reply_to(
        world.group, world.alice, "/sondage Où fait-on la fête ? | Salle des fêtes | Au parc"
    )
    poll_id = fake.sent(world.group)[-1]["message_id"]
    assert created[0].startswith("📊 Sondage n°1 : Où fait-on la fête ?\n1. Salle des fêtes\n")
    assert [[("1. Salle des fêtes", "poll:1:1")], [("2. Au parc", "poll:1:2")]] == keyboard(
        message(world, poll_id)
    )

    # A burst of taps: Bob hesitates, Carol picks the park; Alice votes by text.
    taps = [(world.bob, "poll:1:2"), (world.bob, "poll:1:1"), (carol, "poll:1:2")]
    for user, data in taps:
        fake.tap(world.group, user, poll_id, data)
    await fake.wait_for(lambda: len(fake.answered) == len(taps), what="every tap answered")
    voted = await world.reply_to(world.group, world.alice, "/voter 1")

    await fake.wait_for(
        lambda: (
            "1. Salle des fêtes\n   ▓▓▓▓▓▓▓░░░ 2 (67 %) — Bob, Alice"
            in message(world, poll_id)["text"]
        ),
        what="the poll message edited with the tally",
    )
    live = message(world, poll_id)
    assert "2. Au parc\n   ▓▓▓░░░░░░░ 1 (33 %) — Carol" in live["text"]
    assert "3 votants · noms affichés" in live["text"]
    assert keyboard(live)  # still open: the buttons stay
    assert ["Vote enregistré pour le n°1 : Salle des fêtes."] == voted
    # Debounced: never more edits than votes (at most one per second per message).
    assert edits_of(world, poll_id) <= len(taps) + 1

    closed = await world.reply_to(world.group, world.alice, "/cloturer")

    assert closed[0].startswith("🔒 Vote clos : 📊 Sondage n°1 : Où fait-on la fête ?")
    assert "Résultat : Salle des fêtes (2 voix)." in closed[0]
    final = message(world, poll_id)
    assert "Vote clos le" in final["text"]
    assert [] == keyboard(final)  # closed: no more buttons

    late = len(fake.answered)
    fake.tap(world.group, carol, poll_id, "poll:1:1")
    await fake.wait_for(lambda: len(fake.answered) > late, what="the late tap answered")
    assert "Résultat : Salle des fêtes (2 voix)." in closed[0]
    assert "2. Au parc\n   ▓▓▓░░░░░░░ 1 (33 %) — Carol" in message(world, poll_id)["text"]


async def test_poll_anonymous_tap_beyond_at_most_is_answered_to_the_tapper_alone(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    await world.start_bot()
    await world.reply_to(
        world.group,
        world.alice,
        "/sondage Garnitures ? | Jambon | Olives | Ananas | au plus 2 | anonyme",
    )
    poll_id = fake.sent(world.group)[0]["message_id"]
    sent_before = len(fake.sent(world.group))

    for n in (1, 2, 3):  # callback query ids 1, 2, 3
        fake.tap(world.group, world.bob, poll_id, f"poll:1:{n}")
        await fake.wait_for(lambda n=n: len(fake.answered) == n, what=f"tap {n} answered")

    third = fake.callback_answers["3"]
    assert "Bob : le sondage n°1 permet au plus 2 choix" in third.text
    assert third.show_alert
    assert "" == fake.callback_answers["1"].text
    assert [] == [
        m["text"] for m in fake.sent(world.group)[sent_before:] if "au plus 2" in m["text"]
    ]
