"""The archive page's past digests: the texts sent to the association's group rooms (each send's
text is kept), newest first, one per period.

Never a digest sent to a private chat (it covers the member's own associations), nor one of a
room that keeps its links to itself (``/liens prive``: its digest lists them).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.context import RoomVoice, Services
from bot.router import Router
from bot.web import ArchiveSection
from storage.digests import SendRecord, SubscriptionRecord

router = Router("digest")

SHOWN = 20
TEXT_LIMIT = 20_000  # characters of one digest on the page
LINES = 400  # lines of one digest on the page


def past_digests(
    services: Services, association_id: int, language: str
) -> list[tuple[SubscriptionRecord, SendRecord]]:
    """The digests sent to the association's group rooms, newest first, one per period (the
    one in ``language`` when several rooms received it)."""
    store = services.store
    chosen: dict[str, tuple[SubscriptionRecord, SendRecord]] = {}
    for room in store.rooms.groups_in_association(association_id):
        if store.links.room_settings(room.key).private:
            continue
        subscription = store.digests.of_room(room.key)
        if subscription is None or subscription.member_key:
            continue
        for send in store.digests.sends(subscription.id, SHOWN):
            if not send.text.strip():
                continue
            held = chosen.get(send.period)
            if held is None or (
                held[0].language != language and subscription.language == language
            ):
                chosen[send.period] = (subscription, send)
    newest = sorted(chosen.values(), key=lambda pair: (pair[1].due, pair[1].id), reverse=True)
    return newest[:SHOWN]


def paragraphs(text: str) -> list[list[str]]:
    """A digest's text as paragraphs of lines, bounded."""
    text = text[:TEXT_LIMIT]
    lines = 0
    kept: list[list[str]] = []
    for block in text.split("\n\n"):
        block_lines = [line for line in block.split("\n") if line.strip()][: LINES - lines]
        if block_lines:
            kept.append(block_lines)
            lines += len(block_lines)
        if lines >= LINES:
            break
    return kept


@router.archive_section(order=40)
async def digests_section(
    services: Services, association_id: int, voice: RoomVoice, query: Mapping[str, str]
) -> ArchiveSection | None:
    found = past_digests(services, association_id, voice.language)
    return ArchiveSection(
        title=voice.t("Past digests"),
        template="archive_digests.html",
        anchor="digests",
        context={
            "empty": voice.t("No digest has been sent to the association's rooms yet."),
            "digests": [
                {
                    "heading": voice.t("Digest sent on {date}", date=voice.day(send.due)),
                    "paragraphs": paragraphs(send.text),
                }
                for _subscription, send in found
            ],
        },
    )
