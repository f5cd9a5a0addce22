"""How a claim stands: who supports it and whether independently, what opposes it, what rests on it.

The verification rules (``ledger/rules.py``), the claim page's "why" (``ledger/queries.py``) and
the derived columns of ``claims`` (independent_supports, contradicted_by,
contradicted_by_other_report) and the table ``status_evidence`` all read these functions, so
they cannot disagree. ``refresh`` recomputes the derived columns and table, for the whole
ledger at build time or for the claims a change touches, in the change's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from .vocabulary import RelationKind, RelationOrigin, Status

SUPPORTING = frozenset({Status.CORROBORATED.value, Status.CONFIRMED.value})
"""Statuses that say a claim stands: they need support, and two opposed claims cannot share them."""

FAILED = frozenset({Status.FALSE.value, Status.DISPUTED.value})
"""Statuses of a claim shown wrong: its support counts for nothing, and it has been faced."""

OPEN = frozenset({Status.UNVERIFIED.value, Status.CONTESTED.value, Status.UNVERIFIABLE.value})
"""Statuses that settle nothing."""

OPPOSING = (RelationKind.CONTRADICTS.value, RelationKind.COMPETES.value)

LINKING = f"origin != '{RelationOrigin.SUGGESTED.value}'"
"""Relations that count: curated and derived ones; a tool's suggestion is nobody's word yet."""

Scope = Collection[str] | None
"""Claim ids to look at, or None for the whole ledger."""


# -- who supports whom -------------------------------------------------------------------


@dataclass
class ClaimFacts:
    id: str
    speakers: list[str]
    speaker_inferred: bool
    document: str
    outlet: str
    status: str
    relays: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Support:
    """A claim that corroborates another, and why it does not count, if it does not."""

    claim: str
    reason: str | None

    @property
    def independent(self) -> bool:
        return self.reason is None


def sql_in(column: str, ids: Scope) -> tuple[str, tuple]:
    """A SQL condition restricting ``column`` to ``ids`` (none for the whole ledger)."""
    if ids is None:
        return "1", ()
    return f"{column} IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)


def same_source_groups(conn: sqlite3.Connection) -> dict[str, str]:
    """Entity id -> one representative of the entities it may be the same as (symmetric and
    transitive in effect); entities without such doubts are left out."""
    parent: dict[str, str] = {}

    def root(entity: str) -> str:
        while parent.get(entity, entity) != entity:
            entity = parent[entity]
        return entity

    for entity, other in conn.execute(
        "SELECT entities.id, doubt.value FROM entities, json_each(entities.may_be_same_as) doubt "
        "WHERE entities.may_be_same_as IS NOT NULL AND entities.may_be_same_as != '[]'"
    ):
        a, b = root(entity), root(other)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {entity: root(entity) for entity in parent}


def claim_facts(conn: sqlite3.Connection, ids: Scope) -> dict[str, ClaimFacts]:
    where, params = sql_in("id", ids)
    facts = {
        row[0]: ClaimFacts(row[0], [row[1]], bool(row[2]), row[3], row[4], row[5])
        for row in conn.execute(
            "SELECT id, speaker_id, speaker_inferred, document_id, outlet_id, status FROM claims "
            f"WHERE {where}",
            params,
        )
    }
    where, params = sql_in("claim_id", ids)
    for claim_id, entity in conn.execute(
        f"SELECT claim_id, entity_id FROM claim_speakers WHERE {where} AND position > 0 "
        "ORDER BY claim_id, position",
        params,
    ):
        if claim_id in facts:
            facts[claim_id].speakers.append(entity)
    for claim_id, entity in conn.execute(
        f"SELECT claim_id, entity_id FROM claim_relays WHERE {where} ORDER BY claim_id, position",
        params,
    ):
        if claim_id in facts:
            facts[claim_id].relays.append(entity)
    return facts


def linking_relations(conn: sqlite3.Connection, ids: Scope, kinds: tuple[str, ...]) -> list:
    """(claim, kind, other, origin) of counted relations of these kinds touching ``ids``."""
    kinds_sql = ", ".join(f"'{k}'" for k in kinds)
    base = (
        "SELECT claim_id, kind, other_claim_id, origin FROM relations "
        f"WHERE kind IN ({kinds_sql}) AND {LINKING}"
    )
    if ids is None:
        return conn.execute(base).fetchall()
    where_a, params = sql_in("claim_id", ids)
    where_b, _ = sql_in("other_claim_id", ids)
    return conn.execute(
        f"{base} AND {where_a} UNION {base} AND {where_b}", params + params
    ).fetchall()


def dependence(
    claim: ClaimFacts, support: ClaimFacts, repeats: set[frozenset], same: dict[str, str]
) -> str | None:
    """Why ``support`` is not an independent source for ``claim``, or None if it is."""
    if support.status in FAILED:
        return f"it is itself marked {support.status}"
    if support.speaker_inferred:
        return "its speaker is inferred: the report prints none"
    # A claim with several speakers (one quote given to "both sources") shares a source with
    # any claim by any of them.
    if set(support.speakers) & set(claim.speakers):
        return "the same speaker"
    if {same.get(e, e) for e in support.speakers} & {same.get(e, e) for e in claim.speakers}:
        return "its speaker may be the same person or body as this claim's"
    if frozenset((claim.id, support.id)) in repeats:
        return "one repeats the other"
    chain = {same.get(e, e) for e in [*claim.speakers, *claim.relays]}
    shared = [e for e in [*support.speakers, *support.relays] if same.get(e, e) in chain]
    if shared:
        return f"both come through the same source ({shared[0]})"
    if claim.outlet == support.outlet and claim.outlet in (*claim.speakers, *support.speakers):
        return "the outlet restating its own source"
    return None


def support_table(conn: sqlite3.Connection, ids: Scope) -> dict[str, list[Support]]:
    """For each claim in ``ids`` (all when None), the claims that corroborate it and whether
    each counts as an independent source."""
    relations = linking_relations(
        conn, ids, (RelationKind.CORROBORATES.value, RelationKind.REPEATS.value)
    )
    wanted = None if ids is None else set(ids)
    partners: dict[str, list[str]] = {}
    repeats: set[frozenset] = set()
    for claim, kind, other, origin in relations:
        if kind == RelationKind.REPEATS.value:
            repeats.add(frozenset((claim, other)))
        elif origin == RelationOrigin.CURATED.value:
            for a, b in ((claim, other), (other, claim)):
                if wanted is None or a in wanted:
                    partners.setdefault(a, []).append(b)
    involved = set(partners) | {b for others in partners.values() for b in others}
    facts = claim_facts(conn, involved)
    same = same_source_groups(conn)
    table: dict[str, list[Support]] = {}
    for claim_id, others in partners.items():
        claim = facts[claim_id]
        table[claim_id] = [
            Support(other, dependence(claim, facts[other], repeats, same))
            for other in sorted(set(others))
        ]
    return table


# -- keeping the derived columns current -----------------------------------------------------


def neighbourhood(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """The claims and every claim whose findings or counts a change to them can alter:
    related claims, claims citing them as evidence and the claims they cite."""
    ids = set(ids)
    where_a, params = sql_in("claim_id", ids)
    where_b, _ = sql_in("other_claim_id", ids)
    where_e, _ = sql_in("evidence_claim_id", ids)
    found = set(ids)
    for (claim_id,) in conn.execute(
        f"SELECT other_claim_id FROM relations WHERE {where_a} "
        f"UNION SELECT claim_id FROM relations WHERE {where_b} "
        f"UNION SELECT claim_id FROM status_evidence WHERE {where_e} "
        f"UNION SELECT evidence_claim_id FROM status_evidence WHERE {where_a} "
        "AND evidence_claim_id IS NOT NULL",
        params * 4,
    ):
        found.add(claim_id)
    return found


def refresh(conn: sqlite3.Connection, claim_ids: Scope = None) -> None:
    """Recompute the claims' rule columns and status_evidence (all, or for ``claim_ids``)."""
    scope = None if claim_ids is None else sorted(set(claim_ids))
    where, params = sql_in("claim_id", scope)
    conn.execute(f"DELETE FROM status_evidence WHERE {where}", params)
    sql, params = _status_evidence(scope)
    conn.execute(
        "INSERT INTO status_evidence (claim_id, evidence, evidence_claim_id, journal_seq) " + sql,
        params,
    )
    where, params = sql_in("id", scope)
    conn.execute(
        "UPDATE claims SET independent_supports = 0, contradicted_by = 0, "
        "contradicted_by_other_report = 0 "
        f"WHERE {where} AND (independent_supports != 0 OR contradicted_by != 0 "
        "OR contradicted_by_other_report != 0)",
        params,
    )
    for counts in _reason_counts_in_batches(conn, scope):
        rowids = conn.execute(
            "SELECT rowid, id FROM claims WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(counts)),),
        ).fetchall()
        # In rowid order, so a large refresh (a bulk build) writes the table's pages in order.
        conn.executemany(
            "UPDATE claims SET independent_supports = ?, contradicted_by = ?, "
            "contradicted_by_other_report = ? WHERE rowid = ?",
            [(*counts[claim], rowid) for rowid, claim in sorted(rowids)],
        )


