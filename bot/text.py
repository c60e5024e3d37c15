"""Small text helpers every feature shares: bounded numbers, clipped echoes, comparable labels."""

from __future__ import annotations

import re
import unicodedata

# SQLite integers are signed 64-bit; ids and counts typed by members stay far below this.
MAX_NUMBER = 2**53
ECHO_LIMIT = 80
_NUMBER = re.compile(r"^#?([0-9]{1,20})$")
# Zero-width and other invisible format characters (Unicode category Cf), plus variation selectors.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def read_number(text: str, *, low: int = 0, high: int = MAX_NUMBER) -> int | None:
    """``12`` or ``#12`` in ASCII digits within [low, high]; None for anything else.

    Only ASCII digits: ``int()`` accepts ``²``-like or Arabic-Indic digits and 4,300-digit
    strings, and SQLite overflows past 2**63; one bounded reader keeps every command safe.
    """
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    value = int(match.group(1))
    return value if low <= value <= high else None


def fold(text: str) -> str:
    """Lower-case, accents removed, typographic apostrophe made plain: ``/Résumé`` finds
    ``resume``, ``aujourd’hui`` reads as ``aujourd'hui``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text echoed back in a reply: control and invisible format characters (terminal
    escapes, bidi overrides, zero-width) dropped, spaces folded, cut to ``limit`` characters."""
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c.isspace())
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# The longest a value may be inside an error reply: a member's text echoed whole (« Option
# inconnue « xxxx… » » of 20,000 characters) would make the bot spam the group for them.
ERROR_VALUE_LIMIT = 400  # a poll question (300) or a list of names still shows whole


def bounded(value: object, limit: int = ERROR_VALUE_LIMIT) -> object:
    """An error reply's value: text longer than ``limit`` clipped, anything else as is."""
    if isinstance(value, str) and len(value) > limit:
        return clip(value, limit)
    return value


def comparable(text: str) -> str:
    """A label as a member would read it: NFKC, invisible characters and variation selectors
    dropped, spaces folded, case folded — ``a`` and ``a`` + zero-width space compare equal."""
    text = unicodedata.normalize("NFKC", text)
    text = _VARIATION_SELECTORS.sub("", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split()).casefold()
