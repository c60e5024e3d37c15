"""Polls and decisions: /sondage, /quand, /motion, /vote, /procuration, /cloturer, /prolonger,
/decisions — with live results, deadlines, secret ballots, proxies and linked rooms."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import ics
from bot.context import Context, Services
from bot.csvsafe import write_csv
from bot.errors import Refusal, UsageError
from bot.i18n import _, format_date, format_datetime, format_number
from bot.message import Attachment, Button, Outgoing, PollSpec
from bot.router import Router
from bot.text import clip, comparable, fold, read_number
from bot.timeparse import WEEKDAYS, parse_moment
from handlers.tally import (
    MotionCount,
    MotionResult,
    MotionRules,
    Outcome,
    bar,
    best_slots,
    decide_motion,
    leaders,
    percent,
    proxy_weights,
)
from storage.members import MemberRecord
from storage.polls import (
    MAYBE,
    YES,
    AlreadyVoted,
    FrozenResult,
    NewPoll,
    OptionRecord,
    PollRecord,
)
from storage.rooms import RoomRecord

router = Router("polls")

PREFIX = "poll"
MAX_OPTIONS = 20
MAX_QUESTION = 300
MAX_LABEL = 100
MAX_MEMBERS = 100_000  # the electorate a motion may state ("N members")
NATIVE_POLL_MAX_ANSWERS = 10  # Telegram's limit, the strictest of the platforms
BUTTON_LABEL = 40
RENDER_DELAY = timedelta(seconds=1)  # at most one edit per second per message
NUDGE_EVERY = timedelta(hours=1)  # at most one nudge per poll per hour
MAX_NAMES = 10  # voter names shown per option
REGISTER_LINES = 20
FOR, AGAINST, ABSTAIN, BLANK = 1, 2, 3, 4
MOTION_LABELS = {FOR: _("For"), AGAINST: _("Against"), ABSTAIN: _("Abstain"), BLANK: _("Blank")}
MOTION_ICONS = {FOR: "✅", AGAINST: "❌", ABSTAIN: "⚪", BLANK: "⬜"}
MOTION_KEYS = ("majority", "majority_of", "abstention", "blank")
KIND_ICONS = {"choice": "📊", "when": "📅", "motion": "🗳"}

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_DEADLINE = re.compile(
    r"^(?:jusqu'\s?(?:a|au|à)|until|till|avant|before|deadline|cloture|closes?)\s+\S", re.I
)
_AT_MOST = re.compile(
    r"^(?:max(?:imum)?|au plus|at most|up to)\s*([0-9]+)"
    r"(?:\s*(?:choix|choices|options|reponses))?$"
    r"|^([0-9]+)\s*(?:max|choix max|choices max|choix au plus)$"
)
_QUORUM = re.compile(r"^quorum\s*:?\s*([0-9]+)\s*%?$")
_MEMBERS = re.compile(
    r"^(?:([0-9]+)\s*(?:membres|members|inscrits|electeurs|voters)"
    r"|(?:membres|members|inscrits|electorate)\s*:?\s*([0-9]+))$"
)
_MODIFIER_WORDS = (
    ("max", "0", "multi|multiple|plusieurs|choix multiple|multiple choice|multiple choices"),
    ("privacy", "anonymous", "anonyme|anonymous|anon"),
    ("privacy", "secret", "secret|vote secret|scrutin secret|bulletin secret|secret ballot"),
    (
        "hide",
        "1",
        "cache|caches|resultats caches|masque|resultats masques|hidden|hide results"
        "|hidden results|results hidden",
    ),
    ("everywhere", "1", "partout|everywhere|tous les salons|all rooms"),
    ("majority", "simple", "majorite simple|majorite relative|simple majority|simple"),
    ("majority", "absolute", "majorite absolue|absolue|absolute majority|absolute"),
    (
        "majority",
        "two_thirds",
        "deux tiers|2/3|majorite des deux tiers|majorite des 2/3|two thirds|two-thirds"
        "|two thirds majority|two-thirds majority",
    ),
    ("majority_of", "members", "des membres|sur les membres|of members|of the members"),
    ("majority_of", "cast", "des exprimes|des suffrages exprimes|of votes cast"),
    (
        "abstention",
        "cast",
        "abstentions comptees|abstentions exprimees|abstentions counted|count abstentions",
    ),
    (
        "abstention",
        "excluded",
        "abstentions exclues|abstentions non comptees|abstentions excluded",
    ),
    (
        "blank",
        "counted",
        "blancs comptes|blanc compte|votes blancs comptes|blancs exprimes|blank counted"
        "|blanks counted|blank votes counted|count blank votes|count blanks",
    ),
    (
        "blank",
        "excluded",
        "blancs exclus|blancs non comptes|votes blancs exclus|blank excluded|blanks excluded"
        "|blank votes excluded",
    ),
)
_WORDS = {word: (key, value) for key, value, words in _MODIFIER_WORDS for word in words.split("|")}
_MOTION_WORDS = {
    **{w: FOR for w in ("pour", "for", "oui", "yes", "1")},
    **{w: AGAINST for w in ("contre", "against", "non", "no", "2")},
    **{w: ABSTAIN for w in ("abstention", "abstentions", "abstain", "abst", "3")},
    **{w: BLANK for w in ("blanc", "blank", "4")},
}
_WITHDRAW = ("retirer", "annuler", "remove", "withdraw", "cancel")
_EXPORTS = {"csv": "csv", "md": "markdown", "markdown": "markdown"}
_WEEKDAY_ABBREVIATIONS = {
    "lun": "lundi",
    "mar": "mardi",
    "mer": "mercredi",
    "jeu": "jeudi",
    "ven": "vendredi",
    "sam": "samedi",
    "dim": "dimanche",
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
_LEADING_WORD = re.compile(r"^\s*([^\W\d_]+)\.?(?=[\s,]|$)")


# Parsing ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Request:
    """A poll as asked for: question, options and modifiers."""

    question: str
    options: list[str]
    settings: dict[str, str] = field(default_factory=dict)
    closes_at: datetime | None = None


def _norm(text: str) -> str:
    return " ".join(fold(text.translate(_APOSTROPHES)).split())


def _comparable(label: str) -> str:
    """An option as members read it: ``a`` and ``a`` + zero-width space, 🍕 and 🍕 + U+FE0F,
    ``Café`` and ``cafe`` are the same option."""
    return _norm(comparable(label))


def _modifier(ctx: Context, segment: str, request: Request, motion: bool) -> bool:
    """Apply one modifier segment to the request; False when it is not a modifier."""
    word = _norm(segment)
    if _DEADLINE.match(segment.translate(_APOSTROPHES).strip()):
        request.closes_at = parse_moment(
            segment, ctx.now(), ctx.lang, ctx.room.timezone, default_hour=18
        )
        return True
    if word in _WORDS:
        key, value = _WORDS[word]
        if (key in MOTION_KEYS and not motion) or (key == "max" and motion):
            return False
        request.settings[key] = value
        return True
    at_most = _AT_MOST.match(word)
    if at_most and not motion:
        most = read_number(at_most.group(1) or at_most.group(2), high=MAX_OPTIONS)
        if most == 0:
            raise UsageError("“At most” needs a number of at least 1.")
        if most is None:
            raise UsageError(
                "“At most” counts choices: at most the number of options ({n} at the most).",
                n=MAX_OPTIONS,
            )
        request.settings["max"] = str(most)
        return True
    quorum = _QUORUM.match(word)
    if quorum and motion:
        percent = read_number(quorum.group(1), high=100)
        if percent is None:
            raise UsageError("A quorum is a percentage from 0 to 100.")
        request.settings["quorum"] = str(percent)
        return True
    members = _MEMBERS.match(word)
    if members and motion:
        count = read_number(members.group(1) or members.group(2), high=MAX_MEMBERS)
        if count is None:
            raise UsageError(
                "The number of members is from 1 to {n}.", n=format_number(MAX_MEMBERS, ctx.lang)
            )
        request.settings["members"] = str(count)
        return True
    return False


def parse_request(ctx: Context, kind: str) -> Request:
    """Split ``question | option | option | modifiers`` and check it."""
    segments = [s.strip() for s in ctx.text.split("|")]
    while len(segments) > 1 and not segments[-1]:
        segments.pop()  # a "|" left at the end adds nothing
    question = segments[0]
    if not question:
        raise UsageError("Write the question after the command.")
    if len(question) > MAX_QUESTION:
        raise UsageError("The question is too long (at most {n} characters).", n=MAX_QUESTION)
    request = Request(question, [])
    rest = segments[1:]
    motion = kind == "motion"
    if motion:
        for segment in rest:
            if not segment or not _modifier(ctx, segment, request, motion=True):
                raise UsageError("Unknown rule “{value}”.", value=segment)
        return request
    while rest and rest[-1] and _modifier(ctx, rest[-1], request, motion=False):
        rest.pop()
    if not rest:
        raise UsageError("Write the options after the question, separated by |.")
    for number, option in enumerate(rest, start=1):
        if not option:
            raise UsageError("Option {n} is empty: remove the extra |.", n=number)
        if len(option) > MAX_LABEL:
            raise UsageError(
                "Option {n} is too long (at most {max} characters).", n=number, max=MAX_LABEL
            )
    if len(rest) < 2:
        raise UsageError("A poll needs at least two options.")
    if len(rest) > MAX_OPTIONS:
        raise UsageError("A poll can have at most {n} options.", n=MAX_OPTIONS)
    folded = [_comparable(o) for o in rest]
    for number, option in enumerate(folded):
        if option in folded[:number]:
            raise UsageError("The option “{option}” is given twice.", option=rest[number])
    request.options = rest
    return request


# Rendering -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Voice:
    """Text in one room's language and timezone (polls are shown in several rooms)."""

    services: Services
    room: RoomRecord

    def t(self, msgid: str, /, **params: object) -> str:
        return self.services.translator.t(self.room.language, msgid, **params)

    def tn(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        return self.services.translator.tn(self.room.language, singular, plural, n, **params)

    def when(self, moment: datetime) -> str:
        return format_datetime(moment, self.room.language, self.room.timezone)

    def number(self, value: int) -> str:
        return format_number(value, self.room.language)

    def command(self, name: str) -> str:
        for command in self.services.commands:
            if command.name == name:
                return command.localized_name(self.room.language)
        return name


def label(voice: Voice, poll: PollRecord, option: OptionRecord) -> str:
    """An option's text (motion answers in the room's language)."""
    if poll.kind == "motion":
        return voice.t(MOTION_LABELS[option.position])
    return option.label


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
    result = motion_result(tally) if poll.kind == "motion" else None
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
    if members is None and poll.kind == "motion":
        members = len(store.association_members(poll.association_id))
    if poll.secret:
        return Tally(
            poll, options, store.counts(poll.id), store.voter_count(poll.id), {}, 0, members or 0
        )
    if poll.kind != "motion":
        # No proxies: totals straight from SQL, and only the names that will be shown.
        first = store.names(poll.id, MAX_NAMES) if poll.privacy == "public" else {}
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
    if poll.privacy != "public":
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
        poll.quorum_percent, poll.majority, poll.majority_of, poll.abstention, poll.blank
    )
    return decide_motion(count, rules)


