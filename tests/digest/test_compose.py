"""Composing a digest from records (pure): golden texts in French and English with a fixed
clock, empty sections left out, an empty digest, private rooms, splitting long digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.context import RoomVoice
from bot.i18n import Translator
from handlers import ROUTERS
from handlers.digest.compose import DigestData, compose, pack, render
from storage.digests import (
    YES,
    AnnouncementItem,
    DigestEdits,
    EventItem,
    LinkItem,
    PollItem,
    ReminderItem,
)

SINCE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 30 November, 09:00 in Paris
UNTIL = SINCE + timedelta(days=7)
COMMANDS = tuple(command for router in ROUTERS for command in router.commands)
TRANSLATOR = Translator.load()


def voice(language: str) -> RoomVoice:
    return RoomVoice(TRANSLATOR, language, "Europe/Paris", COMMANDS)


def week() -> DigestData:
    return DigestData(
        since=SINCE,
        until=UNTIL,
        events=[EventItem(1, "console:bureau", "Assemblée générale", UNTIL + timedelta(days=4))],
        reminders=[
            ReminderItem(2, "console:bureau", "Rendre les clés", UNTIL + timedelta(days=1)),
        ],
        polls=[
            PollItem(
                3,
                "console:bureau",
                "motion",
                "Adopter le budget",
                None,
                SINCE + timedelta(days=2),
                "adopted",
                7,
                ((1, YES, 5), (2, YES, 2)),
                ((1, "Pour"), (2, "Contre")),
            ),
            PollItem(
                4,
                "console:bureau",
                "choice",
                "Pizza ou sushi ?",
                None,
                SINCE + timedelta(days=3),
                "",
                3,
                ((1, YES, 2), (2, YES, 1)),
                ((1, "Pizza"), (2, "Sushi")),
            ),
            PollItem(
                5,
                "console:bureau",
                "choice",
                "Date du pique-nique",
                UNTIL + timedelta(days=2),
                None,
            ),
        ],
        announcements=[
            AnnouncementItem(6, "console:bureau", "Alice", "Local fermé lundi", SINCE),
        ],
        links=[
            LinkItem(
                7,
                "console:bureau",
                "https://example.org/budget",
                "Budget 2027",
                "Bob",
                ("finances",),
                3,
                SINCE + timedelta(hours=1),
            ),
            LinkItem(
                8,
                "console:bureau",
                "https://example.org/a",
                "",
                "Carol",
                (),
                1,
                SINCE + timedelta(hours=2),
            ),
        ],
    )


GOLDEN_FR = """\
Résumé du lundi 30 novembre 2026 au lundi 7 décembre 2026

1. À venir
  1.1 mardi 8 décembre 2026 à 09:00 — ⏰ Rendre les clés
  1.2 vendredi 11 décembre 2026 à 09:00 — Assemblée générale

2. Décisions et sondages
  2.1 « Adopter le budget » → adoptée (5 pour, 2 contre)
  2.2 « Pizza ou sushi ? » → Pizza (2 votes)
  2.3 « Date du pique-nique » — ouvert jusqu'au mercredi 9 décembre 2026 à 09:00 : /voter 5 …

3. Annonces
  3.1 Alice : Local fermé lundi

4. Liens partagés
#finances
  4.1 Budget 2027 — https://example.org/budget — partagé par Bob, repartagé 2 fois
Sans étiquette
  4.2 https://example.org/a — partagé par Carol"""

GOLDEN_EN = """\
Digest from Monday 30 November 2026 to Monday 7 December 2026

1. Coming up
  1.1 Tuesday 8 December 2026 at 09:00 — ⏰ Rendre les clés
  1.2 Friday 11 December 2026 at 09:00 — Assemblée générale

2. Decisions and polls
  2.1 « Adopter le budget » → adopted (5 for, 2 against)
  2.2 « Pizza ou sushi ? » → Pizza (2 votes)
  2.3 « Date du pique-nique » — open until Wednesday 9 December 2026 at 09:00: /vote 5 …

3. Announcements
  3.1 Alice: Local fermé lundi

4. Shared links
#finances
  4.1 Budget 2027 — https://example.org/budget — shared by Bob, shared again 2 times
Without a tag
  4.2 https://example.org/a — shared by Carol"""


