"""A poll's results: live counts (proxies weighted in), or as frozen at close, and a motion's
decision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from bot.context import RoomVoice, Services
from bot.i18n import _
from handlers.polls.statutes import describe_majority
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
    fraction,
    per_mille,
    proxy_weights,
    threshold,
)
from storage.polls import YES, FrozenResult, OptionRecord, PollKind, PollRecord, Privacy

MAX_NAMES = 10  # voter names shown per option
FOR, AGAINST, ABSTAIN, BLANK = 1, 2, 3, 4


class AssemblyVoices(Protocol):
    """Who has a voice at a general assembly (GA-B's ``storage.assembly.Voices``): the people
    present, and the proxies (giver, holder) whose giver is absent and holder present."""

    @property
    def present(self) -> frozenset[str]: ...

    @property
    def proxies(self) -> tuple[tuple[str, str], ...]: ...


def assembly_voices(services: Services, poll: PollRecord) -> AssemblyVoices | None:
    """An assembly poll's voices now, or None (a plain poll, or no assembly storage)."""
    if poll.assembly_id is None:
        return None
    assembly = getattr(services.store, "assembly", None)
    if assembly is None:
        return None
    voices: AssemblyVoices = assembly.voices(poll.assembly_id)
    return voices


def voices_of(voices: AssemblyVoices, person_key: str) -> list[str]:
    """The voices a person casts, each its own ballot: their own when present, then the
    givers whose proxy they hold (in the order the proxies were given)."""
    own = [person_key] if person_key in voices.present else []
    return own + [giver for giver, holder in voices.proxies if holder == person_key]


def electorate(services: Services, poll: PollRecord) -> int:
    """A motion's electorate when it states none: the roll (or the count the statutes set)
    for an assembly's motion or once names were added to the roll, else the members seen in
    the association's rooms."""
    assembly = getattr(services.store, "assembly", None)
    # Names added to the roll (members outside the chats, who vote by personal link) belong
    # to the electorate of every motion, not only an assembly's.
    if assembly is not None and (
        poll.assembly_id is not None or assembly.roll_names(poll.association_id)
    ):
        return int(assembly.roll_size(poll.association_id))
    count = services.store.statutes.get(poll.association_id).members_count
    if count:
        return count
    return len(services.store.polls.association_members(poll.association_id))


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
    present: int | None = None  # an assembly's voices (present or represented), if known
    chair_answer: int = 0  # the chair's public answer to a motion (for a casting vote)
    in_person: int | None = None  # at an assembly whose quorum counts only those present

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
        members = electorate(services, poll)
    voices = assembly_voices(services, poll)
    present = None if voices is None else len(voices.present) + len(voices.proxies)
    in_person = None
    only_present = (
        voices is not None
        and services.store.statutes.get(poll.association_id).quorum_of == "present"
    )
    if voices is not None and only_present:
        in_person = len(voices.present)  # the statutes count only those present
    if poll.secret:
        return Tally(
            poll,
            options,
            store.counts(poll.id),
            store.voter_count(poll.id),
            {},
            0,
            members or 0,
            present=present,
            in_person=in_person,
        )
    if poll.kind != PollKind.MOTION and poll.seats is None:
        # No proxies: totals straight from SQL, and only the names that will be shown.
        first = store.names(poll.id, MAX_NAMES) if poll.privacy == Privacy.PUBLIC else {}
        return Tally(poll, options, store.counts(poll.id), store.voter_count(poll.id), first)
    ballots = store.ballots(poll.id)
    if voices is not None:
        # An assembly: only voices count (present, or holding proxies of absent givers).
        ballots = [b for b in ballots if voices_of(voices, b.voter_key)]
        extra = {b.voter_key: len(voices_of(voices, b.voter_key)) - 1 for b in ballots}
        extra = {key: held for key, held in extra.items() if held}
    else:
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
    chair = _chair_key(services, poll) if poll.casting_vote else None
    chair_answer = next((min(b.choices) for b in ballots if b.voter_key == chair and b.choices), 0)
    return Tally(
        poll,
        options,
        counts,
        len(ballots) + represented,
        names,
        represented,
        members or 0,
        present=present,
        chair_answer=chair_answer,
        in_person=in_person,
    )


def _chair_key(services: Services, poll: PollRecord) -> str | None:
    """Who chairs the vote: the assembly's chair, else the motion's author."""
    if poll.assembly_id is not None:
        assembly = getattr(services.store, "assembly", None)
        record = assembly.get(poll.assembly_id) if assembly is not None else None
        if record is not None:
            chair: str | None = record.chair_key
            return chair
    return poll.creator_key


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
        tally.present,
        tally.chair_answer,
        tally.in_person,
    )
    return decide_motion(count, poll_rules(poll))


