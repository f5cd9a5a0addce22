"""What fact-checkers do to the ledger: verify, relate, unrelate, grade, note.

Each function checks its arguments, then writes one journal entry and its effect in a single
``BEGIN IMMEDIATE`` transaction. A refused action raises LedgerError with a one-line reason and
changes nothing. The CLI, the web form and the tests all call these functions.

Status changes and relations also answer to the verification rules (``ledger/rules.py``): in the
same transaction the rules run over the claims the change touches, before and after it. A status
change that would break a rule about the claim itself (an error) is refused; everything else the
change causes (warnings, and errors it brings on claims resting on this one) comes back with the
entry, with the claims that rest on a claim which becomes false, disputed or contested.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import journal, rules, standing
from .errors import LedgerError
from .files import connect
from .journal import Entry, JournalConflict, relation_value, scalar
from .vocabulary import (
    ActorRole,
    InformationCredibility,
    JournalAction,
    RelationKind,
    RelationOrigin,
    Status,
)

EVIDENCE_REQUIRED = {Status.CONFIRMED, Status.FALSE}

UNSETTLING = {Status.FALSE, Status.DISPUTED, Status.CONTESTED}
"""Statuses that unsettle the claims resting on a claim: they are listed as affected."""


class Refused(LedgerError):
    """A change the rules do not allow; nothing was written."""


@dataclass(frozen=True)
class Recorded(Entry):
    """A journal entry as recorded, with what the verification rules said about the change."""

    findings: list[dict] = field(default_factory=list)
    """Findings the change caused (rules.Finding.as_dict), accepted ones with their rationale."""
    affected: list[dict] = field(default_factory=list)
    """Claims resting on a claim that became false, disputed or contested: look at them again."""
    accepted_rules: list[str] = field(default_factory=list)
    """Rules whose warnings about the claim were accepted along with the change."""


def verify(
    db: Path,
    claim_id: str,
    status: str,
    by: str,
    rationale: str,
    evidence: Sequence[str] = (),
    accept: str | None = None,
) -> Recorded:
    """Change a claim's status, with the reason and the evidence for it.

    Refused when the rules find an error about the claim after the change. With ``accept`` (a
    rationale), the warnings about the claim after the change are accepted in the journal.
    """
    new_status = _status(status)
    evidence = [e.strip() for e in evidence if e.strip()]
    if new_status in EVIDENCE_REQUIRED and not evidence:
        raise Refused(
            f"status {new_status.value} needs at least one piece of evidence: "
            "a URL or the id of a claim"
        )
    with _writing(db) as conn:
        _actor(conn, by, JournalAction.STATUS)
        current = _claim_status(conn, claim_id)
        _require_reason(rationale)
        _check_evidence(conn, evidence, claim_id)
        if current == new_status.value:
            raise Refused(f"claim {claim_id} is already {new_status.value}")
        if accept is not None and not accept.strip():
            raise Refused("accepting warnings needs a rationale saying why they do not apply")
        return _apply_checked(
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
            [claim_id],
            refuse_errors=True,
            accept=accept.strip() if accept else None,
            unsettling=new_status in UNSETTLING,
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
        return _apply_checked(
            conn,
            Entry(
                claim_id=claim_id,
                action=JournalAction.RELATE.value,
                new_value=value,
                actor_id=by,
                recorded_at=journal.utc_now(),
                rationale=note.strip(),
            ),
            [claim_id, other_id],
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
        return _apply_checked(
            conn,
            Entry(
                claim_id=stored_claim,
                action=JournalAction.UNRELATE.value,
                old_value=value,
                actor_id=by,
                recorded_at=journal.utc_now(),
                rationale=rationale.strip(),
            ),
            [stored_claim, stored_other],
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


def _apply_checked(
    conn: sqlite3.Connection,
    entry: Entry,
    claims: list[str],
    refuse_errors: bool = False,
    accept: str | None = None,
    unsettling: bool = False,
) -> Recorded:
    """Apply the entry with the rules run before and after it over the claims it touches."""
    scope = standing.neighbourhood(conn, claims)
    before = rules.run_rules(conn, scope)
    final = _apply(conn, entry)
    standing.refresh(conn, scope)
    caused = rules.caused_by_change(before, rules.run_rules(conn, scope))
    if refuse_errors:
        refused = [f for f in rules.errors(caused) if entry.claim_id in f.claims]
        if refused:
            raise Refused("the rules refuse this change: " + " ".join(str(f) for f in refused))
    accepted_rules: list[str] = []
    if accept:
        open_warnings = [
            f
            for f in rules.run_rules(conn, [entry.claim_id])
            if not f.is_error and not f.accepted and f.concerns(entry.claim_id)
        ]
        accepted_rules = sorted({f.rule.value for f in open_warnings})
        if accepted_rules:
            _apply(
                conn,
                Entry(
                    claim_id=entry.claim_id,
                    action=JournalAction.ACCEPT.value,
                    new_value=json.dumps(accepted_rules),
                    actor_id=entry.actor_id,
                    recorded_at=journal.utc_now(),
                    rationale=accept,
                ),
            )
            now = {f.key: f for f in rules.run_rules(conn, scope)}
            caused = [now.get(f.key, f) for f in caused]
    return Recorded(
        **final.__dict__,
        findings=[f.as_dict() for f in caused],
        affected=standing.affected_claims(conn, entry.claim_id) if unsettling else [],
        accepted_rules=accepted_rules,
    )


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
        raise Refused("a reason is required: say why")


def _check_evidence(conn: sqlite3.Connection, evidence: Sequence[str], claim_id: str) -> None:
    for item in evidence:
        if item.startswith(("http://", "https://")):
            continue
        if item == claim_id:
            raise Refused(f"claim {claim_id} cannot be evidence for itself")
        if scalar(conn, "SELECT 1 FROM claims WHERE id = ?", item) is None:
            raise Refused(f"evidence {item!r} is neither a URL nor a known claim id")
