"""The pure vote arithmetic: quorum, majorities, abstentions, blank votes, proxies, ties, best
slot."""

from __future__ import annotations

import pytest

from handlers.polls.tally import (
    MotionCount,
    MotionRules,
    Outcome,
    bar,
    best_slots,
    decide_motion,
    leaders,
    percent,
    proxy_weights,
    quorum_needed,
)

A, R, Q = Outcome.ADOPTED, Outcome.REJECTED, Outcome.NO_QUORUM


@pytest.mark.parametrize(
    ("expected", "members", "percent_"),
    [
        (0, 40, 0),
        (10, 40, 25),
        (11, 41, 25),  # rounded up: 10.25 members is not a quorum
        (20, 40, 50),
        (40, 40, 100),
        (1, 3, 1),
        (0, 0, 50),
    ],
)
def test_quorum_needed(expected: int, members: int, percent_: int) -> None:
    assert expected == quorum_needed(members, percent_)


@pytest.mark.parametrize(
    ("expected", "yes", "no", "abstain", "members", "rules"),
    [
        # simple majority: more for than against; abstentions never matter
        (A, 3, 2, 10, 20, MotionRules()),
        (R, 2, 2, 0, 20, MotionRules()),  # a tie is not a majority
        (R, 2, 3, 0, 20, MotionRules()),
        (R, 0, 0, 5, 20, MotionRules()),  # only abstentions: nothing adopted
        (A, 3, 2, 10, 20, MotionRules(abstention="cast")),
        # absolute majority of votes cast: abstentions excluded or counted
        (A, 6, 5, 4, 20, MotionRules(majority="absolute")),
        (R, 5, 5, 0, 20, MotionRules(majority="absolute")),
        (R, 6, 5, 4, 20, MotionRules(majority="absolute", abstention="cast")),  # 6 of 15
        (A, 8, 5, 2, 20, MotionRules(majority="absolute", abstention="cast")),  # 8 of 15
        # absolute majority of the members
        (R, 10, 0, 0, 20, MotionRules(majority="absolute", majority_of="members")),
        (A, 11, 0, 0, 20, MotionRules(majority="absolute", majority_of="members")),
        # two thirds
        (A, 2, 1, 0, 20, MotionRules(majority="two_thirds")),  # exactly 2/3
        (R, 5, 3, 0, 20, MotionRules(majority="two_thirds")),  # 5/8 < 2/3
        (R, 6, 3, 3, 20, MotionRules(majority="two_thirds", abstention="cast")),  # 6/12
        (A, 14, 0, 0, 20, MotionRules(majority="two_thirds", majority_of="members")),
        (R, 13, 0, 0, 20, MotionRules(majority="two_thirds", majority_of="members")),
        # quorum: present or represented (weights already include proxies)
        (Q, 4, 0, 0, 20, MotionRules(quorum_percent=25)),
        (A, 4, 0, 1, 20, MotionRules(quorum_percent=25)),  # abstaining members are present
        (R, 2, 3, 0, 20, MotionRules(quorum_percent=25)),
        (Q, 9, 0, 0, 20, MotionRules(quorum_percent=50, majority="absolute")),
        (A, 10, 0, 0, 20, MotionRules(quorum_percent=50, majority="absolute")),
    ],
)
def test_decide_motion(
    expected: Outcome, yes: int, no: int, abstain: int, members: int, rules: MotionRules
) -> None:
    assert expected == decide_motion(MotionCount(yes, no, abstain, members), rules).outcome


@pytest.mark.parametrize(
    ("expected", "yes", "no", "abstain", "blank", "rules"),
    [
        # blank votes excluded (the default): they are not votes cast
        (A, 6, 5, 0, 4, MotionRules(majority="absolute")),  # 6 of 11
        (A, 2, 1, 0, 9, MotionRules(majority="two_thirds")),  # 2 of 3
        # blank votes counted: votes cast, so they weigh against adoption
        (R, 6, 5, 0, 4, MotionRules(majority="absolute", blank="counted")),  # 6 of 15
        (A, 8, 5, 0, 2, MotionRules(majority="absolute", blank="counted")),  # 8 of 15
        (R, 2, 1, 0, 1, MotionRules(majority="two_thirds", blank="counted")),  # 2 of 4
        # blank and abstention are separate rules
        (A, 6, 5, 4, 0, MotionRules(majority="absolute", blank="counted")),  # abstentions out
        (A, 6, 5, 0, 4, MotionRules(majority="absolute", abstention="cast")),  # blanks out
        (A, 8, 5, 2, 9, MotionRules(majority="absolute", abstention="cast")),  # 8 of 15
        (A, 6, 3, 2, 2, MotionRules(majority="absolute", abstention="cast")),  # 6 of 11
        (R, 6, 3, 2, 2, MotionRules(majority="absolute", abstention="cast", blank="counted")),
        # simple majority: more for than against, blank votes never matter
        (A, 3, 2, 0, 10, MotionRules(blank="counted")),
        (R, 2, 2, 0, 1, MotionRules(blank="counted")),
        (R, 0, 0, 0, 5, MotionRules()),  # only blank votes: nothing adopted
        # blank voters are present for the quorum
        (A, 4, 0, 0, 1, MotionRules(quorum_percent=25)),
        (Q, 3, 0, 0, 1, MotionRules(quorum_percent=25)),
    ],
)
def test_decide_motion_with_blank_votes(
    expected: Outcome, yes: int, no: int, abstain: int, blank: int, rules: MotionRules
) -> None:
    assert expected == decide_motion(MotionCount(yes, no, abstain, 20, blank), rules).outcome


