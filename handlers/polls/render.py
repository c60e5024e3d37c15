"""What members read: a poll's message (question, options with live bars or hidden, facts, how
to vote), its buttons or native poll, and the one-line outcome."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import RoomVoice
from bot.i18n import _
from bot.message import Button, Outgoing, PollSpec
from handlers.polls.election import election_summary
from handlers.polls.results import (
    ABSTAIN,
    AGAINST,
    BLANK,
    FOR,
    MAX_NAMES,
    Tally,
    has_blank,
    motion_result,
    share_text,
    threshold_text,
)
from handlers.polls.statutes import describe_base, describe_majority, describe_share
from handlers.polls.tally import (
    AbstentionRule,
    BlankRule,
    Majority,
    MajorityBase,
    MotionResult,
    Outcome,
    bar,
    best_slots,
    fraction,
    leaders,
    marked_bar,
    percent,
    threshold,
)
from storage.polls import MAYBE, YES, OptionRecord, PollKind, PollRecord, Privacy

PREFIX = "poll"
NATIVE_POLL_MAX_ANSWERS = 10  # Telegram's limit, the strictest of the platforms
BUTTON_LABEL = 40
MOTION_LABELS = {FOR: _("For"), AGAINST: _("Against"), ABSTAIN: _("Abstain"), BLANK: _("Blank")}
MOTION_ICONS = {FOR: "✅", AGAINST: "❌", ABSTAIN: "⚪", BLANK: "⬜"}
KIND_ICONS = {PollKind.CHOICE: "📊", PollKind.WHEN: "📅", PollKind.MOTION: "🗳"}


def label(voice: RoomVoice, poll: PollRecord, option: OptionRecord) -> str:
    """An option's text (motion answers in the room's language)."""
    if poll.kind == PollKind.MOTION:
        return voice.t(MOTION_LABELS[option.position])
    if poll.seats is not None and not option.label:
        return voice.t("Blank vote")  # an election's blank option
    return option.label


def names_text(voice: RoomVoice, names: list[str], total: int) -> str:
    shown = names[:MAX_NAMES]
    more = total - len(shown)
    text = ", ".join(shown)
    if more <= 0:
        return text
    return text + voice.tn(" and {n} more", " and {n} more", more)


def poll_title(voice: RoomVoice, poll: PollRecord) -> str:
    if poll.kind == PollKind.WHEN:
        title = voice.t("Date poll #{id}: {question}", id=poll.id, question=poll.question)
    elif poll.kind == PollKind.MOTION:
        title = voice.t("Motion #{id}: {question}", id=poll.id, question=poll.question)
    elif poll.seats is not None:
        title = voice.tn(
            "Election #{id}: {question} ({n} seat, round {round})",
            "Election #{id}: {question} ({n} seats, round {round})",
            poll.seats,
            id=poll.id,
            question=poll.question,
            round=poll.round or 1,
        )
    else:
        title = voice.t("Poll #{id}: {question}", id=poll.id, question=poll.question)
    return f"{KIND_ICONS[poll.kind]} {title}"


def rules_text(voice: RoomVoice, poll: PollRecord) -> str:
    """A motion's rules in words."""
    if poll.majority == Majority.SIMPLE:
        majority = voice.t("simple majority (more for than against)")
        if poll.majority_of != MajorityBase.CAST:
            majority += " " + describe_base(voice, poll.majority_of)
    elif poll.majority == Majority.ABSOLUTE:
        majority = voice.t("absolute majority") + " " + describe_base(voice, poll.majority_of)
    elif poll.majority == Majority.TWO_THIRDS:
        majority = voice.t("two-thirds majority") + " " + describe_base(voice, poll.majority_of)
    else:
        majority = describe_majority(voice, poll.majority, poll.majority_of)
    parts = [majority]
    quorum_share = fraction(poll.quorum) if poll.quorum else None
    if quorum_share is not None and quorum_share[0] > 0:
        parts.insert(
            0, voice.t("quorum: {share} of the members", share=describe_share(voice, quorum_share))
        )
    elif poll.quorum_percent:
        parts.insert(0, voice.t("quorum {n} % of the members", n=poll.quorum_percent))
    abstentions_cast = poll.abstention == AbstentionRule.CAST
    if abstentions_cast == (poll.blank == BlankRule.COUNTED):
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
            if poll.blank == BlankRule.COUNTED
            else voice.t("blank votes are not votes cast")
        )
    return voice.t("Rules: {rules}.", rules=", ".join(parts))


