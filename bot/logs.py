"""Structured logging (logfmt) to stderr, with secrets redacted from every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

# Telegram puts the token in every request URL (".../bot123:ABC.../getUpdates").
_TOKEN_IN_URL = re.compile(r"bot\d{3,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[REDACTED]"
# The web page's personal links, archive and agenda addresses carry their token in the path.
WEB_TOKEN_IN_PATH = re.compile(r"(/(?:v|archive|agenda)/)[A-Za-z0-9_-]{8,}")


class RedactingFormatter(logging.Formatter):
    """``time=… level=… logger=… msg="…"``; known secrets and bot tokens become [REDACTED]."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = WEB_TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)
        return _TOKEN_IN_URL.sub("bot" + REDACTED, text)

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        line = f'time={when} level={record.levelname} logger={record.name} msg="{_quote(message)}"'
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self.redact(line)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Send every log line to stderr at ``level``; quiet chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Telegram URLs carry the token; matrix-nio logs
    # every event of a sync at INFO (members' names and rooms, a line per event at start).
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater", "nio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
