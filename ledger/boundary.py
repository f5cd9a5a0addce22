"""The public boundary: what public readers may see, defined here and nowhere else.

Some of what a desk records must never reach the public: a protected source's real identity,
a fact-checker's working note, a claim under embargo or marked internal. The rule is simple
and enforced by construction: **the database Datasette serves never contains them**. A build
splits the seeds in two —

* `ledger.db`, the public ledger: every public claim and everything about it, with internal
  fields left out. The live site, its JSON, its SQL interface and every published snapshot
  are views of this file, so none of them can show what it does not hold.
* `ledger.internal.db`, beside it: the internal fields and the withheld claims (with their
  relations), and the evidence the public journal leaves out (see `public_journal`), for the
  desk's own tools (`ledger internal`). It is never served, and only its owner may read it.

An embargoed claim becomes public at the first build on or after its `embargo_until` day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import LedgerError
from .files import reading, replacing
from .journal import Entry, evidence_json
from .models import Claim, Entity, Ledger, Relation, internal_fields

INTERNAL_FIELDS: dict[str, tuple[str, ...]] = {
    "claim": internal_fields(Claim),
    "entity": internal_fields(Entity),
}
"""Fields of seed records that are internal (marked so where the models declare them)."""


def internal_path(db_path: Path) -> Path:
    """Where the internal sidecar of a ledger lives: ledger.db -> ledger.internal.db."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.internal{db_path.suffix or '.db'}")


@dataclass
class Split:
    public: Ledger
    withheld_claims: list[tuple[Claim, str]] = field(default_factory=list)
    withheld_relations: list[Relation] = field(default_factory=list)
    internal_fields: list[tuple[str, str, str, str]] = field(default_factory=list)
    withheld_evidence: dict[str, str] = field(default_factory=dict)
    """The evidence of public journal entries that cites withheld claims, by `_entry_key`."""

    @property
    def withheld_ids(self) -> set[str]:
        return {claim.id for claim, _ in self.withheld_claims}


def split(ledger: Ledger, today: str | None = None) -> Split:
    """The public part of a ledger, and what stays internal."""
    today = today or dt.date.today().isoformat()
    withheld: dict[str, str] = {}
    for claim in ledger.claims:
        reason = claim.withheld_reason(today)
        if reason:
            withheld[claim.id] = reason
    fields: list[tuple[str, str, str, str]] = []

    def strip(record, kind: str):
        values = {}
        for name in INTERNAL_FIELDS[kind]:
            value = getattr(record, name)
            if value:
                fields.append((kind, record.id, name, value))
                values[name] = None
        return record.model_copy(update=values) if values else record

    # The loader has refused public evidence citing a withheld claim (seeds.py, with its line).
    public_claims = []
    for claim in ledger.claims:
        if claim.id in withheld:
            continue
        public_claims.append(strip(claim, "claim"))
    relations = [r for r in ledger.relations if r.claim not in withheld and r.other not in withheld]
    public = Ledger(
        outlets=ledger.outlets,
        actors=ledger.actors,
        entities=[strip(e, "entity") for e in ledger.entities],
        places=ledger.places,
        documents=ledger.documents,
        claims=public_claims,
        relations=relations,
        questions=ledger.questions,
    )
    return Split(
        public=public,
        withheld_claims=[(c, withheld[c.id]) for c in ledger.claims if c.id in withheld],
        withheld_relations=[r for r in ledger.relations if r not in relations],
        internal_fields=fields,
    )


WITHHELD_EVIDENCE = "(withheld claim)"
"""What the public journal shows in place of a withheld claim cited as evidence."""


def public_journal(parts: Split, entries: Sequence[Entry]) -> list[Entry]:
    """Fact-checkers' entries as the public ledger may hold them.

    An entry may cite as evidence a claim that was public when it was written and is withheld
    now (marked internal, or embargoed). The public journal holds such an entry with one
    WITHHELD_EVIDENCE in place of the withheld ids, and chains and hashes it in that form:
    whoever holds only the public file (a snapshot, a copy) can then verify the chain with
    `ledger audit`, which a chain over the hidden ids would not allow. The evidence as written
    is kept in ``parts.withheld_evidence`` for the sidecar; `restore_evidence` puts it back
    when the journal is carried into the next build, so once the claim is public the entry is
    replayed as written (and the chain from it on gets new hashes, as after any change to the
    seeds).
    """
    withheld = parts.withheld_ids
    public = []
    for entry in entries:
        if withheld.isdisjoint(entry.evidence):
            public.append(entry)
            continue
        public_items = [e for e in entry.evidence if e not in withheld]
        shown = replace(entry, evidence=[WITHHELD_EVIDENCE, *public_items])
        parts.withheld_evidence[_entry_key(shown)] = evidence_json(entry.evidence)
        public.append(shown)
    return public


