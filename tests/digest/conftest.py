"""The digest tests' bot: the console harness with a fast fan-out (pacing is the bench's)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.digest.settings import DigestSettings
from tests.harness import Harness, make_config


def config(data_dir: Path, **changes: object):  # type: ignore[no-untyped-def]
    return make_config(data_dir, DigestSettings(**{"sends_per_second": 1000, **changes}))  # type: ignore[arg-type]


@pytest.fixture
async def bot(data_dir: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(config(data_dir))
    try:
        yield harness
    finally:
        await harness.stop()
