"""Translations (gettext catalogs compiled in memory from .po files) and Babel formatting.

The .po files are read by a small reader of our own (``read_po``) rather than Babel's, whose
import and parsing cost about 60 ms at every start; Babel's date and number formatting loads
at the first date or number written."""

from __future__ import annotations

import array
import gettext
import io
import re
import struct
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

LANGUAGES: tuple[str, ...] = ("fr", "en")
LANGUAGE_NAMES = {"fr": "français", "en": "English"}  # each in its own language
DEFAULT_LANGUAGE = "fr"
LOCALES_DIR = Path(__file__).parent / "locales"

# Babel patterns: "mardi 3 décembre 2026 à 18:30" / "Tuesday 3 December 2026 at 18:30".
_DATETIME_PATTERNS = {
    "fr": "EEEE d MMMM y 'à' HH:mm",
    "en": "EEEE d MMMM y 'at' HH:mm",
}
_DATE_PATTERNS = {"fr": "EEEE d MMMM y", "en": "EEEE d MMMM y"}


def _(msgid: str) -> str:
    """Mark a string for translation; it is translated later, in the room's language."""
    return msgid


def catalog_path(language: str, name: str = "core") -> Path:
    """Return one .po file of a language: ``core`` or a feature's own catalog."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{name}.po"


@dataclass(slots=True)
class PoEntry:
    """One message of a .po file: ``plural`` and ``strings`` (one per plural form) when it
    has a ``msgid_plural``; ``string`` otherwise."""

    msgid: str = ""
    context: str | None = None
    plural: str | None = None
    string: str = ""
    strings: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False


_ESCAPE = re.compile(r'\\([\\trn"])')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(quoted: str) -> str:
    """A quoted .po string, unescaped as Babel does (``\\n \\t \\r \\" \\\\``)."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), quoted.strip()[1:-1])


