"""The SQLite layout of the ledger: its tables, indexes, views and full-text search.

The tables and columns created here are a public interface: readers' URLs and scripts use
them, and ``metadata.yml`` describes each one (a test checks that it does). The journal's own
tables and triggers are defined with it in ``journal.py``.
"""

from __future__ import annotations

import sqlite_utils

from .journal import (
    JOURNAL_INDEXES,
    JOURNAL_SCHEMA,
)
from .vocabulary import VOCABULARIES

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
