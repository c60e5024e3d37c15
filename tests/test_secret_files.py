"""The data folder keeps no history of a secret ballot: what a copy of ``assobot.db`` and its
``-wal`` (taken while the bot runs) or a backup made with SQLite's backup API reveals.

The attacker here replays the WAL commit by commit (32-byte header, 24-byte frame headers,
pages of the size the header gives) over the database file, reads the secret tables at every
commit, and links a voter to a choice whenever one commit adds a voter and one vote to an option.
They also read the free space of every page, where a deleted or rewritten row would linger.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

from tests.harness import Harness

WAL_HEADER = 32
FRAME_HEADER = 24
BTREE_PAGES = {0x02: 12, 0x05: 12, 0x0A: 8, 0x0D: 8}  # page type -> header size


@dataclass(frozen=True)
class SecretState:
    voters: frozenset[tuple[int, str]]
    counts: frozenset[tuple[int, int, int]]  # option id, answer, count


def read_state(image: bytes, folder: Path) -> SecretState | None:
    """The secret tables as one database image shows them (None when it cannot be read)."""
    path = folder / "image.db"
    path.write_bytes(image)
    try:
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            voters = conn.execute("SELECT poll_id, voter_key FROM secret_voters").fetchall()
            counts = conn.execute("SELECT option_id, answer, count FROM secret_counts").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return SecretState(frozenset(voters), frozenset(counts))


def replay(database: bytes, wal: bytes, folder: Path) -> list[SecretState]:
    """Every state of the secret tables a copy of db + wal holds: the database file alone,
    then after each commit frame of the WAL, in file order (stale frames included)."""
    states = [read_state(database, folder)]
    if len(wal) >= WAL_HEADER:
        page_size = struct.unpack(">I", wal[8:12])[0]
        image = bytearray(database)
        offset = WAL_HEADER
        while offset + FRAME_HEADER + page_size <= len(wal):
            page, commit_size = struct.unpack(">II", wal[offset : offset + 8])
            data = wal[offset + FRAME_HEADER : offset + FRAME_HEADER + page_size]
            start = (page - 1) * page_size
            if len(image) < start + page_size:
                image.extend(bytes(start + page_size - len(image)))
            image[start : start + page_size] = data
            if commit_size:
                states.append(read_state(bytes(image[: commit_size * page_size]), folder))
            offset += FRAME_HEADER + page_size
    return [s for s in states if s is not None]


def links(states: list[SecretState]) -> list[str]:
    """``+bob → option 7`` for every pair of states where one voter and one vote appear."""
    found = []
    for before in states:
        for after in states:
            new_voters = after.voters - before.voters
            if len(new_voters) != 1 or not before.voters < after.voters:
                continue
            was = {(o, a): c for o, a, c in before.counts}
            grown = [(o, a) for o, a, c in after.counts if c > was.get((o, a), 0)]
            if len(grown) == 1:
                found.append(f"+{next(iter(new_voters))[1]} → option {grown[0][0]}")
    return sorted(set(found))


def has_content(space: bytes) -> bool:
    """Whether freed space still holds content. ``secure_delete`` zeroes what it frees but
    writes the 4-byte header of the free block there (two zero bytes, then its size), and a
    page emptied of cells keeps those sizes: isolated bytes, no value, no text. Content is
    two non-zero bytes among any four consecutive ones."""
    return any(sum(1 for b in space[i : i + 4] if b) >= 2 for i in range(max(len(space) - 3, 1)))


def stale_bytes(path: Path) -> list[str]:
    """Pages whose free space still holds content: every free page, and the unallocated gap
    and freeblocks of the pages of the ballot tables (where a deleted or rewritten row would
    remain)."""
    data = path.read_bytes()
    page_size = struct.unpack(">H", data[16:18])[0] or 65536
    free_pages = set()
    trunk = struct.unpack(">I", data[32:36])[0]
    while trunk:
        base = (trunk - 1) * page_size
        following, count = struct.unpack(">II", data[base : base + 8])
        leaves = struct.unpack(f">{count}I", data[base + 8 : base + 8 + 4 * count])
        free_pages.update(leaves)
        trunk = following
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        vote_pages = {
            row[0]
            for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema "
                "WHERE tbl_name IN ('ballots', 'ballot_choices', 'secret_voters', "
                "'secret_counts'))"
            )
        }
    finally:
        conn.close()
    dirty = []
    for number in range(1, len(data) // page_size + 1):
        page = data[(number - 1) * page_size : number * page_size]
        if number in free_pages:
            if has_content(page):
                dirty.append(f"free page {number}")
            continue
        if number not in vote_pages:
            continue  # the schema's pages keep old cell pointers (offsets): no votes there
        header = 100 if number == 1 else 0
        size = BTREE_PAGES.get(page[header])
        if size is None:
            continue  # an overflow or freelist trunk page
        first_free, cells, content = struct.unpack(">HHH", page[header + 1 : header + 7])
        gap = page[header + size + 2 * cells : content or 65536]
        while gap[:2] != b"\0\0" and int.from_bytes(gap[:2]) < page_size:
            gap = gap[2:]  # removed cells' old pointers: offsets in the page, no content
        if has_content(gap):
            dirty.append(f"unallocated space of page {number}")
        while first_free:
            following, length = struct.unpack(">HH", page[first_free : first_free + 4])
            if has_content(page[first_free + 4 : first_free + length]):
                dirty.append(f"freeblock of page {number}")
            first_free = following
    return dirty


def snapshot(data_dir: Path, into: Path) -> tuple[bytes, bytes]:
    """What someone copying the data folder while the bot runs gets."""
    into.mkdir(parents=True, exist_ok=True)
    database = data_dir / "assobot.db"
    wal = data_dir / "assobot.db-wal"
    shutil.copyfile(database, into / "assobot.db")
    return database.read_bytes(), wal.read_bytes() if wal.exists() else b""


async def secret_election(
    bot: Harness, voters: dict[str, int], after_each: object, poll_id: int = 1
) -> None:
    await bot.say(
        "/sondage Président ? | Alice | Bob | Carol | secret", member="alice", room="asso"
    )
    for name in voters:
        await bot.say("bonjour", member=name, room="asso")
    for name, choice in voters.items():
        replies = await bot.say(f"/vote {poll_id} {choice}", member=name, room=f"dm-{name}")
        assert [f"Votre bulletin secret pour le n°{poll_id} est compté."] == replies
        assert callable(after_each)
        after_each(name)


VOTERS = {"bob": 2, "carol": 3, "dan": 3, "eve": 2, "fred": 1, "gus": 2}


async def test_secret_vote_copy_of_the_data_folder_keeps_no_history(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    found: list[str] = []
    dirty: list[str] = []
    work = tmp_path / "attacker"

    def copy_and_replay(name: str) -> None:
        database, wal = snapshot(data_dir, work / name)
        states = replay(database, wal, work / name)
        assert states, "the copy could not be read at all"
        found.extend(links(states))
        dirty.extend(f"{name}: {d}" for d in stale_bytes(work / name / "assobot.db"))

    await secret_election(bot, VOTERS, copy_and_replay)

    assert [] == found
    assert [] == dirty


async def test_secret_vote_backup_keeps_no_history(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    # Withdrawn and changed ballots of an anonymous poll: their old rows must not linger.
    await bot.say("/sondage Local ? | Salle | Parc | anonyme", member="alice", room="asso")
    for name in ("bob", "carol", "dan"):
        await bot.say("/vote 1 1", member=name, room="asso")
        await bot.say("/vote 1 2", member=name, room="asso")
        await bot.say("/vote 1 retirer", member=name, room="asso")
    await secret_election(bot, VOTERS, lambda _name: None, poll_id=2)
    ours = tmp_path / "ours.db"
    bot.app.store.owned.backup(ours)
    theirs = tmp_path / "theirs.db"  # sqlite3's backup API from another connection
    source = sqlite3.connect(data_dir / "assobot.db")
    target = sqlite3.connect(theirs)
    source.backup(target)
    source.close()
    target.close()

    for backup in (ours, theirs):
        state = read_state(backup.read_bytes(), tmp_path)
        assert state is not None
        assert 6 == len(state.voters)
        assert {3, 2, 1} == {c for _o, _a, c in state.counts}
        assert [] == stale_bytes(backup)
        assert not Path(f"{backup}-wal").exists()


def test_links_finds_a_vote_replayed_commit_by_commit() -> None:
    """The attacker's tool works: two commits that add Bob and one vote to option 2 link."""
    before = SecretState(frozenset(), frozenset())
    after = SecretState(frozenset({(1, "console:bob")}), frozenset({(2, 1, 1)}))

    assert ["+console:bob → option 2"] == links([before, after])


def test_configure_zeroes_freed_space_whatever_the_sqlite_build(tmp_path: Path) -> None:
    """Some SQLite builds zero freed space by default, others do not: assobot asks for it."""
    from sqlite_utils import Database

    from storage.db import configure

    conn = sqlite3.connect(tmp_path / "any.db")
    conn.execute("PRAGMA secure_delete = OFF")
    configure(Database(conn))

    assert (1,) == conn.execute("PRAGMA secure_delete").fetchone()
    assert (2,) == conn.execute("PRAGMA temp_store").fetchone()  # memory, never a file
    conn.close()
