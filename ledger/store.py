"""The SQLite layout of the ledger, and writing a validated ledger into it.

The tables and columns created here are a public interface: readers' URLs and scripts use
them, and ``metadata.yml`` describes each one (a test checks that it does).

A build writes a new database file next to the target and renames it into place only when
complete, so a failed or interrupted build leaves the previous database untouched.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import sqlite_utils

from . import journal, rules, standing
from .errors import LedgerError
from .journal import (
    JOURNAL_INDEXES,
    JOURNAL_SCHEMA,
    Entry,
    JournalConflict,
    record_seed_statuses,
    seal_seed_state,
)
from .models import Claim, Document, Entity, Place, edtf_bounds, internal_fields
from .seeds import ANCHOR_CONTEXT, Ledger
from .vocabulary import VOCABULARIES, EntityKind, RelationOrigin

Progress = Callable[[str, int], None]
"""Called with a step name and how many records it just wrote."""

SCHEMA_VERSION = 1

FACET_INDEXES = {
    "status_evidence": ["evidence_claim_id"],
    "claims": [
        "status",
        "outlet_id",
        "speaker_id",
        "kind",
        "anonymous",
        "place_id",
        "said_on_earliest",
        "document_id",
        "question",
    ],
    "claim_subjects": ["entity_id"],
    "claim_places": ["place_id"],
    "claim_relays": ["entity_id"],
    "claim_speakers": ["entity_id"],
    "relations": ["claim_id", "other_claim_id", "kind"],
    "aliases": ["alias"],
    "affiliations": ["affiliated_id"],
    "documents": ["outlet_id"],
    "entities": ["kind"],
}
"""An index on every column used as a facet, a filter or a join."""

COVERING = {("claims", "status"): ["status", "id"]}
"""Indexes that carry a second column, so the audit reads claims' statuses from the index."""


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table, foreign key and index of an empty ledger."""
    create_tables(db)
    create_indexes(db)


def create_indexes(db: sqlite_utils.Database) -> None:
    """An index on every facet, filter and join column (after a bulk load, faster)."""
    db["relations"].create_index(
        ["claim_id", "other_claim_id", "kind"], unique=True, if_not_exists=True
    )
    for table, columns in FACET_INDEXES.items():
        for column in columns:
            db[table].create_index(COVERING.get((table, column), [column]), if_not_exists=True)
    for statement in JOURNAL_INDEXES:
        db.execute(statement)


def create_tables(db: sqlite_utils.Database) -> None:
    """Create every table, view and foreign key of an empty ledger, without indexes."""
    for table, vocabulary in VOCABULARIES.items():
        db[table].create(
            {"id": str, "label": str, "definition": str, "position": int},
            pk="id",
            not_null={"label", "definition"},
        )
        db[table].insert_all(vocabulary.rows())

    db["outlets"].create(
        {"id": str, "name": str, "kind": str, "country": str, "url": str, "description": str},
        pk="id",
        not_null={"name", "kind"},
        foreign_keys=[("kind", "outlet_kinds", "id")],
    )
    db["actors"].create(
        {"id": str, "name": str, "role": str, "organization": str},
        pk="id",
        not_null={"name", "role"},
        foreign_keys=[("role", "actor_roles", "id")],
    )
    db["entities"].create(
        {
            "id": str,
            "name": str,
            "kind": str,
            "description": str,
            "aliases": str,
            "anonymity_reason": str,
            "reliability": str,
            "reliability_note": str,
            "note": str,
            "may_be_same_as": str,
        },
        pk="id",
        not_null={"name", "kind"},
        foreign_keys=[("kind", "entity_kinds", "id"), ("reliability", "reliability_grades", "id")],
    )
    db["aliases"].create(
        {"entity_id": str, "alias": str},
        pk=("entity_id", "alias"),
        foreign_keys=[("entity_id", "entities", "id")],
    )
    db["affiliations"].create(
        {"entity_id": str, "affiliated_id": str, "note": str},
        pk=("entity_id", "affiliated_id"),
        foreign_keys=[("entity_id", "entities", "id"), ("affiliated_id", "entities", "id")],
    )
    db["places"].create(
        {
            "id": str,
            "name": str,
            "aliases": str,
            "admin_area": str,
            "country": str,
            "latitude": float,
            "longitude": float,
            "coordinates_source": str,
            "coordinates_precision": str,
            "note": str,
        },
        pk="id",
        not_null={"name", "latitude", "longitude", "coordinates_source"},
        foreign_keys=[("coordinates_precision", "coordinate_precisions", "id")],
    )
    db["questions"].create(
        {"id": str, "title": str, "description": str}, pk="id", not_null={"title"}
    )
    db["documents"].create(
        {
            "id": str,
            "outlet_id": str,
            "title": str,
            "title_note": str,
            "url": str,
            "published": str,
            "published_earliest": str,
            "published_latest": str,
            "published_note": str,
            "authors": str,
            "translator": str,
            "language": str,
            "original_language": str,
            "credit": str,
            "text_file": str,
            "sha256": str,
            "text": str,
        },
        pk="id",
        not_null={"outlet_id", "title", "published", "text", "sha256"},
        foreign_keys=[("outlet_id", "outlets", "id")],
    )
    db["claims"].create(
        {
            "id": str,
            "text": str,
            "quote": str,
            "document_id": str,
            "outlet_id": str,
            "speaker_id": str,
            "speaker_label": str,
            "anonymous": int,
            "cue": str,
            "via": str,
            "said_on": str,
            "said_on_earliest": str,
            "said_on_latest": str,
            "about": str,
            "about_earliest": str,
            "about_latest": str,
            "kind": str,
            "place_id": str,
            "caveat": str,
            "tags": str,
            "question": str,
            "status": str,
            "credibility": str,
            "credibility_note": str,
            "anchor_start": int,
            "anchor_end": int,
            "anchor_prefix": str,
            "anchor_suffix": str,
            "drafted_by": str,
            "note": str,
            "names": str,
            "speaker_inferred": int,
            "also_said_by": str,
            "accepted": str,
            "independent_supports": int,
            "contradicted_by": int,
            "contradicted_by_other_report": int,
        },
        pk="id",
        not_null={
            "text",
            "quote",
            "document_id",
            "outlet_id",
            "speaker_id",
            "speaker_label",
            "anonymous",
            "kind",
            "status",
            "anchor_start",
            "anchor_end",
            "speaker_inferred",
            "independent_supports",
            "contradicted_by",
            "contradicted_by_other_report",
        },
        defaults={
            "speaker_inferred": 0,
            "independent_supports": 0,
            "contradicted_by": 0,
            "contradicted_by_other_report": 0,
        },
        foreign_keys=[
            ("document_id", "documents", "id"),
            ("outlet_id", "outlets", "id"),
            ("speaker_id", "entities", "id"),
            ("kind", "claim_kinds", "id"),
            ("place_id", "places", "id"),
            ("status", "statuses", "id"),
            ("credibility", "credibility_grades", "id"),
            ("question", "questions", "id"),
        ],
    )
    db["claim_subjects"].create(
        {"claim_id": str, "entity_id": str, "role": str},
        pk=("claim_id", "entity_id", "role"),
        foreign_keys=[
            ("claim_id", "claims", "id"),
            ("entity_id", "entities", "id"),
            ("role", "subject_roles", "id"),
        ],
    )
    db["claim_places"].create(
        {"claim_id": str, "place_id": str, "position": int},
        pk=("claim_id", "place_id"),
        foreign_keys=[("claim_id", "claims", "id"), ("place_id", "places", "id")],
    )
    db["claim_relays"].create(
        {"claim_id": str, "position": int, "entity_id": str, "cue": str},
        pk=("claim_id", "position"),
        foreign_keys=[("claim_id", "claims", "id"), ("entity_id", "entities", "id")],
    )
    db["former_claim_ids"].create(
        {"former_id": str, "claim_id": str},
        pk="former_id",
        foreign_keys=[("claim_id", "claims", "id")],
    )
    db["claim_speakers"].create(
        {"claim_id": str, "position": int, "entity_id": str},
        pk=("claim_id", "position"),
        foreign_keys=[("claim_id", "claims", "id"), ("entity_id", "entities", "id")],
    )
    for statement in JOURNAL_SCHEMA:
        db.execute(statement)
    db["relations"].create(
        {
            "id": int,
            "claim_id": str,
            "kind": str,
            "other_claim_id": str,
            "note": str,
            "added_by": str,
            "origin": str,
            "journal_seq": int,
        },
        pk="id",
        not_null={"claim_id", "kind", "other_claim_id", "note", "origin"},
        foreign_keys=[
            ("claim_id", "claims", "id"),
            ("kind", "relation_kinds", "id"),
            ("other_claim_id", "claims", "id"),
            ("added_by", "actors", "id"),
            ("origin", "relation_origins", "id"),
            ("journal_seq", "journal", "seq"),
        ],
    )
    db["status_evidence"].create(
        {"claim_id": str, "evidence": str, "evidence_claim_id": str, "journal_seq": int},
        pk=("claim_id", "evidence"),
        not_null={"journal_seq"},
        foreign_keys=[
            ("claim_id", "claims", "id"),
            ("evidence_claim_id", "claims", "id"),
            ("journal_seq", "journal", "seq"),
        ],
    )
    db.execute(CLAIM_DETAILS_VIEW)
    db.execute(ACCEPTED_WARNINGS_VIEW)
    db["ledger_info"].create({"key": str, "value": str}, pk="key")
    db["ledger_info"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)})


CLAIM_DETAILS_VIEW = """
CREATE VIEW claim_details AS
SELECT
  claims.id AS claim_id,
  claims.text,
  claims.quote,
  speaker.name AS speaker,
  claims.speaker_label,
  claims.anonymous,
  claims.cue,
  claims.via,
  outlets.name AS outlet,
  documents.title AS document,
  claims.said_on,
  claims.about,
  claims.kind,
  statuses.label AS status,
  (SELECT group_concat(places.name, '; ') FROM claim_places
     JOIN places ON places.id = claim_places.place_id
    WHERE claim_places.claim_id = claims.id) AS places,
  (SELECT group_concat(entities.name || ' (' || claim_subjects.role || ')', '; ')
     FROM claim_subjects JOIN entities ON entities.id = claim_subjects.entity_id
    WHERE claim_subjects.claim_id = claims.id) AS subjects,
  claims.caveat
