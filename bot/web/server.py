"""The web server: aiohttp's, in the bot's own event loop, behind the host's reverse proxy.

aiohttp because it is already in the dependency tree (matrix-nio talks through it, the tests'
fake Bot API is built on it), serves from the loop the bot already runs, and needs no second
process or thread: a vote cast on the page goes through the same code, the same SQLite
connection and the same poll-message refresh as a vote in the chat.

Every answer carries a strict Content-Security-Policy (no script at all, nothing from another
site), ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin`` (a link's token never leaves
in a Referer) and ``Cache-Control: no-store``. Forms carry an HMAC of their path (a key kept
in the database) and a POST from another origin is refused. Tokens never reach a log line:
aiohttp's access log is off, and a failing page is logged under its declared route
(``/v/{token}``), never its path.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

from bot.config import ConfigError, WebConfig
from bot.context import RoomVoice, Services
from bot.errors import Refusal, UsageError
from bot.i18n import LANGUAGES, _
from bot.logs import REDACTED, WEB_TOKEN_IN_PATH
from bot.router import Router
from bot.web import (
    ArchiveSection,
    ArchiveSpec,
    NotFound,
    PageSpec,
    WebRequest,
    WebResponse,
)

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MAX_BODY = 16 * 1024
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
NOT_FOUND = _(
    "This link does not work (any more): it may have been mistyped, replaced or revoked. Ask "
    "the association's organizers for a new one."
)
TOO_MANY = _("Too many requests: wait a minute, then try again.")
EXPIRED = _("This form has expired or did not come from this page: open the page again.")
FAILED = _("Something went wrong on our side. Try again in a moment.")
TOO_LARGE = _("This request is too large.")


class TokenRedactor(logging.Filter):
    """aiohttp's own lines (a malformed or too long request line is logged at ERROR with the
    line itself) never carry a link's token, whatever handler prints them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = WEB_TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)
            record.exc_info = None
        record.msg = WEB_TOKEN_IN_PATH.sub(r"\1" + REDACTED, message)
        record.args = ()
        return True


AIOHTTP_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.access", "aiohttp.internal")


