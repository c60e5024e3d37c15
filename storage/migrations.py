"""Schema migrations (sqlite-utils ``Migrations``).

Each is a function named mNNN_<what>, never edited once released; add new ones at the end.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("assobot")


@MIGRATIONS()
def m001_rooms_and_members(db: Database) -> None:
    """Associations, rooms, members, organizer grants, pairing codes and announcements.

    Feature data is keyed by room; an association only groups rooms.
    """
    db.execute(
        """
        CREATE TABLE associations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE rooms (
            key TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            external_id TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            private INTEGER NOT NULL DEFAULT 0,
            association_id INTEGER NOT NULL REFERENCES associations(id),
            language TEXT NOT NULL,
            timezone TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (platform, external_id)
        )"""
    )
    db.execute("CREATE INDEX rooms_association ON rooms(association_id)")
    db.execute(
        """
        CREATE TABLE members (
            key TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            external_id TEXT NOT NULL,
            name TEXT NOT NULL,
            username TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE room_members (
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            member_key TEXT NOT NULL REFERENCES members(key) ON DELETE CASCADE,
            last_seen_at TEXT NOT NULL,
            PRIMARY KEY (room_key, member_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE organizers (
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            member_key TEXT NOT NULL REFERENCES members(key) ON DELETE CASCADE,
            granted_by TEXT NOT NULL,
            granted_at TEXT NOT NULL,
            PRIMARY KEY (room_key, member_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE pairing_codes (
            code TEXT PRIMARY KEY,
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE announcements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            author_key TEXT NOT NULL,
            author_name TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX announcements_room ON announcements(room_key, created_at)")


@MIGRATIONS()
def m002_adapter_state(db: Database) -> None:
    """Adapters' resume points (Telegram update_id, Matrix next_batch) and seen event ids."""
    db.execute(
        """
        CREATE TABLE adapter_state (
            platform TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE processed_events (
            platform TEXT NOT NULL,
            event_id TEXT NOT NULL,
            processed_at TEXT NOT NULL,
            PRIMARY KEY (platform, event_id)
        )"""
    )
    db.execute("CREATE INDEX processed_events_age ON processed_events(processed_at)")


@MIGRATIONS()
def m020_polls(db: Database) -> None:
    """Polls, their options and messages, ballots, secret ballots and proxies.

    Public and anonymous ballots name their voter (so a vote can be changed), one per member
    per poll. A secret ballot is split in two tables that share nothing but the poll: who
    voted (``secret_voters``, no rowid, no time, ordered by voter) and what was voted
    (``secret_counts``, one running total per option and answer).
    """
    db.execute(
        """
        CREATE TABLE polls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            association_id INTEGER NOT NULL,
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            creator_key TEXT NOT NULL,
            creator_name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('choice', 'when', 'motion')),
            question TEXT NOT NULL,
            privacy TEXT NOT NULL CHECK (privacy IN ('public', 'anonymous', 'secret')),
            max_choices INTEGER NOT NULL DEFAULT 1,
            hide_results INTEGER NOT NULL DEFAULT 0,
            everywhere INTEGER NOT NULL DEFAULT 0,
            quorum_percent INTEGER NOT NULL DEFAULT 0,
            majority TEXT NOT NULL DEFAULT 'simple',
            majority_of TEXT NOT NULL DEFAULT 'cast',
            abstention TEXT NOT NULL DEFAULT 'excluded',
            members INTEGER,
            created_at TEXT NOT NULL,
            closes_at TEXT,
            notice_sent INTEGER NOT NULL DEFAULT 0,
            closed_at TEXT
        )"""
    )
    db.execute("CREATE INDEX polls_association ON polls(association_id, closed_at)")
    db.execute(
        """
        CREATE TABLE poll_options (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            label TEXT NOT NULL,
            UNIQUE (poll_id, position)
        )"""
    )
    db.execute(
        """
        CREATE TABLE poll_messages (
            poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
            room_key TEXT NOT NULL,
            message_id TEXT NOT NULL,
            PRIMARY KEY (poll_id, room_key)
        )"""
    )
    db.execute("CREATE INDEX poll_messages_room ON poll_messages(room_key)")
    db.execute(
        """
        CREATE TABLE ballots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
            voter_key TEXT NOT NULL,
            voter_name TEXT NOT NULL,
            cast_at TEXT NOT NULL,
            UNIQUE (poll_id, voter_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE ballot_choices (
            ballot_id INTEGER NOT NULL REFERENCES ballots(id) ON DELETE CASCADE,
            option_id INTEGER NOT NULL REFERENCES poll_options(id) ON DELETE CASCADE,
            answer INTEGER NOT NULL DEFAULT 2,
            PRIMARY KEY (ballot_id, option_id)
        )"""
    )
    db.execute("CREATE INDEX ballot_choices_option ON ballot_choices(option_id)")
    db.execute(
        """
        CREATE TABLE secret_voters (
            poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
            voter_key TEXT NOT NULL,
            PRIMARY KEY (poll_id, voter_key)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """
        CREATE TABLE secret_counts (
            option_id INTEGER NOT NULL REFERENCES poll_options(id) ON DELETE CASCADE,
            answer INTEGER NOT NULL DEFAULT 2,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (option_id, answer)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """
        CREATE TABLE proxies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            association_id INTEGER NOT NULL,
            giver_key TEXT NOT NULL,
            giver_name TEXT NOT NULL,
            holder_key TEXT NOT NULL,
            holder_name TEXT NOT NULL,
            poll_id INTEGER REFERENCES polls(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        "CREATE UNIQUE INDEX proxies_one_per_giver "
        "ON proxies(association_id, giver_key, COALESCE(poll_id, 0))"
    )
    db.execute("CREATE INDEX proxies_holder ON proxies(association_id, holder_key)")


@MIGRATIONS()
def m010_reminders(db: Database) -> None:
    """Reminders (RRULE + IANA timezone + next occurrence), one row per sent occurrence
    (UNIQUE: never twice), and members who joined a reminder ("me too")."""
    db.execute(
        """
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            creator_key TEXT NOT NULL,
            creator_name TEXT NOT NULL,
            personal INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL,
            rule TEXT,
            start_local TEXT,
            timezone TEXT NOT NULL,
            next_at TEXT,
            status TEXT NOT NULL DEFAULT 'active',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX reminders_due ON reminders(status, next_at)")
    db.execute("CREATE INDEX reminders_room ON reminders(room_key, status)")
    db.execute(
        """
        CREATE TABLE reminder_sends (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reminder_id INTEGER NOT NULL REFERENCES reminders(id) ON DELETE CASCADE,
            occurrence TEXT NOT NULL,
            state TEXT NOT NULL,
            late INTEGER NOT NULL DEFAULT 0,
            message_id TEXT NOT NULL DEFAULT '',
            claimed_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (reminder_id, occurrence)
        )"""
    )
    db.execute("CREATE INDEX reminder_sends_state ON reminder_sends(state)")
    db.execute(
        """
        CREATE TABLE reminder_subscribers (
            reminder_id INTEGER NOT NULL REFERENCES reminders(id) ON DELETE CASCADE,
            member_key TEXT NOT NULL,
            name TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (reminder_id, member_key)
        )"""
    )


@MIGRATIONS()
def m021_polls_nudge(db: Database) -> None:
    """When a poll's non-voters were last nudged (at most one nudge an hour per poll)."""
    db.execute("ALTER TABLE polls ADD COLUMN nudged_at TEXT")


@MIGRATIONS()
def m011_events(db: Database) -> None:
    """Events with warnings (each warning is a one-off reminder tied to its event, so it shares
    the reminders' never-lost, never-twice machinery), urgent and everywhere reminders, reminders
    held by quiet hours, and each room's quiet hours."""
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            creator_key TEXT NOT NULL,
            creator_name TEXT NOT NULL,
            title TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            timezone TEXT NOT NULL,
            warnings TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'active',
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX events_room ON events(room_key, status, starts_at)")
    db.execute("ALTER TABLE reminders ADD COLUMN event_id INTEGER REFERENCES events(id)")
    db.execute("ALTER TABLE reminders ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE reminders ADD COLUMN everywhere INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE reminders ADD COLUMN hold_until TEXT")
    db.execute("CREATE INDEX reminders_event ON reminders(event_id) WHERE event_id IS NOT NULL")
    db.execute("CREATE INDEX reminders_held ON reminders(hold_until) WHERE hold_until IS NOT NULL")
    db.execute(
        """
        CREATE TABLE room_quiet_hours (
            room_key TEXT PRIMARY KEY REFERENCES rooms(key) ON DELETE CASCADE,
            quiet_hours TEXT NOT NULL
        )"""
    )


@MIGRATIONS()
def m022_polls_blank(db: Database) -> None:
    """How a motion counts blank votes, apart from abstentions: "excluded" from the votes cast
    or "counted" in them. Motions created before keep three answers (no blank vote)."""
    db.execute("ALTER TABLE polls ADD COLUMN blank TEXT NOT NULL DEFAULT 'excluded'")


@MIGRATIONS()
def m050_job_runs(db: Database) -> None:
    """The last occurrence each periodic job (feeds, digests, retention, backups) was claimed
    for, so a run missed while the bot was down is caught up once, never twice."""
    db.execute(
        """
        CREATE TABLE job_runs (
            name TEXT PRIMARY KEY,
            due_at TEXT NOT NULL,
            claimed_at TEXT NOT NULL
        )"""
    )


@MIGRATIONS()
def m045_link_requests(db: Database) -> None:
    """Linking asks the first room's organizers to confirm (a room typing a code is a request,
    not a link); and a private chat never belongs to an association with other rooms: those a
    code once linked get an association of their own again, with the polls created in them."""
    db.execute(
        """
        CREATE TABLE link_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            origin_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            joining_key TEXT NOT NULL REFERENCES rooms(key) ON DELETE CASCADE,
            requested_by TEXT NOT NULL,
            requested_by_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )"""
    )
    linked_private = db.execute(
        """SELECT r.key, r.created_at FROM rooms r
           WHERE r.private = 1 AND EXISTS (SELECT 1 FROM rooms o
               WHERE o.association_id = r.association_id AND o.key != r.key)"""
    ).fetchall()
    for key, created_at in linked_private:
        new = db.execute(
            "INSERT INTO associations (created_at) VALUES (?)", [created_at]
        ).lastrowid
        db.execute("UPDATE rooms SET association_id = ? WHERE key = ?", [new, key])
    # Linking and unlinking used to leave polls and motion proxies behind: each goes back to
    # the association its room belongs to now.
    db.execute(
        """UPDATE polls SET association_id =
               (SELECT association_id FROM rooms WHERE rooms.key = polls.room_key)"""
    )
    db.execute(
        """UPDATE OR IGNORE proxies SET association_id =
               (SELECT association_id FROM polls WHERE polls.id = proxies.poll_id)
           WHERE poll_id IS NOT NULL"""
    )


@MIGRATIONS()
def m035_poll_results(db: Database) -> None:
    """A poll's result frozen when it closes: the figures and the rule applied, so a proxy given
    or taken back afterwards (or a new way of counting) never changes a decision taken.
    Polls closed before are frozen the first time their result is read."""
    db.execute(
        """
        CREATE TABLE poll_results (
            poll_id INTEGER PRIMARY KEY REFERENCES polls(id) ON DELETE CASCADE,
            voters INTEGER NOT NULL,
            represented INTEGER NOT NULL DEFAULT 0,
            members INTEGER NOT NULL DEFAULT 0,
            outcome TEXT NOT NULL DEFAULT '',
            participants INTEGER NOT NULL DEFAULT 0,
            quorum_needed INTEGER NOT NULL DEFAULT 0,
            votes_cast INTEGER NOT NULL DEFAULT 0,
            majority_base INTEGER NOT NULL DEFAULT 0,
            yes_needed INTEGER NOT NULL DEFAULT 0,
            quorum_percent INTEGER NOT NULL DEFAULT 0,
            majority TEXT NOT NULL DEFAULT '',
            majority_of TEXT NOT NULL DEFAULT '',
            abstention TEXT NOT NULL DEFAULT '',
            blank TEXT NOT NULL DEFAULT '',
            frozen_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE poll_result_counts (
            poll_id INTEGER NOT NULL REFERENCES poll_results(poll_id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            answer INTEGER NOT NULL,
            count INTEGER NOT NULL,
            names TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (poll_id, position, answer)
        ) WITHOUT ROWID"""
    )


@MIGRATIONS()
def m036_secret_voters_proxy(db: Database) -> None:
    """Who cast a secret vote for a member holding their proxy (NULL: the member voted), so a
    giver who comes to vote is told their holder already did. It says nothing of the choice."""
    db.execute("ALTER TABLE secret_voters ADD COLUMN holder_key TEXT")


@MIGRATIONS()
def m060_links(db: Database) -> None:
    """Shared links: one row per page and association (``UNIQUE(association_id,
    normalized_url)``), every share of it (who, where, when: a repeat is counted), its tags,
    each room's capture and privacy choice, and a full-text index (FTS5, accents and case
    folded) over title, description, site name, note, tags and URL, kept in step by triggers."""
    db.execute(
        """
        CREATE TABLE links (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            association_id INTEGER NOT NULL,
            room_key TEXT NOT NULL,
            url TEXT NOT NULL,
            normalized_url TEXT NOT NULL,
            poster_key TEXT NOT NULL,
            poster_name TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            site_name TEXT NOT NULL DEFAULT '',
            preview TEXT NOT NULL DEFAULT 'pending'
                CHECK (preview IN ('pending', 'fetching', 'done', 'failed')),
            preview_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            previewed_at TEXT,
            UNIQUE (association_id, normalized_url)
        )"""
    )
    db.execute("CREATE INDEX links_latest ON links(association_id, id)")
    # Previews to fetch, and those a stopped bot had claimed: a few rows each, not a million.
    db.execute("CREATE INDEX links_pending ON links(id) WHERE preview = 'pending'")
    db.execute("CREATE INDEX links_fetching ON links(id) WHERE preview = 'fetching'")
    db.execute(
        """
        CREATE TABLE link_shares (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
            room_key TEXT NOT NULL,
            member_key TEXT NOT NULL,
            member_name TEXT NOT NULL,
            message_id TEXT NOT NULL DEFAULT '',
            shared_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX link_shares_link ON link_shares(link_id)")
    # The same message handled twice (a platform redelivery) is one share.
    db.execute(
        "CREATE UNIQUE INDEX link_shares_once ON link_shares(link_id, room_key, message_id) "
        "WHERE message_id != ''"
    )
    db.execute(
        """
        CREATE TABLE link_tags (
            link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (link_id, tag)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX link_tags_tag ON link_tags(tag, link_id)")
    db.execute(
        """
        CREATE TABLE link_room_settings (
            room_key TEXT PRIMARY KEY,
            capture INTEGER NOT NULL DEFAULT 1,
            private INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE VIRTUAL TABLE links_fts USING fts5(
            title, description, site_name, note, tags, url,
            content = 'links', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2'
        )"""
    )
    columns = "title, description, site_name, note, tags, url"
    old = ", ".join(f"old.{column}" for column in columns.split(", "))
    new = ", ".join(f"new.{column}" for column in columns.split(", "))
    db.execute(
        f"""CREATE TRIGGER links_fts_insert AFTER INSERT ON links BEGIN
              INSERT INTO links_fts (rowid, {columns}) VALUES (new.id, {new});
            END"""
    )
    db.execute(
        f"""CREATE TRIGGER links_fts_delete AFTER DELETE ON links BEGIN
              INSERT INTO links_fts (links_fts, rowid, {columns})
              VALUES ('delete', old.id, {old});
            END"""
    )
    # Only when an indexed column changes: moving a link to another association does not
    # rewrite its index entry.
    db.execute(
        f"""CREATE TRIGGER links_fts_update AFTER UPDATE OF {columns} ON links BEGIN
              INSERT INTO links_fts (links_fts, rowid, {columns})
              VALUES ('delete', old.id, {old});
              INSERT INTO links_fts (rowid, {columns}) VALUES (new.id, {new});
            END"""
    )


@MIGRATIONS()
def m061_link_tag_counts(db: Database) -> None:
    """How many links of each room carry each tag, kept by triggers: ``/tags`` reads a few
    thousand rows instead of grouping every tag of a million links (3 s, 150 MB before)."""
    db.execute(
        """
        CREATE TABLE link_tag_counts (
            association_id INTEGER NOT NULL,
            room_key TEXT NOT NULL,
            tag TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (association_id, room_key, tag)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """
        CREATE TRIGGER link_tags_counted AFTER INSERT ON link_tags BEGIN
            INSERT INTO link_tag_counts (association_id, room_key, tag, n)
                SELECT association_id, room_key, NEW.tag, 1 FROM links WHERE id = NEW.link_id
                ON CONFLICT (association_id, room_key, tag) DO UPDATE SET n = n + 1;
        END"""
    )
    db.execute(
        """
        CREATE TRIGGER link_tags_uncounted AFTER DELETE ON link_tags BEGIN
            UPDATE link_tag_counts SET n = n - 1
                WHERE tag = OLD.tag AND (association_id, room_key) =
                    (SELECT association_id, room_key FROM links WHERE id = OLD.link_id);
            DELETE FROM link_tag_counts WHERE tag = OLD.tag AND n <= 0;
        END"""
    )
    # A link deleted with its tags (ON DELETE CASCADE) is gone before the tags' trigger runs:
    # its counts are taken back here, while the row is still readable.
    db.execute(
        """
        CREATE TRIGGER links_tags_uncounted BEFORE DELETE ON links BEGIN
            UPDATE link_tag_counts SET n = n - 1
                WHERE association_id = OLD.association_id AND room_key = OLD.room_key
                AND tag IN (SELECT tag FROM link_tags WHERE link_id = OLD.id);
            DELETE FROM link_tag_counts WHERE association_id = OLD.association_id
                AND room_key = OLD.room_key AND n <= 0;
        END"""
    )
    db.execute(
        """
        CREATE TRIGGER links_tags_moved AFTER UPDATE OF association_id, room_key ON links
        WHEN OLD.association_id IS NOT NEW.association_id OR OLD.room_key IS NOT NEW.room_key
        BEGIN
            UPDATE link_tag_counts SET n = n - 1
                WHERE association_id = OLD.association_id AND room_key = OLD.room_key
                AND tag IN (SELECT tag FROM link_tags WHERE link_id = OLD.id);
            DELETE FROM link_tag_counts WHERE association_id = OLD.association_id
                AND room_key = OLD.room_key AND n <= 0;
            INSERT INTO link_tag_counts (association_id, room_key, tag, n)
                SELECT NEW.association_id, NEW.room_key, tag, 1 FROM link_tags
                WHERE link_id = NEW.id
                ON CONFLICT (association_id, room_key, tag) DO UPDATE SET n = n + 1;
        END"""
    )
    db.execute(
        """INSERT INTO link_tag_counts (association_id, room_key, tag, n)
           SELECT l.association_id, l.room_key, t.tag, count(*) FROM link_tags t
           JOIN links l ON l.id = t.link_id GROUP BY l.association_id, l.room_key, t.tag"""
    )


@MIGRATIONS()
def m080_digests(db: Database) -> None:
    """Digest subscriptions (one per room or private chat: cadence, day, hour, timezone,
    language; ``blocked`` when the platform said the member blocked the bot), the ledger of
    sends (``UNIQUE(subscription_id, period)``, claimed before the send, recorded after with the
    text sent, so a digest goes out once and the archive shows it as sent) and the editors'
    removals and pins."""
    db.execute(
        """
        CREATE TABLE digest_subscriptions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_key TEXT NOT NULL UNIQUE REFERENCES rooms(key) ON DELETE CASCADE,
            member_key TEXT NOT NULL DEFAULT '',
            cadence TEXT NOT NULL CHECK (cadence IN ('weekly', 'daily')),
            weekday INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),
            hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
            minute INTEGER NOT NULL DEFAULT 0 CHECK (minute BETWEEN 0 AND 59),
            timezone TEXT NOT NULL,
            language TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            blocked INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX digest_subscriptions_active ON digest_subscriptions(active)")
    db.execute(
        """
        CREATE TABLE digest_sends (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subscription_id INTEGER NOT NULL
                REFERENCES digest_subscriptions(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            since_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            parts_sent INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'sending'
                CHECK (state IN ('sending', 'sent', 'empty', 'blocked', 'failed')),
            text TEXT NOT NULL DEFAULT '',
            sent_at TEXT,
            UNIQUE (subscription_id, period)
        )"""
    )
    db.execute("CREATE INDEX digest_sends_open ON digest_sends(id) WHERE state = 'sending'")
    db.execute(
        """
        CREATE TABLE digest_edits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            association_id INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('remove', 'pin')),
            item TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (association_id, action, item)
        )"""
    )


@MIGRATIONS()
def m070_feeds(db: Database) -> None:
    """Followed feeds: one row per normalised feed URL (fetched once for every room following
    it), the rooms following it, and the entries seen (de-duplicated by id, link, content)."""
    db.execute(
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            fetch_url TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            next_fetch_at TEXT NOT NULL,
            last_fetch_at TEXT,
            last_ok_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            failing_since TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            failure_notified INTEGER NOT NULL DEFAULT 0,
            paused INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX feeds_due ON feeds (paused, next_fetch_at)")
    db.execute(
        """
        CREATE TABLE feed_subscriptions (
            feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
            room_key TEXT NOT NULL,
            direct INTEGER NOT NULL DEFAULT 0,
            added_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (feed_id, room_key)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX feed_subscriptions_room ON feed_subscriptions (room_key)")
    db.execute(
        """
        CREATE TABLE feed_entries (
            id INTEGER PRIMARY KEY,
            feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
            guid TEXT,
            link TEXT,
            url TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            published_at TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            shown INTEGER NOT NULL DEFAULT 1
        )"""
    )
    db.execute("CREATE INDEX feed_entries_guid ON feed_entries (feed_id, guid)")
    db.execute("CREATE INDEX feed_entries_link ON feed_entries (feed_id, link)")
    db.execute("CREATE INDEX feed_entries_hash ON feed_entries (feed_id, content_hash)")
    db.execute("CREATE INDEX feed_entries_seen ON feed_entries (seen_at, feed_id)")


@MIGRATIONS()
def m081_digest_boots(db: Database) -> None:
    """Which start of the bot claimed a digest send: a claim left unfinished by an earlier run
    (stopped or killed mid-send) is resumed at once, while a claim of the running bot is never
    taken by a second fan-out of the same run (the one at start and the periodic one). Rooms
    by member, for private chats' digests."""
    db.execute(
        """
        CREATE TABLE digest_boots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL
        )"""
    )
    db.execute("ALTER TABLE digest_sends ADD COLUMN boot INTEGER NOT NULL DEFAULT 0")
    # A private chat's digest covers the rooms its member was seen in.
    db.execute("CREATE INDEX room_members_member ON room_members(member_key)")


@MIGRATIONS()
def m082_digest_sends_due(db: Database) -> None:
    """The sends of the last days by due time: each fan-out skips the finished ones without
    a write and without reading a year of ledger."""
    db.execute("CREATE INDEX digest_sends_due ON digest_sends(due_at)")


@MIGRATIONS()
def m100_statutes_and_assembly_polls(db: Database) -> None:
    """The association's rules (quorum, majorities, proxies, notice), one row per rule set;
    polls of a general assembly (its resolutions and elections): the assembly, the seats of an
    election, its round and the previous round's poll."""
    db.execute(
        """
        CREATE TABLE association_statutes (
            association_id INTEGER NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (association_id, key)
        ) WITHOUT ROWID"""
    )
    db.execute("ALTER TABLE polls ADD COLUMN assembly_id INTEGER")
    db.execute("ALTER TABLE polls ADD COLUMN seats INTEGER")
    db.execute("ALTER TABLE polls ADD COLUMN round INTEGER")
    db.execute("ALTER TABLE polls ADD COLUMN parent_id INTEGER")
    db.execute("CREATE INDEX polls_assembly ON polls (assembly_id) WHERE assembly_id IS NOT NULL")


@MIGRATIONS()
def m110_events_place(db: Database) -> None:
    """Where an event happens (the calendar's LOCATION, shown in /agenda and its warnings) and
    when it ends, if known (a general assembly's DTEND)."""
    db.execute("ALTER TABLE events ADD COLUMN place TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE events ADD COLUMN ends_at TEXT")


@MIGRATIONS()
def m101_polls_quorum_fraction(db: Database) -> None:
    """A motion's quorum as a fraction of the electorate ("1/4", "1/3": a third is no whole
    percent; empty: ``quorum_percent`` applies) and whether the chair's vote breaks a tie."""
    db.execute("ALTER TABLE polls ADD COLUMN quorum TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE polls ADD COLUMN casting_vote INTEGER NOT NULL DEFAULT 0")


@MIGRATIONS()
def m090_assemblies(db: Database) -> None:
    """General assemblies: the association's roll (names added by organizers, tied to a member
    once known), each assembly with its agenda, attendance sheet, proxies (paper ones too),
    convocations sent and session messages."""
    db.execute(
        """
        CREATE TABLE roll_entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            association_id INTEGER NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            folded TEXT NOT NULL,
            member_key TEXT,
            added_by TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL,
            UNIQUE (association_id, folded)
        )"""
    )
    db.execute(
        """
        CREATE TABLE assemblies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            association_id INTEGER NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
            room_key TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('ordinary', 'extraordinary')),
            starts_at TEXT NOT NULL,
            ends_at TEXT,
            timezone TEXT NOT NULL,
            place TEXT NOT NULL DEFAULT '',
            event_id INTEGER,
            status TEXT NOT NULL CHECK (status IN ('convened', 'open', 'closed')),
            chair_key TEXT,
            chair_name TEXT NOT NULL DEFAULT '',
            secretary_key TEXT,
            secretary_name TEXT NOT NULL DEFAULT '',
            opened_at TEXT,
            closed_at TEXT,
            convened_at TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX assemblies_association ON assemblies (association_id, status)")
    db.execute(
        """
        CREATE TABLE agenda_items (
            assembly_id INTEGER NOT NULL REFERENCES assemblies (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            poll_id INTEGER,
            UNIQUE (assembly_id, position)
        )"""
    )
    db.execute(
        """
        CREATE TABLE attendance (
            assembly_id INTEGER NOT NULL REFERENCES assemblies (id) ON DELETE CASCADE,
            person_key TEXT NOT NULL,
            name TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('in_person', 'remote', 'recorded')),
            recorded_by TEXT NOT NULL DEFAULT '',
            checked_in_at TEXT NOT NULL,
            checked_out_at TEXT,
            PRIMARY KEY (assembly_id, person_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE assembly_proxies (
            assembly_id INTEGER NOT NULL REFERENCES assemblies (id) ON DELETE CASCADE,
            giver_key TEXT NOT NULL,
            giver_name TEXT NOT NULL,
            holder_key TEXT NOT NULL,
            holder_name TEXT NOT NULL,
            paper INTEGER NOT NULL DEFAULT 0,
            recorded_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (assembly_id, giver_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE convocations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            assembly_id INTEGER NOT NULL REFERENCES assemblies (id) ON DELETE CASCADE,
            room_key TEXT,
            member_key TEXT,
            channel TEXT NOT NULL CHECK (channel IN ('room', 'private')),
            sent_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX convocations_assembly ON convocations (assembly_id)")
    db.execute(
        """
        CREATE TABLE assembly_messages (
            assembly_id INTEGER NOT NULL REFERENCES assemblies (id) ON DELETE CASCADE,
            room_key TEXT NOT NULL,
            message_id TEXT NOT NULL,
            PRIMARY KEY (assembly_id, room_key, message_id)
        )"""
    )
    db.execute("CREATE INDEX assembly_messages_room ON assembly_messages (room_key, message_id)")


@MIGRATIONS()
def m120_web(db: Database) -> None:
    """The web page: personal voting links, the archive's and the agenda's addresses (only a
    SHA-256 of each token is kept), and the key that signs its forms."""
    db.execute(
        """
        CREATE TABLE web_tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('vote', 'archive', 'agenda')),
            association_id INTEGER NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
            poll_id INTEGER REFERENCES polls (id) ON DELETE CASCADE,
            person_key TEXT,
            name TEXT NOT NULL DEFAULT '',
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            used_at TEXT,
            CHECK ((kind = 'vote') = (poll_id IS NOT NULL AND person_key IS NOT NULL))
        )"""
    )
    # One live link per member and poll, one live archive and agenda address per association.
    db.execute(
        """CREATE UNIQUE INDEX web_tokens_live ON web_tokens
           (kind, association_id, IFNULL(poll_id, 0), IFNULL(person_key, ''))
           WHERE revoked_at IS NULL"""
    )
    db.execute("CREATE INDEX web_tokens_poll ON web_tokens (poll_id)")
    db.execute("CREATE INDEX web_tokens_person ON web_tokens (person_key)")
    db.execute("CREATE TABLE web_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
