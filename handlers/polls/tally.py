"""Pure vote arithmetic: winners, the best date slot, proxies, quorum and majority of a motion.

No I/O and no text: the polls handler turns these results into sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Majority(StrEnum):
    """How many for votes adopt a motion."""

    SIMPLE = "simple"  # more for than against
    ABSOLUTE = "absolute"  # more than half
    TWO_THIRDS = "two_thirds"


class MajorityBase(StrEnum):
    """What an absolute or two-thirds majority is a share of."""

    CAST = "cast"  # the votes cast
    MEMBERS = "members"  # all the members


class AbstentionRule(StrEnum):
    """Whether abstentions are votes cast."""

    EXCLUDED = "excluded"
    CAST = "cast"


class BlankRule(StrEnum):
    """Whether blank votes are votes cast."""

    EXCLUDED = "excluded"
    COUNTED = "counted"


MAJORITIES = tuple(Majority)
MAJORITY_BASES = tuple(MajorityBase)
ABSTENTION_RULES = tuple(AbstentionRule)
BLANK_RULES = tuple(BlankRule)


class Outcome(StrEnum):
    """What a motion's vote decided."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"


@dataclass(frozen=True, slots=True)
class MotionRules:
    """The association's voting rules (config defaults, overridable per motion).

    ``majority``: simple (more for than against), absolute (more than half), two_thirds.
    ``majority_of``: the half or two thirds of the votes cast, or of all the members.
    ``abstention``: abstentions are ``excluded`` from the votes cast, or ``cast`` (then they
    weigh against an absolute or two-thirds majority).
    ``blank``: blank votes, likewise, are ``excluded`` from the votes cast (French general
    assembly practice) or ``counted`` in them (against an absolute or two-thirds majority).
    Under a simple majority (more for than against) neither changes the outcome. Members who
    abstain or vote blank are present either way, for the quorum.
    """

    quorum_percent: int = 0
    majority: Majority = Majority.SIMPLE
    majority_of: MajorityBase = MajorityBase.CAST
    abstention: AbstentionRule = AbstentionRule.EXCLUDED
    blank: BlankRule = BlankRule.EXCLUDED


@dataclass(frozen=True, slots=True)
class MotionCount:
    """Weighted votes of a motion (proxies included) and the size of the electorate."""

    yes: int
    no: int
    abstain: int
    members: int
    blank: int = 0


@dataclass(frozen=True, slots=True)
class MotionResult:
    """The decision with the figures that justify it."""

    outcome: Outcome
    participants: int  # present or represented
    quorum_needed: int
    cast: int  # votes cast (expressed)
    base: int  # what the majority is computed over
    yes_needed: int  # for votes needed (simple majority: more than the against votes)


def quorum_needed(members: int, percent: int) -> int:
    """Members who must be present or represented: ``percent`` % of ``members``, rounded up."""
    return -(-members * percent // 100) if percent > 0 else 0


def yes_needed(base: int, majority: Majority, no: int) -> int:
    """For votes needed to adopt under a majority rule."""
    if majority == Majority.ABSOLUTE:
        return base // 2 + 1
    if majority == Majority.TWO_THIRDS:
        return max(1, -(-2 * base // 3))
    return no + 1


def decide_motion(count: MotionCount, rules: MotionRules) -> MotionResult:
    """Adopted, rejected or quorum not reached, with the figures."""
    participants = count.yes + count.no + count.abstain + count.blank
    needed_present = quorum_needed(count.members, rules.quorum_percent)
    cast = count.yes + count.no
    cast += count.abstain if rules.abstention == AbstentionRule.CAST else 0
    cast += count.blank if rules.blank == BlankRule.COUNTED else 0
    members_base = rules.majority_of == MajorityBase.MEMBERS
    base = count.members if members_base and count.members > 0 else cast
    needed = yes_needed(base, rules.majority, count.no)
    if participants < needed_present:
        outcome = Outcome.NO_QUORUM
    elif count.yes >= needed and count.yes > 0:
        outcome = Outcome.ADOPTED
    else:
        outcome = Outcome.REJECTED
    return MotionResult(outcome, participants, needed_present, cast, base, needed)


def proxy_weights(voters: Iterable[str], proxies: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Extra votes each voter carries: the givers of proxies to them who did not vote
    themselves (a giver who votes takes their vote back for this poll)."""
    voted = set(voters)
    extra: dict[str, int] = {}
    for giver, holder in proxies:
        if giver not in voted and holder in voted and giver != holder:
            extra[holder] = extra.get(holder, 0) + 1
    return extra


def leaders(counts: Mapping[int, int], options: Sequence[int]) -> list[int]:
    """The options with the most votes (several on a tie; none when nobody voted)."""
    top = max((counts.get(o, 0) for o in options), default=0)
    if top == 0:
        return []
    return [o for o in options if counts.get(o, 0) == top]


def best_slots(
    yes: Mapping[int, int], maybe: Mapping[int, int], options: Sequence[int]
) -> list[int]:
    """Date poll: the slots with the most yes, then the most maybe (several on a tie)."""
    scores = {o: (yes.get(o, 0), maybe.get(o, 0)) for o in options}
    top = max(scores.values(), default=(0, 0))
    if top == (0, 0):
        return []
    return [o for o in options if scores[o] == top]


def bar(count: int, total: int, width: int = 10) -> str:
    """A text bar like ``▓▓▓░░░░░░░``, rounded to the nearest block."""
    filled = round(width * count / total) if total > 0 else 0
    return "▓" * filled + "░" * (width - filled)


def percent(count: int, total: int) -> int:
    """Whole percent, rounded half up (0 when nobody voted)."""
    return (200 * count + total) // (2 * total) if total > 0 else 0
