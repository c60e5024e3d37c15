"""The fetcher's guard against real local servers (127.0.0.1 and ::1), and the preview parser.

Names are resolved by an injected resolver, never by DNS: a public-looking name may answer
10.0.0.1, ::1 or a rebinding pair. A successful fetch allows only the test's own server through
``allow_networks``; the default allows nothing private.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.config import ConfigError, FetchConfig, parse_config
from bot.fetch import (
    FEED_TYPES,
    USER_AGENT,
    Fetcher,
    FetchError,
    Preview,
    Resolver,
    is_public,
    parse_preview,
)
from tests.harness import Harness, make_config

LOCAL = FetchConfig(allow_networks=("127.0.0.1/32",))
MIB = 1024 * 1024
PAGE = (
    "<html><head><title>Assemblée générale</title>"
    '<meta name="description" content="Ordre du jour"></head><body>corps</body></html>'
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Site:
    """A local HTTP server and the requests it received."""

    base: str
    port: int
    hits: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return self.base + path

    @property
    def paths(self) -> list[str]:
        return [path for path, _headers in self.hits]


Serve = Callable[..., Awaitable[Site]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    runners: list[web.AppRunner] = []

    async def start(
        handler: Handler,
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
    ) -> Site:
        site = Site("", 0)

        async def record(request: web.Request) -> web.StreamResponse:
            headers = {key.lower(): value for key, value in request.headers.items()}
            site.hits.append((request.path_qs, headers))
            return await handler(request)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", record)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        tcp = web.TCPSite(runner, host, 0, ssl_context=ssl_context)
        await tcp.start()
        runners.append(runner)
        site.port = runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        site.base = f"{'https' if ssl_context else 'http'}://{shown}:{site.port}"
        return site

    yield start
    for runner in runners:
        await runner.cleanup()


def html(text: str = PAGE, content_type: str = "text/html") -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=text.encode(), content_type=content_type)

    return handler


def answers(*batches: list[str]) -> tuple[Resolver, list[str]]:
    """A resolver giving each batch in turn (the last one again after that), and its calls."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return batches[min(len(calls), len(batches)) - 1]

    return resolve, calls


async def refused(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    return caught.value.reason


# The guard: addresses ----------------------------------------------------------------------------


async def test_fetch_refuses_a_page_on_127_0_0_1_by_default(serve: Serve) -> None:
    site = await serve(html())
    assert "not_public" == await refused(Fetcher(FetchConfig()), site.url())
    assert [] == site.hits


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://[::ffff:7f00:1]:{port}/",
        "http://0.0.0.0:{port}/",
        "http://127.1.2.3:{port}/",
    ],
)
async def test_fetch_refuses_literal_private_addresses(serve: Serve, url: str) -> None:
    site = await serve(html())
    resolver, calls = answers(["8.8.8.8"])
    fetcher = Fetcher(LOCAL, resolver=resolver)
    assert "not_public" == await refused(fetcher, url.format(port=site.port))
    assert ([], []) == (site.hits, calls)


@pytest.mark.parametrize(
    "addresses",
    [
        ["10.0.0.1"],
        ["::1"],
        ["169.254.169.254"],
        ["::ffff:127.0.0.1"],
        ["100.100.100.200"],
        ["fd00::1"],
        ["8.8.8.8", "10.0.0.1"],  # every address must be public, not just one
        ["2606:4700::1111", "fe80::1%eth0"],
    ],
)
async def test_fetch_refuses_a_public_looking_name_resolving_to_a_private_address(
    addresses: list[str],
) -> None:
    resolver, calls = answers(addresses)
    fetcher = Fetcher(FetchConfig(), resolver=resolver)
    assert "not_public" == await refused(fetcher, "https://www.example.org/")
    assert ["www.example.org"] == calls


async def test_fetch_refuses_a_redirect_to_127_0_0_1_at_the_hop(serve: Serve) -> None:
    target = await serve(html())

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(target.url("/secret"))

    start = await serve(redirect, host="::1")
    fetcher = Fetcher(FetchConfig(allow_networks=("::1/128",)))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(start.url("/"))
    assert ("not_public", "127.0.0.1") == (caught.value.reason, str(caught.value).split()[0])
    assert (["/"], []) == (start.paths, target.hits)