FROM claims
JOIN entities AS speaker ON speaker.id = claims.speaker_id
JOIN outlets ON outlets.id = claims.outlet_id
JOIN documents ON documents.id = claims.document_id
JOIN statuses ON statuses.id = claims.status
"""


ACCEPTED_WARNINGS_VIEW = """
CREATE VIEW accepted_warnings AS
SELECT claims.id AS claim_id,
       json_extract(acceptance.value, '$.rule') AS rule,
       json_extract(acceptance.value, '$.rationale') AS rationale,
       NULL AS accepted_by,
       NULL AS journal_seq
  FROM claims, json_each(claims.accepted) AS acceptance
 WHERE claims.accepted IS NOT NULL
UNION ALL
SELECT journal.claim_id, rule.value, journal.rationale, journal.actor_id, journal.seq
  FROM journal, json_each(journal.new_value) AS rule
 WHERE journal.action = 'accept'
"""
"""Warnings accepted with a rationale: by a curator in the seeds, or by a fact-checker through
the journal (an entry whose new_value lists the rules)."""


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


CLAIM_CHILD_TABLES = (
    "claim_subjects",
    "claim_places",
    "claim_relays",
    "claim_speakers",
    "former_claim_ids",
)
"""Tables holding a claim's lists, one row per item, in the order they are written."""


