"""Translations (gettext catalogs compiled in memory from .po files) and Babel formatting."""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

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


def _load(language: str) -> gettext.NullTranslations:
    """Merge every catalog of a language (core + one per feature) into one translation."""
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    merged: gettext.NullTranslations | None = None
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = gettext.GNUTranslations(buffer)
        if merged is None:
            merged = translations
        else:
            merged.add_fallback(translations)
    return merged or gettext.NullTranslations()


@dataclass(frozen=True, slots=True)
class Translator:
    """All catalogs, loaded once at start-up; an unknown language falls back to the default."""

    catalogs: dict[str, gettext.NullTranslations]

    @classmethod
    def load(cls) -> Translator:
        return cls({language: _load(language) for language in LANGUAGES})

    def _catalog(self, language: str) -> gettext.NullTranslations:
        return self.catalogs.get(language) or self.catalogs[DEFAULT_LANGUAGE]

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
    return format_decimal(value, locale=language)


def format_datetime(moment: datetime, language: str, timezone: str) -> str:
    """Format an aware datetime in the room's timezone: ``mardi 3 décembre 2026 à 18:30``."""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = _DATETIME_PATTERNS.get(language, _DATETIME_PATTERNS[DEFAULT_LANGUAGE])
    return babel_format_datetime(local, pattern, locale=language)


def format_date(moment: datetime, language: str, timezone: str) -> str:
    """Format the day of an aware datetime in the room's timezone: ``mardi 3 décembre 2026``."""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = _DATE_PATTERNS.get(language, _DATE_PATTERNS[DEFAULT_LANGUAGE])
    return babel_format_datetime(local, pattern, locale=language)
