"""Majorities N/M and unanimity, bases cast / present / members, quorum fractions, shares with
one decimal, the threshold marked, and the result sentence — against hand-computed tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.context import RoomVoice
from bot.i18n import Translator
from handlers import ROUTERS
from handlers.polls.render import motion_lines
from handlers.polls.results import ABSTAIN, AGAINST, BLANK, FOR, Tally, result_sentence
from handlers.polls.tally import (
    AbstentionRule,
    MajorityBase,
    MotionCount,
    MotionRules,
    Outcome,
    decide_motion,
    fraction,
    marked_bar,
    per_mille,
    yes_needed,
)
from storage.polls import OptionRecord, PollKind, PollRecord, Privacy

COMMANDS = tuple(command for router in ROUTERS for command in router.commands)
TRANSLATOR = Translator.load()
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
A, R, Q = Outcome.ADOPTED, Outcome.REJECTED, Outcome.NO_QUORUM
OF_MEMBERS = MajorityBase.MEMBERS


def voice(language: str = "fr") -> RoomVoice:
    return RoomVoice(TRANSLATOR, language, "Europe/Paris", COMMANDS)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ((1, 4), "1/4"),
        ((1, 4), "25%"),
        ((1, 8), "12,5%"),
        ((2, 3), "two_thirds"),
        ((1, 1), "unanimity"),
        ((0, 1), "0"),
        ((1, 2), "2/4"),
        (None, "5/4"),
        (None, "1/0"),
        (None, "abc"),
        (None, "101%"),
    ],
)
def test_fraction(expected: tuple[int, int] | None, text: str) -> None:
    assert expected == fraction(text)


@pytest.mark.parametrize(
    ("expected", "base", "majority", "no"),
    [
        (6, 10, "simple", 5),  # more for than against
        (6, 10, "absolute", 0),  # more than half
        (6, 11, "absolute", 0),
        (7, 10, "two_thirds", 0),  # at least two thirds, rounded up
        (11, 16, "two_thirds", 0),  # 10.67 -> 11
        (8, 10, "3/4", 0),  # 7.5 -> 8
        (9, 12, "3/4", 0),
        (5, 10, "1/2", 0),  # "at least half" (absolute is more than half)
        (6, 10, "3/5", 0),
        (10, 10, "unanimity", 0),
        (1, 0, "unanimity", 0),  # nobody cast: at least one for
        (1, 0, "two_thirds", 0),
    ],
)
def test_yes_needed_table(expected: int, base: int, majority: str, no: int) -> None:
    assert expected == yes_needed(base, majority, no)


# outcome, for, against, abstain, blank, members, present, rules
RULE_TABLE = [
    # the issue's case: 11 / 5 / 2 / 1 under two thirds of cast: 11 of 16 = 68.8 % >= 66.7 %
    (A, 11, 5, 2, 1, 40, None, MotionRules(majority="two_thirds")),
    (R, 10, 6, 2, 1, 40, None, MotionRules(majority="two_thirds")),  # 62.5 %
    (A, 12, 4, 0, 0, 40, None, MotionRules(majority="3/4")),  # exactly 3/4
    (R, 11, 4, 0, 0, 40, None, MotionRules(majority="3/4")),  # 73.3 %
    (A, 9, 0, 3, 1, 40, None, MotionRules(majority="unanimity")),  # abstentions not cast
    (R, 9, 1, 0, 0, 40, None, MotionRules(majority="unanimity")),
    (R, 9, 0, 3, 0, 40, None, MotionRules(majority="unanimity", abstention=AbstentionRule.CAST)),
    (R, 0, 0, 3, 0, 40, None, MotionRules(majority="unanimity")),  # nobody for: nothing adopted
    # base present or represented (attendance): 30 present, 16 for = more than half of 30
    (A, 16, 5, 5, 0, 40, 30, MotionRules(majority="absolute", majority_of=MajorityBase.PRESENT)),
    (R, 15, 5, 5, 0, 40, 30, MotionRules(majority="absolute", majority_of=MajorityBase.PRESENT)),
    # without attendance, present is who voted: 26
    (A, 14, 7, 5, 0, 40, None, MotionRules(majority="absolute", majority_of=MajorityBase.PRESENT)),
    (R, 13, 8, 5, 0, 40, None, MotionRules(majority="absolute", majority_of=MajorityBase.PRESENT)),
    # base all the members
    (R, 20, 0, 0, 0, 40, None, MotionRules(majority="absolute", majority_of=OF_MEMBERS)),
    (A, 21, 0, 0, 0, 40, None, MotionRules(majority="absolute", majority_of=OF_MEMBERS)),
    (A, 27, 0, 0, 0, 40, None, MotionRules(majority="two_thirds", majority_of=OF_MEMBERS)),
    (R, 26, 0, 0, 0, 40, None, MotionRules(majority="two_thirds", majority_of=OF_MEMBERS)),
    # quorum as a fraction: a quarter of 41 is 11 (rounded up)
    (Q, 10, 0, 0, 0, 41, None, MotionRules(quorum="1/4")),
    (A, 11, 0, 0, 0, 41, None, MotionRules(quorum="1/4")),
    (Q, 13, 0, 0, 0, 40, None, MotionRules(quorum="1/3")),  # 13.3 -> 14
    (A, 14, 0, 0, 0, 40, None, MotionRules(quorum="1/3")),
    # quorum from attendance: 12 present or represented, only 5 voted
    (A, 4, 1, 0, 0, 40, 12, MotionRules(quorum="1/4")),
    (Q, 4, 1, 0, 0, 40, 9, MotionRules(quorum="1/4")),
    # the fraction wins over the percent
    (A, 10, 0, 0, 0, 40, None, MotionRules(quorum_percent=50, quorum="1/4")),
    # casting vote: a tie under a simple majority goes the chair's way
    (R, 5, 5, 0, 0, 40, None, MotionRules(casting_vote=True)),  # chair did not vote for
    (R, 5, 5, 0, 0, 40, None, MotionRules()),
]


@pytest.mark.parametrize(
    ("expected", "yes", "no", "abstain", "blank", "members", "present", "rules"), RULE_TABLE
)
def test_decide_motion_rule_table(
    expected: Outcome,
    yes: int,
    no: int,
    abstain: int,
    blank: int,
    members: int,
    present: int | None,
    rules: MotionRules,
) -> None:
    count = MotionCount(yes, no, abstain, members, blank, present)
    assert expected == decide_motion(count, rules).outcome


def test_casting_vote_for_breaks_a_tie() -> None:
    count = MotionCount(5, 5, 0, 40, 0, None, chair=FOR)
    assert A == decide_motion(count, MotionRules(casting_vote=True)).outcome
    assert R == decide_motion(count, MotionRules()).outcome
    against = MotionCount(5, 5, 0, 40, 0, None, chair=AGAINST)
    assert R == decide_motion(against, MotionRules(casting_vote=True)).outcome


@pytest.mark.parametrize(
    ("expected", "count", "total"),
    [(688, 11, 16), (667, 2, 3), (333, 1, 3), (1000, 5, 5), (0, 0, 0), (125, 1, 8), (5, 1, 200)],
)
def test_per_mille(expected: int, count: int, total: int) -> None:
    assert expected == per_mille(count, total)


@pytest.mark.parametrize(
    ("expected", "count", "total", "mark"),
    [
        ("▓▓▓▓▓▓▓┃░░░", 11, 16, (2, 3)),
        ("▓▓▓▓▓┃▓▓░░░", 2, 3, (1, 2)),
        ("▓▓▓▓▓▓▓▓▓▓┃", 5, 5, (1, 1)),
        ("░░░░░░░░░░", 0, 0, None),
    ],
)
def test_marked_bar(expected: str, count: int, total: int, mark: tuple[int, int] | None) -> None:
    assert expected == marked_bar(count, total, mark)


def motion(majority: str = "two_thirds", **changes: object) -> PollRecord:
    poll = PollRecord(
        id=3,
        association_id=1,
        room_key="console:asso",
        creator_key="console:alice",
        creator_name="Alice",
        kind=PollKind.MOTION,
        question="Budget 2027",
        privacy=Privacy.PUBLIC,
        max_choices=1,
        hide_results=False,
        everywhere=False,
        quorum_percent=0,
        majority=majority,
        majority_of="cast",
        abstention="excluded",
        members=40,
        created_at=NOW,
        closes_at=None,
        notice_sent=False,
        closed_at=NOW,
    )
    return replace(poll, **changes)  # type: ignore[arg-type]


OPTIONS = [
    OptionRecord(i, 3, position, label)
    for i, (position, label) in enumerate(
        ((FOR, "for"), (AGAINST, "against"), (ABSTAIN, "abstain"), (BLANK, "blank")), start=1
    )
]


def tally(
    poll: PollRecord, yes: int, no: int, abstain: int, blank: int, present: int | None = None
) -> Tally:
    counts = {(FOR, 2): yes, (AGAINST, 2): no, (ABSTAIN, 2): abstain, (BLANK, 2): blank}
    return Tally(poll, OPTIONS, counts, yes + no + abstain + blank, {}, 0, 40, present=present)


def test_result_sentence_the_issue_example_french() -> None:
    assert (
        "Résolution n°3 adoptée à la majorité des deux tiers des suffrages exprimés : 11 pour, "
        "5 contre (68,8 %, il fallait 66,7 %), 2 abstentions, 1 blanc."
        == result_sentence(voice("fr"), tally(motion(), 11, 5, 2, 1), 3)
    )


def test_result_sentence_english_without_number() -> None:
    assert (
        "The motion is adopted by a two-thirds majority of the votes cast: 11 for, 5 against "
        "(68.8 %, 66.7 % needed), 2 abstentions, 1 blank."
        == result_sentence(voice("en"), tally(motion(), 11, 5, 2, 1))
    )


@pytest.mark.parametrize(
    ("expected", "majority", "counts"),
    [
        (
            "La motion est rejetée (la majorité des deux tiers des suffrages exprimés requise) : "
            "10 pour, 6 contre (62,5 %, il fallait 66,7 %), 0 abstention, 0 blanc.",
            "two_thirds",
            (10, 6, 0, 0),
        ),
        (
            "La motion est adoptée à la majorité simple : 6 pour, 3 contre, 1 abstention, "
            "2 blancs.",
            "simple",
            (6, 3, 1, 2),
        ),
        (
            "La motion est adoptée à la majorité absolue des suffrages exprimés : 6 pour, "
            "5 contre (54,5 %, il fallait plus de 50 %), 0 abstention, 0 blanc.",
            "absolute",
            (6, 5, 0, 0),
        ),
        (
            "La motion est rejetée (l'unanimité des suffrages exprimés requise) : 9 pour, "
            "1 contre (90 %, il fallait 100 %), 0 abstention, 0 blanc.",
            "unanimity",
            (9, 1, 0, 0),
        ),
        (
            "La motion est adoptée à la majorité des trois quarts des suffrages exprimés : "
            "12 pour, 4 contre (75 %, il fallait 75 %), 3 abstentions, 0 blanc.",
            "3/4",
            (12, 4, 3, 0),
        ),
        (
            "La motion est adoptée à la majorité des 3/5 des suffrages exprimés : 6 pour, "
            "4 contre (60 %, il fallait 60 %), 0 abstention, 0 blanc.",
            "3/5",
            (6, 4, 0, 0),
        ),
    ],
)
def test_result_sentence_table(
    expected: str, majority: str, counts: tuple[int, int, int, int]
) -> None:
    assert expected == result_sentence(voice("fr"), tally(motion(majority), *counts))


def test_result_sentence_no_quorum() -> None:
    poll = motion(quorum="1/4")
    assert (
        "Résolution n°2 : quorum non atteint (8 présents ou représentés, il en fallait 10) ; "
        "aucune décision." == result_sentence(voice("fr"), tally(poll, 5, 2, 1, 0), 2)
    )


def test_motion_bars_over_votes_cast_threshold_marked_abstentions_apart() -> None:
    lines = motion_lines(voice("fr"), tally(motion(), 11, 5, 2, 1), hidden=False)
    assert [
        "1. Pour",
        "   ▓▓▓▓▓▓▓┃░░░ 11 (68,8 %)",
        "2. Contre",
        "   ▓▓▓░░░░░░░ 5 (31,3 %)",
        "3. Abstention",
        "   2",
        "4. Blanc",
        "   1",
        "┃ seuil : 66,7 % des suffrages exprimés (il faut 11 pour).",
    ] == lines


@pytest.mark.parametrize(
    ("expected", "present", "in_person"),
    [(A, 12, None), (A, 12, 10), (Q, 12, 9)],  # a quarter of 40 is 10
)
def test_quorum_counting_only_those_present(
    expected: Outcome, present: int, in_person: int | None
) -> None:
    count = MotionCount(4, 1, 0, 40, 0, present, in_person=in_person)
    assert expected == decide_motion(count, MotionRules(quorum="1/4")).outcome
