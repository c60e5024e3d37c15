"""The register of decisions: /decisions lists closed polls and motions with their outcome, or
exports them as CSV or Markdown."""

from __future__ import annotations

from bot.context import Context, RoomVoice, Services
from bot.csvsafe import write_csv
from bot.errors import UsageError
from bot.i18n import _
from bot.message import Attachment
from bot.router import Router
from handlers.polls.election import count_election, election_majority, election_sentences
from handlers.polls.render import summary
from handlers.polls.requests import norm
from handlers.polls.results import (
    ABSTAIN,
    AGAINST,
    BLANK,
    FOR,
    Tally,
    has_blank,
    load_tally,
    motion_result,
    resolution_number,
    result_sentence,
)
from handlers.polls.tally import Outcome, per_mille
from storage.polls import PollKind, PollRecord

router = Router("polls")

REGISTER_LINES = 20
_EXPORTS = {"csv": "csv", "md": "markdown", "markdown": "markdown"}


def _register_rows(ctx: Context, limit: int) -> list[tuple[PollRecord, Tally]]:
    polls = ctx.store.polls.closed_in_association(ctx.room.association_id, limit)
    return [(poll, load_tally(ctx.services, poll)) for poll in polls]


def _motion_cells(voice: RoomVoice, tally: Tally) -> list[str]:
    """A motion's for, against, abstention and blank figures and the for share over the rule's
    base (empty for other polls, and blank empty for a motion created before blank votes)."""
    if tally.poll.kind != PollKind.MOTION:
        return ["", "", "", "", ""]
    cells = [str(tally.count(p)) for p in (FOR, AGAINST, ABSTAIN)]
    base = motion_result(tally).base
    share = voice.number(per_mille(tally.count(FOR), base) / 10)
    return [*cells, str(tally.count(BLANK)) if has_blank(tally) else "", share]


def _outcome_word(voice: RoomVoice, tally: Tally) -> str:
    poll = tally.poll
    if poll.kind == PollKind.MOTION:
        return {
            Outcome.ADOPTED: voice.t("adopted"),
            Outcome.REJECTED: voice.t("rejected"),
            Outcome.NO_QUORUM: voice.t("no quorum"),
        }[motion_result(tally).outcome]
    return ""  # a poll decides nothing by itself: its result says what won


def decision_sentence(
    services: Services, voice: RoomVoice, tally: Tally, *, separator: str = " "
) -> str:
    """What was decided, in sentences: a motion's result sentence, an election's elected
    (its lines joined by ``separator``), a poll's winner."""
    poll = tally.poll
    if poll.kind == PollKind.MOTION:
        return result_sentence(voice, tally, resolution_number(services, poll))
    if poll.seats is not None:
        result = count_election(tally, election_majority(services, poll))
        return separator.join(election_sentences(voice, poll, result, hint=False))
    return summary(voice, tally)


def kind_name(voice: RoomVoice, poll: PollRecord) -> str:
    """« election », « motion », « poll », « date poll » in the voice's language."""
    if poll.seats is not None:
        return voice.t("election")
    return {
        PollKind.CHOICE: voice.t("poll"),
        PollKind.WHEN: voice.t("date poll"),
        PollKind.MOTION: voice.t("motion"),
    }[poll.kind]


@router.command(
    "decisions",
    "decisions",
    "register",
    usage=_("[csv | markdown]"),
    help=_("List the closed polls and motions with their outcome, or export them."),
    examples=(_("/register"), _("/register csv")),
)
async def register_command(ctx: Context) -> None:
    voice = ctx.voice
    wanted = _EXPORTS.get(norm(ctx.args[0])) if ctx.args else None
    if ctx.args and (wanted is None or len(ctx.args) > 1):
        raise UsageError("Choose csv or markdown.")
    # The latest decisions, told in the order they were taken.
    rows = list(reversed(_register_rows(ctx, REGISTER_LINES if wanted is None else 100_000)))
    if not rows:
        await ctx.reply(ctx.t("No poll or motion has been closed yet."))
        return
    if wanted is None:
        lines = [ctx.t("Register of decisions (in the order they were taken):")]
        for poll, tally in rows:
            assert poll.closed_at is not None
            lines.append(
                ctx.t(
                    "No. {id} · {date} · {kind} “{question}” → {outcome}",
                    id=poll.id,
                    date=ctx.format_date(poll.closed_at),
                    kind=kind_name(voice, poll),
                    question=poll.question,
                    outcome=summary(voice, tally),
                )
            )
        lines.append(
            ctx.t("Export: /{name} csv or /{name} markdown.", name=ctx.command_name("decisions"))
        )
        await ctx.reply("\n".join(lines))
        return
    if wanted == "csv":
        header = [
            ctx.t("id"),
            ctx.t("closed"),
            ctx.t("kind"),
            ctx.t("question"),
            ctx.t("outcome"),
            ctx.t("voters"),
            ctx.t("for"),
            ctx.t("against"),
            ctx.t("abstentions"),
            ctx.t("blank"),
            ctx.t("for (%)"),
            ctx.t("result"),
        ]
        table = [
            [
                str(poll.id),
                ctx.format_date(poll.closed_at) if poll.closed_at else "",
                kind_name(voice, poll),
                poll.question,
                _outcome_word(voice, tally),
                str(tally.voters),
                *_motion_cells(voice, tally),
                decision_sentence(ctx.services, voice, tally),
            ]
            for poll, tally in rows
        ]
        # Cells neutralised against formulas: a secretary opens this in a spreadsheet; French
        # spreadsheets expect ";" between cells (the comma is their decimal mark).
        delimiter = ";" if ctx.lang == "fr" else ","
        content = write_csv([header, *table], delimiter=delimiter)
        attachment = Attachment("decisions.csv", content, "text/csv")
    else:
        items = [ctx.t("# Register of decisions"), ""]
        for poll, tally in rows:
            assert poll.closed_at is not None
            items.append(
                "- "
                + ctx.t(
                    "No. {id}, {kind} “{question}”, closed on {date}: {outcome}",
                    id=poll.id,
                    kind=kind_name(voice, poll),
                    question=_markdown(poll.question),
                    date=ctx.format_date(poll.closed_at),
                    outcome=_markdown(decision_sentence(ctx.services, voice, tally)),
                )
            )
        attachment = Attachment("decisions.md", "\n".join(items).encode() + b"\n", "text/markdown")
    intro = ctx.tn(
        "Register of decisions as {format}: {n} poll or motion, in the attached file {file}.",
        "Register of decisions as {format}: {n} polls and motions, in the attached file {file}.",
        len(rows),
        format=wanted.upper() if wanted == "csv" else "Markdown",
        file=attachment.filename,
    )
    await ctx.reply(intro, attachment=attachment)


def _markdown(text: str) -> str:
    """Member text inside a Markdown list item: one line, no markup taking effect."""
    flat = " ".join(text.split())
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in flat)
