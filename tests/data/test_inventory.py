"""The data inventory covers the whole schema: a table added without an entry in
``storage/inventory.py`` would be left out of the export and of ``/forgetme``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from storage.inventory import TABLES, schema_tables, uncovered
from storage.store import Store


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    store = Store(tmp_path / "assobot.db", language="fr", timezone="Europe/Paris")
    try:
        yield store.owned.db
    finally:
        store.close()


def test_inventory_covers_every_table_of_the_schema(db: Database) -> None:
    assert [] == uncovered(db), (
        "these tables are missing from storage/inventory.py TABLES (export and /forgetme "
        "would skip them): add one TablePolicy each"
    )


def test_inventory_columns_exist(db: Database) -> None:
    present = set(schema_tables(db))
    wrong = [
        f"{table}.{column}"
        for table, policy in TABLES.items()
        if table in present
        for column in (*policy.people, *policy.names)
        if column not in {c.name for c in db.table(table).columns}
    ]

    assert [] == wrong


@pytest.mark.parametrize("table", sorted(TABLES))
def test_inventory_association_expression_runs(db: Database, table: str) -> None:
    policy = TABLES[table]
    if policy.association is None or table not in schema_tables(db):
        return
    db.execute(f"SELECT * FROM {table} WHERE ? IN ({policy.association})", [1]).fetchall()


def test_inventory_detects_a_new_table(db: Database) -> None:
    db.execute("CREATE TABLE surprise (id INTEGER PRIMARY KEY, member_key TEXT)")

    assert ["surprise"] == uncovered(db)
