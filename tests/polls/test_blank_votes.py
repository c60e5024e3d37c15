"""Blank votes on motions: a fourth answer, apart from abstention, counted as the statutes say
(``[polls] blank``, or per motion), in the results, the register and its exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import feature_settings
from bot.config import ConfigError, load_config
from handlers.polls.settings import PollsSettings
from storage.polls import NewPoll
from tests.harness import START, Harness, make_config
from tests.polls.helpers import capture_sends, poll_line, tap


async def _members(bot: Harness, *names: str) -> None:
    for name in names:
        await bot.say("présent", member=name)


async def test_blank_is_a_fourth_answer_by_button_and_by_text(bot: Harness) -> None:
    created = await bot.say("/motion Approbation des comptes", member="alice")
    line = poll_line(bot)

    await tap(bot, 4, "bob")
    voted = await bot.say("/voter blanc", member="carol")

    assert "4. Blanc\n" in created[0]
    assert (
        "Votez avec les boutons, ou tapez /voter 1 pour|contre|abstention|blanc." in (created[0])
    )
    assert [["✅ Pour", "❌ Contre", "⚪ Abstention", "⬜ Blanc"]] == [
        [b.label for b in row] for row in line.buttons
    ]
    assert ["Vote enregistré pour le n°1 : Blanc."] == voted


async def test_blank_excluded_by_default_like_a_french_general_assembly(bot: Harness) -> None:
    await _members(bot, "bob", "carol", "dan", "erin", "frank")
    created = await bot.say("/motion Budget 2026 | absolue", member="alice")
    for member, answer in (
        ("alice", "pour"),
        ("bob", "pour"),
        ("carol", "contre"),
        ("dan", "blanc"),
        ("erin", "blanc"),
        ("frank", "abstention"),
    ):
        await bot.say(f"/voter {answer}", member=member)

    closed = await bot.say("/cloturer", member="alice")

    assert "abstentions et blancs non comptés dans les exprimés." in created[0]
    # 2 for out of 3 votes cast: the two blank votes and the abstention are not votes cast.
    assert (
        "Adoptée. Pour : 2 · Contre : 1 · Abstentions : 1 · Blancs : 2 · Suffrages exprimés : 3"
        " · Présents ou représentés : 6 sur 6 membres." in closed[0]
    )
    # Issue 13: shares over the votes cast (the rule's base), the threshold marked on the for
    # bar, abstentions and blank votes as counts apart.
    assert "1. Pour\n   ▓▓▓▓▓┃▓▓░░░ 2 (66,7 %) — Alice, Bob\n" in closed[0]
    assert "4. Blanc\n   2 — Dan, Erin" in closed[0]


async def test_blank_counted_per_motion_weighs_against_adoption(bot: Harness) -> None:
    await _members(bot, "bob", "carol", "dan", "erin", "frank")
    created = await bot.say("/motion Budget 2026 | absolue | blancs comptés", member="alice")
    for member, answer in (
        ("alice", "pour"),
        ("bob", "pour"),
        ("carol", "contre"),
        ("dan", "blanc"),
        ("erin", "blanc"),
        ("frank", "abstention"),
    ):
        await bot.say(f"/voter {answer}", member=member)

    closed = await bot.say("/cloturer", member="alice")

    assert (
        "abstentions non comptées dans les exprimés, blancs comptés dans les exprimés."
        in created[0]
    )
    # 2 for out of 5 votes cast (blank votes counted, the abstention still not).
    assert (
        "Rejetée. Pour : 2 · Contre : 1 · Abstentions : 1 · Blancs : 2 · Suffrages " in (closed[0])
    )
    assert "Suffrages exprimés : 5 ·" in closed[0]


async def test_blank_vote_in_english(bot: Harness) -> None:
    await bot.say("/language en")
    await _members(bot, "bob", "carol")
    created = await bot.say("/motion Accounts | absolute | blank counted", member="alice")
    await bot.say("/vote for", member="alice")
    voted = await bot.say("/vote blank", member="bob")
    await bot.say("/vote 1 4", member="carol")

    closed = await bot.say("/close", member="alice")

    assert "abstentions are not votes cast, blank votes count as votes cast." in created[0]
    assert ["Vote counted in poll #1: Blank."] == voted
    assert (
        "Rejected. For: 1 · Against: 0 · Abstentions: 0 · Blank: 2 · Votes cast: 3 · Present "
        "or represented: 3 of 3 members." in closed[0]
    )


async def test_config_default_and_per_motion_override(data_dir: Path) -> None:
    config = make_config(data_dir, PollsSettings(blank="counted"))
    bot = await Harness.start(config)
    try:
        counted = await bot.say("/motion Budget", member="alice")
        excluded = await bot.say("/motion Statuts | blancs exclus", member="alice")
    finally:
        await bot.stop()

    assert "blancs comptés dans les exprimés" in counted[0]
    assert "abstentions et blancs non comptés dans les exprimés" in excluded[0]


@pytest.mark.parametrize("value", ["cast", "maybe", "Counted"])
def test_config_refuses_an_unknown_blank_rule(tmp_path: Path, value: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[polls]\nblank = "{value}"\n', encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(path, env={}, features=feature_settings())

    assert f'[polls] blank: expected "excluded" or "counted", got "{value}"' in str(caught.value)


async def test_abstention_counted_leaves_blank_votes_out(bot: Harness) -> None:
    await _members(bot, "bob", "carol", "dan")
    await bot.say("/motion Budget | absolue | abstentions comptées", member="alice")
    for member, answer in (
        ("alice", "pour"),
        ("bob", "pour"),
        ("carol", "blanc"),
        ("dan", "blanc"),
    ):
        await bot.say(f"/voter {answer}", member=member)

    closed = await bot.say("/cloturer", member="alice")

    assert (
        "Adoptée. Pour : 2 · Contre : 0 · Abstentions : 0 · Blancs : 2 · Suffrages " in (closed[0])
    )


async def test_secret_motion_counts_blank_votes(bot: Harness) -> None:
    await _members(bot, "bob", "carol")
    await bot.say("/motion Élection | secret", member="alice")
    await bot.say("/voter pour", member="alice")
    counted = await bot.say("/voter blanc", member="bob")
    await tap(bot, 4, "carol")

    closed = await bot.say("/cloturer", member="alice")

    assert ["Votre bulletin secret pour le n°1 est compté."] == counted
    assert "Pour : 1 · Contre : 0 · Abstentions : 0 · Blancs : 2" in closed[0]


async def test_register_and_exports_show_blank_votes(bot: Harness) -> None:
    await _members(bot, "bob", "carol")
    await bot.say("/motion Comptes 2025", member="alice")
    await bot.say("/voter pour", member="alice")
    await bot.say("/voter blanc", member="bob")
    await bot.say("/voter abstention", member="carol")
    await bot.say("/cloturer", member="alice")
    sent = capture_sends(bot)

    listing = await bot.say("/decisions")
    await bot.say("/decisions csv")
    await bot.say("/decisions markdown")

    assert "Pour : 1 · Contre : 0 · Abstentions : 1 · Blancs : 1" in listing[0]
    csv_file, md_file = (out.attachment for out in sent[-2:])
    assert csv_file is not None and md_file is not None
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    # Issue 13: « ; » in French rooms, and Markdown as sentences (no pipe table).
    assert lines[0].startswith("n°;clôture;type;question;résultat;votants;pour;contre;")
    assert ";adoptée;3;1;0;1;1;100;La motion est adoptée" in lines[1]
    assert "1 pour, 0 contre, 1 abstention, 1 blanc." in md_file.content.decode()


async def test_motion_created_before_blank_votes_refuses_them_clearly(bot: Harness) -> None:
    await bot.say("présent", member="bob")
    room = bot.app.services.store.rooms.get("console:asso")
    assert room is not None
    bot.app.services.store.polls.create(
        NewPoll(room.association_id, room.key, "console:alice", "Alice", "motion", "Ancienne"),
        ["for", "against", "abstain"],
        START,
    )

    refused = await bot.say("/voter blanc", member="bob")
    await bot.say("/voter pour", member="bob")
    closed = await bot.say("/cloturer", member="alice")

    assert [
        "La motion n°1 n'a pas de vote blanc (elle a été créée avant les votes blancs) : "
        "répondez pour, contre ou abstention."
    ] == refused[:1]
    assert "Blanc" not in closed[0]
    assert (
        "Adoptée. Pour : 1 · Contre : 0 · Abstentions : 0 · Suffrages exprimés : 1" in (closed[0])
    )


async def test_help_lists_the_blank_rule_in_both_languages(bot: Harness) -> None:
    french = await bot.say("/aide motion")
    await bot.say("/language en")
    english = await bot.say("/help motion")

    assert "abstentions comptées, blancs comptés (ou blancs exclus)" in french[0]
    assert "pour, contre, abstention ou blanc" in french[0]
    assert "abstentions counted, blank counted (or blank excluded)" in english[0]