async def test_fetch_refuses_a_redirect_to_ipv4_mapped_loopback_at_the_hop(serve: Serve) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        if request.path == "/secret":
            return web.Response(text=PAGE, content_type="text/html")
        raise web.HTTPFound(f"http://[::ffff:127.0.0.1]:{request.url.port}/secret")

    site = await serve(redirect)
    assert "not_public" == await refused(Fetcher(LOCAL), site.url("/"))
    assert ["/"] == site.paths


async def test_fetch_refuses_a_redirect_to_a_name_resolving_to_cloud_metadata(
    serve: Serve,
) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("http://metadata.example/latest/meta-data/")

    site = await serve(redirect)
    resolver, calls = answers(["169.254.169.254"])
    assert "not_public" == await refused(Fetcher(LOCAL, resolver=resolver), site.url())
    assert ["metadata.example"] == calls


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.org/", "javascript:x"],
)
async def test_fetch_refuses_a_redirect_to_another_scheme(serve: Serve, location: str) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": location})

    site = await serve(redirect)
    assert "scheme" == await refused(Fetcher(LOCAL), site.url())


async def test_fetch_connects_to_the_checked_address_when_dns_rebinds(serve: Serve) -> None:
    site = await serve(html())
    # The first answer is checked and used; a second lookup would have answered 10.0.0.1.
    resolver, calls = answers(["127.0.0.1"], ["10.0.0.1"])
    page = await Fetcher(LOCAL, resolver=resolver).fetch(f"http://rebind.example:{site.port}/")
    assert (200, ["rebind.example"]) == (page.status, calls)
    assert f"rebind.example:{site.port}" == site.hits[0][1]["host"]


async def test_fetch_checks_the_name_again_on_each_hop(serve: Serve) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        if request.path == "/next":
            return web.Response(text=PAGE, content_type="text/html")
        raise web.HTTPFound("/next")

    site = await serve(redirect)
    resolver, calls = answers(["127.0.0.1"], ["10.0.0.1"])
    fetcher = Fetcher(LOCAL, resolver=resolver)
    assert "not_public" == await refused(fetcher, f"http://rebind.example:{site.port}/")
    assert (["/"], 2) == (site.paths, len(calls))


@pytest.mark.parametrize(("redirects", "outcome"), [(3, "ok"), (4, "too_many_redirects")])
async def test_fetch_follows_at_most_three_redirects(
    serve: Serve, redirects: int, outcome: str
) -> None:
    async def chain(request: web.Request) -> web.StreamResponse:
        left = int(request.path.strip("/") or 0)
        if left == 0:
            return web.Response(text=PAGE, content_type="text/html")
        raise web.HTTPMovedPermanently(f"/{left - 1}")

    site = await serve(chain)
    try:
        page = await Fetcher(LOCAL).fetch(site.url(f"/{redirects}"))
        result = page.url
    except FetchError as error:
        result = error.reason
    assert (site.url("/0") if outcome == "ok" else outcome) == result
    assert min(redirects, 3) + 1 == len(site.hits)


async def test_fetch_refuses_deny_hosts_and_their_subdomains() -> None:
    resolver, calls = answers(["8.8.8.8"])
    fetcher = Fetcher(FetchConfig(deny_hosts=("Tracker.Example.",)), resolver=resolver)
    for url in (
        "http://tracker.example/",
        "https://cdn.tracker.example/x",
        "http://TRACKER.example.",
    ):
        assert "denied" == await refused(fetcher, url)
    assert [] == calls


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/",
        "file:///etc/passwd",
        "http://",
        "nope",
        "http://[::1",
    ],
)
async def test_fetch_refuses_what_is_not_an_http_url(url: str) -> None:
    assert "scheme" == await refused(Fetcher(FetchConfig()), url)


@pytest.mark.parametrize(
    ("resolved", "reason"),
    [(socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "dns"), ([], "dns")],
)
async def test_fetch_reports_a_name_that_does_not_resolve(
    resolved: Exception | list[str], reason: str
) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        if isinstance(resolved, Exception):
            raise resolved
        return resolved

    assert reason == await refused(Fetcher(FetchConfig(), resolver=resolver), "http://a.example/")


