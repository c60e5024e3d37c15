"""The web server's own rules: headers, unknown or revoked links, forms, rate limits, logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.context import Services
from bot.router import Router
from bot.web import WebRequest, WebResponse
from handlers import ROUTERS
from tests.harness import Harness
from tests.webkit import web_config

probe = Router("probe")


@probe.page("GET", "/probe/{token}", token="vote")
async def probe_page(services: Services, request: WebRequest) -> WebResponse:
    assert request.token is not None
    return WebResponse.page(
        "message.html",
        request.language or "fr",
        title="Probe",
        message=f"<b>{request.token.name}</b>",
    )


@probe.page("POST", "/probe/{token}", token="vote")
async def probe_post(services: Services, request: WebRequest) -> WebResponse:
    return WebResponse.redirect(f"?done={request.field('choice')}")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(
        web_config(tmp_path, requests_per_minute=40, token_requests_per_minute=8),
        routers=[*ROUTERS, probe],
    )
    yield harness
    await harness.stop()


async def issue(bot: Harness, name: str = "Odile <Martin>") -> str:
    """A voting link for a poll made in the console room (as /liens-vote would issue)."""
    await bot.say("/sondage Pizza ? | Oui | Non", member="alice")
    poll = bot.app.store.polls.latest_open_in_room("console:asso")
    assert poll is not None
    poll_id = poll.id
    token, _record = bot.app.store.web.issue(
        "vote",
        poll.association_id,
        poll_id=poll_id,
        person_key="roll:1",
        name=name,
        now=bot.app.clock.now(),
    )
    return token


async def test_page_security_headers_and_escaping(bot: Harness) -> None:
    token = await issue(bot)
    assert bot.app.web is not None
    url = f"{bot.app.web.base_url}/probe/{token}?lang=en"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body = await response.text()
        assert 200 == response.status
        assert "DENY" == response.headers["X-Frame-Options"]
        assert "same-origin" == response.headers["Referrer-Policy"]
        assert "nosniff" == response.headers["X-Content-Type-Options"]
        assert "no-store" == response.headers["Cache-Control"]
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script" not in body.lower()
    assert "&lt;b&gt;Odile &lt;Martin&gt;&lt;/b&gt;" in body
    assert '<html lang="en">' in body


async def test_unknown_and_revoked_links_answer_the_same_404(bot: Harness) -> None:
    token = await issue(bot)
    record = bot.app.store.web.find(token)
    assert record is not None
    assert bot.app.web is not None
    base = bot.app.web.base_url
    async with aiohttp.ClientSession(headers={"Accept-Language": "fr-FR,fr;q=0.9"}) as http:
        async with http.get(f"{base}/probe/{token[:-1]}x") as response:
            mistyped = await response.text()
            assert 404 == response.status
        bot.app.store.web.revoke(record.id, bot.app.clock.now())
        async with http.get(f"{base}/probe/{token}") as response:
            revoked = await response.text()
            assert 404 == response.status
        async with http.get(f"{base}/nothing/here") as response:
            assert 404 == response.status
            assert "DENY" == response.headers["X-Frame-Options"]
    assert "Ce lien ne fonctionne pas (ou plus)" in mistyped
    assert mistyped == revoked


async def test_post_without_the_form_token_or_from_another_site_is_refused(bot: Harness) -> None:
    token = await issue(bot)
    assert bot.app.web is not None
    url = f"{bot.app.web.base_url}/probe/{token}"
    good = bot.app.web.csrf(f"/probe/{token}")
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data={"choice": "1"}, allow_redirects=False) as response:
            assert 403 == response.status
        async with http.post(
            url, data={"choice": "1", "csrf": "0" * 40}, allow_redirects=False
        ) as response:
            assert 403 == response.status
        async with http.post(
            url,
            data={"choice": "1", "csrf": good},
            headers={"Origin": "https://evil.example"},
            allow_redirects=False,
        ) as response:
            assert 403 == response.status
        async with http.post(
            url, data={"choice": "2", "csrf": good}, allow_redirects=False
        ) as response:
            assert 303 == response.status
            assert "?done=2" == response.headers["Location"]
        async with http.post(
            url, data={"choice": "x" * 40_000, "csrf": good}, allow_redirects=False
        ) as response:
            assert 413 == response.status


async def test_rate_limits_per_link_and_per_address(bot: Harness) -> None:
    token = await issue(bot)
    assert bot.app.web is not None
    url = f"{bot.app.web.base_url}/probe/{token}"
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(10):
            async with http.get(url) as response:
                statuses.append(response.status)
        assert [200] * 8 + [429] * 2 == statuses
        # Another link from the same address still works, until the address's own limit.
        statuses = []
        for _ in range(40):
            async with http.get(f"{bot.app.web.base_url}/static/style.css") as response:
                statuses.append(response.status)
        assert 429 == statuses[-1]
        # Behind the reverse proxy each member is their own address.
        async with http.get(
            f"{bot.app.web.base_url}/static/style.css",
            headers={"X-Forwarded-For": "203.0.113.7"},
        ) as response:
            assert 200 == response.status


async def test_tokens_never_reach_the_log(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    token = await issue(bot)
    assert bot.app.web is not None
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as http:
        for path in (f"/probe/{token}", f"/probe/{token}x", f"/archive/{token}"):
            async with http.get(bot.app.web.base_url + path) as response:
                await response.read()
    assert token not in caplog.text


async def test_a_port_already_taken_stops_the_start_with_one_line(tmp_path: Path) -> None:
    import socket

    from bot.config import ConfigError

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(ConfigError, match=rf"\[web\] port: cannot listen on 127.0.0.1:{port}"):
            harness = await Harness.start(web_config(tmp_path, port=port))
            await harness.stop()
    finally:
        taken.close()


async def test_confidentialite_mentions_the_web_page_when_it_is_on(bot: Harness) -> None:
    replies = await bot.say("/confidentialite", member="bob")

    assert "sur la page web : vos liens de vote personnels, sous forme d’empreinte" in replies[0]
