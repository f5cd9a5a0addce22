"""The `ledger` command, through typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
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


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ('homes" (', ["daily-200-homes", "weekly-120-homes"]),
        ("homes* :", ["daily-200-homes", "weekly-120-homes"]),
        ('homes" OR (', []),  # words are words: OR is one to find, not an operator
    ],
)
def test_search_with_fts_syntax_characters_is_not_an_error(mini_db, query, found):
    # CliRunner never prints a traceback: an exception is kept in `result.exception`.
    result = invoke("search", query, "--db", str(mini_db), "--json")
    assert result.exception is None, result.exception
    assert result.exit_code == 0 and result.stderr == ""
    assert sorted(row["id"] for row in json.loads(result.stdout)) == found
    table = invoke("search", query, "--db", str(mini_db))
    assert table.exception is None and table.exit_code == 0 and table.stderr == ""
    if not found:
        assert table.stdout == f"no claims match {query!r}\n"


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


def test_real_process_user_error_is_one_line_without_a_traceback(tmp_path):
    result = run_ledger("show", "x", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {tmp_path / 'none.db'}: no ledger database here; run `ledger build` first\n"
    )
    assert result.stdout == ""


def test_help_explains_every_command():
    result = invoke("--help")
    for command in ("build", "check", "serve", "show", "search", "stats", "schemas"):
        assert command in result.output


LEDGER = Path(sys.executable).with_name("ledger")  # the installed command, as a user runs it


def run_bytes(*args: str | bytes, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `ledger` with arguments given as raw bytes where needed, as a shell passes them."""
    return subprocess.run(
        [LEDGER, *args], cwd=cwd, capture_output=True, timeout=120, env={**os.environ}
    )


def journal_rows(db: Path) -> list:
    return sqlite3.connect(db).execute("SELECT * FROM journal ORDER BY seq").fetchall()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["note", "daily-200-homes", "--by", "checker", "--note", b"caf\xe9"], "--note"),
        (
            [
                "verify",
                "daily-200-homes",
                "--status",
                "false",
                "--by",
                "checker",
                "--note",
                "Register says 120",
                "--evidence",
                b"https://example.org/\xff",
            ],
            "--evidence",
        ),
        (["verify", b"daily-\xff", "--status", "false", "--by", "checker"], "CLAIM_ID"),
        (["show", b"\xff\xfe"], "CLAIM_ID"),
        (["search", b"Nov\xe1k"], "TEXT"),
        (["note", "daily-200-homes", "--by", "checker", b"--note=caf\xe9"], "--note"),
    ],
    ids=["note", "evidence", "verify-claim", "show", "search", "note-with-equals"],
)
def test_an_argument_that_is_not_utf8_is_one_error_line(mini_db, args, named):
    before = journal_rows(mini_db)
    result = run_bytes(*args, "--db", str(mini_db))
    assert result.returncode == 1
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith(f"error: {named}: not UTF-8 text (byte 0x")
    assert result.stdout == b""
    assert journal_rows(mini_db) == before


def test_cli_runner_arguments_with_lone_surrogates_are_refused_too(mini_db):
    result = invoke("search", "\udcff", "--db", str(mini_db))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == "error: TEXT: not UTF-8 text (byte 0xff); give it in UTF-8\n"


NOT_A_LEDGER = {
    "not-sqlite": (lambda p: p.write_bytes(b"just some text\n" * 100), "not a SQLite database"),
    "empty-file": (lambda p: p.write_bytes(b""), "a SQLite file without the ledger's tables"),
    "directory": (lambda p: p.mkdir(), "not a file"),
    "other-sqlite": (
        lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit(),
        "a SQLite file without the ledger's tables",
    ),
}
COMMANDS = {
    "audit": ["audit"],
    "verify": ["verify", "x", "--status", "disputed", "--by", "checker", "--note", "n"],
    "show": ["show", "x"],
    "stats": ["stats"],
    "journal-head": ["journal", "head"],
    "export-jsonl": ["export", "jsonl", "--out", "OUT"],
    "journal-export": ["journal", "export", "--out", "OUT"],
}


