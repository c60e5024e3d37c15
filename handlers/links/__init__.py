"""Shared links: every link posted in a room becomes the association's searchable archive.

Parts (lowest first): ``parse`` (hashtags, notes, searches), ``render`` (what members read),
``previews`` (titles fetched in the background), then ``capture`` (the listener) and
``commands`` (/lien, /liens, /tags).
"""

from __future__ import annotations

from bot.router import Router
from handlers.links import archive, capture, commands, previews
from handlers.links.settings import LinksSettings

router = (
    Router("links", settings=LinksSettings)
    .include(capture.router, commands.router, previews.router)
    .include(archive.router)
)
