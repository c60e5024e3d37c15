"""The assembly's buttons that other parts of polls show: « Convene the general assembly on this
date » under a closed date poll. A leaf module (nothing of the assembly imported), so the poll
lifecycle can show it without importing the assembly's commands."""

from __future__ import annotations

from bot.context import RoomVoice
from bot.message import Button
from storage.polls import PollRecord

PREFIX = "agm"  # the assembly's button prefix: agm:here:<assembly>, agm:date:<poll>:<slot>


def convene_button(voice: RoomVoice, poll: PollRecord, position: int) -> Button:
    """The « Convene the general assembly on this date » button for a closed date poll's
    chosen slot (``position``), for the close message of /quand."""
    return Button(
        voice.t("Convene the general assembly on this date"), f"{PREFIX}:date:{poll.id}:{position}"
    )
