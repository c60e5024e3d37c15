"""Closing and deadlines: /cloturer (/close) by whom, ties, the closing-soon notice, automatic and
late closing, /prolonger (/extend)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import START, Harness, make_config
from tests.polls.helpers import link_bureau


async def test_only_the_creator_or_an_organizer_closes(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="bob")

    refused = await bot.say("/cloturer", member="carol")
    closed = await bot.say("/cloturer", member="bob")

    assert ["Seul l'auteur du sondage ou un organisateur peut faire cela."] == refused
    assert closed[0].startswith("🔒 Vote clos")
    assert ["Le sondage n°1 est déjà clôturé."] == await bot.say("/cloturer 1", member="alice")


async def test_tie_is_announced(bot: Harness) -> None:
    await bot.say("/poll Pizza ? | Reine | Calzone")
    await bot.say("/vote 1", member="bob")
    await bot.say("/vote 2", member="carol")

    closed = await bot.say("/close", member="alice")

    assert "Égalité entre Reine / Calzone (1 voix chacun)." in closed[0]


async def test_deadline_notice_then_automatic_close(bot: Harness) -> None:
    await bot.say("présent", member="bob")
    created = await bot.say("/sondage Pizza ? | Reine | Calzone | jusqu'à vendredi 18h")
    await bot.say("/vote 1", member="alice")

    # Tuesday 09:00 → Friday 17:00: the "closing soon" notice, naming who has not voted.
    await bot.advance(timedelta(days=3, hours=8))
    notice = bot.replies[-1].text
    await bot.advance(timedelta(hours=1))
    closed = bot.replies[-1].text

    assert "Clôture le vendredi 4 décembre 2026 à 18:00." in created[0]
    assert notice.startswith(
        "⏳ 📊 Sondage n°1 : Pizza ? — clôture le vendredi 4 décembre 2026 à 18:00.\n"
        "1 membre n'a pas encore voté : @bob."
    )
    assert closed.startswith("🔒 Vote clos : 📊 Sondage n°1 : Pizza ?")
    assert "en retard" not in closed
    assert ["Le sondage n°1 est clôturé : les votes ne sont plus acceptés."] == await bot.say(
        "/vote 1 2", member="bob"
    )


async def test_extend_moves_the_deadline(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone | jusqu'à demain 18h")

    replies = await bot.say("/prolonger 1 jusqu'à samedi 12h")
    await bot.advance(timedelta(days=2))

    assert ["Le sondage n°1 clôture désormais le samedi 5 décembre 2026 à 12:00."] == replies
    assert not any(line.text.startswith("🔒") for line in bot.replies)
    await bot.advance(timedelta(days=3))
    assert bot.replies[-1].text.startswith("🔒 Vote clos")


async def test_restart_closes_late_a_poll_whose_deadline_passed(data_dir: Path) -> None:
    config = make_config(data_dir)
    first = await Harness.start(config)
    await first.say("/sondage Pizza ? | Reine | Calzone | jusqu'à demain 18h")
    await first.say("/vote 2", member="bob")
    await first.stop()

    second = await Harness.start(config, start=START + timedelta(days=3))
    try:
        closed = [line.text for line in second.replies if line.text.startswith("🔒")]
        await second.advance(timedelta(minutes=5))
        again = [line.text for line in second.replies if line.text.startswith("🔒")]
        late_vote = await second.say("/vote 1 1", member="carol")
    finally:
        await second.stop()

    assert 1 == len(closed) == len(again)
    assert "(clôture en retard : le bot était hors ligne à l'échéance)" in closed[0]
    assert "Résultat : Calzone (1 voix)." in closed[0]
    assert ["Le sondage n°1 est clôturé : les votes ne sont plus acceptés."] == late_vote


async def test_restart_keeps_the_timer_of_a_poll_still_open(data_dir: Path) -> None:
    config = make_config(data_dir)
    first = await Harness.start(config)
    await first.say("/sondage Pizza ? | Reine | Calzone | jusqu'à vendredi 18h")
    await first.stop()

    second = await Harness.start(config, start=START + timedelta(days=1))
    try:
        assert [] == [line.text for line in second.replies]
        await second.advance(timedelta(days=3))
        closed = [line.text for line in second.replies if line.text.startswith("🔒")]
    finally:
        await second.stop()

    assert 1 == len(closed)
    assert "en retard" not in closed[0]


async def test_extending_a_closed_poll_says_it_is_closed_not_that_votes_are_refused(
    bot: Harness,
) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/cloturer 1")

    french = await bot.say("/prolonger 1 jusqu'à samedi 12h")
    await bot.say("/language en")
    english = await bot.say("/extend 1 until saturday noon")

    assert [
        "Le sondage n°1 est déjà clôturé : il ne peut plus être prolongé. Lancez-en un nouveau "
        "au besoin."
    ] == french
    assert [
        "Poll #1 is already closed: it can no longer be extended. Start a new one if needed."
    ] == english


async def test_closing_twice(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone")
    await bot.say("/cloturer 1")

    again = await bot.say("/cloturer 1")
    latest = await bot.say("/cloturer")

    assert ["Le sondage n°1 est déjà clôturé."] == again
    assert ["Il n'y a pas de sondage ouvert dans ce salon. Lancez-en un avec /sondage."] == latest


@pytest.mark.parametrize("command", ["/cloturer 1", "/prolonger 1 jusqu'à samedi", "/relancer 1"])
async def test_close_extend_nudge_from_a_private_chat_are_refused(
    bot: Harness, command: str
) -> None:
    for member in ("bob", "carol"):
        await bot.say("présent", member=member)
    await bot.say("/motion Budget | secret", member="alice")
    await bot.say("/vote pour", member="carol")

    replies = await bot.say(command, member="bob", room="dm-bob")

    assert [
        "Une discussion privée ne donne aucun rôle dans les salons de l'association : seul l'"
        "auteur du sondage n°1 ou un organisateur peut faire cela, dans le salon du sondage."
    ] == replies
    poll = bot.app.store.polls.get(1)
    assert poll is not None and poll.is_open and poll.closes_at is None
    assert poll.nudged_at is None


async def test_close_from_a_private_chat_by_the_polls_creator_is_allowed(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="bob")

    replies = await bot.say("/cloturer 1", member="bob", room="dm-bob")

    assert replies[0].startswith("🔒 Vote clos : 📊 Sondage n°1 : Pizza ?")
    assert not bot.app.store.polls.get(1).is_open  # type: ignore[union-attr]


async def test_close_by_an_organizer_of_a_linked_room_is_allowed(bot: Harness) -> None:
    await link_bureau(bot)
    bot.organizer("dan", "bureau")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")

    await bot.say("/cloturer 1", member="dan", room="bureau")

    assert not bot.app.store.polls.get(1).is_open  # type: ignore[union-attr]


async def test_close_by_an_organizer_of_another_room_only_is_refused(bot: Harness) -> None:
    bot.organizer("dan", "ailleurs")
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="alice", room="asso")

    replies = await bot.say("/cloturer 1", member="dan", room="asso")

    assert ["Seul l'auteur du sondage ou un organisateur peut faire cela."] == replies
