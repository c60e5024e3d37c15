"""/sondage suppr N (/poll delete N) for a mistyped poll with no vote; the register's Markdown
escapes member text; /quand names a slot whose weekday contradicts its date at creation."""

from __future__ import annotations

import pytest

from tests.harness import Harness
from tests.polls.helpers import capture_sends


async def test_poll_delete_without_votes(bot: Harness) -> None:
    await bot.say("/sondage Piza ? | Reine | Calzone", member="bob")

    replies = await bot.say("/sondage suppr 1", member="bob")

    assert "Le sondage n°1 est supprimé : il n'avait aucun vote." == replies[-1]
    assert bot.app.services.store.polls.get(1) is None
    assert any("🗑 Le sondage n°1 a été supprimé avant tout vote." == e.out.text for e in bot.edits)
    assert ["Rien n'a encore été clôturé : ni sondage, ni motion."] == await bot.say("/decisions")


async def test_poll_delete_english(bot: Harness) -> None:
    await bot.say("/language en")
    await bot.say("/poll Pizza? | Margherita | Calzone", member="alice")
    replies = await bot.say("/poll delete #1", member="alice")
    assert "Poll #1 is deleted: it had no vote." == replies[-1]


async def test_poll_delete_refused_once_voted(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="bob")
    await bot.say("/vote 1", member="carol")

    replies = await bot.say("/sondage suppr 1", member="bob")

    assert replies[0].startswith("Le sondage n°1 a déjà des votes : il ne peut pas être supprimé.")
    assert bot.app.services.store.polls.get(1) is not None


async def test_poll_delete_by_organizer_and_refused_to_another_member(bot: Harness) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="bob")

    refused = await bot.say("/sondage suppr 1", member="carol")
    done = await bot.say("/sondage suppr 1", member="alice")

    assert refused[0].startswith("Seul")
    assert done[-1].startswith("Le sondage n°1 est supprimé")


@pytest.mark.parametrize(
    "words", ["", "abc", "99999999999999999999999", "1 2", "<b>1</b>", "\u202e1"]
)
async def test_poll_delete_bad_number(bot: Harness, words: str) -> None:
    await bot.say("/sondage Pizza ? | Reine | Calzone", member="bob")
    replies = await bot.say(f"/sondage suppr {words}", member="bob")
    assert "supprimé" not in replies[0] or "n°" not in replies[0].split(":")[0]
    assert bot.app.services.store.polls.get(1) is not None


async def test_poll_delete_unknown_poll(bot: Harness) -> None:
    assert ["Il n'y a pas de sondage n°7 ici."] == await bot.say("/sondage suppr 7")


async def test_register_markdown_escapes_member_text(bot: Harness) -> None:
    await bot.say("/sondage a | <b>x</b> *y* [z](http://e) # | Oui | Non")
    await bot.say("/sondage a | b", member="alice")
    await bot.say("/cloturer 1", member="alice")
    sent = capture_sends(bot)
    await bot.say("/decisions markdown")
    attachment = sent[0].attachment
    assert attachment is not None
    text = attachment.content.decode()
    assert "<b>" not in text and "](http" not in text


async def test_when_weekday_contradicting_date_refused_at_creation(bot: Harness) -> None:
    # 11 January 2027 is a Monday: « dim 11/1 12h » names the slot and the real day.
    replies = await bot.say("/quand AG ? | sam 9/1 12h | dim 11/1 12h")
    assert replies[0].startswith("Le créneau « dim 11/1 12h » ne correspond pas à sa date")
    assert "lundi 11 janvier 2027" in replies[0]
    assert bot.app.services.store.polls.get(1) is None
