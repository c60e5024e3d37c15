"""Elections of people (/election): several seats, secret by default (the statutes say), a blank
vote, proxies counted (at an assembly each voice is its own ballot), the statutes' majority at
the first round and a relative majority at the second (/election 2e tour), ties reported and
never broken silently."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.context import Context, RoomVoice, Services
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.router import Router
from bot.text import clip, comparable, read_number
from handlers.polls.requests import MAX_LABEL, MAX_OPTIONS, MAX_QUESTION, comparable_option, norm
from handlers.polls.results import Tally, load_tally
from handlers.polls.statutes import describe_majority
from handlers.polls.tally import Majority, MajorityBase, yes_needed
from storage.polls import NewPoll, PollKind, PollRecord, Privacy

router = Router("polls")

BLANK_LABEL = ""  # the blank vote's option (no candidate has an empty name)
MAX_SEATS = 50
# Any count of digits and a sign: « 99999999999 postes » or « -1 postes » is a seat count out of
# range (refused), never a candidate.
_SEATS = re.compile(
    r"^([-+]?[0-9]+)\s*(?:postes?|sieges?|seats?|places?|elus?|mandats?)$"
    r"|^(?:postes?|sieges?|seats?|places?)\s*:?\s*([-+]?[0-9]+)$"
)
_SECOND_ROUND = re.compile(
    r"^(?:2e|2eme|deuxieme|second|2nd)\s+(?:tour|round)(?:\s+#?([0-9]{1,9}))?$"
    r"|^(?:second|2nd)\s+round(?:\s+#?([0-9]{1,9}))?$"
)


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """One candidate's votes and whether they are elected."""

    name: str
    votes: int
    elected: bool


@dataclass(frozen=True, slots=True)
class ElectionResult:
    """An election's figures: ``ballots`` (voices that voted, proxies included), ``blank``,
    ``cast`` (ballots that are not blank), the votes a candidate needed (0 for a relative
    majority), candidates by votes, who is elected, and the names tied for the last seats
    (not elected: a tie is never broken silently)."""

    seats: int
    round: int
    ballots: int
    blank: int
    cast: int
    needed: int
    candidates: tuple[CandidateResult, ...]
    elected: tuple[str, ...]
    tied: tuple[str, ...]

    @property
    def unfilled(self) -> int:
        return self.seats - len(self.elected)


def is_election(poll: PollRecord) -> bool:
    return poll.seats is not None


def blank_position(tally: Tally) -> int | None:
    return next((o.position for o in tally.options if o.label == BLANK_LABEL), None)


def count_election(tally: Tally, majority: str = Majority.ABSOLUTE) -> ElectionResult:
    """Who is elected: at round 1 the candidates reaching the majority (of the ballots that
    are not blank), the best first; at round 2 (or under a simple/relative majority) the
    most votes. Candidates tied for the last seats are reported and none of them elected."""
    poll = tally.poll
    seats = poll.seats or 1
    blank_at = blank_position(tally)
    blank = tally.count(blank_at) if blank_at is not None else 0
    ballots = tally.voters
    cast = ballots if poll.blank == "counted" else max(ballots - blank, 0)
    relative = (poll.round or 1) > 1 or majority == Majority.SIMPLE
    needed = 0 if relative else yes_needed(cast, majority, 0)
    votes = [(o.label, tally.count(o.position)) for o in tally.options if o.position != blank_at]
    ranked = sorted(votes, key=lambda item: -item[1])
    eligible = [(name, n) for name, n in ranked if n > 0 and n >= needed]
    elected: list[str] = []
    tied: list[str] = []
    if len(eligible) <= seats:
        elected = [name for name, _n in eligible]
    else:
        boundary = eligible[seats - 1][1]
        above = [name for name, n in eligible if n > boundary]
        at = [name for name, n in eligible if n == boundary]
        if len(above) + len(at) <= seats:
            elected = above + at
        else:
            elected, tied = above, at
    chosen = set(elected)
    return ElectionResult(
        seats=seats,
        round=poll.round or 1,
        ballots=ballots,
        blank=blank,
        cast=cast,
        needed=needed,
        candidates=tuple(CandidateResult(name, n, name in chosen) for name, n in ranked),
        elected=tuple(elected),
        tied=tuple(tied),
    )


