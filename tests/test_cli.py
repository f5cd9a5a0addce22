"""The `ledger` command, through typer's runner and as a real subprocess."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ledger.cli import app

from .conftest import MINI_SEEDS, run_ledger

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_build_then_stats(tmp_path):
    db = tmp_path / "l.db"
    result = invoke("build", "--seeds", str(MINI_SEEDS), "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["claims"] == 5
    stats = json.loads(invoke("stats", "--db", str(db), "--json").stdout)
    assert stats["claims_by_status"] == {"unverified": 4, "disputed": 1}
    assert stats["tables"]["relations"] == 2


def test_show_prints_quote_in_context_and_relations(mini_db):
    result = invoke("show", "daily-engineer-no-warning", "--db", str(mini_db))
    assert result.exit_code == 0, result.output
    assert "A council engineer, who asked not to be named" in result.output
    assert "contradicts weekly-novak-warnings-sent" in result.output
    assert "could not independently confirm" in result.output


def test_show_json(mini_db):
    result = invoke("show", "weekly-120-homes", "--db", str(mini_db), "--json")
    claim = json.loads(result.stdout)
    assert claim["speaker"]["id"] == "water-authority"
    assert claim["via"] == "The Weekly Example reported"
    assert claim["context"]["quote"] == claim["quote"]
    assert [r["other"]["id"] for r in claim["relations"]] == ["daily-200-homes"]
    assert claim["status"]["definition"].startswith("Not yet checked")


def test_search_ranked_json(mini_db):
    result = invoke("search", "gates warning", "--db", str(mini_db), "--json")
    ids = [r["id"] for r in json.loads(result.stdout)]
    assert set(ids) == {"daily-engineer-no-warning", "weekly-novak-warnings-sent"}
    ranks = [r["rank"] for r in json.loads(result.stdout)]
    assert ranks == sorted(ranks)


def test_search_with_fts_syntax_characters_is_not_an_error(mini_db):
    result = invoke("search", 'homes" OR (', "--db", str(mini_db))
    assert result.exit_code == 0
    assert "Traceback" not in result.output


def test_unknown_claim_is_one_line_and_exit_1(mini_db):
    result = invoke("show", "no-such-claim", "--db", str(mini_db))
    assert result.exit_code == 1
    assert result.output.strip() == "error: unknown claim id 'no-such-claim'"


def test_missing_database_is_a_clear_error(tmp_path):
    result = invoke("stats", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1
    assert "no ledger database here; run `ledger build` first" in result.output


def test_missing_seeds_directory(tmp_path):
    result = invoke("check", "--seeds", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "seeds directory not found" in result.output


def test_real_process_user_error_has_no_traceback(tmp_path):
    result = run_ledger("show", "x", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("run `ledger build` first")


def test_help_explains_every_command():
    result = invoke("--help")
    for command in ("build", "check", "serve", "show", "search", "stats", "schemas"):
        assert command in result.output
