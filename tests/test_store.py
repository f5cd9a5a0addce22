"""The SQLite layout: tables, foreign keys, indexes, FTS, views and repeatable builds."""

from __future__ import annotations

import sqlite3

import pytest

from ledger.build import build
from ledger.queries import search_claims
from ledger.schema import FACET_INDEXES


def dump(db) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        # sqlite_stat1 holds ANALYZE estimates, not ledger content.
        return [line for line in conn.iterdump() if "sqlite_stat1" not in line]
    finally:
        conn.close()


def test_public_tables_and_columns(mini_db):
    conn = sqlite3.connect(mini_db)
    columns = {
        table: {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert {
        "id",
        "text",
        "quote",
        "document_id",
        "outlet_id",
        "speaker_id",
        "speaker_label",
        "status",
    } <= columns["claims"]
    assert {"id", "title", "outlet_id"} <= columns["documents"]
    assert {"id", "name", "kind"} <= columns["entities"]
    assert {"entity_id", "alias"} <= columns["aliases"]
    assert {"claim_id", "other_claim_id", "kind", "note"} <= columns["relations"]
    for table in ("outlets", "places", "claim_subjects", "claim_places"):
        assert table in columns


def test_foreign_keys_declared_and_enforced(mini_db):
    conn = sqlite3.connect(mini_db)
    conn.execute("PRAGMA foreign_keys = ON")
    targets = {(row[3], row[2]) for row in conn.execute("PRAGMA foreign_key_list(claims)")}
    assert {
        ("speaker_id", "entities"),
        ("document_id", "documents"),
        ("outlet_id", "outlets"),
        ("status", "statuses"),
    } <= targets
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE claims SET speaker_id = 'nobody' WHERE id = 'daily-200-homes'")


def test_every_facet_column_is_indexed(mini_db):
    conn = sqlite3.connect(mini_db)
    for table, columns in FACET_INDEXES.items():
        indexed = set()
        for (index,) in conn.execute("SELECT name FROM pragma_index_list(?)", (table,)).fetchall():
            first = conn.execute(
                "SELECT name FROM pragma_index_info(?) WHERE seqno = 0", (index,)
            ).fetchone()
            indexed.add(first[0])
        assert set(columns) <= indexed, (table, set(columns) - indexed)


def test_rebuilding_gives_the_same_database(mini_seeds, tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build(mini_seeds, first)
    build(mini_seeds, second)
    build(mini_seeds, second)  # over an existing file: no duplicates
    assert dump(first) == dump(second)
    conn = sqlite3.connect(second)
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 5


def test_claim_rows_carry_derived_fields(mini_db):
    conn = sqlite3.connect(mini_db)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM claims WHERE id = 'daily-engineer-no-warning'").fetchone()
    assert row["anonymous"] == 1
    assert row["outlet_id"] == "daily-example"
    assert row["said_on"] == "2024-01-10"  # the document's date
    text = conn.execute(
        "SELECT text FROM documents WHERE id = ?", (row["document_id"],)
    ).fetchone()[0]
    assert text[row["anchor_start"] : row["anchor_end"]] == row["quote"]
    assert text[: row["anchor_start"]].endswith(row["anchor_prefix"])
    relayed = conn.execute("SELECT via FROM claims WHERE id = 'weekly-120-homes'").fetchone()[0]
    assert relayed == "The Weekly Example reported"
    weekly = conn.execute(
        "SELECT said_on, said_on_earliest, said_on_latest FROM claims WHERE id = 'weekly-120-homes'"
    ).fetchone()
    assert tuple(weekly) == ("2024-01~", "2024-01-01", "2024-01-31")


def test_full_text_search_is_stemmed_and_finds_aliases(mini_db):
    # "flood" matches "flooding" (quote) and "flooded" (text) through the porter stemmer.
    assert {r["id"] for r in search_claims(mini_db, "flood")} == {
        "daily-200-homes",
        "weekly-120-homes",
    }
    # "Nowak" is only an alias of Jana Novak; "Rivertown" only an alias of Riverton.
    assert {r["id"] for r in search_claims(mini_db, "Nowak")} == {
        "daily-novak-reservoir",
        "daily-engineer-no-warning",
        "weekly-novak-warnings-sent",
    }
    assert "daily-200-homes" in {r["id"] for r in search_claims(mini_db, "Rivertown")}


def test_claim_details_view_reads_like_a_sentence(mini_db):
    conn = sqlite3.connect(mini_db)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM claim_details WHERE claim_id = 'daily-200-homes'").fetchone()
    assert row["speaker"] == "Riverton town council"
    assert row["outlet"] == "The Daily Example"
    assert row["document"] == "River town flooded after dam release"
    assert row["places"] == "Riverton"
    assert conn.execute("SELECT count(*) FROM claim_details").fetchone()[0] == 5
