"""Shared links: one row per page and association, its shares, tags, previews, each room's
capture and privacy choice, and full-text search (FTS5) over them.

Search never hands member text to FTS5 as syntax: each word or phrase is cut into the tokens
the ``unicode61`` tokenizer would see and written back as a quoted phrase, so ``"``, ``*``,
``NEAR(``, ``-``, ``AND`` or ``:`` in a search are plain text, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from bot.message import Member
from storage.sql import fetch_all, fetch_one
from storage.times import from_db, to_db

# What unicode61 keeps as token characters: letters and digits (``_`` and marks separate).
_TOKEN = re.compile(r"[^\W_]+")
MAX_TOKENS_PER_PHRASE = 16


class Preview(StrEnum):
    """Where a link's preview (title, description, site) stands."""

    PENDING = "pending"
    FETCHING = "fetching"  # claimed by the job fetching it (pending again after a restart)
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A stored link: the URL as first shared, who shared it first, where, its preview."""

    id: int
    association_id: int
    room_key: str
    url: str
    normalized_url: str
    poster_key: str
    poster_name: str
    note: str
    tags: tuple[str, ...]
    title: str
    description: str
    site_name: str
    preview: Preview
    created_at: datetime
    shares: int = 1


@dataclass(frozen=True, slots=True)
class Shared:
    """The outcome of one share: the link, whether it is new, whether this share was counted
    (False when the same message was already recorded), and the tags it brought."""

    link: LinkRecord
    created: bool
    counted: bool


@dataclass(frozen=True, slots=True)
class PreviewResult:
    """What fetching a link's preview gave: its texts (plain, trimmed), or why there is none."""

    link_id: int
    title: str = ""
    description: str = ""
    site_name: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class RoomLinkSettings:
    """A room's choice: capture links posted there, and keep them searchable from it only."""

    capture: bool = True
    private: bool = False


@dataclass(frozen=True, slots=True)
class LinkSearch:
    """What a member searches for: words and phrases (all must match), excluded words, tags."""

    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.phrases or self.excluded or self.tags)


def _link(row: dict[str, Any], shares: int = 1) -> LinkRecord:
    return LinkRecord(
        id=row["id"],
        association_id=row["association_id"],
        room_key=row["room_key"],
        url=row["url"],
        normalized_url=row["normalized_url"],
        poster_key=row["poster_key"],
        poster_name=row["poster_name"],
        note=row["note"],
        tags=tuple(row["tags"].split()),
        title=row["title"],
        description=row["description"],
        site_name=row["site_name"],
        preview=Preview(row["preview"]),
        created_at=from_db(row["created_at"]),
        shares=shares,
    )


def fts_phrase(text: str) -> str | None:
    """A word or phrase typed by a member as one FTS5 phrase (``"budget participatif"``), or
    None when it holds no letter or digit. Tokens are letters and digits only: no quote, star,
    colon or parenthesis can reach the FTS5 parser."""
    tokens = _TOKEN.findall(text)[:MAX_TOKENS_PER_PHRASE]
    return '"' + " ".join(tokens) + '"' if tokens else None


def _named(prefix: str, values: Sequence[Any]) -> dict[str, Any]:
    """Named parameters ``:a0, :a1…`` for an ``IN`` list."""
    return {f"{prefix}{index}": value for index, value in enumerate(values)}


def _marks(prefix: str, values: Sequence[Any]) -> str:
    return ", ".join(f":{prefix}{index}" for index in range(len(values)))


