"""Auditing a ledger: recompute the journal's hash chain and run a list of table checks.

The chain proves no entry was edited, deleted or reordered; the checks (CHECKS) prove the tables
say what the journal says: the triggers are in place, statuses, grades and relations are the
journal's last word, and the seed state no entry records (the seeds' relations and grades, the
actors) is as the build sealed it (``journal.SEALED_PARTS``). ``audit_ledger`` adds the
verification rules and a journal head recorded earlier: what `ledger audit` runs.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from . import rules
from .errors import LedgerError
from .files import reading
from .journal import (
    CANONICAL_SQL,
    GENESIS_HASH,
    JOURNAL_TRIGGERS,
    SEALED_PARTS,
    part_digest,
    relation_key,
)
from .vocabulary import Status

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


def verify(
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
        now, then = part_digest(conn, part), sealed[name]
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


def audit_ledger(conn: sqlite3.Connection, head: str | None = None) -> tuple[AuditReport, str]:
    """What `ledger audit` runs: the chain and the table checks, the verification rules (and
    that their columns are current), and, given ``head`` as `ledger journal head` printed it
    (SEQ:HASH), that the journal still holds that entry. Returns the report and the rules'
    summary."""
    report = verify(conn)
    verdicts = rules.audit(conn)
    report.problems.extend(verdicts.stale)
    report.problems.extend(str(f) for f in rules.errors(verdicts.findings))
    if head is not None:
        seq, _, digest = head.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise LedgerError(
                "the journal head must be SEQ:HASH as `ledger journal head` prints it",
                setting="head",
            )
        problem = check_head(conn, int(seq), digest)
        if problem:
            report.problems.insert(0, problem)
            report.first_bad_seq = int(seq)
    return report, verdicts.summary