def poll_rules(poll: PollRecord) -> MotionRules:
    """The rules a motion was created with (a base or rule unknown to this version reads as
    the default)."""
    return MotionRules(
        quorum_percent=poll.quorum_percent,
        majority=poll.majority if threshold_known(poll.majority) else Majority.SIMPLE,
        majority_of=MajorityBase(poll.majority_of)
        if poll.majority_of in tuple(MajorityBase)
        else MajorityBase.CAST,
        abstention=AbstentionRule(poll.abstention)
        if poll.abstention in tuple(AbstentionRule)
        else AbstentionRule.EXCLUDED,
        blank=BlankRule(poll.blank) if poll.blank in tuple(BlankRule) else BlankRule.EXCLUDED,
        quorum=poll.quorum,
        casting_vote=poll.casting_vote and not poll.secret,
    )


def threshold_known(majority: str) -> bool:
    """Whether a stored majority is one this version reads."""
    return majority in tuple(Majority) or fraction(majority) not in (None, (0, 1))


def has_blank(tally: Tally) -> bool:
    """Whether a motion offers the blank vote (motions created before it have three answers)."""
    return any(o.position == BLANK for o in tally.options)


def share_text(voice: RoomVoice, count: int, total: int) -> str:
    """A share with one decimal in the room's way: ``68,8 %`` (11 of 16)."""
    return f"{voice.number(per_mille(count, total) / 10)} %"


def threshold_text(voice: RoomVoice, majority: str) -> str:
    """The share a rule asks for: ``66,7 %``, ``plus de 50 %``; empty for a simple majority."""
    share = threshold(majority)
    if share is None:
        return ""
    if majority == Majority.ABSOLUTE:
        return voice.t("more than {share}", share=share_text(voice, 1, 2))
    return share_text(voice, share[0], share[1])


def result_sentence(voice: RoomVoice, tally: Tally, number: int | None = None) -> str:
    """A motion's decision in one sentence with its figures and the rule applied, e.g.
    « Résolution n°3 adoptée à la majorité des deux tiers des suffrages exprimés : 11 pour,
    5 contre (68,8 %, il fallait 66,7 %), 2 abstentions, 1 blanc. » (``number`` given: the
    assembly's resolution number; else « La motion »)."""
    poll = tally.poll
    result = motion_result(tally)
    subject = (
        voice.t("Resolution no. {n}", n=number) if number is not None else voice.t("The motion")
    )
    yes, no = tally.count(FOR), tally.count(AGAINST)
    if result.outcome is Outcome.NO_QUORUM:
        return voice.t(
            "{subject}: quorum not reached ({present} present or represented, {needed} "
            "needed); no decision.",
            subject=subject,
            present=voice.number(result.participants),
            needed=voice.number(result.quorum_needed),
        )
    figures = voice.t("{yes} for, {no} against", yes=voice.number(yes), no=voice.number(no))
    needed = threshold_text(voice, poll.majority)
    if needed:
        figures += " " + voice.t(
            "({share}, {needed} needed)",
            share=share_text(voice, yes, result.base),
            needed=needed,
        )
    figures += ", " + voice.tn(
        "{n} abstention",
        "{n} abstentions",
        tally.count(ABSTAIN),
    )
    if has_blank(tally):
        figures += ", " + voice.tn(
            "{n} blank",
            "{n} blank",
            tally.count(BLANK),
        )
    rule = describe_majority(voice, poll.majority, poll.majority_of)
    adopted = result.outcome is Outcome.ADOPTED
    if number is None:  # a sentence with its verb: « La motion est adoptée à … »
        template = (
            _("The motion is adopted by {rule}: {figures}.")
            if adopted
            else _("The motion is rejected ({rule} required): {figures}.")
        )
    else:  # a resolution's heading style: « Résolution n°3 adoptée à … »
        template = (
            _("{subject} adopted by {rule}: {figures}.")
            if adopted
            else _("{subject} rejected ({rule} required): {figures}.")
        )
    sentence = voice.t(template, subject=subject, rule=rule, figures=figures)
    if adopted and yes < result.yes_needed:
        sentence += " " + voice.t("The chair's casting vote broke the tie.")
    return sentence


def resolution_number(services: Services, poll: PollRecord) -> int | None:
    """An assembly resolution's number (its agenda position), or None for a plain motion."""
    if poll.assembly_id is None:
        return None
    assembly = getattr(services.store, "assembly", None)
    if assembly is None:  # the assembly's storage is not installed
        return None
    for item in assembly.agenda(poll.assembly_id):
        if item.poll_id == poll.id:
            return int(item.position)
    return None
