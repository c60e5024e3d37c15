"""What members read about links: one short line each, the repeat notice, dates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import RoomVoice
from bot.text import clip
from storage.links import LinkRecord

TITLE_LIMIT = 100
SITE_LIMIT = 40
URL_LIMIT = 120
NAME_LIMIT = 40
# "3 novembre" / "November 3"; the year only when it is not this year's.
_DAY = {"fr": "d MMMM", "en": "MMMM d"}
_DAY_YEAR = {"fr": "d MMMM y", "en": "MMMM d, y"}
_SHORT = {"fr": "d MMM", "en": "MMM d"}
_SHORT_YEAR = {"fr": "d MMM y", "en": "MMM d, y"}


def _format(voice: RoomVoice, moment: datetime, now: datetime, short: bool) -> str:
    local = moment.astimezone(ZoneInfo(voice.timezone))
    same_year = local.year == now.astimezone(ZoneInfo(voice.timezone)).year
    patterns = (
        (_SHORT if same_year else _SHORT_YEAR) if short else (_DAY if same_year else _DAY_YEAR)
    )
    language = voice.language if voice.language in patterns else "fr"
    from babel.dates import format_datetime  # Babel loads at the first date shown

    return format_datetime(local, patterns[language], locale=language)


def day(voice: RoomVoice, moment: datetime, now: datetime) -> str:
    """``3 novembre`` / ``November 3`` (with the year when it is another year's)."""
    return _format(voice, moment, now, short=False)


def short_day(voice: RoomVoice, moment: datetime, now: datetime) -> str:
    """``3 nov.`` / ``Nov 3``."""
    return _format(voice, moment, now, short=True)


def number(voice: RoomVoice, link_id: int) -> str:
    """``n°12`` / ``#12``."""
    return voice.t("#{id}", id=link_id)


def repeat_notice(voice: RoomVoice, link: LinkRecord, now: datetime) -> str:
    """« Déjà partagé par Alice le 3 novembre (lien n°12). »"""
    return voice.t(
        "Already shared by {name} on {date} (link {number}).",
        name=clip(link.poster_name, NAME_LIMIT),
        date=day(voice, link.created_at, now),
        number=number(voice, link.id),
    )


def tags_text(tags: tuple[str, ...] | list[str]) -> str:
    return " ".join(f"#{tag}" for tag in tags)


def link_line(voice: RoomVoice, link: LinkRecord, now: datetime) -> str:
    """The shortest useful line: number, title and site (when known), who, when, how many
    shares and tags; then the URL (on the same line when there is no title)."""
    who = f"{clip(link.poster_name, NAME_LIMIT)}, {short_day(voice, link.created_at, now)}"
    extra = ""
    if link.shares > 1:
        extra += " · " + voice.tn("shared {n} time", "shared {n} times", link.shares)
    if link.tags:
        extra += " · " + tags_text(link.tags[:5])
    url = clip(link.url, URL_LIMIT)
    title = clip(link.title, TITLE_LIMIT)
    head = number(voice, link.id)
    if not title:
        return f"{head} · {url} — {who}{extra}"
    site = clip(link.site_name, SITE_LIMIT)
    if site and site.casefold() not in title.casefold():
        title = f"{title} ({site})"
    return f"{head} · {title} — {who}{extra}\n    {url}"
