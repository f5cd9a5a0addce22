"""`ledger audit` beyond the hash chain: the journal's triggers, every table the journal governs
(statuses, grades and their notes, relations with their notes and who added them) and the seed
state no entry records (seed relations, grades set in the seeds, actors), sealed at build.

Each tampering below was invisible to the audit before: it said ok.
"""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from ledger import actions
from ledger.build import build, build_records
from ledger.cli import app
from ledger.scale import synth

from .test_journal import audit, tamper

runner = CliRunner()

SEED_GRADED = "weekly-120-homes"
SUGGESTED = ("daily-200-homes", "corroborates", "daily-engineer-no-warning")


@pytest.fixture
def governed(mini_seeds, tmp_path):
    """A ledger with every kind of governed row: a seed grade, a suggested seed relation, and
    a relation (entry 2) and a grade (entry 3) made through the journal."""
    weekly = mini_seeds / "documents" / "weekly-2024-01-17.yml"
    weekly.write_text(
        weekly.read_text().replace(
            "    kind: figure\n",
            "    kind: figure\n    credibility: '3'\n    credibility_note: Its own count.\n",
        )
    )
    claim, kind, other = SUGGESTED
    relations = mini_seeds / "relations.yml"
    relations.write_text(
        relations.read_text() + f"\n- claim: {claim}\n  kind: {kind}\n  other: {other}\n"
        "  note: Both describe the flood.\n  by: ledger-suggest\n  origin: suggested\n"
    )
    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    actions.relate(
        db, "daily-novak-reservoir", "competes", "daily-engineer-no-warning", "checker", "Why"
    )
    actions.grade(db, "daily-200-homes", "2", "checker", "Matches the register")
    assert audit(db).ok
    return db


SEED_RELATIONS = "the seed relations (no journal entry made them) are not as the build sealed"
SEED_GRADES = "the credibility grades from the seeds (no journal entry set them) are not as"
ACTORS = "the actors (their names and roles) are not as the build sealed them"


@pytest.mark.parametrize(
    ("statements", "finding"),
    [
        pytest.param(
            ["DELETE FROM relations WHERE claim_id = 'weekly-120-homes'"],
            f"{SEED_RELATIONS} them (2 now, 3 then): some were removed outside the journal",
            id="seed relation deleted",
        ),
        pytest.param(
            [
                "INSERT INTO relations (claim_id, kind, other_claim_id, note, added_by, origin) "
                "VALUES ('daily-200-homes', 'repeats', 'weekly-120-homes', 'x', 'curator', "
                "'curated')"
            ],
            f"{SEED_RELATIONS} them (4 now, 3 then): some were added outside the journal",
            id="seed relation inserted",
        ),
        pytest.param(
            ["UPDATE relations SET kind = 'refines' WHERE claim_id = 'weekly-120-homes'"],
            f"{SEED_RELATIONS} them (3 now, 3 then): one was edited outside the journal",
            id="seed relation's kind changed",
        ),
        pytest.param(
            ["UPDATE relations SET added_by = 'checker' WHERE claim_id = 'weekly-120-homes'"],
            f"{SEED_RELATIONS} them (3 now, 3 then): one was edited",
            id="seed relation's added_by changed",
        ),
        pytest.param(
            ["UPDATE relations SET note = 'forged' WHERE journal_seq = 2"],
            "relation daily-engineer-no-warning competes daily-novak-reservoir: note not as "
            "entry 2 made it; changed outside the journal",
            id="journaled relation's note edited",
        ),
        pytest.param(
            ["UPDATE relations SET added_by = 'curator' WHERE journal_seq = 2"],
            "relation daily-engineer-no-warning competes daily-novak-reservoir: added_by not "
            "as entry 2 made it",
            id="journaled relation's added_by edited",
        ),
        pytest.param(
            ["UPDATE claims SET credibility = '1' WHERE id = 'daily-engineer-no-warning'"],
            f"{SEED_GRADES} the build sealed them (2 now, 1 then): some were added",
            id="credibility set on a claim never graded",
        ),
        pytest.param(
            ["UPDATE claims SET credibility_note = 'forged' WHERE id = 'daily-200-homes'"],
            "claim daily-200-homes: its credibility note is not the one entry 3 recorded; it "
            "was changed outside the journal",
            id="credibility_note of a journaled grade edited",
        ),
        pytest.param(
            [f"UPDATE claims SET credibility_note = 'forged' WHERE id = '{SEED_GRADED}'"],
            f"{SEED_GRADES} the build sealed them (1 now, 1 then): one was edited",
            id="credibility_note of a seed grade edited",
        ),
        pytest.param(
            ["UPDATE actors SET role = 'fact-checker' WHERE id = 'reader'"],
            f"{ACTORS} (4 now, 4 then): one was edited outside the journal",
            id="actor's role changed",
        ),
    ],
)
def test_audit_names_tampering_with_what_the_journal_governs(governed, statements, finding):
    tamper(governed, *statements)
    report = audit(governed)
    assert not report.ok
    assert report.problems[0].startswith(finding), report.problems


