"""The journal: append-only, hash-chained, audited, kept across rebuilds, safe under concurrency."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from ledger import actions, journal
from ledger.actions import Refused
from ledger.audit import verify
from ledger.build import build, export_journal
from ledger.cli import app

runner = CliRunner()


def audit(db):
    conn = sqlite3.connect(db)
    try:
        return verify(conn)
    finally:
        conn.close()


def scalar(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def tamper(db, *statements):
    """Edit the file directly, as an attacker with file access would: drop the journal's
    triggers, make the edits, and put the triggers back to cover the tracks."""
    conn = sqlite3.connect(db)
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    for _, sql in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_seed_statuses_are_the_first_entries(mini_db):
    conn = sqlite3.connect(mini_db)
    rows = conn.execute(
        "SELECT seq, claim_id, old_value, new_value, actor_id, recorded_at, "
        "origin, evidence FROM journal"
    ).fetchall()
    assert rows == [
        (
            1,
            "weekly-novak-warnings-sent",
            "unverified",
            "disputed",
            "curator",
            "2024-02-01T00:00:00.000000Z",
            "seed",
            '["daily-engineer-no-warning"]',
        )
    ]
    assert audit(mini_db).ok


def test_verify_appends_and_keeps_claims_status_in_step(mini_db):
    entry = actions.verify(
        mini_db,
        "daily-200-homes",
        "confirmed",
        "checker",
        "Council flood register",
        ["https://example.org/register"],
    )
    assert entry.seq == 2 and entry.old_value == "unverified" and entry.new_value == "confirmed"
    assert scalar(mini_db, "SELECT status FROM claims WHERE id = 'daily-200-homes'") == "confirmed"
    prev = scalar(mini_db, "SELECT hash FROM journal WHERE seq = 1")
    assert entry.prev_hash == prev
    assert entry.hash == journal.entry_hash(entry, prev)
    assert audit(mini_db).ok


def test_triggers_refuse_update_and_delete(mini_db):
    conn = sqlite3.connect(mini_db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only: UPDATE refused"):
        conn.execute("UPDATE journal SET rationale = 'changed' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only: DELETE refused"):
        conn.execute("DELETE FROM journal WHERE seq = 1")
    conn.close()
    assert audit(mini_db).ok


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda db: actions.verify(db, "daily-200-homes", "confirmed", "checker", "x"),
            "needs at least one piece of evidence",
        ),
        (
            lambda db: actions.verify(db, "daily-200-homes", "false", "checker", "x", []),
            "needs at least one piece of evidence",
        ),
        (
            lambda db: actions.verify(db, "daily-200-homes", "disputed", "checker", "  "),
            "a reason is required",
        ),
        (
            lambda db: actions.verify(db, "no-such-claim", "disputed", "checker", "x"),
            "unknown claim id 'no-such-claim'",
        ),
        (
            lambda db: actions.verify(db, "daily-200-homes", "probably", "checker", "x"),
            "unknown status 'probably'",
        ),
        (
            lambda db: actions.verify(db, "daily-200-homes", "disputed", "mallory", "x"),
            "unknown actor 'mallory'",
        ),
        (
            lambda db: actions.verify(db, "daily-200-homes", "disputed", "reader", "x"),
            "has the role editor",
        ),
        (
            lambda db: actions.verify(
                db, "daily-200-homes", "confirmed", "checker", "x", ["not-a-claim"]
            ),
            "neither a URL nor a known claim id",
        ),
        (
            lambda db: actions.verify(db, "weekly-novak-warnings-sent", "disputed", "checker", "x"),
            "already disputed",
        ),
        (
            lambda db: actions.relate(
                db, "daily-200-homes", "contradicts", "daily-200-homes", "checker", "x"
            ),
            "cannot be related to itself",
        ),
        (
            lambda db: actions.relate(
                db, "daily-200-homes", "contradicts", "weekly-120-homes", "checker", "again"
            ),
            "already recorded",
        ),
        (
            lambda db: actions.relate(
                db, "daily-200-homes", "agrees", "weekly-120-homes", "checker", "x"
            ),
            "unknown relation kind 'agrees'",
        ),
        (
            lambda db: actions.unrelate(
                db, "daily-200-homes", "corroborates", "weekly-120-homes", "checker", "x"
            ),
            "there is no relation",
        ),
        (
            lambda db: actions.grade(db, "daily-200-homes", "7", "checker", "x"),
            "unknown credibility '7'",
        ),
    ],
)
def test_refused_changes_write_nothing(mini_db, call, message):
    before = open(mini_db, "rb").read()
    with pytest.raises(Refused, match=message):
        call(mini_db)
    assert open(mini_db, "rb").read() == before


def test_relate_and_unrelate_round_trip(mini_db):
    actions.relate(
        mini_db,
        "daily-novak-reservoir",
        "competes",
        "daily-engineer-no-warning",
        "checker",
        "Operator and engineer give different reasons for the release",
    )
    assert scalar(mini_db, "SELECT count(*) FROM relations") == 3
    # Symmetric kinds are found whichever way round they are named.
    actions.unrelate(
        mini_db,
        "daily-engineer-no-warning",
        "competes",
        "daily-novak-reservoir",
        "checker",
        "Not the same question after all",
    )
    assert scalar(mini_db, "SELECT count(*) FROM relations") == 2
    # A seed relation can be withdrawn too; the journal says so and audit agrees.
    actions.unrelate(
        mini_db,
        "weekly-120-homes",
        "contradicts",
        "daily-200-homes",
        "checker",
        "The weekly counted only the old town",
    )
    assert scalar(mini_db, "SELECT count(*) FROM relations") == 1
    assert audit(mini_db).ok


def test_grade_and_note(mini_db):
    actions.grade(mini_db, "daily-200-homes", "2", "checker", "Consistent with the register")
    actions.add_note(mini_db, "daily-200-homes", "reader", "Ask the council for the list")
    assert scalar(mini_db, "SELECT credibility FROM claims WHERE id = 'daily-200-homes'") == "2"
    assert audit(mini_db).ok


def test_audit_names_an_edited_entry(mini_db):
    actions.verify(mini_db, "daily-200-homes", "disputed", "checker", "Weekly says 120")
    actions.verify(mini_db, "daily-200-homes", "contested", "checker", "Register differs too")
    tamper(mini_db, "UPDATE journal SET rationale = 'rewritten' WHERE seq = 2")
    report = audit(mini_db)
    assert not report.ok
    assert report.first_bad_seq == 2
    assert "entry 2: hash does not match its contents" in report.problems[0]
    result = runner.invoke(app, ["audit", "--db", str(mini_db)])
    assert result.exit_code == 1
    assert "first bad entry: entry 2" in result.output


def test_audit_finds_a_deleted_entry(mini_db):
    actions.add_note(mini_db, "daily-200-homes", "checker", "Asked the council")
    actions.add_note(mini_db, "daily-200-homes", "checker", "Another note")
    tamper(mini_db, "DELETE FROM journal WHERE seq = 2")
    report = audit(mini_db)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert "entry 3: sequence number out of order" in report.problems[0]


def test_audit_finds_reordered_entries(mini_db):
    actions.add_note(mini_db, "daily-200-homes", "checker", "first")
    actions.add_note(mini_db, "daily-200-homes", "checker", "second")
    tamper(
        mini_db,
        "UPDATE journal SET seq = 100 WHERE seq = 2",
        "UPDATE journal SET seq = 2 WHERE seq = 3",
        "UPDATE journal SET seq = 3 WHERE seq = 100",
    )
    report = audit(mini_db)
    assert not report.ok and report.first_bad_seq == 2


def test_audit_finds_status_changed_behind_the_journal(mini_db):
    conn = sqlite3.connect(mini_db)
    conn.execute("UPDATE claims SET status = 'confirmed' WHERE id = 'daily-200-homes'")
    conn.commit()
    conn.close()
    report = audit(mini_db)
    assert not report.ok
    assert (
        "claim daily-200-homes: status is 'confirmed' but the journal last says "
        "'unverified'" in report.problems[0]
    )


def test_rebuild_keeps_fact_checkers_entries_with_identical_hashes(mini_seeds, mini_db):
    actions.verify(
        mini_db,
        "daily-200-homes",
        "confirmed",
        "checker",
        "Register",
        ["https://example.org/register"],
    )
    actions.relate(
        mini_db,
        "daily-novak-reservoir",
        "competes",
        "daily-engineer-no-warning",
        "checker",
        "Different reasons for the release",
    )
    conn = sqlite3.connect(mini_db)
    before = conn.execute("SELECT * FROM journal ORDER BY seq").fetchall()
    conn.close()
    report = build(mini_seeds, mini_db)
    assert report["counts"]["journal entries kept"] == 2
    conn = sqlite3.connect(mini_db)
    assert conn.execute("SELECT * FROM journal ORDER BY seq").fetchall() == before
    assert (
        conn.execute("SELECT status FROM claims WHERE id = 'daily-200-homes'").fetchone()[0]
        == "confirmed"
    )
    assert conn.execute("SELECT count(*) FROM relations").fetchone()[0] == 3
    conn.close()
    assert audit(mini_db).ok


def test_rebuild_refuses_a_tampered_journal_and_keeps_the_file(mini_seeds, mini_db):
    actions.add_note(mini_db, "daily-200-homes", "checker", "note")
    tamper(mini_db, "UPDATE journal SET rationale = 'forged' WHERE seq = 2")
    before = open(mini_db, "rb").read()
    result = runner.invoke(app, ["build", "--seeds", str(mini_seeds), "--db", str(mini_db)])
    assert result.exit_code == 1
    assert "the journal fails its audit" in result.output
    assert open(mini_db, "rb").read() == before


def test_exported_journal_rebuilds_a_fresh_clone(mini_seeds, mini_db, tmp_path):
    actions.verify(mini_db, "daily-200-homes", "disputed", "checker", "Weekly says 120")
    assert export_journal(mini_db, mini_seeds / "journal.jsonl") == 1
    fresh = tmp_path / "fresh.db"
    build(mini_seeds, fresh)
    assert scalar(fresh, "SELECT status FROM claims WHERE id = 'daily-200-homes'") == "disputed"
    assert scalar(fresh, "SELECT hash FROM journal ORDER BY seq DESC LIMIT 1") == scalar(
        mini_db, "SELECT hash FROM journal ORDER BY seq DESC LIMIT 1"
    )


def test_an_exported_journal_with_a_wrong_field_is_reported_by_line(mini_seeds, mini_db, tmp_path):
    actions.add_note(mini_db, "daily-200-homes", "checker", "first")
    actions.add_note(mini_db, "daily-200-homes", "checker", "second")
    exported = mini_seeds / "journal.jsonl"
    export_journal(mini_db, exported)
    lines = exported.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["rationale"] = ["not", "a", "string"]
    exported.write_text(lines[0] + "\n" + json.dumps(entry) + "\n")
    fresh = tmp_path / "fresh.db"
    result = runner.invoke(app, ["build", "--seeds", str(mini_seeds), "--db", str(fresh)])
    assert result.exit_code == 2
    assert f"{exported}:2: not a journal entry: rationale: Input should be a valid string" in (
        result.output
    )
    assert not fresh.exists()


def test_replay_that_no_longer_applies_is_a_clear_error(mini_seeds, mini_db):
    actions.add_note(mini_db, "daily-200-homes", "checker", "note on a claim about to vanish")
    path = mini_seeds / "documents" / "daily-2024-01-10.yml"
    text = path.read_text()
    start = text.index("  - id: daily-200-homes")
    end = text.index("  - id: daily-novak-reservoir")
    path.write_text(text[:start] + text[end:])
    (mini_seeds / "relations.yml").write_text(
        (mini_seeds / "relations.yml").read_text().split("\n\n")[1]
    )
    result = runner.invoke(app, ["build", "--seeds", str(mini_seeds), "--db", str(mini_db)])
    assert result.exit_code == 1
    assert "journal entry 2 (note of daily-200-homes by checker" in result.output
    assert "no longer applies" in result.output


def test_cli_verify_history_and_json(mini_db):
    result = runner.invoke(
        app,
        [
            "verify",
            "daily-200-homes",
            "--status",
            "confirmed",
            "--by",
            "checker",
            "--note",
            "Council register",
            "--evidence",
            "https://example.org/a",
            "--evidence",
            "weekly-120-homes",
            "--db",
            str(mini_db),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["evidence"] == ["https://example.org/a", "weekly-120-homes"]
    history = json.loads(
        runner.invoke(app, ["history", "daily-200-homes", "--db", str(mini_db), "--json"]).stdout
    )
    assert [h["summary"] for h in history] == ["Unverified → Confirmed"]
    refused = runner.invoke(
        app,
        [
            "verify",
            "daily-200-homes",
            "--status",
            "false",
            "--by",
            "checker",
            "--note",
            "x",
            "--db",
            str(mini_db),
        ],
    )
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "error: status false needs at least one piece of evidence: a URL or the id of a claim"
    ]


APPENDER = textwrap.dedent("""
    import sys
    from ledger import actions
    db, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for i in range(count):
        actions.add_note(db, "daily-200-homes", "checker", f"worker {worker} note {i}")
