"""Reading what members type: the links of a message, its #hashtags, a note, a search."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.message import Incoming
from bot.text import fold
from bot.urls import InvalidURL, find_urls, normalize
from storage.links import LinkSearch

MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_NOTE = 500
MAX_SEARCH_TERMS = 10
MAX_SEARCH_LENGTH = 500
# "#budget", "#conseil-municipal", "#été": a letter or digit, then letters, digits, - or _;
# not inside a word, an HTML entity (&#39;) or a URL path.
_HASHTAG = re.compile(r"(?<![\w#&/])#([^\W_][\w-]*)")
_URL_IN_TEXT = re.compile(r"https?://\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]")
PAGE_WORDS = frozenset({"page", "p"})


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A URL as typed (shown to members) and its normalized form (the archive's key)."""

    url: str
    normalized: str


def message_links(message: Incoming, limit: int) -> list[FoundLink]:
    """The http(s) links of a message, each page once: those in its text in order, then those
    the platform marked (``[text](url)``), at most ``limit``."""
    found: list[FoundLink] = []
    seen: set[str] = set()
    for url in [*find_urls(message.text), *message.links]:
        try:
            normalized = normalize(url)
        except InvalidURL:
            continue
        if normalized in seen:
            continue
        seen.add(normalized)
        found.append(FoundLink(url.strip(), normalized))
        if len(found) >= limit:
            break
    return found


def tag_key(text: str) -> str:
    """A tag as stored and searched: case and accents folded (``#Été`` is ``ete``)."""
    return fold(text).strip("-")[:MAX_TAG_LENGTH]


def hashtags(text: str) -> list[str]:
    """The #hashtags of a text, folded, each once, at most ``MAX_TAGS`` (``#12`` is a number,
    and a ``#fragment`` inside a URL is not a tag)."""
    text = _URL_IN_TEXT.sub(" ", text)
    tags: list[str] = []
    for match in _HASHTAG.finditer(text):
        tag = tag_key(match.group(1))
        if tag and not tag.isdigit() and tag not in tags:
            tags.append(tag)
            if len(tags) >= MAX_TAGS:
                break
    return tags


def note_of(text: str, urls: Iterable[str]) -> str:
    """What remains of ``/lien URL #tag words`` once the URL and the hashtags are taken out."""
    for url in urls:
        text = text.replace(url, " ")
    text = _HASHTAG.sub(" ", text)
    return " ".join(text.split())[: MAX_NOTE * 2]


def has_token(text: str) -> bool:
    """Whether a search word holds a letter or a digit (``*``, ``(``, ``"`` alone do not)."""
    return _TOKEN.search(text) is not None


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A parsed ``/liens`` request: the search, the page asked for, what was typed (to echo)."""

    search: LinkSearch
    page: int
    typed: tuple[str, ...]
    ignored: bool  # some words held nothing searchable


class SearchTooLong(Exception):
    """More words than a search takes."""


def parse_search(args: list[str], page_number: int | None) -> SearchRequest:
    """Words, ``"exact phrases"`` (an argument with a space was quoted), ``-excluded`` words
    and ``#tags``; ``page_number`` was already read from a trailing ``page N``."""
    phrases: list[str] = []
    excluded: list[str] = []
    tags: list[str] = []
    typed: list[str] = []
    ignored = False
    for arg in args:
        arg = arg.strip()
        if not arg:
            continue
        typed.append(arg)
        if arg.startswith("#") and " " not in arg:
            tag = tag_key(arg.lstrip("#"))
            if tag and has_token(tag):
                tags.append(tag)
            else:
                ignored = True
        elif arg.startswith("-") and " " not in arg:
            word = arg.lstrip("-")
            if has_token(word):
                excluded.append(word)
            else:
                ignored = True
        elif has_token(arg):
            phrases.append(arg)
        else:
            ignored = True
    if len(phrases) + len(excluded) + len(tags) > MAX_SEARCH_TERMS:
        raise SearchTooLong
    search = LinkSearch(tuple(phrases), tuple(excluded), tuple(tags))
    return SearchRequest(search, page_number or 1, tuple(typed), ignored)