def _rows(db: Database, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a read with named parameters, as dicts."""
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _tags_text(tags: Iterable[str]) -> str:
    return " ".join(sorted(set(tags)))


# A link is visible from a room if it was shared there, or in a room not marked private.
_VISIBLE = """(l.room_key = :here OR NOT EXISTS (SELECT 1 FROM link_room_settings s
               WHERE s.room_key = l.room_key AND s.private = 1))"""


class LinkRepo:
    """Links, their shares and tags, previews, room settings, search."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._settings: dict[str, RoomLinkSettings] = {}

    # Sharing ---------------------------------------------------------------------------

    def share(
        self,
        association_id: int,
        room_key: str,
        url: str,
        normalized_url: str,
        member: Member,
        now: datetime,
        *,
        message_id: str = "",
        tags: Sequence[str] = (),
        note: str = "",
    ) -> Shared:
        """Record a share: a new link, or one more share of the association's existing one
        (its tags gain the new ones; a note is set only on a new link)."""
        at = to_db(now)
        with self.db.atomic():
            # Look first: a conflicting INSERT would still use up an id, and link numbers are
            # read by members. UNIQUE(association_id, normalized_url) still holds the rule.
            row = self.db.execute(
                "SELECT id FROM links WHERE association_id = ? AND normalized_url = ?",
                [association_id, normalized_url],
            ).fetchone()
            created = row is None
            if created:
                link_id = int(
                    self.db.execute(
                        """INSERT INTO links (association_id, room_key, url, normalized_url,
                               poster_key, poster_name, note, tags, created_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        [
                            association_id,
                            room_key,
                            url,
                            normalized_url,
                            member.key,
                            member.name,
                            note,
                            _tags_text(tags),
                            at,
                        ],
                    ).lastrowid
                    or 0
                )
            else:
                link_id = int(row[0])
                if note:  # an explicit /lien gives a note to a link that had none
                    self.db.execute(
                        "UPDATE links SET note = ? WHERE id = ? AND note = ''", [note, link_id]
                    )
            counted = (
                self.db.execute(
                    """INSERT INTO link_shares (link_id, room_key, member_key, member_name,
                           message_id, shared_at) VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT DO NOTHING""",
                    [link_id, room_key, member.key, member.name, message_id, at],
                ).rowcount
                == 1
            )
            if tags:
                self._add_tags(link_id, tags, fresh=created)
        if created:
            record = LinkRecord(
                id=link_id,
                association_id=association_id,
                room_key=room_key,
                url=url,
                normalized_url=normalized_url,
                poster_key=member.key,
                poster_name=member.name,
                note=note,
                tags=tuple(sorted(set(tags))),
                title="",
                description="",
                site_name="",
                preview=Preview.PENDING,
                created_at=from_db(at),
            )
            return Shared(record, created=True, counted=counted)
        existing = self.get(link_id)
        assert existing is not None
        return Shared(existing, created=False, counted=counted)

    def _add_tags(self, link_id: int, tags: Iterable[str], *, fresh: bool = False) -> bool:
        """Tag a link (inside a transaction); True when a tag was new to it."""
        added = 0
        for tag in dict.fromkeys(tags):
            added += self.db.execute(
                "INSERT INTO link_tags (link_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [link_id, tag],
            ).rowcount
        if added and not fresh:  # a new link got its tags text in its INSERT
            self._rewrite_tags(link_id)
        return added > 0

    def _rewrite_tags(self, link_id: int) -> None:
        rows = self.db.execute("SELECT tag FROM link_tags WHERE link_id = ?", [link_id])
        self.db.execute(
            "UPDATE links SET tags = ? WHERE id = ?",
            [_tags_text(row[0] for row in rows.fetchall()), link_id],
        )

    def annotate(self, link_id: int, tags: Sequence[str], note: str | None) -> LinkRecord | None:
        """Add tags to a link and, when ``note`` is given, replace its note."""
        with self.db.atomic():
            if tags:
                self._add_tags(link_id, tags)
            if note is not None:
                self.db.execute("UPDATE links SET note = ? WHERE id = ?", [note, link_id])
        return self.get(link_id)

    def delete(self, link_id: int) -> bool:
        """Forget a link, its shares and tags (the index follows); False if it was gone."""
        with self.db.atomic():
            return self.db.execute("DELETE FROM links WHERE id = ?", [link_id]).rowcount == 1

    # Reading ---------------------------------------------------------------------------

    def get(self, link_id: int) -> LinkRecord | None:
        """One link with its share count, or None."""
        row = fetch_one(self.db, "SELECT * FROM links WHERE id = ?", [link_id])
        if row is None:
            return None
        return _link(row, self._share_counts([link_id]).get(link_id, 1))

    def _share_counts(self, ids: Sequence[int]) -> dict[int, int]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT link_id, count(*) FROM link_shares WHERE link_id IN ({marks}) "
            "GROUP BY link_id",
            list(ids),
        ).fetchall()
        return {int(link_id): int(count) for link_id, count in rows}

    def _records(self, rows: list[dict[str, Any]]) -> list[LinkRecord]:
        counts = self._share_counts([row["id"] for row in rows])
        return [_link(row, counts.get(row["id"], 1)) for row in rows]

    def visible(
        self, link_id: int, association_ids: Sequence[int], here: str
    ) -> LinkRecord | None:
        """A link of one of the associations that can be seen from room ``here``, or None."""
        if not association_ids:
            return None
        params: dict[str, Any] = {"id": link_id, "here": here, **_named("a", association_ids)}
        rows = _rows(
            self.db,
            f"""SELECT l.* FROM links l WHERE l.id = :id
                AND l.association_id IN ({_marks("a", association_ids)}) AND {_VISIBLE}""",
            params,
        )
        return self._records(rows)[0] if rows else None

    def search(
        self,
        association_ids: Sequence[int],
        here: str,
        query: LinkSearch = LinkSearch(),
        *,
        limit: int = 10,
        offset: int = 0,
    ) -> list[LinkRecord]:
        """Links of the associations visible from room ``here`` matching ``query`` (every
        word, phrase and tag; none of the excluded words), newest first."""
        if not association_ids:
            return []
        params: dict[str, Any] = {"here": here, "limit": limit, "offset": offset}
        params.update(_named("a", association_ids))
        where = [f"l.association_id IN ({_marks('a', association_ids)})", _VISIBLE]
        included = [p for p in (fts_phrase(text) for text in query.phrases) if p]
        excluded = [p for p in (fts_phrase(text) for text in query.excluded) if p]
        tags = list(dict.fromkeys(query.tags))
        for index, tag in enumerate(tags[1:]):
            params[f"t{index}"] = tag
            where.append(
                f"EXISTS (SELECT 1 FROM link_tags x WHERE x.link_id = l.id AND x.tag = :t{index})"
            )
        expression = ""
        if included:
            expression = "(" + " AND ".join(included) + ")"
            if excluded:
                expression += " NOT (" + " OR ".join(excluded) + ")"
            params["match"] = expression
        elif excluded:
            params["exclude"] = " OR ".join(excluded)
            where.append(
                "l.id NOT IN (SELECT rowid FROM links_fts WHERE links_fts MATCH :exclude)"
            )
        if tags:
            # A tag names a few hundred links at most: they drive, each checked against the
            # words by rowid (FTS5 seeks it), rather than every link having the words.
            params["first_tag"] = tags[0]
            if expression:
                where.append(
                    "EXISTS (SELECT 1 FROM links_fts WHERE links_fts MATCH :match "
                    "AND rowid = l.id)"
                )
            sql = f"""SELECT l.* FROM link_tags t JOIN links l ON l.id = t.link_id
                      WHERE t.tag = :first_tag AND {" AND ".join(where)}
                      ORDER BY t.link_id DESC LIMIT :limit OFFSET :offset"""
        elif expression:
            sql = f"""SELECT l.* FROM links_fts f JOIN links l ON l.id = f.rowid
                      WHERE links_fts MATCH :match AND {" AND ".join(where)}
                      ORDER BY f.rowid DESC LIMIT :limit OFFSET :offset"""
        else:
            sql = f"""SELECT l.* FROM links l WHERE {" AND ".join(where)}
                      ORDER BY l.id DESC LIMIT :limit OFFSET :offset"""
        return self._records(_rows(self.db, sql, params))

    def tag_counts(
        self, association_ids: Sequence[int], here: str, *, limit: int = 50
    ) -> list[tuple[str, int]]:
        """The tags of the links visible from ``here``, most used first."""
        if not association_ids:
            return []
        marks = ", ".join("?" * len(association_ids))
        # link_tag_counts (kept by triggers) has one row per room and tag, not per link.
        sql = f"""SELECT l.tag, sum(l.n) AS n FROM link_tag_counts l
                  WHERE l.association_id IN ({marks}) AND {_VISIBLE.replace(":here", "?")}
                  GROUP BY l.tag ORDER BY n DESC, l.tag LIMIT ?"""
        rows = self.db.execute(sql, [*association_ids, here, limit]).fetchall()
        return [(str(tag), int(count)) for tag, count in rows]

    def export(
        self, association_ids: Sequence[int] | None = None, here: str | None = None
    ) -> Iterator[tuple[LinkRecord, bool]]:
        """Links newest first with whether their room is private: those visible from ``here``
        in the associations, or every link (the command line's export) when not given."""
        params: list[Any] = []
        where = "1"
        if association_ids is not None and here is not None:
            marks = ", ".join("?" * len(association_ids))
            where = f"l.association_id IN ({marks}) AND {_VISIBLE.replace(':here', '?')}"
            params = [*association_ids, here]
        cursor = self.db.execute(
            f"""SELECT l.*, EXISTS (SELECT 1 FROM link_room_settings s
                       WHERE s.room_key = l.room_key AND s.private = 1) AS room_private
                FROM links l WHERE {where} ORDER BY l.id DESC""",
            params,
        )
        names = [column[0] for column in cursor.description]
        while batch := cursor.fetchmany(500):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                yield _link(row), bool(row["room_private"])

    def member_associations(self, member_key: str) -> list[int]:
        """The associations of the group rooms where a member was seen, most recent first."""
        rows = self.db.execute(
            """SELECT r.association_id FROM room_members rm JOIN rooms r ON r.key = rm.room_key
               WHERE rm.member_key = ? AND r.private = 0
               GROUP BY r.association_id ORDER BY max(rm.last_seen_at) DESC, r.association_id""",
            [member_key],
        ).fetchall()
        return [int(row[0]) for row in rows]

    # Previews --------------------------------------------------------------------------

    def claim_previews(self, limit: int) -> list[LinkRecord]:
        """Up to ``limit`` links whose preview was never attempted, oldest first, marked as
        being fetched (so two jobs never fetch the same one)."""
        with self.db.atomic():
            rows = fetch_all(
                self.db,
                "SELECT * FROM links WHERE preview = 'pending' ORDER BY id LIMIT ?",
                [limit],
            )
            if rows:
                self.db.execute(
                    f"UPDATE links SET preview = 'fetching' WHERE id IN "
                    f"({', '.join('?' * len(rows))})",
                    [row["id"] for row in rows],
                )
        return [_link(row) for row in rows]

    def has_pending_previews(self) -> bool:
        """Whether a preview is left to fetch; claims of a stopped bot become pending again."""
        with self.db.atomic():
            self.db.execute("UPDATE links SET preview = 'pending' WHERE preview = 'fetching'")
        return (
            fetch_one(self.db, "SELECT 1 FROM links WHERE preview = 'pending' LIMIT 1") is not None
        )

    def save_previews(self, results: Sequence[PreviewResult], now: datetime) -> None:
        """Keep what each page says about itself, or why it could not be read (the link stays,
        and is not fetched again), in one transaction."""
        at = to_db(now)
        with self.db.atomic():
            for result in results:
                if result.error:
                    self.db.execute(
                        """UPDATE links SET preview = 'failed', preview_error = ?, previewed_at = ?
                           WHERE id = ?""",
                        [result.error[:300], at, result.link_id],
                    )
                else:
                    self.db.execute(
                        """UPDATE links SET title = ?, description = ?, site_name = ?,
                           preview = 'done', preview_error = '', previewed_at = ? WHERE id = ?""",
                        [result.title, result.description, result.site_name, at, result.link_id],
                    )

    def preview_error(self, link_id: int) -> str:
        """Why a link has no preview ('' when it has one or none was tried)."""
        row = fetch_one(self.db, "SELECT preview_error FROM links WHERE id = ?", [link_id])
        return str(row["preview_error"]) if row else ""

    # Room settings ---------------------------------------------------------------------

    def room_settings(self, room_key: str) -> RoomLinkSettings:
        """A room's capture and privacy choice (cached: read on every message)."""
        cached = self._settings.get(room_key)
        if cached is None:
            row = fetch_one(
                self.db,
                "SELECT capture, private FROM link_room_settings WHERE room_key = ?",
                [room_key],
            )
            cached = (
                RoomLinkSettings(bool(row["capture"]), bool(row["private"]))
                if row
                else RoomLinkSettings()
            )
            self._settings[room_key] = cached
        return cached

    def set_room(
        self,
        room_key: str,
        now: datetime,
        *,
        capture: bool | None = None,
        private: bool | None = None,
    ) -> bool:
        """Change a room's capture or privacy; False when it already was so."""
        current = self.room_settings(room_key)
        wanted = RoomLinkSettings(
            current.capture if capture is None else capture,
            current.private if private is None else private,
        )
        if wanted == current:
            return False
        with self.db.atomic():
            self.db.execute(
                """INSERT INTO link_room_settings (room_key, capture, private, updated_at)
                   VALUES (?, ?, ?, ?) ON CONFLICT (room_key) DO UPDATE SET
                   capture = excluded.capture, private = excluded.private,
                   updated_at = excluded.updated_at""",
                [room_key, int(wanted.capture), int(wanted.private), to_db(now)],
            )
        self._settings[room_key] = wanted
        return True


def merge_associations(db: Database, into: int, moving: int) -> None:
    """Rooms of association ``moving`` join ``into`` (inside the caller's transaction): their
    links follow, and a page both archived is kept once, with every share and tag."""
    both = """SELECT b.id AS old_id, a.id AS new_id FROM links b JOIN links a
              ON a.normalized_url = b.normalized_url AND a.association_id = :into
              WHERE b.association_id = :moving"""
    params = {"into": into, "moving": moving}
    db.execute(
        f"""UPDATE OR IGNORE link_shares
            SET link_id = (SELECT new_id FROM ({both}) WHERE old_id = link_id)
            WHERE link_id IN (SELECT old_id FROM ({both}))""",
        params,
    )
    db.execute(
        f"""INSERT OR IGNORE INTO link_tags (link_id, tag)
            SELECT d.new_id, t.tag FROM ({both}) d JOIN link_tags t ON t.link_id = d.old_id""",
        params,
    )
    db.execute(
        f"""UPDATE links SET tags = coalesce((SELECT group_concat(tag, ' ') FROM
                (SELECT tag FROM link_tags WHERE link_id = links.id ORDER BY tag)), '')
            WHERE id IN (SELECT new_id FROM ({both}))""",
        params,
    )
    db.execute(f"DELETE FROM links WHERE id IN (SELECT old_id FROM ({both}))", params)
    db.execute("UPDATE links SET association_id = :into WHERE association_id = :moving", params)


def move_room_links(db: Database, room_key: str, old: int, new: int) -> None:
    """A room leaves association ``old`` for a new one ``new`` (inside the caller's
    transaction): the links first shared in it go with it."""
    db.execute(
        "UPDATE links SET association_id = ? WHERE association_id = ? AND room_key = ?",
        [new, old, room_key],
    )