def claim_children(claim: Claim) -> dict[str, list[dict]]:
    """A claim's rows in each of ``CLAIM_CHILD_TABLES``; every build road writes these."""
    return {
        "claim_subjects": [
            {"claim_id": claim.id, "entity_id": s.entity, "role": s.role.value}
            for s in claim.subjects
        ],
        "claim_places": [
            {"claim_id": claim.id, "place_id": p, "position": i} for i, p in enumerate(claim.places)
        ],
        "claim_relays": [
            {"claim_id": claim.id, "position": i, "entity_id": r.entity, "cue": r.cue}
            for i, r in enumerate(claim.via)
        ],
        "claim_speakers": [
            {"claim_id": claim.id, "position": i, "entity_id": e}
            for i, e in enumerate(claim.speakers)
        ],
        "former_claim_ids": [{"former_id": f, "claim_id": claim.id} for f in claim.former_ids],
    }


def relation_row(relation) -> dict:
    return {
        "claim_id": relation.claim,
        "kind": relation.kind.value,
        "other_claim_id": relation.other,
        "note": relation.note,
        "added_by": relation.by,
        "origin": RelationOrigin(relation.origin).value,
    }


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


def entity_row(entity: Entity) -> dict:
    row = entity.model_dump(mode="json", exclude={"affiliations", *internal_fields(Entity)})
    row["aliases"] = json.dumps(entity.aliases, ensure_ascii=False)
    row["may_be_same_as"] = json.dumps(entity.may_be_same_as)
    return row