def _names(voice: Voice, names: list[str], total: int) -> str:
    shown = names[:MAX_NAMES]
    more = total - len(shown)
    text = ", ".join(shown)
    if more <= 0:
        return text
    return text + voice.tn(" and {n} more", " and {n} more", more)


def _title(voice: Voice, poll: PollRecord) -> str:
    if poll.kind == "when":
        title = voice.t("Date poll #{id}: {question}", id=poll.id, question=poll.question)
    elif poll.kind == "motion":
        title = voice.t("Motion #{id}: {question}", id=poll.id, question=poll.question)
    else:
        title = voice.t("Poll #{id}: {question}", id=poll.id, question=poll.question)
    return f"{KIND_ICONS[poll.kind]} {title}"


def rules_text(voice: Voice, poll: PollRecord) -> str:
    """A motion's rules in words."""
    majority = {
        "simple": voice.t("simple majority (more for than against)"),
        "absolute": voice.t("absolute majority"),
        "two_thirds": voice.t("two-thirds majority"),
    }[poll.majority]
    if poll.majority != "simple":
        majority += " " + (
            voice.t("of the members")
            if poll.majority_of == "members"
            else voice.t("of the votes cast")
        )
    parts = [majority]
    if poll.quorum_percent:
        parts.insert(0, voice.t("quorum {n} % of the members", n=poll.quorum_percent))
    abstentions_cast = poll.abstention == "cast"
    if abstentions_cast == (poll.blank == "counted"):
        parts.append(
            voice.t("abstentions and blank votes count as votes cast")
            if abstentions_cast
            else voice.t("abstentions and blank votes are not votes cast")
        )
    else:
        parts.append(
            voice.t("abstentions count as votes cast")
            if abstentions_cast
            else voice.t("abstentions are not votes cast")
        )
        parts.append(
            voice.t("blank votes count as votes cast")
            if poll.blank == "counted"
            else voice.t("blank votes are not votes cast")
        )
    return voice.t("Rules: {rules}.", rules=", ".join(parts))


def _option_lines(voice: Voice, tally: Tally, hidden: bool) -> list[str]:
    poll = tally.poll
    lines: list[str] = []
    if poll.kind == "when":
        for option in tally.options:
            lines.append(f"{option.position}. {option.label}")
            if hidden:
                continue
            yes, maybe = tally.count(option.position), tally.count(option.position, MAYBE)
            line = f"   ✅ {voice.number(yes)} · 🤷 {voice.number(maybe)}"
            who = tally.names.get((option.position, YES), [])
            unsure = tally.names.get((option.position, MAYBE), [])
            if who:
                line += f" — ✅ {_names(voice, who, yes)}"
            if unsure:
                line += f" — 🤷 {_names(voice, unsure, maybe)}"
            lines.append(line)
        return lines
    total = sum(tally.count(o.position) for o in tally.options)
    for option in tally.options:
        text = label(voice, poll, option)
        lines.append(f"{option.position}. {text}")
        if hidden:
            continue
        n = tally.count(option.position)
        line = f"   {bar(n, total)} {voice.number(n)} ({percent(n, total)} %)"
        who = tally.names.get((option.position, YES), [])
        if who:
            # A motion lists every ballot (with the proxies it carries); a poll, the first few.
            line += f" — {_names(voice, who, len(who) if poll.kind == 'motion' else n)}"
        lines.append(line)
    return lines


def render(voice: Voice, tally: Tally) -> str:
    """The poll message: question, options with live bars (unless hidden), how to vote."""
    poll = tally.poll
    final = not poll.is_open
    hidden = not final and (poll.hide_results or poll.secret)
    lines = [_title(voice, poll), *_option_lines(voice, tally, hidden)]
    lines.append("")
    facts = [voice.tn("{n} voter", "{n} voters", tally.voters)]
    if tally.represented:
        facts.append(voice.tn("{n} represented", "{n} represented", tally.represented))
    if poll.kind == "choice" and poll.max_choices != 1:
        facts.append(
            voice.t("multiple choice")
            if poll.max_choices == 0
            else voice.t("at most {n} choices", n=poll.max_choices)
        )
    facts.append(
        {
            "public": voice.t("names shown"),
            "anonymous": voice.t("anonymous"),
            "secret": voice.t("secret ballot"),
        }[poll.privacy]
    )
    if hidden:
        facts.append(voice.t("results at close"))
    lines.append(" · ".join(facts))
    if poll.kind == "motion":
        lines.append(rules_text(voice, poll))
    if final:
        assert poll.closed_at is not None
        lines.append(voice.t("Closed on {when}.", when=voice.when(poll.closed_at)))
        lines.append(summary(voice, tally))
    else:
        if poll.closes_at is not None:
            lines.append(voice.t("Closes on {when}.", when=voice.when(poll.closes_at)))
        lines.append(how_to_vote(voice, poll))
    return "\n".join(lines)


def how_to_vote(voice: Voice, poll: PollRecord) -> str:
    """The text fallback, for platforms without buttons."""
    vote = voice.command("vote")
    if poll.kind == "when":
        return voice.t(
            "Vote with the buttons, or type /{vote} {id} 1,3,4? (yes to 1 and 3, maybe to 4).",
            vote=vote,
            id=poll.id,
        )
    if poll.kind == "motion":
        return voice.t(
            "Vote with the buttons, or type /{vote} {id} for|against|abstain|blank.",
            vote=vote,
            id=poll.id,
        )
    if poll.max_choices != 1:
        return voice.t("Vote with the buttons, or type /{vote} {id} 1,3.", vote=vote, id=poll.id)
    return voice.t("Vote with the buttons, or type /{vote} {id} N.", vote=vote, id=poll.id)


def has_blank(tally: Tally) -> bool:
    """Whether a motion offers the blank vote (motions created before it have three answers)."""
    return any(o.position == BLANK for o in tally.options)