def drift(conn: sqlite3.Connection) -> list[str]:
    """Where the rules' columns or status_evidence differ from what the ledger implies now
    (they are kept current in every change's transaction, so this should say nothing)."""
    problems = []
    stored = {
        claim: tuple(values)
        for claim, *values in conn.execute(
            "SELECT id, independent_supports, contradicted_by, contradicted_by_other_report "
            "FROM claims WHERE independent_supports != 0 OR contradicted_by != 0 "
            "OR contradicted_by_other_report != 0"
        )
    }
    computed = {
        claim: values
        for counts in _reason_counts_in_batches(conn, None)
        for claim, values in counts.items()
        if any(values)
    }
    for claim in sorted(set(stored) | set(computed)):
        if stored.get(claim, (0, 0, 0)) != computed.get(claim, (0, 0, 0)):
            problems.append(
                f"claim {claim}: independent_supports, contradicted_by and "
                f"contradicted_by_other_report are {stored.get(claim, (0, 0, 0))} but the "
                f"relations and statuses give {computed.get(claim, (0, 0, 0))}"
            )
    held = set(
        conn.execute(
            "SELECT claim_id, evidence, evidence_claim_id, journal_seq FROM status_evidence"
        )
    )
    implied = set(conn.execute(_status_evidence(None)[0]))
    for claim_id, evidence, *_ in sorted(held ^ implied, key=lambda r: (r[0], r[1])):
        problems.append(
            f"status_evidence of claim {claim_id} ({evidence}) is not what its last status "
            "entry cites"
        )
    return problems


