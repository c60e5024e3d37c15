"""The register of decisions: /decisions lists closed polls and motions with their outcome, or
exports them as CSV or Markdown."""

from __future__ import annotations

from bot.context import Context, RoomVoice
from bot.csvsafe import write_csv
from bot.errors import UsageError
from bot.i18n import _
from bot.message import Attachment
from bot.router import Router
from handlers.polls.render import summary
from handlers.polls.requests import norm
from handlers.polls.results import ABSTAIN, AGAINST, BLANK, FOR, Tally, has_blank, load_tally
from storage.polls import PollKind, PollRecord

router = Router("polls")

REGISTER_LINES = 20
_EXPORTS = {"csv": "csv", "md": "markdown", "markdown": "markdown"}


def _register_rows(ctx: Context, limit: int) -> list[tuple[PollRecord, Tally]]:
    polls = ctx.store.polls.closed_in_association(ctx.room.association_id, limit)
    return [(poll, load_tally(ctx.services, poll)) for poll in polls]


def _motion_cells(tally: Tally) -> list[str]:
    """A motion's for, against, abstention and blank figures (empty for other polls, and blank
    empty for a motion created before blank votes existed)."""
    if tally.poll.kind != PollKind.MOTION:
        return ["", "", "", ""]
    cells = [str(tally.count(p)) for p in (FOR, AGAINST, ABSTAIN)]
    return [*cells, str(tally.count(BLANK)) if has_blank(tally) else ""]


def _kind_name(voice: RoomVoice, kind: PollKind) -> str:
    return {
        PollKind.CHOICE: voice.t("poll"),
        PollKind.WHEN: voice.t("date poll"),
        PollKind.MOTION: voice.t("motion"),
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
    voice = ctx.voice
    wanted = _EXPORTS.get(norm(ctx.args[0])) if ctx.args else None
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
            voice.when(poll.created_at),
            voice.when(poll.closed_at) if poll.closed_at else "",
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
