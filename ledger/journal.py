"""The verification journal: an append-only, hash-chained record of every change.

Each entry's hash is SHA-256 over a canonical JSON serialisation of the entry and the previous
entry's hash, so editing, deleting or reordering any entry breaks every hash after it. SQLite
triggers refuse UPDATE and DELETE; ``audit.py`` recomputes the chain and checks the tables
against it. What no entry records (the seeds' relations and grades, the actors) is sealed at
build time (SEALED_PARTS).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from pydantic import ConfigDict, TypeAdapter

from .vocabulary import JournalAction, RelationKind, Status

GENESIS_HASH = "0" * 64
"""The prev_hash of the first entry."""

HASHED_FIELDS = (
    "seq",
    "claim_id",
    "action",
    "old_value",
    "new_value",
    "actor_id",
    "recorded_at",
    "rationale",
    "evidence",
    "origin",
    "prev_hash",
)

JOURNAL_TRIGGERS = {
    "journal_no_update": """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: UPDATE refused'); END""",
    "journal_no_delete": """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: DELETE refused'); END""",
}
"""The triggers that make SQLite itself refuse edits and deletions; audit checks they are there,
exactly as written here."""

JOURNAL_SCHEMA = (
    """CREATE TABLE journal (
      seq INTEGER PRIMARY KEY,
      claim_id TEXT NOT NULL REFERENCES claims(id),
      action TEXT NOT NULL REFERENCES journal_actions(id),
      old_value TEXT,
      new_value TEXT,
      actor_id TEXT NOT NULL REFERENCES actors(id),
      recorded_at TEXT NOT NULL,
      rationale TEXT NOT NULL CHECK (length(trim(rationale)) > 0),
      evidence TEXT NOT NULL DEFAULT '[]',
      origin TEXT NOT NULL CHECK (origin IN ('seed', 'ledger')),
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE
    )""",
    *JOURNAL_TRIGGERS.values(),
    """CREATE TABLE seed_state (
      part TEXT PRIMARY KEY,
      row_count INTEGER NOT NULL,
      digest TEXT NOT NULL
    )""",
)
"""The journal table and its triggers, and the seal of the seed state it does not record."""

JOURNAL_INDEXES = (
    "CREATE INDEX IF NOT EXISTS journal_claim_id ON journal(claim_id)",
    "CREATE INDEX IF NOT EXISTS journal_action ON journal(action)",
    "CREATE INDEX IF NOT EXISTS journal_actor_id ON journal(actor_id)",
    # The other claim of a relation entry, so a claim's history is found from either side.
    "CREATE INDEX IF NOT EXISTS journal_other_claim ON journal("
    "json_extract(coalesce(new_value, old_value), '$.other')) "
    "WHERE action IN ('relate', 'unrelate')",
    # The few claims with a credibility grade, so sealing the seeds' grades reads no more.
    "CREATE INDEX IF NOT EXISTS claims_graded ON claims(id, credibility, credibility_note) "
    "WHERE credibility IS NOT NULL OR credibility_note IS NOT NULL",
)


@dataclass(frozen=True)
class Entry:
    """One journal entry; ``seq``, ``prev_hash`` and ``hash`` are set when it is appended."""

    claim_id: str
    action: str
    actor_id: str
    recorded_at: str
    rationale: str
    old_value: str | None = None
    new_value: str | None = None
    evidence: list[str] = field(default_factory=list)
    origin: str = "ledger"
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    # Entries read from files are validated by pydantic (see ENTRY): no unknown fields.
    __pydantic_config__ = ConfigDict(extra="forbid")

    def hashed(self) -> dict:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def as_row(self) -> dict:
        row = dict(self.__dict__)  # not asdict(): it deep-copies, too slow for bulk loads
        row["evidence"] = evidence_json(self.evidence)
        return row

    @classmethod
    def from_row(cls, row: dict) -> Entry:
        values = dict(row)
        values["evidence"] = json.loads(values["evidence"] or "[]")
        return cls(**{k: values[k] for k in cls.__dataclass_fields__})


ENTRY = TypeAdapter(Entry)
"""Checks the type of every field of an entry read from a file (a journal export, a stream)."""

