"""Ranked search on a snapshot: the stored answers for common words are FTS5's own, and every
other query is still ranked by FTS5."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
import yaml

from ledger import ranked_search
from ledger.bulk import build_from_records
from ledger.scale import synth

from .conftest import METADATA

LIVE_SQL = yaml.safe_load(METADATA.read_text())["databases"]["ledger"]["queries"]["search_claims"][
    "sql"
]
SNAPSHOT_SQL = ranked_search.snapshot_sql(LIVE_SQL)
QUERIES = [
    "regime",  # common: stored
    "Regime",  # another case of it
    "regimes",  # another form, the same stem
    "cells",
    "Claim",
    "4321",  # rare: ranked by FTS5
    "cells attacks",  # two common words
    "regime OR cells",
    '"security branch"',
    "raid*",
    "text:regime",
    "nosuchwordanywhere",
    "OR",
    "",
]


@pytest.fixture(scope="module")
def ranked_db(tmp_path_factory):
    work = tmp_path_factory.mktemp("ranked")
    synth.write(work / "synth.tsv", 1500, seed=5)
    build_from_records(work / "synth.tsv", work / "live.db")
    shutil.copy(work / "live.db", work / "ranked.db")
    conn = sqlite3.connect(work / "ranked.db", isolation_level=None)
    conn.execute("BEGIN")
    stored = ranked_search.build(
        conn, LIVE_SQL, min_docs=50
    )  # small ledger: store its common words
    conn.execute("COMMIT")
    conn.close()
    assert stored > 20
    return work / "live.db", work / "ranked.db"


def snapshot(path) -> sqlite3.Connection:
    """The snapshot as its server reads it: with the function ranking common words."""
    conn = sqlite3.connect(path)
    ranked_search.register(conn, str(path))
    return conn


@pytest.mark.parametrize("query", QUERIES)
def test_the_snapshot_query_answers_as_fts5_ranks(ranked_db, query):
    live, ranked = sqlite3.connect(ranked_db[0]), snapshot(ranked_db[1])
    expected = live.execute(LIVE_SQL, {"q": query}).fetchall()
    assert ranked.execute(SNAPSHOT_SQL, {"q": query}).fetchall() == expected


def test_queries_of_common_words_rank_as_fts5_from_the_stored_frequencies(ranked_db):
    """Every pair of a dozen stored words, and some triples: the same rows, the same order, as
    FTS5 ranks them, computed from the stored frequencies (FTS5 never runs)."""
    live, ranked = sqlite3.connect(ranked_db[0]), snapshot(ranked_db[1])
    words = [w for (w,) in ranked.execute(f"SELECT word FROM {ranked_search.TERMS_TABLE}")][:12]
    queries = [f"{a} {b}" for i, a in enumerate(words) for b in words[i + 1 :]]
    queries += [" ".join(words[i : i + 3]) for i in range(0, 9)] + [f"{words[0]} {words[0]}"]
    answered_by_numpy = 0
    for query in queries:
        answered = ranked.execute("SELECT ledger_ranked(?)", (query,)).fetchone()[0]
        expected = live.execute(LIVE_SQL, {"q": query}).fetchall()
        assert ranked.execute(SNAPSHOT_SQL, {"q": query}).fetchall() == expected, query
        ranks = live.execute(
            "SELECT rowid, rank FROM claims_fts WHERE claims_fts MATCH ? ORDER BY rank, rowid",
            ('"' + query.replace(" ", '" "') + '"',),
        ).fetchall()
        found = [tuple(pair) for pair in json.loads(answered)] if answered else []
        assert found == ranks[: ranked_search.RANKED_ROWS], query  # None: no claim has them all
        answered_by_numpy += bool(found)
    assert answered_by_numpy > 60
    assert ranked.execute("SELECT ledger_ranked('regime 4321')").fetchone()[0] is None
    assert ranked.execute("SELECT ledger_ranked('regime')").fetchone()[0] is None


def test_common_words_are_answered_from_the_stored_ranking(ranked_db):
    conn = snapshot(ranked_db[1])
    stored = dict(conn.execute(f"SELECT word, rowid FROM {ranked_search.TERMS_TABLE}"))
    assert "regime" in stored and "4321" not in stored
    # Emptied, the stored ranking is what the query returns: it was read, not recomputed.
    conn.execute(f"DELETE FROM {ranked_search.TOP_TABLE} WHERE term_id = ?", (stored["regime"],))
    conn.execute(
        f"INSERT INTO {ranked_search.TOP_TABLE} VALUES (?, 0, (SELECT min(rowid) FROM claims))",
        (stored["regime"],),
    )
    rows = conn.execute(SNAPSHOT_SQL, {"q": "regime"}).fetchall()
    first = conn.execute("SELECT id FROM claims ORDER BY rowid LIMIT 1").fetchone()[0]
    assert [row[0] for row in rows] == [first]
    conn.close()