def _status_evidence(scope: list[str] | None) -> tuple[str, tuple]:
    """SQL for (claim, evidence, evidence claim or None, entry): what each claim's current
    status cites, i.e. its last status entry's evidence unless that entry set it back to
    unverified. All in SQLite, so a million claims take no memory here."""
    if scope is None:
        current = "SELECT max(seq) FROM journal WHERE action = 'status' GROUP BY claim_id"
        params: tuple = ()
    else:
        current = (
            "SELECT (SELECT max(seq) FROM journal WHERE claim_id = wanted.value "
            "AND action = 'status') FROM json_each(?) AS wanted"
        )
        params = (json.dumps(scope),)
    sql = f"""
        SELECT j.claim_id, item.value, (SELECT id FROM claims WHERE id = item.value), j.seq
          FROM journal j, json_each(j.evidence) AS item
         WHERE j.seq IN ({current}) AND j.new_value != 'unverified'
         GROUP BY j.claim_id, item.value
    """
    return sql, params


BATCH = 20_000
"""Claims whose counts are computed at a time: a bulk build's refresh holds no more."""


def _reason_counts_in_batches(conn: sqlite3.Connection, scope: list[str] | None):
    """The counts of the claims in ``scope`` (all related claims when None), batch by batch."""
    if scope is None:
        scope = [
            claim_id
            for (claim_id,) in conn.execute(
                f"SELECT claim_id FROM relations WHERE {LINKING} "
                f"UNION SELECT other_claim_id FROM relations WHERE {LINKING}"
            )
        ]
    for start in range(0, len(scope), BATCH):
        yield _reason_counts(conn, scope[start : start + BATCH])