def place_row(place: Place) -> dict:
    row = place.model_dump(mode="json")
    row["aliases"] = json.dumps(place.aliases, ensure_ascii=False)
    return row


def document_row(document: Document) -> dict:
    row = document.model_dump(mode="json", exclude={"outlet"})
    row["outlet_id"] = document.outlet
    row["authors"] = json.dumps(document.authors, ensure_ascii=False)
    row["published_earliest"], row["published_latest"] = edtf_bounds(document.published)
    return row


EntityNames = dict[str, tuple[str, bool]]
"""Entity id -> ("Name | alias | ...", whether it is an anonymous source)."""


def name_index(entities, places) -> tuple[EntityNames, dict[str, str]]:
    """The names of every entity and place, as claim rows need them."""
    entity_names = {
        e.id: (" | ".join(dict.fromkeys([e.name, *e.aliases])), e.kind is EntityKind.ANONYMOUS)
        for e in entities
    }
    place_names = {p.id: " | ".join(dict.fromkeys([p.name, *p.aliases])) for p in places}
    return entity_names, place_names


def via_text(claim: Claim, entity_names: EntityNames) -> str | None:
    """The relay chain as one readable line: 'Al-Naba relayed from security sources'."""
    if not claim.via:
        return None
    return "; ".join(f"{entity_names[r.entity][0].split(' | ')[0]} {r.cue}" for r in claim.via)


def search_names(claim: Claim, entity_names: EntityNames, place_names: dict[str, str]) -> str:
    """Every name and alias of who and where the claim involves, so any spelling finds it."""
    involved = [
        *claim.speakers,
        *(s.entity for s in claim.subjects),
        *(r.entity for r in claim.via),
    ]
    parts = [entity_names[e][0] for e in involved] + [place_names[p] for p in claim.places]
    return " | ".join(dict.fromkeys(name for part in parts for name in part.split(" | ")))


def claim_row(
    claim: Claim, document: Document, entity_names: EntityNames, place_names: dict[str, str]
) -> dict:
    """A claims row: the claim with its derived columns, completing its anchor and date."""
    said_on = claim.said_on or document.published
    said = edtf_bounds(said_on)
    about = edtf_bounds(claim.about) if claim.about else (None, None)
    start = claim.anchor.start
    end = start + len(claim.quote)
    text = document.text
    return {
        "id": claim.id,
        "text": claim.text,
        "quote": claim.quote,
        "document_id": document.id,
        "outlet_id": document.outlet,
        "speaker_id": claim.speaker,
        "speaker_label": claim.speaker_label,
        "anonymous": int(entity_names[claim.speaker][1]),
        "cue": claim.cue,
        "via": via_text(claim, entity_names),
        "said_on": said_on,
        "said_on_earliest": said[0],
        "said_on_latest": said[1],
        "about": claim.about,
        "about_earliest": about[0],
        "about_latest": about[1],
        "kind": claim.kind.value,
        "place_id": claim.places[0] if claim.places else None,
        "caveat": claim.caveat,
        "tags": json.dumps(claim.tags) if claim.tags else "[]",
        "question": claim.question,
        "status": claim.status.value,
        "credibility": claim.credibility.value if claim.credibility else None,
        "credibility_note": claim.credibility_note,
        "anchor_start": start,
        "anchor_end": end,
        "anchor_prefix": text[max(0, start - ANCHOR_CONTEXT) : start],
        "anchor_suffix": text[end : end + ANCHOR_CONTEXT],
        "drafted_by": claim.drafted_by,
        "note": claim.note,
        "names": search_names(claim, entity_names, place_names),
        "speaker_inferred": int(claim.speaker_inferred),
        "also_said_by": json.dumps(claim.also_said_by) if claim.also_said_by else None,
        "accepted": (
            json.dumps([a.model_dump(mode="json") for a in claim.accepted], ensure_ascii=False)
            if claim.accepted
            else None
        ),
    }


