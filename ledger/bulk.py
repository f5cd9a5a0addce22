"""Building a large ledger from a stream of seed records, validated on pydantic's fast path.

The YAML loader suits a desk's hand-edited seeds; a ledger of a million claims arrives as a
stream of records instead (``ledger synth`` writes one; an importer could too): lines of
``type<TAB>JSON``, parents before children, each document followed by its claims. Records are
validated in batches straight from JSON with the same models as the seeds; references are
checked by SQLite's foreign keys as rows go in; each quote is checked against its document's
text; the journal is chained as it is written. Memory holds one batch, the current document's
text and SQLite's bounded cache: the search names of entities and places wait in a temporary
table, fetched a batch at a time, so memory stays flat however large the ledger grows.

A child process validates and makes rows while this one inserts them, so the two halves of
the work overlap on two cores; the rows cross a pipe a chunk at a time (the pipe's small
buffer holds the child back when the writer is behind), so memory stays flat in both.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import multiprocessing
import resource
import sqlite3
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from pydantic import TypeAdapter, ValidationError

from . import rules, standing
from .errors import Problem, SeedErrors, describe_error, display_path
from .files import building
from .journal import (
    GENESIS_HASH,
    Entry,
    canonical,
    evidence_json,
    relation_key,
    seal_seed_state,
    seed_status_fields,
)
from .models import (
    Actor,
    Claim,
    Document,
    Entity,
    Ledger,
    Outlet,
    Place,
    Question,
    Relation,
    outlet_entity,
)
from .rows import (
    CLAIM_CHILD_TABLES,
    claim_children,
    claim_row,
    document_row,
    entity_row,
    place_row,
    relation_row,
)
from .schema import create_indexes, create_tables, enable_search
from .validate import is_url
from .vocabulary import EntityKind

BATCH = 2000
MODELS = {
    "outlet": Outlet,
    "actor": Actor,
    "entity": Entity,
    "place": Place,
    "question": Question,
    "document": Document,
    "claim": Claim,
    "relation": Relation,
    "journal": Entry,
}
BATCHES = {kind: TypeAdapter(list[model]) for kind, model in MODELS.items()}
RECORDS = {kind: TypeAdapter(model) for kind, model in MODELS.items()}
LOAD_ORDER = (
    "actor",
    "outlet",
    "entity",
    "place",
    "question",
    "document",
    "claim",
    "relation",
    "journal",
)
"""Within a chunk, records are written parents first (the stream itself is in this order)."""


def write_records(ledger: Ledger, path: Path) -> int:
    """Write a validated seed ledger as a record stream ``ledger build --records`` reads:
    parents first, each document followed by its claims. Returns the number of records."""
    twins = {o.id: outlet_entity(o) for o in ledger.outlets}
    claims_of: dict[str, list[Claim]] = {}
    for claim in ledger.claims:
        claims_of.setdefault(claim.document, []).append(claim)
    records: list[tuple[str, object]] = [
        *(("actor", a) for a in ledger.actors),
        *(("outlet", o) for o in ledger.outlets),
        # An outlet's own entity is made from its outlet record, unless an entity defines it.
        *(("entity", e) for e in ledger.entities if e != twins.get(e.id)),
        *(("place", p) for p in ledger.places),
        *(("question", q) for q in ledger.questions),
    ]
    for document in ledger.documents:
        records.append(("document", document))
        records.extend(("claim", c) for c in claims_of.get(document.id, []))
    records.extend(("relation", r) for r in ledger.relations)
    with open(path, "w", encoding="utf-8") as handle:
        for kind, record in records:
            body = record.model_dump_json(exclude_defaults=True)
            handle.write(f"{kind}\t{body}\n")
    return len(records)


REFERENCES_TABLE = "build_references"
"""A temporary table of the build: references SQLite's keys cannot check as rows go in (a
claim cited as evidence, an entity noted as maybe the same, a former id that must be free, a
relation that must be new), each with the stream line it came from, checked once every row
is in (``unresolved_references``). The same rules as ``validate.VALIDATIONS`` on the YAML."""

REFERENCE_CHECKS = {
    "claim": "NOT EXISTS (SELECT 1 FROM claims WHERE id = r.ref)",
    "entity": "NOT EXISTS (SELECT 1 FROM entities WHERE id = r.ref)",
    "former": "EXISTS (SELECT 1 FROM claims WHERE id = r.ref)",
    "relation": f"EXISTS (SELECT 1 FROM {REFERENCES_TABLE} o WHERE o.kind = 'relation' "
    "AND o.ref = r.ref AND o.line < r.line)",
}
"""For each kind of reference, when its row is a problem."""


def unresolved_references(conn: sqlite3.Connection, name: str) -> list[Problem]:
    """The problems among the build's recorded references, each on its own line."""
    conn.execute(
        f"CREATE INDEX temp.{REFERENCES_TABLE}_by_ref ON {REFERENCES_TABLE} (kind, ref, line)"
    )
    problems = []
    for kind, condition in REFERENCE_CHECKS.items():
        problems.extend(
            Problem(name, line, message)
            for line, message in conn.execute(
                f"SELECT r.line, r.message FROM {REFERENCES_TABLE} r "
                f"WHERE r.kind = ? AND {condition} ORDER BY r.line",
                (kind,),
            )
        )
    return problems