async def test_fetch_reports_a_closed_port_as_connect() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert "connect" == await refused(Fetcher(LOCAL), f"http://127.0.0.1:{port}/")


# The guard: what is sent, how long, how much -----------------------------------------------------


async def test_fetch_ignores_proxies_from_the_environment(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = await serve(html("proxied"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.base)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    site = await serve(html())
    page = await Fetcher(LOCAL).fetch(site.url())
    assert (PAGE.encode(), [], 1) == (page.body, proxy.hits, len(site.hits))


async def test_fetch_sends_an_honest_user_agent_and_no_credentials(serve: Serve) -> None:
    site = await serve(html())
    await Fetcher(LOCAL).fetch(f"http://alice:secret@127.0.0.1:{site.port}/")
    headers = site.hits[0][1]
    assert USER_AGENT == headers["user-agent"]
    assert USER_AGENT.startswith("assobot/")
    assert "authorization" not in headers


async def test_fetch_refuses_a_pdf_before_reading_it(serve: Serve) -> None:
    site = await serve(html("%PDF-1.7", content_type="application/pdf"))
    fetcher = Fetcher(LOCAL)
    assert "type" == await refused(fetcher, site.url())
    with pytest.raises(FetchError) as caught:
        await fetcher.preview(site.url())
    assert "type" == caught.value.reason


@pytest.mark.parametrize(("status", "reason"), [(404, "status"), (500, "status"), (204, "ok")])
async def test_fetch_reports_error_statuses(serve: Serve, status: int, reason: str) -> None:
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, content_type="text/html")

    site = await serve(answer)
    try:
        outcome = str((await Fetcher(LOCAL).fetch(site.url())).status == status and "ok")
    except FetchError as error:
        outcome = error.reason
    assert reason == outcome


def streamer(total: int, head: bytes = b"", encoding: str = "") -> tuple[Handler, list[int]]:
    """Streams ``head`` then zeros up to ``total`` bytes (chunked, no Content-Length), never
    holding more than 64 KiB; ``sent`` counts what the socket took."""
    sent = [0]

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        if encoding:
            response.headers["Content-Encoding"] = encoding
        await response.prepare(request)
        compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS) if encoding else None
        chunk = bytes(64 * 1024)
        remaining = total
        try:
            if head:
                await response.write(compressor.compress(head) if compressor else head)
                remaining -= len(head)
            while remaining > 0:
                piece = chunk[: min(len(chunk), remaining)]
                await response.write(compressor.compress(piece) if compressor else piece)
                sent[0] += len(piece)
                remaining -= len(piece)
        except (ConnectionError, RuntimeError):
            pass
        return response

    return handler, sent


async def test_fetch_cuts_a_50_mib_body_at_1_mib(serve: Serve) -> None:
    handler, sent = streamer(50 * MIB)
    site = await serve(handler)
    started = time.monotonic()
    assert "too_large" == await refused(Fetcher(LOCAL), site.url())
    await asyncio.sleep(0.2)
    assert sent[0] < 20 * MIB  # the server stopped: the client hung up
    assert time.monotonic() - started < 5


async def test_preview_reads_the_first_mib_of_a_50_mib_page(serve: Serve) -> None:
    head = b"<html><head><title>Long page</title></head><body>"
    handler, sent = streamer(50 * MIB, head)
    site = await serve(handler)
    assert "Long page" == (await Fetcher(LOCAL).preview(site.url())).title
    await asyncio.sleep(0.2)
    assert sent[0] < 20 * MIB


async def test_fetch_cuts_a_gzip_bomb_at_1_mib(serve: Serve) -> None:
    handler, _sent = streamer(50 * MIB, encoding="gzip")
    site = await serve(handler)
    assert "too_large" == await refused(Fetcher(LOCAL), site.url())


async def test_fetch_reads_a_gzip_page(serve: Serve) -> None:
    async def gzipped(request: web.Request) -> web.StreamResponse:
        body = zlib.compress(PAGE.encode(), wbits=16 + zlib.MAX_WBITS)
        headers = {"Content-Encoding": "gzip", "Content-Type": "text/html"}
        return web.Response(body=body, headers=headers)

    site = await serve(gzipped)
    assert PAGE.encode() == (await Fetcher(LOCAL).fetch(site.url())).body