def read_po(text: str) -> list[PoEntry]:
    """The live entries of a .po file (obsolete ``#~`` entries left out), header included."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    fuzzy = False
    target: tuple[str, int] = ("", 0)

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if current is not None and target[0] in ("msgstr", "msgstr[]"):
                finish()
            if stripped.startswith("#,") and "fuzzy" in stripped[2:].replace(",", " ").split():
                fuzzy = True
            continue
        if stripped.startswith('"'):
            if current is None:
                continue
            part = _unquote(stripped)
            kind, index = target
            if kind == "msgctxt":
                current.context = (current.context or "") + part
            elif kind == "msgid":
                current.msgid += part
            elif kind == "msgid_plural":
                current.plural = (current.plural or "") + part
            elif kind == "msgstr":
                current.string += part
            else:
                current.strings[index] = current.strings.get(index, "") + part
            continue
        match = _KEYWORD.match(stripped)
        if match is None:
            continue
        keyword, index_text, quoted = match.groups()
        value = _unquote(quoted)
        if keyword in ("msgctxt", "msgid") and (
            current is None or target[0] in ("msgstr", "msgstr[]")
        ):
            finish()
            current = PoEntry(fuzzy=fuzzy)
            fuzzy = False
        if current is None:
            continue
        if keyword == "msgctxt":
            current.context, target = value, ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = value, ("msgid", 0)
        elif keyword == "msgid_plural":
            current.plural, target = value, ("msgid_plural", 0)
        elif index_text is None:
            current.string, target = value, ("msgstr", 0)
        else:
            current.strings[int(index_text)] = value
            target = ("msgstr[]", int(index_text))
    finish()
    return entries


def compile_mo(entries: list[PoEntry]) -> bytes:
    """The .mo bytes Babel's ``write_mo`` makes of these entries: the header, then every
    translated, non-fuzzy message (an empty plural form falls back to its msgid)."""
    kept: list[tuple[bytes, bytes]] = []
    for number, entry in enumerate(entries):
        header = number == 0 and entry.msgid == "" and entry.context is None
        if entry.plural is not None:
            if not entry.strings and not header:
                continue
            if entry.fuzzy and not header:
                continue
            forms = (entry.msgid, entry.plural)
            count = max(entry.strings) + 1 if entry.strings else 0
            strings = [entry.strings.get(i, "") or forms[min(i, 1)] for i in range(count)]
            msgid = b"\x00".join(part.encode() for part in forms)
            msgstr = b"\x00".join(part.encode() for part in strings)
        else:
            if not header and (not entry.string or entry.fuzzy):
                continue
            msgid, msgstr = entry.msgid.encode(), entry.string.encode()
        if entry.context is not None:
            msgid = entry.context.encode() + b"\x04" + msgid
        kept.append((msgid, msgstr))
    kept.sort()
    ids = bytearray()
    strs = bytearray()
    offsets: list[tuple[int, int, int, int]] = []
    for msgid, msgstr in kept:
        offsets.append((len(ids), len(msgid), len(strs), len(msgstr)))
        ids += msgid + b"\x00"
        strs += msgstr + b"\x00"
    keystart = 7 * 4 + 16 * len(kept)
    valuestart = keystart + len(ids)
    keys: list[int] = []
    values: list[int] = []
    for id_offset, id_length, str_offset, str_length in offsets:
        keys += [id_length, id_offset + keystart]
        values += [str_length, str_offset + valuestart]
    head = struct.pack("Iiiiiii", 0x950412DE, 0, len(kept), 7 * 4, 7 * 4 + len(kept) * 8, 0, 0)
    return head + array.array("i", keys + values).tobytes() + bytes(ids) + bytes(strs)


def _load(language: str) -> gettext.NullTranslations:
    """Merge every catalog of a language (core + one per feature) into one translation."""
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    merged: gettext.NullTranslations | None = None
    for path in sorted(folder.glob("*.po")):
        entries = read_po(path.read_text(encoding="utf-8"))
        translations = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
        if merged is None:
            merged = translations
        else:
            merged.add_fallback(translations)
    return merged or gettext.NullTranslations()


@dataclass(frozen=True, slots=True)
class Translator:
    """The catalogs of each language, each read once (the languages given to ``load`` at
    once, any other at its first message); an unknown language falls back to the default."""

    catalogs: dict[str, gettext.NullTranslations]

    @classmethod
    def load(cls, languages: tuple[str, ...] = LANGUAGES) -> Translator:
        """Read the catalogs of ``languages`` now (every language by default)."""
        return cls({language: _load(language) for language in languages if language in LANGUAGES})

    def _catalog(self, language: str) -> gettext.NullTranslations:
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        catalog = self.catalogs.get(language)
        if catalog is None:
            catalog = self.catalogs[language] = _load(language)
        return catalog

    def t(self, language: str, msgid: str, /, **params: object) -> str:
        """Translate ``msgid`` and fill its ``{named}`` placeholders."""
        text = self._catalog(language).gettext(msgid)
        return text.format(**params) if params else text

    def tn(self, language: str, singular: str, plural: str, n: int, /, **params: object) -> str:
        """Translate with a plural form chosen by ``n`` (available as ``{n}``)."""
        text = self._catalog(language).ngettext(singular, plural, n)
        return text.format(n=format_number(n, language), **params)


def format_number(value: int | float, language: str) -> str:
    """Format a number the local way (``1 234,5`` in French)."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=language)


def format_datetime(moment: datetime, language: str, timezone: str) -> str:
    """Format an aware datetime in the room's timezone: ``mardi 3 décembre 2026 à 18:30``."""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = _DATETIME_PATTERNS.get(language, _DATETIME_PATTERNS[DEFAULT_LANGUAGE])
    from babel.dates import format_datetime as babel_format_datetime

    return babel_format_datetime(local, pattern, locale=language)


def format_date(moment: datetime, language: str, timezone: str) -> str:
    """Format the day of an aware datetime in the room's timezone: ``mardi 3 décembre 2026``."""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = _DATE_PATTERNS.get(language, _DATE_PATTERNS[DEFAULT_LANGUAGE])
    from babel.dates import format_datetime as babel_format_datetime

    return babel_format_datetime(local, pattern, locale=language)