@dataclass
class BulkReport:
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    rows_out_seconds: float = 0.0  # time spent recording rows for the benchmark's floor
    validating_peak_bytes: int = 0  # the child's maximum resident set


# SQLite's page cache, in KiB, for the build and for its floor alike. It bounds their memory
# (the default here, 64 MB, made peak memory grow with the ledger until the cache filled);
# 16 MB built 400,000 claims no slower.
CACHE_KIB = 16_000


class _Names:
    """Search names and anonymity of entities and places, for claim rows.

    Kept in a temporary table rather than in dicts: a desk's ledger may hold millions of
    entities, and a claim batch needs only the few it mentions.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        conn.execute(
            "CREATE TEMP TABLE build_names "
            "(kind TEXT, id TEXT, names TEXT, anonymous INTEGER, PRIMARY KEY (kind, id))"
        )

    def add_entities(self, entities: list[Entity]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO build_names VALUES ('entity', ?, ?, ?)",
            [
                (
                    e.id,
                    " | ".join(dict.fromkeys([e.name, *e.aliases])),
                    int(e.kind is EntityKind.ANONYMOUS),
                )
                for e in entities
            ],
        )

    def add_places(self, places: list[Place]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO build_names VALUES ('place', ?, ?, 0)",
            [(p.id, " | ".join(dict.fromkeys([p.name, *p.aliases]))) for p in places],
        )

    def for_claims(self, claims: list[Claim]) -> tuple[dict[str, tuple[str, bool]], dict[str, str]]:
        """The names of every entity and place these claims mention (unknown ids are absent)."""
        entity_ids = {e for c in claims for e in c.speakers}
        entity_ids.update(s.entity for c in claims for s in c.subjects)
        entity_ids.update(r.entity for c in claims for r in c.via)
        place_ids = {p for c in claims for p in c.places}
        query = (
            "SELECT id, names, anonymous FROM build_names "
            "WHERE kind = ? AND id IN (SELECT value FROM json_each(?))"
        )
        entities = {
            id_: (names, bool(anonymous))
            for id_, names, anonymous in self.conn.execute(
                query, ("entity", json.dumps(sorted(entity_ids)))
            )
        }
        places = {
            id_: names
            for id_, names, _ in self.conn.execute(query, ("place", json.dumps(sorted(place_ids))))
        }
        return entities, places


def build_from_records(
    source: Path,
    db_path: Path,
    progress: Callable[[str, int], None] | None = None,
    rows_out: Path | None = None,
) -> BulkReport:
    """Validate ``source`` and build ``db_path`` from it; the old file survives any error.

    Two processes share the work: a child reads and validates the stream and makes the rows
    (`_produce`), while this one inserts them (`_Writer`), so that on two cores validating
    costs little more than inserting. With ``rows_out``, every batch of rows inserted is also
    written there (marshal), so a benchmark can time inserting exactly the same rows without
    any of this work.
    """
    source = Path(source)
    name = display_path(source)
    open(source, "rb").close()  # a missing or unreadable stream fails here, as it always did
    report = BulkReport()
    problems: list[Problem] = []
    step = progress or (lambda kind, count: None)
    rows_file = open(rows_out, "wb") if rows_out else None
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the validator once; each build's child then starts at once
    # instead of importing pydantic and the models anew (0.5 to 1 s a build).
    context.set_forkserver_preload(["ledger.bulk"])
    receiving, sending = context.Pipe(duplex=False)
    producer = context.Process(
        target=_produce, args=(str(source), name, sending), daemon=True, name="ledger-validate"
    )
    try:
        with building(db_path, cache_kib=CACHE_KIB) as conn:
            db = sqlite_utils.Database(conn)
            conn.execute("BEGIN")
            create_tables(db)
            conn.execute(
                f"CREATE TEMP TABLE {REFERENCES_TABLE} (kind TEXT, ref TEXT, line INTEGER, "
                "message TEXT)"
            )
            producer.start()
            sending.close()
            writer = _Writer(conn, name, problems, report, rows_file)
            _consume(receiving, writer, step, problems, report)
            problems.extend(unresolved_references(conn, name))
            if problems:
                raise SeedErrors(problems)
            conn.execute("COMMIT")
            step("indexes", 1)
            create_indexes(db)
            conn.execute("BEGIN")
            rules.derive_question_relations(conn)  # as the YAML road: part of the seed state
            conn.execute("COMMIT")
            seal_seed_state(conn)
            conn.execute("BEGIN")
            standing.refresh(conn)  # counts and status_evidence; rules run in audit
            conn.execute("COMMIT")
            enable_search(db)
    finally:
        receiving.close()
        if producer.is_alive():
            producer.kill()
        if producer.pid is not None:
            producer.join()
        if rows_file:
            rows_file.close()
    return report


def _produce(source: str, name: str, channel) -> None:
    """The child's part: read, validate and make rows, and send them down ``channel``.

    Messages (marshal): ("rows", {table: (sql, values, lines)}), ("step", kind, count), then
    ("done", problems, records, counts, peak memory) — or ("failed", traceback).
    """

    def send(message) -> None:
        channel.send_bytes(marshal.dumps(message))

    conn = sqlite3.connect("", isolation_level=None)  # a private temporary file for names
    try:
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        problems: list[Problem] = []
        report = BulkReport()
        loader = _Loader(
            name,
            _Names(conn),
            problems,
            report,
            step=lambda kind, count: send(("step", kind, count)),
            sink=lambda batch: send(("rows", batch)),
        )
        loader.load(Path(source))
        found = [(p.file, p.line, p.message) for p in problems]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        send(("done", found, report.records, report.counts, peak))
    except BrokenPipeError:
        pass  # the writer stopped: nothing is waiting for the rest
    except BaseException:
        send(("failed", traceback.format_exc()))
    finally:
        conn.close()
        channel.close()


def _consume(channel, writer: _Writer, step, problems: list[Problem], report: BulkReport):
    """The writer's part: insert what the child sends until it is done."""
    while True:
        try:
            message = marshal.loads(channel.recv_bytes())
        except EOFError:
            raise RuntimeError("the validating process stopped without finishing") from None
        kind = message[0]
        if kind == "rows":
            writer.write(message[1])
        elif kind == "step":
            step(message[1], message[2])
        elif kind == "done":
            _, found, report.records, report.counts, report.validating_peak_bytes = message
            problems.extend(Problem(*problem) for problem in found)
            return
        else:
            raise RuntimeError(f"validating the stream failed:\n{message[1]}")


