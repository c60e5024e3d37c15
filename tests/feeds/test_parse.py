"""The feed parser and feed discovery on hostile and ordinary bytes (no network)."""

from __future__ import annotations

import pytest

from bot.feeds import discover_feeds, parse_feed_now, plain_text

BASE = "http://example.org/blog/"


def test_parse_rss_entry_is_plain_text_with_an_absolute_link() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Asso &amp; co</title><item>'
        b"<title>Un</title><link>/a/1</link><guid>1</guid><description>&lt;p&gt;Hello "
        b"&lt;script&gt;steal()&lt;/script&gt;&lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</description>"
        b"</item></channel></rss>"
    )
    parsed = parse_feed_now(body, BASE)
    entry = parsed.entries[0]
    assert ("Asso & co", "Un", "http://example.org/a/1", "Hello world") == (
        parsed.title,
        entry.title,
        entry.link,
        entry.summary,
    )


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<script>x</script>", "file:///etc/passwd"]
)
def test_parse_entry_links_other_than_http_are_dropped(link: str) -> None:
    body = (
        f'<rss version="2.0"><channel><item><title>t</title><link>{link}</link></item>'
        "</channel></rss>"
    ).encode()
    assert "" == parse_feed_now(body, BASE).entries[0].link


def test_parse_entity_expansion_is_bounded() -> None:
    entities = "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">{entities}]>'
        '<rss version="2.0"><channel><title>&j;</title><item><title>x</title></item>'
        "</channel></rss>"
    ).encode()
    parsed = parse_feed_now(body, BASE)
    assert len(parsed.title) <= 200


def test_parse_external_entities_are_not_read() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title><item><title>t &x;</title></item>'
        b"</channel></rss>"
    )
    parsed = parse_feed_now(body, BASE)
    assert "root" not in parsed.title + "".join(e.title for e in parsed.entries)


@pytest.mark.parametrize(
    "body", [b"", b"\x00\xff" * 1000, b"<html><body>page</body></html>", b"{}", b"<rss"]
)
def test_parse_what_is_not_a_feed(body: bytes) -> None:
    assert (False, ()) == (parse_feed_now(body, BASE).is_feed, parse_feed_now(body, BASE).entries)


def test_plain_text_bounds_a_huge_summary() -> None:
    assert 300 >= len(plain_text("<p>" + "mot " * 1_000_000 + "</p>", 300))


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<link rel="alternate" type="application/rss+xml" href="feed.xml">', [BASE + "feed.xml"]),
        (
            '<link rel="Alternate" type="application/atom+xml" href="https://x.org/atom">',
            ["https://x.org/atom"],
        ),
        ('<link rel="alternate" type="application/rss+xml" href="javascript:x()">', []),
        ('<link rel="stylesheet" type="text/css" href="a.css">', []),
        ('<link rel="alternate" type="text/html" href="/fr/">', []),
    ],
)
def test_discover_feeds_reads_link_alternate(head: str, expected: list[str]) -> None:
    assert expected == discover_feeds(
        f"<html><head>{head}</head><body></body></html>".encode(), BASE
    )


def test_parse_same_title_on_different_days_are_different_entries() -> None:
    body = (
        b'<rss version="2.0"><channel>'
        b"<item><title>Weekly news</title><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>"
        b"<item><title>Weekly news</title><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>"
        b"</channel></rss>"
    )
    entries = parse_feed_now(body, BASE).entries
    assert 2 == len({entry.content_hash for entry in entries})