def option_lines(voice: RoomVoice, tally: Tally, hidden: bool) -> list[str]:
    poll = tally.poll
    lines: list[str] = []
    if poll.kind == PollKind.WHEN:
        for option in tally.options:
            lines.append(f"{option.position}. {option.label}")
            if hidden:
                continue
            yes, maybe = tally.count(option.position), tally.count(option.position, MAYBE)
            line = f"   ✅ {voice.number(yes)} · 🤷 {voice.number(maybe)}"
            who = tally.names.get((option.position, YES), [])
            unsure = tally.names.get((option.position, MAYBE), [])
            if who:
                line += f" — ✅ {names_text(voice, who, yes)}"
            if unsure:
                line += f" — 🤷 {names_text(voice, unsure, maybe)}"
            lines.append(line)
        return lines
    if poll.kind == PollKind.MOTION:
        return motion_lines(voice, tally, hidden)
    total = sum(tally.count(o.position) for o in tally.options)
    if poll.seats is not None:
        total = tally.voters  # an election: shares of the ballots (several names on one)
    for option in tally.options:
        text = label(voice, poll, option)
        lines.append(f"{option.position}. {text}")
        if hidden:
            continue
        n = tally.count(option.position)
        line = f"   {bar(n, total)} {voice.number(n)} ({percent(n, total)} %)"
        who = tally.names.get((option.position, YES), [])
        if who:
            line += f" — {names_text(voice, who, n)}"  # the first few names
        lines.append(line)
    return lines


def motion_lines(voice: RoomVoice, tally: Tally, hidden: bool) -> list[str]:
    """For and against with bars and shares over the rule's base (the votes cast for a rule
    of the votes cast), the threshold marked ┃ on the for bar; abstentions and blank votes as
    counts apart."""
    poll = tally.poll
    result = motion_result(tally)
    base = result.base
    mark = threshold(poll.majority)
    lines: list[str] = []
    for option in tally.options:
        lines.append(f"{option.position}. {label(voice, poll, option)}")
        if hidden:
            continue
        n = tally.count(option.position)
        if option.position in (FOR, AGAINST):
            drawn = marked_bar(n, base, mark if option.position == FOR else None)
            line = f"   {drawn} {voice.number(n)} ({share_text(voice, n, base)})"
        else:
            line = f"   {voice.number(n)}"
        who = tally.names.get((option.position, YES), [])
        if who:
            line += f" — {names_text(voice, who, len(who))}"
        lines.append(line)
    if not hidden and mark is not None:
        lines.append(
            voice.t(
                "┃ threshold: {needed} {base} ({n} for needed).",
                needed=threshold_text(voice, poll.majority),
                base=describe_base(voice, poll.majority_of),
                n=voice.number(result.yes_needed),
            )
        )
    return lines


def render(voice: RoomVoice, tally: Tally) -> str:
    """The poll message: question, options with live bars (unless hidden), how to vote."""
    poll = tally.poll
    final = not poll.is_open
    hidden = not final and (poll.hide_results or poll.secret)
    lines = [poll_title(voice, poll), *option_lines(voice, tally, hidden)]
    lines.append("")
    facts = [voice.tn("{n} voter", "{n} voters", tally.voters)]
    if tally.represented:
        facts.append(voice.tn("{n} represented", "{n} represented", tally.represented))
    if poll.kind == PollKind.CHOICE and poll.max_choices != 1:
        facts.append(
            voice.t("multiple choice")
            if poll.max_choices == 0
            else voice.t("at most {n} choices", n=poll.max_choices)
        )
    facts.append(
        {
            Privacy.PUBLIC: voice.t("names shown"),
            Privacy.ANONYMOUS: voice.t("anonymous"),
            Privacy.SECRET: voice.t("secret ballot"),
        }[poll.privacy]
    )
    if hidden:
        facts.append(voice.t("results at close"))
    lines.append(" · ".join(facts))
    if poll.kind == PollKind.MOTION:
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