def motion_figures(voice: Voice, tally: Tally, result: MotionResult) -> list[str]:
    """``For: 6``, ``Against: 3``, ``Abstentions: 1``, ``Blank: 2``, the votes cast and who was
    present or represented."""
    figures = [
        voice.t("For: {n}", n=voice.number(tally.count(FOR))),
        voice.t("Against: {n}", n=voice.number(tally.count(AGAINST))),
        voice.t("Abstentions: {n}", n=voice.number(tally.count(ABSTAIN))),
    ]
    if has_blank(tally):
        figures.append(voice.t("Blank: {n}", n=voice.number(tally.count(BLANK))))
    figures += [
        voice.t("Votes cast: {n}", n=voice.number(result.cast)),
        voice.t(
            "Present or represented: {present} of {members} members",
            present=voice.number(result.participants),
            members=voice.number(tally.members),
        ),
    ]
    return figures


def summary(voice: Voice, tally: Tally) -> str:
    """One line of outcome: the winner, the best slot, or the motion's decision."""
    poll = tally.poll
    positions = [o.position for o in tally.options]
    by_position = {o.position: o for o in tally.options}
    if poll.kind == "motion":
        result = motion_result(tally)
        figures = " · ".join(motion_figures(voice, tally, result))
        if result.outcome is Outcome.NO_QUORUM:
            return voice.t(
                "Quorum not reached ({needed} needed). {figures}.",
                needed=voice.number(result.quorum_needed),
                figures=figures,
            )
        if result.outcome is Outcome.ADOPTED:
            return voice.t("Adopted. {figures}.", figures=figures)
        return voice.t("Rejected. {figures}.", figures=figures)
    if poll.kind == "when":
        yes = {p: tally.count(p) for p in positions}
        maybe = {p: tally.count(p, MAYBE) for p in positions}
        best = best_slots(yes, maybe, positions)
        if not best:
            return voice.t("Nobody is available yet.")
        text = " / ".join(by_position[p].label for p in best)
        return voice.t(
            "Best slot: {slot} ({yes} yes, {maybe} maybe).",
            slot=text,
            yes=voice.number(yes[best[0]]),
            maybe=voice.number(maybe[best[0]]),
        )
    counts = {p: tally.count(p) for p in positions}
    top = leaders(counts, positions)
    if not top:
        return voice.t("No votes.")
    names = " / ".join(label(voice, poll, by_position[p]) for p in top)
    if len(top) > 1:
        return voice.tn(
            "Tie between {options} ({n} vote each).",
            "Tie between {options} ({n} votes each).",
            counts[top[0]],
            options=names,
        )
    return voice.tn(
        "Result: {option} ({n} vote).",
        "Result: {option} ({n} votes).",
        counts[top[0]],
        option=names,
    )


# Calendar file of a date poll's slot ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """A date-poll slot read as a moment: a start (UTC) with a time, or a whole day."""

    start: datetime
    timed: bool


def read_slot(text: str, after: datetime, language: str, timezone: str) -> Slot | None:
    """A slot's text (``lun 7/9 18h``, ``jeudi 10 septembre 19h``) as a moment after ``after``
    (when the poll was created), or None when it cannot be read. A weekday that does not match
    the date makes it unreadable: better no calendar file than a wrong one."""
    read = _read_slot(text, after, language, timezone)
    return read[0] if read is not None and read[1] else None


def contradicted_slot(text: str, after: datetime, language: str, timezone: str) -> Slot | None:
    """The date a slot names when its weekday says another day (``lundi 5 janvier 2027``, a
    Tuesday); None when the slot agrees with itself or is no date at all (``Chez Paul``)."""
    read = _read_slot(text, after, language, timezone)
    return read[0] if read is not None and not read[1] else None


def _read_slot(
    text: str, after: datetime, language: str, timezone: str
) -> tuple[Slot, bool] | None:
    """A slot's moment and whether its weekday (if one is written) matches the date."""
    weekday = None
    rest = text
    match = _LEADING_WORD.match(text)
    if match:
        word = fold(match.group(1))
        full = _WEEKDAY_ABBREVIATIONS.get(word, word)
        weekday = WEEKDAYS.get(full)
        if weekday is not None:
            rest = text[match.end() :].strip(" ,")
            text = full + text[match.end() :]
    slot = _parse_slot(text, after, language, timezone)
    if slot is None and weekday is not None and rest:
        # The date reader refuses a weekday that contradicts the date: read the date alone
        # to say which day it really is.
        slot = _parse_slot(rest, after, language, timezone)
        if slot is None:
            return None
    if slot is None:
        return None
    agrees = weekday is None or slot.start.astimezone(ZoneInfo(timezone)).weekday() == weekday
    return slot, agrees


def _parse_slot(text: str, after: datetime, language: str, timezone: str) -> Slot | None:
    try:
        # Read twice with different default hours: if they differ, no time was given.
        start = parse_moment(text, after, language, timezone, default_hour=9)
        other = parse_moment(text, after, language, timezone, default_hour=10)
    except UsageError:
        return None
    return Slot(start, timed=start == other)


def _file_name(poll: PollRecord) -> str:
    words = re.findall(r"[a-z0-9]+", fold(poll.question))
    name = "-".join(words)[:40].strip("-")
    return f"{name or 'poll-' + str(poll.id)}.ics"


def slot_calendar(poll: PollRecord, label: str, slot: Slot, minutes: int, timezone: str) -> bytes:
    """An iCalendar file with one event: the poll's question at the chosen slot."""
    local = slot.start.astimezone(ZoneInfo(timezone))
    start: datetime | date = local if slot.timed else local.date()
    end = local + timedelta(minutes=minutes) if slot.timed else local.date() + timedelta(days=1)
    item = ics.CalendarItem(
        uid=f"assobot-poll-{poll.id}@assobot",
        summary=poll.question,
        start=start,
        end=end,
        stamp=poll.closed_at or poll.created_at,
        description=label,
    )
    return ics.calendar([item], "polls")


def best_of(tally: Tally) -> list[int]:
    """A date poll's best slots (most yes, then most maybe); several on a tie."""
    positions = [o.position for o in tally.options]
    yes = {p: tally.count(p) for p in positions}
    maybe = {p: tally.count(p, MAYBE) for p in positions}
    return best_slots(yes, maybe, positions)


def _origin(services: Services, poll: PollRecord) -> tuple[str, str]:
    """The language and timezone the slots were typed in (the poll's own room)."""
    room = _room(services, poll.room_key)
    if room is None:
        return services.config.language, services.config.timezone
    return room.language, room.timezone


def calendar_for(
    services: Services, poll: PollRecord, option: OptionRecord
) -> tuple[Slot, Attachment] | None:
    """The calendar file of one slot, or None when its date cannot be read."""
    language, timezone = _origin(services, poll)
    slot = read_slot(option.label, poll.created_at, language, timezone)
    if slot is None:
        return None
    minutes = services.config.polls.slot_minutes
    content = slot_calendar(poll, option.label, slot, minutes, timezone)
    return slot, Attachment(_file_name(poll), content, "text/calendar")


def _slot_when(voice: Voice, slot: Slot) -> str:
    if slot.timed:
        return voice.when(slot.start)
    return format_date(slot.start, voice.room.language, voice.room.timezone)


def close_calendar(
    services: Services, tally: Tally
) -> tuple[Attachment | None, list[Callable[[Voice], str]]]:
    """What a closed date poll adds to its results: the chosen slot's calendar file, or why
    there is none (a sentence per room language)."""
    poll = tally.poll
    best = best_of(tally)
    if not best:
        return None, []
    if len(best) > 1:
        return None, [
            lambda voice: voice.t(
                "Tie between slots: get the calendar file of the one you choose with "
                "/{when} ics {id} N.",
                when=voice.command("when"),
                id=poll.id,
            )
        ]
    option = next(o for o in tally.options if o.position == best[0])
    found = calendar_for(services, poll, option)
    if found is None:
        return None, [
            lambda voice: voice.t(
                "The date of “{slot}” could not be read, so no calendar file is attached.",
                slot=option.label,
            )
        ]
    slot, attachment = found
    return attachment, [
        lambda voice: voice.t(
            "📎 Calendar file of the chosen slot: {when}.", when=_slot_when(voice, slot)
        )
    ]


