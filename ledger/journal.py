"""The verification journal: an append-only, hash-chained record of every change.

Each entry's hash is SHA-256 over a canonical JSON serialisation of the entry and the previous
entry's hash, so editing, deleting or reordering any entry breaks every hash after it. SQLite
triggers refuse UPDATE and DELETE; ``audit`` recomputes the chain and checks that the tables
agree with what the journal says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import get_context

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
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: DELETE refused'); END""",
)
"""The journal table; its triggers make SQLite itself refuse edits and deletions."""

JOURNAL_INDEXES = (
    "CREATE INDEX IF NOT EXISTS journal_claim_id ON journal(claim_id)",
    "CREATE INDEX IF NOT EXISTS journal_action ON journal(action)",
    "CREATE INDEX IF NOT EXISTS journal_actor_id ON journal(actor_id)",
    # The other claim of a relation entry, so a claim's history is found from either side.
    "CREATE INDEX IF NOT EXISTS journal_other_claim ON journal("
    "json_extract(coalesce(new_value, old_value), '$.other')) "
    "WHERE action IN ('relate', 'unrelate')",
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
        "recorded_at": f"{check.on}T00:00:00.000000Z",
        "rationale": check.rationale,
        "evidence": list(check.evidence),
        "origin": "seed",
    }


def record_seed_statuses(conn: sqlite3.Connection, claims) -> int:
    """Journal each seed claim's non-default status as set by its curator, oldest first.

    The claims table already holds these statuses; the entries say who set them and why, so a
    rebuilt ledger replays the same history with the same hashes.
    """
    verified = [c for c in claims if c.verification is not None]
    verified.sort(key=lambda c: c.verification.on)  # stable: file order within a day
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


@dataclass
class AuditReport:
    entries: int
    claims: int
    problems: list[str]
    first_bad_seq: int | None

    @property
    def ok(self) -> bool:
        return not self.problems


PARALLEL_FROM = 200_000
"""Journals longer than this are hashed by two processes at once (the machine has 2 cores)."""


def audit(conn: sqlite3.Connection, workers: int | None = None) -> AuditReport:
    """Recompute the hash chain and check every invariant; report the first bad entry."""
    problems: list[tuple[int | None, str]] = []
    count, last_seq = conn.execute("SELECT count(*), max(seq) FROM journal").fetchone()
    path = _database_file(conn)
    workers = workers or (2 if count > PARALLEL_FROM and path else 1)
    if workers > 1:
        # Hash the chain in worker processes while this one checks the tables.
        bounds = _split(last_seq or 0, workers)
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            futures = [pool.submit(_verify_range, path, lo, hi) for lo, hi in bounds]
            problems.extend(_invariants(conn))
            parts = [future.result() for future in futures]
    else:
        parts = [_verify_rows(conn, 0, last_seq or 0)]
        problems.extend(_invariants(conn))
    expected_prev, expected_seq = GENESIS_HASH, 1
    for part in parts:
        problems.extend(part.problems)
        if part.count == 0:
            continue
        if part.first_seq != expected_seq:
            problems.append(
                (
                    part.first_seq,
                    f"entry {part.first_seq}: sequence number out of "
                    f"order (expected {expected_seq}); an entry was deleted or "
                    "reordered",
                )
            )
        if part.first_prev != expected_prev:
            problems.append(
                (
                    part.first_seq,
                    f"entry {part.first_seq}: prev_hash does not "
                    "match the hash of the entry before it; an entry was deleted, "
                    "inserted or reordered",
                )
            )
        expected_prev, expected_seq = part.last_hash, part.last_seq + 1
    seqs = [seq for seq, _ in problems if seq is not None]
    problems.sort(key=lambda p: (p[0] is None, p[0] or 0))
    claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    return AuditReport(
        entries=count,
        claims=claims,
        problems=[m for _, m in problems],
        first_bad_seq=min(seqs) if seqs else None,
    )


@dataclass
class _ChainPart:
    problems: list[tuple[int, str]]
    count: int
    first_seq: int | None
    first_prev: str | None
    last_seq: int | None
    last_hash: str | None


