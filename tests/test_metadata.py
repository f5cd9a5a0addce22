"""Every public table and column is documented in metadata.yml; the JSON Schemas are current."""

from __future__ import annotations

import sqlite3

import yaml

from ledger.interchange.schemas import json_schemas

from .conftest import METADATA, ROOT


def metadata_tables() -> dict:
    return yaml.safe_load(METADATA.read_text())["databases"]["ledger"]["tables"]


def public_tables(db) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'"
        )
    ]
    return {n: [r[1] for r in conn.execute(f"PRAGMA table_info([{n}])")] for n in names}


def test_every_table_and_column_has_a_description(mini_db):
    documented = metadata_tables()
    missing = []
    for table, columns in public_tables(mini_db).items():
        meta = documented.get(table) or {}
        if not meta.get("description"):
            missing.append(table)
        for column in columns:
            if not (meta.get("columns") or {}).get(column):
                missing.append(f"{table}.{column}")
    assert missing == []


def test_metadata_describes_nothing_that_does_not_exist(mini_db):
    tables = public_tables(mini_db)
    for table, meta in metadata_tables().items():
        assert table in tables, table
        assert set(meta.get("columns") or {}) <= set(tables[table]), table


def test_configured_facets_are_columns(mini_db):
    tables = public_tables(mini_db)
    for table, meta in metadata_tables().items():
        for facet in meta.get("facets") or []:
            column = facet if isinstance(facet, str) else next(iter(facet.values()))
            assert column in tables[table], (table, column)


def test_checked_in_json_schemas_are_current():
    expected = json_schemas()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "schemas").glob("*.json")}
    assert on_disk == expected, "run `ledger schemas` and commit schemas/"