def buttons(
    voice: Voice, poll: PollRecord, options: Sequence[OptionRecord]
) -> tuple[tuple[Button, ...], ...]:
    """Tap targets: ``poll:<id>:<n>`` (``poll:<id>:<n>:y|m|n`` for a date poll)."""
    if not poll.is_open:
        return ()
    if poll.kind == "when":
        return tuple(
            (
                Button(f"{o.position} ✅", f"{PREFIX}:{poll.id}:{o.position}:y"),
                Button(f"{o.position} 🤷", f"{PREFIX}:{poll.id}:{o.position}:m"),
                Button(f"{o.position} ❌", f"{PREFIX}:{poll.id}:{o.position}:n"),
            )
            for o in options
        )
    if poll.kind == "motion":
        return (
            tuple(
                Button(
                    f"{MOTION_ICONS[o.position]} {label(voice, poll, o)}",
                    f"{PREFIX}:{poll.id}:{o.position}",
                )
                for o in options
            ),
        )
    return tuple(
        (Button(_short(f"{o.position}. {o.label}"), f"{PREFIX}:{poll.id}:{o.position}"),)
        for o in options
    )


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL else text[: BUTTON_LABEL - 1] + "…"


def native_poll(
    voice: Voice, poll: PollRecord, options: Sequence[OptionRecord]
) -> PollSpec | None:
    """A native poll where it keeps the rules: not when choices are private (secret,
    anonymous, hidden: answers are public events there), not for date polls (three answers
    per slot), not beyond the platforms' answer limit (the buttons remain)."""
    if (
        not poll.is_open
        or private_choice(poll)
        or poll.kind == "when"
        or len(options) > NATIVE_POLL_MAX_ANSWERS
    ):
        return None
    answers = tuple(
        Button(label(voice, poll, o), f"{PREFIX}:{poll.id}:{o.position}") for o in options
    )
    most = len(options) if poll.max_choices == 0 else poll.max_choices
    return PollSpec(poll.question, answers, most, disclosed=not poll.hide_results)


def outgoing(voice: Voice, tally: Tally) -> Outgoing:
    """The poll message for one room."""
    poll = tally.poll
    return Outgoing(
        render(voice, tally),
        buttons(voice, poll, tally.options),
        poll=native_poll(voice, poll, tally.options),
        private_choice=private_choice(poll),
    )


def private_choice(poll: PollRecord) -> bool:
    """Whether a member's choice must not be seen by the room (secret, anonymous, hidden)."""
    return poll.privacy != "public" or poll.hide_results


# Live updates, closing, timers -----------------------------------------------------------------


def _room(services: Services, key: str) -> RoomRecord | None:
    return services.store.rooms.get(key)


async def refresh(services: Services, poll_id: int) -> None:
    """Edit every message showing the poll (called at most once a second per poll)."""
    poll = services.store.polls.get(poll_id)
    if poll is None:
        return
    tally = load_tally(services, poll)
    for room_key, message_id in services.store.polls.messages(poll_id):
        room = _room(services, room_key)
        if room is not None:
            await services.edit(room_key, message_id, outgoing(Voice(services, room), tally))


def schedule_refresh(services: Services, poll_id: int) -> None:
    """Debounce: the first vote schedules an edit one second later; votes until then join it."""
    job = f"polls:render:{poll_id}"
    if services.scheduler.due_of(job) is not None:
        return

    async def run() -> None:
        await refresh(services, poll_id)

    services.scheduler.at(job, services.clock.now() + RENDER_DELAY, run)


def schedule_deadline(services: Services, poll: PollRecord) -> None:
    """Timers for the closing notice and the automatic close."""
    if poll.closes_at is None or not poll.is_open:
        return
    poll_id = poll.id

    async def close_now() -> None:
        current = services.store.polls.get(poll_id)
        if current is not None and current.is_open:
            await close_poll(services, current, late=False)

    async def notice_now() -> None:
        await send_notice(services, poll_id)

    services.scheduler.at(f"polls:close:{poll_id}", poll.closes_at, close_now)
    minutes = services.config.polls.closing_notice_minutes
    notice_at = poll.closes_at - timedelta(minutes=minutes)
    if minutes and not poll.notice_sent and notice_at > services.clock.now():
        services.scheduler.at(f"polls:notice:{poll_id}", notice_at, notice_now)


def _rooms_of(services: Services, poll: PollRecord) -> list[RoomRecord]:
    keys = [poll.room_key] + [k for k, _m in services.store.polls.messages(poll.id)]
    rooms = []
    for key in dict.fromkeys(keys):
        room = _room(services, key)
        if room is not None:
            rooms.append(room)
    return rooms


def missing_voters(services: Services, poll: PollRecord) -> list[MemberRecord]:
    """Members the bot knows in the association (seen in its rooms) who have not voted."""
    store = services.store.polls
    voted = store.voter_keys(poll.id)
    return [m for m in store.association_members(poll.association_id) if m.key not in voted]


def missing_line(voice: Voice, poll: PollRecord, missing: Sequence[MemberRecord]) -> str:
    """How many have not voted, and who — only for a public poll (in an anonymous or secret
    one, naming the members who have not voted would tell who has), and only the members seen
    in the room it is posted in (the others are counted, not named: a linked bureau room's
    members stay unknown to the public room)."""
    present = voice.services.store.members.keys_in_room(voice.room.key)
    shown = [m.handle for m in missing if m.key in present] if poll.privacy == "public" else []
    if not shown:
        return voice.tn(
            "{n} member has not voted yet.", "{n} members have not voted yet.", len(missing)
        )
    return voice.tn(
        "{n} member has not voted yet: {names}.",
        "{n} members have not voted yet: {names}.",
        len(missing),
        names=_names(voice, shown, len(missing)),
    )


async def send_notice(services: Services, poll_id: int) -> None:
    """ "Closing soon", with who has not voted yet (names only when the poll is public)."""
    store = services.store.polls
    poll = store.get(poll_id)
    if poll is None or not poll.is_open or poll.closes_at is None:
        return
    if poll.closes_at <= services.clock.now() or not store.mark_notice_sent(poll_id):
        return
    missing = missing_voters(services, poll)
    for room in _rooms_of(services, poll):
        voice = Voice(services, room)
        lines = [
            voice.t(
                "⏳ {title} — closes on {when}.",
                title=_title(voice, poll),
                when=voice.when(poll.closes_at),
            )
        ]
        if missing:
            lines.append(missing_line(voice, poll, missing))
        lines.append(how_to_vote(voice, poll))
        await services.send(room.key, Outgoing("\n".join(lines)))


async def close_poll(services: Services, poll: PollRecord, *, late: bool) -> bool:
    """Close once: fix the electorate, show final results in place and post them."""
    store = services.store.polls
    members = None
    if poll.kind == "motion" and poll.members is None:
        members = len(store.association_members(poll.association_id))
    if not store.close(poll.id, services.clock.now(), members):
        return False
    for job in ("close", "notice", "render"):
        services.scheduler.cancel(f"polls:{job}:{poll.id}")
    closed = store.get(poll.id)
    assert closed is not None
    tally = load_tally(services, closed)
    for room_key, message_id in store.messages(poll.id):
        room = _room(services, room_key)
        if room is not None:
            await services.edit(room_key, message_id, outgoing(Voice(services, room), tally))
    attachment, notes = close_calendar(services, tally) if closed.kind == "when" else (None, [])
    for room in _rooms_of(services, closed):
        voice = Voice(services, room)
        lines = [voice.t("🔒 Closed: {title}", title=_title(voice, closed))]
        if late:
            lines.append(voice.t("(closed late: the bot was offline at the deadline)"))
        lines += _option_lines(voice, tally, hidden=False)
        lines.append(summary(voice, tally))
        lines += [note(voice) for note in notes]
        await services.send(room.key, Outgoing("\n".join(lines), attachment=attachment))
    return True


@router.on_start
async def restore_timers(services: Services) -> None:
    """Re-arm deadlines; close at once (marked late) what fell due while the bot was down."""
    now = services.clock.now()
    for poll in services.store.polls.open_polls():
        if poll.closes_at is None:
            continue
        if poll.closes_at <= now:
            await close_poll(services, poll, late=True)
        else:
            schedule_deadline(services, poll)


@router.on_sweep
async def close_overdue(services: Services, now: datetime) -> None:
    """Safety net: anything past its deadline and still open is closed."""
    for poll in services.store.polls.due(now):
        await close_poll(services, poll, late=False)  # the bot was running: not late


# Creating polls --------------------------------------------------------------------------------