""")


@pytest.mark.slow
def test_concurrent_appenders_lose_nothing(mini_db):
    workers, each = 4, 250
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(mini_db), str(w), str(each)],
            stderr=subprocess.PIPE,
        )
        for w in range(workers)
    ]
    for process in processes:
        assert process.wait(timeout=300) == 0, process.stderr.read().decode()
    report = audit(mini_db)
    assert report.ok, report.problems[:3]
    assert report.entries == 1 + workers * each
    conn = sqlite3.connect(mini_db)
    notes = {r for (r,) in conn.execute("SELECT rationale FROM journal WHERE action = 'note'")}
    assert notes == {f"worker {w} note {i}" for w in range(workers) for i in range(each)}


def test_canonical_serialisation_is_sorted_compact_json():
    entry = journal.Entry(
        claim_id="c-1",
        action="note",
        actor_id="checker",
        recorded_at="2024-01-01T00:00:00.000000Z",
        rationale='quote " and ünïcode\n',
        evidence=["https://x.org/a", "c-2"],
        seq=7,
        new_value=None,
        old_value="x",
    )
    expected = json.dumps(
        {**entry.hashed(), "prev_hash": "ab" * 32},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert (
        journal.canonical(
            7,
            "c-1",
            "note",
            "x",
            None,
            "checker",
            "2024-01-01T00:00:00.000000Z",
            'quote " and ünïcode\n',
            journal.evidence_json(entry.evidence),
            "ledger",
            "ab" * 32,
        )
        == expected
    )


def test_sqlite_escapes_every_code_point_as_python_json_does():
    # The audit builds the canonical text in SQL (journal.CANONICAL_SQL); the hash was made
    # from Python's. They agree only if json_quote escapes each character as json does.
    conn = sqlite3.connect(":memory:")
    for start in range(0, 0x110000, 0x8000):
        chars = "".join(chr(c) for c in range(start, start + 0x8000) if not 0xD800 <= c <= 0xDFFF)
        (quoted,) = conn.execute("SELECT json_quote(?)", (chars,)).fetchone()
        assert quoted == json.dumps(chars, ensure_ascii=False), hex(start)


def test_sql_and_python_canonical_texts_are_equal(mini_db):
    actions.add_note(mini_db, "daily-200-homes", "checker", 'a "quote", \\ \x01 \u2028 سلام')
    conn = sqlite3.connect(mini_db)
    columns = (
        "seq, claim_id, action, old_value, new_value, actor_id, recorded_at, rationale, "
        "evidence, origin, prev_hash"
    )
    rows = conn.execute(f"SELECT {columns}, {journal.CANONICAL_SQL} FROM journal").fetchall()
    assert len(rows) > 1
    for row in rows:
        assert row[-1] == journal.canonical(*row[:-1])


def test_parallel_and_serial_audits_agree(mini_db):
    for i in range(30):
        actions.add_note(mini_db, "daily-200-homes", "checker", f"note {i}")
    tamper(mini_db, "UPDATE journal SET rationale = 'forged' WHERE seq = 20")
    conn = sqlite3.connect(mini_db)
    serial, parallel = verify(conn, workers=1), verify(conn, workers=2)
    assert serial.problems == parallel.problems and serial.first_bad_seq == 20


def test_a_journal_cut_short_is_caught_against_a_recorded_head(mini_db):
    actions.add_note(mini_db, "daily-200-homes", "checker", "first")
    actions.add_note(mini_db, "daily-200-homes", "checker", "second")
    head = runner.invoke(app, ["journal", "head", "--db", str(mini_db)]).stdout.strip()
    assert head.startswith("3:")
    assert runner.invoke(app, ["audit", "--db", str(mini_db), "--head", head]).exit_code == 0
    tamper(mini_db, "DELETE FROM journal WHERE seq = 3")
    # The chain alone still verifies: a truncated chain is a valid shorter chain...
    assert audit(mini_db).ok
    # ...which is why the head is kept elsewhere.
    result = runner.invoke(app, ["audit", "--db", str(mini_db), "--head", head])
    assert result.exit_code == 1
    assert "entry 3, recorded earlier as the journal's head, is missing" in result.output


def test_deleting_the_last_status_change_is_caught_by_the_status_invariant(mini_db):
    actions.verify(mini_db, "daily-200-homes", "disputed", "checker", "Weekly says 120")
    tamper(mini_db, "DELETE FROM journal WHERE seq = 2")
    report = audit(mini_db)
    assert not report.ok
    assert "claim daily-200-homes: status is 'disputed'" in report.problems[0]