def restore_evidence(entries: Sequence[Entry], db_path: Path) -> list[Entry]:
    """Entries of the public journal at ``db_path`` with the evidence it left out put back."""
    if not any(WITHHELD_EVIDENCE in entry.evidence for entry in entries):
        return list(entries)
    kept = _kept_evidence(internal_path(db_path))
    restored = []
    for entry in entries:
        if WITHHELD_EVIDENCE in entry.evidence:
            evidence = kept.get(_entry_key(entry))
            if evidence is None:
                raise LedgerError(
                    f"journal entry {entry.seq} of {db_path} cites a withheld claim that "
                    f"{internal_path(db_path)} does not name; restore that file, or replay "
                    "the journal from an export (`ledger journal export`)"
                )
            # Its hashes were those of its public form: leave them out with it.
            entry = replace(entry, evidence=json.loads(evidence), prev_hash=None, hash=None)
        restored.append(entry)
    return restored


def _entry_key(entry: Entry) -> str:
    """An entry's identity whatever its place in a chain: a hash of its content."""
    content = {k: v for k, v in entry.hashed().items() if k not in ("seq", "prev_hash")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _kept_evidence(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with reading(path) as conn:
        try:
            return dict(conn.execute("SELECT entry, evidence FROM withheld_evidence"))
        except sqlite3.OperationalError:  # a sidecar written before it kept evidence
            return {}


def write_internal(parts: Split, db_path: Path) -> Path:
    """Write the internal sidecar next to ``db_path``, atomically, readable by its owner only.

    The evidence kept by earlier builds is kept too: the public ledger beside the sidecar may
    still be one those builds wrote.
    """
    target = internal_path(db_path)
    evidence = {**_kept_evidence(target), **parts.withheld_evidence}
    with replacing(target) as building:
        _create_private(building)
        conn = sqlite3.connect(str(building))
        try:
            conn.executescript("""
                CREATE TABLE withheld_claims (id TEXT PRIMARY KEY, reason TEXT, record TEXT);
                CREATE TABLE withheld_relations (claim_id TEXT, kind TEXT, other_claim_id TEXT,
                                                 record TEXT);
                CREATE TABLE internal_fields (kind TEXT, id TEXT, field TEXT, value TEXT,
                                              PRIMARY KEY (kind, id, field));
                CREATE TABLE withheld_evidence (entry TEXT PRIMARY KEY, evidence TEXT NOT NULL);
            """)
            conn.executemany("INSERT INTO withheld_evidence VALUES (?, ?)", evidence.items())
            conn.executemany(
                "INSERT INTO withheld_claims VALUES (?, ?, ?)",
                [(c.id, reason, c.model_dump_json()) for c, reason in parts.withheld_claims],
            )
            conn.executemany(
                "INSERT INTO withheld_relations VALUES (?, ?, ?, ?)",
                [
                    (r.claim, r.kind.value, r.other, r.model_dump_json())
                    for r in parts.withheld_relations
                ],
            )
            conn.executemany(
                "INSERT INTO internal_fields VALUES (?, ?, ?, ?)", parts.internal_fields
            )
            conn.commit()
        finally:
            conn.close()
    return target


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600: SQLite then gives its journal file the same mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # in case the file was already there
    finally:
        os.close(descriptor)


def internal_record(db_path: Path, record_id: str) -> dict:
    """Everything internal about a claim or entity, for the desk (never served)."""
    path = internal_path(db_path)
    if not path.exists():
        raise LedgerError(f"{path}: no internal sidecar; run `ledger build`")
    with reading(path) as conn:
        fields = {
            f"{kind}.{name}": value
            for kind, name, value in conn.execute(
                "SELECT kind, field, value FROM internal_fields WHERE id = ?", (record_id,)
            )
        }
        withheld = conn.execute(
            "SELECT reason, record FROM withheld_claims WHERE id = ?", (record_id,)
        ).fetchone()
    if not fields and withheld is None:
        raise LedgerError(f"nothing internal is recorded about {record_id!r}")
    result: dict = {"id": record_id, "internal_fields": fields}
    if withheld:
        result["withheld"] = {"reason": withheld[0], "claim": json.loads(withheld[1])}
    return result
