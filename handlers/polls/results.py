"""A poll's results: live counts (proxies weighted in), or as frozen at close, and a motion's
decision."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.context import Services
from handlers.polls.tally import (
    AbstentionRule,
    BlankRule,
    Majority,
    MajorityBase,
    MotionCount,
    MotionResult,
    MotionRules,
    Outcome,
    decide_motion,
    proxy_weights,
)
from storage.polls import YES, FrozenResult, OptionRecord, PollKind, PollRecord, Privacy

MAX_NAMES = 10  # voter names shown per option
FOR, AGAINST, ABSTAIN, BLANK = 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Tally:
    """Everything needed to show a poll's results."""

    poll: PollRecord
    options: list[OptionRecord]
    counts: dict[tuple[int, int], int]
    voters: int
    names: dict[tuple[int, int], list[str]]
    represented: int = 0
    members: int = 0
    result: MotionResult | None = None  # a closed motion's decision, as frozen at close

    def count(self, position: int, answer: int = YES) -> int:
        return self.counts.get((position, answer), 0)


def load_tally(services: Services, poll: PollRecord) -> Tally:
    """An open poll's live counts; a closed poll's result as frozen at close (a proxy given
    or taken back afterwards changes no decision). A poll closed before results were frozen
    is frozen the first time it is read."""
    if poll.is_open:
        return _live_tally(services, poll)
    frozen = services.store.polls.frozen(poll.id)
    if frozen is None:
        return freeze_tally(services, _live_tally(services, poll))
    result = None
    if frozen.outcome:
        result = MotionResult(
            Outcome(frozen.outcome),
            frozen.participants,
            frozen.quorum_needed,
            frozen.votes_cast,
            frozen.majority_base,
            frozen.yes_needed,
        )
    return Tally(
        poll,
        services.store.polls.options(poll.id),
        frozen.counts,
        frozen.voters,
        frozen.names,
        frozen.represented,
        frozen.members,
        result,
    )


def freeze_tally(services: Services, tally: Tally) -> Tally:
    """Store a closed poll's result with the rule applied; the tally with its decision."""
    poll = tally.poll
    result = motion_result(tally) if poll.kind == PollKind.MOTION else None
    services.store.polls.freeze(
        poll.id,
        FrozenResult(
            voters=tally.voters,
            counts=tally.counts,
            names=tally.names,
            represented=tally.represented,
            members=tally.members,
            outcome=result.outcome.value if result else "",
            participants=result.participants if result else 0,
            quorum_needed=result.quorum_needed if result else 0,
            votes_cast=result.cast if result else 0,
            majority_base=result.base if result else 0,
            yes_needed=result.yes_needed if result else 0,
            quorum_percent=poll.quorum_percent,
            majority=poll.majority,
            majority_of=poll.majority_of,
            abstention=poll.abstention,
            blank=poll.blank,
        ),
        services.clock.now(),
    )
    return replace(tally, result=result)


def _live_tally(services: Services, poll: PollRecord) -> Tally:
    """Counts (proxies weighted in for public motions) and names where they may be shown."""
    store = services.store.polls
    options = store.options(poll.id)
    members = poll.members
    if members is None and poll.kind == PollKind.MOTION:
        members = len(store.association_members(poll.association_id))
    if poll.secret:
        return Tally(
            poll, options, store.counts(poll.id), store.voter_count(poll.id), {}, 0, members or 0
        )
    if poll.kind != PollKind.MOTION:
        # No proxies: totals straight from SQL, and only the names that will be shown.
        first = store.names(poll.id, MAX_NAMES) if poll.privacy == Privacy.PUBLIC else {}
        return Tally(poll, options, store.counts(poll.id), store.voter_count(poll.id), first)
    ballots = store.ballots(poll.id)
    proxies = store.proxies(poll.association_id, poll.id)
    extra = proxy_weights(
        (b.voter_key for b in ballots), ((p.giver_key, p.holder_key) for p in proxies)
    )
    counts: dict[tuple[int, int], int] = {}
    names: dict[tuple[int, int], list[str]] = {}
    for ballot in ballots:
        held = extra.get(ballot.voter_key, 0)
        weight = 1 + held
        for position, answer in ballot.choices.items():
            counts[(position, answer)] = counts.get((position, answer), 0) + weight
            shown = names.setdefault((position, answer), [])
            shown.append(ballot.voter_name + (f" (+{held})" if held else ""))
    if poll.privacy != Privacy.PUBLIC:
        names = {}
    represented = sum(extra.values())
    return Tally(
        poll, options, counts, len(ballots) + represented, names, represented, members or 0
    )


def motion_result(tally: Tally) -> MotionResult:
    """Adopted, rejected or quorum not reached (as decided at close, once closed)."""
    if tally.result is not None:
        return tally.result
    poll = tally.poll
    count = MotionCount(
        tally.count(FOR),
        tally.count(AGAINST),
        tally.count(ABSTAIN),
        tally.members,
        tally.count(BLANK),
    )
    rules = MotionRules(
        poll.quorum_percent,
        Majority(poll.majority),
        MajorityBase(poll.majority_of),
        AbstentionRule(poll.abstention),
        BlankRule(poll.blank),
    )
    return decide_motion(count, rules)


def has_blank(tally: Tally) -> bool:
    """Whether a motion offers the blank vote (motions created before it have three answers)."""
    return any(o.position == BLANK for o in tally.options)
