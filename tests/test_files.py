"""Ledger files on disk: any directory name works."""

from __future__ import annotations

from pathlib import Path

from ledger import actions
from ledger.build import build
from ledger.files import reading
from ledger.publish import publish

from .conftest import METADATA

MINI = Path(__file__).resolve().parent / "fixtures" / "mini-seeds"


def test_a_ledger_in_a_directory_named_with_uri_characters_rebuilds_keeping_its_journal(tmp_path):
    where = tmp_path / "desk #2 ?draft% copy"
    where.mkdir()
    db = where / "ledger.db"
    build(MINI, db)
    claim = next(iter(reading_claims(db)))
    actions.add_note(db, claim, "checker", "A note kept across builds.")
    build(MINI, db)  # reads the previous journal back through a read-only URI
    with reading(db) as conn:
        notes = conn.execute("SELECT count(*) FROM journal WHERE action = 'note'").fetchone()
    assert notes == (1,)
    # A snapshot is cut from it, and opens, in such a directory too.
    publish(db, where / "snapshot #1", METADATA)
    with reading(where / "snapshot #1" / "ledger.db") as conn:
        assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == len(reading_claims(db))


def reading_claims(db: Path) -> list[str]:
    with reading(db) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM claims ORDER BY id")]
