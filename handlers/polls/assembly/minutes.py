"""The minutes of a general assembly (procès-verbal), drafted from what the bot recorded: plain
text for the chat, Markdown and OpenDocument to edit and sign, and the attendance sheet as an
annex (.odt and .csv), in the room's language.

Reading the database and phrasing happen on the event loop (``collect``); building the files,
the slow part for a federation's assembly, runs in a worker thread (``render``)."""

from __future__ import annotations

import asyncio
import csv
import importlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import odt
from bot.context import Context, RoomVoice, Services
from bot.csvsafe import safe_cell
from bot.errors import Refusal
from bot.message import Attachment
from bot.text import clip, fold
from handlers.polls.results import load_tally, resolution_number, result_sentence
from handlers.polls.statutes import describe_share, describe_statutes, quorum_needed_for
from handlers.polls.tally import fraction
from storage.assembly import (
    AgendaItem,
    AssemblyProxy,
    AssemblyRecord,
    Attendance,
    AttendanceMode,
    Convocation,
)
from storage.polls import PollRecord
from storage.statutes import Statutes

NAMES_LIMIT = 50  # people named in the minutes themselves; beyond, the annex names them
ODT_MIME = "application/vnd.oasis.opendocument.text"
NAME_CHARS = 120


@dataclass(frozen=True, slots=True)
class Minutes:
    """A drafted procès-verbal in every format, and its annex."""

    text: str  # plain text, for the chat
    markdown: str
    odt: bytes
    attendance_odt: bytes
    attendance_csv: bytes
    stem: str = "minutes"  # file name without extension: ``pv-ag-2027-01-12``
    sheet_stem: str = "attendance"


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything phrased, before the files are built (no database, no translation needed)."""

    title: str
    language: str
    blocks: tuple[odt.Block, ...]
    sheet: tuple[odt.Block, ...]
    sheet_rows: tuple[tuple[str, ...], ...]  # the CSV, header first
    delimiter: str
    stem: str
    sheet_stem: str


# Reading and phrasing ---------------------------------------------------------------------


def draft_minutes(services: Services, assembly_id: int, voice: RoomVoice) -> Minutes:
    """The minutes of an assembly in ``voice``'s language (every format, built here)."""
    return render(collect(services, assembly_id, voice))


