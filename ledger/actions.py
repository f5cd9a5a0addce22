"""What fact-checkers do to the ledger: verify, relate, unrelate, grade, note.

Each function checks the rules, then writes one journal entry and its effect in a single
``BEGIN IMMEDIATE`` transaction. A refused action raises LedgerError with a one-line reason and
changes nothing. The CLI, the web form and the tests all call these functions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from . import journal
from .errors import LedgerError
from .journal import Entry, JournalConflict, relation_value, scalar
from .store import connect
from .vocabulary import (
    ActorRole,
    InformationCredibility,
    JournalAction,
    RelationKind,
    RelationOrigin,
    Status,
)

EVIDENCE_REQUIRED = {Status.CONFIRMED, Status.FALSE}


class Refused(LedgerError):
    """A change the rules do not allow; nothing was written."""


def verify(
    db: Path,
    claim_id: str,
    status: str,
    by: str,
    rationale: str,
    evidence: Sequence[str] = (),
) -> Entry:
    """Change a claim's status, with the reason and the evidence for it."""
    new_status = _status(status)
    evidence = [e.strip() for e in evidence if e.strip()]
    if new_status in EVIDENCE_REQUIRED and not evidence:
        raise Refused(
            f"status {new_status.value} needs at least one piece of evidence "
            "(--evidence URL or claim id)"
        )
    with _writing(db) as conn:
        _actor(conn, by, JournalAction.STATUS)
        current = _claim_status(conn, claim_id)
        _require_reason(rationale)
        _check_evidence(conn, evidence, claim_id)
        if current == new_status.value:
            raise Refused(f"claim {claim_id} is already {new_status.value}")
        return _apply(
            conn,
            Entry(
                claim_id=claim_id,
                action=JournalAction.STATUS.value,
                old_value=current,
                new_value=new_status.value,
                actor_id=by,
                recorded_at=journal.utc_now(),
                rationale=rationale.strip(),
                evidence=evidence,
            ),
        )


def relate(
    db: Path,
    claim_id: str,
    kind: str,
    other_id: str,
    by: str,
    note: str,
    origin: str = RelationOrigin.CURATED.value,
) -> Entry:
    """Link two claims; confirming a tool's suggestion is relating the same pair again."""
    relation_kind = _relation_kind(kind)
    origin = RelationOrigin(origin).value
    if claim_id == other_id:
        raise Refused(f"claim {claim_id} cannot be related to itself")
    with _writing(db) as conn:
        _actor(conn, by, JournalAction.RELATE, allow_tools=origin == RelationOrigin.SUGGESTED)
        _claim_status(conn, claim_id)
        _claim_status(conn, other_id)
        _require_reason(note)
        existing = journal.find_relation(conn, claim_id, relation_kind.value, other_id)
        if existing is not None:
            current_origin = scalar(conn, "SELECT origin FROM relations WHERE id = ?", existing)
            if current_origin == RelationOrigin.CURATED.value or origin == current_origin:
                raise Refused(f"{claim_id} {relation_kind.value} {other_id} is already recorded")
        value = relation_value(claim_id, relation_kind.value, other_id, note.strip(), origin)
        return _apply(
            conn,
            Entry(
                claim_id=claim_id,
                action=JournalAction.RELATE.value,
                new_value=value,
                actor_id=by,
                recorded_at=journal.utc_now(),
                rationale=note.strip(),
            ),
        )


def unrelate(db: Path, claim_id: str, kind: str, other_id: str, by: str, rationale: str) -> Entry:
    """Withdraw a relation (or reject a suggested one), saying why."""
    relation_kind = _relation_kind(kind)
    with _writing(db) as conn:
        _actor(conn, by, JournalAction.UNRELATE)
        _require_reason(rationale)
        existing = journal.find_relation(conn, claim_id, relation_kind.value, other_id)
        if existing is None:
            raise Refused(f"there is no relation {claim_id} {relation_kind.value} {other_id}")
        stored_claim, stored_other, note, origin = conn.execute(
            "SELECT claim_id, other_claim_id, note, origin FROM relations WHERE id = ?",
            (existing,),
        ).fetchone()
        value = relation_value(stored_claim, relation_kind.value, stored_other, note, origin)
        return _apply(
            conn,
            Entry(
                claim_id=stored_claim,
                action=JournalAction.UNRELATE.value,
                old_value=value,
                actor_id=by,
                recorded_at=journal.utc_now(),
                rationale=rationale.strip(),
            ),
        )


