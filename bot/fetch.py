"""The one module that fetches URLs (link previews now, feeds next), and the preview parser.

A link posted by any member of a public group is fetched by the bot, from inside the network
the bot runs in: every fetch passes the guard below, hop by hop. Only ``http``/``https``; the
name is resolved here (the injected resolver or the loop's ``getaddrinfo``) and refused unless
every address is public (or inside ``[fetch] allow_networks``); the connection goes to an
address that was checked — never a second lookup — while the Host header and the TLS SNI keep
the name; redirects are followed by hand, each hop checked again; a connect timeout and one
deadline for the whole fetch; the body is streamed and capped (gzip decoded with a bound too);
the content type is checked before the body is read; environment proxies are ignored.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import ipaddress
import logging
import re
import socket
import ssl
import sys
import time
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.config import FetchConfig
from bot.text import clip

if TYPE_CHECKING:
    import httpx

# httpx imports its command-line client with itself (rich, pygments and click: about 40 ms and
# 6 MB, also when python-telegram-bot imports httpx); the bot never runs it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a feed is served as (text/html too: a site's page names its feed in a <link>).
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    *HTML_TYPES,
)
FEED_MAX_BYTES = 5 * 1024 * 1024
# The only request headers a caller may add: conditional requests (a 304 costs nothing).
CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since")
USER_AGENT = f"assobot/{__version__} (+link previews for an association's chat)"
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 300
CACHE_ENTRIES = 1_000
# A failed preview is not tried again before this (a link posted in a loop costs one fetch).
FAILURE_SECONDS = 600
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = (301, 302, 303, 307, 308)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class FetchError(Exception):
    """A fetch refused or failed.

    ``reason`` is a short code ("scheme", "not_public", "denied", "dns", "connect", "timeout",
    "too_many_redirects", "status", "type", "too_large"); ``str(error)`` is a one-line English
    explanation for logs (never shown raw to members).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page: the final URL after redirects, and at most ``max_bytes`` of its body;
    a conditional request answered "not modified" is ``status=304`` with an empty body."""

    url: str
    status: int
    content_type: str  # the Content-Type header as sent (charset included)
    body: bytes
    etag: str = ""  # the validators to send next time (If-None-Match, If-Modified-Since)
    last_modified: str = ""


@dataclass(frozen=True, slots=True)
class Preview:
    """What a link shows: plain text, whitespace folded, trimmed."""

    title: str
    description: str
    site_name: str
    url: str


# The guard ---------------------------------------------------------------------------------

_NOT_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT (and some clouds' metadata, 100.100.100.200)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
# Only 2000::/3 is global unicast; inside it, these are not reachable web servers.
_GLOBAL_V6 = ipaddress.IPv6Network("2000::/3")
_NOT_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "2001::/23",  # IETF protocol assignments (Teredo 2001::/32, ORCHID, benchmarking)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (IPv4-mapped, 6to4, NAT64), or None."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """Is this a global address a link may point to (loopback, private, link-local, CGNAT,
    multicast, reserved, documentation and their IPv6 wrappings are not)?"""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_v4(address)
        if inner is not None:
            return is_public(inner)
        return (
            address in _GLOBAL_V6
            and not any(address in network for network in _NOT_PUBLIC_V6)
            and address.is_global
        )
    return not any(address in network for network in _NOT_PUBLIC_V4) and address.is_global


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone is not part of it
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the loop's ``getaddrinfo`` (a worker thread, never the
    loop itself)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ascii_host(name: str) -> str:
    """A host as it goes on the wire: IDNA, lower case, no trailing dot or brackets."""
    import httpx

    name = name.strip().strip("[]").rstrip(".").lower()
    try:
        return httpx.URL(f"http://{name}/").raw_host.decode("ascii").rstrip(".")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return name


# Connecting to the checked address ------------------------------------------------------------


@functools.cache
def _wire() -> tuple[type[Any], type[Any]]:
    """The pinned backend and transport classes, made at the first fetch: httpx, httpcore
    and the CA bundle (about 100 ms and 9 MB) load when a link is first fetched, not at
    start-up."""
    import httpcore
    import httpx

    class _PinnedBackend(httpcore.AsyncNetworkBackend):
        """Connects to the addresses the guard checked for one host; refuses anything else."""

        def __init__(self, host: str, port: int, addresses: list[str]) -> None:
            self._host = host
            self._port = port
            self._addresses = addresses
            self._inner = httpcore.AnyIOBackend()

        async def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
        ) -> httpcore.AsyncNetworkStream:
            if (host, port) != (self._host, self._port):
                raise httpcore.ConnectError(f"{host}:{port} was not checked")
            failure: Exception = httpcore.ConnectError("no address")
            for address in self._addresses:
                try:
                    return await self._inner.connect_tcp(
                        address, port, timeout, local_address, socket_options
                    )
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                    failure = error
            raise failure

        async def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
        ) -> httpcore.AsyncNetworkStream:
            raise httpcore.ConnectError("no unix sockets")

        async def sleep(self, seconds: float) -> None:
            await self._inner.sleep(seconds)

    class _ResponseStream(httpx.AsyncByteStream):
        def __init__(self, stream: AsyncIterable[bytes]) -> None:
            self._stream = stream

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for part in self._stream:
                yield part

        async def aclose(self) -> None:
            closer = getattr(self._stream, "aclose", None)
            if closer is not None:
                await closer()

    class _PinnedTransport(httpx.AsyncBaseTransport):
        """httpx over an httpcore pool whose only way out is the pinned backend (public APIs of
        both, so no private attribute of httpx is patched)."""

        def __init__(self, backend: _PinnedBackend, ssl_context: ssl.SSLContext) -> None:
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                max_connections=1,
                max_keepalive_connections=0,
                http1=True,
                http2=False,
                retries=0,
                network_backend=backend,
            )

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            assert isinstance(request.stream, httpx.AsyncByteStream)
            core = httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
            response = await self._pool.handle_async_request(core)
            assert isinstance(response.stream, AsyncIterable)
            return httpx.Response(
                status_code=response.status,
                headers=response.headers,
                stream=_ResponseStream(response.stream),
                extensions=response.extensions,
            )

        async def aclose(self) -> None:
            await self._pool.aclose()

    return _PinnedBackend, _PinnedTransport


# Reading a body with a bound ------------------------------------------------------------------


class _Decoder:
    """Content-Encoding undone with a bound on the output: a 50 KiB gzip of zeros never
    becomes 50 MiB in memory."""

    def __init__(self, encoding: str) -> None:
        self._zlib: zlib._Decompress | None = None
        self._deflate = False
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
            self._deflate = True
        elif encoding not in ("", "identity"):
            raise FetchError("type", f"unsupported content encoding {clip(encoding, 40)!r}")

    def feed(self, data: bytes, room: int) -> bytes:
        """At most ``room`` bytes of decoded output for ``data``."""
        if self._zlib is None:
            return data[:room]
        out = bytearray()
        try:
            while data and len(out) < room and not self._zlib.eof:
                out += self._zlib.decompress(data, room - len(out))
                data = self._zlib.unconsumed_tail
        except zlib.error:
            if self._deflate and not out:  # "deflate" sent raw, without the zlib header
                self._zlib, self._deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.feed(data, room)
            raise FetchError("type", "the compressed body is corrupt") from None
        return bytes(out)


# The fetcher ----------------------------------------------------------------------------------


class Fetcher:
    """Fetches URLs under the guard; ``preview()`` caches what a link shows."""

    def __init__(
        self,
        config: FetchConfig,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._resolve = resolver or system_resolver
        self._ssl = ssl_context  # made on first use: loading the CA bundle takes a moment
        self._clock = clock
        self._allowed = tuple(ipaddress.ip_network(n, strict=False) for n in config.allow_networks)
        self._denied = tuple(_ascii_host(host) for host in config.deny_hosts)
        self._slots = asyncio.Semaphore(config.max_in_flight)
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._cache: OrderedDict[str, tuple[float, Preview | tuple[str, str]]] = OrderedDict()
        self._pending: dict[str, asyncio.Task[Preview]] = {}

    # Public ---------------------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        *,
        accept: tuple[str, ...] = HTML_TYPES,
        max_bytes: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        """GET ``url`` under the guard; a body longer than ``max_bytes`` (default: the
        config's) is refused with "too_large". An empty ``accept`` takes any type.
        ``headers`` may carry If-None-Match / If-Modified-Since (others are ignored): a 304
        answer is a ``Page`` with status 304 and no body, not an error."""
        extra = {
            name: _header_value(value)
            for name, value in (headers or {}).items()
            if name.lower() in CONDITIONAL_HEADERS and _header_value(value)
        }
        return await self._get(
            url, accept, max_bytes or self.config.max_bytes, truncate=False, extra=extra
        )

    async def preview(self, url: str) -> Preview:
        """What ``url`` shows (title, description, site), from the first ``max_bytes`` of the
        page: the head of a long page is enough. Cached per URL, failures for 10 minutes."""
        key = _cache_key(url)
        cached = self._cached(key)
        if isinstance(cached, Preview):
            return cached
        if cached is not None:
            raise FetchError(*cached)  # a fresh error each time: no traceback grows
        task = self._pending.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fresh_preview(url, key))
            self._pending[key] = task
            task.add_done_callback(lambda done: self._settled(key, done))
        return await asyncio.shield(task)  # one caller cancelled never cancels the others

    async def aclose(self) -> None:
        """Stop the previews under way (idempotent)."""
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def is_allowed(self, address: Address) -> bool:
        """Public, or inside ``allow_networks`` (matched as written: 127.0.0.0/8 does not let
        ::ffff:127.0.0.1 through)."""
        return any(address in network for network in self._allowed) or is_public(address)

    # Cache ----------------------------------------------------------------------------------

    def _cached(self, key: str) -> Preview | tuple[str, str] | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= self._clock():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return value

    def _keep(self, key: str, value: Preview | tuple[str, str], seconds: float) -> None:
        if seconds <= 0:
            return
        self._cache[key] = (self._clock() + seconds, value)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)

    def _settled(self, key: str, task: asyncio.Task[Preview]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled():
            task.exception()  # retrieved: no "never retrieved" warning when nobody waited

    async def _fresh_preview(self, url: str, key: str) -> Preview:
        try:
            page = await self._get(url, HTML_TYPES, self.config.max_bytes, truncate=True)
        except FetchError as error:
            self._keep(key, (error.reason, str(error)), FAILURE_SECONDS)
            raise
        preview = parse_preview(page.body, page.url, page.content_type)
        self._keep(key, preview, self.config.cache_hours * 3600)
        return preview

    # Fetching -------------------------------------------------------------------------------

    async def _get(
        self,
        url: str,
        accept: tuple[str, ...],
        limit: int,
        *,
        truncate: bool,
        extra: Mapping[str, str] | None = None,
    ) -> Page:
        target = _parse(url)
        # The host asked for holds one of its slots for the whole fetch (redirects included);
        # the deadline starts once both slots are held, so a queue never times fetches out.
        host = target.raw_host.decode("ascii").rstrip(".")
        async with self._host_slot(host), self._slots:
            try:
                async with asyncio.timeout(self.config.timeout_seconds):
                    return await self._follow(target, accept, limit, truncate, extra or {})
            except TimeoutError:
                raise FetchError(
                    "timeout",
                    f"{_short(target)} took longer than {self.config.timeout_seconds} s",
                ) from None

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        slot, users = self._hosts.get(host) or (asyncio.Semaphore(self.config.max_per_host), 0)
        self._hosts[host] = (slot, users + 1)
        try:
            async with slot:
                yield
        finally:
            slot, users = self._hosts[host]
            if users <= 1:
                del self._hosts[host]
            else:
                self._hosts[host] = (slot, users - 1)

    async def _follow(
        self,
        url: httpx.URL,
        accept: tuple[str, ...],
        limit: int,
        truncate: bool,
        extra: Mapping[str, str],
    ) -> Page:
        for _hop in range(self.config.max_redirects + 1):
            outcome = await self._hop(url, accept, limit, truncate, extra)
            if isinstance(outcome, Page):
                return outcome
            url = outcome
        raise FetchError(
            "too_many_redirects",
            f"more than {self.config.max_redirects} redirects, the last to {_short(url)}",
        )

    async def _checked_addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to, every one of them allowed."""
        if any(host == denied or host.endswith("." + denied) for denied in self._denied):
            raise FetchError("denied", f"{host} is in [fetch] deny_hosts")
        literal = _address(host)
        if literal is not None:
            found = [host]
        else:
            try:
                found = list(await self._resolve(host, port))
            except (OSError, UnicodeError, ValueError) as error:
                raise FetchError("dns", f"{host} does not resolve ({error})") from None
            if not found:
                raise FetchError("dns", f"{host} has no address")
        for text in found:
            address = _address(text)
            if address is None:
                raise FetchError("dns", f"{host} resolved to {text!r}, not an address")
            if not self.is_allowed(address):
                raise FetchError("not_public", f"{host} is {address}, not a public address")
        return found

    async def _hop(
        self,
        url: httpx.URL,
        accept: tuple[str, ...],
        limit: int,
        truncate: bool,
        extra: Mapping[str, str],
    ) -> Page | httpx.URL:
        """One request: a page, or the URL a redirect points to (checked on the next hop)."""
        import certifi
        import httpcore
        import httpx

        host = url.raw_host.decode("ascii")
        port = url.port or DEFAULT_PORTS[url.scheme]
        addresses = await self._checked_addresses(host.rstrip(".").lower(), port)
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=certifi.where())
        pinned_backend, pinned_transport = _wire()
        transport = pinned_transport(pinned_backend(host, port, addresses), self._ssl)
        timeout = httpx.Timeout(self.config.timeout_seconds, connect=self.config.connect_seconds)
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": ", ".join(accept) or "*/*",
            "Accept-Encoding": "gzip",
            **extra,
        }
        try:
            async with (
                httpx.AsyncClient(
                    transport=transport,
                    trust_env=False,  # an environment proxy would bypass the address check
                    follow_redirects=False,
                    timeout=timeout,
                    headers=headers,
                ) as client,
                client.stream("GET", url) as response,
            ):
                return await _read(response, accept, limit, truncate)
        except httpx.InvalidURL:  # httpx reads a redirect's Location even when not following it
            raise FetchError("scheme", f"{_short(url)} redirects to an invalid URL") from None
        except (httpx.TimeoutException, httpcore.TimeoutException) as error:
            raise FetchError("timeout", f"{_short(url)}: {type(error).__name__}") from None
        except (
            httpx.HTTPError,
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.UnsupportedProtocol,
            ssl.SSLError,
            OSError,
        ) as error:
            raise FetchError("connect", f"{_short(url)}: {_describe(error)}") from None


async def _read(
    response: httpx.Response, accept: tuple[str, ...], limit: int, truncate: bool
) -> Page | httpx.URL:
    import httpx

    url = response.url
    status = response.status_code
    if status in REDIRECTS:
        location = response.headers.get("location", "").strip()
        if not location:
            raise FetchError("status", f"{_short(url)} redirects (HTTP {status}) nowhere")
        try:
            target = url.join(location)
        except (httpx.InvalidURL, UnicodeError, ValueError):
            raise FetchError("scheme", f"{_short(url)} redirects to an invalid URL") from None
        return _parse(str(target))
    etag = _header_value(response.headers.get("etag", ""))
    last_modified = _header_value(response.headers.get("last-modified", ""))
    if status == 304:  # only a conditional request gets one: nothing changed, nothing to read
        return Page(str(url), status, "", b"", etag, last_modified)
    if not 200 <= status < 300:
        raise FetchError("status", f"{_short(url)} answered HTTP {status}")
    content_type = response.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if accept and media not in accept:
        shown = clip(media, 60) or "no content type"
        raise FetchError("type", f"{_short(url)} is {shown}, not {' or '.join(accept)}")
    decoder = _Decoder(response.headers.get("content-encoding", "").strip().lower())
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise FetchError("too_large", f"{_short(url)} announces {declared} bytes, over {limit}")
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += decoder.feed(chunk, limit + 1 - len(body))
        if len(body) > limit:
            if truncate:
                del body[limit:]
                break
            raise FetchError("too_large", f"{_short(url)} is longer than {limit} bytes")
    return Page(str(url), status, content_type, bytes(body), etag, last_modified)


def _header_value(value: str) -> str:
    """A validator as it may go back on the wire: printable ASCII, bounded (a hostile server's
    header never becomes a header injection nor a megabyte stored per feed)."""
    value = value.strip()
    if len(value) > 200 or any(not 0x20 <= ord(c) < 0x7F for c in value):
        return ""
    return value


def _parse(url: str) -> httpx.URL:
    """An http(s) URL with a host, without credentials nor fragment; FetchError otherwise."""
    import httpx

    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, UnicodeError, ValueError, TypeError):
        raise FetchError("scheme", f"not a URL: {clip(url, 80)!r}") from None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.raw_host:
        raise FetchError("scheme", f"not an http(s) URL: {clip(url, 80)!r}")
    # Credentials in a link would be sent as Basic auth: never to a host we were pointed at.
    return parsed.copy_with(username=None, password=None, fragment=None)


def _short(url: httpx.URL) -> str:
    return clip(str(url.copy_with(query=None)), 120)


def _describe(error: BaseException) -> str:
    text = clip(str(error), 120)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _cache_key(url: str) -> str:
    try:
        return str(_parse(url))
    except FetchError:
        return url


# Parsing a preview ----------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
# Labels browsers read as windows-1252 (the WHATWG Encoding Standard), and ones never honoured.
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"}
_REFUSED_CODECS = {"utf-7", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
_TAG = re.compile(r"</?[A-Za-z!][^<>]{0,200}>")
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.I)
_TAG_OPEN = re.compile(r"</?[A-Za-z]")
# Tags handed to the parser at most. Tree building walks the stack of open elements, so deep
# nesting is quadratic: 200,000 nested <div> (1 MiB) take minutes, 3,000 take a few ms, and a
# real head has a few hundred tags. The bound holds whatever the markup, as every element the
# parser creates starts with "<" and a letter.
MAX_TAGS = 3_000


def parse_preview(body: bytes, url: str, content_type: str = "text/html") -> Preview:
    """Title, description and site name of an HTML page: OpenGraph first, then ``<title>``
    and ``<meta name="description">``. Plain text only; never raises."""
    from selectolax.lexbor import LexborHTMLParser

    host = _display_host(url)
    try:
        text = _decode(body, content_type)
        # The head says all a preview needs; the rest of the page is not parsed.
        tree = LexborHTMLParser(text[: _head_end(text)])
        metas: dict[str, str] = {}
        for node in tree.css("meta"):
            attributes = node.attributes
            name = (attributes.get("property") or attributes.get("name") or "").strip().lower()
            content = attributes.get("content") or ""
            if name and content.strip() and name not in metas:
                metas[name] = content
        title_node = tree.css_first("title")
        title = _first(metas, "og:title", "twitter:title") or (
            title_node.text(deep=True) if title_node is not None else ""
        )
        description = _first(metas, "og:description", "twitter:description", "description")
        site = _first(metas, "og:site_name", "application-name")
    except Exception:  # a parser surprise on hostile bytes is an empty preview, not a crash
        log.debug("no preview parsed for %s", clip(url, 120), exc_info=True)
        return Preview("", "", host, url)
    return Preview(
        _plain(title, TITLE_LIMIT),
        _plain(description, DESCRIPTION_LIMIT),
        _plain(site, 100) or host,
        url,
    )


def _first(metas: dict[str, str], *names: str) -> str:
    for name in names:
        value = metas.get(name, "")
        if _plain(value, 10):
            return value
    return ""


def _head_end(text: str) -> int:
    """Where the part worth parsing ends: at ``</head>`` or ``<body``, and before the tag
    beyond ``MAX_TAGS`` (one linear scan)."""
    end = len(text)
    match = _HEAD_END.search(text)
    if match is not None:  # </head> is kept, <body is not
        end = match.end() if match.group().startswith("</") else match.start()
    for count, tag in enumerate(_TAG_OPEN.finditer(text, 0, end), 1):
        if count > MAX_TAGS:
            return tag.start()
    return end


def _plain(text: str, limit: int) -> str:
    """Plain text: tags left in a value removed, invisible characters dropped, spaces folded."""
    return clip(_TAG.sub(" ", text[: limit * 10]), limit)


def _display_host(url: str) -> str:
    import httpx

    try:
        return httpx.URL(url).host.rstrip(".")
    except (httpx.InvalidURL, UnicodeError, ValueError, TypeError):
        return ""


def _decode(body: bytes, content_type: str) -> str:
    """The page as text: BOM, then the Content-Type charset, then a ``<meta>`` charset, then
    UTF-8 if it is valid, else windows-1252 (what browsers fall back to)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace")
    header = _HEADER_CHARSET.search(content_type)
    meta = _CHARSET.search(body[:4096])
    for label in (header.group(1) if header else "", meta.group(1).decode() if meta else ""):
        named = _codec(label)
        if named is not None:
            return body.decode(named, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(body) - 3:  # a multi-byte character cut by the size cap
            return body.decode("utf-8", "replace")
    return body.decode("cp1252", "replace")


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    if not label:
        return None
    if label in _WINDOWS_1252:
        return "cp1252"
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if info.name in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name
