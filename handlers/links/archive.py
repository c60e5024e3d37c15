"""The archive page's shared links: the newest, or a search (``?q=``) through the same search
as /liens (words, "phrases", -excluded, #tags).

The links the whole association sees with /liens: those shared in its group rooms, and those a
member filed with ``/lien`` in a private chat (that command's documented purpose is to put the
link in the association's archive, and the reply says so); never one of a room marked private
with ``/liens prive``, and nothing else of a private chat (the capture never reads them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from bot.context import RoomVoice, Services
from bot.i18n import LANGUAGES
from bot.router import Router, split_arguments
from bot.text import clip
from bot.web import ArchiveSection
from handlers.links.parse import (
    MAX_SEARCH_LENGTH,
    MAX_SEARCH_TERMS,
    SearchTooLong,
    parse_search,
)
from handlers.links.render import NAME_LIMIT, TITLE_LIMIT, day
from storage.links import LinkRecord, LinkSearch

router = Router("links")

SHOWN = 50  # links on the page
BATCH = 100  # read at a time from the search
BATCHES = 5  # links of rooms marked private skipped: at most this many reads
URL_SHOWN = 100
TAGS_SHOWN = 10


def safe_href(url: str) -> str:
    """The URL as a link target, only when it is an http(s) address ("" otherwise)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def shown_rooms(services: Services, association_id: int) -> frozenset[str]:
    """The association's group rooms whose links the whole association sees."""
    links = services.store.links
    return frozenset(
        room.key
        for room in services.store.rooms.groups_in_association(association_id)
        if not links.room_settings(room.key).private
    )


def find(services: Services, association_id: int, search: LinkSearch) -> list[LinkRecord]:
    """The newest matching links of the rooms shown, at most ``SHOWN``."""
    rooms = shown_rooms(services, association_id)

    def filed(link: LinkRecord) -> bool:
        """Filed into the association's archive with /lien in a private chat."""
        room = services.store.rooms.get(link.room_key)
        return room is not None and room.private

    found: list[LinkRecord] = []
    for batch in range(BATCHES):
        # here="" is no room: links of rooms marked private are left out by the search itself.
        records = services.store.links.search(
            [association_id], "", search, limit=BATCH, offset=batch * BATCH
        )
        found.extend(link for link in records if link.room_key in rooms or filed(link))
        if len(found) >= SHOWN or len(records) < BATCH:
            break
    return found[:SHOWN]


def link_item(voice: RoomVoice, link: LinkRecord, now: datetime) -> dict[str, object]:
    url = clip(link.url, URL_SHOWN)
    return {
        "title": clip(link.title, TITLE_LIMIT) or url,
        "href": safe_href(link.url),
        "url": url,
        "tags": [f"#{tag}" for tag in link.tags[:TAGS_SHOWN]],
        "date": day(voice, link.created_at, now),
        "datetime": link.created_at.date().isoformat(),
        "shared_by": voice.t("shared by {name}", name=clip(link.poster_name, NAME_LIMIT))
        if link.poster_name
        else "",
    }


@router.archive_section(order=30)
async def shared_links(
    services: Services, association_id: int, voice: RoomVoice, query: Mapping[str, str]
) -> ArchiveSection | None:
    typed = query.get("q", "")
    shown = clip(typed, 60)
    problem = ""
    links: list[LinkRecord] = []
    if len(typed) > MAX_SEARCH_LENGTH:
        problem = voice.t(
            "This search is too long: at most {limit} characters.",
            limit=voice.number(MAX_SEARCH_LENGTH),
        )
    else:
        try:
            request = parse_search(split_arguments(typed), None)
        except SearchTooLong:
            problem = voice.t(
                "This search has too many words: at most {limit}.", limit=MAX_SEARCH_TERMS
            )
        else:
            if request.typed and request.search.empty:
                problem = voice.t(
                    'Nothing to search in {typed}: give words, #tags or "a phrase".',
                    typed=shown,
                )
            else:
                links = find(services, association_id, request.search)
    now = services.clock.now()
    if problem:
        status = problem
    elif typed.strip() and links:
        status = voice.tn(
            "{n} link found for {typed} (the newest first):",
            "{n} links found for {typed} (the newest first):",
            len(links),
            typed=shown,
        )
    elif typed.strip():
        status = voice.t("No link found for {typed}.", typed=shown)
    elif links:
        status = voice.t("The latest links shared in the association's rooms:")
    else:
        status = voice.t("No link shared in the association's rooms yet.")
    lang = query.get("lang", "")
    return ArchiveSection(
        title=voice.t("Shared links"),
        template="archive_links.html",
        anchor="links",
        context={
            "search_label": voice.t("Search the links (words, #tag, -excluded word)"),
            "search_button": voice.t("Search"),
            "query": typed[:MAX_SEARCH_LENGTH],
            "max_length": MAX_SEARCH_LENGTH,
            "lang": lang if lang in LANGUAGES else "",
            "status": status,
            "problem": bool(problem),
            "links": [link_item(voice, link, now) for link in links],
        },
    )
