"""The association's rules as stored: defaults, one rule set, types read back, linked rooms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.message import Room
from storage.statutes import STATUTE_KEYS, Statutes
from storage.store import Store

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "a.db", language="fr", timezone="Europe/Paris")
    yield opened
    opened.close()


def association(store: Store, name: str = "a") -> int:
    return store.rooms.ensure(Room("console", name, title=name), NOW).association_id


def test_statutes_defaults_when_nothing_set(store: Store) -> None:
    assert Statutes() == store.statutes.get(association(store))


def test_statutes_defaults_are_the_contract() -> None:
    rules = Statutes()
    assert ("0", "0", "members") == (
        rules.quorum_ordinary,
        rules.quorum_extraordinary,
        rules.quorum_of,
    )
    assert ("simple", "two_thirds", "absolute", "cast") == (
        rules.majority_ordinary,
        rules.majority_extraordinary,
        rules.majority_election,
        rules.majority_of,
    )
    assert (False, True, 2, True, 15, None) == (
        rules.casting_vote,
        rules.proxies,
        rules.proxy_cap,
        rules.secret_elections,
        rules.notice_days,
        rules.members_count,
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("quorum_ordinary", "1/4", "1/4"),
        ("majority_extraordinary", "3/4", "3/4"),
        ("casting_vote", True, True),
        ("proxies", False, False),
        ("proxy_cap", 3, 3),
        ("notice_days", 21, 21),
        ("members_count", 40, 40),
        ("secret_elections", False, False),
    ],
)
def test_statutes_set_reads_back_typed(
    store: Store, key: str, value: object, expected: object
) -> None:
    aid = association(store)
    store.statutes.set(aid, key, value, "console:alice", NOW)  # type: ignore[arg-type]
    assert expected == getattr(store.statutes.get(aid), key)


def test_statutes_set_twice_keeps_the_last_and_who(store: Store) -> None:
    aid = association(store)
    store.statutes.set(aid, "proxy_cap", 3, "console:alice", NOW)
    store.statutes.set(aid, "proxy_cap", 5, "console:bob", NOW + timedelta(hours=1))
    assert 5 == store.statutes.get(aid).proxy_cap
    assert {"proxy_cap": ("console:bob", NOW + timedelta(hours=1))} == store.statutes.changed(aid)


def test_statutes_none_puts_the_default_back(store: Store) -> None:
    aid = association(store)
    store.statutes.set(aid, "members_count", 40, "console:alice", NOW)
    store.statutes.set(aid, "members_count", None, "console:alice", NOW)
    assert store.statutes.get(aid).members_count is None


def test_statutes_unknown_key_refused(store: Store) -> None:
    with pytest.raises(KeyError):
        store.statutes.set(association(store), "drop table", "x", "console:alice", NOW)


def test_statutes_are_per_association(store: Store) -> None:
    first = association(store, "a")
    second = association(store, "b")
    store.statutes.set(first, "notice_days", 30, "console:alice", NOW)
    assert 30 == store.statutes.get(first).notice_days
    assert 15 == store.statutes.get(second).notice_days


def test_statutes_damaged_value_reads_as_default(store: Store) -> None:
    aid = association(store)
    store.statutes.set(aid, "proxy_cap", "lots", "console:alice", NOW)
    assert 2 == store.statutes.get(aid).proxy_cap


def test_statutes_keys_cover_every_field() -> None:
    assert "members_count" in STATUTE_KEYS
    assert 15 == len(STATUTE_KEYS)