_encode = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring


def evidence_json(evidence: list[str]) -> str:
    """Evidence as stored and hashed: compact JSON (a list of strings)."""
    return "[" + ",".join(_encode(item) for item in evidence) + "]"


def canonical(
    seq,
    claim_id,
    action,
    old_value,
    new_value,
    actor_id,
    recorded_at,
    rationale,
    evidence,
    origin,
    prev_hash,
) -> str:
    """The JSON an entry's hash covers: its fields and prev_hash, keys sorted, no spaces.

    Equal to json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False) of
    those fields, with ``evidence`` as its stored compact JSON (a test checks); written out
    by hand because the audit recomputes it for every entry.
    """
    return (
        '{"action":'
        + _encode(action)
        + ',"actor_id":'
        + _encode(actor_id)
        + ',"claim_id":'
        + _encode(claim_id)
        + ',"evidence":'
        + evidence
        + ',"new_value":'
        + ("null" if new_value is None else _encode(new_value))
        + ',"old_value":'
        + ("null" if old_value is None else _encode(old_value))
        + ',"origin":'
        + _encode(origin)
        + ',"prev_hash":'
        + _encode(prev_hash)
        + ',"rationale":'
        + _encode(rationale)
        + ',"recorded_at":'
        + _encode(recorded_at)
        + ',"seq":'
        + str(seq)
        + "}"
    )


def entry_hash(entry: Entry, prev_hash: str) -> str:
    """SHA-256 over the entry's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = canonical(
        entry.seq,
        entry.claim_id,
        entry.action,
        entry.old_value,
        entry.new_value,
        entry.actor_id,
        entry.recorded_at,
        entry.rationale,
        evidence_json(entry.evidence),
        entry.origin,
        prev_hash,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_now() -> str:
    """The current UTC time as ISO 8601 with microseconds and a Z."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def relation_value(claim_id: str, kind: str, other_id: str, note: str, origin: str) -> str:
    """The canonical JSON a relate or unrelate entry stores as its value."""
    return json.dumps(
        {"claim": claim_id, "kind": kind, "other": other_id, "note": note, "origin": origin},
        sort_keys=True,
        ensure_ascii=False,
    )


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken at once (BEGIN IMMEDIATE), so appenders queue, not race."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back (a full disk)
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.OperationalError:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def append(conn: sqlite3.Connection, entry: Entry) -> Entry:
    """Chain and insert one entry; the caller holds the write transaction."""
    last = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    chained = replace(entry, seq=seq, prev_hash=prev_hash, hash=None)
    final = replace(chained, hash=entry_hash(chained, prev_hash))
    row = final.as_row()
    columns = ", ".join(row)
    conn.execute(
        f"INSERT INTO journal ({columns}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    return final


class JournalConflict(Exception):
    """An entry cannot be applied to the tables as they are (e.g. on replay after a rebuild)."""


def apply(conn: sqlite3.Connection, entry: Entry) -> Entry:
    """Append ``entry`` and make the tables say what it says; the caller holds the transaction.

    Used both for new changes and to replay earlier changes onto a rebuilt ledger, so the
    tables are always a view of the journal.
    """
    action = JournalAction(entry.action)
    if action is JournalAction.STATUS:
        current = scalar(conn, "SELECT status FROM claims WHERE id = ?", entry.claim_id)
        if current != entry.old_value:
            raise JournalConflict(
                f"claim {entry.claim_id} is {current!r}, not {entry.old_value!r} as the entry "
                "expects"
            )
    if action is JournalAction.GRADE:
        # From this entry on, the claim's grade is the journal's to account for, not the seal's.
        unseal(conn, "grades", entry.claim_id)
    final = append(conn, entry)
    if action is JournalAction.STATUS:
        conn.execute("UPDATE claims SET status = ? WHERE id = ?", (entry.new_value, entry.claim_id))
    elif action is JournalAction.GRADE:
        grade = json.loads(entry.new_value)
        conn.execute(
            "UPDATE claims SET credibility = ?, credibility_note = ? WHERE id = ?",
            (grade["credibility"], grade["note"], entry.claim_id),
        )
    elif action is JournalAction.RELATE:
        value = json.loads(entry.new_value)
        existing = find_relation(conn, value["claim"], value["kind"], value["other"])
        if existing is not None:
            unseal(conn, "relations", existing)
            conn.execute(
                "UPDATE relations SET note = ?, added_by = ?, origin = ?, journal_seq = ? "
                "WHERE id = ?",
                (value["note"], entry.actor_id, value["origin"], final.seq, existing),
            )
        else:
            conn.execute(
                "INSERT INTO relations (claim_id, kind, other_claim_id, note, added_by, origin, "
                "journal_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    value["claim"],
                    value["kind"],
                    value["other"],
                    value["note"],
                    entry.actor_id,
                    value["origin"],
                    final.seq,
                ),
            )
    elif action is JournalAction.UNRELATE:
        value = json.loads(entry.old_value)
        existing = find_relation(conn, value["claim"], value["kind"], value["other"])
        if existing is None:
            raise JournalConflict(
                f"there is no relation {value['claim']} {value['kind']} {value['other']} to "
                "withdraw"
            )
        unseal(conn, "relations", existing)
        conn.execute("DELETE FROM relations WHERE id = ?", (existing,))
    return final