@pytest.mark.parametrize(
    ("blank_rule", "abstention_rule", "cast"),
    [
        ("excluded", "excluded", 10),
        ("counted", "excluded", 12),
        ("excluded", "cast", 11),
        ("counted", "cast", 13),
    ],
)
def test_votes_cast_count_blank_and_abstention_apart(
    blank_rule: str, abstention_rule: str, cast: int
) -> None:
    rules = MotionRules(abstention=abstention_rule, blank=blank_rule)
    result = decide_motion(MotionCount(7, 3, 1, 40, blank=2), rules)
    assert (cast, 13) == (result.cast, result.participants)


def test_decide_motion_gives_its_figures() -> None:
    result = decide_motion(
        MotionCount(7, 3, 2, 40), MotionRules(quorum_percent=25, majority="absolute")
    )
    assert (12, 10, 10, 10, 6) == (
        result.participants,
        result.quorum_needed,
        result.cast,
        result.base,
        result.yes_needed,
    )


def test_quorum_met_thanks_to_proxies() -> None:
    # 4 members present, 2 of them holding one proxy each: 6 of 20 are present or represented.
    extra = proxy_weights(["a", "b", "c", "d"], [("e", "a"), ("f", "b")])
    weighted_yes = 4 + sum(extra.values())
    rules = MotionRules(quorum_percent=30)
    assert Q == decide_motion(MotionCount(4, 0, 0, 20), rules).outcome
    assert A == decide_motion(MotionCount(weighted_yes, 0, 0, 20), rules).outcome


@pytest.mark.parametrize(
    ("expected", "voters", "proxies"),
    [
        ({}, [], []),
        ({"bob": 1}, ["bob"], [("alice", "bob")]),
        ({"bob": 2}, ["bob"], [("alice", "bob"), ("carol", "bob")]),
        ({}, ["alice", "bob"], [("alice", "bob")]),  # the giver voted: her own vote counts
        ({}, ["carol"], [("alice", "bob")]),  # the holder did not vote
        ({"bob": 1}, ["bob", "dan"], [("alice", "bob"), ("erin", "frank")]),
    ],
)
def test_proxy_weights(
    expected: dict[str, int], voters: list[str], proxies: list[tuple[str, str]]
) -> None:
    assert expected == proxy_weights(voters, proxies)


@pytest.mark.parametrize(
    ("expected", "counts"),
    [
        ([], {}),
        ([2], {1: 1, 2: 3, 3: 0}),
        ([1, 3], {1: 2, 2: 1, 3: 2}),  # a tie names every leader, in option order
        ([], {1: 0, 2: 0, 3: 0}),
    ],
)
def test_leaders(expected: list[int], counts: dict[int, int]) -> None:
    assert expected == leaders(counts, [1, 2, 3])


@pytest.mark.parametrize(
    ("expected", "yes", "maybe"),
    [
        ([], {}, {}),
        ([2], {1: 1, 2: 3}, {}),
        ([3], {1: 2, 2: 1, 3: 2}, {1: 0, 3: 1}),  # most yes, then most maybe
        ([1, 3], {1: 2, 3: 2}, {1: 1, 3: 1}),  # still tied
        ([2], {}, {2: 1}),  # only "maybe" answers still pick a slot
    ],
)
def test_best_slots(expected: list[int], yes: dict[int, int], maybe: dict[int, int]) -> None:
    assert expected == best_slots(yes, maybe, [1, 2, 3])


@pytest.mark.parametrize(
    ("expected", "count", "total"),
    [
        ("░░░░░░░░░░", 0, 0),
        ("▓▓▓▓▓░░░░░", 1, 2),
        ("▓▓▓░░░░░░░", 1, 3),
        ("▓▓▓▓▓▓▓▓▓▓", 5, 5),
    ],
)
def test_bar(expected: str, count: int, total: int) -> None:
    assert expected == bar(count, total)


@pytest.mark.parametrize(
    ("expected", "count", "total"), [(0, 0, 0), (33, 1, 3), (67, 2, 3), (50, 1, 2), (100, 4, 4)]
)
def test_percent(expected: int, count: int, total: int) -> None:
    assert expected == percent(count, total)
