"""Shared fixtures: ``bot`` is a console harness on a fresh SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, make_config

# The Matrix kit (Synapse once per session, nio members) lives in its own plugin module.
pytest_plugins = ["tests.matrix_fixtures"]


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