def test_the_cli_names_the_first_bad_thing(governed):
    tamper(governed, "UPDATE actors SET role = 'curator' WHERE id = 'reader'")
    result = runner.invoke(app, ["audit", "--db", str(governed)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(ACTORS)


@pytest.mark.parametrize(
    ("statements", "finding"),
    [
        (
            ["DROP TRIGGER journal_no_delete"],
            "the journal's trigger journal_no_delete is missing: SQLite no longer refuses to "
            "change or delete entries",
        ),
        (
            [
                "DROP TRIGGER journal_no_update",
                "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT 1; END",
            ],
            "the journal's trigger journal_no_update was replaced by another",
        ),
        (
            [
                "CREATE TRIGGER journal_quiet AFTER INSERT ON journal "
                "BEGIN UPDATE claims SET status = 'unverified' WHERE id = new.claim_id; END"
            ],
            "an unknown trigger journal_quiet acts on the journal",
        ),
    ],
)
def test_audit_checks_the_journals_triggers(governed, statements, finding):
    conn = sqlite3.connect(governed)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    assert audit(governed).problems == [finding]


def test_an_entry_value_that_is_not_json_is_named_not_crashed_on(governed):
    tamper(
        governed,
        """UPDATE journal SET new_value = '{"other": 2}' WHERE seq = 2""",
        "UPDATE journal SET new_value = 'not json' WHERE seq = 3",
    )
    report = audit(governed)
    assert report.first_bad_seq == 2
    assert "entry 2: its value is not a relation" in report.problems
    assert "entry 3: its value is not a grade" in report.problems


def test_changes_through_the_journal_keep_the_seal(governed, mini_seeds):
    claim, kind, other = SUGGESTED
    actions.relate(governed, claim, kind, other, "checker", "Confirmed: same flood")
    actions.unrelate(governed, "weekly-120-homes", "contradicts", "daily-200-homes", "checker", "x")
    actions.grade(governed, SEED_GRADED, "4", "checker", "The count was revised")
    assert audit(governed).ok
    build(mini_seeds, governed)  # the replay takes the same seed rows over
    assert audit(governed).ok


def test_a_change_through_the_journal_does_not_bless_earlier_tampering(governed):
    # The seal is kept by taking out the row an entry takes over, not by resealing the table,
    # which would also seal the forged note.
    tamper(governed, "UPDATE relations SET note = 'forged' WHERE kind = 'contradicts'")
    actions.unrelate(governed, "weekly-120-homes", "contradicts", "daily-200-homes", "checker", "x")
    actions.grade(governed, SEED_GRADED, "4", "checker", "The count was revised")
    assert audit(governed).problems == [
        f"{SEED_RELATIONS} them (2 now, 2 then): one was edited outside the journal"
    ]


def test_a_ledger_built_before_the_seal_says_so_and_rebuilds(governed, mini_seeds):
    conn = sqlite3.connect(governed)
    conn.execute("DROP TABLE seed_state")
    conn.close()
    assert audit(governed).problems == [
        "no seal of the seed relations (no journal entry made them): rebuild with `ledger build`",
        "no seal of the credibility grades from the seeds (no journal entry set them): rebuild "
        "with `ledger build`",
        "no seal of the actors (their names and roles): rebuild with `ledger build`",
    ]
    build(mini_seeds, governed)
    assert audit(governed).ok


def test_a_ledger_built_from_records_is_sealed(tmp_path):
    records, db = tmp_path / "synth.tsv", tmp_path / "ledger.db"
    synth.write(records, claims=60, seed=3)
    build_records(records, db)
    assert audit(db).ok
    tamper(db, "UPDATE actors SET role = 'curator' WHERE id = 'synth-checker'")
    assert audit(db).problems[0].startswith(ACTORS)
