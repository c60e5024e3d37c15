"""The small web page's own types: what a feature's page handler receives and answers.

The server itself (aiohttp, Jinja2) lives in ``bot/web/server.py`` and is imported only when
``[web] enabled`` is set; a feature declares pages with ``Router.page`` and archive sections
with ``Router.archive_section`` and never sees aiohttp.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.context import RoomVoice, Services
    from storage.web import WebTokenRecord


class NotFound(Exception):
    """Raised by a page handler: the link does not work (any more); the server answers the
    same page as for an unknown or revoked token."""


@dataclass(frozen=True, slots=True)
class WebRequest:
    """One request as a page handler sees it."""

    method: str
    path: str  # the path as requested (it holds the token: never log it)
    params: Mapping[str, str]  # the path's {parts}
    query: Mapping[str, str]  # the first value of each query parameter
    form: Mapping[str, tuple[str, ...]]  # POST fields (every value)
    language: str | None  # asked with ?lang=fr|en, else None
    token: WebTokenRecord | None = None  # the live token of the {token} part, when declared

    def field(self, name: str) -> str:
        """A form field's first value ("" when absent)."""
        values = self.form.get(name, ())
        return values[0] if values else ""


@dataclass(frozen=True, slots=True)
class WebResponse:
    """A page (a template and its context), a file, or a redirect after a POST."""

    status: int = 200
    template: str = ""
    language: str = "fr"
    context: Mapping[str, Any] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = "text/html"
    filename: str = ""
    location: str = ""

    @classmethod
    def page(
        cls, template: str, language: str, *, status: int = 200, **context: Any
    ) -> WebResponse:
        """A page from ``bot/web/templates/<template>``; ``context`` holds translated texts
        (templates hold no words)."""
        return cls(status=status, template=template, language=language, context=context)

    @classmethod
    def file(cls, body: bytes, content_type: str, filename: str = "") -> WebResponse:
        return cls(body=body, content_type=content_type, filename=filename)

    @classmethod
    def redirect(cls, location: str) -> WebResponse:
        """303 See Other: after a POST, the browser asks the page again (no resubmission)."""
        return cls(status=303, location=location)


@dataclass(frozen=True, slots=True)
class ArchiveSection:
    """One section of the association's archive page: a title and a template fragment."""

    title: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    anchor: str = ""


PageHandler = Callable[["Services", WebRequest], Awaitable[WebResponse]]
ArchiveHook = Callable[
    ["Services", int, "RoomVoice", Mapping[str, str]], Awaitable[ArchiveSection | None]
]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page declared by a feature (``Router.page``)."""

    method: str
    path: str
    handler: PageHandler
    token: str = ""  # the token kind the {token} part must be ("vote", "archive", "agenda")
    feature: str = ""


@dataclass(frozen=True, slots=True)
class ArchiveSpec:
    """An archive section declared by a feature (``Router.archive_section``)."""

    order: int
    hook: ArchiveHook
    feature: str = ""
