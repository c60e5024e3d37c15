"""A member's copy of their data (/mesdonnees) holds only rows about them, from the hostile
review of 2026-12-03: a secretary's copy carried the attendance lines of everyone they checked
in, and the chair's name."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Harness, make_config

CONVENE = "/ag convoquer 20 décembre 19h | Salle | ordre du jour: Budget"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(tmp_path / "data"))
    try:
        yield harness
    finally:
        await harness.stop()


async def _mydata(bot: Harness, member: str) -> tuple[str, dict[str, Any]]:
    reply = "\n".join(await bot.say("/mesdonnees", member=member, room=f"dm-{member}"))
    files = [s.out.attachment for s in bot.sent if s.out.attachment and s.room == f"dm-{member}"]
    assert files
    return reply, json.loads(files[-1].content)


async def test_mydata_of_the_secretary_holds_only_his_own_attendance(bot: Harness) -> None:
    bot.organizer("alice")
    for member in ("alice", "bob"):
        await bot.say("bonjour", member=member)
    await bot.say(CONVENE, member="alice")
    await bot.say("/membres ajouter Odile Martin", member="alice")
    await bot.say("/ag ouvrir", member="alice")
    await bot.say("/ag president @alice", member="alice")
    await bot.say("/ag secretaire @bob", member="alice")
    await bot.say("/present", member="bob")
    await bot.say("/present Odile Martin", member="bob")
    await bot.say("/procuration Paul Durand → Bob", member="bob")

    reply, data = await _mydata(bot, "bob")
    text = json.dumps(data, ensure_ascii=False)

    attendance = data["tables"]["attendance"]
    assert ["Bob"] == [row["name"] for row in attendance]
    assert "Odile Martin" not in text
    assert "console:alice" not in text
    # The assembly he was secretary of is his, without the chair's name.
    assemblies = data["tables"]["assemblies"]
    assert [("", "Bob")] == [(a["chair_name"], a["secretary_name"]) for a in assemblies]
    # The proxy he holds is his (its giver named); the check-in he recorded for Odile counted.
    assert ["Paul Durand"] == [p["giver_name"] for p in data["tables"]["assembly_proxies"]]
    assert {"attendance": 1} == data["recorded_for_others"]
    assert "Vous avez aussi enregistré 1 ligne sur un autre membre" in reply


async def test_mydata_of_a_member_checked_in_by_the_organizer_keeps_her_own_line(
    bot: Harness,
) -> None:
    bot.organizer("alice")
    for member in ("alice", "carol"):
        await bot.say("bonjour", member=member)
    await bot.say(CONVENE, member="alice")
    await bot.say("/ag ouvrir", member="alice")
    await bot.say("/present Carol", member="alice")

    reply, data = await _mydata(bot, "carol")

    assert ["Carol"] == [row["name"] for row in data["tables"]["attendance"]]
    # Recorded by the organizer: whose key is not Carol's data.
    assert [""] == [row["recorded_by"] for row in data["tables"]["attendance"]]
    assert "recorded_for_others" not in data
    assert "Vous avez aussi enregistré" not in reply


async def test_forgetme_keeps_one_pseudonym_so_the_records_still_name_one_person(
    bot: Harness,
) -> None:
    bot.organizer("alice")
    for member in ("alice", "bob", "carol"):
        await bot.say("bonjour", member=member)
    await bot.say(CONVENE, member="alice")
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/ag ouvrir", member="alice")
    await bot.say("/present", member="bob")
    await bot.say("/present Odile Martin", member="alice")
    await bot.say("/oubliemoi", member="bob")
    await bot.tap(1, member="bob")
    minutes = "\n".join(await bot.say("/ag clore", member="alice"))

    db = bot.app.services.store.owned.db
    (person,) = [r[0] for r in db.execute("SELECT person_key FROM attendance WHERE name = 'Bob'")]
    (holder,) = [r[0] for r in db.execute("SELECT holder_key FROM assembly_proxies")]
    assert str(person).startswith("forgotten:")
    assert person == holder  # one pseudonym: the sheet's line and the proxy he held agree
    # The legal record: Bob came and left, holding Carol's proxy while he was there.
    assert "Présents : Bob (représente Carol), Odile Martin." in minutes