def _database_file(conn: sqlite3.Connection) -> str | None:
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def _split(last_seq: int, workers: int) -> list[tuple[int, int]]:
    step = last_seq // workers + 1
    return [(i * step, min(last_seq, (i + 1) * step - 1)) for i in range(workers)]


def _verify_range(path: str, lo: int, hi: int) -> _ChainPart:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _verify_rows(conn, lo, hi)
    finally:
        conn.close()


CANONICAL_SQL = (
    """'{"action":' || json_quote(action) || ',"actor_id":' || json_quote(actor_id)"""
    """ || ',"claim_id":' || json_quote(claim_id) || ',"evidence":' || evidence"""
    """ || ',"new_value":' || json_quote(new_value) || ',"old_value":' || json_quote(old_value)"""
    """ || ',"origin":' || json_quote(origin) || ',"prev_hash":' || json_quote(prev_hash)"""
    """ || ',"rationale":' || json_quote(rationale)"""
    """ || ',"recorded_at":' || json_quote(recorded_at) || ',"seq":' || seq || '}'"""
)
"""``canonical()`` computed by SQLite, for the audit: building the text in C instead of Python
makes the audit about a third faster. SQLite's json_quote escapes every code point exactly as
Python's json does with ensure_ascii=False (a test compares all of them)."""


def _verify_rows(conn: sqlite3.Connection, lo: int, hi: int) -> _ChainPart:
    """Check the chain within entries lo..hi: order, links and each entry's own hash."""
    problems = []
    cursor = conn.execute(
        f"SELECT seq, prev_hash, hash, {CANONICAL_SQL} FROM journal "
        "WHERE seq BETWEEN ? AND ? ORDER BY seq",
        (lo, hi),
    )
    sha256, count = hashlib.sha256, 0
    first_seq = first_prev = expected_prev = expected_seq = None
    for seq, prev, digest, text in cursor:
        if count == 0:
            first_seq, first_prev = seq, prev
        else:
            if seq != expected_seq:
                problems.append(
                    (
                        seq,
                        f"entry {seq}: sequence number out of order (expected "
                        f"{expected_seq}); an entry was deleted or reordered",
                    )
                )
            if prev != expected_prev:
                problems.append(
                    (
                        seq,
                        f"entry {seq}: prev_hash does not match the hash of the "
                        "entry before it; an entry was deleted, inserted or "
                        "reordered",
                    )
                )
        count += 1
        if text is None or sha256(text.encode("utf-8")).hexdigest() != digest:
            problems.append(
                (seq, f"entry {seq}: hash does not match its contents; the entry was edited")
            )
        expected_prev, expected_seq = digest, seq + 1
    last_seq = expected_seq - 1 if expected_seq is not None else None
    return _ChainPart(problems, count, first_seq, first_prev, last_seq, expected_prev)


