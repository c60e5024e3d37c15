"""The browser kit: the bot with its web page running in a thread of its own, and a real Chromium
(Debian's ``chromium`` and ``chromium-driver``, driven by selenium) to open its pages.

Selenium blocks, so the bot cannot share the test's thread: ``live`` starts the console harness
with ``[web]`` on 127.0.0.1 (a free port) in a background thread running its own event loop, and
``live.say(...)`` / ``live.run(coroutine)`` hand work to that loop and wait for the answer. The
web server keeps answering the browser in between.

Without the browser the tests skip on a developer's machine, and fail in CI (``CI=true``), where
a skipped test counts as a failure (``make test`` installs both packages)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.harness import Harness, Sent

T = TypeVar("T")

# Long enough for a slow machine, short enough that a stuck loop fails the test instead of CI.
WAIT = 30.0
PHONE = (390, 844)  # an ordinary phone's window, in CSS pixels
DESKTOP = (1280, 900)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def find_browser() -> tuple[str, str] | None:
    """Chromium and its driver, as Debian installs them (``make test`` does)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        return None
    return browser, driver


class LiveBot:
    """The harness in its own thread and event loop; every call from the test thread waits."""

    def __init__(self, start: Callable[[], Awaitable[Harness]]) -> None:
        self._start = start
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._harness: Harness | None = None
        self._thread = threading.Thread(target=self._serve, name="assobot-live", daemon=True)

    # -- the bot's thread ------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to the test thread by start()/close()
            self._failure = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        harness = await self._start()
        self._harness = harness
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await harness.stop()

    # -- the test's thread -----------------------------------------------------------------
    def start(self) -> LiveBot:
        self._thread.start()
        if not self._ready.wait(WAIT):
            raise TimeoutError("the bot did not start")
        if self._failure is not None:
            raise self._failure
        return self

    def close(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(WAIT)
        if self._thread.is_alive():
            raise TimeoutError("the bot did not stop")
        if self._failure is not None:
            raise self._failure

    @property
    def harness(self) -> Harness:
        assert self._harness is not None, "the bot is not running"
        return self._harness

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the bot's loop and wait for its result."""
        assert self._loop is not None, "the bot is not running"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(WAIT)

    def call(self, function: Callable[[], T]) -> T:
        """Call ``function`` on the bot's loop (to read what the bot holds without racing it)."""

        async def call() -> T:
            return function()

        return self.run(call())

    def say(self, text: str, *, member: str = "alice", room: str = "asso") -> list[str]:
        """Type a line in the console as ``member`` in ``room`` (the console otherwise keeps the
        last ones); the texts shown, private answers included."""
        return self.run(self.harness.say(text, member=member, room=room))

    def organizer(self, member: str, room: str | None = None) -> None:
        self.call(lambda: self.harness.organizer(member, room))

    def settle(self) -> None:
        """Let one second pass on the bot's clock: the debounced edit of a poll message."""
        self.run(self.harness.advance(timedelta(seconds=1)))

    @property
    def sent(self) -> list[Sent]:
        return self.call(lambda: list(self.harness.sent))

    @property
    def edits(self) -> list[Sent]:
        return self.call(lambda: list(self.harness.edits))

    def poll_text(self, room: str = "asso") -> str:
        """The poll message as the room shows it now (edits applied in place)."""

        def latest() -> str:
            for line in reversed(self.harness.console.lines):
                if line.room == room and not line.notice and line.text.startswith(("📊", "🗳")):
                    return line.text
            raise AssertionError(f"no poll message in {room}")

        return self.call(latest)

    @property
    def base_url(self) -> str:
        web = self.harness.app.web
        assert web is not None, "the web page is not enabled"
        return str(web.base_url).rstrip("/")

    def local(self, public_link: str) -> str:
        """A link as the bot gives it (``public_url`` + path) turned into the address it listens
        on (http://127.0.0.1:PORT + path): the tests have no reverse proxy in front."""
        parts = urlsplit(public_link)
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def vote_links(self, command: str, *, member: str = "alice") -> dict[str, str]:
        """Type ``/liens-vote ...`` as an organizer and read the CSV file the bot answers with:
        ``{name: local link}``."""
        before = len(self.sent)
        self.say(command, member=member)
        files = [each.out.attachment for each in self.sent[before:] if each.out.attachment]
        assert files, f"{command!r} answered no file: {self.sent[before:]!r}"
        return read_links(files[-1].content)


def read_links(content: bytes | str) -> dict[str, str]:
    """``{name: link}`` from the CSV of ``/liens-vote``: the link is the cell holding ``/v/``,
    the name the first other cell; a header line has no link and is left out."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    sample = text[:2048]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    links: dict[str, str] = {}
    for row in csv.reader(io.StringIO(text), dialect):
        link = next((cell for cell in row if "/v/" in cell), None)
        if link is None:
            continue
        name = next(cell for cell in row if cell != link)
        links[name.strip()] = link.strip()
    return links


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveBot]:
    """The bot with ``[web]`` enabled on 127.0.0.1 (any free port), running in its own thread;
    alice is an organizer of the console room asso."""
    from tests.webkit import web_config  # the lead's kit: a Config with the web page enabled

    config = web_config(tmp_path / "data")

    async def start() -> Harness:
        return await Harness.start(config)

    bot = LiveBot(start).start()
    try:
        bot.organizer("alice")
        yield bot
    finally:
        bot.close()


@pytest.fixture(scope="module")
def chrome() -> Iterator[WebDriver]:
    """One headless Chromium per test module (starting one takes about a second)."""
    found = find_browser()
    if found is None:
        message = (
            "Chromium and chromedriver are needed for the browser tests: "
            "`make test` installs Debian's chromium and chromium-driver"
        )
        if in_ci():
            pytest.fail(f"CI: {message}", pytrace=False)
        pytest.skip(message)
    binary, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root (CI too): Chromium refuses its sandbox then
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        "--lang=fr-FR",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(argument)
    # A French member's browser: the page's language comes from Accept-Language unless ?lang=.
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def as_phone(driver: WebDriver) -> None:
    """Show pages as a phone does: a 390×844 screen (CSS pixels), touch-sized, the page's
    viewport meta obeyed. (A headless window alone is never narrower than 500 pixels.)"""
    width, height = PHONE
    driver.set_window_size(width, height)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, for ``browser`` to see whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def browser(
    chrome: WebDriver, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[WebDriver]:
    """The module's Chromium, for one test: a fresh window size, and on failure a screenshot and
    the page's HTML in the test's tmp dir (their paths are printed in the report)."""
    chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chrome.set_window_size(*DESKTOP)
    yield chrome
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        page = tmp_path / "failure.html"
        try:
            chrome.save_screenshot(str(shot))
            page.write_text(chrome.page_source, encoding="utf-8")
            print(f"\nbrowser at failure: {chrome.current_url}\n  {shot}\n  {page}")
        except Exception as error:  # a dead browser must not hide the test's own failure
            print(f"\nno screenshot: {error!r}")
    chrome.delete_all_cookies()
