"""One quote given to several speakers at once is one claim with several speakers."""

from __future__ import annotations

import sqlite3

import httpx
from typer.testing import CliRunner

from ledger.build import build
from ledger.bulk import build_from_records, write_records
from ledger.cli import app
from ledger.queries import claim_view, entity_view, search_claims
from ledger.seeds import load_seeds

from .conftest import Server
from .test_rules import claim, tiny_ledger

runner = CliRunner()

SHARED = claim(
    "both-accuse",
    "Both sources accused the governor of hiding the convoy.",
    "ana",
    also_said_by=["ben"],
    speaker_label="Both sources",
    kind="accusation",
)


def test_a_shared_quote_is_one_claim_with_every_speaker_in_both_build_roads(tmp_path):
    seeds = tiny_ledger(tmp_path, [SHARED])
    yaml_db, stream_db = tmp_path / "yaml.db", tmp_path / "stream.db"
    build(seeds, yaml_db)
    write_records(load_seeds(seeds), tmp_path / "ledger.tsv")
    build_from_records(tmp_path / "ledger.tsv", stream_db)
    for db in (yaml_db, stream_db):
        conn = sqlite3.connect(db)
        assert conn.execute(
            "SELECT position, entity_id FROM claim_speakers WHERE claim_id = 'both-accuse' "
            "ORDER BY position"
        ).fetchall() == [(0, "ana"), (1, "ben")]
        assert conn.execute("SELECT count(*) FROM claims").fetchone() == (1,)
        conn.close()
        # It counts as said by each of them, is found by either name, and shows both.
        assert [c["id"] for s in entity_view(db, "ben")["said"] for c in s["claims"]] == [
            "both-accuse"
        ]
        assert [r["id"] for r in search_claims(db, "Ben Example")] == ["both-accuse"]
        assert [e["id"] for e in claim_view(db, "both-accuse")["also_said_by"]] == ["ben"]


def test_show_names_every_speaker(tmp_path):
    build(tiny_ledger(tmp_path, [SHARED]), tmp_path / "ledger.db")
    result = runner.invoke(app, ["show", "both-accuse", "--db", str(tmp_path / "ledger.db")])
    assert result.exit_code == 0, result.output
    assert "said by: Ana Example (Person) and Ben Example" in result.output


def test_a_speaker_listed_twice_or_unknown_is_one_located_error(tmp_path):
    twice = tiny_ledger(tmp_path / "a", [dict(SHARED, also_said_by=["ana"])])
    result = runner.invoke(app, ["check", "--seeds", str(twice)])
    assert result.exit_code == 2
    assert "one.yml:" in result.output and "also_said_by names each other speaker once" in (
        result.output
    )
    unknown = tiny_ledger(tmp_path / "b", [dict(SHARED, also_said_by=["nobody"])])
    result = runner.invoke(app, ["check", "--seeds", str(unknown)])
    assert result.exit_code == 2
    assert "also_said_by.0: unknown entity id 'nobody'" in result.output


def test_a_former_id_redirects_to_the_claim_and_may_not_be_reused(tmp_path):
    merged = dict(SHARED, former_ids=["ben-accuses"])
    build(tiny_ledger(tmp_path / "a", [merged]), tmp_path / "ledger.db")
    with Server(tmp_path / "ledger.db") as server:
        page = httpx.get(f"{server.url}/ledger/claims/ben-accuses", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (301, "/ledger/claims/both-accuse")
        data = httpx.get(f"{server.url}/ledger/claims/ben-accuses.json", follow_redirects=True)
        assert (data.status_code, data.url.path) == (200, "/ledger/claims/both-accuse.json")
        assert httpx.get(f"{server.url}/ledger/claims/nobody-said").status_code == 404
    assert claim_view(tmp_path / "ledger.db", "ben-accuses")["id"] == "both-accuse"
    reused = tiny_ledger(
        tmp_path / "b", [dict(SHARED, former_ids=["other"]), claim("other", "Another thing.")]
    )
    result = runner.invoke(app, ["check", "--seeds", str(reused)])
    assert result.exit_code == 2
    assert "former_ids.0: 'other' is a claim's id" in result.output
