"""A whole general assembly in the console on a fixed clock: convocation (and its reminders on
the day before), check-in of 11 present, 6 proxies of which 2 on paper, three resolutions under
three majority rules, a secret election of 3 seats with proxies and blank votes, closing, and the
figures the minutes are drafted from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.assembly import AssemblyStatus, AttendanceMode
from tests.harness import Harness, make_config

DAY_BEFORE = datetime(2027, 1, 11, 17, 0, tzinfo=UTC)

PRESENT = ("alice", "bob", "carol", "dan", "erin", "fay", "gus", "hal", "ivy", "jo", "kim")
ABSENT = ("leo", "mia", "ned", "oli")  # give their own proxies before the day
CONVENE = (
    "/ag convoquer 12 janvier 19h | Salle des fêtes, 3 rue Haute | ordre du jour: Rapport "
    "moral; Comptes 2026; Modification des statuts; Élection du bureau"
)


@pytest.fixture
async def bot(data_dir: Path) -> AsyncIterator[Harness]:
    """The day before the assembly, 18:00 in Paris: the J-1 reminder is an hour away."""
    harness = await Harness.start(make_config(data_dir), start=DAY_BEFORE)
    try:
        yield harness
    finally:
        await harness.stop()


async def test_ag_whole_session_from_convocation_to_close(bot: Harness) -> None:
    store = bot.app.services.store
    bot.organizer("alice")
    for member in PRESENT + ABSENT:
        await bot.say("bonjour", member=member)
    association = store.rooms.get("console:asso")
    assert association is not None
    asso = association.association_id
    await bot.say("/membres 30", member="alice")
    store.statutes.set(asso, "quorum_ordinary", "1/4", "console:alice", bot.app.now())

    await bot.say(CONVENE, member="alice")
    # Own proxies before the day, to members who will be there (at most 2 each).
    for giver, holder in zip(ABSENT, ("bob", "bob", "carol", "dan"), strict=True):
        await bot.say(f"/procuration @{holder}", member=giver)
    # The day before, the reminder repeats the agenda and how to give a proxy.
    start = len(bot.sent)
    await bot.advance(timedelta(hours=1, minutes=1))
    warnings = [s.out.text for s in bot.sent[start:]]
    assert any(
        "3. Modification des statuts" in text and "/procuration" in text for text in warnings
    )

    await bot.advance(timedelta(hours=24))
    await bot.say("/ag ouvrir", member="alice")
    await bot.say("/ag president @alice", member="alice")
    await bot.say("/ag secretaire @bob", member="alice")
    for member in PRESENT[:-1]:
        await bot.say("/present", member=member)
    await bot.say("/present à distance", member="kim")
    # Paper proxies recorded by the secretary: names only on the roll.
    await bot.say("/procuration Odile Martin → @erin", member="bob")
    await bot.say("/procuration Paul Durand -> @fay", member="bob")
    quorum = await bot.say("/ag quorum", member="alice")

    assembly = store.assembly.current(asso)
    assert assembly is not None and AssemblyStatus.OPEN == assembly.status
    sheet = store.assembly.attendance(assembly.id)
    assert 11 == len(sheet)
    assert [AttendanceMode.REMOTE] == [a.mode for a in sheet if a.person_key == "console:kim"]
    proxies = store.assembly.proxies(assembly.id)
    assert (6, 2) == (len(proxies), sum(p.paper for p in proxies))
    assert "Quorum : 17 présents ou représentés sur 30, il en faut 8 : atteint." in quorum[0]

    # Three resolutions, three majority rules (set in the statutes before each one).
    async def resolution(majority: str, votes: dict[str, str]) -> str:
        store.statutes.set(asso, "majority_ordinary", majority, "console:alice", bot.app.now())
        await bot.say("/ag suivant", member="alice")
        opened = store.assembly.open_polls(assembly.id)
        assert 1 == len(opened)
        for member, choice in votes.items():
            await bot.say(f"/vote {opened[0]} {choice}", member=member)
        closed = await bot.say(f"/cloturer {opened[0]}", member="alice")
        return closed[0]

    # Weights: bob 3 (own + leo, mia), carol 2, dan 2, erin 2, fay 2, the others 1: 17.
    first = await resolution(
        "simple",
        {
            "alice": "pour",
            "bob": "pour",
            "carol": "contre",
            "dan": "contre",
            "erin": "pour",
            "fay": "abstention",
            "gus": "pour",
            "hal": "contre",
            "ivy": "pour",
            "jo": "blanc",
            "kim": "pour",
        },
    )
    second = await resolution(
        "absolute",
        {
            "alice": "contre",
            "bob": "pour",
            "carol": "contre",
            "dan": "contre",
            "erin": "pour",
            "fay": "contre",
            "gus": "pour",
            "hal": "pour",
            "ivy": "abstention",
            "jo": "pour",
            "kim": "contre",
        },
    )
    third = await resolution(
        "two_thirds",
        {
            "alice": "pour",
            "bob": "pour",
            "carol": "contre",
            "dan": "contre",
            "erin": "pour",
            "fay": "pour",
            "gus": "contre",
            "hal": "pour",
            "ivy": "abstention",
            "jo": "pour",
            "kim": "blanc",
        },
    )
    # pour 1+3+2+1+1+1 = 9, contre 2+2+1 = 5, abstention 2, blanc 1.
    assert "Résolution n°1 adoptée à la majorité simple : 9 pour, 5 contre" in first
    # pour 3+2+1+1+1 = 8, contre 1+2+2+2+1 = 8: no absolute majority.
    assert "Résolution n°2 rejetée" in second and "8 pour, 8 contre" in second
    # pour 1+3+2+2+1+1 = 10, contre 2+2+1 = 5: 66,7 % of 15, two thirds reached.
    assert "Résolution n°3 adoptée à la majorité des deux tiers" in third
    assert "10 pour, 5 contre (66,7 %, il fallait 66,7 %)" in third

    # Item 4 is an election: /ag suivant says so and /election opens it, attached to the AG.
    told = await bot.say("/ag suivant", member="alice")
    assert "est une élection" in told[0]
    await bot.say(
        "/election Bureau | 3 postes | Martine | Paul | Sophie | Yannick", member="alice"
    )
    opened = store.assembly.open_polls(assembly.id)
    assert 1 == len(opened)
    election = store.polls.get(opened[0])
    assert election is not None and election.secret and 3 == election.seats

    # 17 voices, each its own secret ballot (a holder votes once per voice held): 15 ballots
    # cast, 2 blank; an absolute majority of the ballots cast is 8.
    ballots = (
        ["1 2 3"] * 6 + ["1 2 4"] * 3 + ["1 4"] * 3 + ["3"] + ["2"] * 2 + ["5"] * 2
    )  # Martine 12, Paul 11, Sophie 7, Yannick 6, blank 2
    voices = [
        m
        for m in PRESENT
        for _ in range(store.assembly.voices(assembly.id).weight(f"console:{m}"))
    ]
    assert 17 == len(voices) == len(ballots)
    for member, ballot in zip(voices, ballots, strict=True):
        await bot.say(f"/vote {opened[0]} {ballot}", member=member)

    # Close: refused while the election is open, then closed with its time recorded.
    refused = await bot.say("/ag clore", member="alice")
    assert refused[0].startswith(f"Le vote n°{opened[0]} est encore ouvert")
    first_round = await bot.say(f"/cloturer {opened[0]}", member="alice")
    assert "17 bulletins (blancs : 2), 15 suffrages exprimés" in first_round[0]
    assert "Martine : 12 voix — élu·e\nPaul : 11 voix — élu·e\nSophie : 7 voix" in first_round[0]
    assert "1 poste n'est pas pourvu" in first_round[0]
    await bot.say("/election 2e tour", member="alice")
    round_two = store.assembly.open_polls(assembly.id)
    assert 1 == len(round_two)
    for member, ballot in zip(voices, ["1"] * 9 + ["2"] * 6 + ["3"] * 2, strict=True):
        await bot.say(f"/vote {round_two[0]} {ballot}", member=member)
    second_round = await bot.say(f"/cloturer {round_two[0]}", member="alice")
    assert "Sophie : 9 voix — élu·e\nYannick : 6 voix" in second_round[0]
    start = len(bot.sent)
    await bot.say("/ag clore", member="alice")
    posted = bot.sent[start:]
    closed = store.assembly.get(assembly.id)
    assert closed is not None and AssemblyStatus.CLOSED == closed.status
    assert closed.closed_at is not None and closed.opened_at is not None
    assert [True, True, True, False] == [
        bool(item.poll_id) for item in store.assembly.agenda(assembly.id)
    ]
    assert 5 == len(store.assembly.polls(assembly.id))  # 3 resolutions, 2 election rounds
    assert ["console:asso"] == [c.target for c in store.assembly.convocations(assembly.id)]

    # The minutes, drafted at close: the figures above, the annexes as files.
    files = sorted(s.out.attachment.filename.rsplit(".", 1)[1] for s in posted if s.out.attachment)
    assert ["csv", "md", "odt", "odt"] == files
    minutes = next(s.out.text for s in posted if "Résolution n°1" in s.out.text)
    for figure in (
        "Résolution n°1 adoptée à la majorité simple : 9 pour, 5 contre, 2 abstentions, 1 blanc.",
        "Résolution n°2 rejetée",
        "10 pour, 5 contre (66,7 %, il fallait 66,7 %), 1 abstention, 1 blanc.",
        "17 bulletins (blancs : 2), 15 suffrages exprimés",
        "Sophie : 9 voix — élu·e",
        "Odile Martin",
        "Paul Durand",
    ):
        assert figure in minutes


async def test_ag_pv_after_close_posts_the_minutes(bot: Harness) -> None:
    bot.organizer("alice")
    await bot.say("/ag ouvrir", member="alice")
    await bot.say("/present", member="alice")
    await bot.say("/ag clore", member="alice")
    start = len(bot.sent)

    await bot.say("/ag pv", member="alice")

    assert any(
        s.out.attachment and s.out.attachment.filename.endswith(".odt") for s in bot.sent[start:]
    )