def election_majority(services: Services, poll: PollRecord) -> str:
    """The majority the election was opened with (the statutes' at its first round, relative
    at later rounds): a rule changed afterwards changes no election."""
    return poll_majority(poll)


def poll_majority(poll: PollRecord) -> str:
    return Majority.SIMPLE if (poll.round or 1) > 1 else poll.majority


def election_summary(voice: RoomVoice, tally: Tally) -> str:
    """One line: who is elected, and the seats left."""
    result = count_election(tally, poll_majority(tally.poll))
    parts = []
    if result.elected:
        parts.append(voice.t("Elected: {names}.", names=", ".join(result.elected)))
    else:
        parts.append(voice.t("Nobody is elected at this round."))
    if result.tied:
        parts.append(
            voice.t(
                "Tie between {names} for the last seats: not broken; a second round decides.",
                names=", ".join(result.tied),
            )
        )
    return " ".join(parts)


def election_result(services: Services, poll: PollRecord) -> ElectionResult:
    """An election's result (live while open, as frozen at close)."""
    return count_election(load_tally(services, poll), election_majority(services, poll))


def election_sentences(
    voice: RoomVoice, poll: PollRecord, result: ElectionResult, *, hint: bool = True
) -> list[str]:
    """The result in sentences, for the close announcement (``hint``: with the command that
    opens the next round) and for the minutes and the register (without)."""
    # Each number its own plural form (« 1 bulletin », "1 vote cast").
    head = voice.tn(
        "Election “{title}”, round {round}, {n} seat:",
        "Election “{title}”, round {round}, {n} seats:",
        result.seats,
        title=poll.question,
        round=result.round,
    )
    ballots = voice.tn(
        "{n} ballot, {blank} blank,",
        "{n} ballots, {blank} blank,",
        result.ballots,
        blank=voice.number(result.blank),
    )
    cast = voice.tn("{n} vote cast.", "{n} votes cast.", result.cast)
    lines = [f"{head} {ballots} {cast}"]
    if result.needed:
        rule = describe_majority(voice, election_rule(poll, result), MajorityBase.CAST)
        lines.append(
            voice.tn(
                "Elected at this round with {rule}: {n} vote needed.",
                "Elected at this round with {rule}: {n} votes needed.",
                result.needed,
                rule=rule,
            )
        )
    else:
        lines.append(voice.t("Elected at this round with the most votes (relative majority)."))
    for candidate in result.candidates:
        text = voice.tn(
            "{name}: {n} vote", "{name}: {n} votes", candidate.votes, name=candidate.name
        )
        if candidate.elected:
            text += " — " + voice.t("elected")
        lines.append(text)
    if result.tied:
        lines.append(
            voice.t(
                "Tie between {names} for the last seats: not broken; a second round decides.",
                names=", ".join(result.tied),
            )
        )
    if result.elected:
        lines.append(voice.t("Elected: {names}.", names=", ".join(result.elected)))
    if result.unfilled and hint:
        lines.append(
            voice.tn(
                "{n} seat is not filled: /{election} second round opens the next round.",
                "{n} seats are not filled: /{election} second round opens the next round.",
                result.unfilled,
                election=voice.command("election"),
            )
        )
    elif result.unfilled:
        lines.append(
            voice.tn(
                "{n} seat is not filled at this round.",
                "{n} seats are not filled at this round.",
                result.unfilled,
            )
        )
    return lines


def election_rule(poll: PollRecord, result: ElectionResult) -> str:
    """The majority applied, as stored on the poll (``majority``)."""
    return poll.majority if poll.majority != Majority.SIMPLE else Majority.ABSOLUTE


