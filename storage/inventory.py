"""The data inventory: every table of the schema, whose association it belongs to, which of its
columns name a member, and how export and ``/forgetme`` treat it.

A table added without an entry here fails ``tests/data/test_inventory.py`` (it scans the
schema after every migration), so the export, the member's copy of their data and the
erasure always cover the whole database.

``association`` is an SQL expression over the table's own columns (qualify them with the
table's name inside a subquery) giving the association id, or a subquery giving several (a
member seen in the rooms of two associations belongs to both): the export keeps the rows where
``:association IN (<association>)``. None marks a global or technical table.

``erase`` says what ``/forgetme`` does with a row holding the member's key in a ``people``
column: ``anonymise`` replaces the key with an anonymous token and empties the ``names``;
``delete`` removes the row; ``keep`` (legal records, e.g. a general assembly's attendance
sheet kept at least five years) replaces the key with the token but keeps the names;
``custom`` is handled by name in ``storage/privacy.py`` (votes, secret ballots, frozen
results, the member's private rooms, organizer roles, the roll).

A member's copy (``/mydata``) holds only rows about them: a row they only recorded for someone
else (``recorders``) is counted, not copied, and other people's account keys are emptied in the
rows copied (with their names where ``others_named`` is False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlite_utils import Database

Erase = Literal["anonymise", "delete", "keep", "custom"]


@dataclass(frozen=True, slots=True)
class TablePolicy:
    """How one table is exported and erased."""

    association: str | None  # SQL expression giving the association id (None: global table)
    people: tuple[str, ...]  # columns holding a member key, erased or anonymised by /forgetme
    names: tuple[str, ...] = ()  # columns holding a display name paired with those keys
    export: bool = True  # False only for technical tables (adapter state, job runs)
    note: str = ""  # why, for tables with special handling (secret ballots, counts)
    erase: Erase = "anonymise"  # what /forgetme does with the member's rows
    # People columns naming who recorded a row about someone else (the secretary who checked a
    # person in): a member's copy counts the rows they only recorded, without copying them.
    recorders: tuple[str, ...] = ()
    # In a member's copy, the names paired with other people's keys are emptied too (a
    # secretary's copy of an assembly does not carry the chair's name).
    others_named: bool = True


def via_room(table: str, column: str = "room_key") -> str:
    """The association of the room named in ``table.column``."""
    return f"(SELECT rooms.association_id FROM rooms WHERE rooms.key = {table}.{column})"


def via_poll(table: str, column: str = "poll_id") -> str:
    """The association of the poll named in ``table.column``."""
    return f"(SELECT polls.association_id FROM polls WHERE polls.id = {table}.{column})"


def via_reminder(table: str) -> str:
    """The association of the reminder's room."""
    return (
        "(SELECT rooms.association_id FROM reminders JOIN rooms ON rooms.key = "
        f"reminders.room_key WHERE reminders.id = {table}.reminder_id)"
    )


def via_assembly(table: str) -> str:
    """The association of the general assembly named in ``table.assembly_id``."""
    return (
        "(SELECT assemblies.association_id FROM assemblies "
        f"WHERE assemblies.id = {table}.assembly_id)"
    )


TECHNICAL = "technical state of the bot, no member data"
LEGAL = (
    "general assembly record (minutes, attendance, proxies), kept at least five years: "
    "/forgetme removes the member's account key, the names stay"
)

