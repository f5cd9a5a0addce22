"""`ledger publish`, `synth`, `schemas` and `serve` through the CLI: the files each writes, the
server it starts, and one error line for a bad argument."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from ledger.cli import app
from ledger.scale.server import ServerProcess

from .conftest import ROOT

runner = CliRunner()
LEDGER = Path(sys.executable).with_name("ledger")  # the installed command, as a user runs it
MINI_CLAIMS = [
    "daily-200-homes",
    "daily-engineer-no-warning",
    "daily-novak-reservoir",
    "weekly-120-homes",
    "weekly-novak-warnings-sent",
]


def succeeded(result) -> None:
    # CliRunner never prints a traceback: an unexpected exception is kept in `result.exception`.
    assert result.exception is None, result.exception
    assert result.exit_code == 0, result.output


def one_error_line(result, message: str) -> None:
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def claim_ids(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM claims ORDER BY id")]
    finally:
        conn.close()


def test_publish_writes_a_snapshot_of_the_ledger(mini_db, tmp_path):
    out = tmp_path / "snapshot"
    result = runner.invoke(app, ["publish", str(out), "--db", str(mini_db)])
    succeeded(result)
    assert result.stdout.startswith(f"published {out / 'ledger.db'} (")
    assert result.stdout.endswith(f"facet values indexed); serve with: datasette serve {out}\n")
    assert sorted(p.name for p in out.iterdir()) == [
        "inspect-data.json",
        "ledger.db",
        "metadata.yml",
        "settings.json",
    ]
    assert claim_ids(out / "ledger.db") == MINI_CLAIMS
    inspected = json.loads((out / "inspect-data.json").read_text())
    assert inspected["ledger"]["file"] == "ledger.db"
    assert inspected["ledger"]["tables"]["claims"]["count"] == 5


def test_publish_of_a_missing_database_is_one_error_line(tmp_path):
    missing = tmp_path / "none.db"
    result = runner.invoke(app, ["publish", str(tmp_path / "snap"), "--db", str(missing)])
    one_error_line(result, f"{missing}: no ledger database here; run `ledger build` first")
    assert sorted(tmp_path.iterdir()) == []


def test_synth_writes_a_record_stream_that_builds(tmp_path):
    out = tmp_path / "synth.tsv"
    result = runner.invoke(app, ["synth", "--claims", "40", "--seed", "3", "--out", str(out)])
    succeeded(result)
    lines = out.read_text().splitlines()
    assert result.stdout == f"wrote {len(lines)} records (40 claims) to {out}\n"
    kinds = Counter(line.split("\t", 1)[0] for line in lines)
    assert kinds["claim"] == 40
    again = tmp_path / "again.tsv"
    succeeded(runner.invoke(app, ["synth", "--claims", "40", "--seed", "3", "--out", str(again)]))
    assert again.read_bytes() == out.read_bytes()  # the same seed gives the same file
    db = tmp_path / "ledger.db"
    built = runner.invoke(app, ["build", "--records", str(out), "--db", str(db), "--json"])
    succeeded(built)
    assert len(claim_ids(db)) == 40


def test_synth_into_a_missing_directory_is_one_error_line(tmp_path):
    out = tmp_path / "nowhere" / "synth.tsv"
    result = runner.invoke(app, ["synth", "--claims", "5", "--out", str(out)])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and str(out) in line
    assert sorted(tmp_path.iterdir()) == []


def test_schemas_writes_one_json_schema_per_checked_in_file(tmp_path):
    out = tmp_path / "schemas"
    result = runner.invoke(app, ["schemas", "--out", str(out)])
    succeeded(result)
    names = sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json"))
    assert sorted(p.name for p in out.iterdir()) == names
    assert sorted(result.stdout.splitlines()) == [f"wrote {out / name}" for name in names]
    for name in names:
        schema = json.loads((out / name).read_text())
        assert schema["type"] == "object" and schema["properties"], name


def test_schemas_into_a_file_is_one_error_line(tmp_path):
    target = tmp_path / "schemas"
    target.write_text("not a directory\n")
    result = runner.invoke(app, ["schemas", "--out", str(target)])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and str(target) in line
    assert target.read_text() == "not a directory\n"


def test_serve_builds_a_missing_database_and_serves_it(mini_seeds, tmp_path):
    db = tmp_path / "ledger.db"
    command = [LEDGER, "serve", "--db", str(db), "--seeds", str(mini_seeds)]
    # From a directory without metadata.yml: serve falls back to the project's own.
    with ServerProcess(lambda port: [*command, "--port", str(port)], cwd=tmp_path) as server:
        with server.client() as client:
            page = client.get("/ledger/claims.json?_shape=array&_col=id&_sort=id")
            assert page.status_code == 200
            assert [row["id"] for row in page.json()] == MINI_CLAIMS
            assert client.get("/ledger/claims/daily-200-homes").status_code == 200
        said = server.output().splitlines()
    assert said[:2] == [f"built {db}: 5 claims", f"serving {db} at {server.url}/"]
    assert claim_ids(db) == MINI_CLAIMS


def test_serve_with_a_missing_metadata_file_is_one_error_line(mini_seeds, mini_db, tmp_path):
    before = digest(mini_db)
    result = runner.invoke(
        app,
        ["serve", "--db", str(mini_db), "--seeds", str(mini_seeds)]
        + ["--metadata", str(tmp_path / "nowhere.yml")],
    )
    one_error_line(result, f"{tmp_path / 'nowhere.yml'}: metadata file not found (use --metadata)")
    assert digest(mini_db) == before
    # Refused before any build: a missing database is not built for a server that cannot start.
    missing = tmp_path / "never-built.db"
    result = runner.invoke(
        app,
        ["serve", "--db", str(missing), "--seeds", str(mini_seeds)]
        + ["--metadata", str(tmp_path / "nowhere.yml")],
    )
    assert result.exit_code == 1 and not missing.exists()
