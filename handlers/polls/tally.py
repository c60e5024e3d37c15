"""Pure vote arithmetic: winners, the best date slot, proxies, quorum and majority of a motion.

No I/O and no text: the polls handler turns these results into sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import gcd


class Majority(StrEnum):
    """How many for votes adopt a motion."""

    SIMPLE = "simple"  # more for than against
    ABSOLUTE = "absolute"  # more than half
    TWO_THIRDS = "two_thirds"  # at least two thirds
    UNANIMITY = "unanimity"  # every vote of the base for
    # Any other share is written "N/M" (at least N/M of the base): see ``fraction``.


class MajorityBase(StrEnum):
    """What an absolute or two-thirds majority is a share of."""

    CAST = "cast"  # the votes cast
    PRESENT = "present"  # the members present or represented
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
    majority: str = Majority.SIMPLE  # a Majority, or "N/M" (at least that share)
    majority_of: MajorityBase = MajorityBase.CAST
    abstention: AbstentionRule = AbstentionRule.EXCLUDED
    blank: BlankRule = BlankRule.EXCLUDED
    quorum: str = ""  # a fraction of the electorate ("1/4", "25%"); wins over quorum_percent
    casting_vote: bool = False  # a tie under a simple majority goes the chair's way


@dataclass(frozen=True, slots=True)
class MotionCount:
    """Weighted votes of a motion (proxies included) and the size of the electorate."""

    yes: int
    no: int
    abstain: int
    members: int
    blank: int = 0
    present: int | None = None  # present or represented (attendance); None: who voted
    chair: int = 0  # the chair's public answer (FOR/AGAINST: 1/2), for a casting vote
    in_person: int | None = None  # present in person, when only they count for the quorum


@dataclass(frozen=True, slots=True)
class MotionResult:
    """The decision with the figures that justify it."""

    outcome: Outcome
    participants: int  # present or represented
    quorum_needed: int
    cast: int  # votes cast (expressed)
    base: int  # what the majority is computed over
    yes_needed: int  # for votes needed (simple majority: more than the against votes)


_FRACTION = re.compile(r"^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*$")
_PERCENT = re.compile(r"^\s*([0-9]{1,3})(?:[.,]([0-9]{1,2}))?\s*%\s*$")


def fraction(text: str) -> tuple[int, int] | None:
    """A share as ``(numerator, denominator)`` in lowest terms: ``"1/4"``, ``"25%"``,
    ``"12,5%"``; ``two_thirds`` and ``unanimity`` too. ``(0, 1)`` for ``"0"`` or ``""``; None
    when the text is no share from 0 to 1."""
    text = text.strip()
    if text in ("", "0", "0%"):
        return (0, 1)
    if text == Majority.TWO_THIRDS:
        return (2, 3)
    if text == Majority.UNANIMITY:
        return (1, 1)
    match = _FRACTION.match(text)
    if match:
        top, bottom = int(match.group(1)), int(match.group(2))
    else:
        match = _PERCENT.match(text)
        if not match:
            return None
        decimals = match.group(2) or ""
        top = int(match.group(1) + decimals)
        bottom = 100 * 10 ** len(decimals)
    if bottom == 0 or top > bottom:
        return None
    if top == 0:
        return (0, 1)
    common = gcd(top, bottom)
    return (top // common, bottom // common)


def share_of(count: int, share: tuple[int, int]) -> int:
    """``share`` of ``count``, rounded up (a quarter of 41 members is 11)."""
    top, bottom = share
    return -(-count * top // bottom) if top > 0 else 0


def quorum_needed(members: int, percent: int) -> int:
    """Members who must be present or represented: ``percent`` % of ``members``, rounded up."""
    return -(-members * percent // 100) if percent > 0 else 0


def quorum_of(rules: MotionRules, members: int) -> int:
    """The quorum of a motion for an electorate of ``members``: its fraction, else its percent."""
    share = fraction(rules.quorum) if rules.quorum else None
    if share is not None:
        return share_of(members, share)
    return quorum_needed(members, rules.quorum_percent)


def threshold(majority: str) -> tuple[int, int] | None:
    """The share of the base a rule asks for (None for a simple majority: more for than
    against); an absolute majority is "more than 1/2", every other share "at least"."""
    if majority == Majority.SIMPLE:
        return None
    if majority == Majority.ABSOLUTE:
        return (1, 2)
    share = fraction(majority)
    return share if share is not None and share[0] > 0 else (1, 2)


def yes_needed(base: int, majority: str, no: int) -> int:
    """For votes needed to adopt under a majority rule (at least one)."""
    if majority == Majority.SIMPLE:
        return no + 1
    if majority == Majority.ABSOLUTE:
        return base // 2 + 1
    share = threshold(majority)
    assert share is not None
    return max(1, share_of(base, share))


def decide_motion(count: MotionCount, rules: MotionRules) -> MotionResult:
    """Adopted, rejected or quorum not reached, with the figures."""
    voted = count.yes + count.no + count.abstain + count.blank
    participants = voted if count.present is None else max(count.present, voted)
    needed_present = quorum_of(rules, count.members)
    cast = count.yes + count.no
    cast += count.abstain if rules.abstention == AbstentionRule.CAST else 0
    cast += count.blank if rules.blank == BlankRule.COUNTED else 0
    base = cast
    if rules.majority_of == MajorityBase.MEMBERS and count.members > 0:
        base = count.members
    elif rules.majority_of == MajorityBase.PRESENT:
        base = participants
    needed = yes_needed(base, rules.majority, count.no)
    counted = participants if count.in_person is None else count.in_person
    if counted < needed_present:
        outcome = Outcome.NO_QUORUM
    elif count.yes >= needed and count.yes > 0:
        outcome = Outcome.ADOPTED
    elif (
        rules.casting_vote
        and rules.majority == Majority.SIMPLE
        and count.yes == count.no > 0
        and count.chair == 1
    ):
        outcome = Outcome.ADOPTED  # a tie, and the chair voted for
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


def per_mille(count: int, total: int) -> int:
    """Tenths of a percent, rounded half up: 11 of 16 is 688 (68.8 %); 0 when nobody voted."""
    return (2000 * count + total) // (2 * total) if total > 0 else 0


def marked_bar(count: int, total: int, mark: tuple[int, int] | None, width: int = 10) -> str:
    """A bar with the threshold marked ``┃`` at its share (``▓▓▓▓▓▓┃▓░░░``)."""
    plain = bar(count, total, width)
    if mark is None or mark[0] <= 0:
        return plain
    at = min(width, round(width * mark[0] / mark[1]))
    return plain[:at] + "┃" + plain[at:]
