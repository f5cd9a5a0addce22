"""`ledger relate`, `unrelate`, `grade`, `note` and `journal head` through the CLI: what each
records in the database and prints; a refused change is one error line and writes nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger import audit
from ledger.cli import app

runner = CliRunner()
BY_CHECKER = ["--by", "checker"]


def invoke(db: Path, *args: str):
    return runner.invoke(app, [*args, "--db", str(db)])


def succeeded(result) -> None:
    # CliRunner never prints a traceback: an unexpected exception is kept in `result.exception`.
    assert result.exception is None, result.exception
    assert result.exit_code == 0 and result.stderr == "", result.output


def dump(db: Path) -> list[str]:
    """Every table's schema and rows, to compare before and after."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def last_entry(db: Path) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT seq, claim_id, action, old_value, new_value, actor_id, rationale "
            "FROM journal ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()


def relations(db: Path) -> set[tuple]:
    conn = sqlite3.connect(db)
    try:
        return set(
            conn.execute(
                "SELECT claim_id, kind, other_claim_id, note, added_by, origin FROM relations"
            )
        )
    finally:
        conn.close()


def audits(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return audit.verify(conn).ok
    finally:
        conn.close()


SEED_RELATIONS = {
    (
        "weekly-120-homes",
        "contradicts",
        "daily-200-homes",
        "120 homes flooded against more than 200.",
        "curator",
        "curated",
    ),
    (
        "weekly-novak-warnings-sent",
        "contradicts",
        "daily-engineer-no-warning",
        "Warnings sent to every household against gates opened without warning.",
        "curator",
        "curated",
    ),
}
LINK = ("daily-200-homes", "corroborates", "daily-novak-reservoir")
LINK_VALUE = {
    "claim": "daily-200-homes",
    "kind": "corroborates",
    "note": "Same release, same day",
    "origin": "curated",
    "other": "daily-novak-reservoir",
}


def test_relate_adds_the_relation_and_its_journal_entry(mini_db):
    assert relations(mini_db) == SEED_RELATIONS
    result = invoke(mini_db, "relate", *LINK, *BY_CHECKER, "--note", "Same release, same day")
    succeeded(result)
    assert result.stdout.startswith(
        "journal entry 2: daily-200-homes corroborates daily-novak-reservoir: added "
        "(claim daily-200-homes, by checker, "
    )
    added = (*LINK, "Same release, same day", "checker", "curated")
    assert relations(mini_db) == SEED_RELATIONS | {added}
    seq, claim, action, old, new, actor, rationale = last_entry(mini_db)
    assert (seq, claim, action, old, actor, rationale) == (
        2,
        "daily-200-homes",
        "relate",
        None,
        "checker",
        "Same release, same day",
    )
    assert json.loads(new) == LINK_VALUE
    assert audits(mini_db)


def test_unrelate_withdraws_the_relation_and_journals_what_it_was(mini_db):
    succeeded(invoke(mini_db, "relate", *LINK, *BY_CHECKER, "--note", "Same release, same day"))
    result = invoke(mini_db, "unrelate", *LINK, *BY_CHECKER, "--note", "Two releases", "--json")
    succeeded(result)
    entry = json.loads(result.stdout)
    assert (entry["seq"], entry["action"], entry["new_value"]) == (3, "unrelate", None)
    assert json.loads(entry["old_value"]) == LINK_VALUE
    assert relations(mini_db) == SEED_RELATIONS
    assert last_entry(mini_db)[:3] == (3, "daily-200-homes", "unrelate")
    assert last_entry(mini_db)[-1] == "Two releases"
    assert audits(mini_db)


def test_unrelate_withdraws_a_seed_relation_named_from_either_end(mini_db):
    result = invoke(
        mini_db,
        "unrelate",
        "weekly-120-homes",
        "contradicts",
        "daily-200-homes",
        *BY_CHECKER,
        "--note",
        "The counts are of different things",
    )
    succeeded(result)
    assert relations(mini_db) == {r for r in SEED_RELATIONS if r[0] != "weekly-120-homes"}
    assert audits(mini_db)


def test_grade_sets_the_credibility_and_journals_old_and_new(mini_db):
    result = invoke(
        mini_db, "grade", "daily-200-homes", "--credibility", "2", *BY_CHECKER, "--note", "Register"
    )
    succeeded(result)
    assert result.stdout.startswith(
        "journal entry 2: credibility - → 2 (claim daily-200-homes, by checker, "
    )
    conn = sqlite3.connect(mini_db)
    graded = conn.execute(
        "SELECT credibility, credibility_note FROM claims WHERE id = 'daily-200-homes'"
    ).fetchone()
    conn.close()
    assert graded == ("2", "Register")
    seq, _, action, old, new, actor, _ = last_entry(mini_db)
    assert (seq, action, actor) == (2, "grade", "checker")
    assert json.loads(old) == {"credibility": None, "note": None}
    assert json.loads(new) == {"credibility": "2", "note": "Register"}
    assert audits(mini_db)


def test_note_is_journaled_and_changes_nothing_else(mini_db):
    before = [line for line in dump(mini_db) if 'INSERT INTO "journal"' not in line]
    result = invoke(mini_db, "note", "daily-200-homes", *BY_CHECKER, "--note", "Called the council")
    succeeded(result)
    assert result.stdout.startswith("journal entry 2: note (claim daily-200-homes, by checker, ")
    assert last_entry(mini_db) == (
        2,
        "daily-200-homes",
        "note",
        None,
        None,
        "checker",
        "Called the council",
    )
    after = [line for line in dump(mini_db) if 'INSERT INTO "journal"' not in line]
    assert after == before
    assert audits(mini_db)


def test_journal_head_is_the_last_entry_and_audit_accepts_it(mini_db):
    conn = sqlite3.connect(mini_db)
    seq, digest = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    result = invoke(mini_db, "journal", "head")
    succeeded(result)
    assert result.stdout == f"{seq}:{digest}\n"
    as_json = invoke(mini_db, "journal", "head", "--json")
    succeeded(as_json)
    assert json.loads(as_json.stdout) == {"seq": seq, "hash": digest}
    # The head moves with the next entry, and the one kept before still audits.
    succeeded(invoke(mini_db, "note", "daily-200-homes", *BY_CHECKER, "--note", "Later"))
    moved = invoke(mini_db, "journal", "head")
    assert moved.stdout.startswith(f"{seq + 1}:") and moved.stdout != result.stdout
    succeeded(invoke(mini_db, "audit", "--head", result.stdout.strip()))


REFUSED = {
    "relate-itself": (
        ["relate", "daily-200-homes", "corroborates", "daily-200-homes", *BY_CHECKER],
        "claim daily-200-homes cannot be related to itself",
    ),
    "relate-again": (
        ["relate", "weekly-120-homes", "contradicts", "daily-200-homes", *BY_CHECKER],
        "weekly-120-homes contradicts daily-200-homes is already recorded",
    ),
    "unrelate-nothing": (
        ["unrelate", *LINK, *BY_CHECKER],
        "there is no relation daily-200-homes corroborates daily-novak-reservoir",
    ),
    "grade-7": (
        ["grade", "daily-200-homes", "--credibility", "7", *BY_CHECKER],
        "unknown credibility '7' (one of 1-6)",
    ),
    "note-unknown-claim": (
        ["note", "no-such-claim", *BY_CHECKER],
        "unknown claim id 'no-such-claim'",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_change_is_one_error_line_and_writes_nothing(mini_db, case):
    args, message = REFUSED[case]
    before = dump(mini_db)
    result = invoke(mini_db, *args, "--note", "A reason")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""
    assert dump(mini_db) == before
