"""The links a platform marked in a message (Telegram entities, Matrix ``<a href>``), as every
adapter hands them over in ``Incoming.links``: absolute http(s) URLs only, each once, in the
order they appear, at most ``MAX_LINKS`` of at most ``MAX_URL`` characters.

Keeping them is the feature's business (normalising, de-duplicating, how many per message):
this only keeps what a platform marks from becoming unbounded or something else than a web
address (``tg://``, ``mailto:``, ``javascript:``, a Matrix mention's ``matrix.to`` link).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

MAX_LINKS = 20
MAX_URL = 2048
# A Matrix mention ("pill") is a link to the member's matrix.to page: not a shared link.
_MENTION_PREFIXES = ("https://matrix.to/#/@", "https://matrix.to/#/%40")


def web_link(candidate: str) -> str | None:
    """``candidate`` (surrounding spaces removed) when it is an absolute http(s) URL with a
    host and nothing invisible in it; else None."""
    url = candidate.strip()
    if not url or len(url) > MAX_URL:
        return None
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in url):
        return None  # spaces, controls, format characters (a hidden U+202E), unassigned
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced "[" in the host part
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if url.lower().startswith(_MENTION_PREFIXES):
        return None
    return url


def marked_links(candidates: Iterable[str]) -> tuple[str, ...]:
    """The web links among ``candidates``, each once (first seen kept), at most ``MAX_LINKS``."""
    kept: dict[str, None] = {}
    for candidate in candidates:
        url = web_link(candidate)
        if url is not None:
            kept.setdefault(url, None)
            if len(kept) >= MAX_LINKS:
                break
    return tuple(kept)
