"""Netscape bookmarks HTML: the file Firefox, Chrome, Shaarli and every bookmark manager import
(``/liens export`` and ``assobot export --links``). Every text is HTML-escaped; the URLs are the
http(s) ones the archive kept, never a ``javascript:`` one."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from storage.links import LinkRecord

HEADER = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<!-- This is an automatically generated file.
     It will be read and overwritten.
     DO NOT EDIT! -->
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
"""
FOOTER = "</DL><p>\n"


def _one_line(text: str) -> str:
    return escape(" ".join(text.split()), quote=True)


def bookmark(link: LinkRecord, private: bool = False) -> str:
    """One ``<DT><A …>`` entry, with its ``<DD>`` note or description when there is one."""
    url = link.url if link.url.lower().startswith(("http://", "https://")) else ""
    title = link.title or link.url
    attributes = (
        f'HREF="{escape(url, quote=True)}" ADD_DATE="{int(link.created_at.timestamp())}" '
        f'PRIVATE="{int(private)}" TAGS="{escape(",".join(link.tags), quote=True)}"'
    )
    entry = f"<DT><A {attributes}>{_one_line(title)}</A>\n"
    description = " — ".join(part for part in (link.note, link.description) if part)
    if description:
        entry += f"<DD>{_one_line(description)}\n"
    return entry


def bookmarks_html(entries: Iterable[tuple[LinkRecord, bool]]) -> bytes:
    """The whole file, UTF-8: each link with whether it comes from a private room."""
    parts = [HEADER]
    parts.extend(bookmark(link, private) for link, private in entries)
    parts.append(FOOTER)
    return "".join(parts).encode("utf-8")