def _invariants(conn: sqlite3.Connection) -> list[tuple[int | None, str]]:
    """The tables agree with the journal: statuses, grades and relations."""
    problems: list[tuple[int | None, str]] = []
    valid_statuses = {s.value for s in Status}
    unverified = Status.UNVERIFIED.value
    last_status: dict[str, str] = {}
    for seq, claim_id, old, new in conn.execute(
        "SELECT seq, claim_id, old_value, new_value FROM journal WHERE action = 'status' "
        "ORDER BY seq"
    ):
        if new not in valid_statuses:
            problems.append((seq, f"entry {seq}: unknown status {new!r}"))
        previous = last_status.get(claim_id, unverified)
        if old != previous:
            problems.append(
                (
                    seq,
                    f"entry {seq}: old status {old!r} is not the claim's status "
                    f"before it ({previous!r})",
                )
            )
        last_status[claim_id] = new
    # Only claims the journal touched, or that are not unverified, can disagree with it.
    changed = dict(conn.execute("SELECT id, status FROM claims WHERE status != ?", (unverified,)))
    for claim_id in sorted(set(changed) | set(last_status)):
        status = changed.get(claim_id, unverified)
        expected = last_status.get(claim_id, unverified)
        if status != expected:
            anchor = conn.execute(
                "SELECT max(seq) FROM journal WHERE claim_id = ? AND action = 'status'",
                (claim_id,),
            ).fetchone()[0]
            problems.append(
                (
                    anchor,
                    f"claim {claim_id}: status is {status!r} but the journal last says "
                    f"{expected!r}; it was changed outside the journal",
                )
            )
    live_relations: dict[tuple, int] = {}
    relation_origins: dict[tuple, str] = {}
    unrelated_seed: set[tuple] = set()
    # One indexed query per action, merged in journal order: with IN (...), SQLite reads the
    # whole journal instead.
    relation_entries = heapq.merge(
        *(
            conn.execute(
                "SELECT seq, action, old_value, new_value FROM journal "
                "WHERE action = ? ORDER BY seq",
                (action,),
            )
            for action in ("relate", "unrelate")
        )
    )
    for seq, action, old, new in relation_entries:
        value = json.loads(new or old)
        key = relation_key(value["claim"], value["kind"], value["other"])
        if action == "relate":
            live_relations[key] = seq
            relation_origins[key] = value["origin"]
        else:
            if key not in live_relations:
                unrelated_seed.add(key)
            live_relations.pop(key, None)
    last_grade: dict[str, tuple[int, str]] = {}
    for seq, claim_id, new_value in conn.execute(
        "SELECT seq, claim_id, new_value FROM journal WHERE action = 'grade' ORDER BY seq"
    ):
        last_grade[claim_id] = (seq, json.loads(new_value)["credibility"])
    for claim_id, (grade_seq, expected) in sorted(last_grade.items()):
        credibility = scalar(conn, "SELECT credibility FROM claims WHERE id = ?", claim_id)
        if credibility != expected:
            problems.append(
                (
                    grade_seq,
                    f"claim {claim_id}: credibility is {credibility!r} but "
                    f"the journal last says {expected!r}; it was changed "
                    "outside the journal",
                )
            )
    for key, seq, origin in _relations(conn):
        if seq is None:
            if key in unrelated_seed:
                problems.append(
                    (
                        None,
                        f"relation {' '.join(key)} was withdrawn in the journal "
                        "but is still in the relations table",
                    )
                )
            continue
        if live_relations.get(key) != seq or relation_origins.get(key) != origin:
            problems.append(
                (
                    seq,
                    f"relation {' '.join(key)} (entry {seq}) is not what the "
                    "journal says; it was changed outside the journal",
                )
            )
        live_relations.pop(key, None)
    for key, seq in live_relations.items():
        problems.append(
            (
                seq,
                f"relation {' '.join(key)} added by entry {seq} is missing from "
                "the relations table",
            )
        )
    return problems


def head(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The last entry's sequence number and hash: publish it to detect a truncated journal."""
    return conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()


def check_head(conn: sqlite3.Connection, seq: int, digest: str) -> str | None:
    """A problem if entry ``seq`` is missing or differs from a head recorded earlier."""
    row = conn.execute("SELECT hash FROM journal WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        return (
            f"entry {seq}, recorded earlier as the journal's head, is missing: the "
            "journal was cut short"
        )
    if row[0] != digest:
        return f"entry {seq} no longer has the hash recorded earlier: the journal was rewritten"
    return None


def relation_key(claim_id: str, kind: str, other_id: str) -> tuple[str, str, str]:
    """The identity of a relation: symmetric kinds are the same whichever way round."""
    if RelationKind(kind).symmetric and other_id < claim_id:
        claim_id, other_id = other_id, claim_id
    return (claim_id, kind, other_id)


def _relations(conn: sqlite3.Connection) -> Iterator[tuple[tuple, int | None, str]]:
    for claim_id, kind, other_id, seq, origin in conn.execute(
        "SELECT claim_id, kind, other_claim_id, journal_seq, origin FROM relations"
    ):
        yield relation_key(claim_id, kind, other_id), seq, origin