@pytest.mark.parametrize("kind", NOT_A_LEDGER)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_a_ledger_is_one_error_line(tmp_path, kind, command):
    make, message = NOT_A_LEDGER[kind]
    db = tmp_path / "x.db"
    make(db)
    before = sorted(tmp_path.rglob("*"))
    args = [str(tmp_path / "out.jsonl") if a == "OUT" else a for a in COMMANDS[command]]
    result = invoke(*args, "--db", str(db))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {db}: {message}")
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("doc_id", ["a/b", "../../x", "UPPER", "a--b", "-a", "x.txt", ""])
def test_add_document_refuses_an_id_that_is_not_a_plain_slug(mini_seeds, tmp_path, doc_id):
    article = tmp_path / "article.txt"
    article.write_text("The dam held, the council said on Tuesday.\n", encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    result = invoke(
        "add-document", str(article), "--outlet", "daily-example", "--title", "Dam holds",
        "--published", "2024-02-01", "--id", doc_id, "--seeds", str(mini_seeds),
    )  # fmt: skip
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == (
        f"error: document id {doc_id!r} is not a plain id: use lower-case letters, digits and "
        "single hyphens (it names the files under documents/)\n"
    )
    assert sorted(tmp_path.rglob("*")) == before


def add_document_args(source: Path | str, seeds: Path) -> list[str]:
    return [
        "add-document", str(source), "--outlet", "daily-example", "--title", "T",
        "--published", "2024-02-01", "--seeds", str(seeds),
    ]  # fmt: skip


def test_add_document_refuses_a_device_instead_of_hanging(mini_seeds):
    before = sorted(mini_seeds.rglob("*"))
    result = run_bytes(*add_document_args("/dev/zero", mini_seeds))
    assert result.returncode == 1
    assert result.stderr.decode() == "error: /dev/zero: not a regular file\n"
    assert sorted(mini_seeds.rglob("*")) == before


def test_add_document_refuses_a_fifo_instead_of_waiting_for_a_writer(mini_seeds, tmp_path):
    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    result = run_bytes(*add_document_args(fifo, mini_seeds))
    assert result.returncode == 1
    assert result.stderr.decode().endswith("article.txt: not a regular file\n")


def test_add_document_refuses_a_file_too_large_for_an_article(mini_seeds, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 40_001)
    before = sorted(mini_seeds.rglob("*"))
    result = invoke(*add_document_args(big, mini_seeds))
    assert result.exit_code == 1
    assert result.stderr.endswith("big.txt: larger than 200 KB, too large for one article\n")
    assert sorted(mini_seeds.rglob("*")) == before


def test_add_document_writes_its_text_and_yaml(mini_seeds, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("The dam held, the council said on Tuesday.\n", encoding="utf-8")
    result = invoke(*add_document_args(article, mini_seeds), "--id", "daily-dam-holds")
    assert result.exit_code == 0, result.output
    documents = mini_seeds / "documents"
    assert (documents / "daily-dam-holds.txt").read_bytes() == article.read_bytes()
    assert "claims: []" in (documents / "daily-dam-holds.yml").read_text()
    assert not list(documents.glob(".*"))  # no temporary file left


@pytest.mark.slow
def test_publish_works_from_a_directory_without_metadata(mini_db, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_bytes("publish", str(tmp_path / "snapshot"), "--db", str(mini_db), cwd=elsewhere)
    assert result.returncode == 0, result.stderr.decode()
    published = (tmp_path / "snapshot" / "metadata.yml").read_text()
    assert "precomputed" in published
    assert sorted(p.name for p in elsewhere.iterdir()) == []


def test_publish_with_a_missing_metadata_file_is_one_error_line(mini_db, tmp_path):
    result = invoke(
        "publish", str(tmp_path / "snap"), "--db", str(mini_db), "--metadata", "nowhere.yml"
    )
    assert result.exit_code == 1
    assert result.stderr == "error: nowhere.yml: metadata file not found (use --metadata)\n"
    assert not (tmp_path / "snap").exists()


def test_show_prints_a_quote_verbatim_brackets_included(seed_db):
    # The quote holds "[commanders]", which console markup would eat.
    result = invoke("show", "sd-abu-ishaq-40-of-60-jkw-emirs-released", "--db", str(seed_db))
    assert result.exit_code == 0, result.output
    assert "more than 60 emirs [commanders] from JKW" in " ".join(result.output.split())


def test_show_prints_the_claims_history(mini_db):
    result = invoke("show", "weekly-novak-warnings-sent", "--db", str(mini_db))
    history = invoke("history", "weekly-novak-warnings-sent", "--db", str(mini_db), "--json")
    entries = json.loads(history.stdout)
    assert entries, "the mini ledger's disputed claim has a seed status entry"
    assert "history:" in result.output
    assert f"#{entries[-1]['seq']}" in result.output
    assert " ".join(entries[-1]["rationale"].split()) in " ".join(result.output.split())


def test_search_prints_ids_whole_in_a_narrow_terminal(seed_db):
    result = CliRunner(env={"COLUMNS": "60"}).invoke(
        app, ["search", "Harfoush", "--db", str(seed_db)]
    )
    assert result.exit_code == 0, result.output
    ids = json.loads(invoke("search", "Harfoush", "--db", str(seed_db), "--json").stdout)
    for row in ids:
        assert row["id"] in result.output.split()


def test_search_that_finds_nothing_offers_a_spelling_that_does(seed_db):
    result = invoke("search", "Hurfush", "--db", str(seed_db))
    assert result.exit_code == 0, result.output
    assert "no claims match 'Hurfush'" in result.output
    assert "did you mean 'Harfoush' (Muayad al-Harfoush)?" in result.output


def test_help_names_values_in_words_not_python_types():
    result = invoke("verify", "--help")
    assert "--status STATUS" in result.output
    assert "<bool>" not in result.output and "list[str]" not in result.output


def test_every_command_is_in_the_readme():
    import typer.main

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_command(app)

    def names(command, prefix="ledger"):
        for name, sub in getattr(command, "commands", {}).items():
            yield f"{prefix} {name}"
            yield from names(sub, f"{prefix} {name}")

    missing = [name for name in names(group) if f"`{name}" not in readme]
    assert not missing, missing
