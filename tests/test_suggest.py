"""`ledger suggest`: candidate relations with reasons, stored only as suggestions."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from ledger import actions, audit
from ledger.actions import Refused
from ledger.cli import app
from ledger.extract.suggest import evaluate, extract_numbers, split_of, suggest

runner = CliRunner()


def connect(db):
    return sqlite3.connect(db)


def test_numbers_exclude_years_and_read_words():
    assert extract_numbers("more than 200 homes in 2024, and forty of them") == {200, 40}
    assert extract_numbers("13,000 to 15,000 fighters") == {13000, 15000}


def test_finds_the_contradicting_figures_once_the_curated_link_is_withdrawn(mini_db):
    actions.unrelate(
        mini_db,
        "weekly-120-homes",
        "contradicts",
        "daily-200-homes",
        "checker",
        "testing the suggester",
    )
    found = suggest(connect(mini_db))
    pairs = {(s.claim, s.kind, s.other): s for s in found}
    match = pairs.get(("daily-200-homes", "contradicts", "weekly-120-homes"))
    assert match is not None, found
    assert "different numbers ([200] against [120])" in match.reason


def test_pairs_already_related_are_not_suggested(mini_db):
    found = suggest(connect(mini_db))
    assert ("daily-200-homes", "weekly-120-homes") not in {
        tuple(sorted((s.claim, s.other))) for s in found
    }


def test_stored_suggestions_wait_for_a_fact_checker(mini_db):
    actions.unrelate(
        mini_db,
        "weekly-120-homes",
        "contradicts",
        "daily-200-homes",
        "checker",
        "testing the suggester",
    )
    result = runner.invoke(app, ["suggest", "--store", "--db", str(mini_db), "--json"])
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert stored
    conn = connect(mini_db)
    origins = {
        r[0] for r in conn.execute("SELECT origin FROM relations WHERE added_by = 'ledger-suggest'")
    }
    assert origins == {"suggested"}
    # The tool cannot change a status.
    with pytest.raises(Refused, match="has the role tool"):
        actions.verify(mini_db, "daily-200-homes", "disputed", "ledger-suggest", "x")
    # A fact-checker confirms one suggestion and rejects another.
    first, *rest = stored
    actions.relate(
        mini_db,
        first["claim"],
        first["kind"],
        first["other"],
        "checker",
        "Checked: the counts differ",
    )
    row = conn.execute(
        "SELECT origin, added_by FROM relations WHERE claim_id = ? AND other_claim_id = ?",
        (first["claim"], first["other"]),
    ).fetchone()
    assert row == ("curated", "checker")
    for other in rest:
        actions.unrelate(
            mini_db, other["claim"], other["kind"], other["other"], "checker", "Not related"
        )
    assert (
        conn.execute("SELECT count(*) FROM relations WHERE origin = 'suggested'").fetchone()[0] == 0
    )
    assert audit.verify(conn).ok


def test_split_is_stable_and_order_free():
    assert split_of("a", "b") == split_of("b", "a")
    splits = {split_of(f"c{i}", f"d{i}") for i in range(200)}
    assert splits == {"tuning", "held-out"}


def test_evaluation_counts_curated_relations_found(mini_db):
    result = evaluate(connect(mini_db))
    # Both contradictions (200 against 120 homes; warnings sent against none given) are found.
    assert {k: result["all"][k] for k in ("curated", "found", "recall")} == {
        "curated": 2,
        "found": 2,
        "recall": 1.0,
    }
    assert result["all"]["precision"] == round(2 / result["all"]["suggested"], 3)
    for key in ("curated", "suggested", "found"):
        assert result["tuning"][key] + result["held-out"][key] == result["all"][key], key


EVALUATION_COLUMNS = [
    ("split", None),
    ("curated", "curated"),
    ("suggested", "suggested"),
    ("found", "found"),
    ("precision", "precision"),
    ("precision@20", "precision_at_20"),
    ("recall", "recall"),
    ("recall@10", "recall_at_10"),
    ("MRR", "mrr"),
    ("kind accuracy", "kind_accuracy"),
]


def test_cli_evaluate_prints_both_splits(mini_db):
    expected = evaluate(connect(mini_db))
    wide = CliRunner(env={"COLUMNS": "200"})
    result = wide.invoke(app, ["suggest", "--evaluate", "--db", str(mini_db)])
    assert result.exception is None and result.exit_code == 0, result.output
    title, *table = result.stdout.splitlines()
    assert title.strip() == "suggested relations against curated ones"
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table if "│" in line]
    assert rows == [
        [split] + [str(expected[split][key]) for _, key in EVALUATION_COLUMNS[1:]]
        for split in ("tuning", "held-out", "all")
    ]
    header = [cell.strip() for cell in table[1].split("┃")[1:-1]]
    assert header == [name for name, _ in EVALUATION_COLUMNS]


def test_cli_evaluate_json_is_the_evaluation(mini_db):
    result = runner.invoke(app, ["suggest", "--evaluate", "--db", str(mini_db), "--json"])
    assert result.exception is None and result.exit_code == 0, result.output
    assert json.loads(result.stdout) == evaluate(connect(mini_db))


# -- meaning: paraphrase and other languages -------------------------------------------------


def test_a_paraphrase_in_another_language_is_closer_than_an_unrelated_claim():
    from ledger.extract.embed import embed

    english, german, unrelated = embed(
        [
            "The regime released forty of the sixty commanders handed over in the town.",
            "Das Regime hat vierzig der sechzig übergebenen Kommandeure freigelassen.",
            "Bread prices doubled in the market after the bakery closed.",
        ]
    )
    assert english @ german > english @ unrelated + 0.05


def test_claims_that_say_the_same_in_other_words_are_paired_without_shared_subjects():
    from ledger.extract.embed import embed
    from ledger.extract.suggest import ClaimFacts, rank

    def facts(claim_id, speaker, text):
        return ClaimFacts(
            claim_id,
            f"doc-{speaker}",
            f"outlet-{speaker}",
            speaker,
            "event",
            text,
            text,
            None,
            None,
        )

    claims = {
        "a": facts("a", "monitor", "Gunmen killed four farmers near the dam on Friday."),
        "b": facts("b", "activist", "Four men working their fields by the dam were shot dead."),
        "c": facts("c", "ministry", "The ministry opened a new school in the capital."),
        "d": facts("d", "council", "Rain flooded the lower streets of the old market."),
    }
    vectors = embed([claims[k].text for k in sorted(claims)])
    best = rank(claims, vectors)[0]
    assert {best.claim, best.other} == {"a", "b"}
    assert best.kind == "corroborates" and "close in meaning" in best.reason


def test_vectors_are_cached_beside_the_database(mini_db):
    from ledger.extract.embed import VectorCache

    conn = connect(mini_db)
    suggest(conn)
    cache = mini_db.with_name(mini_db.name + "-vectors.npz")
    assert cache.exists()
    stored = VectorCache(cache)
    texts = [row[0] for row in conn.execute("SELECT text FROM claims ORDER BY id")]
    assert all(VectorCache.key(t) in stored.vectors for t in texts)


def test_evaluation_ranks_the_other_claim_of_each_curated_relation(mini_db):
    result = evaluate(connect(mini_db))["all"]
    assert {"recall_at_10", "mrr", "kind_accuracy", "precision_at_20"} <= set(result)
    # Two relations in a small ledger: each one's other claim is ranked first, of the right kind.
    assert result["recall_at_10"] == 1.0
    assert result["mrr"] == 1.0
    assert result["kind_accuracy"] == 1.0