def grade(db: Path, claim_id: str, credibility: str, by: str, rationale: str) -> Entry:
    """Set a claim's Admiralty information credibility (1-6), with the grounds."""
    try:
        value = InformationCredibility(str(credibility)).value
    except ValueError:
        raise Refused(f"unknown credibility {credibility!r} (one of 1-6)") from None
    with _writing(db) as conn:
        _actor(conn, by, JournalAction.GRADE)
        _claim_status(conn, claim_id)
        _require_reason(rationale)
        old = conn.execute(
            "SELECT credibility, credibility_note FROM claims WHERE id = ?", (claim_id,)
        ).fetchone()
        return _apply(
            conn,
            Entry(
                claim_id=claim_id,
                action=JournalAction.GRADE.value,
                old_value=json.dumps({"credibility": old[0], "note": old[1]}, ensure_ascii=False),
                new_value=json.dumps(
                    {"credibility": value, "note": rationale.strip()}, ensure_ascii=False
                ),
                actor_id=by,
                recorded_at=journal.utc_now(),
                rationale=rationale.strip(),
            ),
        )


def add_note(db: Path, claim_id: str, by: str, note: str) -> Entry:
    """Record a note on a claim without changing anything else."""
    with _writing(db) as conn:
        _actor(conn, by, JournalAction.NOTE)
        _claim_status(conn, claim_id)
        _require_reason(note)
        return _apply(
            conn,
            Entry(
                claim_id=claim_id,
                action=JournalAction.NOTE.value,
                actor_id=by,
                recorded_at=journal.utc_now(),
                rationale=note.strip(),
            ),
        )


def may_change(db: Path | sqlite3.Connection, actor_id: str | None) -> bool:
    """Whether the actor may change statuses and relations (the web form's gate)."""
    if not actor_id:
        return False
    conn = db if isinstance(db, sqlite3.Connection) else connect(db).conn
    role = scalar(conn, "SELECT role FROM actors WHERE id = ?", actor_id)
    return role is not None and ActorRole(role).may_verify


# -- rules ---------------------------------------------------------------------------------


@contextmanager
def _writing(db: Path) -> Iterator[sqlite3.Connection]:
    """Open the ledger and hold one write transaction for the body."""
    conn = connect(db).conn
    try:
        with journal.write_transaction(conn):
            yield conn
    except sqlite3.OperationalError as exc:  # still locked after the timeout, read-only, full
        raise LedgerError(f"cannot write to the ledger: {exc}") from None
    finally:
        conn.close()


def _apply(conn: sqlite3.Connection, entry: Entry) -> Entry:
    try:
        return journal.apply(conn, entry)
    except JournalConflict as exc:
        raise Refused(str(exc)) from None


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise Refused(f"unknown status {value!r} (one of: {allowed})") from None


def _relation_kind(value: str) -> RelationKind:
    try:
        return RelationKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in RelationKind)
        raise Refused(f"unknown relation kind {value!r} (one of: {allowed})") from None


def _actor(
    conn: sqlite3.Connection, actor_id: str, action: JournalAction, allow_tools: bool = False
) -> None:
    role = scalar(conn, "SELECT role FROM actors WHERE id = ?", actor_id)
    if role is None:
        raise Refused(f"unknown actor {actor_id!r}: add them to seeds/actors.yml and rebuild")
    if action is JournalAction.NOTE or allow_tools:
        return
    if not ActorRole(role).may_verify:
        raise Refused(
            f"actor {actor_id!r} has the role {role}; only fact-checkers and curators "
            f"may make a {JournalAction(action).label.lower()}"
        )


def _claim_status(conn: sqlite3.Connection, claim_id: str) -> str:
    status = scalar(conn, "SELECT status FROM claims WHERE id = ?", claim_id)
    if status is None:
        raise Refused(f"unknown claim id {claim_id!r}")
    return status


def _require_reason(text: str | None) -> None:
    if not text or not text.strip():
        raise Refused("a reason is required (--note)")


def _check_evidence(conn: sqlite3.Connection, evidence: Sequence[str], claim_id: str) -> None:
    for item in evidence:
        if item.startswith(("http://", "https://")):
            continue
        if item == claim_id:
            raise Refused(f"claim {claim_id} cannot be evidence for itself")
        if scalar(conn, "SELECT 1 FROM claims WHERE id = ?", item) is None:
            raise Refused(f"evidence {item!r} is neither a URL nor a known claim id")
