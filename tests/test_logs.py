"""Log lines are structured and never carry a secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import RedactingFormatter, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _format(formatter: logging.Formatter, message: str, *args: object) -> str:
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, message, args, None)
    return formatter.format(record)


def test_known_secrets_are_redacted() -> None:
    formatter = RedactingFormatter(secrets=["hunter2"])
    line = _format(formatter, "login with %s", "hunter2")
    assert "hunter2" not in line
    assert 'msg="login with [REDACTED]"' in line


def test_bot_tokens_in_urls_are_redacted_even_when_unknown() -> None:
    line = _format(
        RedactingFormatter(),
        'HTTP Request: POST https://api.telegram.org/bot%s/getUpdates "200 OK"',
        TOKEN,
    )
    assert TOKEN not in line
    assert "/bot[REDACTED]/getUpdates" in line


def test_lines_are_key_value(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", secrets=[TOKEN])
    logging.getLogger("bot.test").warning("token is %s", TOKEN)
    err = capsys.readouterr().err
    assert "level=WARNING logger=bot.test" in err
    assert TOKEN not in err


def test_httpx_is_quietened_below_warning() -> None:
    setup_logging("DEBUG")
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_matrix_nio_does_not_log_every_synced_event_at_info() -> None:
    setup_logging("INFO")
    assert not logging.getLogger("nio.rooms").isEnabledFor(logging.INFO)
    assert logging.getLogger("nio.rooms").isEnabledFor(logging.WARNING)