def collect(services: Services, assembly_id: int, voice: RoomVoice) -> Draft:
    """Read the assembly and phrase its minutes and attendance sheet."""
    store = services.store.assembly
    assembly = store.get(assembly_id)
    if assembly is None:
        raise Refusal("No general assembly #{id} here.", id=assembly_id)
    voice = replace(voice, timezone=assembly.timezone)  # the assembly's hours, as convened
    zone = ZoneInfo(assembly.timezone)
    sheet = store.attendance(assembly_id)
    proxies = store.proxies(assembly_id)
    statutes = services.store.statutes.get(assembly.association_id)
    members = store.roll_size(assembly.association_id)
    room = services.store.rooms.get(assembly.room_key)
    association = clip(room.title, NAME_CHARS) if room and room.title else ""
    people = _People.of(sheet, proxies)

    blocks: list[odt.Block] = [odt.Heading(_title(voice, assembly, association))]
    blocks += _session(voice, assembly, sheet, zone)
    blocks += _convocation(voice, assembly, store.convocations(assembly_id), members, statutes)
    agenda = store.agenda(assembly_id)
    if agenda:
        blocks.append(odt.Heading(voice.t("Agenda"), 2))
        blocks.append(odt.Items(tuple(clip(i.text, 500) for i in agenda), numbered=True))
    blocks.append(odt.Heading(voice.t("Officers of the session"), 2))
    blocks.append(
        odt.Paragraph(voice.t("Chair: {name}.", name=_officer(voice, assembly.chair_name)))
    )
    blocks.append(
        odt.Paragraph(voice.t("Secretary: {name}.", name=_officer(voice, assembly.secretary_name)))
    )
    blocks.append(odt.Heading(voice.t("Attendance and quorum"), 2))
    blocks += _attendance(voice, people, members)
    blocks.append(odt.Paragraph(_quorum(voice, assembly, people, members, statutes)))
    blocks += _votes(services, voice, assembly, agenda)
    blocks.append(odt.Heading(voice.t("Rules applied (the association's statutes)"), 2))
    blocks.append(odt.Items(tuple(describe_statutes(voice, statutes))))
    blocks.append(odt.Heading(voice.t("Close"), 2))
    if assembly.closed_at is not None and _same_day(assembly, zone):
        blocks.append(
            odt.Paragraph(
                voice.t(
                    "The agenda being exhausted, the chair closed the session at {time}.",
                    time=_hour(assembly.closed_at, zone),
                )
            )
        )
    elif assembly.closed_at is not None:
        blocks.append(
            odt.Paragraph(
                voice.t(
                    "The agenda being exhausted, the chair closed the session on {when}.",
                    when=voice.when(assembly.closed_at),
                )
            )
        )
    else:
        blocks.append(odt.Paragraph(voice.t("The session is not closed: this is a draft.")))
    blocks.append(
        odt.Paragraph(
            voice.t(
                "Drafted by assobot on {when} from what it recorded; check it, then sign.",
                when=voice.when(services.clock.now()),
            )
        )
    )
    blocks.append(_signatures(voice, assembly))

    day = assembly.starts_at.astimezone(zone).strftime("%Y-%m-%d")
    return Draft(
        title=_title(voice, assembly, association),
        language=voice.language,
        blocks=tuple(blocks),
        sheet=_sheet(voice, assembly, association, people, members),
        sheet_rows=_csv_rows(voice, people, zone),
        delimiter=";" if voice.language == "fr" else ",",
        stem=f"{voice.t('minutes-agm')}-{day}",
        sheet_stem=f"{voice.t('attendance-sheet')}-{day}",
    )


def _title(voice: RoomVoice, assembly: AssemblyRecord, association: str) -> str:
    if assembly.extraordinary:
        if association:
            return voice.t(
                "Minutes of the extraordinary general assembly of {association}",
                association=association,
            )
        return voice.t("Minutes of the extraordinary general assembly")
    if association:
        return voice.t(
            "Minutes of the ordinary general assembly of {association}", association=association
        )
    return voice.t("Minutes of the ordinary general assembly")


