"""/election: several seats, secret by default, blank vote, proxies, rounds, ties — and a secret
election's storage keeps no link between a voter (or a proxy holder) and a choice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from handlers.polls.election import count_election
from handlers.polls.results import Tally
from storage.polls import OptionRecord, PollKind, PollRecord, Privacy
from tests.harness import Harness
from tests.polls.test_tally_rules import NOW
from tests.test_secret_files import links, replay, snapshot, stale_bytes

MEMBERS = ("bob", "carol", "dan", "erin", "frank", "gina")


async def members(bot: Harness, *names: str) -> None:
    for name in names:
        await bot.say("bonjour", member=name)


def election_poll(seats: int, round_: int = 1, blank: str = "excluded") -> PollRecord:
    return PollRecord(
        id=7,
        association_id=1,
        room_key="console:asso",
        creator_key="console:alice",
        creator_name="Alice",
        kind=PollKind.CHOICE,
        question="Bureau",
        privacy=Privacy.SECRET,
        max_choices=seats,
        hide_results=False,
        everywhere=False,
        quorum_percent=0,
        majority="absolute",
        majority_of="cast",
        abstention="excluded",
        members=None,
        created_at=NOW,
        closes_at=None,
        notice_sent=False,
        closed_at=NOW,
        blank=blank,
        seats=seats,
        round=round_,
    )


def election_tally(poll: PollRecord, votes: dict[str, int], blank: int, ballots: int) -> Tally:
    names = [*votes, ""]
    options = [OptionRecord(i, 7, i, name) for i, name in enumerate(names, start=1)]
    counts = {(i, 2): n for i, n in enumerate([*votes.values(), blank], start=1)}
    return Tally(poll, options, counts, ballots, {})


# elected, tied, seats, round, votes, blank, ballots
TABLE = [
    # 3 seats, 20 ballots, 2 blank: 18 cast, absolute majority 10
    (("Martine", "Paul"), (), 3, 1, {"Martine": 14, "Paul": 10, "Sophie": 9, "Yannick": 5}, 2, 20),
    (("Martine", "Paul", "Sophie"), (), 3, 1, {"Martine": 14, "Paul": 12, "Sophie": 11}, 2, 20),
    # four reach the majority for three seats: the best three
    (("A", "B", "C"), (), 3, 1, {"A": 15, "B": 14, "C": 13, "D": 12}, 0, 20),
    # a tie at the last seat among those reaching it: reported, nobody elected for that seat
    (("A", "B"), ("C", "D"), 3, 1, {"A": 15, "B": 14, "C": 12, "D": 12}, 0, 20),
    # round 2: relative majority
    (("Sophie",), (), 1, 2, {"Sophie": 8, "Yannick": 5}, 1, 14),
    (("Sophie", "Yannick"), (), 2, 2, {"Sophie": 8, "Yannick": 5, "Zoé": 1}, 0, 14),
    ((), ("Sophie", "Yannick"), 1, 2, {"Sophie": 7, "Yannick": 7}, 0, 14),
    # single seat, exactly half is not an absolute majority
    ((), (), 1, 1, {"Alice": 5, "Bob": 5}, 0, 10),
    (("Alice",), (), 1, 1, {"Alice": 6, "Bob": 4}, 0, 10),
    # nobody voted
    ((), (), 2, 1, {"Alice": 0, "Bob": 0}, 0, 0),
]


@pytest.mark.parametrize(
    ("elected", "tied", "seats", "round_", "votes", "blank", "ballots"), TABLE
)
def test_count_election_table(
    elected: tuple[str, ...],
    tied: tuple[str, ...],
    seats: int,
    round_: int,
    votes: dict[str, int],
    blank: int,
    ballots: int,
) -> None:
    result = count_election(election_tally(election_poll(seats, round_), votes, blank, ballots))
    assert (elected, tied) == (result.elected, result.tied)


def test_count_election_blank_excluded_from_votes_cast() -> None:
    result = count_election(election_tally(election_poll(1), {"Alice": 9, "Bob": 7}, 4, 20))
    assert (16, 9, ("Alice",)) == (result.cast, result.needed, result.elected)


def test_count_election_blank_counted_when_the_statutes_say() -> None:
    result = count_election(
        election_tally(election_poll(1, blank="counted"), {"Alice": 9, "Bob": 7}, 4, 20)
    )
    assert (20, 11, ()) == (result.cast, result.needed, result.elected)


async def test_election_refused_to_members(bot: Harness) -> None:
    replies = await bot.say("/election Bureau | Paul | Sophie", member="bob")
    assert ["Seuls les organisateurs peuvent utiliser /election."] == replies


async def test_election_three_seats_secret_by_default_with_blank(bot: Harness) -> None:
    await members(bot, *MEMBERS)
    replies = await bot.say(
        "/election Bureau | 3 postes | Martine | Paul | Sophie | Yannick", member="alice"
    )
    assert replies[0].startswith("📊 Élection n°1 : Bureau (3 postes, tour 1)\n1. Martine\n")
    assert "5. Vote blanc" in replies[0]
    assert any("au plus 3 candidats, ou le vote blanc" in r for r in replies)
    ballots = {
        "alice": "1,2,3",
        "bob": "1,2",
        "carol": "1,3",
        "dan": "1,2,4",
        "erin": "5",
        "frank": "2",
    }
    for member, choice in ballots.items():
        answer = await bot.say(f"/voter 1 {choice}", member=member, room="dm-" + member)
        assert ["Votre bulletin secret pour le n°1 est compté."] == answer
    closed = await bot.say("/cloturer 1", member="alice")
    text = closed[-1]
    assert "6 bulletins (blancs : 1), 5 suffrages exprimés" in text
    assert "Martine : 4 voix — élu·e" in text
    assert "Paul : 4 voix — élu·e" in text
    assert "Sophie : 2 voix" in text
    assert "Élu·es : Martine, Paul." in text
    assert "1 poste n'est pas pourvu" in text


async def test_election_blank_goes_alone(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Bureau | 2 postes | Paul | Sophie | Yannick", member="alice")
    replies = await bot.say("/voter 1 1,4", member="bob", room="dm-bob")
    assert replies[0].startswith("Un vote blanc se donne seul")


async def test_election_more_than_seats_refused(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Bureau | 2 postes | Paul | Sophie | Yannick", member="alice")
    replies = await bot.say("/voter 1 1,2,3", member="bob", room="dm-bob")
    assert "au plus 2 choix" in replies[0]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/election Bureau | 3 postes | Paul | Sophie", "3 postes mais 2 candidats"),
        ("/election Bureau | 0 postes | Paul | Sophie", "de 1 à 50"),
        ("/election Bureau | 999999999 postes | Paul", "de 1 à 50"),
        ("/election Bureau | Paul | paul", "est donné deux fois"),
        ("/election Bureau", "Nommez les candidats"),
        ("/election Bureau | " + "x" * 10_000, "limité à 100 caractères"),
        ("/election  | Paul", "Écrivez pour quoi"),
        ("/election " + "B" * 10_000 + " | Paul", "trop longue"),
        ("/election Bureau | " + " | ".join(f"C{i}" for i in range(25)), "au plus 19 candidats"),
        ("/election Bureau | Paul | \u200b", "est vide"),
        ("/election Bureau | Paul | Pau\u200bl", "est donné deux fois"),
    ],
)
async def test_election_bad_input(bot: Harness, command: str, expected: str) -> None:
    replies = await bot.say(command, member="alice")
    assert expected in replies[0]


async def test_election_second_round_carries_the_unelected(bot: Harness) -> None:
    await members(bot, "bob", "carol", "dan")
    await bot.say("/election Bureau | 2 postes | Paul | Sophie | Yannick | public", member="alice")
    await bot.say("/voter 1 1,2", member="alice")
    await bot.say("/voter 1 1", member="bob")
    await bot.say("/voter 1 1,3", member="carol")
    await bot.say("/voter 1 2", member="dan")
    await bot.say("/cloturer 1", member="alice")

    replies = await bot.say("/election 2e tour", member="alice")

    assert replies[0].startswith("📊 Élection n°2 : Bureau (1 poste, tour 2)")
    assert "1. Sophie\n" in replies[0]
    assert "2. Yannick\n" in replies[0]
    assert "Paul" not in replies[0].split("\n", 1)[1]
    await bot.say("/voter 2 1", member="alice")
    await bot.say("/voter 2 1", member="bob")
    await bot.say("/voter 2 2", member="carol")
    closed = await bot.say("/cloturer 2", member="alice")
    assert "Élu·es : Sophie." in closed[-1]
    assert "majorité relative" in closed[-1]


async def test_election_second_round_tie_reported(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Trésorier | Paul | Sophie | public", member="alice")
    await bot.say("/voter 1 1", member="alice")
    await bot.say("/voter 1 2", member="bob")
    closed = await bot.say("/cloturer 1", member="alice")
    assert "1 poste n'est pas pourvu" in closed[-1]
    await bot.say("/election 2e tour", member="alice")
    await bot.say("/voter 2 1", member="alice")
    await bot.say("/voter 2 2", member="bob")
    closed = await bot.say("/cloturer 2", member="alice")
    assert "Égalité entre Paul, Sophie pour les derniers postes : non départagée" in closed[-1]


async def test_election_second_round_refused_when_all_filled(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Trésorier | Paul | Sophie | public", member="alice")
    await bot.say("/voter 1 1", member="alice")
    await bot.say("/voter 1 1", member="bob")
    await bot.say("/cloturer 1", member="alice")
    replies = await bot.say("/election second round", member="alice")
    assert ["Tous les postes de l'élection n°1 sont pourvus."] == replies


async def test_secret_election_with_proxies_keeps_no_link(
    bot: Harness, data_dir: Path, tmp_path: Path
) -> None:
    """Each voice its own secret ballot: Bob holds Carol's proxy and votes twice, differently;
    the database holds who voted and totals, never who chose whom."""
    await members(bot, "bob", "carol", "dan")
    await bot.say("/procuration @bob", member="carol")
    await bot.say("/election Bureau | 2 postes | Paul | Sophie | Yannick", member="alice")

    first = await bot.say("/voter 1 1,2", member="bob", room="dm-bob")
    assert "Il vous reste 1 voix à donner" in first[0]
    second = await bot.say("/voter 1 3", member="bob", room="dm-bob")
    assert ["Votre bulletin secret pour le n°1 est compté."] == second
    third = await bot.say("/voter 1 3", member="bob", room="dm-bob")
    assert third[0].startswith("Vous avez déjà donné toutes les voix")
    await bot.say("/voter 1 2", member="dan", room="dm-dan")

    database, wal = snapshot(data_dir, tmp_path / "copy")
    assert [] == links(replay(database, wal, tmp_path))
    conn = sqlite3.connect(data_dir / "assobot.db")
    try:
        voters = conn.execute(
            "SELECT voter_key, holder_key FROM secret_voters ORDER BY voter_key"
        ).fetchall()
        assert [
            ("console:bob", None),
            ("console:carol", "console:bob"),
            ("console:dan", None),
        ] == voters
        assert [] == conn.execute("SELECT * FROM ballots").fetchall()
        assert [] == conn.execute("SELECT * FROM ballot_choices").fetchall()
        for (table,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"):
            if table in ("secret_voters", "members", "room_members", "proxies", "rooms"):
                continue
            for row in conn.execute(f"SELECT * FROM {table}"):
                text = repr(row)
                assert "console:bob" not in text or table in ("organizers",), (table, row)
        totals = conn.execute(
            "SELECT o.position, c.count FROM secret_counts c JOIN poll_options o "
            "ON o.id = c.option_id ORDER BY o.position"
        ).fetchall()
        assert [(1, 1), (2, 2), (3, 1)] == totals
    finally:
        conn.close()
    assert [] == stale_bytes(data_dir / "assobot.db")
    closed = await bot.say("/cloturer 1", member="alice")
    assert "3 bulletins (blancs : 0), 3 suffrages exprimés" in closed[-1]


async def test_secret_election_of_several_seats_refuses_a_tap(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Bureau | 2 postes | Paul | Sophie | Yannick", member="alice")

    shown = await bot.tap(1, member="bob")

    assert any("tapez tous vos candidats d'un coup, par exemple /voter 1 1,3" in t for t in shown)
    assert 0 == bot.app.services.store.polls.voter_count(1)


async def test_secret_election_of_one_seat_counts_a_tap(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Trésorier | Paul | Sophie", member="alice")

    await bot.tap(2, member="bob")

    assert 1 == bot.app.services.store.polls.voter_count(1)


async def test_election_live_shares_of_ballots_and_register_line(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Bureau | 2 postes | Paul | Sophie | Yannick | public", member="alice")
    await bot.say("/voter 1 1,2", member="alice")
    await bot.say("/voter 1 1", member="bob")
    closed = await bot.say("/cloturer 1", member="alice")
    # Paul is on both ballots: 100 % of the ballots (not 67 % of the names ticked).
    assert "1. Paul\n   ▓▓▓▓▓▓▓▓▓▓ 2 (100 %) — Alice, Bob\n" in closed[0]
    assert "Égalité entre" not in closed[0]
    listing = await bot.say("/decisions")
    assert "élection « Bureau » → Élu·es : Paul." in listing[0]


async def test_election_majority_fixed_when_opened(bot: Harness) -> None:
    await members(bot, "bob", "carol")
    await bot.say("/election Trésorier | Paul | Sophie | public", member="alice")
    await bot.say("/statuts majorite election unanimite", member="alice")  # too late for #1
    await bot.say("/voter 1 1", member="alice")
    await bot.say("/voter 1 1", member="bob")
    await bot.say("/voter 1 2", member="carol")
    closed = await bot.say("/cloturer 1", member="alice")
    assert "Élu·es : Paul." in closed[-1]


async def test_election_hostile_names_kept_as_text(bot: Harness) -> None:
    replies = await bot.say(
        "/election Bureau | <b>Paul</b> | \u202eSophie | Zoé & Léa | public", member="alice"
    )
    assert "1. <b>Paul</b>\n" in replies[0]
    assert "3. Zoé & Léa\n" in replies[0]


async def test_election_refused_in_a_private_chat(bot: Harness) -> None:
    replies = await bot.say("/election Bureau | Paul | Sophie", member="alice", room="dm-alice")
    assert replies[0].startswith("Les sondages et les motions se votent en groupe")


async def test_election_result_says_one_ballot_in_the_singular(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say(":lang en", member="alice")
    await bot.say("/election Board | 1 seat | Ann | Ben | public", member="alice")
    await bot.say("/vote 1 1", member="bob")

    closed = "\n".join(await bot.say("/close 1", member="alice"))

    assert "Election “Board”, round 1, 1 seat: 1 ballot, 0 blank, 1 vote cast." in closed
    assert "1 vote needed." in closed


async def test_election_result_in_french_agrees_in_number(bot: Harness) -> None:
    await members(bot, "bob")
    await bot.say("/election Trésorier | Ann | Ben | public", member="alice")
    await bot.say("/voter 1 1", member="bob")

    closed = "\n".join(await bot.say("/cloturer 1", member="alice"))

    assert "1 poste : 1 bulletin (blancs : 0), 1 suffrage exprimé." in closed