async def start_poll(ctx: Context, kind: str) -> None:
    """Store the poll, post it (everywhere when asked), tell the creator what they chose."""
    if ctx.room.private:
        raise Refusal(
            "Polls and motions are voted in a group: start it in one of the association's "
            "rooms. In a private chat you can vote in a secret ballot: /{vote} ID answer.",
            vote=ctx.command_name("vote"),
        )
    request = parse_request(ctx, kind)
    settings = request.settings
    if settings.get("everywhere") == "1" and not ctx.is_organizer:
        # The same rule as a reminder's "everywhere": a member speaks in their own room only.
        raise Refusal(
            "Only an organizer can post in every linked room: remove “everywhere” to post in "
            "this room."
        )
    rules = ctx.config.polls
    privacy = settings.get("privacy", "public")
    max_choices = int(settings.get("max", "1"))
    options = request.options
    if kind == "motion":
        options = ["for", "against", "abstain", "blank"]
    if kind == "choice" and max_choices > len(options):
        raise UsageError(
            "“At most {max}” is more than the {n} options: write at most {n}, or multi.",
            max=max_choices,
            n=len(options),
        )
    if kind == "choice" and max_choices == len(options):
        max_choices = 0
    if kind == "when":
        _check_slots(ctx, options)
    if privacy == "secret" and kind == "when":
        raise UsageError("A date poll cannot be secret: members change their answers.")
    if privacy == "secret" and max_choices != 1:
        raise UsageError("A secret ballot is single choice: a secret vote cannot be changed.")
    quorum = int(settings.get("quorum", rules.quorum_percent))
    if quorum > 100:
        raise UsageError("A quorum is a percentage from 0 to 100.")
    members = int(settings["members"]) if "members" in settings else None
    if members is not None and members < 1:
        raise UsageError("The number of members must be at least 1.")
    store = ctx.store.polls
    poll = store.create(
        NewPoll(
            association_id=ctx.room.association_id,
            room_key=ctx.room.key,
            creator_key=ctx.sender.key,
            creator_name=ctx.sender.name,
            kind=kind,
            question=request.question,
            privacy=privacy,
            max_choices=max_choices if kind == "choice" else (0 if kind == "when" else 1),
            hide_results=settings.get("hide") == "1",
            everywhere=settings.get("everywhere") == "1",
            closes_at=request.closes_at,
            quorum_percent=quorum,
            majority=settings.get("majority", rules.majority),
            majority_of=settings.get("majority_of", rules.majority_of),
            abstention=settings.get("abstention", rules.abstention),
            blank=settings.get("blank", rules.blank),
            members=members,
        ),
        options,
        ctx.now(),
    )
    rooms = ctx.store.rooms.linked_to(ctx.room.key) if poll.everywhere else [ctx.room]
    tally = load_tally(ctx.services, poll)
    failed: list[str] = []
    for room in rooms:
        delivery = await ctx.send(room.key, outgoing(Voice(ctx.services, room), tally))
        if delivery.ok:
            store.add_message(poll.id, room.key, delivery.message_id)
        else:
            failed.append(room.title or room.external_id)
    minutes = ctx.config.polls.closing_notice_minutes
    if poll.closes_at is not None and poll.closes_at - ctx.now() <= timedelta(minutes=minutes):
        store.mark_notice_sent(poll.id)  # too close for a "closing soon" notice
        poll = store.get(poll.id) or poll
    schedule_deadline(ctx.services, poll)
    notes = _creation_notes(ctx, poll, len(rooms), failed)
    if notes:
        await ctx.reply("\n".join(notes))


def _check_slots(ctx: Context, slots: Sequence[str]) -> None:
    """Refuse a slot whose weekday contradicts its date, naming it: members would answer for
    one day and the calendar file would say another."""
    for slot in slots:
        found = contradicted_slot(slot, ctx.now(), ctx.lang, ctx.room.timezone)
        if found is not None:
            raise UsageError(
                "The slot “{slot}” does not match its date: {date}. Correct the day or the date.",
                slot=clip(slot),
                date=ctx.format_date(found.start),
            )


def _creation_notes(ctx: Context, poll: PollRecord, rooms: int, failed: list[str]) -> list[str]:
    notes = []
    if poll.privacy == "anonymous":
        notes.append(
            ctx.t(
                "Anonymous poll: names are never shown, but the bot keeps who voted what so "
                "members can change their vote. For a vote nobody can trace, use secret."
            )
        )
    if poll.secret:
        notes.append(
            ctx.t(
                "Secret ballot: the bot stores who voted apart from the totals, so nobody — "
                "not even the database owner — can tell a member's choice. A vote therefore "
                "cannot be changed, and results appear at close. Your choice is never shown "
                "to the group: a tap the room could see is not counted, and the bot sends you "
                "a private ballot instead. Typing /{vote} in the group shows your choice to "
                "the group: type it in a private chat with the bot instead.",
                vote=ctx.command_name("vote"),
            )
        )
    if rooms > 1:
        notes.append(ctx.tn("Posted in {n} linked room.", "Posted in {n} linked rooms.", rooms))
    if failed:
        notes.append(ctx.t("Not delivered to: {rooms}.", rooms=", ".join(failed)))
    return notes


@router.command(
    "poll",
    "sondage",
    usage=_("question | option | option [| modifiers]"),
    help=_("Start a poll; members vote by tapping, or with /vote."),
    examples=(
        _("/poll Where shall we party? | Village hall | At Paul's | The park"),
        _("/poll Pizza toppings? | Ham | Mushrooms | Olives | at most 2 | until friday 6pm"),
        _("/poll New treasurer? | Alice | Bob | secret | everywhere"),
        _(
            "Modifiers, after the options: multi (several choices), at most N, anonymous "
            "(names hidden), secret (secret ballot), hidden (results at close), everywhere "
            "(every linked room), until friday 6pm (deadline)."
        ),
    ),
)
async def poll_command(ctx: Context) -> None:
    await start_poll(ctx, "choice")


@router.command(
    "when",
    "quand",
    usage=_("question | slot | slot [| modifiers], or ics [ID] [N]"),
    help=_("Find a date: members answer yes, maybe or no for each slot."),
    examples=(
        _("/when Back-to-school meeting? | Mon 7/9 6pm | Tue 8/9 6pm | Thu 10/9 7pm"),
        _("Modifiers, after the slots: anonymous, hidden, everywhere, until friday 6pm."),
        _("/when ics 12 (calendar file of the chosen slot, once closed)"),
    ),
)
async def when_command(ctx: Context) -> None:
    if ctx.args and _norm(ctx.args[0]) == "ics" and "|" not in ctx.text:
        await send_calendar(ctx, list(ctx.args[1:]))
        return
    await start_poll(ctx, "when")


async def send_calendar(ctx: Context, words: list[str]) -> None:
    """``/when ics [ID] [N]``: the calendar file of a closed date poll's best slot (or slot N)."""
    numbers = [w.lstrip("#") for w in words]
    if len(numbers) > 2 or not all(n.isdecimal() for n in numbers):
        raise UsageError(
            "Give the number of a closed date poll, like /{when} ics 12.",
            when=ctx.command_name("when"),
        )
    if numbers:
        poll = _find_poll(ctx, ctx.number(numbers[0]))
    else:
        latest = [
            p
            for p in ctx.store.polls.closed_in_association(ctx.room.association_id, 50)
            if p.kind == "when"
        ]
        if not latest:
            raise Refusal("No date poll has been closed yet.")
        poll = latest[0]
    if poll.kind != "when":
        raise Refusal(
            "Poll #{id} is not a date poll: it has no slot to put in a calendar.", id=poll.id
        )
    if poll.is_open:
        raise Refusal(
            "Date poll #{id} is still open: its calendar file comes once it is closed.", id=poll.id
        )
    tally = load_tally(ctx.services, poll)
    if len(numbers) == 2:
        position = _position(poll, len(tally.options), numbers[1])
    else:
        best = best_of(tally)
        if not best:
            raise Refusal(
                "Nobody was available in date poll #{id}: there is no slot to put in a calendar.",
                id=poll.id,
            )
        if len(best) > 1:
            raise Refusal(
                "Date poll #{id} ended in a tie between slots {slots}: choose one, like "
                "/{when} ics {id} {first}.",
                id=poll.id,
                slots=", ".join(str(p) for p in best),
                when=ctx.command_name("when"),
                first=best[0],
            )
        position = best[0]
    option = next(o for o in tally.options if o.position == position)
    found = calendar_for(ctx.services, poll, option)
    if found is None:
        raise Refusal(
            "The date of “{slot}” could not be read, so there is no calendar file.",
            slot=option.label,
        )
    slot, attachment = found
    voice = Voice(ctx.services, ctx.room)
    await ctx.reply(
        ctx.t(
            "📎 Calendar file of “{slot}” (date poll #{id}): {when}.",
            slot=option.label,
            id=poll.id,
            when=_slot_when(voice, slot),
        ),
        attachment=attachment,
    )


@router.command(
    "motion",
    "motion",
    "resolution",
    usage=_("text [| rules]"),
    help=_(
        "Put a motion to the vote: for, against, abstain or blank, with quorum and majority rules."
    ),
    examples=(
        _("/resolution Approval of the 2025 accounts"),
        _("/resolution Amend the statutes | quorum 50% | two thirds | secret"),
        _(
            "Rules: quorum N%, simple / absolute / two thirds majority, of members (instead of "
            "votes cast), abstentions counted, blank counted (or blank excluded), N members, "
            "secret, anonymous, hidden, everywhere, until friday 6pm."
        ),
    ),
    organizer=True,
)
async def motion_command(ctx: Context) -> None:
    await start_poll(ctx, "motion")


