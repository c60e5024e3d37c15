"""The polls' section of the association's archive page: the register of decisions (closed
polls, motions and elections of the association's rooms that are not private, with their
results as frozen at close) and the minutes of its closed general assemblies.

What the page shows is what /decisions and /ag pv show in the chat: counts and outcomes, the
candidates elected, never who chose what in an anonymous poll or a secret ballot."""

from __future__ import annotations

from collections.abc import Mapping

from bot import odt
from bot.context import RoomVoice, Services
from bot.router import Router
from bot.text import clip
from bot.web import ArchiveSection
from handlers.polls.assembly.minutes import collect
from handlers.polls.register import decision_sentence, kind_name
from handlers.polls.results import load_tally
from storage.assembly import AssemblyRecord
from storage.polls import PollRecord

router = Router("polls")

# Bounded: the page is built in the bot's loop on every visit (about 0.2 ms a decision).
DECISIONS_LIMIT = 100
MINUTES_LIMIT = 5


def _public_rooms(services: Services, association_id: int) -> set[str]:
    return {room.key for room in services.store.rooms.groups_in_association(association_id)}


def _decisions(
    services: Services, voice: RoomVoice, polls: list[PollRecord]
) -> list[dict[str, str]]:
    rows = []
    for poll in reversed(polls):  # in the order they were taken
        assert poll.closed_at is not None
        rows.append(
            {
                "number": voice.t("No. {id}", id=poll.id),
                "date": voice.day(poll.closed_at),
                "kind": kind_name(voice, poll),
                "question": poll.question,
                "outcome": decision_sentence(
                    services, voice, load_tally(services, poll), separator="\n"
                ),
            }
        )
    return rows


def _assemblies(services: Services, association_id: int, public: set[str]) -> list[AssemblyRecord]:
    """The association's closed assemblies held in a room that is not private, newest first
    (an assembly closed without a vote too)."""
    return [
        record
        for record in services.store.assembly.closed(association_id, MINUTES_LIMIT * 4)
        if record.room_key in public
    ][:MINUTES_LIMIT]


def _minutes(blocks: tuple[odt.Block, ...]) -> dict[str, object]:
    """An assembly's minutes as the page shows them: its title, then headings, paragraphs
    and lists (the signature lines belong to the signed paper)."""
    title = ""
    parts: list[dict[str, object]] = []
    for block in blocks:
        if isinstance(block, odt.Heading):
            if block.level == 1 and not title:
                title = clip(block.text, 500)
            else:
                parts.append({"heading": clip(block.text, 500)})
        elif isinstance(block, odt.Paragraph):
            parts.append({"text": odt.clean(block.text)})
        elif isinstance(block, odt.Items):
            parts.append(
                {"items": [odt.clean(i) for i in block.items], "numbered": block.numbered}
            )
        elif isinstance(block, odt.Table):
            rows = [" — ".join(c for c in row if c) for row in block.rows]
            parts.append({"items": rows, "numbered": False})
    return {"title": title, "parts": parts}


@router.archive_section(order=10)
async def register_section(
    services: Services, association_id: int, voice: RoomVoice, query: Mapping[str, str]
) -> ArchiveSection | None:
    public = _public_rooms(services, association_id)
    closed = services.store.polls.closed_in_association(association_id, DECISIONS_LIMIT + 1)
    polls = [poll for poll in closed if poll.room_key in public]
    more = (
        voice.t(
            "The latest {n} decisions; the whole register: /{decisions} csv in the "
            "association's group.",
            n=DECISIONS_LIMIT,
            decisions=voice.command("decisions"),
        )
        if len(closed) > DECISIONS_LIMIT
        else ""
    )
    polls = polls[:DECISIONS_LIMIT]
    minutes = [
        _minutes(collect(services, assembly.id, voice).blocks)
        for assembly in _assemblies(services, association_id, public)
    ]
    return ArchiveSection(
        title=voice.t("Register of decisions"),
        template="archive_register.html",
        anchor="decisions",
        context={
            "decisions": _decisions(services, voice, polls),
            "empty": voice.t("No poll or motion has been closed yet."),
            "more": more,
            "headers": {
                "number": voice.t("No."),
                "date": voice.t("closed"),
                "kind": voice.t("kind"),
                "question": voice.t("question"),
                "outcome": voice.t("result"),
            },
            "minutes_title": voice.t("Minutes of the general assemblies"),
            "minutes": minutes,
        },
    )