def find_relation(conn: sqlite3.Connection, claim_id: str, kind: str, other_id: str) -> int | None:
    """The row id of a relation, looking both ways round for symmetric kinds."""
    pairs = [(claim_id, other_id)]
    if RelationKind(kind).symmetric:
        pairs.append((other_id, claim_id))
    for a, b in pairs:
        found = scalar(
            conn,
            "SELECT id FROM relations WHERE claim_id = ? AND kind = ? AND other_claim_id = ?",
            a,
            kind,
            b,
        )
        if found is not None:
            return found
    return None


# -- the seal of the seed state ----------------------------------------------------------


@dataclass(frozen=True)
class SealedPart:
    """Rows of the seed state that no journal entry records, sealed by one digest."""

    description: str
    table: str
    row: str  # SQL: the canonical text of one row
    condition: str  # SQL: which rows of the table are in the part


SEALED_PARTS = {
    "relations": SealedPart(
        "seed relations (no journal entry made them)",
        "relations",
        "json_array(claim_id, kind, other_claim_id, note, added_by, origin)",
        "journal_seq IS NULL",
    ),
    "grades": SealedPart(
        "credibility grades from the seeds (no journal entry set them)",
        "claims",
        "json_array(id, credibility, credibility_note)",
        "(credibility IS NOT NULL OR credibility_note IS NOT NULL) AND NOT EXISTS "
        "(SELECT 1 FROM journal WHERE journal.claim_id = claims.id AND action = 'grade')",
    ),
    "actors": SealedPart(
        "actors (their names and roles)", "actors", "json_array(id, name, role, organization)", "1"
    ),
}
"""What the journal does not record but must not change behind its back: the seeds' relations
and grades (until an entry takes them over) and the actors, whose roles say who may write.

Each part is sealed in ``seed_state`` by its row count and the sum, modulo 2**256, of every
row's SHA-256. A sum, not a hash of the rows in order, so that an entry taking a row over
(withdrawing or re-relating a seed relation, grading a claim graded in the seeds) subtracts
that row alone: a reseal from the table would also bless any edit made behind the journal's
back before it. Like the chain without a head kept elsewhere, the seal shows changes made by
anyone who does not also rewrite it; it is not a signature."""

_MODULUS = 2**256


def seal_seed_state(conn: sqlite3.Connection) -> None:
    """Record the seal of every part of the seed state as the tables hold it now (at build)."""
    for name, part in SEALED_PARTS.items():
        count, digest = part_digest(conn, part)
        conn.execute(
            "INSERT OR REPLACE INTO seed_state (part, row_count, digest) VALUES (?, ?, ?)",
            (name, count, f"{digest:064x}"),
        )