def _reason_counts(conn: sqlite3.Connection, scope: list[str]) -> dict[str, tuple]:
    """(independent supports, contradicted by, by another report) of the claims in ``scope``
    that have any relation (the others are all zero)."""
    supports = support_table(conn, scope)
    wanted = set(scope)
    opposed: dict[str, set[str]] = {}
    for claim, _kind, other, _origin in linking_relations(conn, scope, OPPOSING):
        for a, b in ((claim, other), (other, claim)):
            if a in wanted:
                opposed.setdefault(a, set()).add(b)
    involved = set(opposed).union(*opposed.values())
    documents = dict(
        conn.execute(
            "SELECT id, document_id FROM claims WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(involved)),),
        )
    )
    return {
        claim: (
            sum(s.independent for s in supports.get(claim, [])),
            len(opposed.get(claim, ())),
            sum(documents[o] != documents[claim] for o in opposed.get(claim, ())),
        )
        for claim in set(supports) | set(opposed)
    }


def current_status_entry(conn: sqlite3.Connection, claim_id: str) -> tuple[str, list[str]] | None:
    """The rationale and evidence of the claim's last status entry, if it has one."""
    row = conn.execute(
        "SELECT rationale, evidence FROM journal WHERE claim_id = ? AND action = 'status' "
        "ORDER BY seq DESC LIMIT 1",
        (claim_id,),
    ).fetchone()
    return (row[0], json.loads(row[1])) if row else None


@dataclass(frozen=True)
class Opposed:
    a: str
    b: str
    kind: str
    origin: str
    status_a: str
    status_b: str
    supports_a: int
    supports_b: int
    question_a: str | None
    question_b: str | None


def opposed_pairs(conn: sqlite3.Connection, scope: Scope) -> list[Opposed]:
    where_a, params = sql_in("r.claim_id", scope)
    where_b, _ = sql_in("r.other_claim_id", scope)
    base = (
        "SELECT r.claim_id, r.other_claim_id, r.kind, r.origin, a.status, b.status, "
        "a.independent_supports, b.independent_supports, a.question, b.question "
        "FROM relations r JOIN claims a ON a.id = r.claim_id "
        "JOIN claims b ON b.id = r.other_claim_id "
        f"WHERE r.kind IN ('contradicts', 'competes') AND r.{LINKING}"
    )
    if scope is None:
        rows = conn.execute(base).fetchall()
    else:
        rows = conn.execute(
            f"{base} AND {where_a} UNION {base} AND {where_b}", params + params
        ).fetchall()
    return [Opposed(*row) for row in sorted(rows, key=lambda r: (r[0], r[1], r[2]))]


def affected_claims(conn: sqlite3.Connection, claim_id: str) -> list[dict]:
    """Claims that rest on this one: they repeat it, cite it for their status, or count it as
    support. When it becomes false, disputed or contested, each must be looked at again."""
    rows = conn.execute(
        f"""
        SELECT r.claim_id, 'repeats it' FROM relations r
         WHERE r.kind = 'repeats' AND r.other_claim_id = :id AND r.{LINKING}
        UNION
        SELECT se.claim_id, 'cites it as evidence for its status' FROM status_evidence se
         WHERE se.evidence_claim_id = :id
        UNION
        SELECT CASE WHEN r.claim_id = :id THEN r.other_claim_id ELSE r.claim_id END,
               'counts it as corroboration'
          FROM relations r
         WHERE r.kind = 'corroborates' AND r.origin = 'curated'
           AND (r.claim_id = :id OR r.other_claim_id = :id)
        """,
        {"id": claim_id},
    ).fetchall()
    how: dict[str, list[str]] = {}
    for other, reason in rows:
        how.setdefault(other, []).append(reason)
    if not how:
        return []
    details = conn.execute(
        """
        SELECT c.id, c.text, c.status, e.name, o.name FROM claims c
          JOIN entities e ON e.id = c.speaker_id JOIN outlets o ON o.id = c.outlet_id
         WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.id
        """,
        (json.dumps(sorted(how)),),
    ).fetchall()
    return [
        {
            "id": other,
            "text": text,
            "status": status,
            "status_label": Status(status).label,
            "speaker": speaker,
            "outlet": outlet,
            "how": sorted(how[other]),
        }
        for other, text, status, speaker, outlet in details
        # Only claims that stand on it: an unverified claim rests on nothing yet.
        if status in SUPPORTING or "repeats it" in how[other]
    ]
