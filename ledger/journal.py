"""The verification journal: an append-only, hash-chained record of every change.

Each entry's hash is SHA-256 over a canonical JSON serialisation of the entry and the previous
entry's hash, so editing, deleting or reordering any entry breaks every hash after it. SQLite
triggers refuse UPDATE and DELETE; ``audit`` recomputes the chain and checks that the tables
agree with what the journal says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

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
    "CREATE INDEX journal_claim_id ON journal(claim_id)",
    "CREATE INDEX journal_action ON journal(action)",
    "CREATE INDEX journal_actor_id ON journal(actor_id)",
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: DELETE refused'); END""",
)
"""The journal table; its triggers make SQLite itself refuse edits and deletions."""


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

    def hashed(self) -> dict:
        fields = asdict(self)
        return {name: fields[name] for name in HASHED_FIELDS}

    def as_row(self) -> dict:
        row = asdict(self)
        row["evidence"] = json.dumps(self.evidence, ensure_ascii=False)
        return row

    @classmethod
    def from_row(cls, row: dict) -> Entry:
        values = dict(row)
        values["evidence"] = json.loads(values["evidence"] or "[]")
        return cls(**{k: values[k] for k in cls.__dataclass_fields__})


def entry_hash(entry: Entry, prev_hash: str) -> str:
    """SHA-256 over the entry's canonical JSON (sorted keys, no spaces, UTF-8)."""
    payload = {**entry.hashed(), "prev_hash": prev_hash}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def append(conn: sqlite3.Connection, entry: Entry) -> Entry:
    """Chain and insert one entry; the caller holds the write transaction."""
    last = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    chained = Entry(**{**asdict(entry), "seq": seq, "prev_hash": prev_hash, "hash": None})
    final = Entry(**{**asdict(chained), "hash": entry_hash(chained, prev_hash)})
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


def record_seed_statuses(conn: sqlite3.Connection, claims) -> int:
    """Journal each seed claim's non-default status as set by its curator, oldest first.

    The claims table already holds these statuses; the entries say who set them and why, so a
    rebuilt ledger replays the same history with the same hashes.
    """
    verified = [c for c in claims if c.verification is not None]
    verified.sort(key=lambda c: c.verification.on)  # stable: file order within a day
    for claim in verified:
        check = claim.verification
        append(
            conn,
            Entry(
                claim_id=claim.id,
                action=JournalAction.STATUS.value,
                old_value=Status.UNVERIFIED.value,
                new_value=claim.status.value,
                actor_id=check.by,
                recorded_at=f"{check.on}T00:00:00.000000Z",
                rationale=check.rationale,
                evidence=list(check.evidence),
                origin="seed",
            ),
        )
    return len(verified)


