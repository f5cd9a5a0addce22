"""Writing a validated seed ledger into a database: its rows, its seed journal, its seal.

The layout is ``schema.py``'s, the rows ``rows.py``'s (the record-stream road, ``bulk.py``,
writes the same rows), and the file is replaced atomically by ``files.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import sqlite_utils

from . import journal, rules, standing
from .errors import LedgerError
from .files import building
from .journal import (
    Entry,
    JournalConflict,
    record_seed_statuses,
    seal_seed_state,
)
from .models import Ledger
from .rows import (
    CLAIM_CHILD_TABLES,
    claim_children,
    claim_row,
    document_row,
    entity_row,
    name_index,
    place_row,
    relation_row,
)
from .schema import create_schema, enable_search

Progress = Callable[[str, int], None]
"""Called with a step name and how many records it just wrote."""


def write_ledger(db: sqlite_utils.Database, ledger: Ledger, progress: Progress | None) -> None:
    """Insert every record of ``ledger`` into an empty schema."""
    step = progress or (lambda name, count: None)
    entity_names, place_names = name_index(ledger.entities, ledger.places)
    documents = {d.id: d for d in ledger.documents}

    _insert(
        db,
        "outlets",
        (o.model_dump(mode="json", exclude={"aliases"}) for o in ledger.outlets),
        step,
    )
    _insert(db, "actors", (a.model_dump(mode="json") for a in ledger.actors), step)
    _insert(db, "entities", (entity_row(e) for e in ledger.entities), step)
    _insert(
        db,
        "aliases",
        (
            {"entity_id": e.id, "alias": alias}
            for e in ledger.entities
            for alias in dict.fromkeys(e.aliases)
        ),
        step,
    )
    _insert(
        db,
        "affiliations",
        (
            {"entity_id": e.id, "affiliated_id": t.entity, "note": t.note}
            for e in ledger.entities
            for t in e.affiliations
        ),
        step,
    )
    _insert(db, "places", (place_row(p) for p in ledger.places), step)
    _insert(db, "questions", (q.model_dump(mode="json") for q in ledger.questions), step)
    _insert(db, "documents", (document_row(d) for d in ledger.documents), step)
    _insert(
        db,
        "claims",
        (claim_row(c, documents[c.document], entity_names, place_names) for c in ledger.claims),
        step,
    )
    for table in CLAIM_CHILD_TABLES:
        _insert(db, table, (row for c in ledger.claims for row in claim_children(c)[table]), step)
    _insert(db, "relations", (relation_row(r) for r in ledger.relations), step)


def _insert(db: sqlite_utils.Database, table: str, rows: Iterable[dict], step: Progress) -> None:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 1000:
            db[table].insert_all(batch)
            step(table, len(batch))
            batch = []
    if batch:
        db[table].insert_all(batch)
        step(table, len(batch))


def write_seed_state(db: sqlite_utils.Database, ledger: Ledger, progress: Progress | None) -> None:
    """Write the seed ledger into an empty schema: its records, its statuses as the first
    journal entries, the relations the rules derive, the seal, and the rules' columns."""
    write_ledger(db, ledger, progress)
    record_seed_statuses(db.conn, ledger.claims)
    rules.derive_question_relations(db.conn)  # part of the seed state: sealed with it
    seal_seed_state(db.conn)  # before any replay: its entries take seed rows over
    standing.refresh(db.conn)


def seed_database(ledger: Ledger) -> sqlite3.Connection:
    """The seed ledger built in memory (without search), for checking it against the rules."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    conn.execute("BEGIN")
    create_schema(db)
    write_seed_state(db, ledger, None)
    conn.execute("COMMIT")
    return conn


def build_database(
    ledger: Ledger,
    db_path: Path,
    progress: Progress | None = None,
    later_entries: Sequence[Entry] = (),
) -> list[rules.Finding]:
    """Write ``ledger`` into a new database at ``db_path``, atomically replacing any old one;
    return the rules' findings on it.

    The journal starts with the seed statuses; ``later_entries`` (fact-checkers' changes kept
    from the previous database or an exported journal) are then replayed on top, in order.
    """
    with building(db_path) as conn:
        db = sqlite_utils.Database(conn)
        conn.execute("BEGIN")
        create_schema(db)
        write_seed_state(db, ledger, progress)
        if later_entries:
            _replay(conn, later_entries, progress)
            standing.refresh(conn)
        findings = rules.run_rules(conn)
        enable_search(db)
        conn.execute("COMMIT")
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise LedgerError(f"foreign key check failed after the build: {problems[:5]}")
    return findings


def _replay(conn: sqlite3.Connection, later: Sequence[Entry], progress: Progress | None) -> None:
    for entry in later:
        replayed = replace(entry, seq=None, prev_hash=None, hash=None)
        try:
            journal.apply(conn, replayed)
        except (JournalConflict, sqlite3.IntegrityError) as exc:
            raise LedgerError(
                f"journal entry {entry.seq} ({entry.action} of {entry.claim_id} by "
                f"{entry.actor_id} at {entry.recorded_at}) no longer applies to the seeds: {exc}"
            ) from None
        if progress:
            progress("journal", 1)
