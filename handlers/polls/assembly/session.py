"""The session of a general assembly: finding the association's assembly, the quorum from the
attendance sheet and the proxies, and the live session message (edited at most once a second
per message as people arrive, leave and give proxies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.context import Context, RoomVoice, Services
from bot.errors import Refusal
from bot.message import Button, Outgoing
from handlers.polls.statutes import quorum_needed_for
from storage.assembly import AssemblyRecord, AssemblyStatus, AttendanceMode, Voices
from storage.statutes import Statutes

RENDER_DELAY = timedelta(seconds=1)  # at most one edit per second per session message
HERE = "agm"  # button prefix: agm:here:<assembly id>


@dataclass(frozen=True, slots=True)
class Quorum:
    """Present or represented against the statutes' quorum."""

    present: int
    represented: int
    members: int
    needed: int

    @property
    def count(self) -> int:
        return self.present + self.represented

    @property
    def reached(self) -> bool:
        return self.count >= self.needed


def quorum_needed(statutes: Statutes, extraordinary: bool, members: int) -> int:
    """How many must be present or represented (the statutes' fraction of the members)."""
    return quorum_needed_for(statutes, extraordinary, members)


def quorum_of(
    services: Services, assembly: AssemblyRecord, voices: Voices | None = None
) -> Quorum:
    """The quorum now, from the attendance and the proxies."""
    voices = voices or services.store.assembly.voices(assembly.id)
    members = services.store.assembly.roll_size(assembly.association_id)
    statutes = services.store.statutes.get(assembly.association_id)
    return Quorum(
        present=len(voices.present),
        represented=len(voices.proxies),
        members=members,
        needed=quorum_needed(statutes, assembly.extraordinary, members),
    )


def quorum_line(voice: RoomVoice, quorum: Quorum) -> str:
    """« Quorum : 18 présents ou représentés sur 40, il en faut 10 : atteint »."""
    if quorum.needed <= 0:
        return voice.tn(
            "Quorum: {n} present or represented out of {members}, no quorum required.",
            "Quorum: {n} present or represented out of {members}, no quorum required.",
            quorum.count,
            members=voice.number(quorum.members),
        )
    state = voice.t("reached") if quorum.reached else voice.t("not reached")
    return voice.tn(
        "Quorum: {n} present or represented out of {members}, {needed} needed: {state}.",
        "Quorum: {n} present or represented out of {members}, {needed} needed: {state}.",
        quorum.count,
        members=voice.number(quorum.members),
        needed=voice.number(quorum.needed),
        state=state,
    )


def attendance_line(voice: RoomVoice, present: int, represented: int, remote: int = -1) -> str:
    """« 6 présents (1 à distance), 1 représenté par procuration. »: each number agrees with
    its own word (« 1 représenté », « 0 représenté »)."""
    if remote < 0:
        here = voice.tn("{n} present", "{n} present", present)
        proxies = voice.tn("{n} represented.", "{n} represented.", represented)
    else:
        here = voice.tn(
            "{n} present ({remote} remote)",
            "{n} present ({remote} remote)",
            present,
            remote=voice.number(remote),
        )
        proxies = voice.tn("{n} represented by proxy.", "{n} represented by proxy.", represented)
    return f"{here}, {proxies}"


def kind_title(voice: RoomVoice, assembly: AssemblyRecord) -> str:
    if assembly.extraordinary:
        return voice.t("Extraordinary general assembly")
    return voice.t("Ordinary general assembly")


def session_outgoing(services: Services, voice: RoomVoice, assembly_id: int) -> Outgoing | None:
    """The live session message in one room's voice (None once the assembly is gone)."""
    assembly = services.store.assembly.get(assembly_id)
    if assembly is None:
        return None
    voices = services.store.assembly.voices(assembly_id)
    quorum = quorum_of(services, assembly, voices)
    sheet = services.store.assembly.attendance(assembly_id)
    remote = sum(1 for a in sheet if a.present and a.mode is AttendanceMode.REMOTE)
    head = kind_title(voice, assembly)
    if assembly.status is AssemblyStatus.OPEN:
        state = voice.t(
            "session open since {when}", when=voice.when(assembly.opened_at or assembly.starts_at)
        )
    elif assembly.status is AssemblyStatus.CLOSED:
        state = voice.t(
            "session closed at {when}", when=voice.when(assembly.closed_at or assembly.starts_at)
        )
    else:
        state = voice.t("convened for {when}", when=voice.when(assembly.starts_at))
    lines = [f"🏛 {head} — {state}"]
    officers = []
    if assembly.chair_name:
        officers.append(voice.t("Chair: {name}", name=assembly.chair_name))
    if assembly.secretary_name:
        officers.append(voice.t("Secretary: {name}", name=assembly.secretary_name))
    if officers:
        lines.append(" · ".join(officers))
    lines.append(attendance_line(voice, quorum.present, quorum.represented, remote))
    lines.append(quorum_line(voice, quorum))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if assembly.status is AssemblyStatus.OPEN:
        lines.append(
            voice.t(
                "Check in with the button or /{here} (remote: /{here} remote); leave with "
                "/{leave}.",
                here=voice.command("here"),
                leave=voice.command("leave"),
            )
        )
        buttons = ((Button(voice.t("I am present"), f"{HERE}:here:{assembly.id}", "✋"),),)
    return Outgoing("\n".join(lines), buttons)


async def refresh(services: Services, assembly_id: int) -> None:
    """Edit every session message of the assembly (called at most once a second)."""
    for room_key, message_id in services.store.assembly.messages(assembly_id):
        room = services.store.rooms.get(room_key)
        if room is None:
            continue
        out = session_outgoing(services, services.voice(room), assembly_id)
        if out is not None:
            await services.edit(room_key, message_id, out)


def schedule_refresh(services: Services, assembly_id: int) -> None:
    """Debounce: the first change schedules an edit one second later; changes until then join
    it (like a poll's live message)."""
    job = f"polls:assembly:{assembly_id}"
    if services.scheduler.due_of(job) is not None:
        return

    async def run() -> None:
        await refresh(services, assembly_id)

    services.scheduler.at(job, services.clock.now() + RENDER_DELAY, run)


def current(ctx: Context) -> AssemblyRecord:
    """The association's assembly not closed yet; a clear reply when there is none."""
    if ctx.room.private:
        raise Refusal("General assemblies are run in the association's rooms, not here.")
    found = ctx.store.assembly.current(ctx.room.association_id)
    if found is None:
        raise Refusal(
            "No general assembly is convened: convene one with /{agm} convene.",
            agm=ctx.command_name("agm"),
        )
    return found


def open_session(ctx: Context) -> AssemblyRecord:
    """The association's assembly in session; a clear reply otherwise."""
    found = current(ctx)
    if found.status is not AssemblyStatus.OPEN:
        raise Refusal(
            "The session is not open yet: an organizer opens it with /{agm} open.",
            agm=ctx.command_name("agm"),
        )
    return found