# Voting ----------------------------------------------------------------------------------------


def _find_poll(ctx: Context, poll_id: int | None) -> PollRecord:
    """A poll of this association by id, or the room's latest open poll."""
    store = ctx.store.polls
    if poll_id is None:
        if ctx.room.private:
            raise Refusal(
                "In a private chat, give the poll's number, like /{vote} 12 2 (it is in the "
                "poll's message).",
                vote=ctx.command_name("vote"),
            )
        poll = store.latest_open_in_room(ctx.room.key)
        if poll is None:
            raise Refusal(
                "There is no open poll in this room. Start one with /{poll}.",
                poll=ctx.command_name("poll"),
            )
        return poll
    poll = store.get(poll_id)
    if poll is None or not _may_see(ctx, poll):
        raise Refusal("There is no poll #{id} here.", id=poll_id)
    return poll


def _may_see(ctx: Context, poll: PollRecord) -> bool:
    if poll.association_id == ctx.room.association_id:
        return True
    # A private chat with the bot (a secret vote): the member must belong to the association.
    return ctx.room.private and ctx.store.polls.member_in_association(
        poll.association_id, ctx.sender.key
    )


def cast_vote(
    ctx: Context, poll: PollRecord, choices: dict[int, int], *, withdraw: bool = False
) -> None:
    """Record a whole ballot (replacing the member's previous one); refuse what the rules
    forbid. Secret ballots count once and for good, for the member and the proxies they hold."""
    if not poll.is_open:
        raise Refusal("Poll #{id} is closed: votes are no longer accepted.", id=poll.id)
    if not _may_see(ctx, poll):
        raise Refusal("There is no poll #{id} here.", id=poll.id)
    store = ctx.store.polls
    if not ctx.room.private:
        ctx.store.members.seen(ctx.room.key, ctx.sender, ctx.now())
    if poll.secret:
        if withdraw or not choices:
            raise Refusal("A secret vote cannot be withdrawn.")
        voters = [ctx.sender.key]
        if poll.kind == "motion":
            voters += [
                p.giver_key
                for p in store.proxies(poll.association_id, poll.id)
                if p.holder_key == ctx.sender.key and not store.has_voted(poll.id, p.giver_key)
            ]
        try:
            store.cast_secret(poll.id, voters, choices, holder_key=ctx.sender.key)
        except AlreadyVoted:
            # A giver who votes first keeps their own vote (the holder's ballot skips them);
            # once the holder has voted for them, a secret ballot cannot take that vote back.
            if store.secret_holder(poll.id, ctx.sender.key) is not None:
                raise Refusal(
                    "Your proxy holder has already voted for you in this secret ballot: a "
                    "secret vote cannot be taken back, so your own vote cannot replace it."
                ) from None
            raise Refusal(
                "You have already voted in this secret ballot; a secret vote cannot be changed."
            ) from None
    elif withdraw:
        if not store.withdraw(poll.id, ctx.sender.key):
            raise Refusal(
                "You have not voted in poll #{id}: there is nothing to withdraw.", id=poll.id
            )
    else:
        store.cast(poll.id, ctx.sender.key, ctx.sender.name, choices, ctx.now())
    schedule_refresh(ctx.services, poll.id)


def _check_choices(poll: PollRecord, options: int, positions: list[int]) -> None:
    for position in positions:
        if not 1 <= position <= options:
            raise UsageError(
                "Poll #{id} has options 1 to {n}: “{value}” is not one of them.",
                id=poll.id,
                n=options,
                value=position,
            )
    if poll.max_choices == 1 and len(set(positions)) > 1:
        raise UsageError("Poll #{id} is single choice: give one option number.", id=poll.id)
    if poll.max_choices != 0 and len(set(positions)) > poll.max_choices:
        raise UsageError("Poll #{id} allows at most {n} choices.", id=poll.id, n=poll.max_choices)


def _option_by_label(poll: PollRecord, options: Sequence[OptionRecord], words: list[str]) -> int:
    """The option whose text was typed (``/vote Chez Paul``, ``/vote 🍕``), or 0."""
    if poll.kind != "choice" or all(w.isdecimal() or "," in w for w in words):
        return 0
    typed = _comparable(" ".join(words))
    for option in options:
        if _comparable(option.label) == typed:
            return option.position
    return 0


def _position(poll: PollRecord, options: int, item: str) -> int:
    """An option number typed by a member, from 1 to ``options``."""
    position = read_number(item, low=1, high=options)
    if position is None:
        raise UsageError(
            "Poll #{id} has options 1 to {n}: “{value}” is not one of them.",
            id=poll.id,
            n=options,
            value=clip(item, 24),
        )
    return position


def _parse_choices(poll: PollRecord, options: int, words: list[str]) -> dict[int, int]:
    items = [i for w in words for i in re.split(r"[,;+\s]+", w) if i]
    if not items:
        raise UsageError("Say which option: /vote N, or /vote ID N for a given poll.")
    if poll.kind == "motion":
        positions = []
        for item in items:
            position = _MOTION_WORDS.get(_norm(item))
            if position is None:
                raise UsageError(
                    "Answer a motion with for, against, abstain or blank (or 1 to 4)."
                )
            positions.append(position)
        if len(set(positions)) > 1:
            raise UsageError("Give one answer to a motion.")
        if positions[0] > options:
            raise Refusal(
                "Motion #{id} has no blank vote (it was created before blank votes existed): "
                "answer for, against or abstain.",
                id=poll.id,
            )
        return {positions[0]: YES}
    if poll.kind == "when":
        choices: dict[int, int] = {}
        for item in items:
            maybe = item.endswith("?")
            number = item.rstrip("?")
            if not number.isdecimal():
                raise UsageError("List the slots that suit you, like 1,3,4? (4 = maybe).")
            choices[_position(poll, options, number)] = MAYBE if maybe else YES
        return choices
    positions = []
    for item in items:
        if not item.isdecimal():
            raise UsageError(
                "Give option numbers, like /vote 2 (or /vote 1,3 for several), or an option's "
                "exact text."
            )
        positions.append(_position(poll, options, item))
    _check_choices(poll, options, positions)
    return {p: YES for p in positions}


@router.command(
    "vote",
    "voter",
    usage=_("[ID] N | N,M | for/against/abstain/blank | remove"),
    help=_("Vote in the room's latest open poll, or in poll ID."),
    examples=(
        _("/vote 2"),
        _("/vote 12 1,3"),
        _("/vote 14 for"),
        _("/vote 14 blank"),
        _("/vote 13 1,2?"),
    ),
)
async def vote_command(ctx: Context) -> None:
    words = list(ctx.args)
    if not words:
        raise UsageError("Say which option: /vote N, or /vote ID N for a given poll.")
    poll_id: int | None = None
    if words[0].startswith("#") or len(words) >= 2:
        poll_id = _leading_id(ctx, words)
    poll = _find_poll(ctx, poll_id)
    options = ctx.store.polls.options(poll.id)
    if len(words) == 1 and _norm(words[0]) in _WITHDRAW:
        if poll.secret:
            raise Refusal("A secret vote cannot be withdrawn.")
        cast_vote(ctx, poll, {}, withdraw=True)
        await ctx.reply(ctx.t("Your vote in poll #{id} is withdrawn.", id=poll.id))
        return
    by_label = _option_by_label(poll, options, words)
    choices = {by_label: YES} if by_label else _parse_choices(poll, len(options), words)
    cast_vote(ctx, poll, choices)
    if poll.secret:
        await ctx.reply(ctx.t("Your secret ballot in poll #{id} is counted.", id=poll.id))
        return
    voice = Voice(ctx.services, ctx.room)
    by_position = {o.position: o for o in options}
    chosen = ", ".join(
        label(voice, poll, by_position[p]) + ("?" if answer == MAYBE else "")
        for p, answer in sorted(choices.items())
    )
    await ctx.reply(ctx.t("Vote counted in poll #{id}: {choices}.", id=poll.id, choices=chosen))


def _public_gesture(ctx: Context) -> bool:
    """Whether the tap or answer was seen by the room (a Matrix reaction in a group)."""
    return ctx.message.gesture is not None and ctx.message.gesture.public


