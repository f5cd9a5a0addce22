"""The verification journal: an append-only, hash-chained record of every change.

Each entry's hash is SHA-256 over a canonical JSON serialisation of the entry and the previous
entry's hash, so editing, deleting or reordering any entry breaks every hash after it. SQLite
triggers refuse UPDATE and DELETE; ``audit`` recomputes the chain and runs a list of table
checks: the triggers are in place, statuses, grades and relations are what the journal says,
and the seed state no entry records (the seeds' relations and grades, the actors) is as the
build sealed it (see SEALED_PARTS).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import get_context

from pydantic import ConfigDict, TypeAdapter

from .files import reading
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
        count, digest = _part_digest(conn, part)
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


def _part_digest(conn: sqlite3.Connection, part: SealedPart) -> tuple[int, int]:
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


Finding = tuple[int | None, str]
"""What an audit found: the entry it is about (None when it is about the tables alone), and
the finding in plain words."""

Check = Callable[[sqlite3.Connection], list[Finding]]
"""One of the audit's table checks (see CHECKS)."""


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


def audit(
    conn: sqlite3.Connection,
    workers: int | None = None,
    checks: Sequence[Check] | None = None,
) -> AuditReport:
    """Recompute the hash chain and run the table checks (all of ``CHECKS`` unless told);
    report the first bad entry."""
    checks = CHECKS if checks is None else checks
    problems: list[Finding] = []
    count, last_seq = conn.execute("SELECT count(*), max(seq) FROM journal").fetchone()
    path = _database_file(conn)
    workers = workers or (2 if count > PARALLEL_FROM and path else 1)
    if workers > 1:
        # Hash the chain in worker processes while this one checks the tables.
        bounds = _split(last_seq or 0, workers)
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            futures = [pool.submit(_verify_range, path, lo, hi) for lo, hi in bounds]
            problems.extend(finding for check in checks for finding in check(conn))
            parts = [future.result() for future in futures]
    else:
        parts = [_verify_rows(conn, 0, last_seq or 0)]
        problems.extend(finding for check in checks for finding in check(conn))
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
    with reading(path) as conn:
        return _verify_rows(conn, lo, hi)


CANONICAL_SQL = (
    " || ".join(
        f"""'{"{" if i == 0 else ","}"{name}":' || """
        + (name if name in ("evidence", "seq") else f"json_quote({name})")
        for i, name in enumerate(sorted(HASHED_FIELDS))
    )
    + " || '}'"
)
"""``canonical()`` computed by SQLite, made from HASHED_FIELDS, for the audit: building the text
in C instead of Python
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


# -- table checks: each reads the tables once and returns its findings ---------------------


def check_triggers(conn: sqlite3.Connection) -> list[Finding]:
    """The journal's triggers are there as the ledger wrote them, and no other acts on it."""
    found = dict(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'"
        )
    )
    findings: list[Finding] = []
    for name, sql in JOURNAL_TRIGGERS.items():
        if name not in found:
            findings.append(
                (
                    None,
                    f"the journal's trigger {name} is missing: SQLite no longer refuses to "
                    "change or delete entries",
                )
            )
        elif found[name] != sql:
            findings.append((None, f"the journal's trigger {name} was replaced by another"))
    for name in sorted(found.keys() - JOURNAL_TRIGGERS.keys()):
        findings.append((None, f"an unknown trigger {name} acts on the journal"))
    return findings


