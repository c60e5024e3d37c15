"""Shared fixtures: ``bot`` is a console harness on a fresh SQLite file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import bot.fetch as bot_fetch
from tests.harness import Harness, make_config

# The Matrix kit (Synapse once per session, nio members) and the Telegram fixtures (the fake
# Bot API server, the world around it) live in their own plugin modules.
pytest_plugins = ["tests.matrix_fixtures", "tests.fakes.telegram_world"]


LOCAL_NAMES = {"localhost", "localhost.localdomain"}


@pytest.fixture(autouse=True)
def no_public_name_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 / ::1 only: a link posted in a test (https://example.org/...)
    must never make the bot's fetcher look up or reach a public host, even on a machine that
    has the internet. Names other than localhost fail like an unknown name."""
    real = bot_fetch.system_resolver

    async def local_only(host: str, port: int) -> list[str]:
        if host.lower().rstrip(".") not in LOCAL_NAMES:
            raise OSError(f"tests resolve no public name ({host})")
        return await real(host, port)

    monkeypatch.setattr(bot_fetch, "system_resolver", local_only)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def bot(data_dir: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(data_dir))
    try:
        yield harness
    finally:
        await harness.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    """In CI a skipped test (a missing Synapse, say) is a failure, not a pass."""
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") and skipped:
        terminalreporter.write_line(
            f"CI: {len(skipped)} test(s) skipped; in CI every test must run", red=True
        )
        terminalreporter._session.exitstatus = pytest.ExitCode.TESTS_FAILED
