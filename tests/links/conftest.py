"""The links tests' bot: the console harness with a fake fetcher (a real fetch needs a server;
the fetcher's own tests cover its guard), so no test ever resolves a public name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, make_config
from tests.links.helpers import FakeFetcher


@pytest.fixture
def fetcher() -> FakeFetcher:
    return FakeFetcher()


@pytest.fixture
async def bot(data_dir: Path, fetcher: FakeFetcher) -> AsyncIterator[Harness]:
    harness = await Harness.start(make_config(data_dir))
    real = harness.app.services.fetcher
    harness.app.services.fetcher = fetcher  # type: ignore[assignment]
    try:
        yield harness
    finally:
        await harness.stop()
        if real is not None:
            await real.aclose()
