"""The public boundary: internal fields and withheld claims never reach the public, by any of
the four ways out — pages, JSON, SQL, snapshots."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ledger import audit
from ledger.boundary import internal_path
from ledger.build import build
from ledger.cli import app
from ledger.errors import SeedErrors
from ledger.publish import publish

from .conftest import METADATA, Server

SECRET_IDENTITY = "Secret-Identity-Mariam-Qassem"
SECRET_NOTE = "Working-note-call-the-council-back"
EMBARGOED = "embargoed-flood-payout"
EMBARGOED_QUOTE = "Compensation will be paid to every household"
INTERNAL = "internal-dam-inspection"
INTERNAL_QUOTE = "The dam was last inspected in 2019"
EMBARGOED_TEXT = "Payout-restatement: every household will be compensated."
INTERNAL_TEXT = "Inspection-restatement: the dam was last inspected in 2019."
# The quotes themselves are in the published article, which is public; what is withheld is
# the ledger's claim: its id, its restatement, its status, its relations.
SECRETS = [SECRET_IDENTITY, SECRET_NOTE, EMBARGOED, EMBARGOED_TEXT, INTERNAL, INTERNAL_TEXT]
runner = CliRunner()


def add_internal_data(seeds, embargo="2999-01-01"):
    entities = seeds / "entities.yml"
    entities.write_text(
        entities.read_text().replace(
            "  anonymity_reason: She was not authorised to speak.\n",
            "  anonymity_reason: She was not authorised to speak.\n"
            f"  real_identity: {SECRET_IDENTITY}\n",
        )
    )
    text = seeds / "documents" / "daily-2024-01-10.txt"
    extra = f"\n{EMBARGOED_QUOTE}, the mayor said.\n\n{INTERNAL_QUOTE}, an engineer said.\n"
    data = text.read_bytes() + extra.encode()
    text.write_bytes(data)
    import hashlib

    doc = seeds / "documents" / "daily-2024-01-10.yml"
    doc.write_text(
        doc.read_text()
        .replace(
            "sha256: bc51820b8aadc77257025798ccf18ff4637811a6a256d6939ae351a569098004",
            f"sha256: {hashlib.sha256(data).hexdigest()}",
        )
        .replace(
            "    places: [riverton]\n\n  - id: daily-novak-reservoir",
            f"    places: [riverton]\n    internal_note: {SECRET_NOTE}\n\n"
            "  - id: daily-novak-reservoir",
        )
        + f"""
  - id: {EMBARGOED}
    quote: {EMBARGOED_QUOTE}
    text: "{EMBARGOED_TEXT}"
    speaker: riverton-council
    speaker_label: the mayor
    kind: prediction
    embargo_until: {embargo}

  - id: {INTERNAL}
    quote: {INTERNAL_QUOTE}
    text: "{INTERNAL_TEXT}"
    speaker: council-engineer
    speaker_label: an engineer
    kind: event
    visibility: internal
"""
    )
    relations = seeds / "relations.yml"
    relations.write_text(
        relations.read_text()
        + f"""
- claim: {INTERNAL}
  kind: refines
  other: daily-novak-reservoir
  note: Inspection history behind the release.
  by: curator
