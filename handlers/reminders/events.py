"""Events (/evenement, /agenda): an AG or a party with warnings (J-7, J-1, H-2), and .ics.

Each warning is a one-off reminder tied to its event, so it is sent exactly once, survives
restarts and is caught up after down-time by the reminders' machinery.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import ics
from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import _
from bot.message import Attachment
from bot.router import Router
from bot.text import clip, fold
from bot.timeparse import MONTHS, WEEKDAYS, parse_moment
from handlers.reminders.delivery import arm, cancel_warnings
from handlers.reminders.settings import RemindersSettings
from storage.events import EventRecord, EventStatus

router = Router("reminders")

WARNING_WORDS = ("rappels", "rappel", "reminders", "reminder", "alertes", "warnings")
CANCEL_WORDS = ("annuler", "cancel", "supprimer", "remove")
ICS_WORDS = ("ics", "ical", "calendrier", "calendar")
DEFAULT_WARNINGS = (24 * 60,)  # J-1
PLACE_LIMIT = 300
TITLE_LIMIT = 200
MAX_WARNINGS = 10
_UNIT_MINUTES = {"j": 1440, "d": 1440, "h": 60, "m": 1, "min": 1, "w": 10080, "s": 10080}
_BEFORE = re.compile(r"^(j|d|h|m|s|w)-([0-9]{1,4})$")  # J-7, H-2, D-1, S-1 (semaine), W-1
_AFTER = re.compile(r"^([0-9]{1,4})(j|d|h|min|m|w)$")  # 7d, 2h, 30min


def parse_warning(word: str) -> int | None:
    """Minutes before the event: ``J-7`` / ``7d`` → 10080; None if not a warning."""
    word = word.casefold().strip(",;")
    match = _BEFORE.match(word)
    if match is not None:
        unit, number = match.groups()
    else:
        match = _AFTER.match(word)
        if match is None:
            return None
        number, unit = match.groups()
    if not number.isdecimal():
        return None
    return int(number) * _UNIT_MINUTES[unit]


def _split_warnings(text: str) -> tuple[str, tuple[int, ...] | None]:
    """The text before ``rappels J-7 J-1 …`` and the warnings (None when not given)."""
    words = text.split()
    for i in range(len(words) - 1, -1, -1):
        if words[i].casefold() in WARNING_WORDS:
            found: list[int] = []
            for word in words[i + 1 :]:
                minutes = parse_warning(word)
                if minutes is None:
                    raise UsageError(
                        "“{value}” is not a warning: write J-7, J-1, H-2 (or 7d, 1d, 2h).",
                        value=clip(word, 24),
                    )
                found.append(minutes)
            if not found:
                raise UsageError(
                    "Say which warnings after “{word}”: J-7 J-1 H-2.", word=clip(words[i], 24)
                )
            return " ".join(words[:i]), tuple(sorted(set(found), reverse=True))
    return text, None


def _title_and_start(ctx: Context, text: str, with_place: bool) -> tuple[str, datetime, str]:
    """Split ``AG annuelle le 12 décembre à 14h`` into the title and the moment (UTC); with
    ``with_place``, words after the date are the place (``… à 19h salle des fêtes``)."""
    words = text.split()
    error: UsageError | None = None
    misread: UsageError | None = None  # a date was there but could not be used
    too_long = False
    for i in range(1, len(words)):
        if len(" ".join(words[:i])) > TITLE_LIMIT:
            too_long = True  # past the longest name: a 10 KB text is not read word after word
            break
        if len(words) - i > MAX_DATE_WORDS:
            continue  # too long to be a date alone: a place follows (read below), or nothing
        try:
            moment = _moment(ctx, words[i:])
        except UsageError as problem:
            error = error or problem
            if misread is None and problem.msgid not in _NOT_A_DATE:
                misread = problem
            continue
        _check_title_end(words[i - 1], misread)
        return " ".join(words[:i]), moment, ""
    if with_place:
        found = _with_trailing_place(ctx, words, misread)
        if found is not None:
            return found
    if error is not None and "past" in error.msgid:
        raise error
    if too_long:
        raise UsageError("An event's name is limited to 200 characters.")
    raise UsageError("Write the event's name, then its date and time: “AG le 12 décembre à 14h”.")


def _moment(ctx: Context, words: list[str]) -> datetime:
    return parse_moment(
        " ".join(words),
        ctx.now(),
        ctx.lang,
        ctx.room.timezone,
        default_hour=ctx.settings(RemindersSettings).default_hour,
    )


def _check_title_end(word: str, misread: UsageError | None) -> None:
    """Refuse a date typed but unreadable rather than cut it into the title."""
    if misread is not None and _date_word(word):
        # "AG le 31 février à 14h" must not become "AG le 31" on 1 February: the date
        # typed is refused with what was read, never cut into the title.
        raise misread
    if _NUMERIC_DATE.fullmatch(word.strip(".,;:!?()")):
        # Nor "AG le 31/02/2027 à 14h" an event titled with the date it could not read.
        raise UsageError(
            "I could not read the date “{value}”: write it like “le 12 décembre à 14h”.",
            value=clip(word, 24),
        )


def _with_trailing_place(
    ctx: Context, words: list[str], misread: UsageError | None
) -> tuple[str, datetime, str] | None:
    """Title, date, then a place: the earliest date start, the longest date read."""
    for i in range(1, len(words) - 1):
        if len(" ".join(words[:i])) > TITLE_LIMIT:
            return None
        for j in range(min(len(words) - 1, i + MAX_DATE_WORDS), i, -1):
            place = words[j:]
            if _date_word(place[0]) or fold(place[0]).strip(".,") in _TIME_WORDS:
                continue
            try:
                moment = _moment(ctx, words[i:j])
            except UsageError as problem:
                if misread is None and problem.msgid not in _NOT_A_DATE:
                    misread = problem
                continue
            _check_title_end(words[i - 1], misread)
            while place and fold(place[0]) in _PLACE_LEAD:
                place = place[1:]
            if place:
                return " ".join(words[:i]), moment, " ".join(place)
    return None


MAX_DATE_WORDS = 10  # "le samedi 12 décembre 2026 à 14h30": a date is short
_PLACE_LEAD = {"a", "at", "@", "-", "—", "–", ",", ":"}  # "… à 19h à la salle des fêtes"
_TIME_WORDS = {"h", "heure", "heures", "hour", "hours", "min", "minutes", "pm", "am", "et", "and"}


_NOT_A_DATE = {
    "I did not find a date or time at the start: write it like “tomorrow 6pm”, "
    "“in 2 hours” or “every monday at 9”.",
    "I did not understand “{value}” in this date.",
}


def _date_word(word: str) -> bool:
    """A day number, a year, a month or a weekday: part of a date, not of a title."""
    word = fold(word).strip(".,;:!?()")
    return bool(
        re.fullmatch(r"[0-9]+(er|re|e|eme|st|nd|rd|th)?", word) or _NUMERIC_DATE.fullmatch(word)
    ) or (word in MONTHS or word in WEEKDAYS)


_NUMERIC_DATE = re.compile(r"[0-9]+(?:[/.-][0-9]+)+")  # 31/02/2027, 12.13.2027


def describe_warning(minutes: int, lang: str) -> str:
    """``J-7`` / ``H-2`` in French, ``7d`` / ``2h`` in English."""
    if minutes % 1440 == 0:
        return f"J-{minutes // 1440}" if lang == "fr" else f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"H-{minutes // 60}" if lang == "fr" else f"{minutes // 60}h"
    return f"{minutes} min"


@router.command(
    "event",
    "evenement",
    usage=_("name date [| place] [reminders 7d 1d 2h], or cancel number"),
    help=_("Announce an event with warnings before it (organizers)."),
    examples=(
        _("/event Annual meeting on December 12 at 2pm reminders 7d 1d 2h"),
        _("/event Party on January 12 at 7pm | Town hall, 3 Main Street"),
        _("/event cancel 3"),
    ),
    organizer=True,
)
async def event(ctx: Context) -> None:
    text = ctx.text.strip()
    if not text:
        raise UsageError(
            "Write the event's name, then its date and time: “AG le 12 décembre à 14h”."
        )
    if ctx.args[0].casefold() in CANCEL_WORDS:
        await _cancel(ctx)
        return
    head, bar, place = text.partition("|")
    if bar:
        head, before = _split_warnings(head)
        place, after = _split_warnings(place)
        warnings = after if after is not None else before
        title, starts_at, _ = _title_and_start(ctx, head, with_place=False)
    else:
        head, warnings = _split_warnings(text)
        title, starts_at, place = _title_and_start(ctx, head, with_place=True)
    if len(title) > TITLE_LIMIT:
        raise UsageError("An event's name is limited to 200 characters.")
    place = clip(place, len(place) + 1)  # control characters and line breaks gone, not cut
    if len(place) > PLACE_LIMIT:
        raise UsageError("An event's place is limited to {n} characters.", n=PLACE_LIMIT)
    warnings = DEFAULT_WARNINGS if warnings is None else warnings
    if len(warnings) > MAX_WARNINGS:
        raise UsageError("At most {n} warnings per event.", n=MAX_WARNINGS)
    now = ctx.now()
    twins = _same_day(ctx, title, starts_at)
    record = ctx.store.events.add(
        room_key=ctx.room.key,
        creator_key=ctx.sender.key,
        creator_name=ctx.sender.handle,
        title=title,
        starts_at=starts_at,
        timezone=ctx.room.timezone,
        warnings=warnings,
        now=now,
        place=place,
    )
    planned: list[str] = []
    skipped: list[str] = []
    for minutes in warnings:
        due = starts_at - timedelta(minutes=minutes)
        if due <= now:
            skipped.append(describe_warning(minutes, ctx.lang))
            continue
        reminder = ctx.store.reminders.add(
            room_key=ctx.room.key,
            creator_key=ctx.sender.key,
            creator_name=ctx.sender.handle,
            personal=False,
            text=title,
            rule=None,
            start_local=None,
            timezone=ctx.room.timezone,
            first=due,
            now=now,
            event_id=record.id,
        )
        arm(ctx.services, reminder)
        planned.append(f"{describe_warning(minutes, ctx.lang)} ({ctx.format_datetime(due)})")
    lines = [
        # The zone is said only when the room does not use the bot's default one.
        ctx.t(
            "Event #{id}: {title}, {when}.",
            id=record.id,
            title=title,
            when=ctx.format_datetime(starts_at),
        )
        if ctx.room.timezone == ctx.config.timezone
        else ctx.t(
            "Event #{id}: {title}, {when} ({zone}).",
            id=record.id,
            title=title,
            when=ctx.format_datetime(starts_at),
            zone=ctx.room.timezone,
        )
    ]
    if place:
        lines.append(ctx.t("Place: {place}", place=place))
    if planned:
        lines.append(ctx.t("Warnings: {list}.", list=", ".join(planned)))
    if skipped:
        lines.append(ctx.t("Already past, not sent: {list}.", list=", ".join(skipped)))
    for twin in twins:
        lines.append(
            ctx.t(
                "⚠️ Event #{id} has the same name on the same day ({when}): cancel one with "
                "/{name} cancel {id} if it is a duplicate.",
                id=twin.id,
                when=ctx.format_datetime(twin.starts_at),
                name=ctx.command_name("event"),
            )
        )
    await ctx.reply("\n".join(lines))


def _same_day(ctx: Context, title: str, starts_at: datetime) -> list[EventRecord]:
    """Active events of the association with this name on the same local day."""
    zone = ZoneInfo(ctx.room.timezone)
    day = starts_at.astimezone(zone).date()
    first = datetime.combine(day, time(0), zone)
    last = datetime.combine(day + timedelta(days=1), time(0), zone)
    found = ctx.store.events.between_in_association(ctx.room.association_id, first, last)
    return [e for e in found if _same_title(e.title, title)]


def _same_title(one: str, other: str) -> bool:
    return " ".join(fold(one).split()) == " ".join(fold(other).split())


async def _cancel(ctx: Context) -> None:
    if len(ctx.args) != 2:
        raise UsageError("Give the event's number, as shown by /{name}.", name=_agenda_name(ctx))
    number = ctx.number(ctx.args[1], low=1)
    record = ctx.store.events.get(number)
    if record is None or record.status != EventStatus.ACTIVE:
        raise Refusal("No event #{id} here.", id=number)
    if not ctx.may_act_on(record.room_key, record.creator_key):
        # A private chat (where everyone is "organizer") or another room's organizer: the
        # event is not theirs to cancel, and not even shown to exist.
        raise Refusal("No event #{id} here.", id=number)
    cancel_warnings(ctx.services, record.id, ctx.now())
    ctx.store.events.cancel(record.id)
    await ctx.reply(
        ctx.t(
            "Event #{id} cancelled: {title}. No more warnings.", id=record.id, title=record.title
        )
    )


def _agenda_name(ctx: Context) -> str:
    return ctx.command_name("agenda")


@router.command(
    "agenda",
    "agenda",
    "calendar",
    "calendrier",
    usage=_("[ics]"),
    help=_(
        "List the coming events of the association; “ics” sends them as a calendar file, "
        "with the room's repeating reminders."
    ),
    examples=(_("/calendar"), _("/calendar ics")),
)
async def agenda(ctx: Context) -> None:
    found = ctx.store.events.upcoming_in_association(ctx.room.association_id, ctx.now())
    if ctx.args and ctx.args[0].casefold() in ICS_WORDS:
        await _send_calendar(ctx, found)
        return
    if ctx.args:
        raise UsageError(
            "Unknown option “{value}”: write /{name} or /{name} ics.",
            value=clip(ctx.args[0], 40),
            name=_agenda_name(ctx),
        )
    if not found:
        await ctx.reply(
            ctx.t(
                "No event coming. Organizers add one with /{name} AG on December 12 at 2pm.",
                name=ctx.command_name("event"),
            )
        )
        return
    titles = {room.key: room.title for room in ctx.store.rooms.linked_to(ctx.room.key)}
    lines = [ctx.tn("{n} event coming:", "{n} events coming:", len(found))]
    for record in found[:50]:
        warnings = ", ".join(describe_warning(m, ctx.lang) for m in record.warnings)
        line = f"#{record.id} — {ctx.format_datetime(record.starts_at)} — {record.title}"
        if record.place:
            line += f" — {clip(record.place, 80)}"
        if record.room_key != ctx.room.key:
            line += " " + ctx.t("(in {room})", room=clip(titles.get(record.room_key) or "?", 60))
        if warnings:
            line += " " + ctx.t("(warnings: {list})", list=warnings)
        lines.append(line)
    await ctx.reply("\n".join(lines))


async def _send_calendar(ctx: Context, found: list[EventRecord]) -> None:
    """The association's coming events and the room's repeating reminders (never personal
    ones), their skipped dates as EXDATE."""
    repeating = ctx.store.reminders.repeating_for_room(ctx.room.key)
    skipped = ctx.store.reminders.skipped([r.id for r in repeating])
    content = ics.agenda(found, repeating, ctx.now(), skipped)
    lines = [
        ctx.tn(
            "assobot.ics: a calendar file with {n} event and its warnings; open it or "
            "import it in your calendar app.",
            "assobot.ics: a calendar file with {n} events and their warnings; open it or "
            "import it in your calendar app.",
            len(found),
        )
    ]
    if repeating:
        lines.append(
            ctx.tn(
                "It also holds {n} repeating reminder of this room (personal reminders stay out).",
                "It also holds {n} repeating reminders of this room (personal reminders stay "
                "out).",
                len(repeating),
            )
        )
    await ctx.reply(
        "\n".join(lines), attachment=Attachment("assobot.ics", content, "text/calendar")
    )