@pytest.mark.parametrize(("expected", "language"), [(GOLDEN_FR, "fr"), (GOLDEN_EN, "en")])
def test_digest_sections_golden(expected: str, language: str) -> None:
    speaker = voice(language)
    assert [expected] == render(compose(week(), speaker, room_key="console:bureau"), speaker)


def test_digest_empty_sections_left_out() -> None:
    data = DigestData(
        SINCE, UNTIL, announcements=[AnnouncementItem(1, "console:a", "Alice", "Hello", SINCE)]
    )
    digest = compose(data, voice("en"), room_key="console:a")
    assert [3] == [section.number for section in digest.sections]
    assert "Coming up" not in render(digest, voice("en"))[0]


def test_digest_empty_is_empty() -> None:
    # an event already past and a link outside the period show nothing
    data = DigestData(
        SINCE,
        UNTIL,
        events=[EventItem(1, "console:a", "Old", SINCE)],
        links=[
            LinkItem(2, "console:a", "https://x.org", "", "Bob", (), 1, SINCE - timedelta(days=1))
        ],
    )
    assert compose(data, voice("fr"), room_key="console:a").empty


@pytest.mark.parametrize(
    ("expected", "room"), [(True, "console:private"), (False, "console:other")]
)
def test_digest_private_room_items_stay_there(expected: bool, room: str) -> None:
    data = DigestData(
        SINCE,
        UNTIL,
        links=[LinkItem(1, "console:private", "https://secret.org", "", "Bob", (), 1, SINCE)],
        announcements=[AnnouncementItem(2, "console:private", "Bob", "Entre nous", SINCE)],
        private_rooms=frozenset({"console:private"}),
    )
    text = "\n".join(render(compose(data, voice("fr"), room_key=room), voice("fr")))
    assert expected == ("secret.org" in text)
    assert expected == ("Entre nous" in text)


def test_digest_removed_and_pinned_items() -> None:
    data = week()
    edits = DigestEdits(frozenset({"poll:4", "event:1"}), ((8, SINCE + timedelta(days=1)),))
    digest = compose(
        DigestData(**{**{f: getattr(data, f) for f in data.__slots__}, "edits": edits}),  # type: ignore[attr-defined]
        voice("en"),
        room_key="console:bureau",
    )
    text = render(digest, voice("en"))[0]
    assert "Pizza" not in text and "Assemblée" not in text
    assert "📌 https://example.org/a — shared by Carol" == text.splitlines()[1]
    assert "4.2" not in text  # the pinned link is on top, not again among the links


def test_digest_long_split_on_section_boundaries() -> None:
    links = [
        LinkItem(i, "console:a", f"https://example.org/{i}", "x" * 100, "Bob", (), 1, SINCE)
        for i in range(1, 60)
    ]
    notes = [AnnouncementItem(i, "console:a", "Alice", "y" * 250, SINCE) for i in range(1, 10)]
    data = DigestData(SINCE, UNTIL, links=links, announcements=notes)
    digest = compose(data, voice("en"), room_key="console:a", max_items=50)
    messages = render(digest, voice("en"), limit=3500)
    assert len(messages) > 1
    assert all(len(message) <= 3500 for message in messages)
    assert messages[1].startswith("4. Shared links")
    assert "3. Announcements" in messages[0]
    assert "…and 9 more" in messages[-1]
    # what was sent can be shown again the same way (the archive)
    assert messages == pack("\n\n".join(messages).split("\n\n"), 3500)


def test_digest_feeds_at_most_per_feed_with_count() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Entry:
        feed_id: int
        feed_title: str
        title: str
        link: str

    entries = [
        Entry(1, "Le Monde associatif", f"Titre {i}", f"https://f.org/{i}") for i in range(8)
    ]
    data = DigestData(SINCE, UNTIL, feed_entries=entries)
    text = render(compose(data, voice("fr"), room_key="console:a", feed_entries=5), voice("fr"))[0]
    assert text.endswith(
        "5. Veille\nLe Monde associatif\n  5.1 Titre 0\n  5.2 Titre 1\n  5.3 Titre 2\n"
        "  5.4 Titre 3\n  5.5 Titre 4\n  …et 3 autres"
    )
