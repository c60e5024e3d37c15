"""Dates and numbers written the local way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.i18n import format_date, format_datetime, format_number

MOMENT = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expected", "language", "timezone"),
    [
        ("jeudi 3 décembre 2026 à 18:30", "fr", "Europe/Paris"),
        ("Thursday 3 December 2026 at 18:30", "en", "Europe/Paris"),
        ("jeudi 3 décembre 2026 à 12:30", "fr", "America/Montreal"),
        ("vendredi 4 décembre 2026 à 04:30", "fr", "Pacific/Noumea"),
    ],
)
def test_format_datetime(expected: str, language: str, timezone: str) -> None:
    assert expected == format_datetime(MOMENT, language, timezone)


def test_format_date_and_numbers() -> None:
    assert "jeudi 3 décembre 2026" == format_date(MOMENT, "fr", "Europe/Paris")
    assert "1\u202f234,5" == format_number(1234.5, "fr")
    assert "1,234.5" == format_number(1234.5, "en")
