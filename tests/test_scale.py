"""Synthetic ledgers, the streaming bulk build, the public snapshot and the bench command."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import statistics
from collections import Counter

import pytest
from typer.testing import CliRunner

from ledger import audit
from ledger.bulk import build_from_records, insert_rows
from ledger.cli import app
from ledger.errors import SeedErrors
from ledger.publish import publish
from ledger.scale import server, synth

from .conftest import METADATA, ROOT, Server, configured_facets

runner = CliRunner()


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "synth.tsv"
    synth.write(path, 3000, seed=7)
    return path


@pytest.fixture(scope="module")
def bulk_db(records, tmp_path_factory):
    db = tmp_path_factory.mktemp("bulk") / "ledger.db"
    build_from_records(records, db)
    return db


def test_synth_is_deterministic_for_a_seed(tmp_path):
    a, b, c = tmp_path / "a.tsv", tmp_path / "b.tsv", tmp_path / "c.tsv"
    synth.write(a, 500, seed=3)
    synth.write(b, 500, seed=3)
    synth.write(c, 500, seed=4)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_synth_follows_the_seed_ledgers_shape(records):
    kinds = Counter()
    anonymous_ids = set()
    speakers = Counter()
    for line in records.read_text().splitlines():
        kind, body = line.split("\t", 1)
        kinds[kind] += 1
        record = json.loads(body)
        if kind == "entity" and record["kind"] == "anonymous":
            anonymous_ids.add(record["id"])
        if kind == "claim":
            speakers[record["speaker"]] += 1
    assert kinds["claim"] == 3000
    anonymous_claims = sum(n for speaker, n in speakers.items() if speaker in anonymous_ids)
    assert 0.07 < anonymous_claims / 3000 < 0.13
    assert 0.12 < kinds["relation"] / kinds["claim"] < 0.16
    verified = kinds["journal"]  # notes; seed statuses come from verified claims
    assert 0.8 < verified / kinds["claim"] < 1.2
    top, *_ = speakers.most_common(1)
    assert top[1] > 20 * (3000 / len(speakers))  # a long tail: a few speak very often


def test_bulk_build_validates_and_audits(bulk_db):
    conn = sqlite3.connect(bulk_db)
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 3000
    report = audit.verify(conn)
    assert report.ok, report.problems[:3]
    assert 1.3 < report.entries / 3000 < 1.7
    start, end, quote, text = conn.execute(
        "SELECT anchor_start, anchor_end, quote, documents.text FROM claims JOIN documents "
        "ON documents.id = claims.document_id LIMIT 1"
    ).fetchone()
    assert text[start:end] == quote


def test_bulk_build_reports_bad_records_by_line_and_keeps_the_old_file(records, bulk_db, tmp_path):
    lines = records.read_text().splitlines()
    claim_line = next(i for i, line in enumerate(lines) if line.startswith("claim\t"))
    record = json.loads(lines[claim_line].split("\t", 1)[1])
    record["status"] = "probably"
    lines[claim_line] = "claim\t" + json.dumps(record)
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join(lines) + "\n")
    target = tmp_path / "ledger.db"
    target.write_bytes(bulk_db.read_bytes())
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    with pytest.raises(SeedErrors) as caught:
        build_from_records(bad, target)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(f"{bad}:{claim_line + 1}: claim: status:") for m in messages), messages[
        :3
    ]
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_floor_inserts_the_same_rows(records, tmp_path):
    rows, built, floor = tmp_path / "rows", tmp_path / "a.db", tmp_path / "b.db"
    build_from_records(records, built, rows_out=rows)
    insert_rows(rows, floor)
    a, b = sqlite3.connect(built), sqlite3.connect(floor)
    for table in ("claims", "journal", "relations", "claim_subjects", "entities"):
        assert (
            a.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            == b.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        ), table


@pytest.fixture(scope="module")
def snapshot(bulk_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("snapshot")
    publish(bulk_db, out, METADATA)
    return out


def live_facets(db, where: str = "", params=()) -> dict:
    conn = sqlite3.connect(db)
    result = {}
    for column in ("status", "outlet_id", "kind", "anonymous", "speaker_id", "place_id"):
        rows = conn.execute(
            f"SELECT {column}, count(*) FROM claims {where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 30",
            params,
        ).fetchall()
        result[column] = [list(r) for r in rows if r[0] is not None]
    return result


def served_facets(payload) -> dict:
    return {
        name: [[item["value"], item["count"]] for item in facet["results"]]
        for name, facet in payload["facet_results"].items()
        if name != "said_on_earliest"
    }


@pytest.mark.slow
def test_snapshot_served_immutable_answers_facets_and_search(snapshot, bulk_db):
    with (
        Server(
            snapshot / "ledger.db",
            metadata=snapshot / "metadata.yml",
            extra_args=(
                "--inspect-file",
                str(snapshot / "inspect-data.json"),
                "--setting",
                "suggest_facets",
                "off",
            ),
            immutable=True,
        ) as server,
        server.client() as client,
    ):
        assert client.get("/-/databases.json").json()[0]["is_mutable"] is False
        page = client.get("/ledger/claims.json").json()
        assert set(page["facet_results"]) == configured_facets()
        assert served_facets(page) == live_facets(bulk_db)
        filtered = client.get("/ledger/claims.json?status=false").json()
        assert served_facets(filtered) == live_facets(bulk_db, "WHERE status = ?", ("false",))
        # A request the stored counts do not cover is counted live, and still right.
        searched = client.get("/ledger/claims.json?_search=regime&status=false").json()
        assert searched["facet_results"]["status"]["results"][0]["value"] == "false"
        found = client.get("/ledger/search_claims.json?q=regime&_shape=objects").json()
        assert len(found["rows"]) == 50
        assert client.get("/ledger/claims").status_code == 200


@pytest.mark.slow
def test_snapshot_as_a_configuration_directory(snapshot):
    with server.DatasetteServer(snapshot, cwd=ROOT) as served, served.client() as client:
        response = client.get("/ledger/claims.json?_size=1")
        assert response.status_code == 200
        assert response.json()["filtered_table_rows_count"] == 3000
        databases = client.get("/-/databases.json").json()
        assert [d["is_mutable"] for d in databases if d["name"] == "ledger"] == [False]


@pytest.mark.slow
def test_bench_command_runs_end_to_end(tmp_path):
    out = tmp_path / "bench.json"
    result = runner.invoke(
        app,
        [
            "bench",
            "--claims",
            "1500",
            "--runs",
            "2",
            "--workdir",
            str(tmp_path / "work"),
            "--out",
            str(out),
            "--metadata",
            str(METADATA),
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["audit"]["ok"]
    matrix = figures["snapshot"]["matrix"]
    assert set(matrix) == {
        "unfiltered",
        "one_filter",
        "two_filters",
        "three_filters",
        "busiest_speaker",
        "date_range",
        "search_rare",
        "search_common",
        "search_two_common",
        "search_and_filter",
    }
    assert all(page["all_facets_present"] for page in matrix.values()), matrix
    build = figures["build"]
    assert build["ratio_to_floor"] == statistics.median(build["ratios_of_each_run"]) > 0


@pytest.mark.parametrize("field", ["speaker", "places"])
def test_bulk_build_names_a_claim_that_mentions_an_unknown_entity_or_place(
    records, bulk_db, tmp_path, field
):
    lines = records.read_text().splitlines()
    claim_line = max(i for i, line in enumerate(lines) if line.startswith("claim\t"))
    record = json.loads(lines[claim_line].split("\t", 1)[1])
    record[field] = "nobody-knows" if field == "speaker" else ["nowhere-known"]
    lines[claim_line] = "claim\t" + json.dumps(record)
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join(lines) + "\n")
    target = tmp_path / "ledger.db"
    target.write_bytes(bulk_db.read_bytes())
    with pytest.raises(SeedErrors) as caught:
        build_from_records(bad, target)
    messages = [str(p) for p in caught.value.problems]
    unknown = "nobody-knows" if field == "speaker" else "nowhere-known"
    # The first problem names the claim's line; what refers to the claim fails in turn.
    assert messages[0] == (
        f"{bad}:{claim_line + 1}: claim {record['id']}: unknown entity or place '{unknown}'"
    )
    assert target.read_bytes() == bulk_db.read_bytes()