def check_statuses(conn: sqlite3.Connection) -> list[Finding]:
    """Each status entry follows the one before it, and every claim's status is the last."""
    findings: list[Finding] = []
    valid_statuses = {s.value for s in Status}
    unverified = Status.UNVERIFIED.value
    last_status: dict[str, str] = {}
    for seq, claim_id, old, new in conn.execute(
        "SELECT seq, claim_id, old_value, new_value FROM journal WHERE action = 'status' "
        "ORDER BY seq"
    ):
        if new not in valid_statuses:
            findings.append((seq, f"entry {seq}: unknown status {new!r}"))
        previous = last_status.get(claim_id, unverified)
        if old != previous:
            findings.append(
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
            findings.append(
                (
                    anchor,
                    f"claim {claim_id}: status is {status!r} but the journal last says "
                    f"{expected!r}; it was changed outside the journal",
                )
            )
    return findings


def check_grades(conn: sqlite3.Connection) -> list[Finding]:
    """Every claim a grade entry graded holds that entry's credibility and note."""
    findings: list[Finding] = []
    last_grade: dict[str, tuple[int, str]] = {}
    for seq, claim_id, new_value in conn.execute(
        "SELECT seq, claim_id, new_value FROM journal WHERE action = 'grade' ORDER BY seq"
    ):
        last_grade[claim_id] = (seq, new_value)
    for claim_id, (seq, new_value) in sorted(last_grade.items()):
        grade = _json_object(new_value, ("credibility", "note"))
        if grade is None:
            findings.append((seq, f"entry {seq}: its value is not a grade"))
            continue
        credibility, note = conn.execute(
            "SELECT credibility, credibility_note FROM claims WHERE id = ?", (claim_id,)
        ).fetchone() or (None, None)
        if credibility != grade["credibility"]:
            findings.append(
                (
                    seq,
                    f"claim {claim_id}: credibility is {credibility!r} but the journal last "
                    f"says {grade['credibility']!r}; it was changed outside the journal",
                )
            )
        if note != grade["note"]:
            findings.append(
                (
                    seq,
                    f"claim {claim_id}: its credibility note is not the one entry {seq} "
                    "recorded; it was changed outside the journal",
                )
            )
    return findings


RELATION_COLUMNS = ("journal_seq", "note", "added_by", "origin")


def check_relations(conn: sqlite3.Connection) -> list[Finding]:
    """Every relation an entry made is in the table as the entry says (its note, who added
    it, its origin), none is missing, and none an entry withdrew is back."""
    findings: list[Finding] = []
    made: dict[tuple, tuple] = {}  # relation key -> what its columns must hold
    withdrawn_seed: set[tuple] = set()
    # One indexed query per action, merged in journal order: with IN (...), SQLite reads the
    # whole journal instead.
    relation_entries = heapq.merge(
        *(
            conn.execute(
                "SELECT seq, action, old_value, new_value, actor_id FROM journal "
                "WHERE action = ? ORDER BY seq",
                (action,),
            )
            for action in ("relate", "unrelate")
        )
    )
    for seq, action, old, new, actor in relation_entries:
        value = _json_object(new or old, ("claim", "kind", "other", "note", "origin"))
        if value is None:
            findings.append((seq, f"entry {seq}: its value is not a relation"))
            continue
        key = relation_key(value["claim"], value["kind"], value["other"])
        if action == "relate":
            made[key] = (seq, value["note"], actor, value["origin"])
        elif made.pop(key, None) is None:
            withdrawn_seed.add(key)
    for claim_id, kind, other_id, *columns in conn.execute(
        f"SELECT claim_id, kind, other_claim_id, {', '.join(RELATION_COLUMNS)} FROM relations"
    ):
        key = relation_key(claim_id, kind, other_id)
        name = " ".join(key)
        if columns[0] is None:  # a seed relation: the seal of the seed state covers it
            if key in withdrawn_seed:
                findings.append(
                    (None, f"relation {name} was withdrawn in the journal but is still there")
                )
            continue
        expected = made.pop(key, None)
        if expected is None:
            findings.append(
                (
                    columns[0],
                    f"relation {name} names entry {columns[0]} as its maker, but no entry "
                    "made it; it was added outside the journal",
                )
            )
        elif tuple(columns) != expected:
            differ = [
                c for c, a, b in zip(RELATION_COLUMNS, columns, expected, strict=True) if a != b
            ]
            findings.append(
                (
                    expected[0],
                    f"relation {name}: {' and '.join(differ)} not as entry {expected[0]} "
                    "made it; changed outside the journal",
                )
            )
    for key, (seq, *_) in made.items():
        findings.append(
            (seq, f"relation {' '.join(key)} added by entry {seq} is missing from the table")
        )
    return findings


def check_seed_state(conn: sqlite3.Connection) -> list[Finding]:
    """What no entry records (see SEALED_PARTS) is as the build sealed it."""
    try:
        sealed = {
            part: (count, int(digest, 16))
            for part, count, digest in conn.execute(
                "SELECT part, row_count, digest FROM seed_state"
            )
        }
    except sqlite3.OperationalError:  # a ledger built before the seal
        sealed = {}
    except ValueError:
        return [(None, "the seal of the seed state is not a digest; it was edited")]
    findings: list[Finding] = []
    for name, part in SEALED_PARTS.items():
        if name not in sealed:
            findings.append(
                (None, f"no seal of the {part.description}: rebuild with `ledger build`")
            )
            continue
        now, then = _part_digest(conn, part), sealed[name]
        if now != then:
            what = (
                "some were added"
                if now[0] > then[0]
                else "some were removed"
                if now[0] < then[0]
                else "one was edited"
            )
            findings.append(
                (
                    None,
                    f"the {part.description} are not as the build sealed them ({now[0]} now, "
                    f"{then[0]} then): {what} outside the journal",
                )
            )
    return findings


JOURNAL_CHECKS: tuple[Check, ...] = (
    check_triggers,
    check_statuses,
    check_grades,
    check_relations,
)
"""The tables agree with the journal: what a build must trust before carrying it over."""

CHECKS: tuple[Check, ...] = (*JOURNAL_CHECKS, check_seed_state)
"""Everything `ledger audit` checks besides the chain."""


def _json_object(text: str | None, keys: tuple[str, ...]) -> dict | None:
    """An entry's value, or None when it is not a JSON object with these keys, as strings."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    if isinstance(value, dict) and all(isinstance(value.get(k), str) for k in keys):
        return value
    return None


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


SYMMETRIC_KINDS = frozenset(k.value for k in RelationKind if k.symmetric)


def relation_key(claim_id: str, kind: str, other_id: str) -> tuple[str, str, str]:
    """The identity of a relation: symmetric kinds are the same whichever way round."""
    if kind in SYMMETRIC_KINDS and other_id < claim_id:
        claim_id, other_id = other_id, claim_id
    return (claim_id, kind, other_id)