TABLES: dict[str, TablePolicy] = {
    # Rooms, members, associations
    "associations": TablePolicy("associations.id", ()),
    "rooms": TablePolicy(
        "rooms.association_id",
        (),
        note="a member's private chat with the bot is deleted by /forgetme with what it holds",
        erase="custom",
    ),
    "members": TablePolicy(
        "(SELECT rooms.association_id FROM room_members JOIN rooms ON rooms.key = "
        "room_members.room_key WHERE room_members.member_key = members.key)",
        ("key",),
        ("name", "username"),
        note="the member's own row: deleted by /forgetme",
        erase="delete",
    ),
    "room_members": TablePolicy(via_room("room_members"), ("member_key",), erase="delete"),
    "organizers": TablePolicy(
        via_room("organizers"),
        ("member_key", "granted_by"),
        erase="custom",
        recorders=("granted_by",),
    ),
    "pairing_codes": TablePolicy(via_room("pairing_codes"), ("created_by",), erase="delete"),
    "announcements": TablePolicy(
        via_room("announcements"), ("author_key",), ("author_name",), erase="anonymise"
    ),
    "link_requests": TablePolicy(
        via_room("link_requests", "origin_key"),
        ("requested_by",),
        ("requested_by_name",),
        erase="delete",
    ),
    "web_tokens": TablePolicy(
        "web_tokens.association_id",
        ("person_key",),
        ("name",),
        export=False,
        note="the web page's personal voting links and addresses: only a hash of each token, "
        "useless outside this bot; /forgetme deletes the member's links",
        erase="delete",
    ),
    "web_keys": TablePolicy(None, (), export=False, note=TECHNICAL + " (the key signing forms)"),
    "adapter_state": TablePolicy(None, (), export=False, note=TECHNICAL),
    "processed_events": TablePolicy(None, (), export=False, note=TECHNICAL),
    "job_runs": TablePolicy(None, (), export=False, note=TECHNICAL),
    # Polls
    "polls": TablePolicy("polls.association_id", ("creator_key",), ("creator_name",)),
    "poll_options": TablePolicy(via_poll("poll_options"), ()),
    "poll_messages": TablePolicy(via_poll("poll_messages"), (), export=False, note=TECHNICAL),
    "ballots": TablePolicy(
        via_poll("ballots"),
        ("voter_key",),
        ("voter_name",),
        note="public and anonymous votes: removed from open polls by /forgetme; closed polls "
        "keep their frozen counts (poll_result_counts) without the name",
        erase="custom",
    ),
    "ballot_choices": TablePolicy(
        "(SELECT polls.association_id FROM ballots JOIN polls ON polls.id = ballots.poll_id "
        "WHERE ballots.id = ballot_choices.ballot_id)",
        (),
        note="follows its ballot",
    ),
    "secret_voters": TablePolicy(
        via_poll("secret_voters"),
        ("voter_key", "holder_key"),
        export=False,
        note="secret ballots: only who has voted, never what; exported as counts only. "
        "/forgetme keeps the row of an open poll anonymised (removing it would let the "
        "member vote twice) and deletes it once the poll is closed",
        erase="custom",
    ),
    "secret_counts": TablePolicy(
        "(SELECT polls.association_id FROM poll_options JOIN polls ON polls.id = "
        "poll_options.poll_id WHERE poll_options.id = secret_counts.option_id)",
        (),
        note="secret ballots' running totals per option: counts, never a voter",
    ),
    "poll_results": TablePolicy(via_poll("poll_results"), ()),
    "poll_result_counts": TablePolicy(
        via_poll("poll_result_counts"),
        (),
        ("names",),
        note="frozen counts; 'names' is a JSON list of voters' names of public polls, "
        "emptied by retention and stripped of a forgotten member's name",
        erase="custom",
    ),
    "proxies": TablePolicy(
        "proxies.association_id",
        ("giver_key", "holder_key"),
        ("giver_name", "holder_name"),
        erase="delete",
    ),
    "association_statutes": TablePolicy(
        "association_statutes.association_id", ("updated_by",), erase="anonymise"
    ),
    # Reminders and events
    "reminders": TablePolicy(
        via_room("reminders"),
        ("creator_key",),
        ("creator_name",),
        note="personal reminders are exported only to their owner (/mydata) or with "
        "--include-personal; /forgetme deletes personal ones, anonymises room ones",
        erase="custom",
    ),
    "reminder_sends": TablePolicy(via_reminder("reminder_sends"), ()),
    "reminder_subscribers": TablePolicy(
        via_reminder("reminder_subscribers"), ("member_key",), ("name",), erase="delete"
    ),
    "events": TablePolicy(via_room("events"), ("creator_key",), ("creator_name",)),
    "room_quiet_hours": TablePolicy(via_room("room_quiet_hours"), ()),
    # Links
    "links": TablePolicy(
        "links.association_id",
        ("poster_key",),
        ("poster_name",),
        note="/forgetme: anonymous or deleted, the member's choice",
        erase="custom",
    ),
    "link_shares": TablePolicy(
        "(SELECT links.association_id FROM links WHERE links.id = link_shares.link_id)",
        ("member_key",),
        ("member_name",),
        erase="custom",
    ),
    "link_tags": TablePolicy(
        "(SELECT links.association_id FROM links WHERE links.id = link_tags.link_id)", ()
    ),
    "link_tag_counts": TablePolicy(
        "link_tag_counts.association_id", (), export=False, note="derived by triggers"
    ),
    "link_room_settings": TablePolicy(via_room("link_room_settings"), ()),
    "links_fts": TablePolicy(None, (), export=False, note="full-text index of links"),
    # Feeds and digests
    "feeds": TablePolicy(
        "(SELECT rooms.association_id FROM feed_subscriptions JOIN rooms ON rooms.key = "
        "feed_subscriptions.room_key WHERE feed_subscriptions.feed_id = feeds.id)",
        (),
    ),
    "feed_subscriptions": TablePolicy(
        via_room("feed_subscriptions"), ("added_by",), erase="anonymise"
    ),
    "feed_entries": TablePolicy(
        "(SELECT rooms.association_id FROM feed_subscriptions JOIN rooms ON rooms.key = "
        "feed_subscriptions.room_key WHERE feed_subscriptions.feed_id = feed_entries.feed_id)",
        (),
    ),
    "digest_subscriptions": TablePolicy(
        via_room("digest_subscriptions"), ("member_key",), erase="delete"
    ),
    "digest_sends": TablePolicy(
        "(SELECT rooms.association_id FROM digest_subscriptions JOIN rooms ON rooms.key = "
        "digest_subscriptions.room_key "
        "WHERE digest_subscriptions.id = digest_sends.subscription_id)",
        (),
    ),
    "digest_edits": TablePolicy("digest_edits.association_id", ("created_by",), erase="anonymise"),
    "digest_boots": TablePolicy(None, (), export=False, note=TECHNICAL),
    # General assemblies: minutes, attendance sheets and proxies are legal records kept at
    # least five years; /forgetme replaces the member's key there but keeps the names.
    "roll_entries": TablePolicy(
        "roll_entries.association_id",
        ("member_key", "added_by"),
        ("name",),
        note="the member roll: /forgetme removes the member's own entry; the names an "
        "organizer added are other people's and stay, without the link to the organizer",
        erase="custom",
        recorders=("added_by",),
    ),
    "assemblies": TablePolicy(
        "assemblies.association_id",
        ("chair_key", "secretary_key", "created_by"),
        ("chair_name", "secretary_name"),
        note=LEGAL,
        erase="keep",
        others_named=False,
    ),
    "agenda_items": TablePolicy(via_assembly("agenda_items"), ()),
    "attendance": TablePolicy(
        via_assembly("attendance"),
        ("person_key", "recorded_by"),
        ("name",),
        note=LEGAL,
        erase="keep",
        recorders=("recorded_by",),
    ),
    "assembly_proxies": TablePolicy(
        via_assembly("assembly_proxies"),
        ("giver_key", "holder_key", "recorded_by"),
        ("giver_name", "holder_name"),
        note=LEGAL,
        erase="keep",
        recorders=("recorded_by",),
    ),
    "convocations": TablePolicy(via_assembly("convocations"), ("member_key",)),
    "assembly_messages": TablePolicy(
        via_assembly("assembly_messages"), (), export=False, note=TECHNICAL
    ),
}

# Tables SQLite or sqlite-utils keep for themselves, and the shadow tables of full-text indexes.
INTERNAL_PREFIXES = ("sqlite_", "_sqlite_")
FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_docsize", "_config", "_content")


def internal(table: str, virtual: set[str]) -> bool:
    """Whether ``table`` is SQLite's own or the shadow of a virtual (full-text) table."""
    if table.startswith(INTERNAL_PREFIXES):
        return True
    return any(table == f"{v}{suffix}" for v in virtual for suffix in FTS_SHADOW_SUFFIXES)


def schema_tables(db: Database) -> list[str]:
    """Every table of the database but SQLite's own and full-text shadows, sorted."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = {name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")}
    return sorted(name for name, _sql in rows if not internal(name, virtual))


def uncovered(db: Database) -> list[str]:
    """Tables of the schema missing from ``TABLES`` (export and /forgetme would skip them)."""
    return [name for name in schema_tables(db) if name not in TABLES]