def _read(ctx: Context) -> tuple[str, int, list[str], Privacy | None]:
    segments = [s.strip() for s in ctx.text.split("|")]
    while segments and not segments[-1]:
        segments.pop()
    title = segments[0] if segments else ""
    if not title:
        raise UsageError("Write what the election is for, then the seats and the candidates.")
    if len(title) > MAX_QUESTION:
        raise UsageError("The question is too long (at most {n} characters).", n=MAX_QUESTION)
    seats = 1
    privacy: Privacy | None = None
    candidates: list[str] = []
    seen: set[str] = set()  # comparable names so far: one lookup per candidate, never quadratic
    for segment in segments[1:]:
        word = norm(segment)
        match = _SEATS.match(word)
        if match:
            typed = (match.group(1) or match.group(2)).lstrip("+")
            number = read_number(typed, low=1, high=MAX_SEATS)
            if number is None:
                raise UsageError("The number of seats is from 1 to {n}.", n=MAX_SEATS)
            seats = number
            continue
        if word in ("secret", "scrutin secret", "bulletin secret", "secret ballot"):
            privacy = Privacy.SECRET
            continue
        if word in ("public", "publique", "main levee", "a main levee", "show of hands"):
            privacy = Privacy.PUBLIC
            continue
        if word in ("anonyme", "anonymous"):
            privacy = Privacy.ANONYMOUS
            continue
        if not comparable(segment):
            raise UsageError("A candidate's name is empty: remove the extra |.")
        if len(segment) > MAX_LABEL:
            raise UsageError("A candidate's name is limited to {n} characters.", n=MAX_LABEL)
        if len(candidates) >= MAX_OPTIONS - 1:  # refused at once, whatever follows
            raise UsageError("An election has at most {n} candidates.", n=MAX_OPTIONS - 1)
        key = comparable_option(segment)
        if key in seen:
            raise UsageError("{name} is given twice.", name=clip(segment, 40))
        seen.add(key)
        candidates.append(segment)
    if not candidates:
        raise UsageError("Name the candidates, separated by |.")
    if len(candidates) >= MAX_OPTIONS:
        raise UsageError("An election has at most {n} candidates.", n=MAX_OPTIONS - 1)
    if seats > len(candidates):
        raise UsageError(
            "{seats} seats but {n} candidates: there must be at least as many candidates.",
            seats=seats,
            n=len(candidates),
        )
    return title, seats, candidates, privacy


def _session_id(ctx: Context) -> int | None:
    """The association's open general assembly, if any (its elections belong to it)."""
    assembly = getattr(ctx.store, "assembly", None)
    if assembly is None:
        return None
    record = assembly.open_session(ctx.room.association_id)
    return None if record is None else int(record.id)


def _refuse_open_votes(ctx: Context, assembly_id: int) -> None:
    """One vote at a time in an assembly, as /ag next asks: an election does not open while a
    resolution or another election of the same assembly is still open."""
    still = ctx.store.assembly.open_polls(assembly_id)
    if still:
        raise Refusal(
            "Vote #{id} is still open: close it first with /{close} {id}.",
            id=still[0],
            close=ctx.command_name("close"),
        )


async def _open(
    ctx: Context,
    title: str,
    seats: int,
    candidates: list[str],
    privacy: Privacy,
    *,
    round_: int = 1,
    parent: PollRecord | None = None,
) -> PollRecord:
    from handlers.polls.create import post_poll  # create includes this module's router

    statutes = ctx.store.statutes.get(ctx.room.association_id)
    majority = Majority.SIMPLE if round_ > 1 else statutes.majority_election
    assembly_id = parent.assembly_id if parent else _session_id(ctx)
    if assembly_id is not None:
        _refuse_open_votes(ctx, assembly_id)
    poll = ctx.store.polls.create(
        NewPoll(
            association_id=ctx.room.association_id,
            room_key=ctx.room.key,
            creator_key=ctx.sender.key,
            creator_name=ctx.sender.name,
            kind=PollKind.CHOICE,
            question=title,
            privacy=privacy,
            max_choices=seats,
            everywhere=parent.everywhere if parent else assembly_id is not None,
            majority=majority,
            blank=statutes.blank,
            assembly_id=assembly_id,
            seats=seats,
            round=round_,
            parent_id=parent.id if parent else None,
        ),
        [*candidates, BLANK_LABEL],
        ctx.now(),
    )
    poll, _rooms, _failed = await post_poll(ctx, poll)
    return poll