async def offer_private_ballot(ctx: Context, poll: PollRecord) -> None:
    """A choice the room saw, on a poll whose choices are private: not counted, removed where
    the platform lets the bot, and answered in private with a ballot to vote there."""
    removed = await ctx.remove_gesture()
    if not poll.is_open:
        await ctx.reply_privately(
            ctx.t("Poll #{id} is closed: votes are no longer accepted.", id=poll.id)
        )
        return
    lines = [
        ctx.t(
            "Your choice in poll #{id} was not counted: everyone in the room could see it. "
            "Vote here, in private: choose below, or write /{vote} {id} N.",
            id=poll.id,
            vote=ctx.command_name("vote"),
        )
    ]
    if not removed:
        lines.append(ctx.t("The bot could not remove it: remove it yourself."))
    private = await ctx.private_room()
    if private is None:
        await ctx.reply_privately("\n".join(lines))
        return
    await ctx.send(private, Outgoing("\n".join(lines)))
    ballot = outgoing(Voice(ctx.services, ctx.room), load_tally(ctx.services, poll))
    await ctx.send(private, ballot)


@router.button(PREFIX)
async def tap(ctx: Context) -> None:
    """A tap. On a poll whose choices are private, a tap the room saw is not counted (a private
    ballot is offered instead), and every answer to the tap goes to the tapper alone."""
    poll_id = read_number(ctx.text.partition(":")[0])
    poll = ctx.store.polls.get(poll_id) if poll_id is not None else None
    if poll is None or not private_choice(poll):
        await _tap(ctx)
        return
    if _public_gesture(ctx):
        await offer_private_ballot(ctx, poll)
        return
    try:
        await _tap(ctx)
    except (Refusal, UsageError) as error:
        text = ctx.services.translator.t(ctx.lang, error.msgid, **error.params)
        await ctx.reply_privately(text)
        return
    if ctx.room.private:  # a private ballot: nothing else shows the tap was counted
        await ctx.reply(ctx.t("Your vote in poll #{id} is recorded.", id=poll.id))


async def _tap(ctx: Context) -> None:
    """A tap: one option (toggled in a multiple-choice poll), or one slot's yes/maybe/no."""
    parts = ctx.text.split(":")
    poll_id = read_number(parts[0])
    if len(parts) < 2 or poll_id is None:
        return  # not one of our buttons (the payload comes from the platform, trust nothing)
    poll = ctx.store.polls.get(poll_id)
    if poll is None:
        raise Refusal("This poll no longer exists.")
    store = ctx.store.polls
    position = read_number(parts[1], low=1, high=len(store.options(poll.id)))
    if position is None:
        return
    if poll.secret or (poll.kind != "when" and poll.max_choices == 1):
        cast_vote(ctx, poll, {position: YES})  # a single choice replaces the ballot
        return
    current = store.ballot_of(poll.id, ctx.sender.key) or {}
    if poll.kind == "when":
        answer = parts[2] if len(parts) > 2 else "y"
        choices = dict(current)
        if answer == "n":
            choices.pop(position, None)
        else:
            choices[position] = MAYBE if answer == "m" else YES
        cast_vote(ctx, poll, choices)  # all "no" still counts as an answer
        return
    choices = dict(current)
    if position in choices:
        choices.pop(position)
    else:
        choices[position] = YES
        if poll.max_choices and len(choices) > poll.max_choices:
            raise Refusal(
                "{name}: poll #{id} allows at most {n} choices; tap a chosen one again to "
                "remove it.",
                name=ctx.sender.name,
                id=poll.id,
                n=poll.max_choices,
            )
    cast_vote(ctx, poll, choices)


@router.vote(PREFIX)
async def native_vote(ctx: Context) -> None:
    """A native poll response: the whole selection replaces the previous one."""
    chosen: dict[int, dict[int, int]] = {}
    for payload in ctx.args:
        poll_text, _sep, position_text = payload.partition(":")
        poll_id, position = read_number(poll_text), read_number(position_text, high=MAX_OPTIONS)
        if poll_id is not None and position is not None:
            chosen.setdefault(poll_id, {})[position] = YES
    for poll_id, choices in chosen.items():
        poll = ctx.store.polls.get(poll_id)
        if poll is None:
            continue
        if private_choice(poll) and _public_gesture(ctx):
            await offer_private_ballot(ctx, poll)  # a native poll made before choices hid
            continue
        _check_choices(poll, len(ctx.store.polls.options(poll_id)), list(choices))
        cast_vote(ctx, poll, choices)


# Closing, extending, proxies, register ---------------------------------------------------------


def _leading_id(ctx: Context, words: list[str]) -> int | None:
    """A poll number typed first (``12`` or ``#12``), taken off ``words``; bounded, so a
    20-digit number is a clear answer and not an overflow in SQLite."""
    if words and words[0].lstrip("#").isdecimal():
        return ctx.number(words.pop(0))
    return None


def _manage(ctx: Context, words: list[str]) -> tuple[PollRecord, list[str]]:
    """The poll named by a leading id (or the room's latest open one), if the sender created
    it or is an organizer."""
    poll = _find_poll(ctx, _leading_id(ctx, words))
    # A role holds where it was earned: an organizer of the poll's room (or a linked one), never
    # the "organizer" everyone is in their private chat with the bot.
    if not ctx.may_act_on(poll.room_key, poll.creator_key):
        if ctx.room.private:
            raise Refusal(
                "A private chat gives no role in the association's rooms: only the creator of "
                "poll #{id} or an organizer can do this, in the poll's room.",
                id=poll.id,
            )
        raise Refusal("Only the poll's creator or an organizer can do this.")
    return poll, words


@router.command(
    "close",
    "cloturer",
    usage=_("[ID]"),
    help=_("Close a poll now and post its results."),
    examples=(_("/close 12"),),
)
async def close_command(ctx: Context) -> None:
    poll, _rest = _manage(ctx, list(ctx.args))
    if not poll.is_open or not await close_poll(ctx.services, poll, late=False):
        raise Refusal("Poll #{id} is already closed.", id=poll.id)


@router.command(
    "extend",
    "prolonger",
    usage=_("[ID] until <date>"),
    help=_("Give a poll a new deadline."),
    examples=(_("/extend 12 until sunday 8pm"),),
)
async def extend_command(ctx: Context) -> None:
    poll, words = _manage(ctx, list(ctx.args))
    if not poll.is_open:
        raise Refusal(
            "Poll #{id} is already closed: it can no longer be extended. Start a new one if "
            "needed.",
            id=poll.id,
        )
    if not words:
        raise UsageError("Say until when, like: until sunday 8pm.")
    closes_at = parse_moment(
        " ".join(words), ctx.now(), ctx.lang, ctx.room.timezone, default_hour=18
    )
    store = ctx.store.polls
    store.extend(poll.id, closes_at)
    extended = store.get(poll.id)
    assert extended is not None
    minutes = ctx.config.polls.closing_notice_minutes
    if closes_at - ctx.now() <= timedelta(minutes=minutes):
        store.mark_notice_sent(poll.id)
        extended = store.get(poll.id) or extended
    ctx.scheduler.cancel(f"polls:notice:{poll.id}")
    schedule_deadline(ctx.services, extended)
    schedule_refresh(ctx.services, poll.id)
    await ctx.reply(
        ctx.t("Poll #{id} now closes on {when}.", id=poll.id, when=ctx.format_datetime(closes_at))
    )


@router.command(
    "nudge",
    "relancer",
    usage=_("[ID]"),
    help=_("Remind the members who have not voted yet (at most once an hour per poll)."),
    examples=(_("/nudge 12"),),
)
async def nudge_command(ctx: Context) -> None:
    poll, words = _manage(ctx, list(ctx.args))
    if words:
        raise UsageError("Give a poll number, like /{nudge} 12.", nudge=ctx.command_name("nudge"))
    if not poll.is_open:
        raise Refusal("Poll #{id} is closed: votes are no longer accepted.", id=poll.id)
    missing = missing_voters(ctx.services, poll)
    if not missing:
        await ctx.reply(ctx.t("Every member the bot knows has voted in poll #{id}.", id=poll.id))
        return
    store = ctx.store.polls
    now = ctx.now()
    if not store.claim_nudge(poll.id, now, now - NUDGE_EVERY):
        last = (store.get(poll.id) or poll).nudged_at or now
        raise Refusal(
            "Poll #{id} was nudged less than an hour ago; to avoid spam, the next nudge is "
            "possible from {when}.",
            id=poll.id,
            when=ctx.format_datetime(last + NUDGE_EVERY),
        )
    rooms = _rooms_of(ctx.services, poll)
    for room in rooms:
        voice = Voice(ctx.services, room)
        lines = [
            voice.t("🔔 {title}", title=_title(voice, poll)),
            missing_line(voice, poll, missing),
        ]
        if poll.closes_at is not None:
            lines.append(voice.t("Closes on {when}.", when=voice.when(poll.closes_at)))
        lines.append(how_to_vote(voice, poll))
        await ctx.send(room.key, Outgoing("\n".join(lines)))
    if ctx.room.key not in {room.key for room in rooms}:
        await ctx.reply(ctx.tn("Nudge sent to {n} room.", "Nudge sent to {n} rooms.", len(rooms)))