"""
    )


@pytest.fixture
def guarded(mini_seeds, tmp_path):
    add_internal_data(mini_seeds)
    db = tmp_path / "ledger.db"
    report = build(mini_seeds, db)
    assert report["counts"]["claims withheld (internal or embargoed)"] == 2
    return db


def assert_clean(blob: str | bytes, where: str):
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked through {where}"


def test_the_sidecar_keeps_what_the_public_ledger_leaves_out(guarded):
    data = internal_path(guarded).read_bytes()
    for secret in SECRETS:
        assert secret.encode() in data
    assert_clean(guarded.read_bytes(), "the public database file")
    result = runner.invoke(app, ["internal", "council-engineer", "--db", str(guarded)])
    assert json.loads(result.stdout)["internal_fields"] == {"entity.real_identity": SECRET_IDENTITY}
    result = runner.invoke(app, ["internal", EMBARGOED, "--db", str(guarded)])
    assert json.loads(result.stdout)["withheld"]["reason"] == "under embargo until 2999-01-01"


@pytest.mark.slow
def test_pages_json_and_sql_of_the_public_site(guarded):
    server = Server(guarded)
    try:
        with server.client() as client:
            pages = [
                "/",
                "/ledger",
                "/ledger/claims",
                "/ledger/entities",
                "/ledger/entities/council-engineer",
                "/ledger/claims/daily-200-homes",
                "/ledger/claims/daily-novak-reservoir",
                "/ledger/relations",
                "/ledger/documents/daily-2024-01-10",
                "/-/questions",
                "/-/timeline",
                "/ledger/journal",
                "/ledger/claims?_search=compensation",
            ]
            for page in pages:
                response = client.get(page)
                assert response.status_code == 200, page
                assert_clean(response.text, page)
            for hidden in (EMBARGOED, INTERNAL):
                assert client.get(f"/ledger/claims/{hidden}").status_code == 404
            tables = client.get("/ledger.json").json()["tables"]
            for table in tables:
                response = client.get(
                    f"/ledger/{table['name']}.json", params={"_size": "max", "_shape": "array"}
                )
                assert_clean(response.text, f"{table['name']}.json")
            # The SQL interface reads one file, and that file holds no secret.
            for table in tables:
                response = client.get(
                    "/ledger.json",
                    params={"sql": f"select * from [{table['name']}]", "_shape": "array"},
                )
                assert_clean(response.text, f"SQL over {table['name']}")
            attached = client.get(
                "/ledger.json",
                params={"sql": "select file from pragma_database_list", "_shape": "array"},
            ).json()
            assert [row["file"].endswith("ledger.db") for row in attached] == [True]
    finally:
        server.stop()


def test_snapshots_hold_no_secret(guarded, tmp_path):
    publish(guarded, tmp_path / "snapshot", METADATA)
    for path in (tmp_path / "snapshot").iterdir():
        assert_clean(path.read_bytes(), f"snapshot file {path.name}")


def test_an_embargo_ends_on_its_day(mini_seeds, tmp_path):
    add_internal_data(mini_seeds, embargo="2000-01-01")
    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    import sqlite3

    ids = {r[0] for r in sqlite3.connect(db).execute("SELECT id FROM claims")}
    assert EMBARGOED in ids and INTERNAL not in ids


def test_public_claims_cannot_cite_withheld_ones(mini_seeds, tmp_path):
    add_internal_data(mini_seeds)
    doc = mini_seeds / "documents" / "weekly-2024-01-17.yml"
    doc.write_text(
        doc.read_text().replace("evidence: [daily-engineer-no-warning]", f"evidence: [{INTERNAL}]")
    )
    with pytest.raises(SeedErrors) as refused:
        build(mini_seeds, tmp_path / "ledger.db")
    assert "is withheld" in str(refused.value.problems[0])
    assert not (tmp_path / "ledger.db").exists()
    # `ledger check` says so too, naming the line: check-valid means build-valid.
    result = CliRunner().invoke(app, ["check", "--seeds", str(mini_seeds)])
    assert result.exit_code == 2
    assert "weekly-2024-01-17.yml:" in result.output
    assert f"verification.evidence.0: {INTERNAL} is withheld (marked internal)" in result.output


# -- a claim withheld after a journal entry cited it ---------------------------------------

CITED = "weekly-120-homes"
URL = "https://example.org/register"


def withhold(seeds, how: str) -> None:
    doc = seeds / "documents" / "weekly-2024-01-17.yml"
    line = f"  - id: {CITED}\n"
    doc.write_text(doc.read_text().replace(line, f"{line}    {how}\n"))


def dispute_citing_it(db):
    from ledger import actions

    return actions.verify(db, "daily-200-homes", "disputed", "checker", "120", [CITED, URL])


def every_text_in(db) -> list[str]:
    """Every value of every column of every table, FTS index tables included, as text."""
    import sqlite3

    conn = sqlite3.connect(db)
    tables = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    values = []
    for table in tables:
        for row in conn.execute(f"SELECT * FROM [{table}]"):
            values.extend(
                v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row
            )
    conn.close()
    assert any(table.endswith("_fts_data") for table in tables)
    return values


@pytest.mark.parametrize("how", ["visibility: internal", "embargo_until: 2999-01-01"])
def test_evidence_withheld_after_it_was_cited_stays_out_of_the_public_ledger(
    mini_seeds, tmp_path, how
):
    import sqlite3

    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    dispute_citing_it(db)
    withhold(mini_seeds, how)
    build(mini_seeds, db)
    assert [v for v in every_text_in(db) if CITED in v] == []
    assert CITED.encode() not in db.read_bytes()
    publish(db, tmp_path / "snapshot", METADATA)
    for path in (tmp_path / "snapshot").iterdir():
        assert CITED.encode() not in path.read_bytes(), path.name
    conn = sqlite3.connect(db)
    evidence = conn.execute("SELECT evidence FROM journal WHERE seq = 2").fetchone()[0]
    assert json.loads(evidence) == ["(withheld claim)", URL]
    assert audit.verify(conn).ok
    conn.close()
    assert CITED.encode() in internal_path(db).read_bytes()


def test_withheld_evidence_comes_back_when_the_claim_is_public_again(mini_seeds, tmp_path):
    import sqlite3

    from ledger.build import export_journal

    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    entry = dispute_citing_it(db)
    withhold(mini_seeds, "visibility: internal")
    build(mini_seeds, db)
    build(mini_seeds, db)  # a second build carries the redacted journal over, and restores it
    export_journal(db, tmp_path / "journal.jsonl")
    assert json.loads((tmp_path / "journal.jsonl").read_text())["evidence"] == [CITED, URL]
    doc = mini_seeds / "documents" / "weekly-2024-01-17.yml"
    doc.write_text(doc.read_text().replace("    visibility: internal\n", ""))
    build(mini_seeds, db)
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT evidence, hash FROM journal WHERE seq = 2").fetchone()
    assert row == (f'["{CITED}","{URL}"]', entry.hash)  # replayed as written: its first hash
    assert audit.verify(conn).ok
    conn.close()


def test_the_sidecar_is_readable_by_its_owner_only(mini_seeds, tmp_path):
    import os
    import stat

    db = tmp_path / "ledger.db"
    previous = os.umask(0o022)
    try:
        build(mini_seeds, db)
        assert stat.S_IMODE(internal_path(db).stat().st_mode) == 0o600
        internal_path(db).chmod(0o644)  # as left by an older build
        build(mini_seeds, db)  # replaced atomically: the new file is private from the start
        assert stat.S_IMODE(internal_path(db).stat().st_mode) == 0o600
    finally:
        os.umask(previous)