def how_to_vote(voice: RoomVoice, poll: PollRecord) -> str:
    """The text fallback, for platforms without buttons."""
    vote = voice.command("vote")
    if poll.kind == PollKind.WHEN:
        return voice.t(
            "Vote with the buttons, or type /{vote} {id} 1,3,4? (yes to 1 and 3, maybe to 4).",
            vote=vote,
            id=poll.id,
        )
    if poll.kind == PollKind.MOTION:
        return voice.t(
            "Vote with the buttons, or type /{vote} {id} for|against|abstain|blank.",
            vote=vote,
            id=poll.id,
        )
    if poll.max_choices != 1:
        return voice.t("Vote with the buttons, or type /{vote} {id} 1,3.", vote=vote, id=poll.id)
    return voice.t("Vote with the buttons, or type /{vote} {id} N.", vote=vote, id=poll.id)


def motion_figures(voice: RoomVoice, tally: Tally, result: MotionResult) -> list[str]:
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


def summary(voice: RoomVoice, tally: Tally) -> str:
    """One line of outcome: the winner, the best slot, or the motion's decision."""
    poll = tally.poll
    positions = [o.position for o in tally.options]
    by_position = {o.position: o for o in tally.options}
    if poll.kind == PollKind.MOTION:
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
    if poll.kind == PollKind.WHEN:
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
    if poll.seats is not None:
        return election_summary(voice, tally)
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


def buttons(
    voice: RoomVoice, poll: PollRecord, options: Sequence[OptionRecord]
) -> tuple[tuple[Button, ...], ...]:
    """Tap targets: ``poll:<id>:<n>`` (``poll:<id>:<n>:y|m|n`` for a date poll)."""
    if not poll.is_open:
        return ()
    if poll.kind == PollKind.WHEN:
        return tuple(
            (
                Button(f"{o.position} ✅", f"{PREFIX}:{poll.id}:{o.position}:y"),
                Button(f"{o.position} 🤷", f"{PREFIX}:{poll.id}:{o.position}:m"),
                Button(f"{o.position} ❌", f"{PREFIX}:{poll.id}:{o.position}:n"),
            )
            for o in options
        )
    if poll.kind == PollKind.MOTION:
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
        (
            Button(
                _short(f"{o.position}. {label(voice, poll, o)}"),
                f"{PREFIX}:{poll.id}:{o.position}",
            ),
        )
        for o in options
    )


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL else text[: BUTTON_LABEL - 1] + "…"


def native_poll(
    voice: RoomVoice, poll: PollRecord, options: Sequence[OptionRecord]
) -> PollSpec | None:
    """A native poll where it keeps the rules: not when choices are private (secret,
    anonymous, hidden: answers are public events there), not for date polls (three answers
    per slot), not beyond the platforms' answer limit (the buttons remain)."""
    if (
        not poll.is_open
        or private_choice(poll)
        or poll.kind == PollKind.WHEN
        or len(options) > NATIVE_POLL_MAX_ANSWERS
    ):
        return None
    answers = tuple(
        Button(label(voice, poll, o), f"{PREFIX}:{poll.id}:{o.position}") for o in options
    )
    most = len(options) if poll.max_choices == 0 else poll.max_choices
    return PollSpec(poll.question, answers, most, disclosed=not poll.hide_results)


def outgoing(voice: RoomVoice, tally: Tally) -> Outgoing:
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
    return poll.privacy != Privacy.PUBLIC or poll.hide_results