def _member(ctx: Context, handle: str) -> MemberRecord:
    found: dict[str, MemberRecord] = {}
    for room in ctx.store.rooms.linked_to(ctx.room.key):
        for member in ctx.store.members.find_in_room(room.key, handle):
            found.setdefault(member.key, member)
    if not found:
        raise Refusal("Nobody called {name} has written in this association yet.", name=handle)
    if len(found) > 1:
        raise Refusal("Several members are called {name}: use their @username.", name=handle)
    return next(iter(found.values()))


@router.command(
    "proxy",
    "procuration",
    usage=_("[@member [ID] | remove]"),
    help=_("Give your vote on motions to another member, or take it back."),
    examples=(_("/proxy @bob"), _("/proxy @bob 14"), _("/proxy remove")),
)
async def proxy_command(ctx: Context) -> None:
    store = ctx.store.polls
    association = ctx.room.association_id
    words = list(ctx.args)
    if ctx.room.private:
        raise Refusal(
            "Give your proxy in one of the association's rooms, where the bot knows its members."
        )
    if not words:
        given = [p for p in store.proxies(association) if p.giver_key == ctx.sender.key]
        held = [p for p in store.proxies(association) if p.holder_key == ctx.sender.key]
        lines = [
            ctx.t(
                "You gave your vote to {name}{scope}.",
                name=p.holder_name,
                scope=_scope(ctx, p.poll_id),
            )
            for p in given
        ] + [
            ctx.t(
                "You hold the vote of {name}{scope}.",
                name=p.giver_name,
                scope=_scope(ctx, p.poll_id),
            )
            for p in held
        ]
        await ctx.reply("\n".join(lines) or ctx.t("You neither gave nor hold any proxy."))
        return
    if len(words) == 1 and _norm(words[0]) in _WITHDRAW:
        if not store.revoke_proxies(association, ctx.sender.key):
            raise Refusal("You have not given your vote to anyone.")
        await ctx.reply(ctx.t("Your proxy is taken back: you vote yourself again."))
        return
    if len(words) > 2 or (len(words) == 2 and not words[1].lstrip("#").isdecimal()):
        raise UsageError("Name one member, like @bob, and optionally a motion number.")
    motion_id = ctx.number(words[1]) if len(words) == 2 else None
    holder = _member(ctx, words[0])
    if holder.key == ctx.sender.key:
        raise Refusal("You cannot give your vote to yourself.")
    poll_id: int | None = None
    if motion_id is not None:
        poll = _find_poll(ctx, motion_id)
        if poll.kind != "motion" or not poll.is_open:
            raise Refusal("Proxies are for open motions: #{id} is not one.", id=poll.id)
        if store.has_voted(poll.id, ctx.sender.key):
            raise Refusal(
                "You have already voted in motion #{id}: your own vote counts, a proxy would "
                "change nothing.",
                id=poll.id,
            )
        poll_id = poll.id
    proxies = store.proxies(association)
    if any(p.giver_key == holder.key for p in proxies):
        raise Refusal(
            "{name} has given their own vote to someone else: proxies do not chain.",
            name=holder.name,
        )
    if any(p.holder_key == ctx.sender.key for p in proxies):
        raise Refusal("You hold other members' votes: you cannot give yours away.")
    givers = {p.giver_key for p in proxies if p.holder_key == holder.key}
    givers.discard(ctx.sender.key)
    cap = ctx.config.polls.proxy_cap
    if len(givers) >= cap:
        raise Refusal(
            "{name} already holds {n} proxies, the most allowed.", name=holder.name, n=cap
        )
    me = MemberRecord(
        ctx.sender.key, ctx.sender.platform, ctx.sender.id, ctx.sender.name, ctx.sender.username
    )
    store.give_proxy(association, me, holder, poll_id, ctx.now())
    await ctx.reply(
        ctx.t(
            "{name} now votes for you{scope}. If you vote yourself, your own vote counts — in "
            "a secret ballot only if you vote before {name} does, as a secret vote cannot be "
            "taken back. Take your proxy back with /{proxy} remove.",
            name=holder.name,
            scope=_scope(ctx, poll_id),
            proxy=ctx.command_name("proxy"),
        )
    )


def _scope(ctx: Context, poll_id: int | None) -> str:
    if poll_id is None:
        return ctx.t(" on every motion")
    return ctx.t(" on motion #{id}", id=poll_id)


def _register_rows(ctx: Context, limit: int) -> list[tuple[PollRecord, Tally]]:
    polls = ctx.store.polls.closed_in_association(ctx.room.association_id, limit)
    return [(poll, load_tally(ctx.services, poll)) for poll in polls]


def _motion_cells(tally: Tally) -> list[str]:
    """A motion's for, against, abstention and blank figures (empty for other polls, and blank
    empty for a motion created before blank votes existed)."""
    if tally.poll.kind != "motion":
        return ["", "", "", ""]
    cells = [str(tally.count(p)) for p in (FOR, AGAINST, ABSTAIN)]
    return [*cells, str(tally.count(BLANK)) if has_blank(tally) else ""]


def _kind_name(voice: Voice, kind: str) -> str:
    return {
        "choice": voice.t("poll"),
        "when": voice.t("date poll"),
        "motion": voice.t("motion"),
    }[kind]


@router.command(
    "decisions",
    "decisions",
    "register",
    usage=_("[csv | markdown]"),
    help=_("List the closed polls and motions with their outcome, or export them."),
    examples=(_("/register"), _("/register csv")),
)
async def register_command(ctx: Context) -> None:
    voice = Voice(ctx.services, ctx.room)
    wanted = _EXPORTS.get(_norm(ctx.args[0])) if ctx.args else None
    if ctx.args and (wanted is None or len(ctx.args) > 1):
        raise UsageError("Choose csv or markdown.")
    rows = _register_rows(ctx, REGISTER_LINES if wanted is None else 100_000)
    if not rows:
        await ctx.reply(ctx.t("No poll or motion has been closed yet."))
        return
    if wanted is None:
        lines = [ctx.t("Register of decisions (latest first):")]
        for poll, tally in rows:
            assert poll.closed_at is not None
            lines.append(
                f"#{poll.id} · {ctx.format_date(poll.closed_at)} · "
                f"{_kind_name(voice, poll.kind)} « {poll.question} » → {summary(voice, tally)}"
            )
        lines.append(
            ctx.t("Export: /{name} csv or /{name} markdown.", name=ctx.command_name("decisions"))
        )
        await ctx.reply("\n".join(lines))
        return
    table = [
        [
            str(poll.id),
            _kind_name(voice, poll.kind),
            poll.question,
            format_datetime(poll.created_at, ctx.lang, ctx.room.timezone),
            format_datetime(poll.closed_at, ctx.lang, ctx.room.timezone) if poll.closed_at else "",
            str(tally.voters),
            *_motion_cells(tally),
            summary(voice, tally),
        ]
        for poll, tally in reversed(rows)
    ]
    header = [
        ctx.t("id"),
        ctx.t("kind"),
        ctx.t("question"),
        ctx.t("opened"),
        ctx.t("closed"),
        ctx.t("voters"),
        ctx.t("for"),
        ctx.t("against"),
        ctx.t("abstentions"),
        ctx.t("blank"),
        ctx.t("outcome"),
    ]
    if wanted == "csv":
        # Cells neutralised against formulas: a secretary opens this in a spreadsheet.
        attachment = Attachment("decisions.csv", write_csv([header, *table]), "text/csv")
    else:
        cells = [[c.replace("|", "\\|").replace("\n", " ") for c in row] for row in table]
        body = "\n".join(
            [
                "| " + " | ".join(header) + " |",
                "|" + "---|" * len(header),
                *("| " + " | ".join(row) + " |" for row in cells),
            ]
        )
        attachment = Attachment("decisions.md", body.encode() + b"\n", "text/markdown")
    intro = ctx.tn(
        "Register of decisions as {format}: {n} poll or motion, in the attached file {file}.",
        "Register of decisions as {format}: {n} polls and motions, in the attached file {file}.",
        len(rows),
        format=wanted.upper() if wanted == "csv" else "Markdown",
        file=attachment.filename,
    )
    await ctx.reply(intro, attachment=attachment)
