"""The ballot of the voting page: the inputs a poll, motion, election or date poll shows, and
reading a submitted form back into the choices ``cast_vote`` takes (every bad input a clear
UsageError, never an exception of ours)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.context import RoomVoice
from bot.errors import UsageError
from bot.text import clip
from handlers.polls.render import label
from handlers.polls.results import ABSTAIN, AGAINST, BLANK, FOR
from storage.polls import MAYBE, YES, OptionRecord, PollKind, PollRecord

MOTION_VALUES = {"for": FOR, "against": AGAINST, "abstain": ABSTAIN, "blank": BLANK}
MOTION_NAMES = {position: value for value, position in MOTION_VALUES.items()}
SLOT_VALUES = {"yes": YES, "maybe": MAYBE, "no": 0}
MAX_VALUES = 60  # more values than any ballot holds: a forged form


@dataclass(frozen=True, slots=True)
class Input:
    """One radio button or checkbox, with its label."""

    id: str
    type: str  # "radio" | "checkbox"
    name: str
    value: str
    label: str
    checked: bool


@dataclass(frozen=True, slots=True)
class Group:
    """A fieldset: its legend and its inputs."""

    legend: str
    inputs: tuple[Input, ...]


def groups(
    voice: RoomVoice,
    poll: PollRecord,
    options: Sequence[OptionRecord],
    current: Mapping[int, int],
) -> list[Group]:
    """The ballot's fieldsets, the member's current choices checked."""
    if poll.kind == PollKind.WHEN:
        answers = (
            ("yes", voice.t("Available")),
            ("maybe", voice.t("Maybe")),
            ("no", voice.t("Not available")),
        )
        return [
            Group(
                option.label,
                tuple(
                    Input(
                        f"slot{option.position}-{value}",
                        "radio",
                        f"slot{option.position}",
                        value,
                        text,
                        current.get(option.position, 0) == SLOT_VALUES[value],
                    )
                    for value, text in answers
                ),
            )
            for option in options
        ]
    if poll.kind == PollKind.MOTION:
        inputs = tuple(
            Input(
                f"choice-{MOTION_NAMES[o.position]}",
                "radio",
                "choice",
                MOTION_NAMES[o.position],
                label(voice, poll, o),
                o.position in current,
            )
            for o in options
            if o.position in MOTION_NAMES
        )
        return [Group(voice.t("Your answer"), inputs)]
    kind = "radio" if poll.max_choices == 1 else "checkbox"
    inputs = tuple(
        Input(
            f"choice-{o.position}",
            kind,
            "choice",
            str(o.position),
            label(voice, poll, o),
            o.position in current,
        )
        for o in options
    )
    legend = voice.t("Your candidates") if poll.seats is not None else voice.t("Your choice")
    return [Group(legend, inputs)]


def how_to_choose(voice: RoomVoice, poll: PollRecord, options: Sequence[OptionRecord]) -> str:
    """How many choices a ballot takes, in one sentence."""
    if poll.kind == PollKind.WHEN:
        return voice.t("For each date, say whether it suits you.")
    if poll.kind == PollKind.MOTION:
        if any(o.position == BLANK for o in options):
            return voice.t("Answer for, against, abstain or blank.")
        return voice.t("Answer for, against or abstain.")
    if poll.seats is not None:
        return voice.tn(
            "Choose {n} candidate, or the blank vote.",
            "Choose up to {n} candidates, or the blank vote.",
            poll.max_choices or poll.seats,
        )
    if poll.max_choices == 1:
        return voice.t("Choose one option.")
    if poll.max_choices == 0:
        return voice.t("Choose one or more options.")
    return voice.t("Choose up to {n} options.", n=poll.max_choices)


def read_form(
    poll: PollRecord, options: Sequence[OptionRecord], form: Mapping[str, tuple[str, ...]]
) -> dict[int, int]:
    """The choices a submitted ballot holds."""
    if poll.kind == PollKind.WHEN:
        return _read_slots(options, form)
    values = form.get("choice", ())
    if len(values) > MAX_VALUES:
        raise UsageError("This ballot holds more choices than the poll has options.")
    values = tuple(dict.fromkeys(value.strip() for value in values if value.strip()))
    if not values:
        if poll.kind == PollKind.MOTION:
            raise UsageError("Choose an answer (for, against, abstain…) before sending.")
        raise UsageError("Choose an option before sending.")
    if poll.kind == PollKind.MOTION:
        offered = {o.position for o in options}
        positions = [MOTION_VALUES.get(value, 0) for value in values]
        for value, position in zip(values, positions, strict=True):
            if position not in offered:
                raise UsageError(
                    "“{value}” is not an answer to this motion.", value=clip(value, 24)
                )
        if len(positions) > 1:
            raise UsageError("Give one answer to a motion.")
        return {positions[0]: YES}
    count = len(options)
    positions = []
    for value in values:
        number = int(value) if value.isascii() and value.isdecimal() and len(value) <= 3 else 0
        if not 1 <= number <= count:
            raise UsageError(
                "“{value}” is not one of the options (1 to {n}).", value=clip(value, 24), n=count
            )
        positions.append(number)
    if poll.max_choices == 1 and len(positions) > 1:
        raise UsageError("Choose only one option.")
    if poll.max_choices and len(positions) > poll.max_choices:
        if poll.seats is not None:
            raise UsageError("Choose at most {n} candidates.", n=poll.max_choices)
        raise UsageError("Choose at most {n} options.", n=poll.max_choices)
    return {position: YES for position in positions}


def _read_slots(
    options: Sequence[OptionRecord], form: Mapping[str, tuple[str, ...]]
) -> dict[int, int]:
    """A date poll's answers: yes, maybe or no for each slot (a slot left out is a no)."""
    if len(form) > len(options) + 4:
        raise UsageError("This ballot holds more choices than the poll has options.")
    choices: dict[int, int] = {}
    for option in options:
        values = set(form.get(f"slot{option.position}", ()))
        if len(values) > 1:
            raise UsageError("Give one answer for each date.")
        value = next(iter(values), "no")
        if value not in SLOT_VALUES:
            raise UsageError("“{value}” is not an answer for a date.", value=clip(value, 24))
        if SLOT_VALUES[value]:
            choices[option.position] = SLOT_VALUES[value]
    return choices


def ticked(poll: PollRecord, form: Mapping[str, tuple[str, ...]]) -> dict[int, int]:
    """The options a refused ballot had ticked, to show them ticked again (never trusted:
    only numbers within the poll's options, only for display)."""
    if poll.kind in (PollKind.WHEN, PollKind.MOTION):
        return {}
    shown: dict[int, int] = {}
    for value in form.get("choice", ())[:MAX_VALUES]:
        value = value.strip()
        if value.isascii() and value.isdecimal() and len(value) <= 3:
            shown[int(value)] = YES
    return shown