def entries(conn: sqlite3.Connection, claim_id: str | None = None) -> list[Entry]:
    """Journal entries in order, all or those touching one claim (either side of a relation)."""
    cursor = conn.execute(
        "SELECT * FROM journal ORDER BY seq"
        if claim_id is None
        else "SELECT * FROM journal WHERE claim_id = :id OR (action IN ('relate', 'unrelate') "
        "AND json_extract(coalesce(new_value, old_value), '$.other') = :id) ORDER BY seq",
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


def audit(conn: sqlite3.Connection) -> AuditReport:
    """Recompute the hash chain and check every invariant; report the first bad entry."""
    problems: list[str] = []
    first_bad: int | None = None

    def bad(seq: int | None, message: str) -> None:
        nonlocal first_bad
        problems.append(message)
        if seq is not None and (first_bad is None or seq < first_bad):
            first_bad = seq

    cursor = conn.execute(
        "SELECT seq, claim_id, action, old_value, new_value, actor_id, recorded_at, rationale, "
        "evidence, origin, prev_hash, hash FROM journal ORDER BY seq"
    )
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    last_status: dict[str, str] = {}
    live_relations: dict[tuple, int] = {}
    relation_origins: dict[tuple, str] = {}
    unrelated_seed: set[tuple] = set()
    valid_statuses = {s.value for s in Status}
    for row in cursor:
        count += 1
        entry = Entry(
            seq=row[0],
            claim_id=row[1],
            action=row[2],
            old_value=row[3],
            new_value=row[4],
            actor_id=row[5],
            recorded_at=row[6],
            rationale=row[7],
            evidence=json.loads(row[8] or "[]"),
            origin=row[9],
            prev_hash=row[10],
            hash=row[11],
        )
        if entry.seq != expected_seq:
            bad(
                entry.seq,
                f"entry {entry.seq}: sequence number out of order "
                f"(expected {expected_seq}); an entry was deleted or reordered",
            )
        if entry.prev_hash != expected_prev:
            bad(
                entry.seq,
                f"entry {entry.seq}: prev_hash does not match the hash of the "
                "entry before it; an entry was deleted, inserted or reordered",
            )
        recomputed = entry_hash(entry, entry.prev_hash)
        if recomputed != entry.hash:
            bad(
                entry.seq,
                f"entry {entry.seq}: hash does not match its contents; the entry was edited",
            )
        expected_prev, expected_seq = entry.hash, entry.seq + 1
        if entry.action == JournalAction.STATUS.value:
            if entry.new_value not in valid_statuses:
                bad(entry.seq, f"entry {entry.seq}: unknown status {entry.new_value!r}")
            previous = last_status.get(entry.claim_id, Status.UNVERIFIED.value)
            if entry.old_value != previous:
                bad(
                    entry.seq,
                    f"entry {entry.seq}: old status {entry.old_value!r} is not the "
                    f"claim's status before it ({previous!r})",
                )
            last_status[entry.claim_id] = entry.new_value
        elif entry.action in (JournalAction.RELATE.value, JournalAction.UNRELATE.value):
            value = json.loads(entry.new_value or entry.old_value)
            key = relation_key(value["claim"], value["kind"], value["other"])
            if entry.action == JournalAction.RELATE.value:
                live_relations[key] = entry.seq
                relation_origins[key] = value["origin"]
            else:
                if key not in live_relations:
                    unrelated_seed.add(key)
                live_relations.pop(key, None)

    for claim_id, status, anchor_seq in _claim_statuses(conn):
        expected = last_status.get(claim_id, Status.UNVERIFIED.value)
        if status != expected:
            bad(
                anchor_seq,
                f"claim {claim_id}: status is {status!r} but the journal last "
                f"says {expected!r}; it was changed outside the journal",
            )
    for claim_id, credibility, grade_seq in conn.execute(
        "SELECT c.id, c.credibility, j.seq FROM claims c JOIN journal j ON j.seq = ("
        "SELECT max(seq) FROM journal WHERE claim_id = c.id AND action = 'grade')"
    ):
        expected = json.loads(
            conn.execute("SELECT new_value FROM journal WHERE seq = ?", (grade_seq,)).fetchone()[0]
        )["credibility"]
        if credibility != expected:
            bad(
                grade_seq,
                f"claim {claim_id}: credibility is {credibility!r} but the journal "
                f"last says {expected!r}; it was changed outside the journal",
            )
    for key, seq, origin in _relations(conn):
        if seq is None:
            if key in unrelated_seed:
                bad(
                    None,
                    f"relation {' '.join(key)} was withdrawn in the journal but is "
                    "still in the relations table",
                )
            continue
        if live_relations.get(key) != seq or relation_origins.get(key) != origin:
            bad(
                seq,
                f"relation {' '.join(key)} (entry {seq}) is not what the journal says; "
                "it was changed outside the journal",
            )
        live_relations.pop(key, None)
    for key, seq in live_relations.items():
        bad(
            seq,
            f"relation {' '.join(key)} added by entry {seq} is missing from the relations table",
        )
    claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    return AuditReport(entries=count, claims=claims, problems=problems, first_bad_seq=first_bad)


def relation_key(claim_id: str, kind: str, other_id: str) -> tuple[str, str, str]:
    """The identity of a relation: symmetric kinds are the same whichever way round."""
    if RelationKind(kind).symmetric and other_id < claim_id:
        claim_id, other_id = other_id, claim_id
    return (claim_id, kind, other_id)


def _claim_statuses(conn: sqlite3.Connection) -> Iterator[tuple[str, str, int | None]]:
    yield from conn.execute(
        "SELECT c.id, c.status, (SELECT max(seq) FROM journal j WHERE j.claim_id = c.id "
        "AND j.action = 'status') FROM claims c"
    )


def _relations(conn: sqlite3.Connection) -> Iterator[tuple[tuple, int | None, str]]:
    for claim_id, kind, other_id, seq, origin in conn.execute(
        "SELECT claim_id, kind, other_claim_id, journal_seq, origin FROM relations"
    ):
        yield relation_key(claim_id, kind, other_id), seq, origin