SEARCHED = {
    "claims": ["text", "quote", "speaker_label", "names"],
    "entities": ["name", "aliases", "description"],
    "places": ["name", "aliases", "admin_area"],
    "documents": ["title", "text"],
}
"""The columns full-text search covers, per table."""


def enable_search(db: sqlite_utils.Database) -> None:
    """FTS5 with the porter stemmer over claims, entities, places and documents.

    The index follows updates of the searched columns only: a status change or a recount of a
    claim's supports rewrites no search entry.
    """
    for table, columns in SEARCHED.items():
        db[table].enable_fts(columns, fts_version="FTS5", tokenize="porter", create_triggers=True)
        names = ", ".join(f'"{c}"' for c in columns)
        old = ", ".join(f'old."{c}"' for c in columns)
        new = ", ".join(f'new."{c}"' for c in columns)
        db.execute(f'DROP TRIGGER "{table}_au"')
        db.execute(
            f'CREATE TRIGGER "{table}_au" AFTER UPDATE OF {names} ON "{table}" BEGIN\n'
            f'  INSERT INTO "{table}_fts" ("{table}_fts", rowid, {names}) '
            f"VALUES('delete', old.rowid, {old});\n"
            f'  INSERT INTO "{table}_fts" (rowid, {names}) VALUES (new.rowid, {new});\n'
            "END"
        )


def connect(db_path: Path, *, must_exist: bool = True) -> sqlite_utils.Database:
    """Open a ledger database for reading and writing, with foreign keys enforced.

    With ``must_exist``, refuse in one sentence anything that is not a built ledger: a missing
    path, a directory, a file that is not SQLite, a SQLite file without the ledger's tables.
    """
    if must_exist and not Path(db_path).exists():
        raise LedgerError(f"{db_path}: no ledger database here; run `ledger build` first")
    if must_exist and not Path(db_path).is_file():
        raise LedgerError(f"{db_path}: not a file, so not a ledger database")
    conn = sqlite3.connect(str(db_path), timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                "('claims', 'journal')"
            )
        }
    except sqlite3.OperationalError as exc:  # e.g. locked past the timeout, unreadable
        conn.close()
        raise LedgerError(f"{db_path}: cannot read the database ({exc})") from None
    except sqlite3.DatabaseError:
        conn.close()
        raise LedgerError(f"{db_path}: not a SQLite database, so not a ledger") from None
    if must_exist and tables != {"claims", "journal"}:
        conn.close()
        raise LedgerError(
            f"{db_path}: a SQLite file without the ledger's tables; run `ledger build`"
        )
    return sqlite_utils.Database(conn)


@contextmanager
def replacing(db_path: Path):
    """Yield a path to build into; move it over ``db_path`` only if the block succeeds."""
    db_path = Path(db_path)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(db_path)
    except OSError as exc:
        raise LedgerError(f"{db_path.parent}: cannot write here ({exc.strerror})") from None
    building = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    try:
        yield building
        os.replace(building, db_path)
    except (sqlite3.OperationalError, OSError) as exc:
        # A full disk, a read-only directory: the old file is untouched; say so plainly.
        raise LedgerError(
            f"{db_path}: could not write the new database ({exc}); the previous one is unchanged"
        ) from None
    finally:
        for leftover in (building, building.with_name(building.name + "-journal")):
            leftover.unlink(missing_ok=True)


def _remove_stale_builds(db_path: Path) -> None:
    """Delete files left by builds that were killed (their process no longer exists)."""
    for stale in db_path.parent.glob(f".{db_path.name}.building-*"):
        match = re.search(r"\.building-(\d+)(?:-journal)?$", stale.name)
        if match and not _alive(int(match.group(1))):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    with replacing(db_path) as building:
        conn = sqlite3.connect(str(building), isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = OFF")  # a fresh file: the rename is the commit
            conn.execute("PRAGMA synchronous = OFF")
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
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        _fsync(building)
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


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
