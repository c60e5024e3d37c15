"""The web page's tokens: personal voting links, the archive's and the agenda's addresses.

A token is 128 random bits shown once (base64url, 22 characters); only its SHA-256 is stored,
so a copy of the database opens no ballot. Revoking keeps the row (with ``revoked_at``) so a
revoked link is told apart from a mistyped one in the organizers' listing, never on the page.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.times import from_db, to_db

KINDS = ("vote", "archive", "agenda")
TOKEN_BYTES = 16  # 128 bits


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class WebTokenRecord:
    """One token as stored (times UTC)."""

    id: int
    kind: str
    association_id: int
    poll_id: int | None
    person_key: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None
    used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _record(row: dict[str, Any]) -> WebTokenRecord:
    return WebTokenRecord(
        id=row["id"],
        kind=row["kind"],
        association_id=row["association_id"],
        poll_id=row["poll_id"],
        person_key=row["person_key"],
        name=row["name"],
        created_at=from_db(row["created_at"]),
        revoked_at=from_db(row["revoked_at"]) if row["revoked_at"] else None,
        used_at=from_db(row["used_at"]) if row["used_at"] else None,
    )


class WebTokenRepo:
    """``web_tokens`` and ``web_keys``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def issue(
        self,
        kind: str,
        association_id: int,
        *,
        poll_id: int | None = None,
        person_key: str | None = None,
        name: str = "",
        now: datetime,
    ) -> tuple[str, WebTokenRecord]:
        """A new live token (the previous live one of the same member and poll, or of the same
        association's archive or agenda, is revoked in the same transaction); the plain token
        is returned once and never stored."""
        if kind not in KINDS:
            raise ValueError(f"unknown token kind {kind!r}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self.db.atomic():
            self.db.execute(
                """UPDATE web_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND kind = ?
                   AND association_id = ? AND IFNULL(poll_id, 0) = IFNULL(?, 0)
                   AND IFNULL(person_key, '') = IFNULL(?, '')""",
                [to_db(now), kind, association_id, poll_id, person_key],
            )
            cursor = self.db.execute(
                """INSERT INTO web_tokens (kind, association_id, poll_id, person_key, name,
                   token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [kind, association_id, poll_id, person_key, name, token_hash(token), to_db(now)],
            )
        record = self.get(int(cursor.lastrowid or 0))
        assert record is not None
        return token, record

    def get(self, token_id: int) -> WebTokenRecord | None:
        rows = list(self.db.query("SELECT * FROM web_tokens WHERE id = ?", [token_id]))
        return _record(rows[0]) if rows else None

    def find(self, token: str) -> WebTokenRecord | None:
        """The live token behind a plain one (None when unknown or revoked)."""
        if not token or len(token) > 64:
            return None
        rows = list(
            self.db.query(
                "SELECT * FROM web_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                [token_hash(token)],
            )
        )
        return _record(rows[0]) if rows else None

    def revoke(self, token_id: int, now: datetime) -> bool:
        cursor = self.db.execute(
            "UPDATE web_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [to_db(now), token_id],
        )
        return cursor.rowcount > 0

    def active(
        self, kind: str, association_id: int, poll_id: int | None = None
    ) -> list[WebTokenRecord]:
        """The live tokens of a kind (of one poll for voting links), oldest first."""
        rows = self.db.query(
            """SELECT * FROM web_tokens WHERE revoked_at IS NULL AND kind = ?
               AND association_id = ? AND IFNULL(poll_id, 0) = IFNULL(?, 0) ORDER BY id""",
            [kind, association_id, poll_id],
        )
        return [_record(row) for row in rows]

    def has_live_link(self, person_key: str) -> bool:
        """Whether a person (``roll:<id>``) holds a live personal voting link."""
        rows = list(
            self.db.query(
                """SELECT 1 FROM web_tokens WHERE person_key = ? AND kind = 'vote'
                   AND revoked_at IS NULL LIMIT 1""",
                [person_key],
            )
        )
        return bool(rows)

    def touch(self, token_id: int, now: datetime) -> None:
        """Record a use (a vote cast through the link)."""
        self.db.execute("UPDATE web_tokens SET used_at = ? WHERE id = ?", [to_db(now), token_id])

    def key(self, name: str) -> bytes:
        """A secret of the web server (the key signing its forms), made at its first use and
        kept, so a form stays valid across a restart."""
        rows = list(self.db.query("SELECT value FROM web_keys WHERE name = ?", [name]))
        if rows:
            return bytes.fromhex(rows[0]["value"])
        self.db.execute(
            "INSERT INTO web_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            [name, secrets.token_hex(32)],
        )
        rows = list(self.db.query("SELECT value FROM web_keys WHERE name = ?", [name]))
        return bytes.fromhex(rows[0]["value"])
