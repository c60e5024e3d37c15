"""When digests are due: weekly and daily cadences keep their local hour across the
daylight-saving change of 29 March 2026 in Paris."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.digest.schedule import DAILY, WEEKLY, Cadence

PARIS = "Europe/Paris"


@pytest.mark.parametrize(
    ("expected", "cadence", "now"),
    [
        # Monday 09:00 weekly: 23 March is CET (08:00 UTC), 30 March is CEST (07:00 UTC)
        (
            datetime(2026, 3, 23, 8, tzinfo=UTC),
            Cadence(WEEKLY, 0, 9, 0, PARIS),
            datetime(2026, 3, 29, 12, tzinfo=UTC),
        ),
        (
            datetime(2026, 3, 30, 7, tzinfo=UTC),
            Cadence(WEEKLY, 0, 9, 0, PARIS),
            datetime(2026, 3, 30, 7, tzinfo=UTC),
        ),
        (
            datetime(2026, 3, 23, 8, tzinfo=UTC),
            Cadence(WEEKLY, 0, 9, 0, PARIS),
            datetime(2026, 3, 30, 6, 59, tzinfo=UTC),
        ),
        # daily 08:00 on either side of the change
        (
            datetime(2026, 3, 28, 7, tzinfo=UTC),
            Cadence(DAILY, 0, 8, 0, PARIS),
            datetime(2026, 3, 29, 5, 59, tzinfo=UTC),
        ),
        (
            datetime(2026, 3, 29, 6, tzinfo=UTC),
            Cadence(DAILY, 0, 8, 0, PARIS),
            datetime(2026, 3, 29, 6, tzinfo=UTC),
        ),
        # 02:30 does not exist on 29 March: it happens at the first valid instant after
        (
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
            Cadence(DAILY, 0, 2, 30, PARIS),
            datetime(2026, 3, 29, 12, tzinfo=UTC),
        ),
        # Friday 17:00 weekly
        (
            datetime(2026, 12, 4, 16, tzinfo=UTC),
            Cadence(WEEKLY, 4, 17, 0, PARIS),
            datetime(2026, 12, 10, 23, tzinfo=UTC),
        ),
    ],
)
def test_schedule_latest_due(expected: datetime, cadence: Cadence, now: datetime) -> None:
    assert expected == cadence.latest(now)


@pytest.mark.parametrize(
    ("expected", "cadence", "due"),
    [
        (
            ("2026-03-23", 7 * 24 - 1),
            Cadence(WEEKLY, 0, 9, 0, PARIS),
            datetime(2026, 3, 23, 8, tzinfo=UTC),
        ),
        (("2026-03-28", 23), Cadence(DAILY, 0, 8, 0, PARIS), datetime(2026, 3, 28, 7, tzinfo=UTC)),
        (("2026-03-29", 24), Cadence(DAILY, 0, 8, 0, PARIS), datetime(2026, 3, 29, 6, tzinfo=UTC)),
    ],
)
def test_schedule_period_and_length_across_dst(
    expected: tuple[str, int], cadence: Cadence, due: datetime
) -> None:
    following = cadence.following(due)
    assert expected == (cadence.period(due), int((following - due).total_seconds() // 3600))
    assert due == cadence.previous(following)