async def _second_round(ctx: Context, poll_id: int | None) -> None:
    store = ctx.store.polls
    if poll_id is not None:
        previous = store.get(poll_id)
        if previous is None or previous.association_id != ctx.room.association_id:
            raise Refusal("There is no poll #{id} here.", id=poll_id)
    else:
        previous = next(
            (p for p in store.closed_in_association(ctx.room.association_id, 50) if p.seats),
            None,
        )
        if previous is None:
            raise Refusal("No closed election to continue: close the first round first.")
    if not is_election(previous):
        raise Refusal("Poll #{id} is not an election.", id=previous.id)
    if previous.is_open:
        raise Refusal(
            "Election #{id} is still open: close it with /{close} first.",
            id=previous.id,
            close=ctx.command_name("close"),
        )
    result = election_result(ctx.services, previous)
    if not result.unfilled:
        raise Refusal("Every seat of election #{id} is filled.", id=previous.id)
    candidates = [c.name for c in result.candidates if not c.elected]
    await _open(
        ctx,
        previous.question,
        result.unfilled,
        candidates,
        previous.privacy,
        round_=(previous.round or 1) + 1,
        parent=previous,
    )


@router.command(
    "election",
    "election",
    usage=_("title | N seats | candidate | candidate …, or second round [ID]"),
    help=_(
        "Elect people: several seats, secret ballot by default, blank vote, proxies counted, "
        "a second round for the seats left."
    ),
    examples=(
        _("/election Board | 3 seats | Martine | Paul | Sophie | Yannick"),
        _("/election Treasurer | Alice | Bob | public"),
        _("/election second round"),
    ),
    organizer=True,
)
async def election_command(ctx: Context) -> None:
    if ctx.room.private:
        raise Refusal(
            "Polls and motions are voted in a group: start it in one of the association's "
            "rooms. In a private chat you can vote in a secret ballot: /{vote} ID answer.",
            vote=ctx.command_name("vote"),
        )
    match = _SECOND_ROUND.match(norm(ctx.text)) if "|" not in ctx.text else None
    if match:
        number = match.group(1) or match.group(2)
        await _second_round(ctx, ctx.number(number) if number else None)
        return
    title, seats, candidates, privacy = _read(ctx)
    statutes = ctx.store.statutes.get(ctx.room.association_id)
    if privacy is None:
        privacy = Privacy.SECRET if statutes.secret_elections else Privacy.PUBLIC
    poll = await _open(ctx, title, seats, candidates, privacy)
    notes = [
        ctx.tn(
            "Election #{id}: choose at most {n} candidate, or the blank vote.",
            "Election #{id}: choose at most {n} candidates, or the blank vote.",
            seats,
            id=poll.id,
        )
    ]
    if poll.secret:
        notes.append(
            ctx.t(
                "Secret ballot: vote in a private chat with the bot, /{vote} {id} 1,3 (the "
                "numbers of your candidates) or /{vote} {id} {blank} for a blank vote; a "
                "secret vote cannot be changed. A proxy holder votes once per voice held.",
                vote=ctx.command_name("vote"),
                id=poll.id,
                blank=len(candidates) + 1,
            )
        )
    await ctx.reply("\n".join(notes))


def check_election_ballot(poll: PollRecord, positions: list[int], options: int) -> None:
    """A blank vote is a ballot of its own: never with a candidate."""
    if is_election(poll) and options in positions and len(set(positions)) > 1:
        raise UsageError("A blank vote goes alone: choose candidates, or blank, not both.")