class _Writer:
    """Inserts batches of rows, naming the line of every row SQLite refuses."""

    def __init__(self, conn, name, problems, report, rows_file):
        self.conn, self.name, self.problems = conn, name, problems
        self.report, self.rows_file = report, rows_file

    def write(self, batch: dict[str, tuple[str, list[tuple], list[int]]]) -> None:
        for table, (sql, values, lines) in batch.items():
            # executemany stops at the first row SQLite refuses; the rows before it are in, as
            # total_changes tells. Name that row's line and go on after it. (The build's
            # journal is off, so nothing could be rolled back; a build with problems is
            # thrown away whole.)
            start, refused = 0, False
            while start < len(values):
                before = self.conn.total_changes
                try:
                    self.conn.executemany(sql, values[start:])
                    break
                except sqlite3.IntegrityError as exc:
                    failed = start + self.conn.total_changes - before
                    self.problems.append(
                        Problem(self.name, lines[failed], f"{table}: {_reason(exc)}")
                    )
                    start, refused = failed + 1, True
            if self.rows_file is not None and not refused and table != REFERENCES_TABLE:
                began = time.perf_counter()
                marshal.dump((sql, values), self.rows_file)
                self.report.rows_out_seconds += time.perf_counter() - began


class _Loader:
    def __init__(self, name, names, problems, report, step, sink):
        self.name, self.names = name, names
        self.problems, self.report, self.step, self.sink = problems, report, step, sink
        self.documents: dict[str, Document] = {}
        self.last_document: str | None = None
        self.pending: dict[str, tuple[list[dict], list[int]]] = {}
        self.seq, self.prev_hash = 0, GENESIS_HASH
        self.outlet_twins: list[tuple[int, Outlet]] = []
        self.outlet_ids: set[str] = set()
        self.defined: set[str] = set()  # outlet ids an entity record defines

    def load(self, source: Path) -> None:
        chunk: list[tuple[int, str, bytes]] = []
        with open(source, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                head, _, body = line.rstrip(b"\n").partition(b"\t")
                kind = head.decode("ascii", "replace")
                if kind not in MODELS:
                    self.problems.append(
                        Problem(self.name, number, f"unknown record type {kind!r}")
                    )
                    continue
                chunk.append((number, kind, body))
                if len(chunk) >= BATCH:
                    self._chunk(chunk)
                    chunk = []
        self._chunk(chunk)
        self._outlet_entities()
        self._write()

    def _chunk(self, chunk: list[tuple[int, str, bytes]]) -> None:
        """Validate a chunk kind by kind, then write it, parents first."""
        by_kind: dict[str, list[tuple[int, bytes]]] = {}
        for number, kind, body in chunk:
            by_kind.setdefault(kind, []).append((number, body))
        for kind in LOAD_ORDER:
            batch = by_kind.get(kind)
            if not batch:
                continue
            self.report.records += len(batch)
            self.report.counts[kind] = self.report.counts.get(kind, 0) + len(batch)
            if LOAD_ORDER.index(kind) > LOAD_ORDER.index("entity"):
                self._outlet_entities()  # every entity record came before this kind
            records = self._validate(kind, batch)
            if records:
                getattr(self, f"_{kind}")(records)
            self.step(kind, len(batch))
        self._write()

    def _validate(self, kind: str, batch: list[tuple[int, bytes]]) -> list[tuple[int, object]]:
        """The batch's valid records; each invalid one becomes a problem on its own line."""
        payload = b"[" + b",".join(body for _, body in batch) + b"]"
        try:
            return list(
                zip((n for n, _ in batch), BATCHES[kind].validate_json(payload), strict=True)
            )
        except ValidationError:
            pass
        # Something in the batch is wrong (maybe a line is not JSON at all, which pydantic can
        # only place in the joined payload): validate record by record to name each line.
        records = []
        for line, body in batch:
            try:
                records.append((line, RECORDS[kind].validate_json(body)))
            except ValidationError as exc:
                for error in exc.errors():
                    self.problems.append(
                        Problem(self.name, line, f"{kind}: {describe_error(error)}")
                    )
        return records

    def _insert(self, table: str, rows: list[dict], lines: list[int]) -> None:
        """Queue rows for the table; `_write` inserts the chunk's rows table by table."""
        if rows:
            pending = self.pending.setdefault(table, ([], []))
            pending[0].extend(rows)
            pending[1].extend(lines)

    def _write(self) -> None:
        """Hand the chunk's rows to the writer: per table, the INSERT, the values, the lines."""
        batch = {}
        for table, (rows, lines) in self.pending.items():
            columns = list(rows[0])
            sql = (
                f"INSERT INTO [{table}] ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            batch[table] = (sql, [tuple(row.values()) for row in rows], lines)  # same keys
        if batch:
            self.sink(batch)
        self.pending = {}

    def _outlet(self, records):
        lines = [n for n, _ in records]
        self._insert(
            "outlets", [o.model_dump(mode="json", exclude={"aliases"}) for _, o in records], lines
        )
        # An outlet speaks as an entity of its id unless an entity record defines it (as in
        # the YAML seeds): its entity waits until the entities have been read.
        self.outlet_twins.extend(records)
        self.outlet_ids.update(o.id for _, o in records)

    def _outlet_entities(self):
        """The entities of outlets no entity record defined, once, before anything cites them."""
        twins = [(n, outlet_entity(o)) for n, o in self.outlet_twins if o.id not in self.defined]
        self.outlet_twins = []
        if twins:
            self._entity(twins)

    def _actor(self, records):
        self._insert(
            "actors", [a.model_dump(mode="json") for _, a in records], [n for n, _ in records]
        )

    def _entity(self, records):
        self.defined.update(e.id for _, e in records if e.id in self.outlet_ids)
        lines = [n for n, _ in records]
        self._insert("entities", [entity_row(e) for _, e in records], lines)
        self.names.add_entities([e for _, e in records])
        alias_rows, alias_lines, ties, tie_lines = [], [], [], []
        for line, entity in records:
            if entity.real_identity:
                self.problems.append(
                    Problem(
                        self.name,
                        line,
                        f"entity {entity.id}: a real identity is internal; put it in the seeds",
                    )
                )
            for alias in dict.fromkeys(entity.aliases):
                alias_rows.append({"entity_id": entity.id, "alias": alias})
                alias_lines.append(line)
            for tie in entity.affiliations:
                if tie.entity == entity.id:
                    self.problems.append(
                        Problem(self.name, line, f"entity {entity.id}: affiliated with itself")
                    )
                    continue
                ties.append({"entity_id": entity.id, "affiliated_id": tie.entity, "note": tie.note})
                tie_lines.append(line)
            for i, other in enumerate(entity.may_be_same_as):
                message = f"entity {entity.id}: may_be_same_as.{i}: unknown entity id {other!r}"
                self._reference("entity", other, line, message)
        self._insert("aliases", alias_rows, alias_lines)
        self._insert("affiliations", ties, tie_lines)

    def _place(self, records):
        self.names.add_places([p for _, p in records])
        self._insert("places", [place_row(p) for _, p in records], [n for n, _ in records])

    def _question(self, records):
        self._insert(
            "questions", [q.model_dump(mode="json") for _, q in records], [n for n, _ in records]
        )

    def _document(self, records):
        self._insert("documents", [document_row(d) for _, d in records], [n for n, _ in records])
        # Claims follow their document: keep this chunk's documents and the last one before.
        last = self.documents.get(self.last_document)
        self.documents = {d.id: d for _, d in records}
        if last is not None:
            self.documents.setdefault(last.id, last)
        self.last_document = records[-1][1].id

    def _claim(self, records):
        rows, lines, journal = [], [], []
        children: dict[str, list[dict]] = {table: [] for table in CLAIM_CHILD_TABLES}
        child_lines: dict[str, list[int]] = {table: [] for table in CLAIM_CHILD_TABLES}
        entity_names, place_names = self.names.for_claims([c for _, c in records])
        for line, claim in records:
            if claim.visibility.value != "public" or claim.embargo_until or claim.internal_note:
                self.problems.append(
                    Problem(
                        self.name,
                        line,
                        f"claim {claim.id}: internal or embargoed claims and "
                        "internal notes are not taken by the bulk loader (see ledger/boundary.py); "
                        "put them in the seeds",
                    )
                )
                continue
            document = self.documents.get(claim.document)
            if document is None:
                self.problems.append(
                    Problem(
                        self.name,
                        line,
                        f"claim {claim.id}: its document {claim.document} must come just before "
                        "its claims",
                    )
                )
                continue
            anchor = claim.anchor
            if (
                anchor is None
                or document.text[anchor.start : anchor.start + len(claim.quote)] != claim.quote
            ):
                self.problems.append(
                    Problem(
                        self.name,
                        line,
                        f"claim {claim.id}: quote not found at its anchor in the document text",
                    )
                )
                continue
            try:
                rows.append(claim_row(claim, document, entity_names, place_names))
            except KeyError as exc:
                self.problems.append(
                    Problem(
                        self.name,
                        line,
                        f"claim {claim.id}: unknown entity or place {exc.args[0]!r}",
                    )
                )
                continue
            lines.append(line)
            for table, child_rows in claim_children(claim).items():
                children[table].extend(child_rows)
                child_lines[table].extend([line] * len(child_rows))
            if claim.verification is not None:
                journal.append((line, Entry(**seed_status_fields(claim))))
                for i, evidence in enumerate(claim.verification.evidence):
                    if not is_url(evidence):
                        message = (
                            f"claim {claim.id}: verification.evidence.{i}: unknown claim id "
                            f"{evidence!r}"
                        )
                        self._reference("claim", evidence, line, message)
            for i, former in enumerate(claim.former_ids):
                message = f"claim {claim.id}: former_ids.{i}: {former!r} is a claim's id"
                self._reference("former", former, line, message)
        self._insert("claims", rows, lines)
        for table in CLAIM_CHILD_TABLES:
            self._insert(table, children[table], child_lines[table])
        self._chain(journal)

    def _relation(self, records):
        self._insert("relations", [relation_row(r) for _, r in records], [n for n, _ in records])
        for line, r in records:
            key = "\x1f".join(relation_key(r.claim, r.kind.value, r.other))
            message = f"relation {r.claim} {r.kind.value} {r.other} is already recorded"
            self._reference("relation", key, line, message)

    def _reference(self, kind: str, ref: str, line: int, message: str) -> None:
        """Record a reference to check once every row is in (see REFERENCES_TABLE)."""
        row = {"kind": kind, "ref": ref, "line": line, "message": message}
        self._insert(REFERENCES_TABLE, [row], [line])

    def _journal(self, records):
        self._chain(records)

    def _chain(self, records: list[tuple[int, Entry]]) -> None:
        """Number, link and hash journal entries in stream order."""
        rows = []
        for _, e in records:
            # The row of `Entry.as_row()` and the hash of `entry_hash()`, without making a new
            # Entry for each (a sixth of a large build went to copying them).
            self.seq += 1
            evidence = evidence_json(e.evidence)
            text = canonical(
                self.seq,
                e.claim_id,
                e.action,
                e.old_value,
                e.new_value,
                e.actor_id,
                e.recorded_at,
                e.rationale,
                evidence,
                e.origin,
                self.prev_hash,
            )
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            rows.append(
                {
                    "claim_id": e.claim_id,
                    "action": e.action,
                    "actor_id": e.actor_id,
                    "recorded_at": e.recorded_at,
                    "rationale": e.rationale,
                    "old_value": e.old_value,
                    "new_value": e.new_value,
                    "evidence": evidence,
                    "origin": e.origin,
                    "seq": self.seq,
                    "prev_hash": self.prev_hash,
                    "hash": digest,
                }
            )
            self.prev_hash = digest
        self._insert("journal", rows, [line for line, _ in records])


def _reason(exc: sqlite3.IntegrityError) -> str:
    text = str(exc)
    if "FOREIGN KEY" in text:
        return "refers to an id that does not exist (or not yet: parents come first)"
    if "UNIQUE" in text:
        return f"duplicate ({text.split(':', 1)[-1].strip()})"
    return text


def insert_rows(rows_file: Path, db_path: Path) -> int:
    """The floor: insert rows recorded by a build into a fresh schema, with no other work."""
    count = 0
    with building(db_path, foreign_keys=False, cache_kib=CACHE_KIB) as conn:
        db = sqlite_utils.Database(conn)
        conn.execute("BEGIN")
        create_tables(db)
        with open(rows_file, "rb") as handle:
            while True:
                try:
                    sql, values = marshal.load(handle)
                except EOFError:
                    break
                conn.executemany(sql, values)
                count += len(values)
        conn.execute("COMMIT")
        create_indexes(db)
        conn.execute("BEGIN")
        standing.refresh(conn)  # the same derived columns as the build
        conn.execute("COMMIT")
        enable_search(db)
    return count
