"""The seed ledger as published: anchored quotes, aliases, relations, no orphans, README counts."""

from __future__ import annotations

import re
import sqlite3

from ledger import rules
from ledger.queries import search_claims

from .conftest import ROOT


def rows(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_every_quote_matches_its_document_at_its_offsets(seed_db):
    for claim_id, quote, start, end, text in rows(
        seed_db,
        "SELECT c.id, c.quote, c.anchor_start, c.anchor_end, d.text FROM claims c "
        "JOIN documents d ON d.id = c.document_id",
    ):
        assert text[start:end] == quote, claim_id


def test_every_alias_finds_claims_about_its_entity(seed_db):
    involved = {}
    for entity_id, claim_id in rows(
        seed_db,
        "SELECT speaker_id, id FROM claims UNION SELECT entity_id, claim_id FROM "
        "claim_subjects UNION SELECT entity_id, claim_id FROM claim_relays",
    ):
        involved.setdefault(entity_id, set()).add(claim_id)
    missing = []
    for entity_id, alias in rows(seed_db, "SELECT entity_id, alias FROM aliases"):
        if entity_id not in involved:
            continue
        found = {r["id"] for r in search_claims(seed_db, alias, limit=1000)}
        if not found & involved[entity_id]:
            missing.append((entity_id, alias))
    assert missing == []


def test_jasim_finds_the_claims_about_jassim(seed_db):
    about = {
        c for (c,) in rows(seed_db, "SELECT claim_id FROM claim_places WHERE place_id = 'jassim'")
    }
    assert about and about <= {r["id"] for r in search_claims(seed_db, "Jasim", limit=1000)}


def test_relation_endpoints_exist_and_differ(seed_db):
    assert rows(
        seed_db,
        "SELECT count(*) FROM relations r LEFT JOIN claims a ON a.id = "
        "r.claim_id LEFT JOIN claims b ON b.id = r.other_claim_id "
        "WHERE a.id IS NULL OR b.id IS NULL OR a.id = b.id",
    ) == [(0,)]
    cross = rows(
        seed_db,
        "SELECT count(*) FROM relations r JOIN claims a ON a.id = r.claim_id "
        "JOIN claims b ON b.id = r.other_claim_id "
        "WHERE a.document_id != b.document_id",
    )[0][0]
    assert cross >= 30


def test_no_orphan_entity_or_place(seed_db):
    orphans = rows(
        seed_db,
        """
        SELECT id FROM entities e WHERE id NOT IN (SELECT id FROM outlets)
          AND NOT EXISTS (SELECT 1 FROM claims WHERE speaker_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM claim_subjects WHERE entity_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM claim_relays WHERE entity_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM affiliations WHERE affiliated_id = e.id)
        UNION ALL
        SELECT id FROM places p WHERE NOT EXISTS (SELECT 1 FROM claim_places
                                                  WHERE place_id = p.id)""",
    )
    assert orphans == []


def test_seed_statuses_are_journaled_with_evidence(seed_db):
    unjournaled = rows(
        seed_db,
        "SELECT id FROM claims c WHERE status != 'unverified' AND NOT "
        "EXISTS (SELECT 1 FROM journal j WHERE j.claim_id = c.id)",
    )
    assert unjournaled == []
    assert rows(seed_db, "SELECT count(*) FROM journal WHERE evidence = '[]'") == [(0,)]


def test_readme_counts_match_the_built_database(seed_db):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## What is in the seed ledger", 1)[1].split("\n## ", 1)[0]
    per_document = dict(re.findall(r"\| `([a-z0-9-]+)` \|[^|]*\| (\d+) \|", section))
    actual = dict(rows(seed_db, "SELECT document_id, count(*) FROM claims GROUP BY 1"))
    assert {k: int(v) for k, v in per_document.items()} == actual
    assert f"**{sum(actual.values())}**" in section
    for column, table in (("status", "claims"), ("kind", "claims"), ("kind", "relations")):
        for value, count in rows(seed_db, f"SELECT {column}, count(*) FROM {table} GROUP BY 1"):
            assert re.search(rf"\b{value} {count}\b", section), (table, value, count)
    facts = {
        "Relations: {}": "SELECT count(*) FROM relations",
        "{} entities": "SELECT count(*) FROM entities",
        "{} anonymous": "SELECT count(*) FROM entities WHERE kind = 'anonymous'",
        "whose {} claims": "SELECT count(*) FROM claims WHERE anonymous = 1",
        "{} places": "SELECT count(*) FROM places",
        "{} disputed questions": "SELECT count(*) FROM questions",
        "{} in all": "SELECT count(*) FROM journal",
        "{} of them between different reports": "SELECT count(*) FROM relations r JOIN claims a "
        "ON a.id = r.claim_id JOIN claims b ON b.id = r.other_claim_id "
        "WHERE a.document_id != b.document_id",
        "{} are curated": "SELECT count(*) FROM relations WHERE origin = 'curated'",
        "{} (all competes) are derived": "SELECT count(*) FROM relations WHERE origin = 'derived'",
        "{} entities noted as maybe the same": "SELECT count(*) FROM entities "
        "WHERE may_be_same_as IS NOT NULL AND may_be_same_as != '[]'",
        "{} claims have an inferred speaker": "SELECT count(*) FROM claims "
        "WHERE speaker_inferred = 1",
    }
    for template, sql in facts.items():
        assert template.format(rows(seed_db, sql)[0][0]) in " ".join(section.split()), template


def test_the_rules_find_no_error_and_every_warning_is_accepted(seed_db):
    conn = sqlite3.connect(seed_db)
    try:
        findings = rules.run_rules(conn)
    finally:
        conn.close()
    assert [str(f) for f in findings if f.is_error] == []
    assert [str(f) for f in findings if not f.accepted] == []
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## What is in the seed ledger", 1)[1].split("\n## ", 1)[0]
    assert f"their {len(findings)} warnings are each accepted" in " ".join(section.split())


def test_no_alias_names_two_entities(seed_db):
    shared = rows(
        seed_db,
        "SELECT lower(alias), group_concat(entity_id) FROM (SELECT entity_id, alias FROM aliases "
        "UNION SELECT id, name FROM entities) GROUP BY lower(alias) "
        "HAVING count(DISTINCT entity_id) > 1",
    )
    assert shared == []


def test_every_document_links_to_its_article(seed_db):
    assert (
        rows(seed_db, "SELECT id FROM documents WHERE url IS NULL OR url NOT LIKE 'https://%'")
        == []
    )