def unseal(conn: sqlite3.Connection, name: str, key: str | int) -> None:
    """Take row ``key`` out of a sealed part, if it is in it: a journal entry now records it."""
    part = SEALED_PARTS[name]
    row = conn.execute(
        f"SELECT {part.row} FROM {part.table} WHERE ({part.condition}) AND id = ?", (key,)
    ).fetchone()
    if row is None:
        return
    sealed = conn.execute(
        "SELECT row_count, digest FROM seed_state WHERE part = ?", (name,)
    ).fetchone()
    if sealed is None:  # no seal to keep: audit says so
        return
    count, digest = sealed
    remaining = (int(digest, 16) - _row_digest(row[0])) % _MODULUS
    conn.execute(
        "UPDATE seed_state SET row_count = ?, digest = ? WHERE part = ?",
        (count - 1, f"{remaining:064x}", name),
    )


def part_digest(conn: sqlite3.Connection, part: SealedPart) -> tuple[int, int]:
    count = total = 0
    for (text,) in conn.execute(f"SELECT {part.row} FROM {part.table} WHERE {part.condition}"):
        count += 1
        total += _row_digest(text)
    return count, total % _MODULUS


def _row_digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


def scalar(conn: sqlite3.Connection, sql: str, *params):
    """The first column of the first row, or None."""
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def seed_status_fields(claim) -> dict:
    """The journal entry a seed claim's curated status becomes (see record_seed_statuses)."""
    check = claim.verification
    return {
        "claim_id": claim.id,
        "action": JournalAction.STATUS.value,
        "old_value": Status.UNVERIFIED.value,
        "new_value": claim.status.value,
        "actor_id": check.by,
        "recorded_at": f"{check.date}T00:00:00.000000Z",
        "rationale": check.rationale,
        "evidence": list(check.evidence),
        "origin": "seed",
    }


def record_seed_statuses(conn: sqlite3.Connection, claims) -> int:
    """Journal each seed claim's non-default status as set by its curator, in seed order.

    The claims table already holds these statuses; the entries say who set them and why, so a
    rebuilt ledger replays the same history with the same hashes. Seed order, not date order,
    is the order a record stream can keep too (``bulk`` journals each claim as it reads it),
    so both build roads give the same journal.
    """
    verified = [c for c in claims if c.verification is not None]
    for claim in verified:
        append(conn, Entry(**seed_status_fields(claim)))
    return len(verified)


def entries(conn: sqlite3.Connection, claim_id: str | None = None) -> list[Entry]:
    """Journal entries in order, all or those touching one claim (either side of a relation)."""
    cursor = conn.execute(
        "SELECT * FROM journal ORDER BY seq"
        if claim_id is None
        else "SELECT * FROM journal WHERE claim_id = :id UNION SELECT * FROM journal "
        "WHERE action IN ('relate', 'unrelate') AND "
        "json_extract(coalesce(new_value, old_value), '$.other') = :id ORDER BY seq",
        {} if claim_id is None else {"id": claim_id},
    )
    names = [c[0] for c in cursor.description]
    return [Entry.from_row(dict(zip(names, row, strict=True))) for row in cursor]


# -- table checks: each reads the tables once and returns its findings ---------------------


def head(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The last entry's sequence number and hash: publish it to detect a truncated journal."""
    return conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()


SYMMETRIC_KINDS = frozenset(k.value for k in RelationKind if k.symmetric)


def relation_key(claim_id: str, kind: str, other_id: str) -> tuple[str, str, str]:
    """The identity of a relation: symmetric kinds are the same whichever way round."""
    if kind in SYMMETRIC_KINDS and other_id < claim_id:
        claim_id, other_id = other_id, claim_id
    return (claim_id, kind, other_id)


CANONICAL_SQL = (
    " || ".join(
        f"""'{"{" if i == 0 else ","}"{name}":' || """
        + (name if name in ("evidence", "seq") else f"json_quote({name})")
        for i, name in enumerate(sorted(HASHED_FIELDS))
    )
    + " || '}'"
)
"""``canonical()`` computed by SQLite, made from HASHED_FIELDS, for the audit: building the text
in C instead of Python makes the audit about a third faster. SQLite's json_quote escapes every
code point exactly as Python's json does with ensure_ascii=False (a test compares all of them)."""