def _hour(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _officer(voice: RoomVoice, name: str) -> str:
    return clip(name, NAME_CHARS) if name.strip() else voice.t("not designated")


def _session(
    voice: RoomVoice, assembly: AssemblyRecord, sheet: Sequence[Attendance], zone: ZoneInfo
) -> list[odt.Block]:
    # The day the session was held (an assembly opened on another day than the one it was
    # convened for: postponed, or opened on the spot).
    lines = [voice.t("Date: {day}.", day=voice.day(assembly.opened_at or assembly.starts_at))]
    remote = any(a.mode is AttendanceMode.REMOTE for a in sheet)
    place = clip(assembly.place, 300)
    if place and remote:
        lines.append(
            voice.t("Place: {place}; members also took part remotely in the chat.", place=place)
        )
    elif place:
        lines.append(voice.t("Place: {place}.", place=place))
    else:
        lines.append(voice.t("Held remotely, in the association's chat rooms."))
    if assembly.opened_at is not None:
        lines.append(
            voice.t("The session opened at {time}.", time=_hour(assembly.opened_at, zone))
        )
    else:
        lines.append(voice.t("The session has not been opened."))
    if assembly.closed_at is not None and _same_day(assembly, zone):
        lines.append(
            voice.t("The session closed at {time}.", time=_hour(assembly.closed_at, zone))
        )
    elif assembly.closed_at is not None:
        lines.append(voice.t("The session closed on {when}.", when=voice.when(assembly.closed_at)))
    return [odt.Paragraph("\n".join(lines))]


def _same_day(assembly: AssemblyRecord, zone: ZoneInfo) -> bool:
    """Whether the session closed on the day it opened (else the closing day is written)."""
    opened, closed = assembly.opened_at, assembly.closed_at
    if opened is None or closed is None:
        return True
    return opened.astimezone(zone).date() == closed.astimezone(zone).date()


def _convocation(
    voice: RoomVoice,
    assembly: AssemblyRecord,
    sent: Sequence[Convocation],
    members: int,
    statutes: Statutes,
) -> list[odt.Block]:
    blocks: list[odt.Block] = [odt.Heading(voice.t("Convocation"), 2)]
    rooms = [c for c in sent if c.channel == "room"]
    private = {c.target for c in sent if c.channel != "room"}
    lines: list[str] = []
    if rooms:
        lines.append(
            voice.tn(
                "The convocation was posted on {day} in {n} room of the association, with the "
                "place, the agenda, how to give a proxy and a calendar file.",
                "The convocation was posted on {day} in {n} rooms of the association, with the "
                "place, the agenda, how to give a proxy and a calendar file.",
                len({c.target for c in rooms}),
                day=voice.day(min(c.sent_at for c in rooms)),
            )
        )
    else:
        lines.append(
            voice.t(
                "Convened on {day}; the bot recorded no convocation message.",
                day=voice.day(assembly.convened_at),
            )
        )
    if private:
        lines.append(
            voice.tn(
                "It was also sent privately to {n} member.",
                "It was also sent privately to {n} members.",
                len(private),
            )
        )
    first = min([c.sent_at for c in sent] or [assembly.convened_at])
    notice = max(0, (assembly.starts_at.date() - first.date()).days)
    lines.append(
        voice.tn(
            "Notice given: {n} day before the assembly (the statutes ask for {days}).",
            "Notice given: {n} days before the assembly (the statutes ask for {days}).",
            notice,
            days=voice.number(statutes.notice_days),
        )
    )
    lines.append(voice.tn("The roll counts {n} member.", "The roll counts {n} members.", members))
    blocks.append(odt.Paragraph("\n".join(lines)))
    return blocks


@dataclass(frozen=True, slots=True)
class _People:
    """The attendance sheet read for the minutes: everyone who checked in at some point, and
    the proxies that counted (giver never present, holder present)."""

    sheet: tuple[Attendance, ...]
    counted: tuple[AssemblyProxy, ...]  # represented members
    unused: tuple[AssemblyProxy, ...]  # giver came, or holder never did

    @classmethod
    def of(cls, sheet: Sequence[Attendance], proxies: Sequence[AssemblyProxy]) -> _People:
        came = {a.person_key for a in sheet}
        counted = tuple(p for p in proxies if p.giver_key not in came and p.holder_key in came)
        unused = tuple(p for p in proxies if p not in counted)
        return cls(tuple(sheet), counted, unused)

    @property
    def present(self) -> int:
        return len(self.sheet)

    @property
    def represented(self) -> int:
        return len(self.counted)

    def held_by(self, person_key: str) -> list[AssemblyProxy]:
        return [p for p in self.counted if p.holder_key == person_key]


def _mode(voice: RoomVoice, mode: AttendanceMode) -> str:
    if mode is AttendanceMode.REMOTE:
        return voice.t("remote")
    if mode is AttendanceMode.RECORDED:
        return voice.t("in person, recorded by the secretary")
    return voice.t("in person")


def _attendance(voice: RoomVoice, people: _People, members: int) -> list[odt.Block]:
    sheet = people.sheet
    modes = [
        voice.tn("{n} in person", "{n} in person", n)
        if mode is AttendanceMode.IN_PERSON
        else voice.tn("{n} remote", "{n} remote", n)
        if mode is AttendanceMode.REMOTE
        else voice.tn("{n} recorded by the secretary", "{n} recorded by the secretary", n)
        for mode in AttendanceMode
        if (n := sum(1 for a in sheet if a.mode is mode))
    ]
    paper = sum(1 for p in people.counted if p.paper)
    lines = [
        voice.tn("{n} member present", "{n} members present", people.present)
        + (f" ({', '.join(modes)})" if modes else "")
        + ".",
        voice.tn(
            "{n} member represented by proxy ({paper} on paper).",
            "{n} members represented by proxy ({paper} on paper).",
            people.represented,
            paper=voice.number(paper),
        )
        if paper
        else voice.tn(
            "{n} member represented by proxy.",
            "{n} members represented by proxy.",
            people.represented,
        ),
        voice.tn(
            "In all, {n} present or represented",
            "In all, {n} present or represented",
            people.present + people.represented,
        )
        + " "
        + voice.tn("out of {n} member.", "out of {n} members.", members),
    ]
    left = sum(1 for a in sheet if a.checked_out_at is not None)
    if left:
        lines.append(
            voice.tn(
                "{n} member left before the end of the session.",
                "{n} members left before the end of the session.",
                left,
            )
        )
    blocks: list[odt.Block] = [odt.Paragraph("\n".join(lines))]
    if people.present + people.represented > NAMES_LIMIT:
        blocks.append(
            odt.Paragraph(voice.t("The names are in the attendance sheet, attached as an annex."))
        )
        return blocks
    if sheet:
        named = []
        for person in sorted(sheet, key=lambda a: fold(a.name)):
            held = people.held_by(person.person_key)
            name = clip(person.name, NAME_CHARS)
            if held:
                name += " " + voice.tn(
                    "(holding the proxy of {names})",
                    "(holding the proxies of {names})",
                    len(held),
                    names=", ".join(clip(p.giver_name, NAME_CHARS) for p in held),
                )
            named.append(name)
        blocks.append(odt.Paragraph(voice.t("Present: {names}.", names=", ".join(named))))
    if people.counted:
        represented = [
            voice.t("{giver} by {holder}", giver=clip(p.giver_name, NAME_CHARS), holder=_holder(p))
            + (" " + voice.t("(paper proxy)") if p.paper else "")
            for p in sorted(people.counted, key=lambda p: fold(p.giver_name))
        ]
        blocks.append(
            odt.Paragraph(voice.t("Represented: {names}.", names=", ".join(represented)))
        )
    return blocks


def _holder(proxy: AssemblyProxy) -> str:
    return clip(proxy.holder_name, NAME_CHARS)


def _quorum(
    voice: RoomVoice, assembly: AssemblyRecord, people: _People, members: int, statutes: Statutes
) -> str:
    value = statutes.quorum_extraordinary if assembly.extraordinary else statutes.quorum_ordinary
    share = fraction(value) or (0, 1)
    only_present = statutes.quorum_of == "present"
    count = people.present if only_present else people.present + people.represented
    who = (
        voice.tn("present", "present", count)
        if only_present
        else voice.tn("present or represented", "present or represented", count)
    )
    needed = quorum_needed_for(statutes, assembly.extraordinary, members)
    if share[0] == 0 or needed <= 0:
        return voice.t(
            "Quorum: the statutes require none ({count} {who} out of {members} members).",
            count=voice.number(count),
            who=who,
            members=voice.number(members),
        )
    if count >= needed:
        return voice.t(
            "Quorum: {count} {who} out of {members} members; the statutes require {share} of "
            "the members, that is {needed}: the quorum is reached and the assembly can validly "
            "deliberate.",
            count=voice.number(count),
            who=who,
            members=voice.number(members),
            share=describe_share(voice, share),
            needed=voice.number(needed),
        )
    return voice.t(
        "Quorum: {count} {who} out of {members} members; the statutes require {share} of the "
        "members, that is {needed}: the quorum is not reached.",
        count=voice.number(count),
        who=who,
        members=voice.number(members),
        share=describe_share(voice, share),
        needed=voice.number(needed),
    )


def _votes(
    services: Services, voice: RoomVoice, assembly: AssemblyRecord, agenda: Sequence[AgendaItem]
) -> list[odt.Block]:
    """Each agenda item with its result, then the assembly's other votes (an election opened
    during the session)."""
    polls = services.store.polls
    blocks: list[odt.Block] = [odt.Heading(voice.t("Deliberations and votes"), 2)]
    on_agenda = {item.poll_id for item in agenda if item.poll_id is not None}
    others = [
        poll
        for poll_id in services.store.assembly.polls(assembly.id)
        if poll_id not in on_agenda and (poll := polls.get(poll_id)) is not None
    ]
    elections = [poll for poll in others if poll.seats is not None]
    for item in agenda:
        blocks.append(odt.Paragraph(f"{item.position}. {clip(item.text, 500)}", bold=True))
        poll = polls.get(item.poll_id) if item.poll_id is not None else None
        if poll is not None:
            blocks += [odt.Paragraph(line) for line in _result(services, voice, poll)]
        elif elections and _names_an_election(item.text):
            # An election is opened with /election when its item comes up: its rounds are
            # that item's votes.
            for each in _take_rounds(elections):
                others.remove(each)
                blocks += [odt.Paragraph(line) for line in _result(services, voice, each)]
        else:
            blocks.append(odt.Paragraph(voice.t("Not put to the vote.")))
    for poll in others:
        blocks.append(odt.Paragraph(clip(poll.question, 500), bold=True))
        blocks += [odt.Paragraph(line) for line in _result(services, voice, poll)]
    if len(blocks) == 1:
        blocks.append(odt.Paragraph(voice.t("No vote was held.")))
    return blocks


def _take_rounds(elections: list[PollRecord]) -> list[PollRecord]:
    """The first election left and its later rounds, taken out of ``elections``."""
    rounds = [elections.pop(0)]
    for poll in list(elections):
        if poll.parent_id in {r.id for r in rounds}:
            rounds.append(poll)
            elections.remove(poll)
    return rounds


def _names_an_election(text: str) -> bool:
    """« Élection du bureau », "Board election", « Élire le trésorier »."""
    return bool(re.search(r"\b(election|elect|elire|elu|elus|vote du bureau)", fold(text)))


def _result(services: Services, voice: RoomVoice, poll: PollRecord) -> list[str]:
    if poll.is_open:
        return [voice.t("The vote is still open.")]
    if poll.seats is not None:
        return _election(services, voice, poll)
    tally = load_tally(services, poll)
    number = resolution_number(services, poll)
    return [result_sentence(voice, tally, number)]


def _election(services: Services, voice: RoomVoice, poll: PollRecord) -> list[str]:
    """An election's sentences (votes per candidate, who is elected) from the election part
    of polls; a plain count per candidate when that part is not installed."""
    try:
        election: Any = importlib.import_module("handlers.polls.election")
    except ImportError:
        election = None
    result_of = getattr(election, "election_result", None)
    sentences = getattr(election, "election_sentences", None)
    if callable(result_of) and callable(sentences):
        return [
            str(line) for line in sentences(voice, poll, result_of(services, poll), hint=False)
        ]
    tally = load_tally(services, poll)
    counts = sorted(
        ((tally.count(o.position), clip(o.label, NAME_CHARS)) for o in tally.options),
        key=lambda pair: -pair[0],
    )
    return [
        voice.t(
            "Election “{name}”: {list}.",
            name=clip(poll.question, 200),
            list=", ".join(
                voice.tn("{candidate}: {n} vote", "{candidate}: {n} votes", n, candidate=label)
                for n, label in counts
            ),
        )
    ]


def _signatures(voice: RoomVoice, assembly: AssemblyRecord) -> odt.Signatures:
    return odt.Signatures(
        (
            voice.t("The chair, {name}", name=_officer(voice, assembly.chair_name)),
            voice.t("The secretary, {name}", name=_officer(voice, assembly.secretary_name)),
        ),
        label=voice.t("Signature:"),
    )


def _sheet(
    voice: RoomVoice, assembly: AssemblyRecord, association: str, people: _People, members: int
) -> tuple[odt.Block, ...]:
    zone = ZoneInfo(assembly.timezone)
    title = voice.t("Attendance sheet")
    subtitle = _title(voice, assembly, association) + " — " + voice.day(assembly.starts_at)
    header = (
        voice.t("Name"),
        voice.t("Attendance"),
        voice.t("Arrival"),
        voice.t("Departure"),
        voice.t("Proxies held"),
        voice.t("Signature"),
    )
    rows: list[tuple[str, ...]] = []
    for person in people.sheet:
        held = people.held_by(person.person_key)
        rows.append(
            (
                clip(person.name, NAME_CHARS),
                _mode(voice, person.mode),
                _hour(person.checked_in_at, zone),
                _hour(person.checked_out_at, zone) if person.checked_out_at else "",
                ", ".join(
                    clip(p.giver_name, NAME_CHARS)
                    + (" " + voice.t("(paper proxy)") if p.paper else "")
                    for p in held
                ),
                "",
            )
        )
    for proxy in people.counted:
        rows.append(
            (
                clip(proxy.giver_name, NAME_CHARS),
                voice.t("represented by {holder}", holder=_holder(proxy))
                + (" " + voice.t("(paper proxy)") if proxy.paper else ""),
                "",
                "",
                "",
                "",
            )
        )
    for proxy in people.unused:
        rows.append(
            (
                clip(proxy.giver_name, NAME_CHARS),
                voice.t("proxy to {holder}, not counted", holder=_holder(proxy)),
                "",
                "",
                "",
                "",
            )
        )
    total = ", ".join(
        [
            voice.tn("{n} present", "{n} present", people.present),
            voice.tn("{n} represented", "{n} represented", people.represented),
            voice.tn("out of {n} member.", "out of {n} members.", members),
        ]
    )
    return (
        odt.Heading(title),
        odt.Paragraph(subtitle, bold=True),
        odt.Table(header, tuple(rows)),
        odt.Paragraph(total),
        _signatures(voice, assembly),
    )


def _csv_rows(voice: RoomVoice, people: _People, zone: ZoneInfo) -> tuple[tuple[str, ...], ...]:
    def moment(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    yes, no = voice.t("yes"), voice.t("no")
    rows: list[tuple[str, ...]] = [
        (
            voice.t("Name"),
            voice.t("Attendance"),
            voice.t("Arrival"),
            voice.t("Departure"),
            voice.t("Proxy holder"),
            voice.t("Paper proxy"),
            voice.t("Proxies held"),
            voice.t("Voices"),
        )
    ]
    for person in people.sheet:
        held = people.held_by(person.person_key)
        rows.append(
            (
                person.name,
                _mode(voice, person.mode),
                moment(person.checked_in_at),
                moment(person.checked_out_at),
                "",
                "",
                ", ".join(p.giver_name for p in held),
                str(1 + len(held)),
            )
        )
    for proxy in people.counted:
        rows.append(
            (
                proxy.giver_name,
                voice.t("represented"),
                "",
                "",
                proxy.holder_name,
                yes if proxy.paper else no,
                "",
                "0",
            )
        )
    return tuple(rows)


# Building the files -----------------------------------------------------------------------


def render(draft: Draft) -> Minutes:
    """The files of a draft (CPU only: safe in a worker thread)."""
    return Minutes(
        text=plain_text(draft.blocks),
        markdown=markdown(draft.blocks),
        odt=odt.document(draft.blocks, title=draft.title, language=draft.language),
        attendance_odt=odt.document(draft.sheet, title=draft.title, language=draft.language),
        attendance_csv=_csv(draft.sheet_rows, draft.delimiter),
        stem=draft.stem,
        sheet_stem=draft.sheet_stem,
    )


def plain_text(blocks: Sequence[odt.Block]) -> str:
    """The minutes as chat text: headings on their own line, lists numbered or dotted."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, odt.Heading):
            text = clip(block.text, 500)
            parts.append(text if block.level == 1 else "\n" + text)
        elif isinstance(block, odt.Paragraph):
            parts.append(odt.clean(block.text))
        elif isinstance(block, odt.Items):
            parts += [
                f"{i}. {item}" if block.numbered else f"• {item}"
                for i, item in enumerate(block.items, start=1)
            ]
        elif isinstance(block, odt.Table):
            parts += [" — ".join(c for c in row if c) for row in (block.header, *block.rows)]
        else:
            parts.append("")
            parts += [f"{signer}\n{block.label} ____________________" for signer in block.signers]
    return "\n".join(parts).strip()


_MARKDOWN_SPECIAL = set("\\`*_[]<>|~")
_LINE_START = re.compile(r"^(\s*)([#+=>-]|[0-9]+[.)])")


def md(text: str) -> str:
    """A member's text inert in Markdown: emphasis, links, HTML and table characters escaped,
    and a line that would start a heading, a quote or a list."""
    cleaned = odt.clean(text)
    escaped = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in cleaned)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)


def markdown(blocks: Sequence[odt.Block]) -> str:
    """The minutes as Markdown (a heading per section, lists, tables, signature lines)."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, odt.Heading):
            parts.append("#" * min(max(block.level, 1), 3) + " " + md(block.text))
        elif isinstance(block, odt.Paragraph):
            text = "  \n".join(md(line) for line in block.text.splitlines())
            parts.append(f"**{text}**" if block.bold else text)
        elif isinstance(block, odt.Items):
            parts.append(
                "\n".join(
                    f"{i}. {md(item)}" if block.numbered else f"- {md(item)}"
                    for i, item in enumerate(block.items, start=1)
                )
            )
        elif isinstance(block, odt.Table):
            width = len(block.header)
            lines = [
                "| " + " | ".join(md(c) for c in block.header) + " |",
                "|" + "---|" * width,
            ]
            for row in block.rows:
                cells = [*row[:width], *([""] * (width - len(row)))]
                lines.append("| " + " | ".join(md(c) or " " for c in cells) + " |")
            parts.append("\n".join(lines))
        else:
            parts.append(
                "\n\n".join(
                    f"**{md(signer)}**  \n{md(block.label)} ______________________"
                    for signer in block.signers
                )
            )
    return "\n\n".join(parts) + "\n"


def _csv(rows: Sequence[Sequence[str]], delimiter: str) -> bytes:
    """A spreadsheet file: ``;`` in French rooms (what French spreadsheets expect), cells
    neutralised against formulas, a byte-order mark for the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows([safe_cell(odt.clean(cell, 2000)) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


# The command (called by /ag pv and at /ag clore) -----------------------------------------


def _assembly(ctx: Context, assembly_id: int | None) -> AssemblyRecord:
    store = ctx.store.assembly
    if assembly_id is None:
        found = store.latest(ctx.room.association_id)
        if found is None:
            raise Refusal("No general assembly here yet.")
        return found
    found = store.get(assembly_id)
    if found is None or found.association_id != ctx.room.association_id:
        raise Refusal("No general assembly #{id} here.", id=assembly_id)
    return found


async def minutes_command(ctx: Context, assembly_id: int | None) -> None:
    """``/ag pv [N]``: the minutes of the association's latest assembly (or of N), in the chat
    and as files; for organizers and the assembly's chair and secretary."""
    assembly = _assembly(ctx, assembly_id)
    officers = {assembly.chair_key, assembly.secretary_key} - {None}
    if ctx.room.private or not (ctx.is_organizer or ctx.sender.key in officers):
        raise Refusal(
            "Only an organizer, the chair or the secretary can draft the minutes of a general "
            "assembly."
        )
    draft = collect(ctx.services, assembly.id, ctx.voice)
    minutes = await asyncio.to_thread(render, draft)
    await ctx.reply(minutes.text)
    files = (
        (
            ctx.t("📎 The minutes to edit and sign (OpenDocument: LibreOffice, Word)."),
            Attachment(f"{minutes.stem}.odt", minutes.odt, ODT_MIME),
        ),
        (
            ctx.t("📎 The minutes in Markdown."),
            Attachment(f"{minutes.stem}.md", minutes.markdown.encode(), "text/markdown"),
        ),
        (
            ctx.t("📎 The attendance sheet (annex to the minutes), to sign."),
            Attachment(f"{minutes.sheet_stem}.odt", minutes.attendance_odt, ODT_MIME),
        ),
        (
            ctx.t("📎 The attendance sheet for a spreadsheet (CSV)."),
            Attachment(f"{minutes.sheet_stem}.csv", minutes.attendance_csv, "text/csv"),
        ),
    )
    for text, attachment in files:
        await ctx.reply(text, attachment=attachment)
