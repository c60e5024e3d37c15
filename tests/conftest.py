"""Shared fixtures: ``bot`` is a console harness on a fresh SQLite file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, make_config

# The Matrix kit (Synapse once per session, nio members) and the Telegram fixtures (the fake
# Bot API server, the world around it) live in their own plugin modules.
pytest_plugins = ["tests.matrix_fixtures", "tests.fakes.telegram_world"]


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
