"""/tags reads counts kept by triggers: they must always equal the tags actually stored."""

from __future__ import annotations

from tests.harness import Harness
from tests.links.helpers import link_rooms


def counts_kept(bot: Harness) -> list[tuple[int, str, str, int]]:
    rows = bot.app.services.store.links.db.execute(
        "SELECT association_id, room_key, tag, n FROM link_tag_counts ORDER BY 1, 2, 3"
    ).fetchall()
    return [tuple(row) for row in rows]


def counts_recomputed(bot: Harness) -> list[tuple[int, str, str, int]]:
    rows = bot.app.services.store.links.db.execute(
        """SELECT l.association_id, l.room_key, t.tag, count(*) FROM link_tags t
           JOIN links l ON l.id = t.link_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
    ).fetchall()
    return [tuple(row) for row in rows]


async def test_tags_counts_follow_every_change(bot: Harness) -> None:
    await bot.say("présent", room="bureau", member="alice")
    await bot.say("https://example.org/a #budget #ag", member="alice")
    await bot.say("https://example.org/b #budget", member="bob")
    await bot.say("https://example.org/a #budget #vote", room="bureau", member="bob")
    await bot.say("https://example.org/c #bureau", room="bureau", member="bob")
    assert counts_recomputed(bot) == counts_kept(bot)

    await bot.say("/lien 2 #subvention une note", member="bob")
    await bot.say("/lien suppr 1", member="alice")
    assert counts_recomputed(bot) == counts_kept(bot)

    await link_rooms(bot)
    assert counts_recomputed(bot) == counts_kept(bot)
    await bot.say("/delier", room="bureau", member="alice")
    assert counts_recomputed(bot) == counts_kept(bot)
    assert [] == [row for row in counts_kept(bot) if row[3] <= 0]


async def test_tags_lists_most_used_first_from_the_counts(bot: Harness) -> None:
    await bot.say("https://example.org/a #budget #ag", member="alice")
    await bot.say("https://example.org/b #budget", member="bob")

    assert ["Étiquettes : #budget (2), #ag (1)"] == await bot.say("/tags")
