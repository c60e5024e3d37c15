"""An association's rules (its "statuts"): quorum, majorities, proxies, notice period.

One row per rule set; a rule never set reads as its default. Values are stored as text and
read back as the field's type; handlers parse fractions and majority words."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.sql import fetch_all
from storage.times import from_db, to_db


@dataclass(frozen=True, slots=True)
class Statutes:
    """The rules an association applies (defaults when it set none).

    Quorums are fractions as typed once normalised ("1/4", "25%", "0" for none); majorities are
    ``simple`` | ``absolute`` | ``two_thirds`` | ``N/M`` | ``unanimity``; bases are ``members`` or
    ``present`` (quorum) and ``cast`` | ``present`` | ``members`` (majority)."""

    quorum_ordinary: str = "0"
    quorum_extraordinary: str = "0"
    quorum_of: str = "members"
    majority_ordinary: str = "simple"
    majority_extraordinary: str = "two_thirds"
    majority_election: str = "absolute"
    majority_of: str = "cast"
    blank: str = "excluded"
    abstention: str = "excluded"
    casting_vote: bool = False
    proxies: bool = True
    proxy_cap: int = 2
    secret_elections: bool = True
    notice_days: int = 15
    members_count: int | None = None


STATUTE_KEYS: tuple[str, ...] = tuple(field.name for field in fields(Statutes))
_TYPES: dict[str, Any] = {field.name: field.type for field in fields(Statutes)}
_DEFAULTS = Statutes()


def _read(key: str, text: str) -> Any:
    """A stored value as the field's type (a damaged value reads as the default)."""
    kind = str(_TYPES[key])
    try:
        if kind == "bool":
            return text == "1"
        if kind.startswith("int"):
            return int(text)
    except ValueError:
        return getattr(_DEFAULTS, key)
    return text


def _write(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class StatuteRepo:
    """Rules per association (``association_statutes``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, association_id: int) -> Statutes:
        """The association's rules; defaults for every rule it did not set."""
        rows = fetch_all(
            self.db,
            "SELECT key, value FROM association_statutes WHERE association_id = ?",
            [association_id],
        )
        values = {r["key"]: _read(r["key"], r["value"]) for r in rows if r["key"] in _TYPES}
        return replace(_DEFAULTS, **values)

    def set(
        self,
        association_id: int,
        key: str,
        value: str | int | bool | None,
        by: str,
        now: datetime,
    ) -> None:
        """Set one rule (``None`` puts the default back). ``KeyError`` for an unknown rule."""
        if key not in _TYPES:
            raise KeyError(key)
        if value is None:
            self.db.execute(
                "DELETE FROM association_statutes WHERE association_id = ? AND key = ?",
                [association_id, key],
            )
            return
        self.db.execute(
            """INSERT INTO association_statutes (association_id, key, value, updated_at,
                   updated_by) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (association_id, key) DO UPDATE SET value = excluded.value,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
            [association_id, key, _write(value), to_db(now), by],
        )

    def changed(self, association_id: int) -> dict[str, tuple[str, datetime]]:
        """Who set each rule the association set, and when (``key -> (by, at)``)."""
        rows = fetch_all(
            self.db,
            """SELECT key, updated_by, updated_at FROM association_statutes
               WHERE association_id = ? ORDER BY key""",
            [association_id],
        )
        return {r["key"]: (r["updated_by"], from_db(r["updated_at"])) for r in rows}

    def replaced_by_link(self, into: int, moving: int) -> bool:
        """Whether linking association ``moving`` into ``into`` replaces rules ``moving`` set:
        both set voting rules and they differ, or both set a members count and it differs
        (the survivor's are kept, see ``merge_statutes``)."""
        if into == moving:
            return False
        ours, theirs = set(self.changed(into)), set(self.changed(moving))
        kept, gone = self.get(into), self.get(moving)
        rules = bool(ours - {COUNT_KEY}) and bool(theirs - {COUNT_KEY})
        if rules and replace(kept, members_count=None) != replace(gone, members_count=None):
            return True
        return COUNT_KEY in ours & theirs and kept.members_count != gone.members_count

    def carried_by_link(self, into: int, moving: int) -> bool:
        """Whether linking association ``moving`` into ``into`` brings ``into`` rules it had
        not set: ``moving``'s voting rules when ``into`` set none, or its members count."""
        if into == moving:
            return False
        ours, theirs = set(self.changed(into)), set(self.changed(moving))
        if not ours - {COUNT_KEY} and theirs - {COUNT_KEY}:
            return True
        return COUNT_KEY in theirs - ours


# The roll's size is no voting rule: an association that only set it takes the other's rules.
COUNT_KEY = "members_count"


def merge_statutes(db: Database, into: int, moving: int) -> None:
    """Association ``moving`` joins ``into`` (inside the caller's transaction): ``into`` keeps
    its voting rules; when it set none, it takes ``moving``'s, so no association loses the
    rules it set by linking (the rooms are told which rules apply). The members count
    (``/membres 40``) is kept the same way, apart."""
    has_rules = fetch_all(
        db,
        """SELECT 1 AS x FROM association_statutes WHERE association_id = ? AND key != ?
           LIMIT 1""",
        [into, COUNT_KEY],
    )
    if not has_rules:
        db.execute(
            """UPDATE association_statutes SET association_id = ? WHERE association_id = ?
               AND key != ?""",
            [into, moving, COUNT_KEY],
        )
    db.execute(
        """UPDATE OR IGNORE association_statutes SET association_id = ?
           WHERE association_id = ? AND key = ?""",
        [into, moving, COUNT_KEY],
    )
    db.execute("DELETE FROM association_statutes WHERE association_id = ?", [moving])
