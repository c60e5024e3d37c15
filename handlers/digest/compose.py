"""A digest composed from records (pure: the same records, voice and clock give the same text).

Sections come in a fixed order and keep their numbers (``/digest remove 4.2`` names item 2 of
section 4); an empty section is left out, and a digest with nothing in it is not sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.context import RoomVoice
from bot.i18n import _
from bot.text import clip
from storage.digests import (
    YES,
    AnnouncementItem,
    DigestEdits,
    EventItem,
    LinkItem,
    PollItem,
    ReminderItem,
)

COMING_DAYS = 7
FOR, AGAINST = 1, 2  # a motion's options
TITLES = {
    1: _("Coming up"),
    2: _("Decisions and polls"),
    3: _("Announcements"),
    4: _("Shared links"),
    5: _("From the feeds"),
}


class FeedEntry(Protocol):
    """What the feeds feature stores of one entry (``store.feeds.entries_between``)."""

    @property
    def feed_id(self) -> int: ...
    @property
    def feed_title(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def link(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DigestData:
    """Every record a digest may show, read for its associations and period."""

    since: datetime
    until: datetime
    events: Sequence[EventItem] = ()
    reminders: Sequence[ReminderItem] = ()
    polls: Sequence[PollItem] = ()
    announcements: Sequence[AnnouncementItem] = ()
    links: Sequence[LinkItem] = ()
    feed_entries: Sequence[FeedEntry] = ()
    edits: DigestEdits = field(default_factory=lambda: DigestEdits(frozenset(), ()))
    private_rooms: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Item:
    """One numbered line of a section; ``key`` names what it shows (``link:12``)."""

    key: str
    text: str
    group: str = ""  # a tag or a feed: items of a group are shown under its name


@dataclass(frozen=True, slots=True)
class Section:
    number: int
    items: tuple[Item, ...]
    more: int = 0  # items left out beyond the limit


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    pinned: tuple[Item, ...]
    sections: tuple[Section, ...]

    @property
    def empty(self) -> bool:
        return not self.pinned and not self.sections

    def item(self, section: int, index: int) -> Item | None:
        """Item ``index`` (1-based) of section ``section``, as the digest shows it."""
        for each in self.sections:
            if each.number == section and 1 <= index <= len(each.items):
                return each.items[index - 1]
        return None


def _link_text(voice: RoomVoice, link: LinkItem) -> str:
    title = clip(link.title, 120)
    text = f"{title} — {link.url}" if title else link.url
    text += " — " + voice.t("shared by {name}", name=clip(link.poster_name, 40))
    if link.shares > 1:
        text += ", " + voice.tn("shared again {n} time", "shared again {n} times", link.shares - 1)
    return text


def _poll_text(voice: RoomVoice, poll: PollItem) -> str:
    question = clip(poll.question, 150)
    if poll.closed_at is None:
        vote = voice.command("vote")
        if poll.closes_at is None:
            return voice.t(
                "« {question} » — open: /{vote} {id} …", question=question, vote=vote, id=poll.id
            )
        return voice.t(
            "« {question} » — open until {when}: /{vote} {id} …",
            question=question,
            when=voice.when(poll.closes_at),
            vote=vote,
            id=poll.id,
        )
    yes = {position: n for position, answer, n in poll.counts if answer == YES}
    if poll.kind == "motion":
        figures = voice.t(
            "{yes} for, {no} against",
            yes=voice.number(yes.get(FOR, 0)),
            no=voice.number(yes.get(AGAINST, 0)),
        )
        outcome = {
            "adopted": voice.t("adopted"),
            "rejected": voice.t("rejected"),
            "no_quorum": voice.t("quorum not reached"),
        }.get(poll.outcome, voice.t("closed, no outcome"))
        return f"« {question} » → {outcome} ({figures})"
    labels = dict(poll.labels)
    best = max(yes.values(), default=0)
    if best == 0:
        return f"« {question} » → " + voice.t("no votes")
    winners = " / ".join(clip(labels.get(p, str(p)), 60) for p in sorted(yes) if yes[p] == best)
    return f"« {question} » → {winners} (" + voice.tn("{n} vote", "{n} votes", best) + ")"


def _limited(number: int, items: Sequence[Item], limit: int) -> Section:
    return Section(number, tuple(items[:limit]), max(0, len(items) - limit))


def compose(
    data: DigestData,
    voice: RoomVoice,
    *,
    room_key: str | None,
    max_items: int = 10,
    feed_entries: int = 5,
) -> Digest:
    """The digest of ``data`` for one subscriber (``room_key``: the room it is sent to; items of
    a room marked private are shown only there)."""
    removed = data.edits.removed

    def shown(key: str, room: str) -> bool:
        return key not in removed and (room not in data.private_rooms or room == room_key)

    pinned_ids = {link_id for link_id, at in data.edits.pinned if data.since <= at < data.until}
    pinned = tuple(
        Item(f"link:{link.id}", "📌 " + _link_text(voice, link))
        for link in data.links
        if link.id in pinned_ids and shown(f"link:{link.id}", link.room_key)
    )
    sections: list[Section] = []

    coming: list[tuple[datetime, Item]] = []
    horizon = data.until + timedelta(days=COMING_DAYS)
    for event in data.events:
        key = f"event:{event.id}"
        if data.until <= event.starts_at < horizon and shown(key, event.room_key):
            text = f"{voice.when(event.starts_at)} — {clip(event.title, 150)}"
            coming.append((event.starts_at, Item(key, text)))
    for reminder in data.reminders:
        key = f"reminder:{reminder.id}"
        if data.until <= reminder.next_at < horizon and shown(key, reminder.room_key):
            text = f"{voice.when(reminder.next_at)} — ⏰ {clip(reminder.text, 150)}"
            coming.append((reminder.next_at, Item(key, text)))
    coming.sort(key=lambda pair: pair[0])
    sections.append(_limited(1, [item for _at, item in coming], max_items))

    polls = [
        Item(f"poll:{poll.id}", _poll_text(voice, poll))
        for poll in data.polls
        if shown(f"poll:{poll.id}", poll.room_key)
    ]
    sections.append(_limited(2, polls, max_items))

    announcements = [
        Item(
            f"announcement:{a.id}",
            voice.t("{author}: {text}", author=clip(a.author_name, 40), text=clip(a.text, 300)),
        )
        for a in data.announcements
        if shown(f"announcement:{a.id}", a.room_key)
    ]
    sections.append(_limited(3, announcements, max_items))

    links = [
        link
        for link in data.links
        if data.since <= link.created_at < data.until
        and link.id not in pinned_ids
        and shown(f"link:{link.id}", link.room_key)
    ]
    links.sort(key=lambda link: (not link.tags, link.tags[0] if link.tags else "", link.id))
    sections.append(
        _limited(
            4,
            [
                Item(f"link:{link.id}", _link_text(voice, link), link.tags[0] if link.tags else "")
                for link in links
            ],
            max_items,
        )
    )

    by_feed: dict[int, list[FeedEntry]] = {}
    for entry in data.feed_entries:
        if f"feed:{entry.feed_id}:{entry.link}" not in removed:
            by_feed.setdefault(entry.feed_id, []).append(entry)
    feed_items: list[Item] = []
    more = 0
    for entries in by_feed.values():
        for entry in entries[:feed_entries]:
            feed_items.append(
                Item(
                    f"feed:{entry.feed_id}:{entry.link}",
                    clip(entry.title or entry.link, 150),
                    clip(entry.feed_title, 80) or str(entry.feed_id),
                )
            )
        more += max(0, len(entries) - feed_entries)
    sections.append(Section(5, tuple(feed_items), more))

    return Digest(
        data.since,
        data.until,
        pinned,
        tuple(section for section in sections if section.items),
    )


def _section_lines(voice: RoomVoice, section: Section) -> list[str]:
    lines = [f"{section.number}. {voice.t(TITLES[section.number])}"]
    group: str | None = None
    for index, item in enumerate(section.items, start=1):
        if section.number in (4, 5) and item.group != group:
            group = item.group
            if section.number == 4:
                lines.append(f"#{group}" if group else voice.t("Without a tag"))
            else:
                lines.append(group)
        lines.append(f"  {section.number}.{index} {item.text}")
    if section.more:
        lines.append("  " + voice.tn("…and {n} more", "…and {n} more", section.more))
    return lines


def render(digest: Digest, voice: RoomVoice, *, limit: int = 3500) -> list[str]:
    """The digest as messages of at most ``limit`` characters, split between sections (and
    between lines inside a section too long for one message)."""
    header = voice.t(
        "Digest from {start} to {end}",
        start=voice.day(digest.since),
        end=voice.day(digest.until),
    )
    blocks = ["\n".join([header, *(item.text for item in digest.pinned)])]
    blocks.extend("\n".join(_section_lines(voice, section)) for section in digest.sections)
    return pack(blocks, limit)


def pack(blocks: Sequence[str], limit: int) -> list[str]:
    """Blocks (separated by a blank line) packed into messages of at most ``limit``
    characters; a block too long for one message is split between its lines."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + 2 + len(block) <= limit:
            current += "\n\n" + block
            continue
        if current:
            messages.append(current)
        current = ""
        for line in _fit(block.split("\n"), limit):
            if current and len(current) + 1 + len(line) <= limit:
                current += "\n" + line
            else:
                if current:
                    messages.append(current)
                current = line
    if current:
        messages.append(current)
    return messages


def _fit(lines: Iterable[str], limit: int) -> list[str]:
    """Lines cut to ``limit`` characters (a single line never exceeds a message)."""
    return [line if len(line) <= limit else line[: limit - 1] + "…" for line in lines]