class RateLimiter:
    """At most ``limit`` requests per key in each minute (fixed windows; memory bounded)."""

    MAX_KEYS = 100_000

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.counts: dict[str, tuple[int, int]] = {}

    def allow(self, key: str) -> bool:
        window = int(self.clock() // 60)
        start, count = self.counts.get(key, (window, 0))
        if start != window:
            count = 0
        if count >= self.limit:
            return False
        if len(self.counts) >= self.MAX_KEYS and key not in self.counts:
            self.counts = {k: v for k, v in self.counts.items() if v[0] == window}
            if len(self.counts) >= self.MAX_KEYS:
                # A flood of addresses: a new one is let through uncounted rather than a
                # member refused (memory stays bounded; the per-link limit still holds).
                return True
        self.counts[key] = (window, count + 1)
        return True


def client_address(request: web.Request) -> str:
    """The client's address; behind the reverse proxy (a loopback peer) the last address of
    X-Forwarded-For, the one the proxy itself added."""
    peer = request.remote or ""
    try:
        loopback = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        loopback = False
    forwarded = request.headers.get("X-Forwarded-For", "")
    if loopback and forwarded:
        last = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            return peer
    return peer


def limit_key(address: str) -> str:
    """What the per-address limit counts: an IPv4 address, or an IPv6 address's /64 (one
    host may hold a whole /64 and rotate through it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def browser_language(header: str) -> str | None:
    """The first of our languages in an Accept-Language header, by preference."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and quality > 0:
            ranked.append((-quality, index, code))
    return min(ranked)[2] if ranked else None


class WebServer:
    """The pages the features declared, the archive page, the stylesheet; started by the app
    after its adapters."""

    def __init__(self, config: WebConfig, services: Services, routers: Iterable[Router]):
        self.config = config
        self.services = services
        routers = tuple(routers)
        self.pages = [page for router in routers for page in router.pages]
        self.sections: list[ArchiveSpec] = sorted(
            (s for router in routers for s in router.archive_sections), key=lambda s: s.order
        )
        seen: set[tuple[str, str]] = set()
        for page in self.pages:
            if (page.method, page.path) in seen:
                raise ValueError(f"page {page.method} {page.path} is declared twice")
            seen.add((page.method, page.path))
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates ship with the code: no stat() per page
        )
        self.by_address = RateLimiter(config.requests_per_minute)
        self.by_token = RateLimiter(config.token_requests_per_minute)
        self.root = urlsplit(config.public_url).path.rstrip("/")
        self.stylesheet = (HERE / "static" / "style.css").read_bytes()
        self._runner: web.AppRunner | None = None
        self._csrf_key: bytes | None = None
        self.port = 0
        for name in AIOHTTP_LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, TokenRedactor) for f in logger.filters):
                logger.addFilter(TokenRedactor())

    # Addresses ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where the server listens (tests and the bench talk to it there)."""
        host = self.config.listen
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def public(self, path: str) -> str:
        """The address members open for ``path``."""
        return self.config.public_url.rstrip("/") + path

    # Life -----------------------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._guard])
        app.router.add_get("/static/style.css", self._stylesheet)
        app.router.add_get("/archive/{token}", self._route(self._archive_spec()))
        for page in self.pages:
            if page.method == "GET":  # HEAD too, as browsers and link checkers send it
                app.router.add_get(page.path, self._route(page))
            else:
                app.router.add_route(page.method, page.path, self._route(page))
        return app

    async def start(self) -> None:
        # A request line up to 64 KiB reaches the pages (a long search is answered, not cut
        # off by aiohttp's bare 400, which would echo the line, token included).
        self._runner = web.AppRunner(
            self.application(), access_log=None, handle_signals=False, max_line_size=65536
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.listen, self.config.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(
                f"[web] port: cannot listen on {self.config.listen}:{self.config.port}: "
                f"{error.strerror or error} (is another program using it? choose another port)"
            ) from None
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or ()
        self.port = sockets[0].getsockname()[1] if sockets else self.config.port
        log.info("web page listening on %s (public address %s)", self.base_url, self.public(""))
        public = urlsplit(self.config.public_url)
        if public.scheme == "http" and public.hostname not in ("127.0.0.1", "localhost", "::1"):
            log.warning(
                "[web] public_url is http://: personal voting links would travel unencrypted; "
                "put the page behind an https:// reverse proxy"
            )

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # Security -------------------------------------------------------------------------------

    def _key(self) -> bytes:
        if self._csrf_key is None:  # read once: kept in the database across restarts
            self._csrf_key = self.services.store.web.key("csrf")
        return self._csrf_key

    def csrf(self, path: str) -> str:
        """The form token of a page: an HMAC of its path (which holds the link's token)."""
        return hmac.new(self._key(), path.encode(), hashlib.sha256).hexdigest()[:40]

    def _same_origin(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            return True  # old browsers; the HMAC still holds
        allowed = {f"{request.scheme}://{request.host}".lower()}
        public = urlsplit(self.config.public_url)
        if public.scheme and public.netloc:
            allowed.add(f"{public.scheme}://{public.netloc}".lower())
        return origin.lower() in allowed

    @web.middleware
    async def _guard(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        language = self._language_of(request)
        response: web.StreamResponse
        if not self.by_address.allow(limit_key(client_address(request))):
            response = self._message(language, TOO_MANY, status=429)
            response.headers["Retry-After"] = "60"
        else:
            try:
                response = await handler(request)
            except web.HTTPRequestEntityTooLarge:
                response = self._message(language, TOO_LARGE, status=413)
            except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
                response = self._message(language, NOT_FOUND, status=404)
            except web.HTTPException as error:
                response = self._message(language, FAILED, status=error.status)
        cached = (
            response.headers.get("Cache-Control") if request.path.startswith("/static/") else None
        )
        response.headers.update(HEADERS)
        if cached:  # the stylesheet: cached by the browser, not fetched with every page
            response.headers["Cache-Control"] = cached
        response.headers["Server"] = "assobot"  # no software versions for a scanner
        return response

    # Pages ----------------------------------------------------------------------------------

    def _language_of(self, request: web.Request) -> str:
        asked = request.query.get("lang", "")
        if asked in LANGUAGES:
            return asked
        return browser_language(request.headers.get("Accept-Language", "")) or (
            self.services.config.language
        )

    def _route(self, spec: PageSpec) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            return await self._serve(spec, request)

        return serve

    async def _serve(self, spec: PageSpec, request: web.Request) -> web.StreamResponse:
        language = self._language_of(request)
        token = None
        if spec.token:
            plain = request.match_info.get("token", "")
            token = self.services.store.web.find(plain)
            if token is None or token.kind != spec.token:
                return self._message(language, NOT_FOUND, status=404)
            # A personal link is one member's: limited on its own. The archive's and the
            # agenda's addresses are shared by many, limited per address only.
            if token.kind == "vote" and not self.by_token.allow(f"{token.id}"):
                response = self._message(language, TOO_MANY, status=429)
                response.headers["Retry-After"] = "60"
                return response
        form: dict[str, tuple[str, ...]] = {}
        if request.method == "POST":
            if not self._same_origin(request):
                return self._message(language, EXPIRED, status=403)
            try:
                data = await request.post()
            except (UnicodeDecodeError, ValueError):
                return self._message(language, EXPIRED, status=400)
            for name in data:
                form[name] = tuple(v for v in data.getall(name) if isinstance(v, str))
            sent = form.get("csrf", ("",))[0]
            if not hmac.compare_digest(sent, self.csrf(request.path)):
                return self._message(language, EXPIRED, status=403)
        asked = request.query.get("lang", "")
        page_request = WebRequest(
            method=request.method,
            path=request.path,
            params=dict(request.match_info),
            query={key: request.query[key] for key in request.query},
            form=form,
            language=asked if asked in LANGUAGES else None,
            token=token,
        )
        try:
            answer = await spec.handler(self.services, page_request)
        except NotFound:
            return self._message(language, NOT_FOUND, status=404)
        except (Refusal, UsageError) as error:
            text = self.services.translator.t(language, error.msgid, **error.params)
            status = 409 if isinstance(error, Refusal) else 400
            return self._message(language, text, status=status)
        except Exception:
            log.exception("web page %s %s failed", spec.method, spec.path)
            return self._message(language, self.services.translator.t(language, FAILED), 500)
        return self.respond(answer, request)

    def respond(self, answer: WebResponse, request: web.Request) -> web.StreamResponse:
        """Turn a handler's answer into aiohttp's."""
        if answer.location:
            return web.Response(status=answer.status, headers={"Location": answer.location})
        if answer.template:
            html = self.render(answer.template, answer.language, request.path, answer.context)
            return web.Response(
                status=answer.status, text=html, content_type="text/html", charset="utf-8"
            )
        headers = {}
        if answer.filename:
            headers["Content-Disposition"] = f'inline; filename="{answer.filename}"'
        return web.Response(
            status=answer.status,
            body=answer.body,
            headers=headers,
            content_type=answer.content_type,
            charset="utf-8" if answer.content_type.startswith("text/") else None,
        )

    def render(self, template: str, language: str, path: str, context: Mapping[str, Any]) -> str:
        t = self.services.translator
        links = [
            {
                "href": f"?lang={code}",
                "lang": code,
                "label": LANGUAGE_NAMES[code],
                "current": code == language,
            }
            for code in LANGUAGES
        ]
        values: dict[str, Any] = {
            "lang": language,
            "static": self.root + "/static",
            "csrf": self.csrf(path),
            "language_links": links,
            "languages_label": t.t(language, _("Language")),
            "footer": t.t(language, _("A page of the association's chat bot (assobot).")),
            "title": "",
        }
        values.update(context)
        return self.templates.get_template(template).render(values)

    def _message(self, language: str, text: str, status: int) -> web.Response:
        """A page with one sentence (an error, a refusal)."""
        t = self.services.translator
        shown = t.t(language, text) if text in (NOT_FOUND, TOO_MANY, EXPIRED, TOO_LARGE) else text
        title = t.t(language, _("This page cannot be shown")) if status >= 400 else ""
        html = self.render("message.html", language, "", {"title": title, "message": shown})
        return web.Response(status=status, text=html, content_type="text/html", charset="utf-8")

    async def _stylesheet(self, request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=self.stylesheet,
            content_type="text/css",
            headers={"Cache-Control": "max-age=3600"},
        )

    # The archive ----------------------------------------------------------------------------

    def _archive_spec(self) -> PageSpec:
        return PageSpec("GET", "/archive/{token}", self._archive, "archive", "web")

    async def _archive(self, services: Services, request: WebRequest) -> WebResponse:
        token = request.token
        assert token is not None
        public = services.store.rooms.groups_in_association(token.association_id)
        home = public[0] if public else None
        voice = services.voice(home)
        language = request.language or voice.language
        if language != voice.language:
            voice = RoomVoice(voice.translator, language, voice.timezone, voice.commands)
        sections: list[ArchiveSection] = []
        for spec in self.sections:
            try:
                section = await spec.hook(services, token.association_id, voice, request.query)
            except Exception:
                log.exception("archive section of %s failed", spec.feature)
                continue
            if section is not None:
                sections.append(section)
        name = ", ".join(r.title for r in public if r.title) or voice.t("the association")
        return WebResponse.page(
            "archive.html",
            language,
            title=voice.t("Archive: {name}", name=name),
            heading=voice.t("Archive: {name}", name=name),
            intro=voice.t(
                "What the association decided and shared in its chat rooms, read-only. "
                "Nothing said in private conversations is shown here, only links a member "
                "filed for the association with /link."
            ),
            contents_label=voice.t("Contents"),
            sections=sections,
        )