async def test_fetch_cuts_a_trickling_server_at_the_deadline() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 99999\r\n\r\n"
        )
        try:
            for _ in range(40):  # a byte every 0.3 s: each read is quick, the whole is not
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.3)
        except ConnectionError:
            pass
        writer.close()

    server = await asyncio.start_server(trickle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    fetcher = Fetcher(replace(LOCAL, timeout_seconds=2))
    started = time.monotonic()
    async with server:
        assert "timeout" == await refused(fetcher, f"http://127.0.0.1:{port}/")
        elapsed = time.monotonic() - started
    assert 1.9 < elapsed < 4


def certificate(tmp_path: Path, name: str) -> Path:
    """A self-signed certificate (and its key) for ``name``, as one PEM file."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / f"{name}.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.mark.parametrize(
    ("certified", "outcome"), [("pinned.test", "ok"), ("other.test", "connect")]
)
async def test_fetch_keeps_the_name_in_tls_sni_and_host_while_pinned(
    serve: Serve, tmp_path: Path, certified: str, outcome: str
) -> None:
    pem = certificate(tmp_path, certified)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(pem)
    names: list[str | None] = []

    def remember(sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        names.append(name)

    server_side.sni_callback = remember
    site = await serve(html(), ssl_context=server_side)
    resolver, _calls = answers(["127.0.0.1"])
    client_side = ssl.create_default_context(cafile=str(pem))
    fetcher = Fetcher(LOCAL, resolver=resolver, ssl_context=client_side)
    url = f"https://pinned.test:{site.port}/"
    try:
        result = "ok" if (await fetcher.fetch(url)).status == 200 else "?"
    except FetchError as error:
        result = error.reason
    assert (outcome, ["pinned.test"]) == (result, names)
    if outcome == "ok":
        assert f"pinned.test:{site.port}" == site.hits[0][1]["host"]


# Limits and cache --------------------------------------------------------------------------------


async def wait_for(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


@pytest.mark.parametrize(("hosts", "peak"), [(3, 4), (1, 2)])
async def test_fetch_caps_fetches_in_flight_overall_and_per_host(
    serve: Serve, hosts: int, peak: int
) -> None:
    gate = asyncio.Event()
    current: Counter[str] = Counter()
    peaks = {"all": 0, "host": 0}

    async def slow(request: web.Request) -> web.StreamResponse:
        current[request.host] += 1
        peaks["all"] = max(peaks["all"], sum(current.values()))
        peaks["host"] = max(peaks["host"], current[request.host])
        try:
            await gate.wait()
        finally:
            current[request.host] -= 1
        return web.Response(text=PAGE, content_type="text/html")

    site = await serve(slow)
    resolver, _calls = answers(["127.0.0.1"])
    fetcher = Fetcher(LOCAL, resolver=resolver)
    urls = [f"http://h{i % hosts}.example:{site.port}/{i}" for i in range(12)]
    tasks = [asyncio.create_task(fetcher.fetch(url)) for url in urls]
    await wait_for(lambda: sum(current.values()) == peak)
    await asyncio.sleep(0.2)  # nothing more gets in while the first ones hang
    assert peak == sum(current.values())
    gate.set()
    await asyncio.gather(*tasks)
    assert (12, peak, min(peak, 2)) == (len(site.hits), peaks["all"], peaks["host"])


async def test_preview_is_cached_per_url(serve: Serve) -> None:
    site = await serve(html())
    now = [1000.0]
    fetcher = Fetcher(LOCAL, clock=lambda: now[0])
    first = await fetcher.preview(site.url("/?a=1"))
    again = await fetcher.preview(site.url("/?a=1#section"))
    assert (first, 1) == (again, len(site.hits))
    now[0] += 25 * 3600  # a day later it is fetched again
    await fetcher.preview(site.url("/?a=1"))
    assert 2 == len(site.hits)


async def test_preview_caches_a_failure_for_a_while(serve: Serve) -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500)

    site = await serve(broken)
    now = [1000.0]
    fetcher = Fetcher(LOCAL, clock=lambda: now[0])
    for _ in range(5):
        with pytest.raises(FetchError) as caught:
            await fetcher.preview(site.url())
        assert "status" == caught.value.reason
    assert 1 == len(site.hits)
    now[0] += 11 * 60
    with pytest.raises(FetchError):
        await fetcher.preview(site.url())
    assert 2 == len(site.hits)


async def test_preview_fetches_once_for_callers_at_the_same_time(serve: Serve) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.1)
        return web.Response(text=PAGE, content_type="text/html")

    site = await serve(slow)
    fetcher = Fetcher(LOCAL)
    previews = await asyncio.gather(*(fetcher.preview(site.url()) for _ in range(5)))
    assert ({"Assemblée générale"}, 1) == ({p.title for p in previews}, len(site.hits))


async def test_preview_of_a_page_through_allow_networks(serve: Serve) -> None:
    page = (
        "<html><head><meta property='og:title' content='Subvention 2026'>"
        "<meta property='og:description' content='Le  dossier\n complet'>"
        "<meta property='og:site_name' content='Mairie'><title>ignored</title></head></html>"
    )
    site = await serve(html(page))
    expected = Preview("Subvention 2026", "Le dossier complet", "Mairie", site.url("/a"))
    assert expected == await Fetcher(LOCAL).preview(site.url("/a"))


async def test_app_has_a_fetcher_with_the_configured_guard(tmp_path: Path) -> None:
    harness = await Harness.start(make_config(tmp_path / "data"))
    try:
        fetcher = harness.app.services.fetcher
        assert fetcher is not None and fetcher.config is harness.app.config.fetch
        assert not fetcher.is_allowed(ipaddress.ip_address("127.0.0.1"))
    finally:
        await harness.stop()


# Classification table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("2606:4700:4700::1111", True),
        ("2a00:1450:4007:80f::200e", True),
        ("::ffff:8.8.8.8", True),  # mapped public stays public
        ("2002:5db8:d822::1", True),  # 6to4 of 93.184.216.34
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("100.100.100.200", False),  # a cloud's metadata, inside CGNAT
        ("0.0.0.0", False),
        ("0.1.2.3", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.0.8", False),
        ("192.0.2.1", False),  # documentation
        ("198.51.100.7", False),
        ("203.0.113.9", False),
        ("198.18.0.1", False),  # benchmarking
        ("192.88.99.1", False),
        ("::1", False),
        ("::", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", False),  # 6to4 of 169.254.169.254
        ("2002:c0a8:0101::1", False),  # 6to4 of 192.168.1.1
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b:1::1", False),  # local-use NAT64
        ("fc00::1", False),
        ("fd12:3456:789a::1", False),
        ("fe80::1", False),
        ("fec0::1", False),  # site-local (deprecated)
        ("ff02::1", False),
        ("ff0e::1", False),  # global-scope multicast is still no web server
        ("2001:db8::1", False),  # documentation
        ("3fff::1", False),
        ("2001::1", False),  # Teredo
        ("100::1", False),  # discard-only
    ],
)
def test_is_public_classifies_addresses(address: str, public: bool) -> None:
    assert public == is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("networks", "address", "allowed"),
    [
        (("127.0.0.0/8",), "127.0.0.1", True),
        (("127.0.0.0/8",), "::ffff:127.0.0.1", False),  # matched as written
        (("192.168.1.0/24",), "192.168.1.20", True),
        (("192.168.1.0/24",), "192.168.2.20", False),
        (("fd00::/8",), "fd00::5", True),
        ((), "8.8.8.8", True),
    ],
)
def test_allow_networks_lets_only_their_addresses_through(
    networks: tuple[str, ...], address: str, allowed: bool
) -> None:
    fetcher = Fetcher(FetchConfig(allow_networks=networks))
    assert allowed == fetcher.is_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            {"allow_networks": ["10.0.0.1/8"]},
            '[fetch] allow_networks: "10.0.0.1/8" has host bits set (did you mean "10.0.0.0/8"?)',
        ),
        ({"allow_networks": ["0.0.0.0/0"]}, '[fetch] allow_networks: "0.0.0.0/0" is too broad'),
        ({"allow_networks": ["::/0"]}, '[fetch] allow_networks: "::/0" is too broad'),
        ({"allow_networks": ["intranet"]}, "[fetch] allow_networks: expected networks"),
        ({"deny_hosts": ["http://x.org/"]}, "[fetch] deny_hosts: expected host names"),
        ({"timeout_seconds": 0}, "[fetch] timeout_seconds: expected a number from 1 to 120"),
        ({"max_bytes": 10}, "[fetch] max_bytes: expected a number from 1024"),
        ({"proxy": "x"}, "[fetch] proxy: unknown setting"),
    ],
)
def test_fetch_config_names_the_bad_key(toml: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"fetch": toml}, source="config.toml", base_dir=Path("."), env={})
    assert str(caught.value).startswith(f"config.toml: {message}")


def test_fetch_config_reads_its_section() -> None:
    raw = {"fetch": {"allow_networks": ["192.168.1.0/24"], "deny_hosts": ["x.org"]}}
    config = parse_config(raw, source="config.toml", base_dir=Path("."), env={})
    assert (("192.168.1.0/24",), ("x.org",), 10) == (
        config.fetch.allow_networks,
        config.fetch.deny_hosts,
        config.fetch.timeout_seconds,
    )


# The preview parser ------------------------------------------------------------------------------

URL = "https://www.example.org/page"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b"<meta property='og:title' content='OG title'><title>Tag title</title>"
            b"<meta property='og:description' content='OG description'>"
            b"<meta property='og:site_name' content='Example'>",
            "text/html",
            ("OG title", "OG description", "Example"),
        ),
        (
            b"<html><head><title> Tag \n\t title </title>"
            b"<meta name='Description' content='Meta description'></head></html>",
            "text/html",
            ("Tag title", "Meta description", "www.example.org"),
        ),
        (
            "<title>Fête de l'été à Besançon</title>".encode("latin-1"),
            "text/html; charset=ISO-8859-1",
            ("Fête de l'été à Besançon", "", "www.example.org"),
        ),
        (
            "<meta charset='latin-1'><title>Café associatif</title>".encode("latin-1"),
            "text/html",
            ("Café associatif", "", "www.example.org"),
        ),
        (
            "<meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>"
            "<title>“Œuvres” €</title>".encode("cp1252"),
            "text/html",
            ("“Œuvres” €", "", "www.example.org"),
        ),
        (
            "<title>Réunion</title>".encode("latin-1"),  # no charset, not UTF-8: windows-1252
            "text/html",
            ("Réunion", "", "www.example.org"),
        ),
        (
            "\ufeff<title>Avec BOM é</title>".encode(),
            "text/html; charset=latin-1",
            ("Avec BOM é", "", "www.example.org"),
        ),
        (
            b"<meta property='og:title' content='A &amp; B <script>alert(1)</script> <b>C</b>'>",
            "text/html",
            ("A & B alert(1) C", "", "www.example.org"),
        ),
        (
            "<title>Sur\u202eemoc\u200b  le\x1b[31m site</title>".encode(),
            "text/html",
            ("Suremoc le[31m site", "", "www.example.org"),
        ),
        (
            b"<title>outer</title><svg><title>inner</title></svg>",
            "text/html",
            ("outer", "", "www.example.org"),
        ),
        (
            b"<meta property='og:title' content='   '><title>Fallback</title>",
            "text/html",
            ("Fallback", "", "www.example.org"),
        ),
        (b"", "text/html", ("", "", "www.example.org")),
        (bytes(range(256)) * 64, "text/html", ("", "", "www.example.org")),
        (b"\xff\xfe\x00<\x00t\x00", "text/html", ("", "", "www.example.org")),
        (b"<title>" + b"<" * 10_000, "text/html", ("<" * 199 + "…", "", "www.example.org")),
        (
            b"<meta charset='utf-7'><title>+ADw-b+AD4-</title>",
            "text/html",
            ("+ADw-b+AD4-", "", "www.example.org"),
        ),
        (b"<title>x</title>", "text/html; charset=no-such-codec", ("x", "", "www.example.org")),
        (b"<title>x</title>", "text/html; charset=rot13", ("x", "", "www.example.org")),
        (b"<title>x</title>", "text/html; charset=base64", ("x", "", "www.example.org")),
    ],
)
def test_parse_preview_reads_the_page(
    body: bytes, content_type: str, expected: tuple[str, str, str]
) -> None:
    preview = parse_preview(body, URL, content_type)
    assert expected == (preview.title, preview.description, preview.site_name)
    assert URL == preview.url


def test_parse_preview_bounds_its_text() -> None:
    body = f"<title>{'mot ' * 5000}</title><meta name=description content='{'x' * 5000}'>"
    preview = parse_preview(body.encode(), URL)
    assert (200, 300) == (len(preview.title), len(preview.description))
    assert preview.title.endswith("…")


def test_parse_preview_keeps_a_character_cut_by_the_size_cap() -> None:
    body = "<title>Évènement à venir</title><p>é".encode()[:-1]  # the last é cut in half
    assert "Évènement à venir" == parse_preview(body, URL).title


def test_parse_preview_shows_an_idna_host_readably() -> None:
    assert "café.example" == parse_preview(b"", "https://xn--caf-dma.example/").site_name


@pytest.mark.parametrize(
    "pattern",
    [b"<div>", b"<dl><dd>", b"<ol><li><div>", b"<b><i></b></i>", b"<table>x", b"<!--", b"<a "],
)
def test_parse_preview_of_a_mib_of_hostile_markup_is_quick(pattern: bytes) -> None:
    body = pattern * (MIB // len(pattern)) + b"<title>late</title>"
    started = time.monotonic()
    preview = parse_preview(body, URL)
    assert time.monotonic() - started < 0.5
    assert "www.example.org" == preview.site_name


def test_parse_preview_finds_the_title_after_a_crowded_head() -> None:
    links = b"<link rel='preload' href='/a.js'>" * 2000
    body = b"<html><head>" + links + b"<meta property='og:title' content='Found'></head>"
    assert "Found" == parse_preview(body, URL).title


async def test_fetch_checks_what_the_system_resolver_answers(serve: Serve) -> None:
    site = await serve(html())  # "localhost" comes from /etc/hosts: no DNS server involved
    assert "not_public" == await refused(Fetcher(FetchConfig()), f"http://localhost:{site.port}/")
    assert [] == site.hits


async def test_the_suite_resolves_no_public_name() -> None:
    import bot.fetch as module

    with pytest.raises(OSError, match="tests resolve no public name"):
        await module.system_resolver("example.org", 443)
    assert await module.system_resolver("localhost", 80)


# Conditional requests (feeds) ----------------------------------------------------------------


async def test_fetch_conditional_sends_validators_and_returns_304_as_a_page(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(
            body=b"<rss/>",
            content_type="application/rss+xml",
            headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 08:00:00 GMT"},
        )

    site = await serve(handler)
    fetcher = Fetcher(LOCAL)
    first = await fetcher.fetch(site.url("/feed"), accept=FEED_TYPES)
    again = await fetcher.fetch(
        site.url("/feed"),
        accept=FEED_TYPES,
        headers={"If-None-Match": first.etag, "If-Modified-Since": first.last_modified},
    )
    assert (200, '"v1"', "Tue, 01 Dec 2026 08:00:00 GMT") == (
        first.status,
        first.etag,
        first.last_modified,
    )
    assert (304, b"") == (again.status, again.body)
    assert "Tue, 01 Dec 2026 08:00:00 GMT" == site.hits[1][1]["if-modified-since"]


async def test_fetch_headers_other_than_validators_are_not_sent(serve: Serve) -> None:
    site = await serve(html())
    await Fetcher(LOCAL).fetch(
        site.url(),
        headers={"Cookie": "a=1", "Host": "evil.example", "If-None-Match": '"x"\r\nX-A: 1'},
    )
    sent = site.hits[0][1]
    assert ("cookie" in sent, "if-none-match" in sent, "x-a" in sent) == (False, False, False)
    assert sent["host"].startswith("127.0.0.1")


async def test_fetch_hostile_validators_from_the_server_are_dropped(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"x", content_type="text/html", headers={"ETag": "e" * 5000})

    site = await serve(handler)
    assert "" == (await Fetcher(LOCAL).fetch(site.url())).etag
